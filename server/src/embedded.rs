//! A private PostgreSQL cluster, started from the machine's PostgreSQL binaries
//! in a data folder of ours, reachable only through a Unix socket.
//!
//! `initdb` refuses to run as root, so when we are root the cluster belongs to
//! an unprivileged system user (`postgres` by default) and every PostgreSQL
//! program is run as that user.
use std::{
    ffi::OsStr,
    fs,
    hash::{DefaultHasher, Hash, Hasher},
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Command, Output},
};

use nix::unistd::{chown, Gid, Uid, User};
use sqlx::postgres::PgConnectOptions;

/// The superuser name of the private cluster.
pub const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir`, PATH and \
         /usr/lib/postgresql/*/bin); install them with `apt-get install postgresql` or set DATABASE_URL"
    )]
    NoBinaries,
    #[error("running as root, but there is no unprivileged user `{0}` to own the cluster (apt-get install postgresql creates it)")]
    NoServiceUser(String),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("i/o error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError + '_ {
    move |source| EmbeddedError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A running private cluster. [`EmbeddedPostgres::stop`] shuts it down cleanly.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    pg_data: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(Uid, Gid)>,
    /// False when we found it already running (another process of ours owns it).
    started_by_us: bool,
}

impl EmbeddedPostgres {
    /// Creates the cluster on first use and starts it (or reuses a running one).
    pub fn start(data_dir: &Path) -> Result<Self, EmbeddedError> {
        Self::start_with(data_dir, |pg| {
            tracing::info!(data = %pg.pg_data.display(), "creating the private PostgreSQL cluster");
            pg.run(
                "initdb",
                [
                    OsStr::new("-D"),
                    pg.pg_data.as_os_str(),
                    OsStr::new("-U"),
                    OsStr::new(SUPERUSER),
                    OsStr::new("--auth=trust"),
                    OsStr::new("--encoding=UTF8"),
                    OsStr::new("--locale=C.UTF-8"),
                ],
            )
            .map(drop)
        })
    }

    /// Starts a streaming standby of this (running) cluster in `data_dir`,
    /// made on first use by `pg_basebackup -R` over this cluster's socket as
    /// its superuser: a hot standby that answers read-only queries and replays
    /// what this cluster writes (for tests of the read replica).
    pub fn start_standby(&self, data_dir: &Path) -> Result<Self, EmbeddedError> {
        Self::start_with(data_dir, |standby| {
            standby
                .run(
                    "pg_basebackup",
                    [
                        OsStr::new("-D"),
                        standby.pg_data.as_os_str(),
                        OsStr::new("-h"),
                        self.socket_dir.as_os_str(),
                        OsStr::new("-p"),
                        OsStr::new(&PORT.to_string()),
                        OsStr::new("-U"),
                        OsStr::new(SUPERUSER),
                        OsStr::new("-R"),
                        OsStr::new("-X"),
                        OsStr::new("stream"),
                        OsStr::new("-c"),
                        OsStr::new("fast"),
                    ],
                )
                .map(drop)
        })
    }

    /// `create` makes the data folder's cluster when it has none yet.
    fn start_with(
        data_dir: &Path,
        create: impl FnOnce(&EmbeddedPostgres) -> Result<(), EmbeddedError>,
    ) -> Result<Self, EmbeddedError> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedError::NoBinaries)?;
        let run_as = service_user()?;
        fs::create_dir_all(data_dir).map_err(io_err(data_dir))?;
        let mut data_dir = data_dir.canonicalize().map_err(io_err(data_dir))?;
        if let Some((uid, gid)) = run_as {
            if !can_reach(&data_dir, uid, gid) {
                // e.g. a checkout under /root: the service user cannot enter it.
                let fallback = fallback_dir_for(&data_dir);
                tracing::warn!(
                    wanted = %data_dir.display(),
                    using = %fallback.display(),
                    "the PostgreSQL service user cannot reach the data folder; using a folder it can reach"
                );
                fs::create_dir_all(&fallback).map_err(io_err(&fallback))?;
                data_dir = fallback;
            }
        }
        let pg_data = data_dir.join("pg");
        let socket_dir = socket_dir_for(&data_dir);
        for dir in [&pg_data, &socket_dir] {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err(dir))?;
            if let Some((uid, gid)) = run_as {
                chown(dir.as_path(), Some(uid), Some(gid)).map_err(|e| EmbeddedError::Io {
                    path: dir.to_path_buf(),
                    source: e.into(),
                })?;
            }
        }
        let pg = EmbeddedPostgres {
            bin_dir,
            pg_data,
            socket_dir,
            run_as,
            started_by_us: true,
        };
        if !pg.pg_data.join("PG_VERSION").exists() {
            create(&pg)?;
        }
        pg.remove_stale_pid_file();
        if pg.is_running() {
            tracing::info!(data = %pg.pg_data.display(), "reusing the private PostgreSQL cluster that is already running");
            return Ok(EmbeddedPostgres {
                started_by_us: false,
                ..pg
            });
        }
        let log = pg.pg_data.join("server.log");
        let options = format!(
            "-c listen_addresses='' -k {} -p {PORT} -c max_connections=200 -c fsync=on",
            pg.socket_dir.display()
        );
        pg.run(
            "pg_ctl",
            [
                OsStr::new("-D"),
                pg.pg_data.as_os_str(),
                OsStr::new("-l"),
                log.as_os_str(),
                OsStr::new("-o"),
                OsStr::new(&options),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("start"),
            ],
        )?;
        tracing::info!(
            data = %pg.pg_data.display(),
            socket = %pg.socket_dir.display(),
            "private PostgreSQL cluster started"
        );
        Ok(pg)
    }

    /// Connection options for `database` as `user` over the cluster's socket.
    pub fn connect_options(&self, user: &str, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(user)
            .database(database)
    }

    /// A `postgres://` URL for the same (for tools and the test harness).
    pub fn url(&self, user: &str, database: &str) -> String {
        format!(
            "postgres://{user}@localhost:{PORT}/{database}?host={}",
            self.socket_dir.display()
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.pg_data
    }

    /// After a crash `postmaster.pid` stays behind; when its pid is gone or now
    /// belongs to another program (pids are reused after a reboot), PostgreSQL
    /// would refuse to start, so the stale file is removed.
    fn remove_stale_pid_file(&self) {
        let pid_file = self.pg_data.join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return;
        };
        let pid = text.lines().next().unwrap_or_default().trim();
        let alive_postgres = !pid.is_empty()
            && fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|comm| comm.trim().starts_with("postgres"))
                .unwrap_or(false);
        if !alive_postgres {
            match fs::remove_file(&pid_file) {
                Ok(()) => tracing::warn!(pid, "removed a stale postmaster.pid left by a crash"),
                Err(error) => tracing::warn!(%error, "could not remove a stale postmaster.pid"),
            }
        }
    }

    fn is_running(&self) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(&self.pg_data)
            .arg("status")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Stops the cluster (fast shutdown: sessions are ended, data is safe).
    pub fn stop(&self) {
        self.stop_in("fast");
    }

    /// Stops the cluster as a crash would (`-m immediate`: every process quits
    /// at once, connections are cut, the next start recovers from the WAL).
    /// For fault tests.
    pub fn crash(&self) {
        self.stop_in("immediate");
    }

    fn stop_in(&self, mode: &str) {
        if !self.started_by_us {
            return;
        }
        let result = self.run(
            "pg_ctl",
            [
                OsStr::new("-D"),
                self.pg_data.as_os_str(),
                OsStr::new("-m"),
                OsStr::new(mode),
                OsStr::new("-w"),
                OsStr::new("stop"),
            ],
        );
        match result {
            Ok(_) => tracing::info!("private PostgreSQL cluster stopped"),
            Err(error) => tracing::warn!(%error, "could not stop the private PostgreSQL cluster"),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        self.drop_privileges(&mut cmd);
        cmd
    }

    fn drop_privileges(&self, cmd: &mut Command) {
        cmd.current_dir("/");
        if let Some((uid, gid)) = self.run_as {
            // std drops root's supplementary groups when it sets the uid.
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
            cmd.env("HOME", &self.pg_data);
        }
    }

    fn run<I, S>(&self, program: &str, args: I) -> Result<Output, EmbeddedError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self
            .command(program)
            .args(args)
            .output()
            .map_err(|e| EmbeddedError::Command {
                what: program.into(),
                detail: e.to_string(),
            })?;
        if output.status.success() {
            Ok(output)
        } else {
            let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
            if detail.is_empty() {
                detail = String::from_utf8_lossy(&output.stdout).trim().to_string();
            }
            let log = self.pg_data.join("server.log");
            if program == "pg_ctl" {
                if let Ok(text) = fs::read_to_string(&log) {
                    let tail: Vec<&str> = text.lines().rev().take(10).collect();
                    detail.push_str("\nserver log (last lines):\n");
                    detail.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
                }
            }
            Err(EmbeddedError::Command {
                what: program.into(),
                detail,
            })
        }
    }
}

/// The socket goes in the data folder when the path is short enough for a Unix
/// socket (about 100 bytes), otherwise in a short folder under /tmp named after
/// the data folder.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let in_data = data_dir.join("run");
    let socket_path_len = in_data.as_os_str().len() + "/.s.PGSQL.5432.lock".len();
    if socket_path_len < 100 {
        return in_data;
    }
    let mut hasher = DefaultHasher::new();
    data_dir.hash(&mut hasher);
    PathBuf::from(format!(
        "/tmp/shopfloor-{:012x}",
        hasher.finish() & 0xffff_ffff_ffff
    ))
}

/// Whether `uid` can enter and list `dir` (checked by running `test` as that user).
fn can_reach(dir: &Path, uid: Uid, gid: Gid) -> bool {
    Command::new("test")
        .arg("-x")
        .arg(dir)
        .current_dir("/")
        .uid(uid.as_raw())
        .gid(gid.as_raw())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A stable folder under /var/tmp for a data folder the service user cannot reach.
fn fallback_dir_for(data_dir: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    data_dir.hash(&mut hasher);
    PathBuf::from(format!(
        "/var/tmp/shopfloor-{:012x}",
        hasher.finish() & 0xffff_ffff_ffff
    ))
}

/// The user to run PostgreSQL as: None when we are not root.
fn service_user() -> Result<Option<(Uid, Gid)>, EmbeddedError> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let name = std::env::var("SHOPFLOOR_PG_USER").unwrap_or_else(|_| "postgres".into());
    match User::from_name(&name) {
        Ok(Some(user)) => Ok(Some((user.uid, user.gid))),
        _ => Err(EmbeddedError::NoServiceUser(name)),
    }
}

/// Finds the directory holding `initdb` and `pg_ctl`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has_tools(&dir) {
                return Some(dir);
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_data_dirs_get_a_short_socket_dir() {
        let short = socket_dir_for(Path::new("/srv/shop/.data"));
        assert_eq!(short, PathBuf::from("/srv/shop/.data/run"));
        let deep = PathBuf::from(format!("/{}/.data", "very-long-folder-name/".repeat(8)));
        let dir = socket_dir_for(&deep);
        assert!(dir.starts_with("/tmp"));
        assert!(dir.as_os_str().len() + "/.s.PGSQL.5432.lock".len() < 100);
        assert_eq!(dir, socket_dir_for(&deep), "stable for the same folder");
    }
}

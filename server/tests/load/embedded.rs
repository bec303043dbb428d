//! The embedded default: a private cluster that survives a crash of its own.
use std::{path::PathBuf, time::Duration};

use nix::{sys::signal, unistd::Pid};
use server::embedded::{EmbeddedPostgres, SUPERUSER};
use sqlx::{Connection, PgConnection};

fn scratch_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-embedded")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

async fn query_marker(pg: &EmbeddedPostgres) -> Option<String> {
    let mut conn = PgConnection::connect_with(&pg.connect_options(SUPERUSER, "postgres"))
        .await
        .ok()?;
    sqlx::query_scalar("SELECT note FROM crash_marker")
        .fetch_optional(&mut conn)
        .await
        .ok()?
}

/// A process's state and parent from `/proc/<pid>/stat` (the command name
/// in parentheses may hold spaces, so fields are read after its `)`).
fn proc_stat(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// Whether a process still runs (a zombie has exited).
fn running(pid: i32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z')
}

fn children_of(parent: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| proc_stat(*pid).is_some_and(|(_, p)| p == parent))
        .collect()
}

#[test]
fn embedded_cluster_restarts_after_a_crash_and_keeps_its_data() {
    let _turn = crate::one_at_a_time_blocking();
    let dir = scratch_dir();
    let rt = tokio::runtime::Runtime::new().unwrap();

    let pg = EmbeddedPostgres::start(&dir).expect("first start creates the cluster");
    rt.block_on(async {
        let mut conn = PgConnection::connect_with(&pg.connect_options(SUPERUSER, "postgres"))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE crash_marker (note text)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO crash_marker VALUES ('still here')")
            .execute(&mut conn)
            .await
            .unwrap();
        // No TCP: the cluster listens on its socket only.
        let listen: String = sqlx::query_scalar("SHOW listen_addresses")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(listen, "");
        conn.close().await.unwrap();
    });

    // Crash: the postmaster dies without cleaning up its pid file.
    let pid_file = pg.data_dir().join("postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let backends = children_of(pid);
    signal::kill(Pid::from_raw(pid), signal::Signal::SIGKILL).unwrap();
    // Its backends notice and exit on their own, and the dead postmaster is
    // reaped (until then its pid still looks like a running postgres): wait
    // until both have happened.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while proc_stat(pid).is_some() || backends.iter().any(|b| running(*b)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the backends outlived their postmaster"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(pid_file.exists(), "the crash leaves a stale pid file behind");
    drop(pg);

    let pg = EmbeddedPostgres::start(&dir).expect("starts again over the stale pid file");
    let marker = rt.block_on(query_marker(&pg));
    assert_eq!(marker.as_deref(), Some("still here"), "data survived the crash");
    pg.stop();
    assert!(!pid_file.exists(), "a clean stop removes the pid file");

    // A second start reuses the data.
    let pg = EmbeddedPostgres::start(&dir).unwrap();
    assert_eq!(rt.block_on(query_marker(&pg)).as_deref(), Some("still here"));
    pg.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

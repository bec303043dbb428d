//! Real processes for the fault and scale tests: the `server` binary on a
//! port of its own against a test database, and an HTTP client that talks to
//! it (or to a proxy in front of it) the way a till does.
use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
    process::Stdio,
    sync::atomic::{AtomicU16, Ordering},
    time::Duration,
};

use axum::body::Body;
use http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use tokio::process::{Child, Command};

/// A port for a process a test starts: 3400–3499 (the range these tests keep
/// to), handed out once per test run and checked free when handed out.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    for _ in 0..100 {
        let port = 3400 + NEXT.fetch_add(1, Ordering::Relaxed) % 100;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 3400-3499");
}

/// `cluster` (a `postgres://` URL) with another database and, when `user` is
/// given, another user (without a password: the test clusters trust local
/// connections).
pub fn database_url(cluster: &str, user: Option<&str>, database: &str) -> String {
    let (scheme, rest) = cluster.split_once("://").expect("a postgres:// URL");
    let (authority_and_path, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = authority_and_path.split('/').next().unwrap_or_default();
    let authority = match user {
        Some(user) => {
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let mut url = format!("{scheme}://{authority}/{database}");
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-processes");
    std::fs::create_dir_all(&dir).expect("a folder for process logs");
    dir
}

/// The `server` binary serving one database on `127.0.0.1:port`, killed when
/// dropped. Its output goes to a log file that failures quote.
pub struct ServerProcess {
    child: Option<Child>,
    pub port: u16,
    tenant_url: String,
    owner_url: String,
    /// Further environment, set last (over what `start_again` sets or removes).
    extra_env: Vec<(String, String)>,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts the server (migrations already applied) and waits until it answers.
    pub async fn start(name: &str, tenant_url: &str, owner_url: &str) -> ServerProcess {
        Self::start_with(name, tenant_url, owner_url, free_port(), &[]).await
    }

    /// [`ServerProcess::start`] on `port` with further environment `env`.
    pub async fn start_with(
        name: &str,
        tenant_url: &str,
        owner_url: &str,
        port: u16,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let log = scratch_dir().join(format!("{name}-{}.log", uuid::Uuid::new_v4().simple()));
        let mut server = ServerProcess {
            child: None,
            port,
            tenant_url: tenant_url.to_owned(),
            owner_url: owner_url.to_owned(),
            extra_env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            log,
        };
        server.start_again().await;
        server
    }

    /// Starts the process again on the same port and database (after [`kill`]).
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server is still running");
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the server log");
        let err = out.try_clone().expect("log handle");
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("DATABASE_URL", &self.tenant_url)
            .env("SHOPFLOOR_OWNER_DATABASE_URL", &self.owner_url)
            .env("SHOPFLOOR_BASE_DOMAIN", "localhost")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", self.port))
            .env("SHOPFLOOR_SKIP_MIGRATIONS", "true")
            .env("RUST_LOG", "warn,server=info")
            .env_remove("SHOPFLOOR_METRICS_ADDR")
            .env_remove("SENTRY_DSN")
            .env_remove("SHOPFLOOR_SMTP_URL")
            .env_remove("SHOPFLOOR_SEED_DEMO")
            .env_remove("SHOPFLOOR_HTTPS")
            .env_remove("SHOPFLOOR_TRUSTED_PROXIES")
            .env_remove("SHOPFLOOR_REPLICA_URL")
            .envs(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .expect("start the server binary");
        self.child = Some(child);
        self.wait_ready().await;
    }

    /// Waits (at most 60 s) until `/healthz` answers 200.
    async fn wait_ready(&mut self) {
        let http = Http::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = http.get(self.port, "localhost", "/healthz", None).await {
                if answer.status == StatusCode::OK {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!(
                    "the server exited ({status}) before answering:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server did not answer within 60 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, no flushing, in-flight requests cut.
    pub async fn kill(&mut self) {
        use std::os::unix::process::ExitStatusExt;
        let mut child = self.child.take().expect("the server runs");
        child.start_kill().expect("send SIGKILL");
        let status = child.wait().await.expect("reap the server");
        assert_eq!(status.signal(), Some(9), "the server died of SIGKILL");
    }

    /// The process id while it runs (the same one means it was never restarted).
    pub fn pid(&mut self) -> Option<u32> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(None) => child.id(),
            _ => None,
        }
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Whether the server's log has a line with `needle` in it.
    pub fn log_contains(&self, needle: &str) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .contains(needle)
    }

    /// A log file for a helper process of the same test (a proxy).
    pub fn sibling_log(&self, name: &str) -> File {
        File::create(self.log.with_extension(format!("{name}.log"))).expect("a log file")
    }
}

/// The reverse proxy the scale tests put in front of the servers: Debian's
/// HAProxy (`bash .ci/dev test` installs it).
pub fn haproxy_binary() -> Option<PathBuf> {
    let in_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("haproxy"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    [PathBuf::from("/usr/sbin/haproxy")]
        .into_iter()
        .chain(in_path)
        .find(|candidate| candidate.is_file())
}

/// HAProxy on `127.0.0.1:port`, round-robin over `backends` (each request is
/// balanced on its own), naming the instance that answered in `X-Served-By`
/// (`one`, `two`, …). Killed when dropped.
pub struct Proxy {
    _child: Child,
    pub port: u16,
    config: PathBuf,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.config);
    }
}

/// The instance names the proxy gives its backends, in order.
pub const INSTANCE_NAMES: [&str; 2] = ["one", "two"];

impl Proxy {
    pub async fn start(binary: &Path, backends: &[u16], log: File) -> Proxy {
        let port = free_port();
        let servers: String = backends
            .iter()
            .zip(INSTANCE_NAMES)
            .map(|(backend, name)| format!("    server {name} 127.0.0.1:{backend}\n"))
            .collect();
        let config = format!(
            "global\n    maxconn 2000\n\
             defaults\n    mode http\n    timeout connect 5s\n    timeout client 120s\n    timeout server 120s\n\
             frontend shop\n    bind 127.0.0.1:{port}\n    default_backend instances\n\
             backend instances\n    balance roundrobin\n    http-response set-header X-Served-By %[srv_name]\n{servers}"
        );
        let path = scratch_dir().join(format!("haproxy-{port}-{}.cfg", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, config).expect("write the proxy's configuration");
        let err = log.try_clone().expect("log handle");
        let child = Command::new(binary)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .expect("start haproxy");
        let mut proxy = Proxy {
            _child: child,
            port,
            config: path,
        };
        let http = Http::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(answer) = http.get(port, "localhost", "/healthz", None).await {
                if answer.status == StatusCode::OK {
                    break;
                }
            }
            if let Ok(Some(status)) = proxy._child.try_wait() {
                panic!("haproxy exited ({status}); see its log beside the servers' logs");
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "haproxy did not answer within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        proxy
    }
}

impl Drop for ServerProcess {
    /// The logs of a test that passed are removed; a failing test's stay
    /// under `target/test-processes` to read.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
            let _ = std::fs::remove_file(self.log.with_extension("haproxy.log"));
        }
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The instance that answered, as the proxy names it (`X-Served-By`).
    pub fn served_by(&self) -> String {
        self.header("x-served-by").unwrap_or_default().to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The session cookie this answer sets (`name=value`).
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("shopfloor_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }
}

/// An HTTP/1.1 client with keep-alive, as a browser or till would use.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Body>,
}

/// How long one request may take before the client gives up on it (a hung
/// request is then a transport failure the caller may retry).
const REQUEST_LIMIT: Duration = Duration::from_secs(45);

impl Http {
    pub fn new() -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends `req` to `127.0.0.1:port`; `Err` when no answer came (refused,
    /// reset, cut off mid-answer, or no answer within 45 s).
    pub async fn send(&self, req: Request<Body>) -> Result<Answer, String> {
        let exchange = async {
            let res = self.client.request(req).await.map_err(|e| format!("{e:?}"))?;
            let status = res.status();
            let headers = res.headers().clone();
            let body = res.into_body().collect().await.map_err(|e| format!("{e:?}"))?;
            Ok(Answer {
                status,
                headers,
                body: String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            })
        };
        tokio::time::timeout(REQUEST_LIMIT, exchange)
            .await
            .unwrap_or_else(|_| Err("no answer within 45 s".into()))
    }

    pub async fn get(
        &self,
        port: u16,
        host: &str,
        path: &str,
        cookie: Option<&str>,
    ) -> Result<Answer, String> {
        let mut req = Request::get(format!("http://127.0.0.1:{port}{path}"))
            .header(header::HOST, host)
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A same-origin JSON POST, as the hydrated till sends it.
    pub async fn post_json(
        &self,
        port: u16,
        host: &str,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> Result<Answer, String> {
        let mut req = Request::post(format!("http://127.0.0.1:{port}{path}"))
            .header(header::HOST, host)
            .header(header::ORIGIN, format!("http://{host}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// A same-origin form POST.
    pub async fn post_form(
        &self,
        port: u16,
        host: &str,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Result<Answer, String> {
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::helpers::urlencode(k),
                    crate::helpers::urlencode(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(format!("http://127.0.0.1:{port}{path}"))
            .header(header::HOST, host)
            .header(header::ORIGIN, format!("http://{host}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Logs in on `host` and returns the answer (its session cookie, and
    /// whatever the proxy added).
    pub async fn login(&self, port: u16, host: &str, email: &str, password: &str) -> Answer {
        let answer = self
            .post_form(
                port,
                host,
                "/api/auth/login",
                &[("email", email), ("password", password)],
                None,
            )
            .await
            .expect("the login is answered");
        assert_eq!(answer.status, StatusCode::OK, "login failed: {}", answer.body);
        assert!(answer.session_cookie().is_some(), "login sets a session cookie");
        answer
    }

    /// Opens the live event stream; the answer's head and its body to read from.
    pub async fn open_stream(&self, port: u16, host: &str, cookie: &str) -> (StatusCode, HeaderMap, Body) {
        let req = Request::get(format!("http://127.0.0.1:{port}/api/events"))
            .header(header::HOST, host)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT, "text/event-stream")
            .body(Body::empty())
            .unwrap();
        let res = tokio::time::timeout(REQUEST_LIMIT, self.client.request(req))
            .await
            .expect("the stream opens in time")
            .expect("the stream opens");
        let (parts, body) = res.into_parts();
        (parts.status, parts.headers, Body::new(body))
    }
}

/// What a stream read found.
pub enum Heard {
    /// `wanted` appeared; everything read so far.
    Seen(String),
    /// The stream ended (the server closed it).
    Ended(String),
    /// Neither within the time given; everything read so far.
    Silent(String),
}

/// Reads an event stream until `wanted` appears, it ends, or `within` passes.
pub async fn read_stream(body: &mut Body, wanted: &str, within: Duration) -> Heard {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                    if seen.contains(wanted) {
                        return Heard::Seen(seen);
                    }
                }
            }
            Ok(None) | Ok(Some(Err(_))) => return Heard::Ended(seen),
            Err(_) => return Heard::Silent(seen),
        }
    }
}

/// An event stream read in the background: what it carried, and whether the
/// server ended it.
pub struct StreamWatch {
    text: std::sync::Arc<std::sync::Mutex<String>>,
    ended: std::sync::Arc<std::sync::atomic::AtomicBool>,
    _task: tokio::task::JoinHandle<()>,
}

impl StreamWatch {
    pub fn spawn(mut body: Body) -> StreamWatch {
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let ended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let task = tokio::spawn({
            let (text, ended) = (text.clone(), ended.clone());
            async move {
                while let Some(Ok(frame)) = body.frame().await {
                    if let Some(data) = frame.data_ref() {
                        text.lock().unwrap().push_str(&String::from_utf8_lossy(data));
                    }
                }
                ended.store(true, Ordering::SeqCst);
            }
        });
        StreamWatch {
            text,
            ended,
            _task: task,
        }
    }

    pub fn ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }

    pub fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }
}

impl Drop for StreamWatch {
    fn drop(&mut self) {
        self._task.abort();
    }
}

//! Test harness: a database per test from a migrated template, the real router,
//! and two tenants (acme with an owner and a cashier, globex with an owner).
use std::{
    net::SocketAddr,
    str::FromStr,
    sync::{Arc, OnceLock},
};

use app::{
    domain::{
        accounts::{self, SignupInput},
        demo::DEMO_PASSWORD,
    },
    model::Role,
    state::SiteConfig,
    tenancy::Db,
};
use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{header, Request, Response, StatusCode},
    Router,
};
use leptos::config::LeptosOptions;
use server::database::{connect_admin_pool, connect_pool, ensure_app_login_role, APP_LOGIN_ROLE, MIGRATOR};
use server::HttpOptions;
use sqlx::{postgres::PgConnectOptions, Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;
use tower::ServiceExt;
use uuid::Uuid;

const TEMPLATE: &str = "shopfloor_test_template";

/// The superuser URL of the test cluster: `SHOPFLOOR_TEST_DATABASE_URL` (the
/// test command starts one), or a private cluster started here on first use.
fn admin_options() -> PgConnectOptions {
    PgConnectOptions::from_str(admin_url()).expect("test database URL parses")
}

/// The test cluster's superuser URL (its `postgres` database), for tests that
/// start the server binary against a test database.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SHOPFLOOR_TEST_DATABASE_URL") {
        Ok(url) => url,
        Err(_) => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-db-cargo");
            let pg = server::embedded::EmbeddedPostgres::start(&dir)
                .expect("start a private PostgreSQL for tests");
            let url = pg.url(server::embedded::SUPERUSER, "postgres");
            // Left running for later test runs (it is reused, not restarted).
            std::mem::forget(pg);
            url
        }
    })
}

/// `url` with its database (the path) replaced by `database`.
fn url_for_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{scheme}://{authority}/{database}{query}")
}

async fn prepare_template() {
    static READY: OnceCell<()> = OnceCell::const_new();
    READY
        .get_or_init(|| async {
            let admin = admin_options();
            let mut conn = PgConnection::connect_with(&admin)
                .await
                .expect("connect as admin");
            // A fresh template per test run, so migrations are always current.
            let _ = sqlx::query(&format!("ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE false"))
                .execute(&mut conn)
                .await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop old template");
            sqlx::query(&format!("CREATE DATABASE {TEMPLATE}"))
                .execute(&mut conn)
                .await
                .expect("create template");
            let owner = connect_admin_pool(admin.clone().database(TEMPLATE), 2)
                .await
                .expect("connect template");
            MIGRATOR.run(&owner).await.expect("migrate template");
            ensure_app_login_role(&owner).await.expect("app login role");
            owner.close().await;
            sqlx::query(&format!("ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true"))
                .execute(&mut conn)
                .await
                .expect("mark template");
            conn.close().await.ok();
        })
        .await;
}

pub struct TestApp {
    pub db: Db,
    pub router: Router,
    /// The app's live-event hub (to wait until it listens).
    pub events: app::realtime::Realtime,
    /// Superuser pool on this test's database (for arranging and inspecting).
    pub admin: PgPool,
    /// Options for a tenant-role login on this test's database.
    pub tenant_login: PgConnectOptions,
    pub acme: Uuid,
    pub globex: Uuid,
    /// Drops this test's database when the test ends (last, after the pools;
    /// shared with [`TestApp::another_instance`]s).
    _database: Arc<DropDatabase>,
}

/// Drops a test database on `Drop` (crates.io's test-db guard): `Drop` is
/// synchronous, so a thread of its own connects as the superuser on a small
/// runtime and runs `DROP DATABASE … WITH (FORCE)` (which ends the pools'
/// connections), and the test waits for it. A failure is reported, never a
/// panic (a panic while a failing test unwinds would abort the run).
struct DropDatabase {
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        if name.is_empty() {
            // A database of a test's own cluster (see `spawn_app_on`).
            return;
        }
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect_with(&admin_options())
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                conn.close().await.ok();
                Ok::<(), String>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("warning: could not drop the test database: {error}"),
            Err(_) => eprintln!("warning: dropping the test database panicked"),
        }
    }
}

pub const ACME_OWNER: &str = "owner@acme.test";
pub const ACME_CASHIER: &str = "cashier@acme.test";
pub const GLOBEX_OWNER: &str = "owner@globex.test";
pub const PASSWORD: &str = DEMO_PASSWORD;

pub async fn spawn_app() -> TestApp {
    spawn_app_with_pool_size(10).await
}

pub async fn spawn_app_with_pool_size(tenant_pool_size: u32) -> TestApp {
    spawn(
        tenant_pool_size,
        app::mail::Mailer::disabled(),
        |_| {},
        HttpOptions::default(),
        true,
    )
    .await
}

/// A fresh install: a migrated database with no business and no account yet
/// (`acme` and `globex` are nil ids).
pub async fn spawn_empty_app() -> TestApp {
    spawn(
        10,
        app::mail::Mailer::disabled(),
        |_| {},
        HttpOptions::default(),
        false,
    )
    .await
}

/// An app that sends its invitation emails through `mailer`.
pub async fn spawn_app_with_mailer(mailer: app::mail::Mailer) -> TestApp {
    spawn(10, mailer, |_| {}, HttpOptions::default(), true).await
}

/// An app whose site configuration `configure` changes (https, trusted proxies).
pub async fn spawn_app_with_site(configure: impl FnOnce(&mut SiteConfig)) -> TestApp {
    spawn(
        10,
        app::mail::Mailer::disabled(),
        configure,
        HttpOptions::default(),
        true,
    )
    .await
}

/// An app whose router runs with these options (e.g. a tiny request timeout).
pub async fn spawn_app_with_http(http: HttpOptions) -> TestApp {
    spawn(10, app::mail::Mailer::disabled(), |_| {}, http, true).await
}

async fn spawn(
    tenant_pool_size: u32,
    mailer: app::mail::Mailer,
    configure: impl FnOnce(&mut SiteConfig),
    http: HttpOptions,
    businesses: bool,
) -> TestApp {
    prepare_template().await;
    let admin_opts = admin_options();
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&admin_opts)
        .await
        .expect("connect as admin");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    // From here on the database is dropped however the test ends.
    let database = DropDatabase { name: name.clone() };

    let admin = connect_admin_pool(admin_opts.clone().database(&name), 3)
        .await
        .expect("admin pool");
    let owner = connect_pool(
        admin_opts.clone().database(&name),
        server::database::OWNER_POOL_SIZE,
    )
    .await
    .expect("owner pool");
    let tenant_login = admin_opts.clone().database(&name).username(APP_LOGIN_ROLE);
    let tenant = connect_pool(tenant_login.clone(), tenant_pool_size)
        .await
        .expect("tenant pool");
    let db = Db::new(tenant, owner);
    assemble(
        db,
        admin,
        tenant_login,
        database,
        mailer,
        configure,
        http,
        businesses,
    )
    .await
}

/// An app on a migrated database of the test's own cluster (not the harness's):
/// `db` and `admin` (its superuser pool) as the test made them, acme and globex
/// signed up through `db`. Nothing is dropped when it ends; `database_name` is empty.
pub async fn spawn_app_on(db: Db, admin: PgPool, tenant_login: PgConnectOptions) -> TestApp {
    let no_database = DropDatabase { name: String::new() };
    assemble(
        db,
        admin,
        tenant_login,
        no_database,
        app::mail::Mailer::disabled(),
        |_| {},
        HttpOptions::default(),
        true,
    )
    .await
}

/// The site the tests serve: tenants on `*.localhost`, plain HTTP.
fn test_site() -> SiteConfig {
    SiteConfig {
        base_domain: "localhost".into(),
        https: false,
        trusted_proxies: Vec::new(),
    }
}

/// One server instance on `db`: its state (event listener, tenant cache
/// listening) and router, with every request coming from `peer`.
fn serve(
    db: &Db,
    site: SiteConfig,
    mailer: app::mail::Mailer,
    http: HttpOptions,
    peer: [u8; 4],
) -> (Router, app::realtime::Realtime) {
    let mut state = server::app_state(
        db.clone(),
        site,
        LeptosOptions::builder()
            .output_name("shopfloor")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .build(),
    );
    state.mailer = mailer;
    let events = state.events.clone();
    let router = server::router_with(state, http).layer(MockConnectInfo(SocketAddr::from((peer, 40000))));
    (router, events)
}

#[allow(clippy::too_many_arguments)]
async fn assemble(
    db: Db,
    admin: PgPool,
    tenant_login: PgConnectOptions,
    database: DropDatabase,
    mailer: app::mail::Mailer,
    configure: impl FnOnce(&mut SiteConfig),
    http: HttpOptions,
    businesses: bool,
) -> TestApp {
    let (acme, globex) = if businesses {
        let acme = accounts::sign_up(&db, signup("Acme Corner Shop", "acme", ACME_OWNER), None, None)
            .await
            .expect("acme signs up")
            .tenant
            .id;
        accounts::ensure_member_account(&db, acme, ACME_CASHIER, "Cal Cashier", PASSWORD, Role::Cashier)
            .await
            .expect("acme cashier");
        let globex = accounts::sign_up(&db, signup("Globex Market", "globex", GLOBEX_OWNER), None, None)
            .await
            .expect("globex signs up")
            .tenant
            .id;
        (acme, globex)
    } else {
        (Uuid::nil(), Uuid::nil())
    };

    let mut site = test_site();
    configure(&mut site);
    let (router, events) = serve(&db, site, mailer, http, [127, 0, 0, 7]);
    TestApp {
        db,
        router,
        events,
        admin,
        tenant_login,
        acme,
        globex,
        _database: Arc::new(database),
    }
}

impl TestApp {
    /// A second server instance on this test's database: pools, tenant cache,
    /// event listener and router of its own, as another process would have.
    pub async fn another_instance(&self) -> TestApp {
        let options = admin_options().database(self.database_name());
        let owner = connect_pool(options.clone(), server::database::OWNER_POOL_SIZE)
            .await
            .expect("owner pool");
        let tenant = connect_pool(self.tenant_login.clone(), 10)
            .await
            .expect("tenant pool");
        let db = Db::new(tenant, owner);
        let (router, events) = serve(
            &db,
            test_site(),
            app::mail::Mailer::disabled(),
            HttpOptions::default(),
            [127, 0, 0, 8],
        );
        TestApp {
            db,
            router,
            events,
            admin: self.admin.clone(),
            tenant_login: self.tenant_login.clone(),
            acme: self.acme,
            globex: self.globex,
            _database: self._database.clone(),
        }
    }
}

fn signup(name: &str, slug: &str, email: &str) -> SignupInput {
    SignupInput {
        business_name: name.into(),
        slug: slug.into(),
        display_name: format!("{slug} owner"),
        email: email.into(),
        password: PASSWORD.into(),
    }
}

/// A response with its body read.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    /// The session cookie this response sets (`name=value`), if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("shopfloor_session=") || c.starts_with("__Host-shopfloor_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_string())
    }

    pub fn set_cookie_header(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("shopfloor_session=") || c.starts_with("__Host-shopfloor_session="))
            .map(str::to_owned)
    }

    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let what = format!("{} {}", req.method(), req.uri());
        let started = std::time::Instant::now();
        let answer = self.router.clone().oneshot(req);
        tokio::pin!(answer);
        // A request still unanswered after 10 s says what the pools and the
        // database's sessions are doing meanwhile (a diagnostic for a rare
        // stall; never an assertion).
        let res: Response<Body> = tokio::select! {
            res = &mut answer => res.expect("router answers"),
            _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {
                self.dump_stall(&what).await;
                answer.await.expect("router answers")
            }
        };
        // A diagnostic, never an assertion: a failing test's output then
        // says which request was slow and what it answered.
        let took = started.elapsed();
        if took > std::time::Duration::from_secs(5) {
            eprintln!("slow request: {what} took {took:?} and answered {}", res.status());
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Prints the pools' state and this database's sessions (see `send`).
    async fn dump_stall(&self, what: &str) {
        let (tenant, platform) = (self.db.login_pool(), self.db.session_pool());
        eprintln!(
            "stalled request: {what}: tenant pool {} open / {} idle, owner pool {} open / {} idle",
            tenant.size(),
            tenant.num_idle(),
            platform.size(),
            platform.num_idle()
        );
        let sessions: Result<Vec<(String, String, String, String)>, _> = sqlx::query_as(
            "SELECT coalesce(usename, ''), coalesce(state, ''), \
                    coalesce(wait_event_type || ':' || wait_event, ''), left(coalesce(query, ''), 160) \
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&self.admin)
        .await;
        match sessions {
            Ok(rows) => {
                for row in rows {
                    eprintln!("  session: {row:?}");
                }
            }
            Err(e) => eprintln!("  sessions unreadable: {e}"),
        }
    }

    pub async fn get(&self, host: &str, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut req = Request::get(path)
            .header(header::HOST, host)
            .header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A browser navigation (GET, `Accept: text/html`) with extra headers.
    pub async fn get_with(
        &self,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let mut req = Request::get(path)
            .header(header::HOST, host)
            .header(header::ACCEPT, "text/html");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form POST with exactly `headers` besides Host and Content-Type (no
    /// Origin is added; a later `accept` overrides the JSON default).
    pub async fn post_form_with(
        &self,
        host: &str,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept"))
        {
            req = req.header(header::ACCEPT, "application/json");
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A same-origin form POST as a hydrated page makes it (JSON answer).
    pub async fn post_form(
        &self,
        host: &str,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::HOST, host)
            .header(header::ORIGIN, format!("http://{host}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// The name of this test's own database (dropped when the app is).
    pub fn database_name(&self) -> &str {
        &self._database.name
    }

    /// A superuser URL of this test's database (for the server binary's
    /// `DATABASE_URL` in tests that run it).
    pub fn database_url(&self) -> String {
        url_for_database(admin_url(), self.database_name())
    }

    /// A same-origin POST with a JSON body (the JSON-encoded server functions).
    pub async fn post_json(
        &self,
        host: &str,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> TestResponse {
        let mut req = Request::post(path)
            .header(header::HOST, host)
            .header(header::ORIGIN, format!("http://{host}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// Logs in on `host` and returns the session cookie.
    pub async fn login(&self, host: &str, email: &str, password: &str) -> String {
        let res = self
            .post_form(
                host,
                "/api/auth/login",
                &[("email", email), ("password", password)],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "login failed: {}", res.body);
        res.session_cookie().expect("login sets a session cookie")
    }

    pub async fn user_id(&self, email: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.admin)
            .await
            .expect("user exists")
    }

    pub async fn me(&self, host: &str, cookie: Option<&str>) -> TestResponse {
        self.post_form(host, "/api/auth/me", &[], cookie).await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Waits until `condition` holds, checking every few milliseconds; panics
/// naming `what` if it still does not hold after 30 seconds (a bound for a
/// hung test, not a timing assertion).
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A bare SMTP server for one test: accepts every message and hands each
/// one's DATA to the test.
pub async fn fake_smtp() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sent, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let sent = sent.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            sent.send(data.take().unwrap()).ok();
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-fake\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

/// An app whose emails (invitations, password resets, receipts) go to an
/// SMTP server on `port`.
pub async fn app_mailing_to(port: u16) -> TestApp {
    let mailer = app::mail::Mailer::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        "Shopfloor <no-reply@localhost>",
    )
    .expect("a valid SMTP URL");
    spawn_app_with_mailer(mailer).await
}

/// The next mail the fake SMTP server received (waits at most 10 s), with
/// quoted-printable soft line breaks undone.
pub async fn next_mail(mails: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
        .await
        .expect("the mail arrives")
        .expect("the SMTP server is up");
    mail.replace("=\n", "")
}

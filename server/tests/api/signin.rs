//! Sign-in hardening over HTTP: every password check behind one throttle,
//! reserved before hashing; answers that do not tell which emails have
//! accounts; the hand-off; the session cookie over https.
use axum::http::StatusCode;
use futures::future::join_all;

use crate::helpers::{
    spawn_app, spawn_app_with_site, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD,
};

const ACME: &str = "acme.localhost";
const APEX: &str = "localhost";

const SAME_ORIGIN: (&str, &str) = ("sec-fetch-site", "same-origin");

async fn log_in(app: &TestApp, host: &str, email: &str, password: &str) -> TestResponse {
    app.post_form(
        host,
        "/api/auth/login",
        &[("email", email), ("password", password)],
        None,
    )
    .await
}

async fn sign_up(app: &TestApp, slug: &str, email: &str, password: &str) -> TestResponse {
    app.post_form(
        APEX,
        "/api/auth/signup",
        &[
            ("business_name", "Takeover Traders"),
            ("slug", slug),
            ("display_name", "Tess Taker"),
            ("email", email),
            ("password", password),
        ],
        None,
    )
    .await
}

async fn tenant_exists(app: &TestApp, slug: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants WHERE slug = $1)")
        .bind(slug)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_up_cannot_get_around_a_locked_log_in() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let res = log_in(&app, ACME, ACME_OWNER, "guess-guess-guess").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let res = log_in(&app, ACME, ACME_OWNER, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "log-in is locked");

    // The right password and a free address must not sign the caller in as the
    // owner while log-in for that account is locked.
    let res = sign_up(&app, "takeover", ACME_OWNER, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!(res.session_cookie().is_none());
    assert!(!tenant_exists(&app, "takeover").await);
}

#[tokio::test]
async fn a_wrong_password_at_sign_up_is_a_failed_log_in() {
    let app = spawn_app().await;
    let login_answer = log_in(&app, ACME, GLOBEX_OWNER, "guess-guess-guess").await;
    for i in 0..5 {
        let res = sign_up(&app, &format!("takeover-{i}"), ACME_OWNER, "guess-guess-guess").await;
        // Said as log-in says it: nothing about an account already existing.
        assert_eq!(res.status, login_answer.status, "{}", res.body);
        assert_eq!(res.body, login_answer.body);
    }
    // Five wrong guesses through sign-up lock log-in like five at log-in.
    let res = log_in(&app, ACME, ACME_OWNER, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(tenants, 2);
}

#[tokio::test]
async fn sign_up_answers_the_same_for_known_and_unknown_emails() {
    let app = spawn_app().await;
    // A taken address: nothing is created either way, and nothing tells
    // whether the email has an account.
    let known = sign_up(&app, "acme", GLOBEX_OWNER, "not-the-password").await;
    let unknown = sign_up(&app, "acme", "nobody@example.test", "not-the-password").await;
    assert_eq!(known.status, unknown.status, "{} / {}", known.body, unknown.body);
    assert_eq!(known.body, unknown.body);
    assert!(known.body.contains("already taken"), "{}", known.body);
}

#[tokio::test]
async fn parallel_guesses_cannot_overrun_the_log_in_limit() {
    let app = spawn_app().await;
    let guesses: Vec<String> = (0..16).map(|i| format!("parallel-guess-{i:02}")).collect();
    let answers = join_all(guesses.iter().map(|g| log_in(&app, ACME, ACME_OWNER, g))).await;
    let checked = answers
        .iter()
        .filter(|r| r.status != StatusCode::TOO_MANY_REQUESTS)
        .count();
    for answer in &answers {
        assert!(
            answer.status == StatusCode::TOO_MANY_REQUESTS
                || answer.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{} {}",
            answer.status,
            answer.body
        );
    }
    assert!(
        checked <= 5,
        "{checked} of 16 parallel guesses were checked against a limit of 5"
    );
    let res = log_in(&app, ACME, ACME_OWNER, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "still locked: {}",
        res.body
    );
}

#[tokio::test]
async fn a_made_up_invitation_does_not_tell_which_emails_have_accounts() {
    let app = spawn_app().await;
    let fake = "ab".repeat(32);
    let accept = |email: &'static str, password: &'static str| {
        let fake = fake.clone();
        let app = &app;
        async move {
            app.post_form(
                ACME,
                "/api/invites/accept",
                &[
                    ("token", &fake),
                    ("email", email),
                    ("display_name", "Guess Who"),
                    ("password", password),
                ],
                None,
            )
            .await
        }
    };
    let known_wrong = accept(GLOBEX_OWNER, "not-the-password").await;
    let known_right = accept(GLOBEX_OWNER, PASSWORD).await;
    let unknown = accept("nobody@example.test", "not-the-password").await;
    for res in [&known_wrong, &known_right] {
        assert_eq!(res.status, unknown.status, "{}", res.body);
        assert_eq!(res.body, unknown.body);
    }
    assert!(unknown.body.contains("not valid"), "{}", unknown.body);
    assert!(known_right.session_cookie().is_none());
}

async fn token_used(app: &TestApp) -> bool {
    sqlx::query_scalar("SELECT bool_or(used_at IS NOT NULL) FROM handoff_tokens")
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cross_site_request_cannot_complete_a_handoff() {
    let app = spawn_app().await;
    let owner = app.user_id(ACME_OWNER).await;
    let (token, _) = app::domain::accounts::issue_handoff(&app.db, owner, "acme")
        .await
        .unwrap();
    let path = format!("/auth/handoff?token={token}");

    // A link or an <img> on another site: no session, the token stays unused.
    let res = app
        .get_with(ACME, &path, &[("sec-fetch-site", "cross-site")], None)
        .await;
    assert!(res.session_cookie().is_none(), "a cross-site request signed in");
    assert!(!token_used(&app).await);
    // It says who the link signs in, and asks.
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains(ACME_OWNER), "{}", res.body);
    assert!(res.body.contains(r#"method="post""#), "{}", res.body);

    // The confirmation cannot be posted from another site either.
    let res = app
        .post_form_with(
            ACME,
            "/auth/handoff",
            &[("token", &token)],
            &[("sec-fetch-site", "cross-site")],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.session_cookie().is_none());
    assert!(!token_used(&app).await);

    // From the page itself it completes.
    let res = app
        .post_form_with(
            ACME,
            "/auth/handoff",
            &[("token", &token)],
            &[SAME_ORIGIN, ("accept", "text/html")],
            None,
        )
        .await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.body);
    let cookie = res.session_cookie().expect("signed in");
    assert_eq!(app.me(ACME, Some(&cookie)).await.json()["email"], ACME_OWNER);

    // Coming from the apex (same site in production) it completes at once.
    let (token, _) = app::domain::accounts::issue_handoff(&app.db, owner, "acme")
        .await
        .unwrap();
    let res = app
        .get_with(
            ACME,
            &format!("/auth/handoff?token={token}"),
            &[("sec-fetch-site", "same-site")],
            None,
        )
        .await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.body);
    assert!(res.session_cookie().is_some());
}

#[tokio::test]
async fn a_handoff_never_replaces_another_signed_in_user() {
    let app = spawn_app().await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let owner = app.user_id(ACME_OWNER).await;
    let (token, _) = app::domain::accounts::issue_handoff(&app.db, owner, "acme")
        .await
        .unwrap();
    let path = format!("/auth/handoff?token={token}");
    for fetch_site in ["same-site", "cross-site"] {
        let res = app
            .get_with(ACME, &path, &[("sec-fetch-site", fetch_site)], Some(&cashier))
            .await;
        assert!(res.session_cookie().is_none(), "{fetch_site}: session replaced");
        assert!(!res.status.is_redirection(), "{fetch_site}: {}", res.status);
    }
    let res = app
        .post_form_with(
            ACME,
            "/auth/handoff",
            &[("token", &token)],
            &[SAME_ORIGIN, ("accept", "text/html")],
            Some(&cashier),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.body.contains(ACME_CASHIER),
        "says who is signed in: {}",
        res.body
    );
    assert!(res.session_cookie().is_none());
    assert_eq!(app.me(ACME, Some(&cashier)).await.json()["email"], ACME_CASHIER);
    assert!(!token_used(&app).await, "the link still works after logging out");

    // The same person opening their business again is fine.
    let own = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let res = app
        .get_with(ACME, &path, &[("sec-fetch-site", "same-site")], Some(&own))
        .await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.body);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed() {
    let app = spawn_app_with_site(|site| site.https = true).await;
    let res = app
        .post_form_with(
            ACME,
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            &[SAME_ORIGIN],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let set = res.set_cookie_header().expect("a session cookie");
    assert!(set.starts_with("__Host-shopfloor_session="), "{set}");
    assert!(set.contains("Secure"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    let cookie = res.session_cookie().unwrap();
    let me = app
        .post_form_with(ACME, "/api/auth/me", &[], &[SAME_ORIGIN], Some(&cookie))
        .await;
    assert_eq!(me.json()["email"], ACME_OWNER);

    // Over plain http the name stays.
    let app = spawn_app().await;
    let res = log_in(&app, ACME, ACME_OWNER, PASSWORD).await;
    assert!(res.set_cookie_header().unwrap().starts_with("shopfloor_session="));
}

async fn log_in_via(app: &TestApp, forwarded_for: &str, password: &str) -> TestResponse {
    app.post_form_with(
        ACME,
        "/api/auth/login",
        &[("email", ACME_OWNER), ("password", password)],
        &[SAME_ORIGIN, ("x-forwarded-for", forwarded_for)],
        None,
    )
    .await
}

async fn address_keys(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT key FROM login_throttle WHERE key LIKE 'addr:%' ORDER BY key")
        .fetch_all(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_client_is_the_socket_peer_unless_a_trusted_proxy_forwards_it() {
    // By default X-Forwarded-For is ignored: a new value each time escapes nothing.
    let app = spawn_app().await;
    for i in 0..5 {
        let res = log_in_via(&app, &format!("198.51.100.{i}"), "guess-guess-guess").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let res = log_in_via(&app, "198.51.100.99", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert_eq!(address_keys(&app).await, ["addr:127.0.0.7"]);

    // Behind a trusted proxy (here the test socket's peer) each client counts on
    // its own, and what a client wrote further left in the header is not believed.
    let app = spawn_app_with_site(|site| site.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    for _ in 0..5 {
        let res = log_in_via(&app, "6.6.6.6, 198.51.100.1", "guess-guess-guess").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let res = log_in_via(&app, "7.7.7.7, 198.51.100.1", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let res = log_in_via(&app, "198.51.100.2", PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "another client behind the proxy: {}",
        res.body
    );
    assert_eq!(
        address_keys(&app).await,
        ["addr:198.51.100.1", "addr:198.51.100.2"]
    );
}

#[tokio::test]
async fn platform_paths_write_tenant_rows_as_the_tenant_role() {
    let app = spawn_app().await;
    let cashier = app.user_id(ACME_CASHIER).await;
    let owner_tx = app.db.platform_tx().await.unwrap();
    let mut tx = owner_tx.into_tenant(app.acme).await.unwrap();
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(role, "shopfloor_tenant");
    // Row-level security holds: no membership in another tenant.
    let other = sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'cashier')")
        .bind(app.globex)
        .bind(cashier)
        .execute(tx.conn())
        .await;
    assert!(
        other.is_err(),
        "a membership in globex was written from acme's transaction"
    );
    tx.rollback().await.unwrap();

    // Sign-up still writes its tenant, owner, membership and audit row together.
    let res = sign_up(&app, "bakery", "bea@bakery.test", "a-long-enough-password").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (members, audit): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = 'bakery'), \
                (SELECT count(*) FROM audit_log a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'bakery')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((members, audit), (1, 1));
}

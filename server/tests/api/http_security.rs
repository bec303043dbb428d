//! HTTP hardening: security headers with a per-request CSP nonce on every
//! response, and the request timeout.
use std::time::Duration;

use axum::http::{header, StatusCode};
use server::HttpOptions;

use crate::helpers::{
    spawn_app, spawn_app_with_http, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD,
};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

fn header(res: &TestResponse, name: header::HeaderName) -> &str {
    res.headers
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header (status {})", res.status))
}

/// The headers every answer carries; returns the CSP.
fn assert_security_headers(what: &str, res: &TestResponse) -> String {
    assert_eq!(header(res, header::X_FRAME_OPTIONS), "DENY", "{what}");
    assert_eq!(header(res, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
    assert_eq!(
        header(res, header::REFERRER_POLICY),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    let csp = header(res, header::CONTENT_SECURITY_POLICY).to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    csp
}

/// The nonce a page's CSP allows; checks that every `nonce` attribute in the
/// HTML carries it.
fn page_nonce(what: &str, res: &TestResponse) -> String {
    let csp = assert_security_headers(what, res);
    let nonce = csp
        .split_whitespace()
        .find_map(|token| {
            token
                .strip_prefix("'nonce-")?
                .strip_suffix('\'')
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("{what}: the page's CSP has no nonce: {csp}"));
    assert!(csp.contains("'wasm-unsafe-eval'"), "{what}: {csp}");
    let in_html: Vec<&str> = res
        .body
        .split("nonce=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(!in_html.is_empty(), "{what}: no nonce in the page's HTML");
    assert!(
        in_html.iter().all(|n| *n == nonce),
        "{what}: HTML nonces {in_html:?} differ from the header's {nonce}"
    );
    nonce
}

#[tokio::test]
async fn pages_carry_a_fresh_nonce_that_matches_their_csp() {
    let app = spawn_app().await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;

    let first = app.get(ACME, "/pos", Some(&cashier)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = app.get(ACME, "/pos", Some(&cashier)).await;
    let globex_page = app.get(GLOBEX, "/", Some(&globex)).await;
    assert_eq!(globex_page.status, StatusCode::OK);
    let login_page = app.get(ACME, "/login", None).await;
    // The router's fallback renders too (a page that does not exist).
    let missing = app.get(GLOBEX, "/no-such-page", Some(&globex)).await;

    let nonces = [
        page_nonce("acme /pos", &first),
        page_nonce("acme /pos again", &second),
        page_nonce("globex /", &globex_page),
        page_nonce("acme /login", &login_page),
        page_nonce("globex fallback", &missing),
    ];
    for (i, a) in nonces.iter().enumerate() {
        assert!(a.len() >= 16, "nonce too short: {a}");
        for b in &nonces[i + 1..] {
            assert_ne!(a, b, "two responses shared a nonce");
        }
    }
}

#[tokio::test]
async fn every_other_answer_has_the_headers_and_allows_no_inline_script() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let answers = [
        ("server function", app.me(ACME, Some(&owner)).await),
        ("server function error", app.me(GLOBEX, None).await),
        ("unknown shop", app.get("nowhere.localhost", "/", None).await),
        ("stylesheet", app.get(ACME, &style::href(), None).await),
        ("wasm asset", app.get(ACME, "/pkg/shopfloor.js", None).await),
        ("health check", app.get(GLOBEX, "/healthz", None).await),
        ("export", app.get(ACME, "/api/catalog/export", Some(&owner)).await),
    ];
    for (what, res) in &answers {
        let csp = assert_security_headers(what, res);
        assert!(!csp.contains("nonce"), "{what}: {csp}");
    }
    assert_eq!(answers[2].1.status, StatusCode::NOT_FOUND);
}

async fn create_product(app: &TestApp, cookie: &str) -> String {
    let res = app
        .post_form(
            ACME,
            "/api/products/create",
            &[
                ("product[sku]", "LOCKED-1"),
                ("product[name]", "Locked tea"),
                ("product[sale_price]", "2.50"),
                ("initial_stock", "10"),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_request_stuck_behind_a_lock_is_answered_503_when_its_time_is_up() {
    let app = spawn_app_with_http(HttpOptions {
        request_timeout: Duration::from_millis(300),
        ..HttpOptions::default()
    })
    .await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let id = create_product(&app, &owner).await;
    let product: uuid::Uuid = id.parse().unwrap();

    // Another transaction holds the product's row: an adjustment must wait.
    let mut holder = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query("SELECT on_hand FROM products WHERE id = $1 FOR UPDATE")
        .bind(product)
        .execute(holder.conn())
        .await
        .unwrap();

    let form = [("id", id.as_str()), ("delta", "-3"), ("reason", "breakage")];
    let adjust = app.post_form(ACME, "/api/stock/adjust", &form, Some(&owner));
    // Bounded only so that a missing timeout fails instead of hanging: the lock
    // is held until the answer is in.
    let res = tokio::time::timeout(Duration::from_secs(60), adjust)
        .await
        .expect("the request stayed unanswered while the row was locked");
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(res.json(), serde_json::json!("TimedOut"), "{}", res.body);
    assert!(res.headers.contains_key(header::RETRY_AFTER));

    // Meanwhile the other tenant is served.
    assert_eq!(app.me(GLOBEX, Some(&globex)).await.status, StatusCode::OK);

    holder.rollback().await.unwrap();
    // The cancelled adjustment never committed.
    let on_hand: i64 = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(on_hand, 10);
}

#[tokio::test]
async fn without_its_database_the_server_answers_503_with_retry_after() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    // Every connection gone, none to be had: as when PostgreSQL is down.
    app.db.close().await;

    let page = app.get(ACME, "/products", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert_eq!(header(&page, header::RETRY_AFTER), "5");
    assert!(page.body.contains("cannot reach its database"), "{}", page.body);

    let api = app
        .post_form(ACME, "/api/products/list", &[("search", "")], Some(&owner))
        .await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert_eq!(header(&api, header::RETRY_AFTER), "5");
    assert_eq!(
        api.json(),
        serde_json::json!("Unavailable"),
        "the error as a server function gives it"
    );

    // The apex needs no tenant lookup; its log-in still reaches the database.
    let login = app
        .post_form(
            "localhost",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(login.status, StatusCode::SERVICE_UNAVAILABLE, "{}", login.body);
    assert_eq!(header(&login, header::RETRY_AFTER), "5");
}

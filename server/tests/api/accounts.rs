//! Sign-up, log-in, log-out and the organization picker over HTTP.
use axum::http::StatusCode;

use crate::helpers::{spawn_app, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

fn signup_form<'a>(slug: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("business_name", "Corner Bakery"),
        ("slug", slug),
        ("display_name", "Bea Baker"),
        ("email", email),
        ("password", "a-long-enough-password"),
    ]
}

#[tokio::test]
async fn sign_up_lands_on_the_new_subdomain_signed_in() {
    let app = spawn_app().await;
    let res = app
        .post_form(
            "localhost:3000",
            "/api/auth/signup",
            &signup_form("bakery", "bea@bakery.test"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let url: String = serde_json::from_str(&res.body).unwrap();
    let prefix = "http://bakery.localhost:3000/auth/handoff?token=";
    assert!(url.starts_with(prefix), "{url}");
    let token = &url[prefix.len()..];

    // The apex is the same site as the business in production.
    let landed = app
        .get_with(
            "bakery.localhost:3000",
            &format!("/auth/handoff?token={token}"),
            &[("sec-fetch-site", "same-site")],
            None,
        )
        .await;
    assert!(landed.status.is_redirection());
    let cookie = landed.session_cookie().unwrap();
    let me = app.me("bakery.localhost:3000", Some(&cookie)).await;
    assert_eq!(me.json()["tenant"], "bakery");
    assert_eq!(me.json()["role"], "owner");

    let page = app.get("bakery.localhost:3000", "/", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Corner Bakery"));

    // The new tenant sees only itself.
    let tenant_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'bakery'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let mut tx = app.db.tenant_tx(tenant_id).await.unwrap();
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(emails, vec!["bea@bakery.test"]);
}

#[tokio::test]
async fn sign_up_refuses_taken_reserved_and_malformed_input() {
    let app = spawn_app().await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            signup_form("acme", "new@bakery.test"),
            StatusCode::CONFLICT,
            "already taken",
        ),
        (
            signup_form("admin", "new@bakery.test"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reserved",
        ),
        (
            signup_form("Bad Slug", "new@bakery.test"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lowercase",
        ),
        (
            signup_form("ab", "new@bakery.test"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "3 to 40",
        ),
        (
            signup_form("bakery", "not-an-email"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "valid email",
        ),
        // An existing account's password is checked as at log-in, and a
        // wrong one is answered as log-in answers it.
        (
            signup_form("bakery", GLOBEX_OWNER),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email or password is incorrect.",
        ),
    ];
    for (form, status, text) in cases {
        let res = app.post_form("localhost", "/api/auth/signup", &form, None).await;
        assert_eq!(res.status, status, "{form:?}: {}", res.body);
        assert!(res.body.contains(text), "{form:?}: {}", res.body);
        assert!(
            !res.body.to_lowercase().contains("constraint"),
            "database text leaked: {}",
            res.body
        );
    }
    let mut short = signup_form("bakery", "new@bakery.test");
    short[4] = ("password", "short");
    let res = app.post_form("localhost", "/api/auth/signup", &short, None).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("at least 10"));
    let missing = app
        .post_form("localhost", "/api/auth/signup", &[("slug", "bakery")], None)
        .await;
    assert!(missing.status.is_client_error() || missing.status.is_server_error());
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(tenants, 2, "nothing was created");
    // Sign-up is an apex thing.
    let res = app
        .post_form(
            "acme.localhost",
            "/api/auth/signup",
            &signup_form("bakery", "x@bakery.test"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let wrong_password = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", "nope-nope-nope")],
            None,
        )
        .await;
    let wrong_email = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", "ghost@acme.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    let not_member = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", GLOBEX_OWNER), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(wrong_password.status, wrong_email.status);
    assert_eq!(wrong_password.body, wrong_email.body);
    assert_eq!(wrong_password.body, not_member.body);
    assert!(wrong_password.body.contains("Email or password is incorrect."));
    assert!(wrong_password.session_cookie().is_none());
}

#[tokio::test]
async fn repeated_failures_are_refused_for_a_while_not_forever() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let res = app
            .post_form(
                "acme.localhost",
                "/api/auth/login",
                &[("email", ACME_OWNER), ("password", "guess-guess-guess")],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Locked now: even the right password is refused from this address...
    let res = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    // ...but only for a short while.
    let longest: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM max(locked_until) - now())::float8 FROM login_throttle",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert!(longest > 0.0 && longest <= 900.0, "lock lasts {longest}s");
    // When it has passed, the owner gets in.
    sqlx::query("UPDATE login_throttle SET locked_until = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
}

#[tokio::test]
async fn login_changes_the_session_id_and_logout_ends_it() {
    let app = spawn_app().await;
    let first = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let res = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            Some(&first),
        )
        .await;
    let second = res.session_cookie().expect("new cookie at log-in");
    assert_ne!(first, second);
    assert_eq!(
        app.me("acme.localhost", Some(&first)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let out = app
        .post_form("acme.localhost", "/api/auth/logout", &[], Some(&second))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        app.me("acme.localhost", Some(&second)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn apex_login_lists_organizations_and_hands_off() {
    let app = spawn_app().await;
    let res = app
        .post_form(
            "localhost:3000",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), "/orgs");
    let cookie = res.session_cookie().unwrap();
    let orgs = app
        .post_form("localhost:3000", "/api/auth/orgs", &[], Some(&cookie))
        .await;
    let list = orgs.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["slug"], "acme");

    let refused = app
        .post_form(
            "localhost:3000",
            "/api/auth/open-org",
            &[("slug", "globex")],
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let opened = app
        .post_form(
            "localhost:3000",
            "/api/auth/open-org",
            &[("slug", "acme")],
            Some(&cookie),
        )
        .await;
    let url: String = serde_json::from_str(&opened.body).unwrap();
    assert!(
        url.starts_with("http://acme.localhost:3000/auth/handoff?token="),
        "{url}"
    );

    let page = app.get("localhost:3000", "/orgs", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Acme Corner Shop"));
}

#[tokio::test]
async fn dashboard_needs_a_member_and_shows_own_counts() {
    let app = spawn_app().await;
    let res = app.get("acme.localhost", "/", None).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    let unauth = app
        .post_form("acme.localhost", "/api/dashboard/summary", &[], None)
        .await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);

    let cookie = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let page = app.get("globex.localhost", "/", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Globex Market"));
    assert!(!page.body.contains("Acme Corner Shop"));
    let counts = app
        .post_form("globex.localhost", "/api/dashboard/summary", &[], Some(&cookie))
        .await
        .json();
    assert_eq!(counts["members"], 1);
    assert_eq!(counts["owners"], 1);
}

#[tokio::test]
async fn unknown_page_is_404() {
    let app = spawn_app().await;
    let res = app.get("localhost", "/no/such/page", None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("Page not found"));
}

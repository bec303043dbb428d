//! Tenancy over HTTP, against the real router.
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};

use crate::helpers::{spawn_app, wait_until, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

#[tokio::test]
async fn unknown_subdomain_is_404_and_lookalike_hosts_are_not_tenants() {
    let app = spawn_app().await;
    for host in [
        "nosuch.localhost",
        "acme.localhost.evil.test",
        "x.acme.localhost",
        "evil.test",
    ] {
        let res = app.get(host, "/", None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{host}");
        assert!(!res.body.contains("Acme Corner Shop"), "{host} leaked acme");
    }
    let res = app.get("acme.localhost:3000", "/login", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Log in to Acme Corner Shop"));
}

#[tokio::test]
async fn suspended_tenant_is_403_and_its_sessions_stop() {
    let app = spawn_app().await;
    let cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    assert_eq!(
        app.me("acme.localhost", Some(&cookie)).await.status,
        StatusCode::OK
    );
    sqlx::query("UPDATE tenants SET status = 'suspended' WHERE slug = 'acme'")
        .execute(&app.admin)
        .await
        .unwrap();
    // Written behind the server's back: its cached lookup is forgotten when the
    // change notice arrives; here, at once.
    app.db.tenant_cache().clear();
    let res = app.get("acme.localhost", "/", Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("suspended"));
    assert_eq!(
        app.me("acme.localhost", Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    // Globex is untouched.
    assert_eq!(
        app.get("globex.localhost", "/login", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn acme_session_replayed_on_globex_is_not_signed_in() {
    let app = spawn_app().await;
    let cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let me = app.me("acme.localhost", Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["tenant"], "acme");
    assert_eq!(me.json()["role"], "owner");

    let replay = app.me("globex.localhost", Some(&cookie)).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
    let page = app.get("globex.localhost", "/", Some(&cookie)).await;
    assert!(
        page.status.is_redirection(),
        "dashboard must send to log-in, got {}",
        page.status
    );
    assert!(page.location().unwrap_or_default().ends_with("/login"));
    // The apex does not accept a tenant session either.
    assert_eq!(
        app.me("localhost", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn session_cookie_is_host_only_and_http_only() {
    let app = spawn_app().await;
    let res = app
        .post_form(
            "acme.localhost",
            "/api/auth/login",
            &[("email", ACME_OWNER), ("password", PASSWORD)],
            None,
        )
        .await;
    let set_cookie = res.set_cookie_header().expect("cookie set").to_ascii_lowercase();
    assert!(!set_cookie.contains("domain="), "{set_cookie}");
    assert!(set_cookie.contains("httponly"), "{set_cookie}");
    assert!(set_cookie.contains("samesite=lax"), "{set_cookie}");
}

#[tokio::test]
async fn forged_tenant_header_changes_nothing() {
    let app = spawn_app().await;
    let cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let req = Request::post("/api/auth/me")
        .header(header::HOST, "acme.localhost")
        .header(header::ORIGIN, "http://acme.localhost")
        .header(header::COOKIE, &cookie)
        .header("x-tenant", "globex")
        .header("x-tenant-id", app.globex.to_string())
        .header("x-forwarded-host", "globex.localhost")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["tenant"], "acme");

    let req = Request::post("/api/dashboard/summary")
        .header(header::HOST, "acme.localhost")
        .header(header::ORIGIN, "http://acme.localhost")
        .header(header::COOKIE, &cookie)
        .header("x-tenant-id", app.globex.to_string())
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["members"], 2, "acme's two members, not globex's one");
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    let app = spawn_app().await;
    let form = format!(
        "email={}&password={}",
        crate::helpers::urlencode(ACME_OWNER),
        PASSWORD
    );
    let attempts: Vec<Vec<(&str, &str)>> = vec![
        vec![("origin", "http://globex.localhost")],
        vec![("origin", "http://evil.test")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://globex.localhost"),
        ],
        vec![("sec-fetch-site", "cross-site")],
        vec![],
        vec![("origin", "null")],
    ];
    for headers in attempts {
        let mut req = Request::post("/api/auth/login")
            .header(header::HOST, "acme.localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let res = app.send(req.body(Body::from(form.clone())).unwrap()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(res.session_cookie().is_none());
    }
    // The same request from the page's own origin works.
    let req = Request::post("/api/auth/login")
        .header(header::HOST, "acme.localhost")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn mutating_server_functions_refuse_get() {
    let app = spawn_app().await;
    for path in [
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/signup",
        "/api/auth/open-org",
    ] {
        let res = app.get("acme.localhost", path, None).await;
        assert!(
            res.status == StatusCode::METHOD_NOT_ALLOWED || res.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            res.status
        );
    }
}

#[tokio::test]
async fn handoff_token_works_once_and_expires() {
    let app = spawn_app().await;
    let owner = app.user_id(ACME_OWNER).await;
    let (token, _) = app::domain::accounts::issue_handoff(&app.db, owner, "acme")
        .await
        .unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM handoff_tokens")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");

    // Not on another tenant's host.
    let res = app
        .get("globex.localhost", &format!("/auth/handoff?token={token}"), None)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let res = app
        .get_with(
            "acme.localhost",
            &format!("/auth/handoff?token={token}"),
            &[("sec-fetch-site", "same-site")],
            None,
        )
        .await;
    assert!(res.status.is_redirection(), "{}", res.status);
    let cookie = res.session_cookie().expect("hand-off signs in");
    assert_eq!(
        app.me("acme.localhost", Some(&cookie)).await.json()["email"],
        ACME_OWNER
    );

    let again = app
        .get_with(
            "acme.localhost",
            &format!("/auth/handoff?token={token}"),
            &[("sec-fetch-site", "same-site")],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a token works once");
    assert!(again.session_cookie().is_none());

    let (late, _) = app::domain::accounts::issue_handoff(&app.db, owner, "acme")
        .await
        .unwrap();
    sqlx::query("UPDATE handoff_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        .execute(&app.admin)
        .await
        .unwrap();
    let res = app
        .get("acme.localhost", &format!("/auth/handoff?token={late}"), None)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "an expired token is refused");

    let res = app
        .get("acme.localhost", "/auth/handoff?token=garbage", None)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn handoff_is_refused_for_non_members() {
    let app = spawn_app().await;
    let globex_owner = app.user_id(GLOBEX_OWNER).await;
    let err = app::domain::accounts::issue_handoff(&app.db, globex_owner, "acme")
        .await
        .unwrap_err();
    assert!(
        matches!(err, app::domain::accounts::AccountError::NotMember),
        "{err:?}"
    );
}

#[tokio::test]
async fn removed_member_is_out_at_the_next_request() {
    let app = spawn_app().await;
    let cookie = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let me = app.me("acme.localhost", Some(&cookie)).await;
    assert_eq!(me.json()["role"], "cashier");
    sqlx::query(
        "UPDATE memberships SET is_active = false WHERE user_id = (SELECT id FROM users WHERE email = $1)",
    )
    .bind(ACME_CASHIER)
    .execute(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        app.me("acme.localhost", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn health_answers_on_any_host_and_ready_checks_the_database() {
    let app = spawn_app().await;
    for host in ["localhost", "acme.localhost", "nosuch.localhost", "evil.test"] {
        let res = app.get(host, "/healthz", None).await;
        assert_eq!(res.status, StatusCode::OK, "{host}");
    }
    assert_eq!(app.get("localhost", "/readyz", None).await.status, StatusCode::OK);
    app.db.close().await;
    assert_eq!(
        app.get("localhost", "/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn responses_carry_a_request_id_and_the_stylesheet_has_variants() {
    let app = spawn_app().await;
    let res = app.get("localhost", "/", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers.get("x-request-id").is_some());
    let css = app.get("localhost", &style::href(), None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains(":hover"));
    assert!(res.body.contains(&style::href()), "pages link the stylesheet");
}

/// Each instance remembers host → tenant for a while; a change of the
/// business's row made anywhere (here straight in the database, as an
/// operator's script would) reaches every instance's cache through the
/// database's change notice, not by waiting for the entry to expire.
#[tokio::test]
async fn a_tenant_change_reaches_the_cache_of_every_instance() {
    let a = spawn_app().await;
    let b = a.another_instance().await;
    // Entries that would outlive the test: only the notice can empty them.
    for app in [&a, &b] {
        app.db
            .tenant_cache()
            .set_ttl(std::time::Duration::from_secs(3600));
    }
    a.events.wait_until_listening().await;
    b.events.wait_until_listening().await;
    for app in [&a, &b] {
        let res = app.get("acme.localhost", "/login", None).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("Log in to Acme Corner Shop"));
    }
    // Remembered now: the lookup is not read again on the next request.
    assert!(a.db.tenant_cache().get("acme").is_some());
    assert!(b.db.tenant_cache().get("acme").is_some());

    sqlx::query("UPDATE tenants SET name = 'Acme Renamed', status = 'suspended' WHERE id = $1")
        .bind(a.acme)
        .execute(&a.admin)
        .await
        .unwrap();
    for app in [&a, &b] {
        wait_until("the instance to see the suspension", || async {
            app.get("acme.localhost", "/login", None).await.status == StatusCode::FORBIDDEN
        })
        .await;
    }
    sqlx::query("UPDATE tenants SET status = 'active' WHERE id = $1")
        .bind(a.acme)
        .execute(&a.admin)
        .await
        .unwrap();
    for app in [&a, &b] {
        wait_until("the instance to see the new name", || async {
            app.get("acme.localhost", "/login", None)
                .await
                .body
                .contains("Log in to Acme Renamed")
        })
        .await;
    }
    // Globex was never touched.
    assert_eq!(
        b.get("globex.localhost", "/login", None).await.status,
        StatusCode::OK
    );
}

/// A suspension by an operator on the console answers 403 on that instance
/// from its very next request (no wait for the notice).
#[tokio::test]
async fn a_suspension_applies_at_once_on_the_instance_that_made_it() {
    let app = spawn_app().await;
    app.events.wait_until_listening().await;
    assert_eq!(
        app.get("acme.localhost", "/login", None).await.status,
        StatusCode::OK
    );
    let operator = app::domain::org::platform::create_operator(&app.db, "ops@platform.test", "Ops", PASSWORD)
        .await
        .unwrap();
    app::domain::org::platform::set_status(&app.db, operator, app.acme, true)
        .await
        .unwrap();
    assert_eq!(
        app.get("acme.localhost", "/login", None).await.status,
        StatusCode::FORBIDDEN
    );
}

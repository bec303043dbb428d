//! Passwords after sign-up: change from the profile (other sessions end, this
//! one stays), and reset by an emailed single-use, expiring link (every
//! session ends). Asking for a link never tells whether an account exists.
use axum::http::StatusCode;

use crate::helpers::{
    app_mailing_to, fake_smtp, next_mail, spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER,
    PASSWORD,
};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";
const APEX: &str = "localhost";
const NEW_PASSWORD: &str = "a brand new password";

async fn signed_in(app: &TestApp, host: &str, cookie: &str) -> bool {
    app.me(host, Some(cookie)).await.status == StatusCode::OK
}

async fn change(app: &TestApp, cookie: &str, current: &str, new: &str) -> crate::helpers::TestResponse {
    app.post_form(
        ACME,
        "/api/auth/password",
        &[("current_password", current), ("new_password", new)],
        Some(cookie),
    )
    .await
}

async fn request_reset(app: &TestApp, host: &str, email: &str) -> crate::helpers::TestResponse {
    app.post_form(host, "/api/auth/reset-request", &[("email", email)], None)
        .await
}

async fn reset(app: &TestApp, token: &str, new: &str) -> crate::helpers::TestResponse {
    app.post_form(
        ACME,
        "/api/auth/reset",
        &[("token", token), ("new_password", new)],
        None,
    )
    .await
}

/// The token of the reset link in a mail.
fn token_in(mail: &str) -> String {
    let at = mail.find("/reset/").expect("the mail holds a reset link") + "/reset/".len();
    mail[at..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn log_in_status(app: &TestApp, host: &str, email: &str, password: &str) -> StatusCode {
    app.post_form(
        host,
        "/api/auth/login",
        &[("email", email), ("password", password)],
        None,
    )
    .await
    .status
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let here = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let other_till = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let on_the_apex = app.login(APEX, ACME_OWNER, PASSWORD).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let res = change(&app, &here, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The session that made the change may carry a new cookie; either way it stays.
    let here = res.session_cookie().unwrap_or(here);
    assert!(signed_in(&app, ACME, &here).await, "this session stays signed in");
    assert!(
        !signed_in(&app, ACME, &other_till).await,
        "the other session ended"
    );
    assert!(
        !signed_in(&app, APEX, &on_the_apex).await,
        "the apex session ended"
    );
    assert!(
        signed_in(&app, ACME, &cashier).await,
        "another person's session is untouched"
    );
    // The new password works, the old one no longer does.
    assert_eq!(
        log_in_status(&app, ACME, ACME_OWNER, PASSWORD).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        log_in_status(&app, ACME, ACME_OWNER, NEW_PASSWORD).await,
        StatusCode::OK
    );
    // Audited in the business where it was made, without the password.
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(after::text, '') FROM audit_log WHERE tenant_id = $1 AND action = 'profile.password_changed'",
    )
    .bind(app.acme)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(!audited[0].contains(NEW_PASSWORD));
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_is_throttled() {
    let app = spawn_app().await;
    let here = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let other = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let res = change(&app, &here, "not the password", NEW_PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        signed_in(&app, ACME, &other).await,
        "a refused change ends no session"
    );
    // A weak new password is refused before anything is checked.
    let res = change(&app, &here, PASSWORD, "short").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("at least 10"), "{}", res.body);
    // Guessing through a stolen session meets the log-in throttle.
    let mut last = StatusCode::OK;
    for _ in 0..8 {
        last = change(&app, &here, "still not the password", NEW_PASSWORD)
            .await
            .status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Signed out: no change at all.
    let res = app
        .post_form(
            ACME,
            "/api/auth/password",
            &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_unknown_addresses() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    let known = request_reset(&app, ACME, ACME_CASHIER).await;
    let unknown = request_reset(&app, ACME, "nobody@nowhere.test").await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.body, known.body, "no account oracle");
    // Only the real account gets a mail, and only a hash is stored.
    let mail = next_mail(&mut mails).await;
    assert!(mail.contains(&format!("To: {ACME_CASHIER}")), "{mail}");
    let token = token_in(&mail);
    assert_eq!(token.len(), 64, "{mail}");
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM password_resets WHERE token_hash::text LIKE '%' || $1 || '%'",
    )
    .bind(&token)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(stored, 0, "the token itself is not stored");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM password_resets")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(rows, 1, "nothing is stored for the unknown address");
    // Requests are throttled, for known and unknown addresses alike.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(request_reset(&app, ACME, "nobody@nowhere.test").await.status);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

#[tokio::test]
async fn a_reset_link_works_once_and_ends_every_session() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    let stolen = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let res = request_reset(&app, ACME, ACME_CASHIER).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mail = next_mail(&mut mails).await;
    assert!(mail.contains("http://acme.localhost/reset/"), "{mail}");
    let token = token_in(&mail);

    let check = app
        .post_form(ACME, "/api/auth/reset-check", &[("token", &token)], None)
        .await;
    assert_eq!(check.json(), true);
    let res = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        !signed_in(&app, ACME, &stolen).await,
        "the stolen session died with the reset"
    );
    assert!(
        signed_in(&app, ACME, &owner).await,
        "other accounts' sessions are untouched"
    );
    assert_eq!(
        log_in_status(&app, ACME, ACME_CASHIER, NEW_PASSWORD).await,
        StatusCode::OK
    );

    // Used once: the same link again is refused and changes nothing.
    let again = reset(&app, &token, "yet another password").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.body);
    assert!(
        again.body.contains("expired or was already used"),
        "{}",
        again.body
    );
    let check = app
        .post_form(ACME, "/api/auth/reset-check", &[("token", &token)], None)
        .await;
    assert_eq!(check.json(), false);
    assert_eq!(
        log_in_status(&app, ACME, ACME_CASHIER, NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    let res = request_reset(&app, GLOBEX, GLOBEX_OWNER).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = token_in(&next_mail(&mut mails).await);
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    let res = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(
        log_in_status(&app, GLOBEX, GLOBEX_OWNER, PASSWORD).await,
        StatusCode::OK
    );
    // Nonsense tokens are refused the same way.
    let res = reset(&app, "not-a-token", NEW_PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_tenant_role_cannot_touch_reset_tokens() {
    let app = spawn_app().await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let refused = sqlx::query("SELECT count(*) FROM password_resets")
        .execute(tx.conn())
        .await;
    assert!(refused.is_err(), "the tenant role read password_resets");
}

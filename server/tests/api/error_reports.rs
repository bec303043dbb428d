//! Server errors reach Sentry (here: a fake Sentry endpoint on a real socket),
//! tagged with the request id, the tenant and the member.
use std::{sync::Arc, time::Duration};

use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
use sentry::SentryFutureExt;
use server::HttpOptions;
use tokio::sync::mpsc;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::prelude::*;

use crate::helpers::{spawn_app_with_http, ACME_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";

/// A Sentry-compatible endpoint: the DSN to give a client, and the envelopes
/// it receives (as text).
async fn fake_sentry() -> (String, mpsc::UnboundedReceiver<String>) {
    let (sender, received) = mpsc::unbounded_channel();
    let router = Router::new()
        .route(
            "/api/{project}/envelope/",
            post(
                |State(sender): State<mpsc::UnboundedSender<String>>, body: Bytes| async move {
                    let _ = sender.send(String::from_utf8_lossy(&body).into_owned());
                    StatusCode::OK
                },
            ),
        )
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://public@127.0.0.1:{port}/1"), received)
}

// Several threads: the fake endpoint must keep answering while the test
// thread waits for the client to flush.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_reaches_sentry_with_request_id_tenant_and_member() {
    let (dsn, mut envelopes) = fake_sentry().await;
    let app = spawn_app_with_http(HttpOptions {
        error_reports: true,
        ..HttpOptions::default()
    })
    .await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let owner_id = app.user_id(ACME_OWNER).await;

    // A bug the server cannot turn into a person's error: a table gone.
    sqlx::query("ALTER TABLE products RENAME TO products_gone")
        .execute(&app.admin)
        .await
        .unwrap();

    // The client and the logs the server would set up from SENTRY_DSN, scoped
    // to this test (the process-wide ones are shared by every test).
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn.parse().unwrap());
    let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
    let hub = Arc::new(sentry::Hub::new(Some(client.clone()), Default::default()));
    let logs = tracing_subscriber::registry().with(server::error_reports::tracing_layer());
    let res = app
        .post_form(ACME, "/api/products/list", &[("search", "")], Some(&owner))
        .bind_hub(hub)
        .with_subscriber(logs)
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", res.body);
    assert!(
        !res.body.contains("products_gone"),
        "no database text to the browser: {}",
        res.body
    );
    let flushing = client.clone();
    tokio::task::spawn_blocking(move || flushing.flush(Some(Duration::from_secs(5))))
        .await
        .unwrap();

    let envelope = tokio::time::timeout(Duration::from_secs(10), envelopes.recv())
        .await
        .expect("an event reaches the endpoint")
        .unwrap();
    assert!(envelope.contains("database error"), "{envelope}");
    assert!(envelope.contains(r#""tenant":"acme""#), "{envelope}");
    assert!(envelope.contains(&owner_id.to_string()), "{envelope}");
    assert!(envelope.contains(r#""request_id":""#), "{envelope}");
    assert!(
        !envelope.contains(&owner),
        "no session cookie in the report: {envelope}"
    );
}

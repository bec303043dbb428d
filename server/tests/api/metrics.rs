//! Prometheus metrics: requests timed by route pattern (never the raw path),
//! checkouts by outcome, the pools' connections.
use axum::http::StatusCode;
use server::{metrics::Metrics, HttpOptions};
use uuid::Uuid;

use crate::helpers::{spawn_app_with_http, ACME_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";

/// The value of the series whose line starts with `prefix` (name and labels).
fn series(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_checkouts_by_outcome() {
    let metrics = Metrics::new();
    let app = spawn_app_with_http(HttpOptions {
        metrics: Some(metrics.clone()),
        ..HttpOptions::default()
    })
    .await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;

    // Two product pages with different ids: one series, the route's pattern.
    for _ in 0..2 {
        let path = format!("/products/{}", Uuid::new_v4());
        app.get(ACME, &path, Some(&owner)).await;
    }
    // A checkout the server refuses (an empty sale).
    let refused = app
        .post_json(
            ACME,
            "/api/bills/finalize",
            &serde_json::json!({ "sale": { "idempotency_key": Uuid::new_v4(), "lines": [], "payments": [] } }),
            Some(&owner),
        )
        .await;
    assert!(
        refused.status.is_client_error(),
        "{} {}",
        refused.status,
        refused.body
    );

    let text = metrics.render(&app.db);
    assert_eq!(
        series(
            &text,
            "shopfloor_http_request_duration_seconds_count{method=\"GET\",route=\"/products/{id}\",status=\"200\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        !text.contains("/products/0") && !text.contains("/products/1"),
        "no raw ids: {text}"
    );
    assert_eq!(
        series(&text, "shopfloor_http_request_duration_seconds_count{method=\"POST\",route=\"/api/auth/login\",status=\"200\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(&text, "shopfloor_checkouts_total{outcome=\"refused\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(&text, "shopfloor_checkouts_total{outcome=\"sold\"}"),
        None,
        "{text}"
    );
    // Every request on acme's host looked its business up: in this instance's
    // cache or in the database.
    let hits = series(&text, "shopfloor_tenant_cache_lookups_total{result=\"hit\"}").unwrap_or(0.0);
    let misses = series(&text, "shopfloor_tenant_cache_lookups_total{result=\"miss\"}").unwrap_or(0.0);
    assert!(hits + misses >= 4.0, "{text}");
    let open = series(
        &text,
        "shopfloor_db_pool_connections{pool=\"tenant\",state=\"open\"}",
    );
    assert!(open.is_some_and(|n| n >= 1.0), "{text}");
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

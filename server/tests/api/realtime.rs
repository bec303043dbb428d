//! Live events reach only the tenant they belong to.
use std::time::Duration;

use app::{
    domain::{
        billing::finalize,
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
};
use axum::{
    body::{Body, BodyDataStream},
    http::{header, Request, StatusCode},
};
use futures::StreamExt;
use tower::ServiceExt;

use crate::helpers::{spawn_app, wait_until, TestApp, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

async fn open_stream(app: &TestApp, host: &str, cookie: &str) -> (StatusCode, BodyDataStream) {
    let req = Request::get("/api/events")
        .header(header::HOST, host)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    (res.status(), res.into_body().into_data_stream())
}

/// Reads the stream until `wanted` appears or `within` passes.
async fn wait_for(stream: &mut BodyDataStream, wanted: &str, within: Duration) -> Option<String> {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.next()).await {
            Ok(Some(Ok(chunk))) => {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains(wanted) {
                    return Some(seen);
                }
            }
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_sale_reaches_its_own_tenants_terminals_and_no_others() {
    let app = spawn_app().await;
    let acme_cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let globex_cookie = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let (status, mut acme_events) = open_stream(&app, "acme.localhost", &acme_cookie).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mut globex_events) = open_stream(&app, "globex.localhost", &globex_cookie).await;
    // Acme's cookie cannot open a stream on globex.
    let (status, _) = open_stream(&app, "globex.localhost", &acme_cookie).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The server's listener has subscribed to the events channel.
    let admin = app.admin.clone();
    wait_until("the event listener to subscribe", || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN %shopfloor_events%')",
        )
        .fetch_one(&admin)
        .await
        .unwrap()
    })
    .await;

    let owner = Actor {
        user_id: app.user_id(ACME_OWNER).await,
        role: Role::Owner,
    };
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let input = ProductInput {
        sku: "LIVE-1".into(),
        name: "Live tea".into(),
        sale_price: 100,
        ..Default::default()
    };
    let product = catalog::create_product(&mut tx, &owner, input, 5, &Reference::none())
        .await
        .unwrap();
    let sale = SaleInput {
        idempotency_key: "live-sale-0001".into(),
        customer_id: None,
        lines: vec![CartLine {
            product_id: product.id,
            quantity: 2,
            line_discount: 0,
        }],
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: 200,
            tendered: None,
        }],
    };
    finalize::finalize_sale(&mut tx, &owner, &sale).await.unwrap();
    tx.commit().await.unwrap();

    let got = wait_for(&mut acme_events, &product.id.to_string(), Duration::from_secs(5)).await;
    let got = got.expect("acme's terminal hears its sale");
    assert!(got.contains("\"on_hand\":3"), "{got}");
    assert!(got.contains("event: update"), "{got}");
    let leaked = wait_for(&mut globex_events, "update", Duration::from_millis(1500)).await;
    assert!(leaked.is_none(), "globex received acme's event: {leaked:?}");
}

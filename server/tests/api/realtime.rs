//! Live events reach only the tenant they belong to.
use std::time::Duration;

use app::{
    domain::{
        billing::finalize,
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
        org::platform,
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

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

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
    app.events.wait_until_listening().await;

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
    let product = catalog::create_product(&mut tx.acting(owner), input, 5, &Reference::none())
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
    tx.commit().await.unwrap();
    // The sale as a terminal makes it: its event is sent after its commit.
    // (A session of its own: the acme session shown to globex above was
    // signed out there.)
    let terminal = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let sold = app
        .post_json(
            "acme.localhost",
            "/api/bills/finalize",
            &serde_json::json!({ "sale": sale }),
            Some(&terminal),
        )
        .await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);

    let got = wait_for(&mut acme_events, "\"on_hand\":3", Duration::from_secs(5)).await;
    let got = got.expect("acme's terminal hears its sale");
    assert!(got.contains(&product.id.to_string()), "{got}");
    assert!(got.contains("event: update"), "{got}");
    let leaked = wait_for(&mut globex_events, "update", Duration::from_millis(1500)).await;
    assert!(leaked.is_none(), "globex received acme's event: {leaked:?}");
}

/// Reads the stream until it ends (true) or `within` passes while it stays
/// open (false).
async fn wait_for_end(stream: &mut BodyDataStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.next()).await {
            Ok(None) | Ok(Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => continue, // an event or a keep-alive
            Err(_) => return false,
        }
    }
}

/// Sends a marker event to a tenant's terminals (as the domain does at commit).
async fn ping(app: &TestApp, tenant_id: uuid::Uuid, marker: &str) {
    let payload = serde_json::json!({ "tenant_id": tenant_id, "kind": "ping", "marker": marker });
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(finalize::EVENTS_CHANNEL)
        .bind(payload.to_string())
        .execute(&app.admin)
        .await
        .unwrap();
}

/// Longer than it takes a notice to arrive, shorter than the streams' own
/// periodic re-check (15 s), so only the notice can end a stream in time.
const ENDS_WITHIN: Duration = Duration::from_secs(8);

#[tokio::test]
async fn deactivating_a_member_ends_their_event_streams_and_no_others() {
    let app = spawn_app().await;
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let (status, mut cashier_events) = open_stream(&app, "acme.localhost", &cashier).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mut owner_events) = open_stream(&app, "acme.localhost", &owner).await;
    let (_, mut globex_events) = open_stream(&app, "globex.localhost", &globex).await;
    app.events.wait_until_listening().await;

    let cashier_id = app.user_id(ACME_CASHIER).await;
    let res = app
        .post_form(
            "acme.localhost",
            "/api/members/set-active",
            &[("user_id", &cashier_id.to_string()), ("active", "false")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    assert!(
        wait_for_end(&mut cashier_events, ENDS_WITHIN).await,
        "the deactivated cashier's stream stayed open"
    );
    // The owner of the same tenant, and globex, still hear their events.
    ping(&app, app.acme, "acme-after-deactivation").await;
    ping(&app, app.globex, "globex-after-deactivation").await;
    let heard = wait_for(&mut owner_events, "acme-after-deactivation", ENDS_WITHIN).await;
    assert!(heard.is_some(), "acme's owner's stream ended too");
    let heard = wait_for(&mut globex_events, "globex-after-deactivation", ENDS_WITHIN).await;
    assert!(heard.is_some(), "globex's stream ended");
}

#[tokio::test]
async fn suspending_a_business_ends_its_event_streams_and_no_others() {
    let app = spawn_app().await;
    platform::create_operator(&app.db, "ops@platform.test", "Ops", PASSWORD)
        .await
        .unwrap();
    let ops = app.login("admin.localhost", "ops@platform.test", PASSWORD).await;
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let (status, mut cashier_events) = open_stream(&app, "acme.localhost", &cashier).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mut owner_events) = open_stream(&app, "acme.localhost", &owner).await;
    let (_, mut globex_events) = open_stream(&app, "globex.localhost", &globex).await;
    app.events.wait_until_listening().await;

    let res = app
        .post_form(
            "admin.localhost",
            "/api/platform/status",
            &[("tenant_id", &app.acme.to_string()), ("suspended", "true")],
            Some(&ops),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    assert!(
        wait_for_end(&mut cashier_events, ENDS_WITHIN).await,
        "a suspended business's cashier stream stayed open"
    );
    assert!(
        wait_for_end(&mut owner_events, ENDS_WITHIN).await,
        "a suspended business's owner stream stayed open"
    );
    // Reopening is refused while suspended.
    let (status, _) = open_stream(&app, "acme.localhost", &owner).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Globex was not touched.
    ping(&app, app.globex, "globex-after-suspension").await;
    let heard = wait_for(&mut globex_events, "globex-after-suspension", ENDS_WITHIN).await;
    assert!(heard.is_some(), "globex's stream ended when acme was suspended");
}

/// Creates a product in acme over HTTP; returns its id.
async fn acme_product(app: &TestApp, cookie: &str, sku: &str, stock: &str) -> String {
    let res = app
        .post_form(
            "acme.localhost",
            "/api/products/create",
            &[
                ("product[sku]", sku),
                ("product[name]", "Live biscuits"),
                ("product[sale_price]", "1.50"),
                ("initial_stock", stock),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn restocks_adjustments_counts_and_edits_reach_their_own_tenants_terminals_only() {
    let app = spawn_app().await;
    let acme_cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let globex_cookie = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let id = acme_product(&app, &acme_cookie, "LIVE-R", "4").await;
    let (status, mut acme_events) = open_stream(&app, "acme.localhost", &acme_cookie).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mut globex_events) = open_stream(&app, "globex.localhost", &globex_cookie).await;
    app.events.wait_until_listening().await;

    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        let cookie = acme_cookie.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.post_form("acme.localhost", path, &form, Some(&cookie)).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        }
    };
    post(
        "/api/stock/restock",
        vec![("id", id.clone()), ("quantity", "6".into())],
    )
    .await;
    let got = wait_for(&mut acme_events, "\"on_hand\":10", Duration::from_secs(5)).await;
    let got = got.expect("acme's terminal hears the restock");
    assert!(got.contains(&id) && got.contains("\"kind\":\"stock\""), "{got}");

    post(
        "/api/stock/adjust",
        vec![
            ("id", id.clone()),
            ("delta", "-3".into()),
            ("reason", "broken".into()),
        ],
    )
    .await;
    assert!(
        wait_for(&mut acme_events, "\"on_hand\":7", Duration::from_secs(5))
            .await
            .is_some(),
        "acme's terminal hears the adjustment"
    );
    post(
        "/api/stock/count",
        vec![("id", id.clone()), ("counted", "5".into())],
    )
    .await;
    assert!(
        wait_for(&mut acme_events, "\"on_hand\":5", Duration::from_secs(5))
            .await
            .is_some(),
        "acme's terminal hears the count"
    );
    post(
        "/api/products/update",
        vec![
            ("id", id.clone()),
            ("product[sku]", "LIVE-R".into()),
            ("product[name]", "Live biscuits, renamed".into()),
            ("product[sale_price]", "1.75".into()),
        ],
    )
    .await;
    let got = wait_for(&mut acme_events, "\"kind\":\"product\"", Duration::from_secs(5)).await;
    assert!(
        got.is_some_and(|g| g.contains(&id)),
        "acme's terminal hears the edit"
    );

    // Globex heard none of it (a marker of its own proves its stream is live).
    ping(&app, app.globex, "globex-marker").await;
    let seen = wait_for(&mut globex_events, "globex-marker", Duration::from_secs(5))
        .await
        .expect("globex's own event arrives");
    assert!(
        !seen.contains(&id) && !seen.contains("\"on_hand\""),
        "globex saw acme's stock: {seen}"
    );
}

#[tokio::test]
async fn a_refused_restock_announces_nothing() {
    let app = spawn_app().await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let id = acme_product(&app, &owner, "LIVE-X", "2").await;
    let (_, mut events) = open_stream(&app, "acme.localhost", &owner).await;
    app.events.wait_until_listening().await;
    // A cashier may not restock: refused, rolled back, never announced.
    let res = app
        .post_form(
            "acme.localhost",
            "/api/stock/restock",
            &[("id", &id), ("quantity", "5")],
            Some(&cashier),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    ping(&app, app.acme, "after-refusal").await;
    let seen = wait_for(&mut events, "after-refusal", Duration::from_secs(5))
        .await
        .expect("the marker arrives");
    assert!(
        !seen.contains("\"on_hand\""),
        "a refused restock was announced: {seen}"
    );
}

//! The offline till's sync survives the server binary killed (SIGKILL) in the
//! middle of a 100-sale batch: what committed stays, the batch sent again
//! records the rest, and every sale is recorded exactly once with the ledger
//! and the books clean.
use std::collections::HashSet;

use app::{
    domain::{
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
        shifts::{shift, tills},
    },
    model::{Role, SyncedSale},
    permissions::Actor,
};
use http::StatusCode;
use serde_json::{json, Value};
use server::database::APP_LOGIN_ROLE;
use uuid::Uuid;

use crate::{
    faults::open_shops,
    helpers::{admin_url, spawn_app, wait_until, PASSWORD},
    processes::{database_url, Http, ServerProcess},
};

const SALES: usize = 100;
/// The sale from which on each sale also takes one of the scarce product
/// (held locked by the test until the server is killed).
const SCARCE_FROM: usize = 50;
const SCARCE_STOCK: i64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_sync_cut_by_a_killed_server_is_resent_and_records_each_sale_once() {
    let _turn = crate::one_at_a_time().await;
    let app = spawn_app().await;
    let cluster = admin_url();
    let mut server = ServerProcess::start(
        "offline",
        &database_url(cluster, Some(APP_LOGIN_ROLE), app.database_name()),
        &database_url(cluster, None, app.database_name()),
    )
    .await;
    let shops = open_shops(&app.db, "offline", 1).await;
    let shop = &shops[0];
    let owner_id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(format!("owner@{}.test", shop.slug))
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let owner = Actor {
        user_id: owner_id,
        role: Role::Owner,
    };
    // A till with its shift open, and a product nearly sold out.
    let (till, scarce) = {
        let mut tx = app.db.tenant_tx(shop.tenant).await.unwrap();
        let mut cx = tx.acting(owner);
        let till = tills::save_till(&mut cx, None, "Front", true).await.unwrap();
        shift::open_shift(&mut cx, till, 0).await.unwrap();
        let input = ProductInput {
            sku: "SCARCE".into(),
            name: "Scarce".into(),
            sale_price: 700,
            ..Default::default()
        };
        let scarce = catalog::create_product(&mut cx, input, SCARCE_STOCK, &Reference::none())
            .await
            .unwrap();
        drop(cx);
        tx.commit().await.unwrap();
        (till, scarce.id)
    };
    let http = Http::new();
    let host = shop.host();
    let cookie = http
        .login(server.port, &host, &format!("owner@{}.test", shop.slug), PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let catalog = http
        .post_form(
            server.port,
            &host,
            "/api/sync/catalog",
            &[("till_id", &till.to_string())],
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(catalog.status, StatusCode::OK, "{}", catalog.body);
    let catalog = catalog.json();
    let code = catalog["till_code"].as_str().unwrap().to_owned();
    let price = |id: Uuid| -> (i64, i64) {
        let item = catalog["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == json!(id))
            .unwrap();
        (
            item["unit_price"].as_i64().unwrap(),
            item["tax_rate_bp"].as_i64().unwrap(),
        )
    };
    let settings = http
        .post_form(server.port, &host, "/api/pos/settings", &[], Some(&cookie))
        .await
        .unwrap()
        .json();
    let tax_mode: app::pricing::TaxMode = serde_json::from_value(settings["tax_mode"].clone()).unwrap();

    let sales: Vec<Value> = (0..SALES)
        .map(|n| {
            let mut lines = vec![(shop.products[n % 3], 1 + (n % 2) as i64)];
            if (SCARCE_FROM..SCARCE_FROM + 10).contains(&n) {
                lines.push((scarce, 1));
            }
            let inputs: Vec<app::pricing::LineInput> = lines
                .iter()
                .map(|(p, q)| {
                    let (unit_price, rate) = price(*p);
                    app::pricing::LineInput {
                        unit_price,
                        quantity: *q,
                        tax_rate_bp: rate,
                        line_discount: 0,
                    }
                })
                .collect();
            let total = app::pricing::bill_totals(&inputs, 0, tax_mode).unwrap().total;
            json!({
                "idempotency_key": format!("offline-kill-{n:04}"),
                "provisional_number": format!("{code}-{:06}", n + 1),
                "till_id": till,
                "sold_at": "2026-02-01T09:00:00Z",
                "lines": lines.iter().map(|(p, q)| {
                    let (unit_price, rate) = price(*p);
                    json!({ "product_id": p, "quantity": q, "unit_price": unit_price, "tax_rate_bp": rate })
                }).collect::<Vec<_>>(),
                "payments": [{ "method": "card", "amount": total }],
            })
        })
        .collect();
    let body = json!({ "sales": sales });

    // The scarce product is held by another transaction: the sync records
    // the sales before it and waits there, mid-batch, when the server dies.
    let mut holder = app.admin.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR UPDATE")
        .bind(scarce)
        .execute(&mut *holder)
        .await
        .unwrap();
    let in_flight = {
        let (http, host, cookie, body, port) = (
            http.clone(),
            host.clone(),
            cookie.clone(),
            body.clone(),
            server.port,
        );
        tokio::spawn(async move {
            http.post_json(port, &host, "/api/sync/sales", &body, Some(&cookie))
                .await
        })
    };
    let offline_bills = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM bills WHERE tenant_id = $1 AND status = 'finalized' AND provisional_number IS NOT NULL",
        )
        .bind(shop.tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap()
    };
    wait_until("the sales before the scarce product to be recorded", || async {
        offline_bills().await >= SCARCE_FROM as i64
    })
    .await;
    server.kill().await;
    holder.rollback().await.unwrap();
    let cut = in_flight.await.unwrap();
    assert!(
        cut.as_ref()
            .map_or(true, |answer| answer.status != StatusCode::OK),
        "the killed server answered the batch: {cut:?}"
    );
    let committed_at_kill = offline_bills().await;
    assert!(
        (1..SALES as i64).contains(&committed_at_kill),
        "killed mid-batch ({committed_at_kill} of {SALES} recorded)"
    );

    server.start_again().await;
    let mut answers: Option<Vec<SyncedSale>> = None;
    for _ in 0..2 {
        let answer = http
            .post_json(server.port, &host, "/api/sync/sales", &body, Some(&cookie))
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let synced: Vec<SyncedSale> = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(synced.len(), SALES);
        assert!(
            synced.iter().all(|s| s.refused.is_none() && s.bill_id.is_some()),
            "{synced:?}"
        );
        if let Some(first) = &answers {
            assert_eq!(first, &synced, "a second resend answers the same bills");
        }
        answers = Some(synced);
    }
    let answers = answers.unwrap();
    let ids: HashSet<Uuid> = answers.iter().filter_map(|s| s.bill_id).collect();
    assert_eq!(ids.len(), SALES);
    assert_eq!(
        answers.iter().map(|s| s.shortfall).sum::<i64>(),
        10 - SCARCE_STOCK
    );

    assert_eq!(
        offline_bills().await,
        SALES as i64,
        "exactly one bill per queued sale"
    );
    let (drafts, keys): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status <> 'finalized'), count(DISTINCT idempotency_key) \
         FROM bills WHERE tenant_id = $1",
    )
    .bind(shop.tenant)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((drafts, keys), (0, SALES as i64));
    let numbers: Vec<i64> =
        sqlx::query_scalar("SELECT number FROM bills WHERE tenant_id = $1 ORDER BY number")
            .bind(shop.tenant)
            .fetch_all(&app.admin)
            .await
            .unwrap();
    assert_eq!(
        numbers,
        (1..=SALES as i64).collect::<Vec<_>>(),
        "bill numbers without gaps"
    );
    let shortfall: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(quantity), 0)::bigint FROM stock_movements WHERE tenant_id = $1 AND kind = 'shortfall'",
    )
    .bind(shop.tenant)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(shortfall, 10 - SCARCE_STOCK);
    let inventory: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(inventory, 0, "inventory_violations() is empty");
    let books: i64 = sqlx::query_scalar("SELECT count(*) FROM accounting_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(books, 0, "accounting_violations() is empty");
}

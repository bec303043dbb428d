//! The offline till's server side: queued sales recorded exactly once
//! whatever happens to the stock meanwhile (a `shortfall` movement, the ledger
//! and the books clean), refusals that are for good, one business never
//! syncing onto another's till or products, and the bounded catalog the till
//! caches with its changes since a cursor.
use std::collections::HashSet;

use app::{
    domain::{
        billing::offline,
        inventory::{
            catalog::{self, ProductInput},
            lookups,
            stock::Reference,
        },
        shifts::{shift, tills},
    },
    model::{CatalogDelta, PosItem, PosSettings, Role, SyncedSale},
    permissions::Actor,
    pricing::{bill_totals, LineInput},
};
use axum::http::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

async fn actor(app: &TestApp, email: &str, role: Role) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role,
    }
}

/// A product of `tenant` priced `price` (minor units) with `stock` on hand.
async fn product(app: &TestApp, tenant: Uuid, owner: &Actor, sku: &str, price: i64, stock: i64) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = ProductInput {
        sku: sku.into(),
        name: format!("Item {sku}"),
        sale_price: price,
        ..Default::default()
    };
    let p = catalog::create_product(&mut tx.acting(*owner), input, stock, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    p.id
}

/// A till of `tenant`, with a shift open on it when `open`.
async fn till(app: &TestApp, tenant: Uuid, owner: &Actor, name: &str, open: bool) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*owner);
    let id = tills::save_till(&mut cx, None, name, true).await.unwrap();
    if open {
        shift::open_shift(&mut cx, id, 0).await.unwrap();
    }
    drop(cx);
    tx.commit().await.unwrap();
    id
}

/// A signed-in member syncing from a till, with typed steps.
struct TillClient<'a> {
    app: &'a TestApp,
    host: &'static str,
    cookie: String,
}

impl<'a> TillClient<'a> {
    async fn sign_in(app: &'a TestApp, host: &'static str, email: &str) -> TillClient<'a> {
        let cookie = app.login(host, email, PASSWORD).await;
        TillClient { app, host, cookie }
    }

    async fn settings(&self) -> PosSettings {
        let res = self
            .app
            .post_form(self.host, "/api/pos/settings", &[], Some(&self.cookie))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        serde_json::from_str(&res.body).unwrap()
    }

    async fn catalog_res(&self, cursor: &str, till: Option<Uuid>) -> TestResponse {
        let till = till.map(|t| t.to_string()).unwrap_or_default();
        let mut form = vec![("cursor", cursor)];
        if !till.is_empty() {
            form.push(("till_id", till.as_str()));
        }
        self.app
            .post_form(self.host, "/api/sync/catalog", &form, Some(&self.cookie))
            .await
    }

    async fn catalog(&self, cursor: &str, till: Option<Uuid>) -> CatalogDelta {
        let res = self.catalog_res(cursor, till).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        serde_json::from_str(&res.body).unwrap()
    }

    async fn sync_res(&self, sales: &[Value]) -> TestResponse {
        self.app
            .post_json(
                self.host,
                "/api/sync/sales",
                &json!({ "sales": sales }),
                Some(&self.cookie),
            )
            .await
    }

    async fn sync(&self, sales: &[Value]) -> Vec<SyncedSale> {
        let res = self.sync_res(sales).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let synced: Vec<SyncedSale> = serde_json::from_str(&res.body).unwrap();
        assert_eq!(synced.len(), sales.len());
        synced
    }

    /// An online sale of `quantity` of `item` on `till`, paid in cash.
    async fn sell_online(&self, settings: &PosSettings, till: Uuid, item: &PosItem, quantity: i64) {
        let total = total(settings, &[(item, quantity, 0)], 0);
        let res = self
            .app
            .post_json(
                self.host,
                "/api/bills/finalize",
                &json!({
                    "sale": {
                        "idempotency_key": format!("online-{}", Uuid::new_v4().simple()),
                        "lines": [{ "product_id": item.id, "quantity": quantity }],
                        "payments": [{ "method": "cash", "amount": total }],
                    },
                    "till_id": till,
                }),
                Some(&self.cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

/// The total at the till's prices, as the till computes it.
fn total(settings: &PosSettings, lines: &[(&PosItem, i64, i64)], bill_discount: i64) -> i64 {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|(item, quantity, discount)| LineInput {
            unit_price: item.unit_price,
            quantity: *quantity,
            tax_rate_bp: item.tax_rate_bp as i64,
            line_discount: *discount,
        })
        .collect();
    bill_totals(&inputs, bill_discount, settings.tax_mode)
        .unwrap()
        .total
}

/// A queued sale as the till stores it: `lines` at the till's prices, paid
/// in cash.
fn offline_sale(
    settings: &PosSettings,
    key: &str,
    provisional: &str,
    till: Option<Uuid>,
    lines: &[(&PosItem, i64, i64)],
) -> Value {
    let total = total(settings, lines, 0);
    json!({
        "idempotency_key": key,
        "provisional_number": provisional,
        "till_id": till,
        "sold_at": "2026-01-05T10:15:00Z",
        "lines": lines.iter().map(|(item, quantity, discount)| json!({
            "product_id": item.id,
            "quantity": quantity,
            "line_discount": discount,
            "unit_price": item.unit_price,
            "tax_rate_bp": item.tax_rate_bp,
        })).collect::<Vec<_>>(),
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": total }],
    })
}

fn item(catalog: &CatalogDelta, id: Uuid) -> &PosItem {
    catalog
        .products
        .iter()
        .find(|p| p.id == id)
        .expect("the product is in the catalog")
}

async fn count(app: &TestApp, sql: &str, tenant: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

/// The ledger and the books of every business, as a business sees them.
async fn assert_ledger_and_books_clean(app: &TestApp) {
    for tenant in [app.acme, app.globex] {
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let stock: Vec<(Uuid, Uuid)> =
            sqlx::query_as("SELECT tenant_id, product_id FROM inventory_violations()")
                .fetch_all(tx.conn())
                .await
                .unwrap();
        assert!(stock.is_empty(), "inventory violations: {stock:?}");
        let books: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT tenant_id, problem FROM accounting_violations()")
                .fetch_all(tx.conn())
                .await
                .unwrap();
        assert!(books.is_empty(), "accounting violations: {books:?}");
        // Every bill, offline ones too, is a link of the document chain.
        let chain: Vec<Option<String>> = sqlx::query_scalar("SELECT problem FROM chain_verify()")
            .fetch_all(tx.conn())
            .await
            .unwrap();
        assert!(chain.iter().all(Option::is_none), "document chain: {chain:?}");
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_hundred_offline_sales_sync_once_each_with_the_sold_out_shortfall_recorded() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 1_000).await;
    let cake = product(&app, app.acme, &owner, "CAKE", 400, 5).await;
    till(&app, app.acme, &owner, "Front", false).await;
    let back = till(&app, app.acme, &owner, "Back", true).await;
    let till_client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = till_client.settings().await;

    // The till caches the catalog and learns its code.
    let cached = till_client.catalog("", Some(back)).await;
    assert!(cached.full);
    assert_eq!(cached.till_code.as_deref(), Some("T2"));
    assert_eq!(cached.last_provisional, 0);
    let (tea, cake) = (item(&cached, tea).clone(), item(&cached, cake).clone());

    // Offline: 100 sales; ten of them also sell a cake (10 cakes, 5 in stock).
    let sales: Vec<Value> = (1..=100)
        .map(|n| {
            let mut lines = vec![(&tea, 1, 0)];
            if (10..20).contains(&n) {
                lines.push((&cake, 1, 0));
            }
            offline_sale(
                &settings,
                &format!("offline-{n:04}-{}", app.acme.simple()),
                &format!("T2-{n:06}"),
                Some(back),
                &lines,
            )
        })
        .collect();
    // Meanwhile the last cakes are sold online.
    till_client.sell_online(&settings, back, &cake, 5).await;

    let synced = till_client.sync(&sales).await;
    assert!(synced.iter().all(|s| s.refused.is_none()), "{synced:?}");
    let bills: HashSet<Uuid> = synced.iter().filter_map(|s| s.bill_id).collect();
    assert_eq!(bills.len(), 100);
    assert_eq!(synced.iter().map(|s| s.shortfall).sum::<i64>(), 10);
    for (sale, answer) in sales.iter().zip(&synced) {
        assert_eq!(
            sale["idempotency_key"].as_str(),
            Some(answer.idempotency_key.as_str())
        );
        assert!(answer.number.as_deref().is_some_and(|n| n.starts_with("INV-")));
    }

    let offline_bills = "SELECT count(*) FROM bills WHERE tenant_id = $1 AND provisional_number IS NOT NULL";
    assert_eq!(count(&app, offline_bills, app.acme).await, 100);
    let shortfall = "SELECT coalesce(sum(quantity), 0)::bigint FROM stock_movements \
                     WHERE tenant_id = $1 AND kind = 'shortfall'";
    assert_eq!(count(&app, shortfall, app.acme).await, 10);
    let cakes_left: i64 = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = $1")
        .bind(cake.id)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(cakes_left, 0);
    // Each bill keeps its provisional number, its till and when it was rung up.
    let row: (String, Uuid, i64, String) = sqlx::query_as(
        "SELECT provisional_number, till_id, till_seq, to_char(offline_sold_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
         FROM bills WHERE tenant_id = $1 AND id = $2",
    )
    .bind(app.acme)
    .bind(synced[41].bill_id.unwrap())
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(row, ("T2-000042".into(), back, 42, "2026-01-05 10:15".into()));
    let bill = till_client
        .app
        .post_form(
            ACME,
            "/api/bills/get",
            &[("id", &synced[41].bill_id.unwrap().to_string())],
            Some(&till_client.cookie),
        )
        .await;
    assert_eq!(bill.status, StatusCode::OK, "{}", bill.body);
    assert_eq!(bill.json()["provisional_number"], "T2-000042");
    assert_eq!(bill.json()["number"], synced[41].number.clone().unwrap().as_str());
    assert_ledger_and_books_clean(&app).await;

    // The batch again, then half of it and the whole: nothing new.
    let movements = "SELECT count(*) FROM stock_movements WHERE tenant_id = $1";
    let before = count(&app, movements, app.acme).await;
    for batch in [&sales[..], &sales[..50], &sales[..]] {
        let again = till_client.sync(batch).await;
        for (first, second) in synced.iter().zip(&again) {
            assert_eq!(first, second);
        }
    }
    assert_eq!(count(&app, offline_bills, app.acme).await, 100);
    assert_eq!(count(&app, movements, app.acme).await, before);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM bills WHERE tenant_id = $1",
            app.globex
        )
        .await,
        0
    );

    // A till whose storage was wiped continues after its last number.
    let again = till_client.catalog("", Some(back)).await;
    assert_eq!(again.last_provisional, 100);
    assert_ledger_and_books_clean(&app).await;
}

#[tokio::test]
async fn offline_sales_refused_for_good_say_why_and_write_nothing() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 100).await;
    let open = till(&app, app.acme, &owner, "Front", true).await;
    let archived = till(&app, app.acme, &owner, "Old", false).await;
    {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        tills::save_till(&mut tx.acting(owner), Some(archived), "Old", false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = client.settings().await;
    let cached = client.catalog("", None).await;
    let tea = item(&cached, tea).clone();

    let first = offline_sale(
        &settings,
        "offline-key-0001",
        "T1-000001",
        Some(open),
        &[(&tea, 1, 0)],
    );
    assert!(client.sync(std::slice::from_ref(&first)).await[0]
        .refused
        .is_none());

    let good = |key: &str, seq: u32| {
        offline_sale(
            &settings,
            key,
            &format!("T1-{seq:06}"),
            Some(open),
            &[(&tea, 2, 0)],
        )
    };
    let mut malformed_key = good("bad key!", 2);
    malformed_key["idempotency_key"] = json!("bad key!");
    let mut empty = good("offline-empty-01", 3);
    empty["lines"] = json!([]);
    empty["payments"] = json!([]);
    let mut unknown = good("offline-unknown-1", 4);
    unknown["lines"][0]["product_id"] = json!(Uuid::now_v7());
    let on_archived = offline_sale(
        &settings,
        "offline-archived-1",
        "T2-000001",
        Some(archived),
        &[(&tea, 1, 0)],
    );
    let mut short_paid = good("offline-short-pay", 5);
    short_paid["payments"][0]["amount"] = json!(1);
    let mut reused = first.clone();
    reused["lines"][0]["quantity"] = json!(3);
    reused["payments"][0]["amount"] = json!(total(&settings, &[(&tea, 3, 0)], 0));
    let mut wrong_number = good("offline-wrong-num", 6);
    wrong_number["provisional_number"] = json!("T9-000006");
    let mut junk_number = good("offline-junk-num", 7);
    junk_number["provisional_number"] = json!("receipt 7");
    let mut bad_time = good("offline-bad-time", 8);
    bad_time["sold_at"] = json!("yesterday");
    let after = good("offline-after-01", 9);

    let batch = [
        malformed_key,
        empty,
        unknown,
        on_archived,
        short_paid,
        reused,
        wrong_number,
        junk_number,
        bad_time,
        after,
    ];
    let synced = client.sync(&batch).await;
    for (answer, why) in synced.iter().zip([
        "key",
        "empty",
        "not found",
        "not found",
        "add up",
        "already used",
        "not this till",
        "provisional",
        "RFC 3339",
    ]) {
        let refused = answer
            .refused
            .as_deref()
            .unwrap_or_else(|| panic!("{answer:?} refused"));
        assert!(refused.contains(why), "{refused} should say {why}");
        assert!(answer.bill_id.is_none() && answer.number.is_none());
    }
    assert!(
        synced[9].refused.is_none() && synced[9].bill_id.is_some(),
        "{:?}",
        synced[9]
    );
    // Only the first sale and the last are recorded; nothing of the others.
    assert_eq!(
        count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", app.acme).await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT 100 - on_hand FROM products WHERE tenant_id = $1",
            app.acme
        )
        .await,
        3
    );

    // At most 200 sales per call.
    let many: Vec<Value> = (0..201)
        .map(|n| good(&format!("offline-many-{n:04}"), n + 10))
        .collect();
    assert_eq!(
        client.sync_res(&many).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", app.acme).await,
        2
    );
    assert_ledger_and_books_clean(&app).await;
}

#[tokio::test]
async fn another_business_cannot_sync_onto_a_till_or_products_not_its_own() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 100).await;
    let acme_till = till(&app, app.acme, &owner, "Front", true).await;
    let globex_tea = product(&app, app.globex, &globex_owner, "GTEA", 300, 100).await;
    let globex_till = till(&app, app.globex, &globex_owner, "Globex front", true).await;

    let acme = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = acme.settings().await;
    let tea = item(&acme.catalog("", None).await, tea).clone();
    let globex = TillClient::sign_in(&app, GLOBEX, GLOBEX_OWNER).await;
    let globex_cached = globex.catalog("", Some(globex_till)).await;
    assert!(globex_cached.products.iter().all(|p| p.id != tea.id));
    let globex_tea = item(&globex_cached, globex_tea).clone();

    let onto_acme_till = offline_sale(
        &settings,
        "cross-till-0001",
        "T1-000001",
        Some(acme_till),
        &[(&globex_tea, 1, 0)],
    );
    let acme_products = offline_sale(
        &settings,
        "cross-prod-0001",
        "T1-000002",
        Some(globex_till),
        &[(&tea, 1, 0)],
    );
    let synced = globex.sync(&[onto_acme_till, acme_products]).await;
    for answer in &synced {
        assert!(
            answer.refused.as_deref().is_some_and(|r| r.contains("not found")),
            "{answer:?}"
        );
    }
    // Nor can it read an acme till's code and numbers.
    assert_eq!(
        globex.catalog_res("", Some(acme_till)).await.status,
        StatusCode::NOT_FOUND
    );
    for tenant in [app.acme, app.globex] {
        assert_eq!(
            count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", tenant).await,
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) FROM stock_movements WHERE tenant_id = $1 AND kind <> 'initial'",
                tenant
            )
            .await,
            0
        );
    }
}

#[tokio::test]
async fn the_tills_prices_a_forged_discount_and_a_closed_shift_are_recorded_and_audited() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 100).await;
    let open = till(&app, app.acme, &owner, "Front", true).await;
    let closed = till(&app, app.acme, &owner, "Back", false).await;
    let cashier = TillClient::sign_in(&app, ACME, ACME_CASHIER).await;
    let settings = cashier.settings().await;
    let mut tea = item(&cashier.catalog("", None).await, tea).clone();
    // The till still had the old price when it rang these up.
    tea.unit_price = 199;

    let cheaper = offline_sale(
        &settings,
        "offline-price-01",
        "T1-000001",
        Some(open),
        &[(&tea, 2, 0)],
    );
    // 90 % off: far above a cashier's limit (the till refuses it; forged).
    let forged = offline_sale(
        &settings,
        "offline-forged-1",
        "T1-000002",
        Some(open),
        &[(&tea, 10, 1_791)],
    );
    let no_shift = offline_sale(
        &settings,
        "offline-noshift1",
        "T2-000001",
        Some(closed),
        &[(&tea, 1, 0)],
    );
    let synced = cashier.sync(&[cheaper, forged, no_shift]).await;
    assert!(synced.iter().all(|s| s.refused.is_none()), "{synced:?}");

    let price: i64 =
        sqlx::query_scalar("SELECT unit_price FROM bill_lines WHERE tenant_id = $1 AND bill_id = $2")
            .bind(app.acme)
            .bind(synced[0].bill_id.unwrap())
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(price, 199);
    let cashier_id = app.user_id(ACME_CASHIER).await;
    let cashier_of: Uuid = sqlx::query_scalar("SELECT cashier_id FROM bills WHERE id = $1")
        .bind(synced[1].bill_id.unwrap())
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(cashier_of, cashier_id);
    for (bill, action) in [
        (0, "bill.offline_price_differs"),
        (1, "bill.offline_discount_over_limit"),
        (2, "bill.offline_no_shift"),
    ] {
        let audited: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = $2 AND entity_id = $3",
        )
        .bind(app.acme)
        .bind(action)
        .bind(synced[bill].bill_id.unwrap().to_string())
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert_eq!(audited, 1, "{action}");
    }
    let shifts: Vec<Option<Uuid>> = sqlx::query_scalar(
        "SELECT shift_id FROM payments WHERE tenant_id = $1 AND bill_id = ANY($2) ORDER BY bill_id",
    )
    .bind(app.acme)
    .bind(synced.iter().filter_map(|s| s.bill_id).collect::<Vec<_>>())
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(shifts.iter().filter(|s| s.is_some()).count(), 2);
    assert_eq!(shifts.iter().filter(|s| s.is_none()).count(), 1);
    assert_ledger_and_books_clean(&app).await;
}

#[tokio::test]
async fn the_catalog_comes_whole_then_as_changes_since_the_cursor() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    // Tea is taxed at a rate that will change.
    let (reduced, tea) = {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let mut cx = tx.acting(owner);
        let reduced = lookups::save_tax_rate(&mut cx, None, "Reduced", 500, false)
            .await
            .unwrap();
        let input = ProductInput {
            sku: "TEA".into(),
            name: "Tea".into(),
            sale_price: 250,
            tax_rate_id: Some(reduced),
            ..Default::default()
        };
        let tea = catalog::create_product(&mut cx, input, 100, &Reference::none())
            .await
            .unwrap();
        drop(cx);
        tx.commit().await.unwrap();
        (reduced, tea.id)
    };
    let cake = product(&app, app.acme, &owner, "CAKE", 400, 10).await;
    let jam = product(&app, app.acme, &owner, "JAM", 500, 10).await;
    let salt = product(&app, app.acme, &owner, "SALT", 90, 10).await;
    let front = till(&app, app.acme, &owner, "Front", true).await;
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = client.settings().await;

    let full = client.catalog("", Some(front)).await;
    assert!(full.full);
    let ids: HashSet<Uuid> = full.products.iter().map(|p| p.id).collect();
    assert!([tea, cake, jam, salt].iter().all(|p| ids.contains(p)));
    // Everything in it was changed long before the cursor (not within the
    // overlap a delta reads again).
    sqlx::query("UPDATE products SET updated_at = now() - interval '1 hour' WHERE tenant_id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let quiet = client.catalog(&full.cursor, Some(front)).await;
    assert!(!quiet.full);
    assert!(quiet.products.is_empty() && quiet.removed.is_empty(), "{quiet:?}");

    assert_eq!(item(&full, tea).tax_rate_bp, 500);

    // A new price, a sale (stock), an archive, a new rate of a tax.
    {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let mut cx = tx.acting(owner);
        lookups::save_tax_rate(&mut cx, Some(reduced), "Reduced", 700, false)
            .await
            .unwrap();
        let input = ProductInput {
            sku: "CAKE".into(),
            name: "Item CAKE".into(),
            sale_price: 450,
            ..Default::default()
        };
        catalog::update_product(&mut cx, cake, input).await.unwrap();
        catalog::set_product_active(&mut cx, salt, false).await.unwrap();
        drop(cx);
        tx.commit().await.unwrap();
    }
    client.sell_online(&settings, front, item(&full, jam), 3).await;

    let delta = client.catalog(&quiet.cursor, Some(front)).await;
    assert!(!delta.full);
    let changed: HashSet<Uuid> = delta.products.iter().map(|p| p.id).collect();
    assert_eq!(changed, HashSet::from([cake, jam, tea]));
    assert_eq!(item(&delta, tea).tax_rate_bp, 700);
    assert_eq!(item(&delta, cake).unit_price, 450);
    assert_eq!(item(&delta, jam).on_hand, 7);
    assert_eq!(delta.removed, vec![salt]);
    assert_eq!(delta.till_code.as_deref(), Some("T1"));

    // A cursor that is junk, from the future or too old: the whole set.
    for cursor in ["junk", "1:99999999999999999", "1:1000000"] {
        let whole = client.catalog(cursor, None).await;
        assert!(whole.full, "{cursor}");
        assert_eq!(whole.products.len(), 3);
    }

    // More than 1,000 products changed since the cursor: the whole set.
    let before_bulk = client.catalog(&delta.cursor, None).await;
    assert!(!before_bulk.full);
    sqlx::query(
        "INSERT INTO products (tenant_id, id, sku, name, sale_price) \
         SELECT $1, gen_random_uuid(), 'BULK-' || n, 'Bulk ' || n, 100 FROM generate_series(1, 1001) n",
    )
    .bind(app.acme)
    .execute(&app.admin)
    .await
    .unwrap();
    let bulk = client.catalog(&before_bulk.cursor, None).await;
    assert!(bulk.full);
    assert_eq!(bulk.products.len(), 3 + 1001);
}

#[tokio::test]
async fn the_cached_set_is_bounded_to_the_most_sold_then_the_most_recently_sold() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let mut products = Vec::new();
    for n in 0..5 {
        products.push(product(&app, app.acme, &owner, &format!("P{n}"), 100, 100).await);
    }
    let front = till(&app, app.acme, &owner, "Front", true).await;
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = client.settings().await;
    let full = client.catalog("", None).await;
    assert_eq!(full.products.len(), 5);
    // P3 sells most, then P1; P4 sells once, last.
    client
        .sell_online(&settings, front, item(&full, products[3]), 5)
        .await;
    client
        .sell_online(&settings, front, item(&full, products[1]), 2)
        .await;
    client
        .sell_online(&settings, front, item(&full, products[4]), 1)
        .await;

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(owner);
    let bounded = offline::catalog_delta(&mut cx, "", None, 2).await.unwrap();
    let ids: HashSet<Uuid> = bounded.products.iter().map(|p| p.id).collect();
    assert_eq!(ids, HashSet::from([products[3], products[1]]));
    let three = offline::catalog_delta(&mut cx, "", None, 3).await.unwrap();
    let three: HashSet<Uuid> = three.products.iter().map(|p| p.id).collect();
    assert_eq!(three, HashSet::from([products[3], products[1], products[4]]));
    // Then the most recently changed of the unsold: P2 was made after P0.
    let four = offline::catalog_delta(&mut cx, "", None, 4).await.unwrap();
    let four: HashSet<Uuid> = four.products.iter().map(|p| p.id).collect();
    assert_eq!(
        four,
        HashSet::from([products[3], products[1], products[4], products[2]])
    );
    // Every product changes: the set's come back, the others are dropped.
    sqlx::query("UPDATE products SET updated_at = now() WHERE tenant_id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let delta = offline::catalog_delta(&mut cx, &bounded.cursor, None, 2)
        .await
        .unwrap();
    assert!(!delta.full);
    let changed: HashSet<Uuid> = delta.products.iter().map(|p| p.id).collect();
    assert_eq!(changed, ids);
    let removed: HashSet<Uuid> = delta.removed.iter().copied().collect();
    assert_eq!(removed, HashSet::from([products[0], products[2], products[4]]));
    drop(cx);
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn tills_are_numbered_per_business_in_creation_order() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    till(&app, app.acme, &owner, "One", false).await;
    till(&app, app.globex, &globex_owner, "G one", false).await;
    till(&app, app.acme, &owner, "Two", false).await;
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let res = client
        .app
        .post_form(ACME, "/api/tills/list", &[], Some(&client.cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let codes: Vec<(String, String)> = res
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![("One".into(), "T1".into()), ("Two".into(), "T2".into())]
    );
    let globex_code: i32 = sqlx::query_scalar("SELECT code FROM tills WHERE tenant_id = $1")
        .bind(app.globex)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(globex_code, 1);
}

#[tokio::test]
async fn a_synced_bill_keeps_its_provisional_number_and_is_found_by_it_in_its_business_only() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let product_id = product(&app, app.acme, &owner, "PROV-1", 250, 5).await;
    let till_id = till(&app, app.acme, &owner, "Front", true).await;
    // Globex has a till with the same code, and sells nothing offline.
    till(&app, app.globex, &globex_owner, "G front", true).await;
    let acme = TillClient::sign_in(&app, ACME, ACME_CASHIER).await;
    let settings = acme.settings().await;
    let catalog = acme.catalog("", Some(till_id)).await;
    let code = catalog.till_code.clone().unwrap();
    let provisional = format!("{code}-000007");
    let sale = offline_sale(
        &settings,
        "prov-key-0000001",
        &provisional,
        Some(till_id),
        &[(item(&catalog, product_id), 2, 0)],
    );
    let synced = acme.sync(&[sale]).await;
    let bill_id = synced[0].bill_id.expect("recorded");

    let res = app
        .post_form(
            ACME,
            "/api/bills/get",
            &[("id", &bill_id.to_string())],
            Some(&acme.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["provisional_number"], json!(provisional));
    assert_eq!(res.json()["number"], json!(synced[0].number.clone().unwrap()));

    // Typed as printed, in any case: the one bill.
    let search = provisional.to_lowercase();
    let res = app
        .post_form(
            ACME,
            "/api/bills/list",
            &[("search", &search)],
            Some(&acme.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let ids: Vec<String> = res
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![bill_id.to_string()]);

    // Globex searching the same number finds none of acme's bills.
    let globex = TillClient::sign_in(&app, GLOBEX, GLOBEX_OWNER).await;
    let res = app
        .post_form(
            GLOBEX,
            "/api/bills/list",
            &[("search", &provisional)],
            Some(&globex.cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json().as_array().unwrap().len(), 0);

    // An online bill has none.
    acme.sell_online(&settings, till_id, item(&catalog, product_id), 1)
        .await;
    let online: Option<String> = sqlx::query_scalar(
        "SELECT provisional_number FROM bills WHERE tenant_id = $1 AND status = 'finalized' \
         ORDER BY number DESC LIMIT 1",
    )
    .bind(app.acme)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(online, None);
}

#[tokio::test]
async fn the_same_batch_sent_twice_at_once_records_each_sale_once() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let front = till(&app, app.acme, &owner, "Front", true).await;
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = client.settings().await;
    let tea = item(&client.catalog("", Some(front)).await, tea).clone();
    // 30 sales of one tea each, 10 in stock: 20 short.
    let sales: Vec<Value> = (1..=30)
        .map(|n| {
            offline_sale(
                &settings,
                &format!("offline-race-{n:04}"),
                &format!("T1-{n:06}"),
                Some(front),
                &[(&tea, 1, 0)],
            )
        })
        .collect();
    // A till that retried before the first answer came: both calls race.
    let (first, second) = tokio::join!(client.sync(&sales), client.sync(&sales));
    assert_eq!(first, second, "both answer the same bills");
    assert!(first.iter().all(|s| s.refused.is_none()), "{first:?}");
    assert_eq!(first.iter().map(|s| s.shortfall).sum::<i64>(), 20);
    assert_eq!(
        count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", app.acme).await,
        30
    );
    let shortfall = "SELECT coalesce(sum(quantity), 0)::bigint FROM stock_movements \
                     WHERE tenant_id = $1 AND kind = 'shortfall'";
    assert_eq!(count(&app, shortfall, app.acme).await, 20);
    assert_ledger_and_books_clean(&app).await;
}

#[tokio::test]
async fn a_synced_bills_provisional_number_is_in_the_document_chain() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let front = till(&app, app.acme, &owner, "Front", true).await;
    let client = TillClient::sign_in(&app, ACME, ACME_OWNER).await;
    let settings = client.settings().await;
    let tea = item(&client.catalog("", Some(front)).await, tea).clone();
    let sale = offline_sale(
        &settings,
        "offline-chain-01",
        "T1-000007",
        Some(front),
        &[(&tea, 1, 0)],
    );
    let bill = client.sync(&[sale]).await[0].bill_id.unwrap();
    assert_ledger_and_books_clean(&app).await;

    // A superuser rewrites the provisional number, every trigger off.
    let mut conn = app.admin.acquire().await.unwrap();
    for sql in [
        "SET session_replication_role = replica",
        "UPDATE bills SET provisional_number = 'T1-000008', till_seq = 8 WHERE id = $1",
        "SET session_replication_role = origin",
    ] {
        sqlx::query(sql).bind(bill).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let problems: Vec<Option<String>> = sqlx::query_scalar("SELECT problem FROM chain_verify()")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        problems,
        vec![Some("document changed after it was chained".to_owned())]
    );
    tx.rollback().await.unwrap();
}

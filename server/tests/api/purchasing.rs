//! Buying (migration 0019): low stock → a draft order → sent → received in
//! parts at a moving-average cost (checked against the model after every
//! step), supplier payments, and the books staying whole throughout.
use app::{
    domain::{
        inventory::{
            catalog::{self, ProductInput},
            lookups,
            stock::Reference,
        },
        purchasing::{moving_average, orders, payments, receiving, PurchaseError},
    },
    model::{PurchaseLineInput, PurchaseStatus, ReceiveLineInput, Role},
    permissions::Actor,
};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_OWNER, GLOBEX_OWNER};

async fn owner(app: &TestApp, email: &str) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role: Role::Owner,
    }
}

/// A supplier and a product of it: cost, stock, reorder level.
async fn supplied_product(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    sku: &str,
    (cost, stock, reorder): (i64, i64, i64),
) -> (Uuid, Uuid) {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*who);
    let supplier = lookups::save_supplier(&mut cx, None, &format!("Supplier {sku}"), "", "")
        .await
        .unwrap();
    let input = ProductInput {
        sku: sku.into(),
        name: format!("Item {sku}"),
        sale_price: cost * 2,
        cost_price: cost,
        supplier_id: Some(supplier),
        reorder_level: reorder,
        ..Default::default()
    };
    let p = catalog::create_product(&mut cx, input, stock, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (supplier, p.id)
}

async fn product_state(app: &TestApp, product: Uuid) -> (i64, i64) {
    sqlx::query_as("SELECT on_hand, cost_price FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

async fn violations(app: &TestApp) -> Vec<(Uuid, String, i64)> {
    sqlx::query_as("SELECT tenant_id, problem, difference FROM accounting_violations()")
        .fetch_all(&app.admin)
        .await
        .unwrap()
}

/// debit − credit of a system account in a business.
async fn balance(app: &TestApp, tenant: Uuid, key: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(l.debit - l.credit), 0)::bigint FROM journal_lines l \
         JOIN ledger_accounts a ON a.tenant_id = l.tenant_id AND a.code = l.account_code \
         WHERE l.tenant_id = $1 AND a.system_key = $2",
    )
    .bind(tenant)
    .bind(key)
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

fn receive_line(line_no: i32, quantity: i64) -> ReceiveLineInput {
    ReceiveLineInput {
        line_no,
        quantity: quantity.to_string(),
        received_before: None,
    }
}

#[tokio::test]
async fn low_stock_becomes_a_draft_then_a_partial_receipt_moves_stock_cost_and_books() {
    let app = spawn_app().await;
    let who = owner(&app, ACME_OWNER).await;
    let (supplier, item) = supplied_product(&app, app.acme, &who, "LOW1", (100, 3, 10)).await;

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(who);
    let drafts = orders::drafts_from_low_stock(&mut cx).await.unwrap();
    let ours: Vec<_> = drafts.iter().filter(|d| d.supplier_id == supplier).collect();
    assert_eq!(ours.len(), 1, "{drafts:?}");
    let draft = ours[0].clone();
    assert_eq!(draft.status, PurchaseStatus::Draft);
    assert_eq!(
        (draft.lines[0].quantity, draft.lines[0].unit_cost),
        (17, 100),
        "up to twice the reorder level"
    );
    // Already on an open order: not suggested again.
    let again = orders::drafts_from_low_stock(&mut cx).await.unwrap();
    assert!(again.iter().all(|d| d.lines.iter().all(|l| l.product_id != item)));
    // The supplier's price is 1,30 now (decimal comma).
    // By its SKU, as typed or scanned.
    let lines = [PurchaseLineInput {
        sku: "low1".into(),
        quantity: "17".into(),
        unit_cost: "1,30".into(),
        ..Default::default()
    }];
    let draft = orders::save_draft(&mut cx, Some(draft.id), supplier, "Price went up", &lines)
        .await
        .unwrap();
    assert_eq!(draft.total, 17 * 130);
    // Not received before it is sent.
    let early = receiving::receive(&mut cx, draft.id, &[receive_line(1, 5)]).await;
    assert!(matches!(early, Err(PurchaseError::Conflict(_))), "{early:?}");
    orders::send_order(&mut cx, draft.id).await.unwrap();
    // Sent: its lines are fixed, by the domain and by the schema.
    let edit = orders::save_draft(&mut cx, Some(draft.id), supplier, "", &lines).await;
    assert!(matches!(edit, Err(PurchaseError::Conflict(_))), "{edit:?}");
    tx.commit().await.unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let raw = sqlx::query("UPDATE purchase_order_lines SET quantity = 1 WHERE order_id = $1")
        .bind(draft.id)
        .execute(tx.conn())
        .await;
    assert!(raw.is_err(), "a sent order's line changed");
    drop(tx);

    // 10 of 17 arrive: 3 at 1.00 + 10 at 1.30 → 1,600 / 13 = 123.08 → 1.23.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(who);
    let order = receiving::receive(&mut cx, draft.id, &[receive_line(1, 10)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(order.status, PurchaseStatus::PartlyReceived);
    assert_eq!(product_state(&app, item).await, (13, 123));
    assert_eq!(
        balance(&app, app.acme, "payable").await,
        -1300,
        "owed at the price paid"
    );
    assert_eq!(balance(&app, app.acme, "inventory").await, 13 * 123);
    assert_eq!(violations(&app).await, vec![]);

    // Too many is refused; the other 7 close it.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(who);
    let over = receiving::receive(&mut cx, draft.id, &[receive_line(1, 8)]).await;
    assert!(matches!(over, Err(PurchaseError::Invalid(_))), "{over:?}");
    let order = receiving::receive(&mut cx, draft.id, &[receive_line(1, 7)])
        .await
        .unwrap();
    assert_eq!(order.status, PurchaseStatus::Received);
    let closed = receiving::receive(&mut cx, draft.id, &[receive_line(1, 1)]).await;
    assert!(matches!(closed, Err(PurchaseError::Conflict(_))), "{closed:?}");
    let cancel = orders::cancel_order(&mut cx, draft.id).await;
    assert!(matches!(cancel, Err(PurchaseError::Conflict(_))), "{cancel:?}");
    // Paying part of it: Dr payable, Cr bank; what is owed goes down.
    let paid = payments::pay_supplier(&mut cx, supplier, "1.000,00", "bank", "", "Transfer 42")
        .await
        .unwrap();
    assert_eq!(paid.owed, 17 * 130 - 100_000);
    tx.commit().await.unwrap();
    // 13 at 1.23 + 7 at 1.30 → 2,509 / 20 = 125.45 → 1.25.
    assert_eq!(product_state(&app, item).await, (20, 125));
    assert_eq!(balance(&app, app.acme, "payable").await, -(17 * 130) + 100_000);
    assert_eq!(balance(&app, app.acme, "bank").await, -100_000);
    assert_eq!(violations(&app).await, vec![]);
}

/// A small deterministic generator (the mix is the same every run).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[tokio::test]
async fn receipts_and_sales_keep_the_cost_on_the_model_in_both_businesses() {
    use app::domain::inventory::stock;
    let app = spawn_app().await;
    for (tenant, email, seed) in [(app.acme, ACME_OWNER, 7_u64), (app.globex, GLOBEX_OWNER, 11)] {
        let who = owner(&app, email).await;
        let (supplier, item) = supplied_product(&app, tenant, &who, "AVG1", (250, 4, 0)).await;
        let (mut on_hand, mut cost) = (4_i64, 250_i64);
        let mut dice = Dice(seed);
        for step in 0..25 {
            let mut tx = app.db.tenant_tx(tenant).await.unwrap();
            let mut cx = tx.acting(who);
            if dice.roll(3) == 0 && on_hand > 0 {
                let q = 1 + dice.roll(on_hand as u64) as i64;
                stock::adjust(&mut cx, item, -q, "Sold off the books")
                    .await
                    .unwrap();
                on_hand -= q;
            } else {
                let q = 1 + dice.roll(40) as i64;
                let unit = 1 + dice.roll(100_000) as i64;
                let lines = [PurchaseLineInput {
                    product_id: Some(item),
                    quantity: q.to_string(),
                    unit_cost: app::pricing::format_amount(unit, 2),
                    ..Default::default()
                }];
                let order = orders::save_draft(&mut cx, None, supplier, "", &lines)
                    .await
                    .unwrap();
                orders::send_order(&mut cx, order.id).await.unwrap();
                receiving::receive(&mut cx, order.id, &[receive_line(1, q)])
                    .await
                    .unwrap();
                cost = moving_average(on_hand, cost, q, unit);
                on_hand += q;
            }
            tx.commit().await.unwrap();
            assert_eq!(
                product_state(&app, item).await,
                (on_hand, cost),
                "step {step} in {tenant}"
            );
            assert_eq!(violations(&app).await, vec![], "step {step} in {tenant}");
        }
    }
}

#[tokio::test]
async fn the_databases_average_is_the_models() {
    let app = spawn_app().await;
    let mut dice = Dice(0xa5a5);
    let cases: Vec<[i64; 4]> = (0..2_000)
        .map(|_| {
            [
                dice.roll(2_000_000) as i64 - 10,
                dice.roll(100_000_000_000) as i64,
                1 + dice.roll(1_000_000) as i64,
                dice.roll(100_000_000_000) as i64,
            ]
        })
        .collect();
    let column = |n: usize| cases.iter().map(|c| c[n]).collect::<Vec<i64>>();
    let averages: Vec<i64> = sqlx::query_scalar(
        "SELECT moving_average_cost(h, c, q, u) FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) \
         WITH ORDINALITY AS x (h, c, q, u, n) ORDER BY n",
    )
    .bind(column(0))
    .bind(column(1))
    .bind(column(2))
    .bind(column(3))
    .fetch_all(&app.admin)
    .await
    .unwrap();
    for (case, average) in cases.iter().zip(averages) {
        assert_eq!(
            average,
            moving_average(case[0], case[1], case[2], case[3]),
            "{case:?}"
        );
    }
}

#[tokio::test]
async fn orders_and_payments_stay_in_their_business_and_follow_roles() {
    use axum::http::StatusCode;

    use crate::helpers::{ACME_CASHIER, PASSWORD};
    let app = spawn_app().await;
    let who = owner(&app, ACME_OWNER).await;
    let (supplier, item) = supplied_product(&app, app.acme, &who, "ISO1", (100, 0, 0)).await;
    let owner_cookie = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let supplier_s = supplier.to_string();
    let item_s = item.to_string();
    let form = [
        ("supplier_id", supplier_s.as_str()),
        ("lines[0][product_id]", item_s.as_str()),
        ("lines[0][quantity]", "5"),
        ("lines[0][unit_cost]", "2.00"),
    ];
    let res = app
        .post_form(
            "acme.localhost",
            "/api/purchases/save",
            &form,
            Some(&owner_cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id = res.json()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(res.json()[0]["number"], "PO-000001");
    let res = app
        .post_form("acme.localhost", "/api/purchases/save", &form, Some(&cashier))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // Globex: not found, whatever the endpoint; its list does not show it.
    for path in [
        "/api/purchases/get",
        "/api/purchases/send",
        "/api/purchases/cancel",
    ] {
        let res = app
            .post_form("globex.localhost", path, &[("id", &id)], Some(&globex))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    let res = app
        .post_form("globex.localhost", "/api/purchases/save", &form, Some(&globex))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form("globex.localhost", "/api/purchases/list", &[], Some(&globex))
        .await;
    assert_eq!(res.json(), serde_json::json!([]));
    let pay = [("supplier_id", supplier_s.as_str()), ("amount", "5")];
    let res = app
        .post_form(
            "globex.localhost",
            "/api/supplier_payments/create",
            &pay,
            Some(&globex),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // Sent and received over HTTP; a double send is one.
    let res = app
        .post_form(
            "acme.localhost",
            "/api/purchases/send",
            &[("id", &id)],
            Some(&owner_cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .post_form(
            "acme.localhost",
            "/api/purchases/send",
            &[("id", &id)],
            Some(&owner_cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let receive = [
        ("id", id.as_str()),
        ("lines[0][line_no]", "1"),
        ("lines[0][quantity]", "5"),
    ];
    let res = app
        .post_form(
            "acme.localhost",
            "/api/purchases/receive",
            &receive,
            Some(&owner_cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["status"], "received");
    let res = app
        .post_form(
            "acme.localhost",
            "/api/supplier_payments/create",
            &pay,
            Some(&cashier),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = app
        .post_form(
            "acme.localhost",
            "/api/supplier_payments/create",
            &pay,
            Some(&owner_cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["owed"], 1000 - 500);
    assert_eq!(violations(&app).await, vec![]);
}

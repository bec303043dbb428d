//! Bills: exact totals, immutable once final, gapless numbers, idempotent
//! checkout, credit notes within what was sold, per tenant.
use std::collections::HashSet;

use app::{
    domain::{
        billing::{credit, finalize, read, BillingError},
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
    pricing::{bill_totals, LineInput, TaxMode},
};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

async fn actor(app: &TestApp, email: &str, role: Role) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role,
    }
}

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

fn key() -> String {
    format!("sale-{}", Uuid::new_v4().simple())
}

fn cash_sale(lines: Vec<CartLine>, total: i64, tendered: i64) -> SaleInput {
    SaleInput {
        idempotency_key: key(),
        customer_id: None,
        lines,
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: total,
            tendered: Some(tendered),
        }],
    }
}

fn line(product_id: Uuid, quantity: i64) -> CartLine {
    CartLine {
        product_id,
        quantity,
        line_discount: 0,
    }
}

async fn finalize(app: &TestApp, tenant: Uuid, who: &Actor, sale: &SaleInput) -> Result<Uuid, BillingError> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let id = finalize::finalize_sale(&mut tx.acting(*who), sale).await?;
    tx.commit().await.unwrap();
    Ok(id)
}

#[tokio::test]
async fn a_cash_sale_is_numbered_paid_and_takes_the_stock() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let mug = product(&app, app.acme, &owner, "MUG", 899, 3).await;
    let expected = bill_totals(
        &[
            LineInput {
                unit_price: 250,
                quantity: 3,
                tax_rate_bp: 0,
                line_discount: 0,
            },
            LineInput {
                unit_price: 899,
                quantity: 1,
                tax_rate_bp: 0,
                line_discount: 0,
            },
        ],
        0,
        TaxMode::Inclusive,
    )
    .unwrap();
    let sale = cash_sale(vec![line(tea, 3), line(mug, 1)], expected.total, 2000);
    let id = finalize(&app, app.acme, &cashier, &sale).await.unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let bill = read::get_bill(&mut tx, id).await.unwrap();
    assert_eq!(bill.number, "INV-000001");
    assert_eq!((bill.total, bill.paid, bill.change), (1649, 1649, 351));
    assert_eq!(bill.lines.len(), 2);
    assert_eq!(bill.lines[0].name, "Item TEA");
    let stock: Vec<i64> =
        sqlx::query_scalar("SELECT on_hand FROM products WHERE id = ANY($1) ORDER BY sku DESC")
            .bind(vec![tea, mug])
            .fetch_all(tx.conn())
            .await
            .unwrap();
    assert_eq!(stock, vec![7, 2]);
}

#[tokio::test]
async fn finalized_bill_refuses_update_and_delete_even_from_a_buggy_query() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let id = finalize(&app, app.acme, &owner, &cash_sale(vec![line(tea, 1)], 250, 250))
        .await
        .unwrap();
    for sql in [
        "UPDATE bills SET total = 1",
        "DELETE FROM bills",
        "UPDATE bill_lines SET quantity = 5",
        "DELETE FROM bill_lines",
        "UPDATE payments SET amount = 1",
        "DELETE FROM payments",
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
        assert!(err.to_string().contains("immutable"), "{sql}: {err}");
    }
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query(
        "INSERT INTO bill_lines (tenant_id, bill_id, line_no, product_id, sku, name, unit_price, tax_rate_bp, quantity, \
           line_discount, bill_discount, net, tax, total) VALUES ($1, $2, 9, $3, 'X', 'X', 0, 0, 1, 0, 0, 0, 0, 0)",
    )
    .bind(app.acme)
    .bind(id)
    .bind(tea)
    .execute(tx.conn())
    .await
    .unwrap_err();
    assert!(err.to_string().contains("immutable"), "{err}");
    drop(tx);
    // Not even the owner role may.
    let err = sqlx::query("UPDATE bills SET total = 1")
        .execute(&app.admin)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("immutable"), "{err}");
}

#[tokio::test]
async fn two_hundred_concurrent_finalizations_number_each_tenant_without_gaps() {
    let app = spawn_app().await;
    let acme_owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let a = product(&app, app.acme, &acme_owner, "GAP-A", 100, 1000).await;
    let g = product(&app, app.globex, &globex_owner, "GAP-G", 100, 1000).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let db = app.db.clone();
        let (tenant, who, p) = if i % 2 == 0 {
            (app.acme, acme_owner, a)
        } else {
            (app.globex, globex_owner, g)
        };
        // Every ninth sale is refused (payments don't add up): it must not use a number.
        let total = if i % 9 == 0 { 99 } else { 100 };
        let sale = cash_sale(vec![line(p, 1)], total, 100);
        tasks.push(tokio::spawn(async move {
            let mut tx = db.tenant_tx(tenant).await.unwrap();
            match finalize::finalize_sale(&mut tx.acting(who), &sale).await {
                Ok(_) => {
                    tx.commit().await.unwrap();
                    true
                }
                Err(BillingError::Invalid(_)) => false,
                Err(other) => panic!("{other:?}"),
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for tenant in [app.acme, app.globex] {
        let numbers: Vec<i64> =
            sqlx::query_scalar("SELECT number FROM bills WHERE tenant_id = $1 ORDER BY number")
                .bind(tenant)
                .fetch_all(&app.admin)
                .await
                .unwrap();
        assert!(numbers.len() > 80, "{}", numbers.len());
        assert_eq!(
            numbers,
            (1..=numbers.len() as i64).collect::<Vec<_>>(),
            "gapless and unique"
        );
    }
    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(violations, 0);
}

#[tokio::test]
async fn the_same_checkout_sent_five_times_at_once_makes_one_bill() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let sale = cash_sale(vec![line(tea, 2)], 500, 500);
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let db = app.db.clone();
        let sale = sale.clone();
        let acme = app.acme;
        tasks.push(tokio::spawn(async move {
            let mut tx = db.tenant_tx(acme).await.unwrap();
            let id = finalize::finalize_sale(&mut tx.acting(owner), &sale)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "every retry got the first bill");
    let (bills, sales, on_hand): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM bills), (SELECT count(*) FROM stock_movements WHERE kind = 'sale'), \
                (SELECT on_hand FROM products WHERE sku = 'TEA')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((bills, sales, on_hand), (1, 1, 8));
}

#[tokio::test]
async fn a_refused_sale_leaves_no_bill_no_number_and_no_stock_change() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let tea = product(&app, app.acme, &owner, "TEA", 1000, 2).await;
    let out_of_stock = cash_sale(vec![line(tea, 3)], 3000, 3000);
    assert!(matches!(
        finalize(&app, app.acme, &owner, &out_of_stock).await,
        Err(BillingError::Stock(_))
    ));
    let short = cash_sale(vec![line(tea, 1)], 999, 999);
    assert!(matches!(
        finalize(&app, app.acme, &owner, &short).await,
        Err(BillingError::Invalid(_))
    ));
    let mut big_discount = cash_sale(
        vec![CartLine {
            product_id: tea,
            quantity: 1,
            line_discount: 200,
        }],
        800,
        800,
    );
    let err = finalize(&app, app.acme, &cashier, &big_discount)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("need a manager"), "{err}");
    big_discount.idempotency_key = key();
    let card_change = SaleInput {
        payments: vec![PaymentInput {
            method: PaymentMethod::Card,
            amount: 1000,
            tendered: Some(2000),
        }],
        ..cash_sale(vec![line(tea, 1)], 1000, 1000)
    };
    assert!(matches!(
        finalize(&app, app.acme, &owner, &card_change).await,
        Err(BillingError::Invalid(_))
    ));
    let (bills, on_hand): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM bills), (SELECT on_hand FROM products WHERE sku = 'TEA')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((bills, on_hand), (0, 2));
    // A manager may give the same discount; the number is still 1.
    let id = finalize(&app, app.acme, &owner, &big_discount).await.unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert_eq!(read::get_bill(&mut tx, id).await.unwrap().number, "INV-000001");
}

#[tokio::test]
async fn credit_notes_never_return_more_than_was_sold_and_restock_exactly() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let tea = product(&app, app.acme, &owner, "TEA", 333, 10).await;
    let bill = finalize(&app, app.acme, &owner, &cash_sale(vec![line(tea, 3)], 999, 1000))
        .await
        .unwrap();
    let credit = |lines: Vec<(i32, i64)>| credit::CreditInput {
        bill_id: bill,
        lines,
        reason: "Damaged".into(),
        refund_method: PaymentMethod::Cash,
        restock: true,
        till_id: None,
    };
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert!(matches!(
        credit::create_credit_note(&mut tx.acting(cashier), &credit(vec![(1, 1)])).await,
        Err(BillingError::Forbidden(_))
    ));
    drop(tx);
    for (lines, expect_ok) in [
        (vec![(1, 4)], false),
        (vec![(1, 2)], true),
        (vec![(1, 2)], false),
        (vec![(1, 1)], true),
        (vec![(1, 1)], false),
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let result = credit::create_credit_note(&mut tx.acting(owner), &credit(lines.clone())).await;
        assert_eq!(result.is_ok(), expect_ok, "{lines:?}: {result:?}");
        if result.is_ok() {
            tx.commit().await.unwrap();
        }
    }
    let (credited, refunded, on_hand, numbers): (i64, i64, i64, Vec<i64>) = sqlx::query_as(
        "SELECT (SELECT sum(quantity)::bigint FROM credit_note_lines), (SELECT sum(total)::bigint FROM credit_notes), \
                (SELECT on_hand FROM products WHERE sku = 'TEA'), (SELECT array_agg(number ORDER BY number) FROM credit_notes)",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        (credited, refunded, on_hand, numbers),
        (3, 999, 10, vec![1, 2]),
        "full return refunds the bill exactly"
    );
    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(violations, 0);
    // Credit notes are immutable too.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert!(sqlx::query("UPDATE credit_notes SET total = 0")
        .execute(tx.conn())
        .await
        .is_err());
}

#[tokio::test]
async fn tenant_b_cannot_read_or_credit_tenant_a_bills() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let bill = finalize(&app, app.acme, &owner, &cash_sale(vec![line(tea, 1)], 250, 250))
        .await
        .unwrap();
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    assert!(matches!(
        read::get_bill(&mut tx, bill).await,
        Err(BillingError::NotFound(_))
    ));
    assert!(read::list_bills(&mut tx, &Default::default(), 50, 0)
        .await
        .unwrap()
        .is_empty());
    let input = credit::CreditInput {
        bill_id: bill,
        lines: vec![(1, 1)],
        reason: "x".into(),
        refund_method: PaymentMethod::Cash,
        restock: true,
        till_id: None,
    };
    assert!(matches!(
        credit::create_credit_note(&mut tx.acting(globex), &input).await,
        Err(BillingError::NotFound(_))
    ));
    // Selling acme's product from globex finds nothing.
    let sale = cash_sale(vec![line(tea, 1)], 250, 250);
    assert!(matches!(
        finalize::finalize_sale(&mut tx.acting(globex), &sale).await,
        Err(BillingError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_parked_sale_takes_no_stock_gets_no_number_and_resumes_once() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let draft = app::domain::billing::drafts::park_sale(&mut tx.acting(cashier), &[line(tea, 3)], 0, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (numbered, on_hand): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM bills WHERE number IS NOT NULL), (SELECT on_hand FROM products WHERE sku = 'TEA')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        (numbered, on_hand),
        (0, 10),
        "parking takes no stock and no number"
    );

    // Another business cannot see or resume it.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    assert!(app::domain::billing::drafts::list_drafts(&mut tx)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        app::domain::billing::drafts::resume_draft(&mut tx.acting(globex), draft).await,
        Err(BillingError::NotFound(_))
    ));
    drop(tx);

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let drafts = app::domain::billing::drafts::list_drafts(&mut tx).await.unwrap();
    assert_eq!((drafts.len(), drafts[0].total, drafts[0].lines), (1, 750, 1));
    let resumed = app::domain::billing::drafts::resume_draft(&mut tx.acting(cashier), draft)
        .await
        .unwrap();
    assert_eq!(
        (
            resumed.lines.len(),
            resumed.lines[0].quantity,
            resumed.lines[0].item.on_hand
        ),
        (1, 3, 10)
    );
    tx.commit().await.unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert!(
        matches!(
            app::domain::billing::drafts::resume_draft(&mut tx.acting(cashier), draft).await,
            Err(BillingError::NotFound(_))
        ),
        "a draft resumes once"
    );
    drop(tx);
    // Finalized normally afterwards: number 1.
    let id = finalize(
        &app,
        app.acme,
        &cashier,
        &cash_sale(vec![line(tea, 3)], 750, 1000),
    )
    .await
    .unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert_eq!(read::get_bill(&mut tx, id).await.unwrap().number, "INV-000001");
}

/// Moves a finalized bill's time (test fixture only: the immutability trigger
/// is switched off for this one superuser transaction).
async fn backdate(app: &TestApp, bill: Uuid, at: &str) {
    let mut tx = app.admin.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE bills SET finalized_at = $2::timestamptz WHERE id = $1")
        .bind(bill)
        .bind(at)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn bills_filter_by_day_in_the_business_time_zone_by_cashier_and_by_customer() {
    use app::{domain::billing::customers, model::BillFilter};
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    // Auckland is UTC+13 in March: 11:30 UTC on the 1st is 00:30 on the 2nd.
    sqlx::query("UPDATE tenants SET timezone = 'Pacific/Auckland' WHERE id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let tea = product(&app, app.acme, &owner, "TEA", 250, 10).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let input = customers::CustomerInput {
        name: "Rangi Parata".into(),
        ..Default::default()
    };
    let rangi = customers::save_customer(&mut tx.acting(cashier), None, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut with_customer = cash_sale(vec![line(tea, 1)], 250, 250);
    with_customer.customer_id = Some(rangi);
    let late = finalize(&app, app.acme, &cashier, &with_customer).await.unwrap();
    let early = finalize(&app, app.acme, &owner, &cash_sale(vec![line(tea, 2)], 500, 500))
        .await
        .unwrap();
    backdate(&app, late, "2026-03-01 11:30:00+00").await;
    backdate(&app, early, "2026-03-01 10:30:00+00").await;
    // A globex bill on the same day never shows in acme's list.
    let globex_tea = product(&app, app.globex, &globex, "TEA", 250, 10).await;
    let other = finalize(
        &app,
        app.globex,
        &globex,
        &cash_sale(vec![line(globex_tea, 1)], 250, 250),
    )
    .await
    .unwrap();
    backdate(&app, other, "2026-03-01 11:45:00+00").await;

    let list = |filter: BillFilter| {
        let app = &app;
        async move {
            let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
            let result = read::list_bills(&mut tx, &filter, 50, 0).await;
            tx.commit().await.unwrap();
            result.map(|bills| {
                bills
                    .into_iter()
                    .map(|b| (b.id, b.finalized_at))
                    .collect::<Vec<_>>()
            })
        }
    };
    let day = |from: &str, to: &str| BillFilter {
        from: from.into(),
        to: to.into(),
        ..Default::default()
    };
    assert_eq!(
        list(day("2026-03-02", "2026-03-02")).await.unwrap(),
        [(late, "2026-03-02 00:30".to_owned())]
    );
    assert_eq!(
        list(day("2026-03-01", "2026-03-01")).await.unwrap(),
        [(early, "2026-03-01 23:30".to_owned())]
    );
    assert_eq!(list(day("2026-03-01", "")).await.unwrap().len(), 2);
    assert!(list(day("", "2026-02-28")).await.unwrap().is_empty());
    assert!(matches!(
        list(day("2026-03-02", "2026-03-01")).await,
        Err(BillingError::Invalid(_))
    ));
    assert!(matches!(
        list(day("1/3/2026", "")).await,
        Err(BillingError::Invalid(_))
    ));

    let by_cashier = list(BillFilter {
        cashier: Some(cashier.user_id),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(by_cashier.iter().map(|b| b.0).collect::<Vec<_>>(), [late]);
    let by_customer = list(BillFilter {
        customer: Some(rangi),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(by_customer.iter().map(|b| b.0).collect::<Vec<_>>(), [late]);
    let by_name = list(BillFilter {
        search: "parata".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(by_name.iter().map(|b| b.0).collect::<Vec<_>>(), [late]);
    // Globex's own cashier filter finds nothing of acme's; its customer
    // lookup does not find acme's customer.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let theirs = read::list_bills(
        &mut tx,
        &BillFilter {
            cashier: Some(cashier.user_id),
            ..Default::default()
        },
        50,
        0,
    )
    .await
    .unwrap();
    assert!(theirs.is_empty());
    assert!(matches!(
        customers::get_customer(&mut tx, rangi).await,
        Err(BillingError::NotFound(_))
    ));
    let people = read::cashiers(&mut tx).await.unwrap();
    assert!(people.iter().all(|p| p.id != cashier.user_id));
    tx.commit().await.unwrap();

    // The customer's page figures.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let seen = customers::get_customer(&mut tx, rangi).await.unwrap();
    assert_eq!((seen.bills, seen.spent), (1, 250));
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_bill_list_pages_totals_its_selection_and_shows_refunds() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 50).await;
    let mut ids = Vec::new();
    for quantity in 1..=3 {
        let total = 250 * quantity;
        ids.push(
            finalize(
                &app,
                app.acme,
                &owner,
                &cash_sale(vec![line(tea, quantity)], total, total),
            )
            .await
            .unwrap(),
        );
    }
    // One unit of the 2-unit bill comes back.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    credit::create_credit_note(
        &mut tx.acting(owner),
        &credit::CreditInput {
            bill_id: ids[1],
            lines: vec![(1, 1)],
            reason: "Spilled".into(),
            refund_method: PaymentMethod::Cash,
            restock: false,
            till_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let acme = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let page = |n: &'static str| {
        let acme = acme.clone();
        let app = &app;
        async move {
            app.post_form(
                "acme.localhost",
                "/api/bills/list",
                &[("page", n), ("page_size", "2")],
                Some(&acme),
            )
            .await
            .json()
        }
    };
    let first = page("0").await;
    let second = page("1").await;
    assert_eq!(first.as_array().unwrap().len(), 2, "{first}");
    assert_eq!(second.as_array().unwrap().len(), 1, "{second}");
    // Newest first; the 2-unit bill shows its refund.
    assert_eq!(first[0]["total"], 750);
    assert_eq!(first[1]["total"], 500);
    assert_eq!(first[1]["refunded"], 250);
    assert_eq!(first[0]["refunded"], 0);
    assert_eq!(second[0]["total"], 250);

    let totals = app
        .post_form("acme.localhost", "/api/bills/totals", &[], Some(&acme))
        .await
        .json();
    assert_eq!(
        totals,
        serde_json::json!({ "count": 3, "total": 1500, "refunded": 250 })
    );
    // The same filter narrows both.
    let narrowed = app
        .post_form(
            "acme.localhost",
            "/api/bills/totals",
            &[("search", "INV-000002")],
            Some(&acme),
        )
        .await
        .json();
    assert_eq!(
        narrowed,
        serde_json::json!({ "count": 1, "total": 500, "refunded": 250 })
    );

    // Globex sees none of it.
    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let theirs = app
        .post_form("globex.localhost", "/api/bills/totals", &[], Some(&globex))
        .await
        .json();
    assert_eq!(
        theirs,
        serde_json::json!({ "count": 0, "total": 0, "refunded": 0 })
    );
}

/// The receipt `bills/finalize` answers with is built from what finalizing
/// wrote, without reading it back: it must be exactly the bill as read later,
/// for every kind of sale (tax inclusive and exclusive, line and bill
/// discounts, a customer, split payments with change), and a retry returns
/// the same bill.
#[tokio::test]
async fn the_receipt_from_finalizing_is_the_bill_as_read_back() {
    use app::domain::{billing::customers, inventory::lookups};
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = product(&app, app.acme, &owner, "TEA", 250, 100).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let rate = lookups::save_tax_rate(&mut tx.acting(owner), None, "Reduced", 700, false)
        .await
        .unwrap();
    let rangi = customers::save_customer(
        &mut tx.acting(owner),
        None,
        &customers::CustomerInput {
            name: "Rangi Parata".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let input = ProductInput {
        sku: "JAM".into(),
        name: "Jam, taxed".into(),
        sale_price: 1_999,
        tax_rate_id: Some(rate),
        ..Default::default()
    };
    let jam = catalog::create_product(&mut tx.acting(owner), input, 100, &Reference::none())
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    // The receipt texts come from settings.
    sqlx::query("UPDATE tenants SET receipt_header = 'Thank you', receipt_footer = 'Come again'")
        .execute(&app.admin)
        .await
        .unwrap();

    for mode in ["inclusive", "exclusive"] {
        sqlx::query("UPDATE tenants SET tax_mode = $1")
            .bind(mode)
            .execute(&app.admin)
            .await
            .unwrap();
        let tax_mode = if mode == "inclusive" {
            TaxMode::Inclusive
        } else {
            TaxMode::Exclusive
        };
        let lines = [(tea, 3, 50), (jam, 2, 0), (tea, 1, 0)];
        let inputs: Vec<LineInput> = lines
            .iter()
            .map(|&(p, quantity, line_discount)| LineInput {
                unit_price: if p == tea { 250 } else { 1_999 },
                quantity,
                tax_rate_bp: if p == tea { 0 } else { 700 },
                line_discount,
            })
            .collect();
        let total = bill_totals(&inputs, 100, tax_mode).unwrap().total;
        let sale = SaleInput {
            idempotency_key: key(),
            customer_id: Some(rangi),
            lines: lines
                .iter()
                .map(|&(product_id, quantity, line_discount)| CartLine {
                    product_id,
                    quantity,
                    line_discount,
                })
                .collect(),
            bill_discount: 100,
            payments: vec![
                PaymentInput {
                    method: PaymentMethod::Card,
                    amount: 1_000,
                    tendered: None,
                },
                PaymentInput {
                    method: PaymentMethod::Cash,
                    amount: total - 1_000,
                    tendered: Some(total - 1_000 + 77),
                },
            ],
        };
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let receipt = finalize::finalize_sale_receipt(&mut tx.acting(owner), &sale, None, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let stored = read::get_bill(&mut tx, receipt.id).await.unwrap();
        let retried = finalize::finalize_sale_receipt(&mut tx.acting(owner), &sale, None, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(receipt, stored, "{mode}");
        assert_eq!(retried, stored, "{mode}");
        assert_eq!(receipt.customer.as_deref(), Some("Rangi Parata"));
        assert_eq!(receipt.receipt_header, "Thank you");
        assert_eq!(receipt.change, 77);
        assert_eq!(receipt.lines.len(), 3);
    }
}

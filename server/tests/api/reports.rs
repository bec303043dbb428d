//! Reports: sales, products with margin and tax, in the business's time zone,
//! checked against independent sums over the bills; the cost at the time of
//! sale; who may see them; charts in the server-rendered HTML; CSV equal to
//! the report on screen. Two tenants throughout.
use std::collections::BTreeMap;

use app::{
    domain::{
        billing::{credit, finalize},
        inventory::{
            catalog::{self, ProductInput},
            lookups,
            stock::Reference,
        },
        reports::{products, sales, tax, Period},
    },
    model::{
        CartLine, PaymentInput, PaymentMethod, ProductGroup, ProductReport, Role, SaleInput, SalesGroup,
        SalesReport, TaxReport,
    },
    permissions::Actor,
    pricing::{bill_totals, LineInput, TaxMode},
};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

async fn actor(app: &TestApp, email: &str, role: Role) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role,
    }
}

/// A product with a price, a cost, a tax rate and a category.
#[derive(Clone, Copy)]
struct Item {
    id: Uuid,
    price: i64,
    rate_bp: i64,
}

#[allow(clippy::too_many_arguments)]
async fn item(
    app: &TestApp,
    tenant: Uuid,
    owner: &Actor,
    sku: &str,
    price: i64,
    cost: i64,
    rate: Option<(Uuid, i64)>,
    category: Option<Uuid>,
) -> Item {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = ProductInput {
        sku: sku.into(),
        name: format!("Item {sku}"),
        sale_price: price,
        cost_price: cost,
        tax_rate_id: rate.map(|r| r.0),
        category_id: category,
        ..Default::default()
    };
    let p = catalog::create_product(&mut tx.acting(*owner), input, 100_000, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Item {
        id: p.id,
        price,
        rate_bp: rate.map_or(0, |r| r.1),
    }
}

/// A sale of `lines` (item, quantity, line discount) with a bill discount,
/// paid by card and, when `split`, partly in cash; made by `who` at `at`.
#[allow(clippy::too_many_arguments)]
async fn sell(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    mode: TaxMode,
    lines: &[(Item, i64, i64)],
    bill_discount: i64,
    split: bool,
    customer: Option<Uuid>,
    at: Option<DateTime<Utc>>,
) -> Uuid {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|(i, q, d)| LineInput {
            unit_price: i.price,
            quantity: *q,
            tax_rate_bp: i.rate_bp,
            line_discount: *d,
        })
        .collect();
    let total = bill_totals(&inputs, bill_discount, mode).unwrap().total;
    let payments = if split && total > 1 {
        vec![
            PaymentInput {
                method: PaymentMethod::Cash,
                amount: total / 3,
                tendered: Some(total / 3 + 50),
            },
            PaymentInput {
                method: PaymentMethod::Card,
                amount: total - total / 3,
                tendered: None,
            },
        ]
    } else {
        vec![PaymentInput {
            method: PaymentMethod::Card,
            amount: total,
            tendered: None,
        }]
    };
    let sale = SaleInput {
        idempotency_key: format!("rep-{}", Uuid::new_v4().simple()),
        customer_id: customer,
        lines: lines
            .iter()
            .map(|(i, q, d)| CartLine {
                product_id: i.id,
                quantity: *q,
                line_discount: *d,
            })
            .collect(),
        bill_discount,
        payments,
    };
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let id = finalize::finalize_sale_at(&mut tx.acting(*who), &sale, at, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn refund(app: &TestApp, tenant: Uuid, owner: &Actor, bill: Uuid, line: i32, quantity: i64) {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    credit::create_credit_note(
        &mut tx.acting(*owner),
        &credit::CreditInput {
            bill_id: bill,
            lines: vec![(line, quantity)],
            reason: "returned".into(),
            refund_method: PaymentMethod::Cash,
            restock: false,
            till_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn sales_report(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    from: &str,
    to: &str,
    group: SalesGroup,
) -> SalesReport {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*who);
    let period = Period::resolve(&mut cx, from, to).await.unwrap();
    sales::sales(&mut cx, &period, group).await.unwrap()
}

async fn product_report(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    from: &str,
    group: ProductGroup,
) -> ProductReport {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*who);
    let period = Period::resolve(&mut cx, from, "").await.unwrap();
    products::products(&mut cx, &period, group).await.unwrap()
}

async fn tax_report(app: &TestApp, tenant: Uuid, who: &Actor, from: &str) -> TaxReport {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*who);
    let period = Period::resolve(&mut cx, from, "").await.unwrap();
    tax::tax(&mut cx, &period).await.unwrap()
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

/// Sells a seeded random mix in `tenant` over the last 12 days (discounts,
/// three tax rates, split payments, customers, two cashiers) and returns a
/// few of its bills with a first line to return.
async fn random_mix(
    app: &TestApp,
    tenant: Uuid,
    owner: &Actor,
    cashier: &Actor,
    mode: TaxMode,
    seed: u64,
) -> Vec<Uuid> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*owner);
    let standard = lookups::save_tax_rate(&mut cx, None, "Standard", 2000, false)
        .await
        .unwrap();
    let reduced = lookups::save_tax_rate(&mut cx, None, "Reduced", 550, false)
        .await
        .unwrap();
    let food = lookups::save_category(&mut cx, None, "Food").await.unwrap();
    let drinks = lookups::save_category(&mut cx, None, "Drinks").await.unwrap();
    let customer = app::domain::billing::customers::save_customer(
        &mut cx,
        None,
        &app::domain::billing::customers::CustomerInput {
            name: "Regular".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(cx);
    tx.commit().await.unwrap();
    let items = [
        item(
            app,
            tenant,
            owner,
            "A",
            250,
            120,
            Some((standard, 2000)),
            Some(food),
        )
        .await,
        item(
            app,
            tenant,
            owner,
            "B",
            899,
            500,
            Some((reduced, 550)),
            Some(drinks),
        )
        .await,
        item(app, tenant, owner, "C", 1999, 0, None, None).await,
        item(app, tenant, owner, "D", 75, 30, Some((standard, 2000)), None).await,
        item(
            app,
            tenant,
            owner,
            "E",
            333,
            111,
            Some((reduced, 550)),
            Some(food),
        )
        .await,
    ];
    let mut dice = Dice(seed);
    let start = Utc::now() - Duration::days(12);
    let mut bills = Vec::new();
    for n in 0..40 {
        let at = start + Duration::minutes(dice.roll(12 * 24 * 60) as i64);
        let mut lines = Vec::new();
        for _ in 0..=dice.roll(3) {
            let i = items[dice.roll(items.len() as u64) as usize];
            let quantity = 1 + dice.roll(4) as i64;
            let discount = if dice.roll(3) == 0 {
                dice.roll((i.price * quantity / 10) as u64 + 1) as i64
            } else {
                0
            };
            lines.push((i, quantity, discount));
        }
        let with_discount = lines.iter().any(|l| l.2 > 0) || n % 5 == 0;
        let bill_discount = if n % 5 == 0 { 7 } else { 0 };
        // Discounts are the owner's (a cashier's above the limit would need approval).
        let who = if with_discount || dice.roll(2) == 0 {
            owner
        } else {
            cashier
        };
        let customer = (dice.roll(3) == 0).then_some(customer);
        let id = sell(
            app,
            tenant,
            who,
            mode,
            &lines,
            bill_discount,
            dice.roll(2) == 0,
            customer,
            Some(at),
        )
        .await;
        bills.push(id);
    }
    let returned: Vec<Uuid> = bills.iter().step_by(7).copied().collect();
    for bill in &returned {
        refund(app, tenant, owner, *bill, 1, 1).await;
    }
    returned
}

type Sums = BTreeMap<String, i64>;

async fn sums(app: &TestApp, sql: &str, tenant: Uuid) -> Sums {
    sqlx::query_as::<_, (String, i64)>(sql)
        .bind(tenant)
        .fetch_all(&app.admin)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn nonzero(rows: impl Iterator<Item = (String, i64)>) -> Sums {
    rows.filter(|(_, v)| *v != 0).collect()
}

#[tokio::test]
async fn reports_equal_independent_sums_over_a_random_mix_of_sales_and_returns() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    // acme prices include tax; globex adds it on top. Both in Berlin.
    sqlx::query("UPDATE tenants SET timezone = 'Europe/Berlin', tax_mode = CASE WHEN id = $1 THEN 'inclusive' ELSE 'exclusive' END WHERE id IN ($1, $2)")
        .bind(app.acme)
        .bind(app.globex)
        .execute(&app.admin)
        .await
        .unwrap();
    random_mix(&app, app.acme, &owner, &cashier, TaxMode::Inclusive, 0x5eed).await;
    random_mix(&app, app.globex, &globex, &globex, TaxMode::Exclusive, 0xbeef).await;
    let from = (Utc::now() - Duration::days(13)).date_naive().to_string();

    for (tenant, who) in [(app.acme, owner), (app.globex, globex)] {
        let day = |col: &str| format!("to_char({col} AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD')");
        // By day: bill totals and refunds.
        let report = sales_report(&app, tenant, &who, &from, "", SalesGroup::Day).await;
        let expected = sums(
            &app,
            &format!(
                "SELECT {}, sum(total)::bigint FROM bills WHERE tenant_id = $1 AND status = 'finalized' GROUP BY 1",
                day("finalized_at")
            ),
            tenant,
        )
        .await;
        assert_eq!(
            nonzero(report.rows.iter().map(|r| (r.key.clone(), r.total))),
            expected
        );
        let refunds = sums(
            &app,
            &format!(
                "SELECT {}, sum(total)::bigint FROM credit_notes WHERE tenant_id = $1 GROUP BY 1",
                day("created_at")
            ),
            tenant,
        )
        .await;
        assert_eq!(
            nonzero(report.rows.iter().map(|r| (r.key.clone(), r.refunds))),
            refunds
        );
        let (count, total, tax_sum): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), sum(total)::bigint, sum(tax)::bigint FROM bills WHERE tenant_id = $1 AND status = 'finalized'",
        )
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert_eq!(
            (report.totals.bills, report.totals.total, report.totals.tax),
            (count, total, Some(tax_sum))
        );
        assert_eq!(
            report.totals.total,
            report.rows.iter().map(|r| r.total).sum::<i64>()
        );
        assert!(report.chart_svg.starts_with("<svg"));

        // By payment method: what was paid with each, bills counted once in the total.
        let report = sales_report(&app, tenant, &who, &from, "", SalesGroup::PaymentMethod).await;
        let expected = sums(
            &app,
            "SELECT method, sum(amount)::bigint FROM payments WHERE tenant_id = $1 GROUP BY 1",
            tenant,
        )
        .await;
        assert_eq!(
            nonzero(report.rows.iter().map(|r| (r.key.clone(), r.total))),
            expected
        );
        assert_eq!(report.totals.bills, count);
        assert!(report.rows.iter().all(|r| r.tax.is_none()));

        // By cashier and by customer add up to the same total.
        for group in [
            SalesGroup::Cashier,
            SalesGroup::Customer,
            SalesGroup::Hour,
            SalesGroup::Weekday,
        ] {
            let report = sales_report(&app, tenant, &who, &from, "", group).await;
            assert_eq!(
                report.rows.iter().map(|r| r.total).sum::<i64>(),
                total,
                "{group:?}"
            );
            assert_eq!(
                report.rows.iter().map(|r| r.bills).sum::<i64>(),
                count,
                "{group:?}"
            );
        }

        // By product: revenue net of tax and returns.
        let report = product_report(&app, tenant, &who, &from, ProductGroup::Product).await;
        let expected = sums(
            &app,
            "SELECT product_id::text, sum(v)::bigint FROM ( \
               SELECT l.product_id, l.net AS v FROM bill_lines l JOIN bills b ON b.tenant_id = l.tenant_id AND b.id = l.bill_id \
                WHERE l.tenant_id = $1 AND b.status = 'finalized' \
               UNION ALL \
               SELECT l.product_id, -(c.total - c.tax) FROM credit_note_lines c JOIN bill_lines l \
                 ON l.tenant_id = c.tenant_id AND l.bill_id = c.bill_id AND l.line_no = c.line_no WHERE c.tenant_id = $1) x \
             GROUP BY 1",
            tenant,
        )
        .await;
        assert_eq!(
            nonzero(report.rows.iter().map(|r| (r.key.clone(), r.revenue))),
            nonzero(expected.into_iter())
        );
        let categories = product_report(&app, tenant, &who, &from, ProductGroup::Category).await;
        assert_eq!(categories.totals.revenue, report.totals.revenue);
        assert_eq!(categories.totals.margin, report.totals.margin);
        assert!(categories.rows.iter().any(|r| r.label == "No category"));

        // By tax rate: the lines' own tax.
        let report = tax_report(&app, tenant, &who, &from).await;
        let expected = sums(
            &app,
            "SELECT l.tax_rate_bp::text, sum(l.tax)::bigint FROM bill_lines l \
             JOIN bills b ON b.tenant_id = l.tenant_id AND b.id = l.bill_id \
             WHERE l.tenant_id = $1 AND b.status = 'finalized' GROUP BY 1",
            tenant,
        )
        .await;
        assert_eq!(
            nonzero(report.rows.iter().map(|r| (r.rate_bp.to_string(), r.tax))),
            nonzero(expected.into_iter())
        );
        assert_eq!(report.totals.tax, tax_sum, "the tax report is the bills' tax");
        let returned_tax: i64 =
            sqlx::query_scalar("SELECT coalesce(sum(tax), 0)::bigint FROM credit_notes WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_one(&app.admin)
                .await
                .unwrap();
        assert_eq!(report.totals.returned_tax, returned_tax);
    }
}

#[tokio::test]
async fn sales_fall_on_the_local_day_and_hour_across_daylight_saving_changes() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    sqlx::query("UPDATE tenants SET timezone = 'Europe/Berlin' WHERE id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let tea = item(&app, app.acme, &owner, "TEA", 100, 40, None, None).await;
    let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
    // 29 March 2026: clocks go from 02:00 CET to 03:00 CEST (a 23-hour day).
    // 25 October 2026: from 03:00 CEST back to 02:00 CET (a 25-hour day).
    for (utc, _local) in [
        ("2026-03-28T22:59:00Z", "03-28 23:59"),
        ("2026-03-28T23:30:00Z", "03-29 00:30"),
        ("2026-03-29T00:30:00Z", "03-29 01:30"),
        ("2026-03-29T01:30:00Z", "03-29 03:30"),
        ("2026-03-29T21:59:00Z", "03-29 23:59"),
        ("2026-03-29T22:30:00Z", "03-30 00:30"),
        ("2026-10-24T22:30:00Z", "10-25 00:30"),
        ("2026-10-25T00:30:00Z", "10-25 02:30 CEST"),
        ("2026-10-25T01:30:00Z", "10-25 02:30 CET"),
        ("2026-10-25T22:59:00Z", "10-25 23:59"),
        ("2026-10-25T23:00:00Z", "10-26 00:00"),
    ] {
        sell(
            &app,
            app.acme,
            &owner,
            TaxMode::Inclusive,
            &[(tea, 1, 0)],
            0,
            false,
            None,
            at(utc),
        )
        .await;
    }
    // A globex sale at the same instant never shows in acme's report.
    let g = item(&app, app.globex, &globex, "TEA", 100, 40, None, None).await;
    sell(
        &app,
        app.globex,
        &globex,
        TaxMode::Inclusive,
        &[(g, 5, 0)],
        0,
        false,
        None,
        at("2026-03-29T00:30:00Z"),
    )
    .await;

    let report = sales_report(
        &app,
        app.acme,
        &owner,
        "2026-03-28",
        "2026-03-30",
        SalesGroup::Day,
    )
    .await;
    let days: Vec<(&str, i64)> = report.rows.iter().map(|r| (r.key.as_str(), r.bills)).collect();
    assert_eq!(days, [("2026-03-28", 1), ("2026-03-29", 4), ("2026-03-30", 1)]);
    assert_eq!(report.totals.total, 600);
    let hours = sales_report(
        &app,
        app.acme,
        &owner,
        "2026-03-29",
        "2026-03-29",
        SalesGroup::Hour,
    )
    .await;
    let busy: Vec<(&str, i64)> = hours
        .rows
        .iter()
        .filter(|r| r.bills > 0)
        .map(|r| (r.key.as_str(), r.bills))
        .collect();
    assert_eq!(busy, [("00", 1), ("01", 1), ("03", 1), ("23", 1)]);
    assert_eq!(hours.rows.len(), 24);

    let report = sales_report(
        &app,
        app.acme,
        &owner,
        "2026-10-25",
        "2026-10-26",
        SalesGroup::Day,
    )
    .await;
    let days: Vec<(&str, i64)> = report.rows.iter().map(|r| (r.key.as_str(), r.bills)).collect();
    assert_eq!(
        days,
        [("2026-10-25", 4), ("2026-10-26", 1)],
        "the 25-hour day is one day"
    );
    let hours = sales_report(
        &app,
        app.acme,
        &owner,
        "2026-10-25",
        "2026-10-25",
        SalesGroup::Hour,
    )
    .await;
    let busy: Vec<(&str, i64)> = hours
        .rows
        .iter()
        .filter(|r| r.bills > 0)
        .map(|r| (r.key.as_str(), r.bills))
        .collect();
    assert_eq!(busy, [("00", 1), ("02", 2), ("23", 1)]);
    let weekdays = sales_report(
        &app,
        app.acme,
        &owner,
        "2026-10-25",
        "2026-10-25",
        SalesGroup::Weekday,
    )
    .await;
    assert_eq!(weekdays.rows[6].label, "Sunday");
    assert_eq!(weekdays.rows[6].bills, 4);
}

#[tokio::test]
async fn margin_uses_the_cost_at_the_time_of_sale_and_returns_take_it_back() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let vat = lookups::save_tax_rate(&mut tx.acting(owner), None, "VAT", 2000, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // 12.00 including 20 % tax: net 10.00, tax 2.00; cost 6.00 a unit.
    let mug = item(&app, app.acme, &owner, "MUG", 1200, 600, Some((vat, 2000)), None).await;
    let bill = sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(mug, 3, 0)],
        0,
        false,
        None,
        None,
    )
    .await;
    let cost: i64 = sqlx::query_scalar("SELECT unit_cost FROM bill_lines WHERE bill_id = $1")
        .bind(bill)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(cost, 600, "the line keeps the cost it was sold at");
    let before = product_report(&app, app.acme, &owner, "", ProductGroup::Product).await;
    assert_eq!(
        (
            before.totals.quantity,
            before.totals.revenue,
            before.totals.cost,
            before.totals.margin
        ),
        (3, 3000, 1800, 1200)
    );
    // The product's cost changes: past margins do not.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(owner);
    let current = catalog::get_product(&mut cx, mug.id).await.unwrap();
    let input = ProductInput {
        sku: current.sku.clone(),
        name: current.name.clone(),
        sale_price: current.sale_price,
        cost_price: 1100,
        tax_rate_id: Some(vat),
        ..Default::default()
    };
    catalog::update_product(&mut cx, mug.id, input).await.unwrap();
    drop(cx);
    tx.commit().await.unwrap();
    let after = product_report(&app, app.acme, &owner, "", ProductGroup::Product).await;
    assert_eq!(after.totals, before.totals);
    // One mug comes back: its revenue and its cost (at 6.00) are taken back.
    refund(&app, app.acme, &owner, bill, 1, 1).await;
    let returned: i64 = sqlx::query_scalar("SELECT unit_cost FROM credit_note_lines WHERE bill_id = $1")
        .bind(bill)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(
        returned, 600,
        "the credit line carries the cost of the line it returns"
    );
    let net = product_report(&app, app.acme, &owner, "", ProductGroup::Product).await;
    assert_eq!(
        (
            net.totals.quantity,
            net.totals.returned,
            net.totals.revenue,
            net.totals.cost,
            net.totals.margin
        ),
        (3, 1, 2000, 1200, 800)
    );
    // Tax: 6.00 collected, 2.00 given back; the sum of the lines' tax.
    let t = tax_report(&app, app.acme, &owner, "").await;
    assert_eq!(t.rows.len(), 1);
    assert_eq!(
        (t.rows[0].rate_bp, t.rows[0].taxable, t.rows[0].tax),
        (2000, 3000, 600)
    );
    assert_eq!((t.rows[0].returned_tax, t.rows[0].net_tax), (200, 400));
    let line_tax: i64 = sqlx::query_scalar("SELECT sum(tax)::bigint FROM bill_lines WHERE tenant_id = $1")
        .bind(app.acme)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(t.totals.tax, line_tax);
    // globex sold nothing: its reports are empty.
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let empty = product_report(&app, app.globex, &globex, "", ProductGroup::Product).await;
    assert!(empty.rows.is_empty());
}

fn amount(minor: i64) -> String {
    format!(
        "{}{}.{:02}",
        if minor < 0 { "-" } else { "" },
        minor.abs() / 100,
        minor.abs() % 100
    )
}

#[tokio::test]
async fn managers_see_their_own_business_reports_and_cashiers_are_refused() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let tea = item(&app, app.acme, &owner, "TEA", 250, 100, None, None).await;
    sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(tea, 2, 0)],
        0,
        true,
        None,
        None,
    )
    .await;
    let g = item(&app, app.globex, &globex, "TEA", 999, 100, None, None).await;
    sell(
        &app,
        app.globex,
        &globex,
        TaxMode::Inclusive,
        &[(g, 1, 0)],
        0,
        false,
        None,
        None,
    )
    .await;

    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    for (path, form) in [
        ("/api/reports/sales", vec![("group", "day")]),
        ("/api/reports/products", vec![]),
        ("/api/reports/tax", vec![]),
    ] {
        let res = app.post_form(ACME, path, &form, Some(&cashier)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
    }
    let res = app
        .get(ACME, "/api/reports/export?report=sales", Some(&cashier))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.get(ACME, "/api/reports/export?report=sales", None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // The same person made a manager: the next request sees the reports.
    sqlx::query("UPDATE memberships SET role = 'manager' WHERE user_id = $1 AND tenant_id = $2")
        .bind(app.user_id(ACME_CASHIER).await)
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let res = app
        .post_form(
            ACME,
            "/api/reports/sales",
            &[("group", "payment_method")],
            Some(&cashier),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let report: SalesReport = serde_json::from_str(&res.body).unwrap();
    assert_eq!((report.totals.bills, report.totals.total), (1, 500));
    assert_eq!(
        report.rows.iter().map(|r| r.total).sum::<i64>(),
        500,
        "split across cash and card"
    );

    // globex sees its own sale only.
    let globex_cookie = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let res = app
        .post_form(GLOBEX, "/api/reports/sales", &[], Some(&globex_cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let report: SalesReport = serde_json::from_str(&res.body).unwrap();
    assert_eq!((report.totals.bills, report.totals.total), (1, 999));
    let res = app
        .post_form(GLOBEX, "/api/reports/products", &[], Some(&globex_cookie))
        .await;
    let report: ProductReport = serde_json::from_str(&res.body).unwrap();
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].key, g.id.to_string());
    // A bad group or period is a clear 400-class answer.
    let res = app
        .post_form(
            GLOBEX,
            "/api/reports/sales",
            &[("group", "planet")],
            Some(&globex_cookie),
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert!(res.body.contains("Group by"), "{}", res.body);
    let res = app
        .post_form(
            GLOBEX,
            "/api/reports/tax",
            &[("from", "2026-02-01"), ("to", "2026-01-01")],
            Some(&globex_cookie),
        )
        .await;
    assert!(res.status.is_client_error());
    assert!(res.body.contains("after the to date"), "{}", res.body);
}

#[tokio::test]
async fn the_reports_page_and_the_dashboard_carry_their_charts_without_wasm() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = item(&app, app.acme, &owner, "TEA", 250, 100, None, None).await;
    sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(tea, 2, 0)],
        0,
        false,
        None,
        None,
    )
    .await;
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    for path in [
        "/reports",
        "/reports?report=products&group=category",
        "/reports?report=tax",
        "/",
    ] {
        let res = app.get(ACME, path, Some(&cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        if path != "/reports?report=tax" {
            assert!(res.body.contains("<svg"), "{path} has its chart: {}", res.body);
        }
        assert!(
            !res.body.contains("&lt;svg"),
            "{path}: the chart is markup, not text"
        );
    }
    let res = app.get(ACME, "/", Some(&cookie)).await;
    assert!(res.body.contains("data-testid=\"today-total\""), "{}", res.body);
    // A cashier's dashboard has no sales figures.
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let res = app.get(ACME, "/", Some(&cashier)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("today-total"));
}

#[tokio::test]
async fn the_csv_export_is_the_report_on_screen() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = item(&app, app.acme, &owner, "TEA", 250, 100, None, None).await;
    let day = |d: i64| Some(Utc::now() - Duration::days(d));
    sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(tea, 2, 0)],
        0,
        false,
        None,
        day(2),
    )
    .await;
    let bill = sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(tea, 1, 0)],
        0,
        true,
        None,
        day(0),
    )
    .await;
    refund(&app, app.acme, &owner, bill, 1, 1).await;
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let today: NaiveDate =
        sqlx::query_scalar("SELECT (now() AT TIME ZONE timezone)::date FROM tenants WHERE id = $1")
            .bind(app.acme)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    let from = (today - Duration::days(6)).to_string();
    let to = today.to_string();
    for group in ["day", "payment_method", "hour"] {
        let res = app
            .post_form(
                ACME,
                "/api/reports/sales",
                &[("from", &from), ("to", &to), ("group", group)],
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report: SalesReport = serde_json::from_str(&res.body).unwrap();
        let res = app
            .get(
                ACME,
                &format!("/api/reports/export?report=sales&group={group}&from={from}&to={to}"),
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let lines: Vec<&str> = res.body.lines().collect();
        assert_eq!(
            lines[0],
            format!("{group},label,bills,total,tax,refunds,after_refunds")
        );
        assert_eq!(lines.len(), report.rows.len() + 2, "header, rows, total");
        for (line, row) in lines[1..].iter().zip(report.rows.iter().chain([&report.totals])) {
            let expected = [
                row.key.clone(),
                row.label.clone(),
                row.bills.to_string(),
                amount(row.total),
                row.tax.map(amount).unwrap_or_default(),
                amount(row.refunds),
                amount(row.after_refunds),
            ]
            .join(",");
            assert_eq!(*line, expected);
        }
        assert!(
            lines.last().unwrap().starts_with(",Total,2,"),
            "{:?}",
            lines.last()
        );
    }
    let res = app
        .get(ACME, "/api/reports/export?report=tax", Some(&cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .starts_with("rate,taxable,tax,returned_taxable,returned_tax,net_tax"));
    let res = app
        .get(
            ACME,
            "/api/reports/export?report=products&group=category",
            Some(&cookie),
        )
        .await;
    assert!(
        res.body
            .starts_with("category,label,quantity,returned,revenue,cost,margin"),
        "{}",
        res.body
    );
    assert!(res.body.contains("No category"));
    let res = app
        .get(ACME, "/api/reports/export?report=weather", Some(&cookie))
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    // globex's export has none of acme's sales.
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let res = app
        .get(
            GLOBEX,
            "/api/reports/export?report=sales&group=payment_method",
            Some(&globex),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body.lines().last().unwrap().starts_with(",Total,0,0.00,"),
        "{}",
        res.body
    );
}

/// A browser asks for gzip: the compression layer polls a download's body
/// once more after its end, which must answer "ended" again (a stream that
/// panics there broke every export a browser downloaded).
#[tokio::test]
async fn a_gzipped_csv_download_ends_cleanly() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use std::io::Read;
    use tower::ServiceExt;
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let tea = item(&app, app.acme, &owner, "TEA", 250, 100, None, None).await;
    sell(
        &app,
        app.acme,
        &owner,
        TaxMode::Inclusive,
        &[(tea, 2, 0)],
        0,
        false,
        None,
        None,
    )
    .await;
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    for path in [
        "/api/reports/export?report=sales&group=day",
        "/api/catalog/export?kind=products",
    ] {
        let req = Request::get(path)
            .header(header::HOST, ACME)
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
        let gzipped = axum::body::to_bytes(res.into_body(), 1 << 24).await.unwrap();
        let mut csv = String::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_string(&mut csv)
            .unwrap();
        assert!(csv.lines().count() >= 2, "{path}: {csv}");
    }
}

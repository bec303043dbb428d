//! The books (migration 0018): every sale, credit note, shift, stock change
//! and cost change posts a balanced journal entry in its own transaction; the
//! database refuses entries that do not balance, entries on or before the lock
//! date, forged postings and any change to the journal; the inventory account
//! stays equal to the stock on hand at cost.
use std::collections::BTreeMap;

use app::{
    domain::{
        billing::{credit, finalize},
        inventory::{
            catalog::{self, ProductInput},
            lookups,
            stock::{self, Reference},
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
    pricing::{bill_totals, LineInput, TaxMode},
};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_OWNER, GLOBEX_OWNER};

async fn owner(app: &TestApp, email: &str) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role: Role::Owner,
    }
}

/// A product with a price, a cost, opening stock and (optionally) a tax rate
/// in basis points.
async fn product(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    sku: &str,
    (price, cost): (i64, i64),
    stock: i64,
    rate_bp: Option<i32>,
) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let mut cx = tx.acting(*who);
    let tax_rate_id = match rate_bp {
        Some(bp) => Some(
            lookups::save_tax_rate(&mut cx, None, &format!("Rate {sku}"), bp, false)
                .await
                .unwrap(),
        ),
        None => None,
    };
    let input = ProductInput {
        sku: sku.into(),
        name: format!("Item {sku}"),
        sale_price: price,
        cost_price: cost,
        tax_rate_id,
        ..Default::default()
    };
    let p = catalog::create_product(&mut cx, input, stock, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    p.id
}

/// Sells `lines` (product, quantity, line discount) paid with `payments`
/// (method, amount); the amounts must add up to the bill's total.
async fn sell(
    app: &TestApp,
    tenant: Uuid,
    who: &Actor,
    lines: &[(Uuid, i64, i64)],
    payments: &[(PaymentMethod, i64)],
) -> Result<Uuid, app::domain::billing::BillingError> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let sale = SaleInput {
        idempotency_key: format!("books-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: lines
            .iter()
            .map(|&(product_id, quantity, line_discount)| CartLine {
                product_id,
                quantity,
                line_discount,
            })
            .collect(),
        bill_discount: 0,
        payments: payments
            .iter()
            .map(|&(method, amount)| PaymentInput {
                method,
                amount,
                tendered: None,
            })
            .collect(),
    };
    let id = finalize::finalize_sale(&mut tx.acting(*who), &sale).await?;
    tx.commit().await.unwrap();
    Ok(id)
}

/// The bill's total as the till computes it (the pricing the server uses).
async fn total_of(app: &TestApp, tenant: Uuid, lines: &[(Uuid, i64, i64)]) -> i64 {
    let mut inputs = Vec::new();
    let mut mode = TaxMode::Inclusive;
    for &(product, quantity, line_discount) in lines {
        let (unit_price, bp, tax_mode): (i64, Option<i32>, String) = sqlx::query_as(
            "SELECT p.sale_price, r.rate_bp, t.tax_mode FROM products p \
             LEFT JOIN tax_rates r ON r.tenant_id = p.tenant_id AND r.id = p.tax_rate_id \
             JOIN tenants t ON t.id = p.tenant_id WHERE p.tenant_id = $1 AND p.id = $2",
        )
        .bind(tenant)
        .bind(product)
        .fetch_one(&app.admin)
        .await
        .unwrap();
        if tax_mode == "exclusive" {
            mode = TaxMode::Exclusive;
        }
        inputs.push(LineInput {
            unit_price,
            quantity,
            tax_rate_bp: bp.unwrap_or(0) as i64,
            line_discount,
        });
    }
    bill_totals(&inputs, 0, mode).unwrap().total
}

/// Each system account's debit − credit in the entry posted for `source`.
async fn posted(app: &TestApp, source: &str, source_id: Uuid) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT coalesce(a.system_key, a.code), (l.debit - l.credit)::bigint \
         FROM journal_entries e \
         JOIN journal_lines l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id \
         JOIN ledger_accounts a ON a.tenant_id = l.tenant_id AND a.code = l.account_code \
         WHERE e.source = $1 AND e.source_id = $2 ORDER BY l.line_no",
    )
    .bind(source)
    .bind(source_id.to_string())
    .fetch_all(&app.admin)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for (key, amount) in rows {
        *out.entry(key).or_insert(0) += amount;
    }
    out
}

async fn violations(app: &TestApp) -> Vec<(Uuid, String, i64)> {
    sqlx::query_as("SELECT tenant_id, problem, difference FROM accounting_violations()")
        .fetch_all(&app.admin)
        .await
        .unwrap()
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test]
async fn a_sale_posts_to_the_cent_with_inclusive_and_exclusive_tax() {
    let app = spawn_app().await;
    let acme = owner(&app, ACME_OWNER).await;
    let globex = owner(&app, GLOBEX_OWNER).await;
    sqlx::query("UPDATE tenants SET tax_mode = 'exclusive' WHERE id = $1")
        .bind(app.globex)
        .execute(&app.admin)
        .await
        .unwrap();

    for (tenant, who) in [(app.acme, acme), (app.globex, globex)] {
        // 19.99 at 7.75 % tax and a cost of 12.34; a second line untaxed.
        let taxed = product(&app, tenant, &who, "TAXED", (1999, 1234), 50, Some(775)).await;
        let plain = product(&app, tenant, &who, "PLAIN", (333, 101), 50, None).await;
        let lines = [(taxed, 3, 7), (plain, 2, 0)];
        let total = total_of(&app, tenant, &lines).await;
        let card = 1001;
        let bill = sell(
            &app,
            tenant,
            &who,
            &lines,
            &[(PaymentMethod::Cash, total - card), (PaymentMethod::Card, card)],
        )
        .await
        .unwrap();

        let (net, tax, bill_total, cost): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT b.net, b.tax, b.total, (SELECT sum(unit_cost * quantity)::bigint FROM bill_lines l \
               WHERE l.tenant_id = b.tenant_id AND l.bill_id = b.id) FROM bills b WHERE b.id = $1",
        )
        .bind(bill)
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert_eq!(bill_total, total);
        assert_eq!(cost, 3 * 1234 + 2 * 101);
        assert!(tax > 0);
        assert_eq!(
            posted(&app, "sale", bill).await,
            map(&[
                ("cash", total - card),
                ("card", card),
                ("sales", -net),
                ("tax", -tax),
                ("cogs", cost),
                ("inventory", -cost),
            ]),
            "tenant {tenant}"
        );
    }
    assert_eq!(violations(&app).await, vec![]);
}

#[tokio::test]
async fn credit_notes_stock_changes_and_cost_changes_post_and_keep_inventory_at_cost() {
    let app = spawn_app().await;
    let who = owner(&app, ACME_OWNER).await;
    let item = product(&app, app.acme, &who, "ITEM", (500, 200), 10, None).await;
    assert_eq!(
        posted(&app, "stock", first_movement(&app, item).await).await,
        map(&[("inventory", 2000), ("opening", -2000)])
    );
    let bill = sell(
        &app,
        app.acme,
        &who,
        &[(item, 4, 0)],
        &[(PaymentMethod::Cash, 2000)],
    )
    .await
    .unwrap();

    // The cost goes up while 6 are on hand: the stock is revalued.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(who);
    let input = ProductInput {
        sku: "ITEM".into(),
        name: "Item ITEM".into(),
        sale_price: 500,
        cost_price: 250,
        ..Default::default()
    };
    catalog::update_product(&mut cx, item, input).await.unwrap();
    // Two are returned to stock (at today's cost), one is written off.
    let note = credit::create_credit_note(
        &mut cx,
        &credit::CreditInput {
            bill_id: bill,
            lines: vec![(1, 2)],
            reason: "Wrong size".into(),
            refund_method: PaymentMethod::Card,
            restock: true,
            till_id: None,
        },
    )
    .await
    .unwrap();
    stock::adjust(&mut cx, item, -1, "Broken").await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        posted(&app, "cost_change", item).await,
        map(&[("inventory", 6 * 50), ("revaluation", -6 * 50)])
    );
    assert_eq!(
        posted(&app, "credit_note", note).await,
        map(&[
            ("returns", 1000),
            ("card", -1000),
            ("inventory", 500),
            ("cogs", -500)
        ])
    );
    let (on_hand, balance): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT on_hand FROM products WHERE id = $1), \
           (SELECT sum(l.debit - l.credit)::bigint FROM journal_lines l JOIN ledger_accounts a \
              ON a.tenant_id = l.tenant_id AND a.code = l.account_code \
            WHERE l.tenant_id = $2 AND a.system_key = 'inventory')",
    )
    .bind(item)
    .bind(app.acme)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(on_hand, 7);
    assert_eq!(balance, 7 * 250, "the inventory account is the stock at cost");
    assert_eq!(violations(&app).await, vec![]);
}

async fn first_movement(app: &TestApp, product: Uuid) -> Uuid {
    sqlx::query_scalar("SELECT id FROM stock_movements WHERE product_id = $1 ORDER BY created_at LIMIT 1")
        .bind(product)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

/// Posts a manual entry in tenant work with the given lines (account code,
/// debit, credit), dated `day`.
async fn post_raw(
    app: &TestApp,
    tenant: Uuid,
    day: &str,
    lines: &[(&str, i64, i64)],
) -> Result<Uuid, sqlx::Error> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO journal_entries (tenant_id, id, entry_date, source, memo) \
         VALUES ($1, $2, $3::date, 'manual', 'test')",
    )
    .bind(tenant)
    .bind(id)
    .bind(day)
    .execute(tx.conn())
    .await?;
    for (n, (code, debit, credit)) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO journal_lines (tenant_id, entry_id, line_no, account_code, debit, credit) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(id)
        .bind(n as i32 + 1)
        .bind(code)
        .bind(debit)
        .bind(credit)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

fn refused(result: Result<Uuid, sqlx::Error>, expected: &str) {
    match result {
        Ok(id) => panic!("entry {id} was accepted; expected a refusal mentioning {expected:?}"),
        Err(error) => assert!(error.to_string().contains(expected), "{error}"),
    }
}

#[tokio::test]
async fn the_database_refuses_unbalanced_locked_forged_and_changed_entries() {
    let app = spawn_app().await;
    // Balanced: accepted.
    let good = post_raw(
        &app,
        app.acme,
        "2026-06-01",
        &[("1100", 5000, 0), ("3000", 0, 5000)],
    )
    .await
    .unwrap();
    refused(
        post_raw(
            &app,
            app.acme,
            "2026-06-01",
            &[("1100", 5000, 0), ("3000", 0, 4999)],
        )
        .await,
        "does not balance",
    );
    refused(
        post_raw(&app, app.acme, "2026-06-01", &[("1100", 0, 0)]).await,
        "journal_lines_one_side",
    );
    refused(
        post_raw(&app, app.acme, "2026-06-01", &[]).await,
        "does not balance",
    );
    // Another business's account codes are not there for this one.
    refused(
        post_raw(&app, app.acme, "2026-06-01", &[("1100", 10, 0), ("9999", 0, 10)]).await,
        "journal_lines_tenant_id_account_code_fkey",
    );

    // Locked up to the end of June: nothing dated in it is accepted.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query("UPDATE tenants SET books_lock_date = '2026-06-30'")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    refused(
        post_raw(&app, app.acme, "2026-06-30", &[("1100", 10, 0), ("3000", 0, 10)]).await,
        "locked",
    );
    post_raw(&app, app.acme, "2026-07-01", &[("1100", 10, 0), ("3000", 0, 10)])
        .await
        .unwrap();
    // The lock is acme's: globex posts in June.
    post_raw(
        &app,
        app.globex,
        "2026-06-15",
        &[("1100", 10, 0), ("3000", 0, 10)],
    )
    .await
    .unwrap();

    // Tenant work cannot forge an automatic posting, change or delete an
    // entry or its lines, nor add a line to an entry already posted.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let forged = sqlx::query(
        "INSERT INTO journal_entries (tenant_id, id, entry_date, source, memo) \
         VALUES ($1, gen_random_uuid(), '2026-08-01', 'sale', 'forged')",
    )
    .bind(app.acme)
    .execute(tx.conn())
    .await
    .unwrap_err();
    assert!(forged.to_string().contains("only the database posts"), "{forged}");
    drop(tx);
    for statement in [
        "UPDATE journal_lines SET debit = debit + 1 WHERE entry_id = $1",
        "DELETE FROM journal_lines WHERE entry_id = $1",
        "UPDATE journal_entries SET memo = 'changed' WHERE id = $1",
        "DELETE FROM journal_entries WHERE id = $1",
        "INSERT INTO journal_lines (tenant_id, entry_id, line_no, account_code, debit, credit) \
         SELECT tenant_id, id, 9, '1100', 1, 0 FROM journal_entries WHERE id = $1",
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let error = sqlx::query(statement)
            .bind(good)
            .execute(tx.conn())
            .await
            .unwrap_err();
        assert!(
            ["only grows", "already posted", "permission denied"]
                .iter()
                .any(|refusal| error.to_string().contains(refusal)),
            "{statement}: {error}"
        );
    }
    // Globex sees none of acme's entries, and cannot post into them.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM journal_entries WHERE id = $1")
        .bind(good)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let error = sqlx::query(
        "INSERT INTO journal_lines (tenant_id, entry_id, line_no, account_code, debit, credit) \
         VALUES ($1, $2, 9, '1100', 1, 0)",
    )
    .bind(app.acme)
    .bind(good)
    .execute(tx.conn())
    .await
    .unwrap_err();
    // Refused before the row's policy is even checked: the entry is not
    // one of this transaction's (globex cannot see it at all).
    assert!(
        ["row-level security", "already posted"]
            .iter()
            .any(|refusal| error.to_string().contains(refusal)),
        "{error}"
    );
    drop(tx);
    // A system account stays: it can be renamed, not deactivated nor deleted.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query("UPDATE ledger_accounts SET name = 'Till cash' WHERE code = '1000'")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for statement in [
        "UPDATE ledger_accounts SET is_active = false WHERE code = '1000'",
        "DELETE FROM ledger_accounts WHERE code = '1000'",
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        assert!(
            sqlx::query(statement).execute(tx.conn()).await.is_err(),
            "{statement}"
        );
    }
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
async fn any_mix_of_operations_leaves_no_accounting_violation_in_either_business() {
    let app = spawn_app().await;
    sqlx::query("UPDATE tenants SET tax_mode = 'exclusive' WHERE id = $1")
        .bind(app.globex)
        .execute(&app.admin)
        .await
        .unwrap();
    for (tenant, email, seed) in [
        (app.acme, ACME_OWNER, 0x5eed_u64),
        (app.globex, GLOBEX_OWNER, 0xbeef),
    ] {
        let who = owner(&app, email).await;
        let mut dice = Dice(seed);
        let mut products = Vec::new();
        for n in 0..4 {
            let cost = 50 + dice.roll(900) as i64;
            let rate = [None, Some(550), Some(2000)][dice.roll(3) as usize];
            let id = product(&app, tenant, &who, &format!("MIX{n}"), (cost * 2, cost), 40, rate).await;
            products.push((id, cost));
        }
        let mut bills = Vec::new();
        for step in 0..40 {
            let (product_id, _) = products[dice.roll(4) as usize];
            let what = dice.roll(6);
            match what {
                0..=2 => {
                    let lines = [(product_id, 1 + dice.roll(3) as i64, dice.roll(20) as i64)];
                    let total = total_of(&app, tenant, &lines).await;
                    let method = [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Other]
                        [dice.roll(3) as usize];
                    if let Ok(bill) = sell(&app, tenant, &who, &lines, &[(method, total)]).await {
                        bills.push(bill);
                    }
                }
                3 if !bills.is_empty() => {
                    let bill = bills[dice.roll(bills.len() as u64) as usize];
                    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
                    let issued = credit::create_credit_note(
                        &mut tx.acting(who),
                        &credit::CreditInput {
                            bill_id: bill,
                            lines: vec![(1, 1)],
                            reason: "Returned".into(),
                            refund_method: PaymentMethod::Cash,
                            restock: dice.roll(2) == 0,
                            till_id: None,
                        },
                    )
                    .await;
                    if issued.is_ok() {
                        tx.commit().await.unwrap();
                    }
                }
                4 => {
                    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
                    let mut cx = tx.acting(who);
                    let done = match dice.roll(3) {
                        0 => stock::adjust(&mut cx, product_id, -1, "Damaged").await.map(drop),
                        1 => stock::count(&mut cx, product_id, dice.roll(30) as i64)
                            .await
                            .map(drop),
                        _ => stock::restock(&mut cx, product_id, 5, None).await.map(drop),
                    };
                    if done.is_ok() {
                        tx.commit().await.unwrap();
                    }
                }
                _ => {
                    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
                    sqlx::query("UPDATE products SET cost_price = $2 WHERE id = $1")
                        .bind(product_id)
                        .bind(40 + dice.roll(1000) as i64 + step)
                        .execute(tx.conn())
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                }
            }
            // Checked after every step, so a failure names the operation.
            let found = violations(&app).await;
            assert_eq!(found, vec![], "after step {step} (operation {what}) in {tenant}");
        }
        assert!(bills.len() > 5, "the mix sold something");
    }
    assert_eq!(violations(&app).await, vec![]);
    // Both businesses have books of their own, and each entry balances.
    let per_tenant: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*) FROM journal_entries WHERE tenant_id IN ($1, $2) GROUP BY tenant_id",
    )
    .bind(app.acme)
    .bind(app.globex)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(per_tenant.len(), 2);
}

#[tokio::test]
async fn a_shift_posts_its_cash_movements_and_what_the_count_was_off() {
    use app::domain::shifts::{
        shift::{self, CashKind, Counted},
        tills,
    };
    let app = spawn_app().await;
    let who = owner(&app, ACME_OWNER).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(who);
    let till = tills::save_till(&mut cx, None, "Books till", true).await.unwrap();
    let shift_id = shift::open_shift(&mut cx, till, 10_000).await.unwrap();
    shift::record_cash(&mut cx, shift_id, CashKind::In, 2_500, "Change from the bank")
        .await
        .unwrap();
    shift::record_cash(&mut cx, shift_id, CashKind::Out, 4_000, "Banked")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Expected in the drawer: 10 000 + 2 500 − 4 000 = 8 500; 8 480 counted.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let counted = Counted {
        cash: 8_480,
        card: None,
        other: None,
    };
    shift::close_shift(&mut tx.acting(who), shift_id, counted)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        posted(&app, "shift_close", shift_id).await,
        map(&[("cash", -20), ("over_short", 20)])
    );
    let cash: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT a.system_key, l.debit, l.credit FROM journal_entries e \
         JOIN journal_lines l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id \
         JOIN ledger_accounts a ON a.tenant_id = l.tenant_id AND a.code = l.account_code \
         WHERE e.source = 'shift_cash' AND e.source_id LIKE $1 ORDER BY e.source_id, l.line_no",
    )
    .bind(format!("{shift_id}:%"))
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        cash,
        vec![
            ("cash".into(), 2_500, 0),
            ("bank".into(), 0, 2_500),
            ("cash".into(), 0, 4_000),
            ("bank".into(), 4_000, 0),
        ]
    );
    assert_eq!(violations(&app).await, vec![]);
}

#[tokio::test]
async fn the_books_over_http_post_reverse_lock_and_state_the_figures_for_each_business_alone() {
    use axum::http::StatusCode;

    use crate::helpers::PASSWORD;
    const ACME: &str = "acme.localhost";
    const GLOBEX: &str = "globex.localhost";
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let cashier = app.login(ACME, crate::helpers::ACME_CASHIER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let who = self::owner(&app, ACME_OWNER).await;
    let item = product(&app, app.acme, &who, "HTTP1", (1000, 400), 10, None).await;
    sell(
        &app,
        app.acme,
        &who,
        &[(item, 2, 0)],
        &[(PaymentMethod::Cash, 2000)],
    )
    .await
    .unwrap();

    // A manual entry typed with a decimal comma, a blank row skipped.
    let entry = [
        ("date", "2026-03-01"),
        ("memo", "Owner puts money in the bank"),
        ("lines[0][account]", "1100"),
        ("lines[0][debit]", "1.234,50"),
        ("lines[1][account]", ""),
        ("lines[2][account]", "3000"),
        ("lines[2][credit]", "1234.50"),
    ];
    let res = app
        .post_form(ACME, "/api/journal/post", &entry, Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let posted = res.json();
    assert_eq!(posted["lines"][0]["debit"], 123450);
    assert_eq!(posted["lines"][1]["credit"], 123450);
    let id = posted["id"].as_str().unwrap().to_string();
    // Refusals with their reasons; a cashier may not post.
    let unbalanced = [
        ("date", "2026-03-01"),
        ("memo", "Typo"),
        ("lines[0][account]", "1100"),
        ("lines[0][debit]", "10"),
        ("lines[1][account]", "3000"),
        ("lines[1][credit]", "9.99"),
    ];
    let res = app
        .post_form(ACME, "/api/journal/post", &unbalanced, Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("does not balance"), "{}", res.body);
    let res = app
        .post_form(ACME, "/api/journal/post", &entry, Some(&cashier))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // Globex cannot read acme's entry, nor reverse it.
    let res = app
        .post_form(GLOBEX, "/api/journal/get", &[("id", &id)], Some(&globex))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form(GLOBEX, "/api/journal/reverse", &[("id", &id)], Some(&globex))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    // The trial balance of the year balances; the balance sheet too.
    let period = [("from", "2026-01-01"), ("to", "")];
    let res = app
        .post_form(ACME, "/api/reports/trial-balance", &period, Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let tb = res.json();
    assert_eq!(tb["total_debit"], tb["total_credit"]);
    assert_eq!(tb["total_closing"], 0);
    let res = app
        .post_form(ACME, "/api/reports/profit-loss", &period, Some(&owner))
        .await;
    let pl = res.json();
    // Sold 2 at 10.00 (no tax) that cost 4.00 each.
    assert_eq!(pl["total_income"], 2000, "{pl}");
    assert_eq!(pl["profit"], 2000 - 800, "{pl}");
    let res = app
        .post_form(ACME, "/api/reports/balance-sheet", &[("to", "")], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let bs = res.json();
    assert_eq!(
        bs["total_assets"].as_i64().unwrap(),
        bs["total_liabilities"].as_i64().unwrap() + bs["total_equity"].as_i64().unwrap(),
        "{bs}"
    );
    assert_eq!(bs["earnings"], 1200);
    let res = app
        .post_form(
            ACME,
            "/api/reports/ledger",
            &[("account", "1100"), ("from", "2026-01-01")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.json()["closing"], 123450);
    let csv = app
        .get(
            ACME,
            "/api/books/export?statement=trial-balance&from=2026-01-01",
            Some(&owner),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("code,account,kind,opening,debit,credit,closing"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("1100,Bank,asset,0.00,1234.50,0.00,1234.50"),
        "{}",
        csv.body
    );

    // Reversed once; a second reversal is refused.
    let res = app
        .post_form(ACME, "/api/journal/reverse", &[("id", &id)], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["lines"][0]["credit"], 123450);
    let res = app
        .post_form(ACME, "/api/journal/reverse", &[("id", &id)], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    // Locked up to the end of March: an entry in March is refused with the
    // reason; today's lock is refused (today's sales post today).
    let res = app
        .post_form(
            ACME,
            "/api/settings/lock-date",
            &[("date", "2026-03-31")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .post_form(ACME, "/api/journal/post", &entry, Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("locked up to 2026-03-31"), "{}", res.body);
    let today = chrono::Utc::now().date_naive().succ_opt().unwrap().to_string();
    let res = app
        .post_form(ACME, "/api/settings/lock-date", &[("date", &today)], Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // The lock is acme's alone.
    let res = app
        .post_form(GLOBEX, "/api/journal/post", &entry, Some(&globex))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Adding an account with a code in use is refused, never a rename.
    let taken = [("code", "1000"), ("name", "Petty cash"), ("kind", "asset")];
    let res = app
        .post_form(ACME, "/api/accounts/save", &taken, Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = app.post_form(ACME, "/api/accounts/list", &[], Some(&owner)).await;
    assert_eq!(res.json()["accounts"][0]["name"], "Cash");
    assert_eq!(res.json()["lock_date"], "2026-03-31");
    let res = app
        .post_form(GLOBEX, "/api/accounts/list", &[], Some(&globex))
        .await;
    assert_eq!(res.json()["lock_date"], serde_json::Value::Null);
    assert_eq!(violations(&app).await, vec![]);
}

#[tokio::test]
async fn the_demo_history_is_in_the_books_and_they_hold() {
    let app = spawn_app().await;
    app::domain::demo::seed_demo(&app.db).await.unwrap();
    assert_eq!(violations(&app).await, vec![]);
    // Per business: sales, returns, shift closes and stock are posted; the
    // year's trial balance balances and shows a profit on real figures.
    let sources: Vec<(Uuid, String, i64)> =
        sqlx::query_as("SELECT tenant_id, source, count(*) FROM journal_entries GROUP BY 1, 2 ORDER BY 1, 2")
            .fetch_all(&app.admin)
            .await
            .unwrap();
    for tenant in [app.acme, app.globex] {
        let has = |source: &str| {
            sources
                .iter()
                .any(|(t, s, n)| *t == tenant && s == source && *n > 0)
        };
        for source in [
            "sale",
            "credit_note",
            "stock",
            "purchase_receipt",
            "supplier_payment",
        ] {
            assert!(has(source), "{tenant}: no {source} entries in {sources:?}");
        }
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let who = owner(
            &app,
            if tenant == app.acme {
                ACME_OWNER
            } else {
                GLOBEX_OWNER
            },
        )
        .await;
        let mut cx = tx.acting(who);
        let tb = app::domain::books::statements::trial_balance(&mut cx, "2020-01-01", "")
            .await
            .unwrap();
        assert_eq!(tb.total_debit, tb.total_credit);
        assert_eq!(tb.total_closing, 0);
        let pl = app::domain::books::statements::profit_and_loss(&mut cx, "2020-01-01", "")
            .await
            .unwrap();
        assert!(pl.total_income > 0 && pl.profit != 0, "{pl:?}");
        let bs = app::domain::books::statements::balance_sheet(&mut cx, "")
            .await
            .unwrap();
        assert_eq!(bs.total_assets, bs.total_liabilities + bs.total_equity, "{bs:?}");
    }
}

#[tokio::test]
async fn the_books_pages_render_without_wasm_and_show_each_role_what_it_may_do() {
    use axum::http::StatusCode;

    use crate::helpers::{ACME_CASHIER, PASSWORD};
    const ACME: &str = "acme.localhost";
    const GLOBEX: &str = "globex.localhost";
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let who = self::owner(&app, ACME_OWNER).await;
    let item = product(&app, app.acme, &who, "PAGE1", (1000, 400), 10, None).await;
    sell(
        &app,
        app.acme,
        &who,
        &[(item, 1, 0)],
        &[(PaymentMethod::Cash, 1000)],
    )
    .await
    .unwrap();
    let res = app
        .post_form(
            ACME,
            "/api/journal/post",
            &[
                ("date", "2026-03-01"),
                ("memo", "Acme private memo"),
                ("lines[0][account]", "1100"),
                ("lines[0][debit]", "5"),
                ("lines[1][account]", "3000"),
                ("lines[1][credit]", "5"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    for (path, expected) in [
        (
            "/books",
            &["books-table", "tb-total-debit", "In balance", "Download CSV"][..],
        ),
        ("/books?statement=profit-loss", &["Total income", "Profit"][..]),
        (
            "/books?statement=balance-sheet",
            &["Earnings to date", "Total assets"][..],
        ),
        (
            "/books?statement=ledger&account=1000",
            &["1000 · Cash", "Opening balance"][..],
        ),
        ("/books?statement=ledger", &["Choose an account"][..]),
        (
            "/books/journal",
            &["journal-entry", "Sale", "lines[3][credit]", "Reverse"][..],
        ),
        (
            "/books/accounts",
            &["accounts-table", "lock-form", "account-form", "System"][..],
        ),
    ] {
        let res = app.get(ACME, path, Some(&owner)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        for text in expected {
            assert!(res.body.contains(text), "{path} shows {text}: {}", res.body);
        }
        let res = app.get(ACME, path, Some(&cashier)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.body.contains("not for your role"), "{path}: {}", res.body);
        assert!(!res.body.contains("books-table") && !res.body.contains("journal-entry"));
    }
    // An admin reads the chart and posts, but the chart, the accounts and the
    // lock date are the owner's; a manager does not see the books.
    for (email, role) in [
        ("admin@acme.test", Role::Admin),
        ("manager@acme.test", Role::Manager),
    ] {
        app::domain::accounts::ensure_member_account(&app.db, app.acme, email, "Probe", PASSWORD, role)
            .await
            .unwrap();
    }
    let admin = app.login(ACME, "admin@acme.test", PASSWORD).await;
    let res = app.get(ACME, "/books/accounts", Some(&admin)).await;
    assert!(res.body.contains("accounts-table"), "{}", res.body);
    for owners_only in ["account-form", "lock-form", "Rename", "Deactivate"] {
        assert!(!res.body.contains(owners_only), "admins do not see {owners_only}");
    }
    let res = app.get(ACME, "/books/journal", Some(&admin)).await;
    assert!(res.body.contains("journal-form") && res.body.contains("journal-reverse"));
    let res = app.get(ACME, "/", Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("href=\"/books\""), "admins have the Books link");
    let manager = app.login(ACME, "manager@acme.test", PASSWORD).await;
    let res = app.get(ACME, "/books", Some(&manager)).await;
    assert!(res.body.contains("not for your role"), "{}", res.body);
    let res = app.get(ACME, "/", Some(&manager)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        !res.body.contains("href=\"/books\""),
        "managers have no Books link"
    );

    // The manual entry is on acme's journal for its day, not on globex's.
    let day = "/books/journal?from=2026-03-01&to=2026-03-01";
    let res = app.get(ACME, day, Some(&owner)).await;
    assert!(res.body.contains("Acme private memo"), "{}", res.body);
    assert!(res.body.contains("5.00"), "{}", res.body);
    let res = app.get(GLOBEX, day, Some(&globex)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("journal-empty"), "{}", res.body);
    assert!(!res.body.contains("Acme private memo"), "{}", res.body);
}

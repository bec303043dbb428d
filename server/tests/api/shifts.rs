//! Tills and cash shifts over HTTP: sales need the till's open shift and
//! record it, one open shift per till, Z reports numbered without gaps and
//! never changed, a Z's figures equal to independent sums over its payments,
//! and two businesses that never reach each other's tills.
use axum::http::StatusCode;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

/// A signed-in member on one business's host, with typed steps.
struct Till<'a> {
    app: &'a TestApp,
    host: &'static str,
    cookie: String,
}

impl<'a> Till<'a> {
    async fn sign_in(app: &'a TestApp, host: &'static str, email: &str) -> Till<'a> {
        let cookie = app.login(host, email, PASSWORD).await;
        Till { app, host, cookie }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> TestResponse {
        self.app
            .post_form(self.host, path, form, Some(&self.cookie))
            .await
    }

    /// A product priced 2.50 with plenty of stock; its id.
    async fn product(&self, sku: &str) -> String {
        let res = self
            .post(
                "/api/products/create",
                &[
                    ("product[sku]", sku),
                    ("product[name]", "Tea"),
                    ("product[sale_price]", "2.50"),
                    ("initial_stock", "100000"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()["id"].as_str().unwrap().to_owned()
    }

    async fn save_till(&self, name: &str) -> TestResponse {
        self.post("/api/tills/save", &[("name", name)]).await
    }

    /// Creates a till; its id.
    async fn till(&self, name: &str) -> String {
        let res = self.save_till(name).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json().as_str().unwrap().to_owned()
    }

    async fn open(&self, till: &str, float: &str) -> TestResponse {
        self.post("/api/shifts/open", &[("till_id", till), ("opening_float", float)])
            .await
    }

    /// Opens a shift; its id.
    async fn open_ok(&self, till: &str, float: &str) -> String {
        let res = self.open(till, float).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()["id"].as_str().unwrap().to_owned()
    }

    async fn cash(&self, shift: &str, kind: &str, amount: &str, reason: &str) -> TestResponse {
        self.post(
            "/api/shifts/cash",
            &[
                ("shift_id", shift),
                ("kind", kind),
                ("amount", amount),
                ("reason", reason),
            ],
        )
        .await
    }

    async fn close(&self, shift: &str, cash: &str) -> TestResponse {
        self.post(
            "/api/shifts/close",
            &[("shift_id", shift), ("counted_cash", cash)],
        )
        .await
    }

    async fn current(&self, till: &str) -> TestResponse {
        self.post("/api/shifts/current", &[("till_id", till)]).await
    }

    async fn get(&self, shift: &str) -> TestResponse {
        self.post("/api/shifts/get", &[("id", shift)]).await
    }

    /// Sells `quantity` of `product` (2.50 each), paid as `payments`, on
    /// `till` (or without a till).
    async fn sell(
        &self,
        till: Option<&str>,
        key: &str,
        product: &str,
        quantity: i64,
        payments: Value,
    ) -> TestResponse {
        let mut body = json!({
            "sale": {
                "idempotency_key": key,
                "lines": [{ "product_id": product, "quantity": quantity, "line_discount": 0 }],
                "bill_discount": 0,
                "payments": payments,
            }
        });
        if let Some(till) = till {
            body["till_id"] = json!(till);
        }
        self.app
            .post_json(self.host, "/api/bills/finalize", &body, Some(&self.cookie))
            .await
    }

    async fn sell_cash(&self, till: Option<&str>, key: &str, product: &str) -> TestResponse {
        self.sell(
            till,
            key,
            product,
            1,
            json!([{ "method": "cash", "amount": 250 }]),
        )
        .await
    }

    async fn refund(&self, till: Option<&str>, bill: &str, method: &str) -> TestResponse {
        let mut form = vec![
            ("bill_id", bill),
            ("lines", "1:1"),
            ("reason", "Changed their mind"),
            ("refund_method", method),
        ];
        if let Some(till) = till {
            form.push(("till_id", till));
        }
        self.post("/api/credit_notes/create", &form).await
    }
}

fn id_of(res: &TestResponse) -> String {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// An amount in minor units as a person types it (`12.34`).
fn typed(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

async fn payment_shifts(app: &TestApp, bill: &str) -> Vec<Option<Uuid>> {
    sqlx::query_scalar("SELECT shift_id FROM payments WHERE bill_id = $1::uuid ORDER BY seq")
        .bind(bill)
        .fetch_all(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn once_a_business_has_a_till_every_sale_goes_through_its_open_shift() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let tea = owner.product("TEA-1").await;

    // No till yet: sales without one go through as before, without a shift.
    let before = owner.sell_cash(None, "shift-rule-0001", &tea).await;
    let before_id = id_of(&before);
    assert_eq!(payment_shifts(&app, &before_id).await, vec![None]);

    let till = owner.till("Till 1").await;
    // Now a sale without a till is refused, and says what to do.
    let without = owner.sell_cash(None, "shift-rule-0002", &tea).await;
    assert_eq!(without.status, StatusCode::CONFLICT, "{}", without.body);
    assert!(without.body.contains("choose a till"), "{}", without.body);
    // On the till, but no shift is open.
    let no_shift = owner.sell_cash(Some(&till), "shift-rule-0003", &tea).await;
    assert_eq!(no_shift.status, StatusCode::CONFLICT, "{}", no_shift.body);
    assert!(
        no_shift.body.contains("Open a shift on this till first"),
        "{}",
        no_shift.body
    );

    let shift = owner.open_ok(&till, "100,00").await;
    let second = owner.open(&till, "50.00").await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(
        second.body.contains("already has an open shift"),
        "{}",
        second.body
    );

    // A split sale: every payment records the shift.
    let split = owner
        .sell(
            Some(&till),
            "shift-rule-0004",
            &tea,
            2,
            json!([{ "method": "card", "amount": 100 }, { "method": "cash", "amount": 400, "tendered": 1000 }]),
        )
        .await;
    assert_eq!(split.status, StatusCode::OK, "{}", split.body);
    let split_id = split.json()["id"].as_str().unwrap().to_owned();
    let shift_uuid = Uuid::parse_str(&shift).unwrap();
    assert_eq!(
        payment_shifts(&app, &split_id).await,
        vec![Some(shift_uuid), Some(shift_uuid)]
    );
    // A refund at the till records the shift on its credit note.
    let refund = owner.refund(Some(&till), &split_id, "cash").await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.body);
    let refunded_on: Option<Uuid> =
        sqlx::query_scalar("SELECT shift_id FROM credit_notes WHERE bill_id = $1::uuid")
            .bind(&split_id)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(refunded_on, Some(shift_uuid));

    // The X report so far: 100.00 + 5.00 cash − 2.50 refunded.
    let x = owner.current(&till).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.body);
    let x = x.json();
    assert_eq!(x["kind"], "X");
    assert_eq!(x["bills"], 1);
    assert_eq!(x["expected_cash"], 10_000 + 400 - 250);

    let cash_out = owner.cash(&shift, "out", "20", "Bank deposit").await;
    assert_eq!(cash_out.status, StatusCode::OK, "{}", cash_out.body);
    let no_reason = owner.cash(&shift, "in", "5", "  ").await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_reason.body
    );

    // Closed 3.00 short.
    let expected = 10_000 + 400 - 250 - 2_000;
    let z = owner.close(&shift, &typed(expected - 300)).await;
    assert_eq!(z.status, StatusCode::OK, "{}", z.body);
    let z = z.json();
    assert_eq!(z["kind"], "Z");
    assert_eq!(z["z_number"], "Z-000001");
    assert_eq!(z["expected_cash"], expected);
    assert_eq!(z["over_short"], -300);
    assert_eq!(
        owner.current(&till).await.json(),
        Value::Null,
        "no shift open any more"
    );

    // After the close, the till sells nothing until a new shift is open, and
    // a refund at it is refused too.
    let after = owner.sell_cash(Some(&till), "shift-rule-0005", &tea).await;
    assert_eq!(after.status, StatusCode::CONFLICT, "{}", after.body);
    let refund_after = owner.refund(Some(&till), &before_id, "cash").await;
    assert_eq!(refund_after.status, StatusCode::CONFLICT, "{}", refund_after.body);
    let closed_again = owner.close(&shift, "0").await;
    assert_eq!(closed_again.status, StatusCode::CONFLICT, "{}", closed_again.body);
    let cash_after = owner.cash(&shift, "in", "1", "Late").await;
    assert_eq!(cash_after.status, StatusCode::CONFLICT, "{}", cash_after.body);

    // An archived till does not count: with no active till left, sales
    // without one go through again.
    let archived = owner
        .post(
            "/api/tills/save",
            &[("id", &till), ("name", "Till 1"), ("active", "false")],
        )
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
    let again = owner.sell_cash(None, "shift-rule-0006", &tea).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let on_archived = owner.sell_cash(Some(&till), "shift-rule-0007", &tea).await;
    assert_eq!(on_archived.status, StatusCode::NOT_FOUND, "{}", on_archived.body);

    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND entity IN ('till', 'shift') ORDER BY created_at, id",
    )
    .bind(app.acme)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    for action in [
        "till.created",
        "shift.opened",
        "shift.cash_out",
        "shift.closed",
        "till.updated",
    ] {
        assert!(audited.iter().any(|a| a == action), "{action} in {audited:?}");
    }
}

#[tokio::test]
async fn concurrent_opens_on_one_till_let_exactly_one_win() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let till = owner.till("Till 1").await;
    let answers = futures::future::join_all((0..8).map(|_| owner.open(&till, "10"))).await;
    let won = answers.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.body.contains("already has an open shift"))
        .count();
    assert_eq!(
        (won, refused),
        (1, 7),
        "{:?}",
        answers.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM shifts WHERE till_id = $1::uuid AND status = 'open'")
            .bind(&till)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(open, 1);
}

#[tokio::test]
async fn z_numbers_are_gapless_per_business_under_concurrent_closes() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let globex = Till::sign_in(&app, GLOBEX, GLOBEX_OWNER).await;
    let mut shifts = Vec::new();
    for n in 0..6 {
        let till = owner.till(&format!("Till {n}")).await;
        shifts.push(owner.open_ok(&till, "0").await);
    }
    let globex_till = globex.till("Till 1").await;
    let globex_shift = globex.open_ok(&globex_till, "0").await;

    let (answers, globex_z) = tokio::join!(
        futures::future::join_all(shifts.iter().map(|s| owner.close(s, "0"))),
        globex.close(&globex_shift, "0"),
    );
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["z_number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("Z-{n:06}")).collect();
    assert_eq!(numbers, expected);
    // Another business counts its own.
    assert_eq!(globex_z.json()["z_number"], "Z-000001", "{}", globex_z.body);
}

#[tokio::test]
async fn a_closed_shift_its_counts_and_cash_cannot_be_changed_even_by_a_raw_query() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let till = owner.till("Till 1").await;
    let shift = owner.open_ok(&till, "10").await;
    assert_eq!(
        owner.cash(&shift, "in", "5", "Change from the bank").await.status,
        StatusCode::OK
    );
    assert_eq!(owner.close(&shift, "15").await.status, StatusCode::OK);
    let shift_id = Uuid::parse_str(&shift).unwrap();

    for statement in [
        "UPDATE shifts SET counted_cash = 0 WHERE id = $1",
        "UPDATE shifts SET status = 'open', z_number = NULL WHERE id = $1",
        "DELETE FROM shifts WHERE id = $1",
        "UPDATE shift_counts SET counted = 0, difference = 0 - expected WHERE shift_id = $1",
        "DELETE FROM shift_counts WHERE shift_id = $1",
        "UPDATE shift_cash SET amount = 1 WHERE shift_id = $1",
        "DELETE FROM shift_cash WHERE shift_id = $1",
        "INSERT INTO shift_cash (tenant_id, shift_id, seq, kind, amount, reason, actor_id) \
         SELECT tenant_id, id, 9, 'out', 100, 'after the close', cashier_id FROM shifts WHERE id = $1",
    ] {
        // As the tenant role (its grants, row-level security and the triggers).
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let role: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!(role, "shopfloor_tenant");
        let refused = sqlx::query(statement).bind(shift_id).execute(tx.conn()).await;
        assert!(refused.is_err(), "the tenant role ran: {statement}");
        drop(tx);
        // As a superuser too: the triggers refuse whoever asks.
        let refused = sqlx::query(statement).bind(shift_id).execute(&app.admin).await;
        assert!(refused.is_err(), "a superuser ran: {statement}");
    }
    let z = owner.get(&shift).await.json();
    assert_eq!(z["counted_cash"], 1_500);
    assert_eq!(z["z_number"], "Z-000001");
    assert_eq!(z["cash"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_z_report_is_a_link_of_the_chain_and_an_edit_behind_the_triggers_is_found() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let product = owner.product("CHAIN-Z").await;
    let till = owner.till("Till 1").await;
    let shift = owner.open_ok(&till, "10").await;
    let sold = owner.sell_cash(Some(&till), "chain-z-sale-1", &product).await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    assert_eq!(
        owner.cash(&shift, "out", "2", "Milk").await.status,
        StatusCode::OK
    );
    assert_eq!(owner.close(&shift, "10.50").await.status, StatusCode::OK);

    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM document_chain WHERE tenant_id = $1 ORDER BY seq")
            .bind(app.acme)
            .fetch_all(&app.admin)
            .await
            .unwrap();
    assert_eq!(kinds, ["bill", "z_report"]);
    let report = owner.post("/api/chain/verify", &[]).await.json();
    assert_eq!(report["links"], 2, "{report}");
    assert!(report["broken"].is_null(), "{report}");
    // The Z carries its link, printed with it: the head of the chain on paper.
    let z = owner.get(&shift).await.json();
    let link = z["chain_link"].as_str().unwrap_or_default().to_owned();
    assert!(link.starts_with("2 · "), "{z}");
    assert_eq!(link.trim_start_matches("2 · "), report["head"].as_str().unwrap());

    // The counted cash raised behind every trigger, as a superuser.
    let mut conn = app.admin.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE shift_counts SET counted = counted + 300, difference = difference + 300 WHERE shift_id = $1 AND method = 'cash'")
        .bind(Uuid::parse_str(&shift).unwrap())
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let report = owner.post("/api/chain/verify", &[]).await.json();
    assert_eq!(report["broken"]["seq"], 2, "{report}");
    assert_eq!(report["broken"]["document"], "Z-000001", "{report}");
    assert_eq!(
        report["broken"]["problem"],
        "document changed after it was chained"
    );
}

#[tokio::test]
async fn cashiers_run_their_own_shifts_and_managers_close_any() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let cashier = Till::sign_in(&app, ACME, ACME_CASHIER).await;
    let till_1 = owner.till("Till 1").await;
    let till_2 = owner.till("Till 2").await;

    // Tills are for managers to set up.
    let refused = cashier.save_till("Till 3").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let taken = owner.save_till(" till 1 ").await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);

    let owners_shift = owner.open_ok(&till_1, "0").await;
    let cashiers_shift = cashier.open_ok(&till_2, "50").await;
    // A cashier cannot touch or read someone else's shift...
    let res = cashier.cash(&owners_shift, "out", "1", "Coffee").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = cashier.close(&owners_shift, "0").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = cashier.get(&owners_shift).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // ...sees that a till is taken, without its figures...
    let seen = cashier.current(&till_1).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.json()["id"].as_str(), Some(owners_shift.as_str()));
    assert_eq!(seen.json()["methods"], json!([]));
    // ...and lists only their own shifts.
    let listed = cashier.post("/api/shifts/list", &[]).await.json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![cashiers_shift.as_str()]);

    // A manager (here the owner) sees every till and closes a shift left open.
    let all = owner.post("/api/shifts/list", &[("status", "open")]).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let closed = owner.close(&cashiers_shift, "50").await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let z = closed.json();
    assert_eq!(z["over_short"], 0);
    assert_eq!(z["closed_by"], "acme owner");
    let tills = cashier.post("/api/tills/list", &[]).await.json();
    let names: Vec<&str> = tills
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Till 1", "Till 2"], "oldest first");
    assert!(tills[0]["open_shift"].is_object());
    assert!(tills[1]["open_shift"].is_null());
}

#[tokio::test]
async fn a_business_never_reaches_another_business_tills_or_shifts() {
    let app = spawn_app().await;
    let acme = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let globex = Till::sign_in(&app, GLOBEX, GLOBEX_OWNER).await;
    let acme_till = acme.till("Till 1").await;
    let acme_shift = acme.open_ok(&acme_till, "10").await;
    let globex_tea = globex.product("G-TEA").await;
    let globex_till = globex.till("Front").await;
    let _globex_shift = globex.open_ok(&globex_till, "0").await;

    // By id, acme's till and shift do not exist at globex.
    for res in [
        globex.current(&acme_till).await,
        globex.open(&acme_till, "0").await,
        globex.get(&acme_shift).await,
        globex.cash(&acme_shift, "out", "1", "Theft").await,
        globex.close(&acme_shift, "0").await,
        globex
            .post(
                "/api/tills/save",
                &[("id", &acme_till), ("name", "Mine"), ("active", "false")],
            )
            .await,
        globex
            .sell_cash(Some(&acme_till), "cross-till-001", &globex_tea)
            .await,
    ] {
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    }
    let tills = globex
        .post("/api/tills/list", &[("archived", "true")])
        .await
        .json();
    assert_eq!(tills.as_array().unwrap().len(), 1);
    assert_eq!(tills[0]["name"], "Front");
    let shifts = globex.post("/api/shifts/list", &[]).await.json();
    assert_eq!(shifts.as_array().unwrap().len(), 1);
    assert_ne!(shifts[0]["id"].as_str(), Some(acme_shift.as_str()));
    // Acme's shift is untouched.
    let x = acme.get(&acme_shift).await.json();
    assert_eq!(
        (x["status"].as_str(), x["cash"].as_array().map(Vec::len)),
        (Some("open"), Some(0))
    );
    assert_eq!(x["till"], "Till 1");
}

/// One step on a shift in the property test.
#[derive(Debug, Clone)]
enum Step {
    /// Quantity; paid in cash with `change` on top, by card, or split with
    /// `card` on the card.
    Cash {
        quantity: i64,
        change: i64,
    },
    Card {
        quantity: i64,
    },
    Split {
        quantity: i64,
        card: i64,
        change: i64,
    },
    /// One unit of an earlier bill (chosen by index) returned, paid back in
    /// cash or on the card.
    Refund {
        bill: usize,
        cash: bool,
    },
    CashIn(i64),
    CashOut(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1..5i64, 0..800i64).prop_map(|(quantity, change)| Step::Cash { quantity, change }),
        (1..5i64).prop_map(|quantity| Step::Card { quantity }),
        (1..5i64, 1..250i64, 0..500i64).prop_map(|(quantity, card, change)| Step::Split {
            quantity,
            card,
            change
        }),
        (0..20usize, any::<bool>()).prop_map(|(bill, cash)| Step::Refund { bill, cash }),
        (1..5_000i64).prop_map(Step::CashIn),
        (1..5_000i64).prop_map(Step::CashOut),
    ]
}

/// Sums over the shift's own rows, by plain SQL as the superuser.
async fn sums(app: &TestApp, shift: &str) -> Value {
    let row: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT bill_id) FROM payments WHERE shift_id = $1::uuid), \
                (SELECT coalesce(sum(amount), 0)::bigint FROM payments WHERE shift_id = $1::uuid AND method = 'cash'), \
                (SELECT coalesce(sum(amount), 0)::bigint FROM payments WHERE shift_id = $1::uuid AND method = 'card'), \
                (SELECT coalesce(sum(change), 0)::bigint FROM payments WHERE shift_id = $1::uuid), \
                (SELECT coalesce(sum(total), 0)::bigint FROM credit_notes WHERE shift_id = $1::uuid AND refund_method = 'cash'), \
                (SELECT coalesce(sum(total), 0)::bigint FROM credit_notes WHERE shift_id = $1::uuid AND refund_method = 'card'), \
                (SELECT coalesce(sum(amount), 0)::bigint FROM shift_cash WHERE shift_id = $1::uuid AND kind = 'in'), \
                (SELECT coalesce(sum(amount), 0)::bigint FROM shift_cash WHERE shift_id = $1::uuid AND kind = 'out'), \
                (SELECT opening_float FROM shifts WHERE id = $1::uuid), \
                (SELECT coalesce(sum(tendered - amount), 0)::bigint FROM payments WHERE shift_id = $1::uuid)",
    )
    .bind(shift)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    let (bills, cash, card, change, cash_refunds, card_refunds, cash_in, cash_out, float, tendered_change) =
        row;
    assert_eq!(
        change, tendered_change,
        "change is what was handed over beyond the amount"
    );
    json!({
        "bills": bills,
        "cash": cash,
        "card": card,
        "change": change,
        "cash_refunds": cash_refunds,
        "card_refunds": card_refunds,
        "cash_in": cash_in,
        "cash_out": cash_out,
        "float": float,
    })
}

/// Runs one shift of `steps`, closes it counting `cash_off` away from what
/// the test itself expects, and checks the Z against the SQL sums.
async fn run_shift(owner: &Till<'_>, tea: &str, case: usize, float: i64, steps: &[Step], cash_off: i64) {
    let app = owner.app;
    let till = owner.till(&format!("Till {case}")).await;
    let shift = owner.open_ok(&till, &typed(float)).await;
    let mut bills: Vec<String> = Vec::new();
    let mut drawer = float;
    for (i, step) in steps.iter().enumerate() {
        let key = format!("prop-{case}-{i:04}");
        let res = match *step {
            Step::Cash { quantity, change } => {
                let total = 250 * quantity;
                drawer += total;
                owner
                    .sell(
                        Some(&till),
                        &key,
                        tea,
                        quantity,
                        json!([{ "method": "cash", "amount": total, "tendered": total + change }]),
                    )
                    .await
            }
            Step::Card { quantity } => {
                owner
                    .sell(
                        Some(&till),
                        &key,
                        tea,
                        quantity,
                        json!([{ "method": "card", "amount": 250 * quantity }]),
                    )
                    .await
            }
            Step::Split {
                quantity,
                card,
                change,
            } => {
                let total = 250 * quantity;
                let card = card.min(total - 1);
                drawer += total - card;
                owner
                    .sell(
                        Some(&till),
                        &key,
                        tea,
                        quantity,
                        json!([
                            { "method": "card", "amount": card },
                            { "method": "cash", "amount": total - card, "tendered": total - card + change },
                        ]),
                    )
                    .await
            }
            Step::Refund { bill, cash } => {
                if bills.is_empty() {
                    continue;
                }
                let bill = bills[bill % bills.len()].clone();
                let res = owner
                    .refund(Some(&till), &bill, if cash { "cash" } else { "card" })
                    .await;
                if res.status == StatusCode::UNPROCESSABLE_ENTITY {
                    // Everything of that bill was returned already.
                    assert!(res.body.contains("left to return"), "{}", res.body);
                    continue;
                }
                if cash && res.status == StatusCode::OK {
                    drawer -= 250;
                }
                res
            }
            Step::CashIn(amount) => {
                drawer += amount;
                owner
                    .cash(&shift, "in", &typed(amount), "Change from the bank")
                    .await
            }
            Step::CashOut(amount) => {
                drawer -= amount;
                owner.cash(&shift, "out", &typed(amount), "To the safe").await
            }
        };
        assert_eq!(res.status, StatusCode::OK, "{step:?}: {}", res.body);
        if matches!(step, Step::Cash { .. } | Step::Card { .. } | Step::Split { .. }) {
            bills.push(res.json()["id"].as_str().unwrap().to_owned());
        }
    }
    let counted = (drawer + cash_off).max(0);
    let res = owner.close(&shift, &typed(counted)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let z = res.json();
    let s = sums(app, &shift).await;
    let int = |v: &Value| v.as_i64().unwrap();
    let expected_cash = int(&s["float"]) + int(&s["cash"]) - int(&s["cash_refunds"]) + int(&s["cash_in"])
        - int(&s["cash_out"]);
    assert_eq!(expected_cash, drawer, "the test's own tally of the drawer");
    assert_eq!(z["kind"], "Z");
    assert_eq!(z["bills"], s["bills"]);
    assert_eq!(int(&z["sales_total"]), int(&s["cash"]) + int(&s["card"]));
    assert_eq!(
        int(&z["refunds_total"]),
        int(&s["cash_refunds"]) + int(&s["card_refunds"])
    );
    assert_eq!(z["change_given"], s["change"]);
    assert_eq!(z["cash_in"], s["cash_in"]);
    assert_eq!(z["cash_out"], s["cash_out"]);
    assert_eq!(int(&z["expected_cash"]), expected_cash);
    assert_eq!(int(&z["counted_cash"]), counted);
    assert_eq!(
        int(&z["over_short"]),
        counted - expected_cash,
        "over/short = counted − expected"
    );
    let methods = z["methods"].as_array().unwrap();
    let method = |m: &str| methods.iter().find(|x| x["method"] == m).unwrap().clone();
    assert_eq!(method("cash")["sales"], s["cash"]);
    assert_eq!(method("cash")["refunds"], s["cash_refunds"]);
    assert_eq!(method("card")["sales"], s["card"]);
    assert_eq!(method("card")["refunds"], s["card_refunds"]);
    assert_eq!(
        int(&method("card")["expected"]),
        int(&s["card"]) - int(&s["card_refunds"])
    );
    // Card not counted: taken as expected.
    assert_eq!(method("card")["difference"], 0);
    assert_eq!(int(&method("cash")["difference"]), counted - expected_cash);
    // The stored counts say the same.
    let stored: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT method, expected, counted, difference FROM shift_counts WHERE shift_id = $1::uuid ORDER BY method",
    )
    .bind(&shift)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(stored.len(), 3);
    for (m, expected, counted, difference) in stored {
        assert_eq!(difference, counted - expected, "{m}");
        assert_eq!(int(&method(&m)["expected"]), expected, "{m}");
    }
    // And the Z read later is the same report.
    let again = owner.get(&shift).await.json();
    assert_eq!(again, z);
}

#[test]
fn a_z_reports_figures_equal_independent_sums_over_its_payments() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_app());
    let (owner_cookie, tea) = runtime.block_on(async {
        let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
        let tea = owner.product("TEA-P").await;
        (owner.cookie, tea)
    });
    let owner = Till {
        app: &app,
        host: ACME,
        cookie: owner_cookie,
    };
    let case = std::cell::Cell::new(0usize);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(0..50_000i64, prop::collection::vec(step(), 1..14), -500..500i64),
            |(float, steps, cash_off)| {
                case.set(case.get() + 1);
                runtime.block_on(run_shift(&owner, &tea, case.get(), float, &steps, cash_off));
                Ok(())
            },
        )
        .unwrap();
    drop(owner);
    runtime.block_on(async move { drop(app) });
}

#[tokio::test]
async fn the_demo_history_is_sold_in_closed_shifts_and_till_1_is_open_today() {
    let app = spawn_app().await;
    app::domain::demo::seed_demo(&app.db).await.unwrap();
    app::domain::demo::seed_demo(&app.db).await.unwrap();
    for tenant in [app.acme, app.globex] {
        let tills: Vec<String> =
            sqlx::query_scalar("SELECT name FROM tills WHERE tenant_id = $1 ORDER BY created_at, id")
                .bind(tenant)
                .fetch_all(&app.admin)
                .await
                .unwrap();
        assert_eq!(tills, vec!["Till 1", "Till 2"], "seeded once");
        let z: Vec<i64> = sqlx::query_scalar(
            "SELECT z_number FROM shifts WHERE tenant_id = $1 AND status = 'closed' ORDER BY z_number",
        )
        .bind(tenant)
        .fetch_all(&app.admin)
        .await
        .unwrap();
        assert!(z.len() >= 10, "three weeks of closed days: {z:?}");
        assert_eq!(z, (1..=z.len() as i64).collect::<Vec<_>>(), "gapless");
        let off: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM shifts WHERE tenant_id = $1 AND status = 'closed' AND counted_cash <> expected_cash",
        )
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert!(off >= 2, "a few days over or short");
        let open_today: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM shifts s JOIN tills t ON t.tenant_id = s.tenant_id AND t.id = s.till_id \
             WHERE s.tenant_id = $1 AND s.status = 'open' AND t.name = 'Till 1' \
               AND (s.opened_at AT TIME ZONE 'UTC')::date = (now() AT TIME ZONE 'UTC')::date",
        )
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap();
        assert_eq!(open_today, 1);
        let without_shift: i64 =
            sqlx::query_scalar("SELECT count(*) FROM payments WHERE tenant_id = $1 AND shift_id IS NULL")
                .bind(tenant)
                .fetch_one(&app.admin)
                .await
                .unwrap();
        assert_eq!(without_shift, 0, "every demo sale was rung up on a shift");
    }
    // The demo owner sells on Till 1 right away.
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let tills = owner.post("/api/tills/list", &[]).await.json();
    let till_1 = tills[0]["id"].as_str().unwrap().to_owned();
    assert!(tills[0]["open_shift"].is_object(), "{tills}");
    let tea = owner.product("DEMO-TEA").await;
    let sold = owner.sell_cash(Some(&till_1), "demo-till-0001", &tea).await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
}

#[tokio::test]
async fn a_close_racing_sales_leaves_no_sale_outside_its_z() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let tea = owner.product("RACE-TEA").await;
    let till = owner.till("Till 1").await;
    let shift = owner.open_ok(&till, "0").await;
    // Sales in flight while the shift closes: each one is either inside the
    // Z or refused, never recorded on the closed shift behind its back.
    let keys: Vec<String> = (0..24).map(|i| format!("race-sale-{i:04}")).collect();
    let (sales, z) = tokio::join!(
        futures::future::join_all(keys.iter().map(|k| owner.sell_cash(Some(&till), k, &tea))),
        async {
            // Some sales first, so the close has something to wait for.
            wait_for_bills(&app, 3).await;
            owner.close(&shift, "0").await
        },
    );
    assert_eq!(z.status, StatusCode::OK, "{}", z.body);
    let z = z.json();
    let sold = sales.iter().filter(|r| r.status == StatusCode::OK).count() as i64;
    let refused = sales
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.body.contains("Open a shift on this till first"))
        .count() as i64;
    assert_eq!(
        sold + refused,
        keys.len() as i64,
        "{:?}",
        sales.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(z["bills"], sold, "every sale that went through is in the Z");
    assert_eq!(z["sales_total"], sold * 250);
    let s = sums(&app, &shift).await;
    assert_eq!(s["bills"], sold);
}

async fn wait_for_bills(app: &TestApp, at_least: i64) {
    crate::helpers::wait_until("the first sales", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM bills WHERE status = 'finalized'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
        n >= at_least
    })
    .await;
}

#[tokio::test]
async fn the_dashboard_shows_each_till_and_its_open_shift_to_managers_of_that_business_only() {
    let app = spawn_app().await;
    let owner = Till::sign_in(&app, ACME, ACME_OWNER).await;
    let front = owner.till("Front counter").await;
    owner.till("Back counter").await;
    owner.open_ok(&front, "20").await;

    let page = app.get(ACME, "/", Some(&owner.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"dashboard-tills\""),
        "{}",
        page.body
    );
    let tills = &page.body[page.body.find("dashboard-tills").unwrap()..];
    let front_at = tills.find("Front counter").expect("the first till");
    let back_at = tills.find("Back counter").expect("the second till");
    assert!(front_at < back_at, "oldest first");
    assert!(tills[front_at..back_at].contains("Open since"), "{tills}");
    assert!(tills[back_at..].contains("No open shift"), "{tills}");

    let globex = Till::sign_in(&app, GLOBEX, GLOBEX_OWNER).await;
    let theirs = app.get(GLOBEX, "/", Some(&globex.cookie)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("Front counter"), "{}", theirs.body);
}

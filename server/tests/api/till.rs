//! The till over HTTP: a manager approving a discount above the cashier's
//! limit on the spot, and the customer picker's server search.
use app::{domain::accounts, model::Role};
use axum::http::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";
const ACME_MANAGER: &str = "manager@acme.test";
const GLOBEX_MANAGER: &str = "manager@globex.test";

/// Creates a product over HTTP (price 2.50, stock 10); returns its id.
async fn product(app: &TestApp, host: &str, cookie: &str, sku: &str) -> String {
    let res = app
        .post_form(
            host,
            "/api/products/create",
            &[
                ("product[sku]", sku),
                ("product[name]", "Tea"),
                ("product[sale_price]", "2.50"),
                ("initial_stock", "10"),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// Four teas (10.00) with 5.00 off: half, far above the cashier's 10 %.
fn discounted_sale(key: &str, product: &str) -> Value {
    json!({
        "idempotency_key": key,
        "lines": [{ "product_id": product, "quantity": 4, "line_discount": 500 }],
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": 500 }],
    })
}

async fn checkout(app: &TestApp, cookie: &str, sale: &Value, approval: Option<(&str, &str)>) -> TestResponse {
    let mut body = json!({ "sale": sale });
    if let Some((email, password)) = approval {
        body["approval"] = json!({ "email": email, "password": password });
    }
    app.post_json(ACME, "/api/bills/finalize", &body, Some(cookie))
        .await
}

async fn finalized_bills(app: &TestApp, tenant: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM bills WHERE tenant_id = $1 AND status = 'finalized'")
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_manager_of_this_business_approves_a_large_discount_on_the_till_and_it_is_audited() {
    let app = spawn_app().await;
    accounts::ensure_member_account(
        &app.db,
        app.acme,
        ACME_MANAGER,
        "Mia Manager",
        PASSWORD,
        Role::Manager,
    )
    .await
    .unwrap();
    accounts::ensure_member_account(
        &app.db,
        app.globex,
        GLOBEX_MANAGER,
        "Gus Manager",
        PASSWORD,
        Role::Manager,
    )
    .await
    .unwrap();
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &owner, "TEA-1").await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let sale = discounted_sale("till-approval-0001", &tea);

    // The cashier alone is refused, and told what to do instead.
    let alone = checkout(&app, &cashier, &sale, None).await;
    assert_eq!(alone.status, StatusCode::FORBIDDEN, "{}", alone.body);
    assert!(alone.body.contains("need a manager"), "{}", alone.body);

    // A wrong password, an unknown email and a manager of another business
    // are answered alike: nothing tells who has an account where.
    let wrong_password = checkout(&app, &cashier, &sale, Some((ACME_MANAGER, "not-the-password"))).await;
    let unknown = checkout(&app, &cashier, &sale, Some(("nobody@acme.test", PASSWORD))).await;
    let other_business = checkout(&app, &cashier, &sale, Some((GLOBEX_MANAGER, PASSWORD))).await;
    for (res, what) in [
        (&wrong_password, "wrong password"),
        (&unknown, "unknown email"),
        (&other_business, "globex's manager at acme"),
    ] {
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            res.body
        );
        assert_eq!(res.body, wrong_password.body, "{what}");
    }
    assert!(wrong_password.body.contains("email or password is incorrect"));

    // The cashier's own credentials do not approve: the role must allow it.
    let own = checkout(&app, &cashier, &sale, Some((ACME_CASHIER, PASSWORD))).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert!(own.body.contains("may not approve"), "{}", own.body);
    assert_eq!(finalized_bills(&app, app.acme).await, 0, "no refusal made a bill");

    // Acme's manager approves: the sale goes through with the discount.
    let approved = checkout(&app, &cashier, &sale, Some((ACME_MANAGER, PASSWORD))).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let bill = approved.json();
    assert_eq!(bill["total"], 500);
    let bill_id = bill["id"].as_str().unwrap().to_owned();

    let audit: Vec<(Option<Uuid>, Value)> = sqlx::query_as(
        "SELECT actor_user_id, after FROM audit_log \
         WHERE tenant_id = $1 AND action = 'bill.discount_approved' AND entity_id = $2",
    )
    .bind(app.acme)
    .bind(&bill_id)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "one approval recorded");
    let (actor, after) = &audit[0];
    let cashier_id = app.user_id(ACME_CASHIER).await;
    let manager_id = app.user_id(ACME_MANAGER).await;
    assert_eq!(*actor, Some(cashier_id), "recorded in the cashier's sale");
    assert_eq!(after["approved_by"], json!(manager_id));
    assert_eq!(after["approver"], "Mia Manager");
    assert_eq!(after["cashier"], json!(cashier_id));
    assert_eq!(after["discount"], 500);
    assert_eq!(after["number"], bill["number"]);

    // The same key retried (a lost answer) returns the same bill, once.
    let again = checkout(&app, &cashier, &sale, Some((ACME_MANAGER, PASSWORD))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], bill["id"]);
    assert_eq!(finalized_bills(&app, app.acme).await, 1);
    let approvals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'bill.discount_approved'",
    )
    .bind(app.acme)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(approvals, 1);
    assert_eq!(finalized_bills(&app, app.globex).await, 0);
}

#[tokio::test]
async fn an_approval_is_only_accepted_from_a_signed_in_member() {
    let app = spawn_app().await;
    let sale = discounted_sale("till-approval-0002", &Uuid::now_v7().to_string());
    let body = json!({ "sale": sale, "approval": { "email": ACME_OWNER, "password": PASSWORD } });
    let res = app.post_json(ACME, "/api/bills/finalize", &body, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(
        !res.body.contains("incorrect"),
        "no password was checked: {}",
        res.body
    );
}

async fn save_customer(
    app: &TestApp,
    host: &str,
    cookie: &str,
    name: &str,
    phone: &str,
    email: &str,
) -> String {
    let res = app
        .post_form(
            host,
            "/api/customers/save",
            &[("name", name), ("phone", phone), ("email", email)],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json().as_str().unwrap().to_owned()
}

async fn search(app: &TestApp, host: &str, cookie: &str, query: &str, limit: &str) -> Vec<String> {
    let res = app
        .post_form(
            host,
            "/api/customers/search",
            &[("query", query), ("limit", limit)],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.body);
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_customer_picker_searches_this_business_by_name_phone_and_email() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    save_customer(
        &app,
        ACME,
        &owner,
        "Anna Schmidt",
        "+49 170 1234567",
        "anna@example.com",
    )
    .await;
    let archived = save_customer(&app, ACME, &owner, "Annabel Gone", "", "").await;
    let res = app
        .post_form(
            ACME,
            "/api/customers/set-active",
            &[("id", &archived), ("active", "false")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    save_customer(&app, GLOBEX, &globex, "Anna Globex", "", "anna@globex.test").await;

    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    // A word of the name, by its start, in any case; archived ones are not offered.
    assert_eq!(search(&app, ACME, &cashier, "ann", "0").await, ["Anna Schmidt"]);
    assert_eq!(search(&app, ACME, &cashier, "SCHM", "0").await, ["Anna Schmidt"]);
    assert_eq!(
        search(&app, ACME, &cashier, "anna schmidt", "0").await,
        ["Anna Schmidt"]
    );
    // A word of the email, the whole email, the phone's digits.
    let bob = save_customer(&app, ACME, &owner, "Bob Stone", "", "bob@builder.test").await;
    assert_eq!(search(&app, ACME, &cashier, "builder", "0").await, ["Bob Stone"]);
    assert_eq!(
        search(&app, ACME, &cashier, "bob@builder.test", "0").await,
        ["Bob Stone"]
    );
    assert_eq!(
        search(&app, ACME, &cashier, "4917012", "0").await,
        ["Anna Schmidt"]
    );
    assert!(search(&app, ACME, &cashier, "zz", "0").await.is_empty());
    assert!(search(&app, ACME, &cashier, "  ", "0").await.is_empty());
    // Another business's customers are never found, and it finds only its own.
    assert_eq!(search(&app, GLOBEX, &globex, "anna", "0").await, ["Anna Globex"]);

    // A renamed customer is found by the new name and email, not the old ones.
    let res = app
        .post_form(
            ACME,
            "/api/customers/save",
            &[
                ("id", &bob),
                ("name", "Robert Stone"),
                ("email", "rob@builder.test"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        search(&app, ACME, &cashier, "robert", "0").await,
        ["Robert Stone"]
    );
    assert_eq!(search(&app, ACME, &cashier, "rob@", "0").await, ["Robert Stone"]);
    assert!(search(&app, ACME, &cashier, "bob", "0").await.is_empty());

    // A small page: 8 by default, never more than 20.
    for i in 0..25 {
        save_customer(&app, ACME, &owner, &format!("Carl {i:02}"), "", "").await;
    }
    assert_eq!(search(&app, ACME, &cashier, "carl", "0").await.len(), 8);
    assert_eq!(search(&app, ACME, &cashier, "carl", "500").await.len(), 20);
    assert_eq!(
        search(&app, ACME, &cashier, "carl", "3").await,
        ["Carl 00", "Carl 01", "Carl 02"]
    );

    // Only for a signed-in member.
    let res = app
        .post_form(ACME, "/api/customers/search", &[("query", "ann")], None)
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
}

#[tokio::test]
async fn the_customer_search_is_an_index_range_under_row_level_security() {
    use app::domain::billing::customers::SEARCH_SQL;
    let app = spawn_app().await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        role, "shopfloor_tenant",
        "planned as the tenant role, under the policy"
    );
    // A tiny table is read whole anyway: forbid that, to see whether the
    // query *can* use the index under the policy (a LIKE could not).
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(tx.conn())
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {SEARCH_SQL}"))
        .bind("ann")
        .bind("ann\u{10FFFF}")
        .bind(vec!["schmidt".to_owned()])
        .bind(8i64)
        .fetch_all(tx.conn())
        .await
        .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("Index") && plan.contains("customer_search_terms_pkey"),
        "{plan}"
    );
    assert!(!plan.contains("Seq Scan on customer_search_terms"), "{plan}");
}

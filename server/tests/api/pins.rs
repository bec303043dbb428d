//! PINs at the till over HTTP: setting one, switching cashiers on a till a
//! manager opened, the attempt limits, and a manager's PIN approving a
//! discount or a refund with a one-time token, in two businesses.
use app::{domain::accounts, model::Role};
use axum::http::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestResponse, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";
const ACME_MANAGER: &str = "manager@acme.test";
const ACME_CASHIER_2: &str = "cashier2@acme.test";
const GLOBEX_CASHIER: &str = "cashier@globex.test";

const WRONG_PIN: &str = "That PIN is not right.";

async fn add_member(app: &TestApp, tenant: Uuid, email: &str, name: &str, role: Role) -> Uuid {
    accounts::ensure_member_account(&app.db, tenant, email, name, PASSWORD, role)
        .await
        .expect("member added")
}

async fn set_pin(app: &TestApp, host: &str, cookie: &str, pin: &str, password: &str) -> TestResponse {
    app.post_form(
        host,
        "/api/auth/pin-set",
        &[("pin", pin), ("password", password)],
        Some(cookie),
    )
    .await
}

/// Signs `email` in on `host` and sets their PIN; returns their session.
async fn with_pin(app: &TestApp, host: &str, email: &str, pin: &str) -> String {
    let cookie = app.login(host, email, PASSWORD).await;
    let res = set_pin(app, host, &cookie, pin, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    cookie
}

async fn switch(app: &TestApp, host: &str, cookie: &str, user: Uuid, pin: &str) -> TestResponse {
    app.post_form(
        host,
        "/api/auth/pin-switch",
        &[("user_id", &user.to_string()), ("pin", pin)],
        Some(cookie),
    )
    .await
}

async fn approve(
    app: &TestApp,
    host: &str,
    cookie: &str,
    user: Uuid,
    pin: &str,
    action: &str,
) -> TestResponse {
    app.post_form(
        host,
        "/api/auth/pin-approve",
        &[("user_id", &user.to_string()), ("pin", pin), ("action", action)],
        Some(cookie),
    )
    .await
}

/// A token from a manager's PIN approval that must succeed.
async fn token(app: &TestApp, host: &str, cookie: &str, user: Uuid, pin: &str, action: &str) -> String {
    let res = approve(app, host, cookie, user, pin, action).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["token"].as_str().expect("a token").to_owned()
}

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

/// `quantity` teas; with `discount` (minor units) off the line.
fn sale(key: &str, product: &str, quantity: i64, discount: i64) -> Value {
    let total = 250 * quantity - discount;
    json!({
        "idempotency_key": key,
        "lines": [{ "product_id": product, "quantity": quantity, "line_discount": discount }],
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": total }],
    })
}

async fn finalize(
    app: &TestApp,
    host: &str,
    cookie: &str,
    sale: &Value,
    approval: Option<Value>,
) -> TestResponse {
    let mut body = json!({ "sale": sale });
    if let Some(approval) = approval {
        body["approval"] = approval;
    }
    app.post_json(host, "/api/bills/finalize", &body, Some(cookie))
        .await
}

async fn audit_of(app: &TestApp, tenant: Uuid, action: &str) -> Vec<(Option<Uuid>, Option<Value>)> {
    sqlx::query_as(
        "SELECT actor_user_id, after FROM audit_log WHERE tenant_id = $1 AND action = $2 ORDER BY id",
    )
    .bind(tenant)
    .bind(action)
    .fetch_all(&app.admin)
    .await
    .unwrap()
}

async fn pin_hash(app: &TestApp, tenant: Uuid, user: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT pin_hash FROM member_pins WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user)
        .fetch_optional(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_member_sets_and_removes_their_own_pin_with_their_password() {
    let app = spawn_app().await;
    let cashier_id = app.user_id(ACME_CASHIER).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;

    let wrong = set_pin(&app, ACME, &cashier, "4321", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert!(wrong.body.contains("password is not right"), "{}", wrong.body);
    for bad in ["123", "1234567", "12a4"] {
        let res = set_pin(&app, ACME, &cashier, bad, PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            res.body
        );
        assert!(res.body.contains("4 to 6 digits"), "{}", res.body);
    }
    assert_eq!(
        pin_hash(&app, app.acme, cashier_id).await,
        None,
        "nothing was set"
    );

    let set = set_pin(&app, ACME, &cashier, "4321", PASSWORD).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let hash = pin_hash(&app, app.acme, cashier_id)
        .await
        .expect("a PIN is stored");
    assert!(hash.starts_with("$argon2id$"), "hashed like a password");
    assert!(!hash.contains("4321"));
    // Per business: the cashier has none in globex (not even a member there).
    assert_eq!(pin_hash(&app, app.globex, cashier_id).await, None);
    let audit = audit_of(&app, app.acme, "member.pin_set").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, Some(cashier_id));
    assert!(!format!("{:?}", audit[0].1).contains("4321"), "never the PIN");

    let removed = set_pin(&app, ACME, &cashier, "", PASSWORD).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(pin_hash(&app, app.acme, cashier_id).await, None);
    assert_eq!(audit_of(&app, app.acme, "member.pin_removed").await.len(), 1);

    // Managers and above remove another member's PIN; a cashier may not.
    let owner = with_pin(&app, ACME, ACME_OWNER, "1111").await;
    let owner_id = app.user_id(ACME_OWNER).await;
    let res = set_pin(&app, ACME, &cashier, "4321", PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let by_cashier = app
        .post_form(
            ACME,
            "/api/auth/pin-clear",
            &[("user_id", &owner_id.to_string())],
            Some(&cashier),
        )
        .await;
    assert_eq!(by_cashier.status, StatusCode::FORBIDDEN, "{}", by_cashier.body);
    assert!(pin_hash(&app, app.acme, owner_id).await.is_some());
    let by_owner = app
        .post_form(
            ACME,
            "/api/auth/pin-clear",
            &[("user_id", &cashier_id.to_string())],
            Some(&owner),
        )
        .await;
    assert_eq!(by_owner.status, StatusCode::OK, "{}", by_owner.body);
    assert_eq!(pin_hash(&app, app.acme, cashier_id).await, None);
    let cleared = audit_of(&app, app.acme, "member.pin_removed").await;
    assert_eq!(cleared.len(), 2);
    assert_eq!(cleared[1].0, Some(owner_id));
    assert_eq!(cleared[1].1.as_ref().unwrap()["by"], json!(owner_id));
}

#[tokio::test]
async fn a_cashier_switches_in_by_pin_on_a_till_the_owner_opened_and_sells_as_themselves() {
    let app = spawn_app().await;
    let cashier_id = app.user_id(ACME_CASHIER).await;
    let owner_id = app.user_id(ACME_OWNER).await;
    with_pin(&app, ACME, ACME_CASHIER, "4321").await;
    let till = with_pin(&app, ACME, ACME_OWNER, "1111").await;
    let tea = product(&app, ACME, &till, "TEA-1").await;

    let people = app
        .post_form(ACME, "/api/auth/pin-people", &[], Some(&till))
        .await;
    assert_eq!(people.status, StatusCode::OK, "{}", people.body);
    let listed: Vec<(String, String)> = people
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        listed.contains(&(cashier_id.to_string(), "cashier".into())),
        "{listed:?}"
    );
    assert!(
        listed.contains(&(owner_id.to_string(), "owner".into())),
        "{listed:?}"
    );
    assert_eq!(listed.len(), 2, "only people with a PIN");

    let res = switch(&app, ACME, &till, cashier_id, "4321").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["user_id"], json!(cashier_id));
    assert_eq!(res.json()["role"], "cashier");
    let as_cashier = res.session_cookie().expect("a new session id");
    assert_ne!(as_cashier, till, "the session id was cycled");
    let me = app.me(ACME, Some(&as_cashier)).await;
    assert_eq!(me.json()["email"], ACME_CASHIER);
    assert_eq!(me.json()["role"], "cashier");
    // The old cookie holds nothing any more.
    assert_eq!(app.me(ACME, Some(&till)).await.status, StatusCode::UNAUTHORIZED);

    // A sale made now records the cashier.
    let sold = finalize(
        &app,
        ACME,
        &as_cashier,
        &sale("pin-switch-sale-1", &tea, 1, 0),
        None,
    )
    .await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    assert_eq!(sold.json()["cashier"], ACME_CASHIER);
    let recorded: Uuid = sqlx::query_scalar("SELECT cashier_id FROM bills WHERE id = $1::uuid")
        .bind(sold.json()["id"].as_str().unwrap())
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(recorded, cashier_id);
    let switches = audit_of(&app, app.acme, "member.pin_switch").await;
    assert_eq!(switches.len(), 1);
    assert_eq!(switches[0].0, Some(owner_id));
    let after = switches[0].1.as_ref().unwrap();
    assert_eq!(
        (after["from"].clone(), after["to"].clone()),
        (json!(owner_id), json!(cashier_id))
    );

    // The till stays opened by the owner: the cashier's session switches on.
    let back = switch(&app, ACME, &as_cashier, owner_id, "1111").await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    let as_owner = back.session_cookie().unwrap();
    assert_eq!(app.me(ACME, Some(&as_owner)).await.json()["role"], "owner");
}

#[tokio::test]
async fn a_till_opened_by_a_cashiers_password_cannot_switch_people() {
    let app = spawn_app().await;
    let owner_id = app.user_id(ACME_OWNER).await;
    with_pin(&app, ACME, ACME_OWNER, "1111").await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let res = switch(&app, ACME, &cashier, owner_id, "1111").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("a manager has opened"), "{}", res.body);
    assert_eq!(app.me(ACME, Some(&cashier)).await.json()["email"], ACME_CASHIER);
    let counted: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key LIKE 'pin-%'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(counted, 0, "no PIN was tried");

    // A manager who opened the till and was then made a cashier opens nothing.
    let manager_id = add_member(&app, app.acme, ACME_MANAGER, "Mia Manager", Role::Manager).await;
    let till = app.login(ACME, ACME_MANAGER, PASSWORD).await;
    sqlx::query("UPDATE memberships SET role = 'cashier' WHERE tenant_id = $1 AND user_id = $2")
        .bind(app.acme)
        .bind(manager_id)
        .execute(&app.admin)
        .await
        .unwrap();
    let res = switch(&app, ACME, &till, owner_id, "1111").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

#[tokio::test]
async fn five_wrong_pins_lock_that_persons_pin_even_for_the_right_one() {
    let app = spawn_app().await;
    let cashier_id = app.user_id(ACME_CASHIER).await;
    let owner_id = app.user_id(ACME_OWNER).await;
    with_pin(&app, ACME, ACME_CASHIER, "4321").await;
    let till = with_pin(&app, ACME, ACME_OWNER, "1111").await;

    // A right PIN resets the count: four wrong, one right, four wrong again.
    for _ in 0..4 {
        let res = switch(&app, ACME, &till, owner_id, "0000").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let right = switch(&app, ACME, &till, owner_id, "1111").await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let till = right.session_cookie().unwrap();

    for i in 0..5 {
        let res = switch(&app, ACME, &till, cashier_id, "9999").await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong PIN {i}: {}",
            res.body
        );
        assert!(res.body.contains(WRONG_PIN), "{}", res.body);
    }
    let locked = switch(&app, ACME, &till, cashier_id, "4321").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    let approval = approve(&app, ACME, &till, cashier_id, "4321", "discount").await;
    assert_eq!(
        approval.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        approval.body
    );
    let until: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM locked_until - now())::float8 FROM login_throttle WHERE key LIKE 'pin-person:%' \
         AND key LIKE '%' || $1",
    )
    .bind(cashier_id.to_string())
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert!(until > 14.0 * 60.0, "locked for 15 minutes, not {until} s");
    // Only that person: the owner's PIN still works from this till.
    let owner = switch(&app, ACME, &till, owner_id, "1111").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    let till = owner.session_cookie().unwrap();

    // Once the lock has passed, the right PIN works and clears the count.
    sqlx::query(
        "UPDATE login_throttle SET locked_until = now() - interval '1 second' WHERE key LIKE 'pin-person:%'",
    )
    .execute(&app.admin)
    .await
    .unwrap();
    let res = switch(&app, ACME, &till, cashier_id, "4321").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key LIKE 'pin-person:%'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn wrong_pins_sprayed_across_people_lock_the_address() {
    let app = spawn_app().await;
    let cashier_id = app.user_id(ACME_CASHIER).await;
    with_pin(&app, ACME, ACME_CASHIER, "4321").await;
    let till = app.login(ACME, ACME_OWNER, PASSWORD).await;
    // Twenty wrong PINs, four each for five people: nobody's own limit.
    let others: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for person in others.iter().chain([&cashier_id]) {
        for _ in 0..4 {
            let res = switch(&app, ACME, &till, *person, "8888").await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        }
    }
    let res = switch(&app, ACME, &till, cashier_id, "4321").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    // Another business's till at the same address is not locked by acme's guesses.
    let globex_owner = app.user_id(GLOBEX_OWNER).await;
    let globex = with_pin(&app, GLOBEX, GLOBEX_OWNER, "5555").await;
    let res = switch(&app, GLOBEX, &globex, globex_owner, "5555").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn pins_and_approvals_never_cross_businesses() {
    let app = spawn_app().await;
    let globex_owner = app.user_id(GLOBEX_OWNER).await;
    add_member(&app, app.globex, GLOBEX_CASHIER, "Gil Cashier", Role::Cashier).await;
    let globex_till = with_pin(&app, GLOBEX, GLOBEX_OWNER, "5555").await;
    let acme_till = with_pin(&app, ACME, ACME_OWNER, "1111").await;
    let acme_owner = app.user_id(ACME_OWNER).await;

    // Globex's owner, with the right PIN, is no one at acme's till.
    let unknown = switch(&app, ACME, &acme_till, globex_owner, "5555").await;
    let wrong = switch(&app, ACME, &acme_till, acme_owner, "0000").await;
    let nobody = switch(&app, ACME, &acme_till, Uuid::now_v7(), "5555").await;
    for res in [&unknown, &wrong, &nobody] {
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.body, wrong.body, "answered alike");
    }
    let res = approve(&app, ACME, &acme_till, globex_owner, "5555", "discount").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let people = app
        .post_form(ACME, "/api/auth/pin-people", &[], Some(&acme_till))
        .await;
    assert!(
        !people.body.contains(&globex_owner.to_string()),
        "{}",
        people.body
    );

    // Acme's token does nothing in globex.
    let acme_token = token(&app, ACME, &acme_till, acme_owner, "1111", "discount").await;
    let tea = product(&app, GLOBEX, &globex_till, "TEA-G").await;
    let gil = app.login(GLOBEX, GLOBEX_CASHIER, PASSWORD).await;
    let res = finalize(
        &app,
        GLOBEX,
        &gil,
        &sale("pin-cross-0001", &tea, 4, 500),
        Some(json!({ "token": acme_token })),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("no longer works"), "{}", res.body);
    let bills: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bills WHERE tenant_id = $1 AND status = 'finalized'")
            .bind(app.globex)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(bills, 0);
}

#[tokio::test]
async fn a_managers_pin_approves_one_discount_for_the_cashier_who_asked() {
    let app = spawn_app().await;
    let manager_id = add_member(&app, app.acme, ACME_MANAGER, "Mia Manager", Role::Manager).await;
    add_member(&app, app.acme, ACME_CASHIER_2, "Cora Cashier", Role::Cashier).await;
    let cashier_id = app.user_id(ACME_CASHIER).await;
    with_pin(&app, ACME, ACME_MANAGER, "2222").await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &owner, "TEA-1").await;
    let cashier = with_pin(&app, ACME, ACME_CASHIER, "3333").await;
    let other_cashier = app.login(ACME, ACME_CASHIER_2, PASSWORD).await;
    let discounted = sale("pin-approve-0001", &tea, 4, 500);

    // A cashier's own PIN approves nothing; nor does a bad action.
    let own = approve(&app, ACME, &cashier, cashier_id, "3333", "discount").await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert!(own.body.contains("may not approve"), "{}", own.body);
    let bad = approve(&app, ACME, &cashier, manager_id, "2222", "delete-everything").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    // A token for a refund does not approve a discount, nor one for someone else.
    let refund = token(&app, ACME, &cashier, manager_id, "2222", "refund").await;
    let res = finalize(
        &app,
        ACME,
        &cashier,
        &discounted,
        Some(json!({ "token": refund })),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong action: {}",
        res.body
    );
    let coras = token(&app, ACME, &other_cashier, manager_id, "2222", "discount").await;
    let res = finalize(&app, ACME, &cashier, &discounted, Some(json!({ "token": coras }))).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other requester: {}",
        res.body
    );

    // Expired.
    let expired = token(&app, ACME, &cashier, manager_id, "2222", "discount").await;
    sqlx::query("UPDATE pin_approvals SET expires_at = now() - interval '1 second' WHERE tenant_id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    let res = finalize(
        &app,
        ACME,
        &cashier,
        &discounted,
        Some(json!({ "token": expired })),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "expired: {}",
        res.body
    );

    // A sale that fails leaves the token unused; a right one uses it.
    let good = token(&app, ACME, &cashier, manager_id, "2222", "discount").await;
    let too_many = sale("pin-approve-0002", &tea, 40, 5000);
    let res = finalize(&app, ACME, &cashier, &too_many, Some(json!({ "token": good }))).await;
    assert!(!res.status.is_success(), "{}", res.body);
    let res = finalize(&app, ACME, &cashier, &discounted, Some(json!({ "token": good }))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let bill = res.json();
    assert_eq!(bill["total"], 500);
    let audit = audit_of(&app, app.acme, "bill.discount_approved").await;
    assert_eq!(audit.len(), 1);
    let after = audit[0].1.as_ref().unwrap();
    assert_eq!(after["approved_by"], json!(manager_id));
    assert_eq!(after["approver"], "Mia Manager");
    assert_eq!(after["cashier"], json!(cashier_id));

    // The same sale retried returns the first bill; the token never works again.
    let again = finalize(&app, ACME, &cashier, &discounted, Some(json!({ "token": good }))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], bill["id"]);
    let reuse = finalize(
        &app,
        ACME,
        &cashier,
        &sale("pin-approve-0003", &tea, 4, 500),
        Some(json!({ "token": good })),
    )
    .await;
    assert_eq!(
        reuse.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "used: {}",
        reuse.body
    );
    assert!(reuse.body.contains("no longer works"), "{}", reuse.body);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM pin_approvals")
        .fetch_all(&app.admin)
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.len() == 32), "only hashes are stored");

    // Email and password keep working.
    let res = finalize(
        &app,
        ACME,
        &cashier,
        &sale("pin-approve-0004", &tea, 4, 500),
        Some(json!({ "email": ACME_MANAGER, "password": PASSWORD })),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn a_cashier_refunds_only_with_a_managers_pin_approval() {
    let app = spawn_app().await;
    let manager_id = add_member(&app, app.acme, ACME_MANAGER, "Mia Manager", Role::Manager).await;
    with_pin(&app, ACME, ACME_MANAGER, "2222").await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &owner, "TEA-1").await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let sold = finalize(&app, ACME, &cashier, &sale("pin-refund-0001", &tea, 2, 0), None).await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    let bill_id = sold.json()["id"].as_str().unwrap().to_owned();
    let refund = |token: Option<String>| {
        let bill_id = bill_id.clone();
        let cashier = cashier.clone();
        let app = &app;
        async move {
            let mut form = vec![
                ("bill_id", bill_id),
                ("lines", "1:1".to_owned()),
                ("reason", "Broken".to_owned()),
                ("refund_method", "cash".to_owned()),
                // The goods go back to stock too (a cashier may not return
                // stock alone either).
                ("restock", "on".to_owned()),
            ];
            if let Some(t) = token {
                form.push(("approval_token", t));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(ACME, "/api/credit_notes/create", &form, Some(&cashier))
                .await
        }
    };

    let alone = refund(None).await;
    assert_eq!(alone.status, StatusCode::FORBIDDEN, "{}", alone.body);
    let discount_token = token(&app, ACME, &cashier, manager_id, "2222", "discount").await;
    let wrong_action = refund(Some(discount_token)).await;
    assert_eq!(
        wrong_action.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong_action.body
    );

    let refund_token = token(&app, ACME, &cashier, manager_id, "2222", "refund").await;
    let approved = refund(Some(refund_token.clone())).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["credit_notes"].as_array().unwrap().len(), 1);
    let audit = audit_of(&app, app.acme, "credit_note.created").await;
    assert_eq!(audit.len(), 1);
    let after = audit[0].1.as_ref().unwrap();
    assert_eq!(after["approved_by"], json!(manager_id));
    assert_eq!(after["approver"], "Mia Manager");
    assert_eq!(audit[0].0, Some(app.user_id(ACME_CASHIER).await));
    let on_hand: i64 = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = $1::uuid")
        .bind(&tea)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(on_hand, 9, "10 - 2 sold + 1 returned");

    let reused = refund(Some(refund_token)).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reused.body);
}

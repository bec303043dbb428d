//! The database as the last line: what holds even when a query in a tenant
//! transaction goes wrong on purpose (two tenants throughout).
use std::time::Duration;

use app::{
    domain::{
        billing::drafts,
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, Role},
    permissions::Actor,
};
use server::database::LOGIN_ROLE_READABLE_TABLES;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";

async fn owner(app: &TestApp, email: &str) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role: Role::Owner,
    }
}

fn is_permission_denied(error: &sqlx::Error) -> bool {
    error.as_database_error().and_then(|e| e.code()).as_deref() == Some("42501")
}

fn is_check_violation(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.code().as_deref() == Some("23514") && e.constraint() == Some(constraint))
}

#[tokio::test]
async fn reset_role_inside_a_tenant_transaction_reads_no_tenant_table() {
    let app = spawn_app().await;
    // A bill in globex to aim at.
    let globex_owner = owner(&app, GLOBEX_OWNER).await;
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let input = ProductInput {
        sku: "TARGET".into(),
        name: "Target".into(),
        sale_price: 100,
        ..Default::default()
    };
    catalog::create_product(&mut tx.acting(globex_owner), input, 3, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for table in [
        "bills",
        "products",
        "memberships",
        "audit_log",
        "tenants",
        "users",
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        sqlx::query("RESET ROLE").execute(tx.conn()).await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(app.globex.to_string())
            .execute(tx.conn())
            .await
            .unwrap();
        let err = sqlx::query(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(tx.conn())
            .await
            .unwrap_err();
        assert!(is_permission_denied(&err), "{table}: {err}");
    }

    // The login role, on a connection of its own, reads nothing either.
    let mut conn = PgConnection::connect_with(&app.tenant_login).await.unwrap();
    let readable: Vec<String> = sqlx::query_scalar(LOGIN_ROLE_READABLE_TABLES)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(readable.is_empty(), "the login role reads {readable:?} by itself");
}

#[tokio::test]
async fn no_tenant_transaction_reaches_the_session_store() {
    let app = spawn_app().await;
    // Sessions are still stored (through the owner pool): a log-in makes one.
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let me = app.me(ACME, Some(&cookie)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(stored >= 1);

    for tenant in [app.acme, app.globex] {
        for sql in [
            "SELECT count(*) FROM tower_sessions.session",
            "UPDATE tower_sessions.session SET expiry_date = now() + interval '1 year'",
            "DELETE FROM tower_sessions.session",
        ] {
            let mut tx = app.db.tenant_tx(tenant).await.unwrap();
            let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
            assert!(is_permission_denied(&err), "{sql}: {err}");
            drop(tx);
            let mut tx = app.db.tenant_tx(tenant).await.unwrap();
            sqlx::query("RESET ROLE").execute(tx.conn()).await.unwrap();
            let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
            assert!(is_permission_denied(&err), "after RESET ROLE, {sql}: {err}");
        }
    }
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(still, stored);
}

#[tokio::test]
async fn a_tenant_transaction_cannot_rename_people() {
    let app = spawn_app().await;
    for (tenant, email) in [(app.acme, ACME_OWNER), (app.globex, GLOBEX_OWNER)] {
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let err = sqlx::query("UPDATE users SET display_name = 'Mallory' WHERE email = $1")
            .bind(email)
            .execute(tx.conn())
            .await
            .unwrap_err();
        assert!(is_permission_denied(&err), "{err}");
    }
    let renamed: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE display_name = 'Mallory'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(renamed, 0);
}

/// A parked draft of 2 × 2.50 in acme, ready to be finalized by hand.
async fn draft(app: &TestApp, sku: &str) -> Uuid {
    let acme_owner = owner(app, ACME_OWNER).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(acme_owner);
    let input = ProductInput {
        sku: sku.into(),
        name: "Tea".into(),
        sale_price: 250,
        ..Default::default()
    };
    let tea = catalog::create_product(&mut cx, input, 10, &Reference::none())
        .await
        .unwrap();
    let line = CartLine {
        product_id: tea.id,
        quantity: 2,
        line_discount: 0,
    };
    let id = drafts::park_sale(&mut cx, &[line], 0, None).await.unwrap();
    tx.commit().await.unwrap();
    id
}

const FINALIZE_BY_HAND: &str = "UPDATE bills SET status = 'finalized', number = $2, finalized_at = now(), \
     paid = total WHERE id = $1";
const NEXT_NUMBER: &str = "INSERT INTO tenant_counters (tenant_id, name, last_value) \
     VALUES (NULLIF(current_setting('app.tenant_id', true), '')::uuid, 'bill', 1) \
     ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
     RETURNING last_value";
const PAY_IN_CASH: &str = "INSERT INTO payments (tenant_id, bill_id, seq, method, amount, tendered, change) \
     SELECT tenant_id, id, 1, 'cash', total, total, 0 FROM bills WHERE id = $1";

#[tokio::test]
async fn a_raw_update_cannot_finalize_a_bill_that_does_not_add_up() {
    let app = spawn_app().await;
    let id = draft(&app, "TEA").await;

    // Unpaid, with the counter's next number: refused.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let number: i64 = sqlx::query_scalar(NEXT_NUMBER)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let err = sqlx::query(FINALIZE_BY_HAND)
        .bind(id)
        .bind(number)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(is_check_violation(&err, "bills_finalized_add_up"), "{err}");
    drop(tx);

    // Paid, but a number the counter never reached: refused.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query(PAY_IN_CASH)
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    let err = sqlx::query(FINALIZE_BY_HAND)
        .bind(id)
        .bind(42_i64)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(
        is_check_violation(&err, "bills_finalized_take_next_number"),
        "{err}"
    );
    drop(tx);

    // Paid, numbered, but a total that is not the sum of its lines: refused.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query("UPDATE bills SET total = 1, net = 1, tax = 0 WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    sqlx::query(PAY_IN_CASH)
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    let number: i64 = sqlx::query_scalar(NEXT_NUMBER)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let err = sqlx::query(FINALIZE_BY_HAND)
        .bind(id)
        .bind(number)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(is_check_violation(&err, "bills_finalized_add_up"), "{err}");
    drop(tx);

    // Whole, paid and with the next number: that is a finalization.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query(PAY_IN_CASH)
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    let number: i64 = sqlx::query_scalar(NEXT_NUMBER)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    sqlx::query(FINALIZE_BY_HAND)
        .bind(id)
        .bind(number)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (status, numbered): (String, i64) = sqlx::query_as("SELECT status, number FROM bills WHERE id = $1")
        .bind(id)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!((status.as_str(), numbered), ("finalized", 1));

    // Globex cannot finalize acme's draft at all (it does not see it).
    let other = draft(&app, "COFFEE").await;
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let touched = sqlx::query(FINALIZE_BY_HAND)
        .bind(other)
        .bind(1_i64)
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(touched, 0);
}

#[tokio::test]
async fn a_number_counter_only_moves_up_by_one() {
    let app = spawn_app().await;
    for tenant in [app.acme, app.globex] {
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let err = sqlx::query(
            "INSERT INTO tenant_counters (tenant_id, name, last_value) \
             VALUES (NULLIF(current_setting('app.tenant_id', true), '')::uuid, 'bill', 500)",
        )
        .execute(tx.conn())
        .await
        .unwrap_err();
        assert!(is_check_violation(&err, "tenant_counters_step_by_one"), "{err}");
        drop(tx);
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let first: i64 = sqlx::query_scalar(NEXT_NUMBER)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        let second: i64 = sqlx::query_scalar(NEXT_NUMBER)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!((first, second), (1, 2));
        for sql in [
            "UPDATE tenant_counters SET last_value = 1",
            "UPDATE tenant_counters SET last_value = last_value + 2",
            "UPDATE tenant_counters SET last_value = last_value, name = 'credit_note'",
        ] {
            sqlx::query("SAVEPOINT attempt").execute(tx.conn()).await.unwrap();
            let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
            assert!(
                is_check_violation(&err, "tenant_counters_step_by_one"),
                "{sql}: {err}"
            );
            sqlx::query("ROLLBACK TO SAVEPOINT attempt")
                .execute(tx.conn())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    // Each tenant's counter moved by its own two steps only.
    let values: Vec<i64> =
        sqlx::query_scalar("SELECT last_value FROM tenant_counters WHERE name = 'bill' ORDER BY tenant_id")
            .fetch_all(&app.admin)
            .await
            .unwrap();
    assert_eq!(values, vec![2, 2]);
}

#[tokio::test]
async fn a_slow_statement_in_tenant_work_is_cancelled() {
    let app = spawn_app().await;
    let db = app.db.clone().with_statement_timeout(Duration::from_millis(200));
    for tenant in [app.acme, app.globex] {
        let mut tx = db.tenant_tx(tenant).await.unwrap();
        let err = sqlx::query("SELECT pg_sleep(5)")
            .execute(tx.conn())
            .await
            .unwrap_err();
        assert_eq!(
            err.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("57014"),
            "{err}"
        );
    }
    // Streams and exports are not bounded by it.
    let mut tx = db.tenant_tx_unbounded(app.acme).await.unwrap();
    sqlx::query("SELECT pg_sleep(0.4)")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn every_audit_row_written_over_http_has_its_actor_and_request_id() {
    let app = spawn_app().await;
    let acme_cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let globex_cookie = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    for (host, cookie) in [(ACME, &acme_cookie), ("globex.localhost", &globex_cookie)] {
        let res = app
            .post_form(host, "/api/categories/save", &[("name", "Teas")], Some(cookie))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let res = app
            .post_form(
                host,
                "/api/profile/rename",
                &[("display_name", "  Renamed Owner ")],
                Some(cookie),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.json(), "Renamed Owner");
    }
    let missing: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.slug, a.action FROM audit_log a JOIN tenants t ON t.id = a.tenant_id \
         WHERE a.action IN ('category.saved', 'profile.renamed') \
           AND (a.request_id IS NULL OR a.actor_user_id IS NULL)",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert!(
        missing.is_empty(),
        "audit rows without request id or actor: {missing:?}"
    );
    let written: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT (tenant_id, action)) FROM audit_log \
         WHERE action IN ('category.saved', 'profile.renamed')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(written, 4, "both actions audited in both tenants");
    // A rename changes only the person signed in, and their name everywhere.
    let names: Vec<String> =
        sqlx::query_scalar("SELECT display_name FROM users WHERE email IN ($1, $2) ORDER BY email")
            .bind(ACME_OWNER)
            .bind(GLOBEX_OWNER)
            .fetch_all(&app.admin)
            .await
            .unwrap();
    assert_eq!(names, vec!["Renamed Owner", "Renamed Owner"]);
    let cashier: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE email = 'cashier@acme.test'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(cashier, "Cal Cashier");
    // Signed out, nobody is renamed.
    let res = app
        .post_form(ACME, "/api/profile/rename", &[("display_name", "Mallory")], None)
        .await;
    assert_eq!(res.status, 401, "{}", res.body);
    let blank = app
        .post_form(
            ACME,
            "/api/profile/rename",
            &[("display_name", "   ")],
            Some(&acme_cookie),
        )
        .await;
    assert_eq!(blank.status, 422, "{}", blank.body);
}

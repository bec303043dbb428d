//! A connection never goes back into the pool carrying a tenant or a role.
use sqlx::{Executor, Row};

use crate::helpers::{spawn_app_with_pool_size, wait_until};

#[tokio::test]
async fn cancelled_tenant_transaction_leaves_no_tainted_connection() {
    let app = spawn_app_with_pool_size(1).await;
    let db = app.db.clone();
    let acme = app.acme;
    let task = tokio::spawn(async move {
        let mut tx = db.tenant_tx(acme).await.unwrap();
        // A slow statement in the middle of the transaction...
        sqlx::query("SELECT pg_sleep(2)")
            .execute(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    // Once the statement is running on the server...
    let admin = app.admin.clone();
    wait_until("the slow statement to run", || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity \
             WHERE datname = current_database() AND state = 'active' AND query = 'SELECT pg_sleep(2)')",
        )
        .fetch_one(&admin)
        .await
        .unwrap()
    })
    .await;
    // ...the request goes away (client gone, timeout).
    task.abort();
    let _ = task.await;

    // The next user of the pool's only connection finds it clean.
    for _ in 0..3 {
        let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
        let seen: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
            .fetch_all(tx.conn())
            .await
            .unwrap();
        assert_eq!(seen, vec![crate::helpers::GLOBEX_OWNER]);
        tx.commit().await.unwrap();
    }
    // Simple protocol (no arguments), so now() and statement_timestamp() agree
    // outside a transaction block.
    let row = app
        .db
        .login_pool()
        .fetch_one("SELECT current_user::text, coalesce(current_setting('app.tenant_id', true), ''), now() <> statement_timestamp()")
        .await
        .unwrap();
    let (user, tenant, in_block): (String, String, bool) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(user, "shopfloor_app");
    assert_eq!(tenant, "");
    assert!(!in_block);
}

#[tokio::test]
async fn connection_left_with_session_state_is_discarded() {
    let app = spawn_app_with_pool_size(1).await;
    let pool = app.db.login_pool().clone();
    let tainted_pid: i32 = {
        let mut conn = pool.acquire().await.unwrap();
        // The classic leak: a plain SET outlives the request.
        sqlx::query("SET app.tenant_id = '00000000-0000-0000-0000-000000000001'")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("SET ROLE shopfloor_tenant")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    // The pool's release task checks the connection and closes it.
    let admin = app.admin.clone();
    wait_until("the tainted connection to be closed", || async {
        !sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)")
            .bind(tainted_pid)
            .fetch_one(&admin)
            .await
            .unwrap()
    })
    .await;
    let (pid, user, tenant): (i32, String, String) = sqlx::query_as(
        "SELECT pg_backend_pid(), current_user::text, coalesce(current_setting('app.tenant_id', true), '')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_ne!(pid, tainted_pid, "the tainted connection was reused");
    assert_eq!(user, "shopfloor_app");
    assert_eq!(tenant, "");
}

#[tokio::test]
async fn each_test_database_is_dropped_when_its_test_ends() {
    let first = spawn_app_with_pool_size(1).await;
    let name = first.database_name().to_owned();
    let second = spawn_app_with_pool_size(1).await;
    let exists = |name: String| {
        let admin = second.admin.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&admin)
                .await
                .unwrap()
        }
    };
    assert!(exists(name.clone()).await);
    drop(first);
    assert!(!exists(name).await, "the first test's database outlived it");
}

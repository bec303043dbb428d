//! Row-level security through `TenantTx`, with two tenants.
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with_pool_size, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER};

async fn emails_seen(app: &crate::helpers::TestApp, tenant: Uuid) -> Vec<String> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    // No WHERE clause on purpose: row-level security is the filter.
    let mut emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    emails.sort();
    emails
}

#[tokio::test]
async fn select_without_where_sees_only_own_rows() {
    let app = spawn_app().await;
    assert_eq!(emails_seen(&app, app.acme).await, vec![ACME_CASHIER, ACME_OWNER]);
    assert_eq!(emails_seen(&app, app.globex).await, vec![GLOBEX_OWNER]);

    for (tenant, other) in [(app.acme, app.globex), (app.globex, app.acme)] {
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tenants")
            .fetch_all(tx.conn())
            .await
            .unwrap();
        assert_eq!(tenants, vec![tenant]);
        let foreign: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM memberships WHERE tenant_id = $1) + (SELECT count(*) FROM audit_log WHERE tenant_id = $1)",
        )
        .bind(other)
        .fetch_one(tx.conn())
        .await
        .unwrap();
        assert_eq!(foreign, 0);
        let own: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert!(own >= 1);
    }
}

#[tokio::test]
async fn insert_with_another_tenants_id_is_refused() {
    let app = spawn_app().await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err =
        sqlx::query("INSERT INTO audit_log (tenant_id, id, action, entity) VALUES ($1, $2, 'forged', 'x')")
            .bind(app.globex)
            .bind(Uuid::now_v7())
            .execute(tx.conn())
            .await
            .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    let forged: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'forged'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(forged, 0);
}

#[tokio::test]
async fn update_and_delete_of_another_tenants_rows_touch_nothing() {
    let app = spawn_app().await;
    // A hand-off token in globex to aim at.
    let globex_owner = app.user_id(GLOBEX_OWNER).await;
    app::domain::accounts::issue_handoff(&app.db, globex_owner, "globex")
        .await
        .unwrap();

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let updated = sqlx::query("UPDATE memberships SET is_active = false WHERE tenant_id = $1")
        .bind(app.globex)
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    let updated = sqlx::query("UPDATE memberships SET is_active = false")
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 2, "only acme's two memberships are reachable");
    let deleted = sqlx::query("DELETE FROM handoff_tokens")
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(deleted, 0);
    let moved = sqlx::query("UPDATE tenants SET name = 'Hijacked' WHERE id = $1")
        .bind(app.globex)
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(moved, 0);
    tx.rollback().await.unwrap();

    let (tokens, active, name): (i64, i64, String) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM handoff_tokens), \
                (SELECT count(*) FROM memberships WHERE tenant_id = $1 AND is_active), \
                (SELECT name FROM tenants WHERE id = $1)",
    )
    .bind(app.globex)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!((tokens, active, name.as_str()), (1, 1, "Globex Market"));
}

#[tokio::test]
async fn no_tenant_set_sees_nothing_and_writes_nothing() {
    let app = spawn_app().await;
    let mut conn = PgConnection::connect_with(&app.tenant_login).await.unwrap();
    // The login role by itself is refused outright (it inherits nothing) ...
    let err = sqlx::query("SELECT count(*) FROM memberships")
        .fetch_one(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    // ... and as the tenant role with no tenant set it sees nothing.
    sqlx::query("SET ROLE shopfloor_tenant")
        .execute(&mut conn)
        .await
        .unwrap();
    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users), \
                (SELECT count(*) FROM memberships), (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(counts, (0, 0, 0, 0));
    // An emptied setting (what a connection that had one shows) also means none.
    sqlx::query("SELECT set_config('app.tenant_id', '', false)")
        .execute(&mut conn)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let err = sqlx::query("INSERT INTO audit_log (tenant_id, id, action, entity) VALUES ($1, $2, 'x', 'x')")
        .bind(app.acme)
        .bind(Uuid::now_v7())
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    // The password hash is never readable by the tenant role.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query("SELECT password_hash FROM users")
        .fetch_all(tx.conn())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn alternating_tenants_on_one_connection_never_shows_the_previous_tenant() {
    let app = spawn_app_with_pool_size(1).await;
    let pid_of = |rows: &Vec<(i32, String)>| rows.first().map(|r| r.0);
    let mut pids = std::collections::HashSet::new();
    for round in 0..60 {
        let (tenant, expected) = if round % 2 == 0 {
            (app.acme, vec![ACME_CASHIER, ACME_OWNER])
        } else {
            (app.globex, vec![GLOBEX_OWNER])
        };
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let rows: Vec<(i32, String)> =
            sqlx::query_as("SELECT pg_backend_pid(), email FROM users ORDER BY email")
                .fetch_all(tx.conn())
                .await
                .unwrap();
        if round % 3 == 0 {
            tx.rollback().await.unwrap();
        } else {
            tx.commit().await.unwrap();
        }
        pids.insert(pid_of(&rows));
        let emails: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(emails, expected, "round {round}");
    }
    assert_eq!(pids.len(), 1, "one pooled connection served every round");
}

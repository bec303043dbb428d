//! The schema itself keeps tenants apart: a table that slips through fails here.
use crate::helpers::spawn_app;
use sqlx::PgPool;

/// Every way a tenant table can escape isolation, as readable findings.
async fn isolation_findings(admin: &PgPool) -> Vec<String> {
    let mut findings: Vec<String> = sqlx::query_scalar(
        r#"
        WITH tenant_tables AS (
            SELECT c.oid, n.nspname || '.' || c.relname AS name, c.relrowsecurity, c.relforcerowsecurity
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        )
        SELECT name || ': row-level security not enabled' FROM tenant_tables WHERE NOT relrowsecurity
        UNION ALL
        SELECT name || ': row-level security not forced' FROM tenant_tables WHERE NOT relforcerowsecurity
        UNION ALL
        SELECT t.name || ': no policy with both USING and WITH CHECK' FROM tenant_tables t
        WHERE NOT EXISTS (
            SELECT 1 FROM pg_policy p
            WHERE p.polrelid = t.oid AND p.polqual IS NOT NULL AND p.polwithcheck IS NOT NULL
              AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app.tenant_id%'
              AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app.tenant_id%')
        UNION ALL
        SELECT t.name || ': a permissive policy without a tenant check' FROM tenant_tables t
        JOIN pg_policy p ON p.polrelid = t.oid
        WHERE p.polpermissive AND (pg_get_expr(p.polqual, p.polrelid) NOT LIKE '%app.tenant_id%'
                                   OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') NOT LIKE '%app.tenant_id%')
        UNION ALL
        SELECT n.nspname || '.' || c.relname || ': TRUNCATE granted to the tenant role'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND has_table_privilege('shopfloor_tenant', c.oid, 'TRUNCATE')
        UNION ALL
        SELECT n.nspname || '.' || c.relname || ': view without security_invoker'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
        UNION ALL
        SELECT p.proname || ': SECURITY DEFINER without a pinned search_path or executable by PUBLIC'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND (NOT coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%'), false)
               OR has_function_privilege('public', p.oid, 'EXECUTE'))
        UNION ALL
        SELECT p.proname || ': SECURITY DEFINER search_path does not start with pg_catalog'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=pg_catalog%'), false)
        UNION ALL
        SELECT r.rolname || ': a login role that inherits the tenant role''s grants'
        FROM pg_roles r
        WHERE r.rolcanlogin AND r.rolinherit AND NOT r.rolsuper AND NOT r.rolbypassrls
          AND pg_has_role(r.oid, 'shopfloor_tenant', 'MEMBER')
        "#,
    )
    .fetch_all(admin)
    .await
    .expect("catalog query");

    let role_findings: Vec<String> = sqlx::query_scalar(
        r#"
        SELECT r.rolname || ': superuser' FROM pg_roles r WHERE r.rolname IN ('shopfloor_tenant', 'shopfloor_app') AND r.rolsuper
        UNION ALL
        SELECT r.rolname || ': BYPASSRLS' FROM pg_roles r WHERE r.rolname IN ('shopfloor_tenant', 'shopfloor_app') AND r.rolbypassrls
        UNION ALL
        SELECT r.rolname || ': owns ' || c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
        WHERE r.rolname IN ('shopfloor_tenant', 'shopfloor_app')
        "#,
    )
    .fetch_all(admin)
    .await
    .expect("role query");
    findings.extend(role_findings);
    findings
}

/// What the tenant role may do to tables without `tenant_id` (shared rows), as
/// `schema.table: PRIVILEGE` and `schema.table.column: PRIVILEGE`.
async fn shared_table_privileges(admin: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        r#"
        WITH shared AS (
            SELECT c.oid, n.nspname || '.' || c.relname AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                              WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ), table_privs(p) AS (
            VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')
        ), column_privs(p) AS (
            VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('REFERENCES')
        )
        SELECT s.name || ': ' || t.p FROM shared s, table_privs t
        WHERE has_table_privilege('shopfloor_tenant', s.oid, t.p)
        UNION ALL
        SELECT s.name || '.' || a.attname || ': ' || c.p
        FROM shared s JOIN pg_attribute a ON a.attrelid = s.oid AND a.attnum > 0 AND NOT a.attisdropped,
             column_privs c
        WHERE has_column_privilege('shopfloor_tenant', s.oid, a.attnum, c.p)
          AND NOT has_table_privilege('shopfloor_tenant', s.oid, c.p)
        ORDER BY 1
        "#,
    )
    .fetch_all(admin)
    .await
    .expect("privilege query")
}

/// Everything a tenant transaction may do to shared rows: read its own tenant
/// row and change its settings, read the name, email and session epoch of its
/// own members (the member check compares the epoch). Nothing on sessions,
/// throttling, password resets, the platform audit or anyone's password.
const SHARED_TABLE_ALLOW_LIST: &[&str] = &[
    "public.tenants.books_lock_date: UPDATE",
    "public.tenants.business_type: UPDATE",
    "public.tenants.cashier_discount_limit_bp: UPDATE",
    "public.tenants.currency: UPDATE",
    "public.tenants.default_tax_rate_id: UPDATE",
    "public.tenants.name: UPDATE",
    "public.tenants.receipt_footer: UPDATE",
    "public.tenants.receipt_header: UPDATE",
    "public.tenants.receipt_paper: UPDATE",
    "public.tenants.tax_mode: UPDATE",
    "public.tenants.timezone: UPDATE",
    "public.tenants: SELECT",
    "public.users.created_at: SELECT",
    "public.users.display_name: SELECT",
    "public.users.email: SELECT",
    "public.users.id: SELECT",
    "public.users.session_epoch: SELECT",
];

#[tokio::test]
async fn the_tenant_role_touches_shared_rows_only_as_allowed() {
    let app = spawn_app().await;
    let mut granted = shared_table_privileges(&app.admin).await;
    granted.sort();
    let mut allowed: Vec<String> = SHARED_TABLE_ALLOW_LIST.iter().map(|s| s.to_string()).collect();
    allowed.sort();
    assert_eq!(granted, allowed);

    // The check notices a new right on a shared table.
    sqlx::query("GRANT SELECT ON tower_sessions.session TO shopfloor_tenant")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("GRANT UPDATE (display_name) ON users TO shopfloor_tenant")
        .execute(&app.admin)
        .await
        .unwrap();
    let granted = shared_table_privileges(&app.admin).await;
    assert!(
        granted.contains(&"tower_sessions.session: SELECT".to_string()),
        "{granted:#?}"
    );
    assert!(
        granted.contains(&"public.users.display_name: UPDATE".to_string()),
        "{granted:#?}"
    );
}

#[tokio::test]
async fn every_tenant_table_has_forced_rls_with_checked_policies() {
    let app = spawn_app().await;
    let findings = isolation_findings(&app.admin).await;
    assert!(findings.is_empty(), "isolation holes: {findings:#?}");

    // The catalog really has tenant tables to inspect.
    let tenant_tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = 'public'",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert!(
        tenant_tables >= 3,
        "expected tenant tables, found {tenant_tables}"
    );
}

#[tokio::test]
async fn catalog_check_catches_a_table_that_slips_through() {
    let app = spawn_app().await;
    sqlx::query("CREATE TABLE leaky (tenant_id uuid NOT NULL, secret text)")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE half_done (tenant_id uuid NOT NULL)")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE half_done ENABLE ROW LEVEL SECURITY")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("CREATE POLICY read_only ON half_done USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("CREATE VIEW leaky_view AS SELECT * FROM leaky")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query("GRANT TRUNCATE ON leaky TO shopfloor_tenant")
        .execute(&app.admin)
        .await
        .unwrap();
    sqlx::query(
        "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql SECURITY DEFINER \
         SET search_path = public, pg_catalog AS 'SELECT 1'",
    )
    .execute(&app.admin)
    .await
    .unwrap();
    sqlx::query("REVOKE EXECUTE ON FUNCTION sneaky() FROM PUBLIC")
        .execute(&app.admin)
        .await
        .unwrap();

    let findings = isolation_findings(&app.admin).await;
    let has = |s: &str| findings.iter().any(|f| f == s);
    assert!(
        has("public.leaky: row-level security not enabled"),
        "{findings:#?}"
    );
    assert!(
        has("public.leaky: row-level security not forced"),
        "{findings:#?}"
    );
    assert!(
        has("public.half_done: row-level security not forced"),
        "{findings:#?}"
    );
    assert!(
        has("public.half_done: no policy with both USING and WITH CHECK"),
        "{findings:#?}"
    );
    assert!(
        has("public.leaky_view: view without security_invoker"),
        "{findings:#?}"
    );
    assert!(
        has("public.leaky: TRUNCATE granted to the tenant role"),
        "{findings:#?}"
    );
    assert!(
        has("sneaky: SECURITY DEFINER search_path does not start with pg_catalog"),
        "{findings:#?}"
    );
}

#[tokio::test]
async fn tenant_role_cannot_bypass_rls_and_owns_nothing() {
    let app = spawn_app().await;
    let (sup, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'shopfloor_tenant'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert!(!sup && !bypass);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'shopfloor_tenant')",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(owned, 0);

    // And the tenant transaction really runs as that role.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let (user, sup, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(user, "shopfloor_tenant");
    assert!(!sup && !bypass);
}

#[tokio::test]
async fn audit_log_is_append_only_for_everyone() {
    let app = spawn_app().await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query("DELETE FROM audit_log")
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    // Even the owner is refused by the trigger.
    let err = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(&app.admin)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM audit_log")
        .execute(&app.admin)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("TRUNCATE audit_log CASCADE")
        .execute(&app.admin)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(rows >= 3, "sign-ups and the member were audited");
}

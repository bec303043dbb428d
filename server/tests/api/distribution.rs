//! The schema stays ready to be spread over several database nodes by tenant
//! (Citus, with `tenant_id` as the distribution column; docs/scaling.md): every
//! key of a tenant table includes `tenant_id`, and every foreign key either
//! stays inside one tenant or points at a table every node would hold a copy of.
use sqlx::PgPool;

use crate::helpers::spawn_app;

/// Shared tables a distributed cluster would replicate to every node
/// ("reference tables"); tenant rows may point at them.
const REFERENCE_TABLES: &[&str] = &["tenants", "users"];

/// Every way a tenant table's keys would stop it being distributed by tenant:
/// a primary key, unique constraint, exclusion constraint or unique index
/// without `tenant_id`, or a foreign key that leaves the tenant.
async fn distribution_findings(admin: &PgPool) -> Vec<String> {
    let keys: Vec<String> = sqlx::query_scalar(
        r#"
        WITH tenant_tables AS (
            SELECT c.oid, c.relname, a.attnum AS tenant_col
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        )
        -- Keys (constraints) without tenant_id.
        SELECT t.relname || ': ' || con.conname || ' (' || pg_get_constraintdef(con.oid) || ')'
        FROM tenant_tables t
        JOIN pg_constraint con ON con.conrelid = t.oid
        WHERE con.contype IN ('p', 'u', 'x') AND NOT t.tenant_col = ANY (con.conkey)
        UNION ALL
        -- Unique indexes that are no constraint, without tenant_id as a key column.
        SELECT t.relname || ': ' || i.relname || ' (' || pg_get_indexdef(x.indexrelid) || ')'
        FROM tenant_tables t
        JOIN pg_index x ON x.indrelid = t.oid AND x.indisunique
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
          AND NOT t.tenant_col = ANY (x.indkey::int2[])
        UNION ALL
        -- Foreign keys to another tenant table must carry tenant_id to tenant_id.
        SELECT t.relname || ': ' || con.conname || ' (' || pg_get_constraintdef(con.oid) || ')'
        FROM tenant_tables t
        JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f'
        JOIN pg_class r ON r.oid = con.confrelid
        WHERE NOT r.relname = ANY ($1)
          AND NOT EXISTS (
              SELECT 1
              FROM unnest(con.conkey, con.confkey) AS k(from_col, to_col)
              JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.to_col
              WHERE k.from_col = t.tenant_col AND ra.attname = 'tenant_id'
          )
        ORDER BY 1
        "#,
    )
    .bind(REFERENCE_TABLES)
    .fetch_all(admin)
    .await
    .expect("catalog query");
    keys
}

#[tokio::test]
async fn every_key_of_a_tenant_table_includes_tenant_id() {
    let app = spawn_app().await;
    let findings = distribution_findings(&app.admin).await;
    assert!(findings.is_empty(), "not distributable by tenant: {findings:#?}");

    // The check notices each kind of slip (in this test's own database).
    for slip in [
        "CREATE TABLE slip_pk (tenant_id uuid NOT NULL, id uuid PRIMARY KEY)",
        "CREATE TABLE slip_unique (tenant_id uuid NOT NULL, code text, \
         CONSTRAINT slip_unique_code UNIQUE (code))",
        "CREATE UNIQUE INDEX slip_index ON products (lower(name))",
        "CREATE TABLE slip_fk (tenant_id uuid NOT NULL, product_id uuid, \
         code text, PRIMARY KEY (tenant_id, code), \
         CONSTRAINT slip_fk_product FOREIGN KEY (tenant_id, product_id) \
         REFERENCES products (tenant_id, id))",
        "ALTER TABLE slip_fk ADD CONSTRAINT slip_fk_cross FOREIGN KEY (product_id, tenant_id) \
         REFERENCES products (tenant_id, id)",
    ] {
        sqlx::query(slip).execute(&app.admin).await.expect(slip);
    }
    let found = distribution_findings(&app.admin).await;
    let named = |name: &str| found.iter().any(|f| f.contains(name));
    assert!(named("slip_pk_pkey"), "{found:#?}");
    assert!(named("slip_unique_code"), "{found:#?}");
    assert!(named("slip_index"), "{found:#?}");
    assert!(
        named("slip_fk_cross"),
        "tenant_id pointing at id is a slip: {found:#?}"
    );
    assert!(
        !named("slip_fk_product"),
        "a tenant-to-tenant key is fine: {found:#?}"
    );
}

//! Everything a business holds, for its owner to take away: every tenant table
//! (found in the catalog, so a table added later is exported without anyone
//! remembering to), including archived rows and the audit log, as JSON lines.
//! It runs in the tenant's own transaction, so row-level security guarantees
//! no other tenant's row can appear. Token, password and PIN hashes are left out: they are
//! secrets of the sign-in machinery, not business data.
use crate::{permissions::Permission, tenancy::TenantCtx};

use super::OrgError;

/// The columns never exported.
const SECRET_COLUMNS: &[&str] = &["token_hash", "password_hash", "pin_hash"];

/// One part of the export: a name and the query that yields its rows as JSON.
#[derive(Debug, Clone)]
pub struct ExportPart {
    pub table: String,
    pub sql: String,
}

/// The parts in a stable order: the business itself, its members' accounts,
/// then every table with a `tenant_id` column, alphabetically.
pub async fn parts(tx: &mut TenantCtx<'_>) -> Result<Vec<ExportPart>, OrgError> {
    tx.require(Permission::ExportTenant)?;
    let strip: String = SECRET_COLUMNS.iter().map(|c| format!(" - '{c}'")).collect();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, quote_ident(c.relname) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
    )
    .fetch_all(tx.conn())
    .await?;
    let mut parts = vec![
        ExportPart {
            table: "tenants".into(),
            sql: "SELECT to_jsonb(t) FROM tenants t".into(),
        },
        ExportPart {
            table: "users".into(),
            sql: "SELECT jsonb_build_object('id', id, 'email', email, 'display_name', display_name, \
                  'created_at', created_at) FROM users ORDER BY id"
                .into(),
        },
    ];
    parts.extend(tables.into_iter().map(|(table, quoted)| ExportPart {
        sql: format!("SELECT to_jsonb(r){strip} FROM public.{quoted} r"),
        table,
    }));
    Ok(parts)
}

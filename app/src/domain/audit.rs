//! The append-only audit log: one row per change, written in the same
//! transaction as the change.
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::tenancy::TenantTx;

/// What happened, to what, by whom.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(actor: Option<Uuid>, action: &'a str, entity: &'a str) -> Self {
        AuditEntry {
            actor,
            action,
            entity,
            entity_id: None,
            before: None,
            after: None,
            request_id: None,
        }
    }

    pub fn entity_id(mut self, id: impl ToString) -> Self {
        self.entity_id = Some(id.to_string());
        self
    }

    pub fn before(mut self, before: Value) -> Self {
        self.before = Some(before);
        self
    }

    pub fn after(mut self, after: Value) -> Self {
        self.after = Some(after);
        self
    }

    pub fn request_id(mut self, request_id: Option<&'a str>) -> Self {
        self.request_id = request_id;
        self
    }
}

pub async fn record(tx: &mut TenantTx, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    let tenant_id = tx.tenant_id();
    insert(tx.conn(), tenant_id, entry).await
}

async fn insert(conn: &mut PgConnection, tenant_id: Uuid, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_user_id, action, entity, entity_id, before, after, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant_id)
    .bind(Uuid::now_v7())
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(entry.before)
    .bind(entry.after)
    .bind(entry.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

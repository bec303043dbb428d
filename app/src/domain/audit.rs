//! The append-only audit log: one row per change, written in the same
//! transaction as the change.
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::tenancy::{TenantCtx, TenantTx};

/// What happened, to what. Who did it and in which request come from the
/// tenant context ([`record`]).
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(action: &'a str, entity: &'a str) -> Self {
        AuditEntry {
            action,
            entity,
            entity_id: None,
            before: None,
            after: None,
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
}

/// Records `entry` as done by the context's actor in the context's request.
pub async fn record(cx: &mut TenantCtx<'_>, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    let tenant_id = cx.tenant_id();
    let actor = Some(cx.actor().user_id);
    let request_id = cx.request_id().map(str::to_owned);
    insert(cx.conn(), tenant_id, actor, request_id.as_deref(), entry).await
}

/// Records several entries in one statement (one round trip), in order.
pub async fn record_all(cx: &mut TenantCtx<'_>, entries: Vec<AuditEntry<'_>>) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let tenant_id = cx.tenant_id();
    let actor = cx.actor().user_id;
    let request_id = cx.request_id().map(str::to_owned);
    let n = entries.len();
    let (mut ids, mut actions, mut entities, mut entity_ids, mut befores, mut afters) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for entry in entries {
        ids.push(Uuid::now_v7());
        actions.push(entry.action);
        entities.push(entry.entity);
        entity_ids.push(entry.entity_id);
        befores.push(entry.before);
        afters.push(entry.after);
    }
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_user_id, action, entity, entity_id, before, after, request_id) \
         SELECT $1, a.id, $2, a.action, a.entity, a.entity_id, a.before, a.after, $3 \
         FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[]) \
           AS a(id, action, entity, entity_id, before, after)",
    )
    .bind(tenant_id)
    .bind(actor)
    .bind(request_id)
    .bind(ids)
    .bind(actions)
    .bind(entities)
    .bind(entity_ids)
    .bind(befores)
    .bind(afters)
    .execute(cx.conn())
    .await?;
    Ok(())
}

/// For the sign-in paths, before any member context exists: the person who
/// just proved who they are (or nobody, for seeding) is the actor.
pub async fn record_as(
    tx: &mut TenantTx,
    actor: Option<Uuid>,
    request_id: Option<&str>,
    entry: AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    let tenant_id = tx.tenant_id();
    insert(tx.conn(), tenant_id, actor, request_id, entry).await
}

async fn insert(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    actor: Option<Uuid>,
    request_id: Option<&str>,
    entry: AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_user_id, action, entity, entity_id, before, after, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant_id)
    .bind(Uuid::now_v7())
    .bind(actor)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(entry.before)
    .bind(entry.after)
    .bind(request_id)
    .execute(conn)
    .await?;
    Ok(())
}

//! Counts for the dashboard, read from the tenant's own tables. The queries have
//! no tenant filter on purpose: row-level security supplies it.
use crate::{
    model::{AuditEntryView, DashboardCounts},
    tenancy::TenantTx,
};

pub async fn counts(tx: &mut TenantTx) -> Result<DashboardCounts, sqlx::Error> {
    let (members, owners): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE role = 'owner') FROM memberships WHERE is_active",
    )
    .fetch_one(tx.conn())
    .await?;
    let audit_events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(tx.conn())
        .await?;
    let recent: Vec<(String, Option<String>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT a.action, u.email, a.created_at FROM audit_log a \
         LEFT JOIN users u ON u.id = a.actor_user_id \
         ORDER BY a.created_at DESC, a.id DESC LIMIT 8",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(DashboardCounts {
        members,
        owners,
        audit_events,
        recent: recent
            .into_iter()
            .map(|(action, actor, at)| AuditEntryView {
                action,
                actor,
                at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .collect(),
    })
}

//! `GET /api/audit/export` (the audit trail as CSV, same filters as the page)
//! and `GET /api/export/tenant` (everything the business holds, as JSON lines).
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Extension,
};
use futures::StreamExt;

use super::download::{member_with, streamed, Sink};
use crate::{
    domain::org::{audit_trail, tenant_export},
    org::AuditFilter,
    permissions::Permission,
    pricing::Currency,
    state::AppState,
    tenancy::{CurrentUser, SiteCtx},
};

pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(site): Extension<SiteCtx>,
    user: Option<Extension<CurrentUser>>,
    Query(filter): Query<AuditFilter>,
) -> Response {
    let (tenant, _actor) = match member_with(&site, user.as_ref().map(|u| &u.0), Permission::ViewAudit) {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let filter = match audit_trail::check(&filter) {
        Ok(f) => f,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    };
    let db = state.db.clone();
    streamed(
        format!("{}-audit.csv", tenant.slug),
        "text/csv; charset=utf-8",
        move |mut sink: Sink| async move {
            let mut tx = db.tenant_read_tx_unbounded(tenant.id).await?;
            sink.csv_record(audit_trail::CSV_HEADER).await?;
            {
                let mut rows =
                    audit_trail::stream(&mut tx, &filter, Currency::new(&tenant.settings.currency));
                while let Some(row) = rows.next().await {
                    sink.csv_record(audit_trail::csv_record(row?)).await?;
                }
            }
            tx.commit().await?;
            sink.flush().await
        },
    )
}

pub async fn tenant_jsonl(
    State(state): State<AppState>,
    Extension(site): Extension<SiteCtx>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    let (tenant, actor) = match member_with(&site, user.as_ref().map(|u| &u.0), Permission::ExportTenant) {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let db = state.db.clone();
    streamed(
        format!("{}-export.jsonl", tenant.slug),
        "application/x-ndjson",
        move |mut sink: Sink| async move {
            let mut tx = db.tenant_read_tx_unbounded(tenant.id).await?;
            let parts = tenant_export::parts(&mut tx.acting(actor)).await?;
            let head = serde_json::json!({
                "export": "shopfloor",
                "format": 1,
                "tenant": tenant.slug,
                "tables": parts.iter().map(|p| p.table.as_str()).collect::<Vec<_>>(),
            });
            sink.write(format!("{head}\n").as_bytes()).await?;
            for part in &parts {
                let mut rows = sqlx::query_scalar::<_, serde_json::Value>(&part.sql).fetch(tx.conn());
                while let Some(row) = rows.next().await {
                    let line = serde_json::json!({ "table": part.table, "row": row? });
                    sink.write(format!("{line}\n").as_bytes()).await?;
                }
            }
            tx.commit().await?;
            // The read ran on the read replica when there is one; the audit
            // entry is a write, made on the primary once every row was read.
            let mut audit = db.tenant_tx(tenant.id).await?;
            crate::domain::audit::record(
                &mut audit.acting(actor),
                crate::domain::audit::AuditEntry::new("tenant.exported", "tenant").entity_id(tenant.id),
            )
            .await?;
            audit.commit().await?;
            tracing::info!(tenant = %tenant.slug, "tenant data exported");
            sink.flush().await
        },
    )
}

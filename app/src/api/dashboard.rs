//! `dashboard/*`: the tenant's home screen.
use leptos::prelude::*;

use crate::{error::AppError, model::DashboardCounts};

/// Counts from the tenant's own tables (any member).
#[server(endpoint = "dashboard/summary", prefix = "/api")]
pub async fn dashboard_summary() -> Result<DashboardCounts, AppError> {
    use super::context::{db_error, finish, RequestCtx};
    use crate::domain::dashboard;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let tenant = ctx.tenant()?;
            ctx.user()?;
            let mut tx = ctx.state.db.tenant_tx(tenant.id).await.map_err(db_error)?;
            let counts = dashboard::counts(&mut tx).await.map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
            Ok(counts)
        }
        .await,
    )
}

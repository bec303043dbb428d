//! `dashboard/*`: the tenant's home screen.
use leptos::prelude::*;

use crate::{error::AppError, model::DashboardCounts};

/// Counts, the latest audit entries in words and (for owners and admins of a
/// business still getting started) the getting-started steps (any member).
#[server(endpoint = "dashboard/summary", prefix = "/api")]
pub async fn dashboard_summary() -> Result<DashboardCounts, AppError> {
    use super::context::{finish, RequestCtx};
    use crate::domain::dashboard;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(dashboard::counts(tx).await?))
                .await
        }
        .await,
    )
}

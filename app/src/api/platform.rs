//! `platform/*`: the platform console on the `admin.` host, for operators only.
//! Anywhere else these endpoints answer 404; to anyone but a signed-in
//! operator, 401 or 403.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{error::AppError, org::TenantOverview};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::org::platform;

/// The signed-in operator on the console host.
#[cfg(feature = "ssr")]
fn operator(ctx: &RequestCtx) -> Result<Uuid, AppError> {
    if !matches!(ctx.site, crate::tenancy::SiteCtx::Platform) {
        return Err(AppError::NotFound("Not found.".into()));
    }
    // The middleware loads a user on this host only when the session was made
    // here by an operator and the flag is still set.
    Ok(ctx.user()?.id)
}

/// Every tenant with its aggregates (no business data).
#[server(endpoint = "platform/tenants", prefix = "/api")]
pub async fn platform_tenants() -> Result<Vec<TenantOverview>, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            operator(&ctx)?;
            Ok(platform::tenants(&ctx.state.db).await?)
        }
        .await,
    )
}

/// Suspends (its pages answer 403 and its sessions stop at the next request)
/// or reactivates a tenant.
#[server(endpoint = "platform/status", prefix = "/api")]
pub async fn set_tenant_status(tenant_id: Uuid, suspended: bool) -> Result<(), AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let op = operator(&ctx)?;
            Ok(platform::set_status(&ctx.state.db, op, tenant_id, suspended).await?)
        }
        .await,
    )
}

/// Changes a tenant's plan and its user limit.
#[server(endpoint = "platform/plan", prefix = "/api")]
pub async fn set_tenant_plan(tenant_id: Uuid, plan: String, max_users: i32) -> Result<(), AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let op = operator(&ctx)?;
            Ok(platform::set_plan(&ctx.state.db, op, tenant_id, &plan, max_users).await?)
        }
        .await,
    )
}

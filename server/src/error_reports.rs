//! Optional error reports to Sentry (`SENTRY_DSN`).
//!
//! Every `tracing` event at error level becomes a Sentry event (warnings and
//! info become its breadcrumbs). Each request runs with a hub of its own,
//! tagged with its request id and, once the middleware knows them, the tenant
//! (its slug) and the member (their id). No request body, cookie or query
//! string is sent: the client is built with `send_default_pii` off, and nothing
//! here adds them.
use std::sync::Arc;

use app::tenancy::{CurrentUser, SiteCtx};
use axum::{extract::Request, middleware::Next, response::Response};
use sentry::{
    integrations::tracing::{BreadcrumbLayer, ErrorLayer},
    Hub, SentryFutureExt,
};
use tracing_subscriber::{filter::LevelFilter, Layer};

/// Starts the Sentry client for `dsn`; reports are sent until the guard drops.
pub fn init(dsn: &str) -> Result<sentry::ClientInitGuard, sentry::types::ParseDsnError> {
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn.parse()?);
    options.release = sentry::release_name!();
    options.send_default_pii = false;
    Ok(sentry::init(options))
}

/// The `tracing` layers that hand events to the current hub: errors as Sentry
/// events, info and warnings as the breadcrumbs that lead up to them.
pub fn tracing_layer<S>() -> impl Layer<S> + Send + Sync
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    ErrorLayer::new()
        .with_filter(LevelFilter::ERROR)
        .and_then(BreadcrumbLayer::new().with_filter(LevelFilter::INFO))
}

/// Outer middleware: the request gets a hub of its own (so tags never leak to
/// another request), tagged with its request id.
pub async fn hub_per_request(request: Request, next: Next) -> Response {
    let hub = Arc::new(Hub::new_from_top(Hub::current()));
    if let Some(id) = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    {
        hub.configure_scope(|scope| scope.set_tag("request_id", id));
    }
    next.run(request).bind_hub(hub).await
}

/// Inner middleware (after the tenant and member are known): tags the request's
/// hub with the tenant's slug and the member's id.
pub async fn tag_tenant_and_member(request: Request, next: Next) -> Response {
    let tenant = match request.extensions().get::<SiteCtx>() {
        Some(SiteCtx::Tenant(t)) => Some(t.slug.clone()),
        _ => None,
    };
    let user = request
        .extensions()
        .get::<CurrentUser>()
        .map(|u| u.id.to_string());
    Hub::current().configure_scope(|scope| {
        if let Some(tenant) = tenant {
            scope.set_tag("tenant", tenant);
        }
        if let Some(id) = user {
            scope.set_user(Some(sentry::User {
                id: Some(id),
                ..Default::default()
            }));
        }
    });
    next.run(request).await
}

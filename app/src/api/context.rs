//! What a server function knows about its request.
use std::net::SocketAddr;

use axum::extract::{connect_info::MockConnectInfo, ConnectInfo};
use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use uuid::Uuid;

use crate::{
    domain::permissions::Actor,
    error::AppError,
    state::AppState,
    tenancy::{middleware::host_of, CurrentUser, ResolvedTenant, SiteCtx, TenantCtx},
};

pub struct RequestCtx {
    pub state: AppState,
    pub site: SiteCtx,
    pub user: Option<CurrentUser>,
    pub session: Session,
    pub host: String,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    plain_form: bool,
}

impl RequestCtx {
    /// Reads the context the middleware and leptos_axum put in place. Missing
    /// pieces are a wiring bug: logged, and answered as an internal error.
    pub fn load() -> Result<Self, AppError> {
        let missing = |what: &str| {
            tracing::error!(what, "request context missing");
            AppError::Internal
        };
        let state = use_context::<AppState>().ok_or_else(|| missing("AppState"))?;
        let parts = use_context::<Parts>().ok_or_else(|| missing("request parts"))?;
        let site = parts
            .extensions
            .get::<SiteCtx>()
            .cloned()
            .ok_or_else(|| missing("site"))?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| missing("session"))?;
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // MockConnectInfo is what tests put in place of the socket's address.
        let client_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr)
            .or_else(|| parts.extensions.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0))
            .map(|addr| addr.ip().to_string());
        let plain_form = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        Ok(RequestCtx {
            host: host_of(&parts.headers, &parts.uri),
            state,
            site,
            user,
            session,
            request_id,
            client_addr,
            plain_form,
        })
    }

    pub fn tenant(&self) -> Result<&ResolvedTenant, AppError> {
        self.site.tenant().ok_or(AppError::NotFound(
            "This page belongs to a business's own address.".into(),
        ))
    }

    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// The signed-in member of this host's tenant, as the domain sees them.
    pub fn actor(&self) -> Result<(Uuid, Actor), AppError> {
        let tenant = self.tenant()?;
        let user = self.user()?;
        let role = user.role.ok_or(AppError::Forbidden)?;
        Ok((
            tenant.id,
            Actor {
                user_id: user.id,
                role,
            },
        ))
    }

    /// Runs `work` in this request's tenant context (the tenant's
    /// transaction, its settings read with the tenant, the signed-in member and
    /// the request id) and commits it; any error rolls everything back.
    pub async fn in_tenant<T>(
        &self,
        work: impl AsyncFnOnce(&mut TenantCtx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let (_, actor) = self.actor()?;
        let tenant = self.tenant()?;
        let mut tx = self.state.db.tenant_tx(tenant.id).await.map_err(db_error)?;
        let mut cx =
            TenantCtx::new(&mut tx, actor, self.request_id.clone()).with_settings(tenant.settings.clone());
        let out = work(&mut cx).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(out)
    }

    pub fn apex_origin(&self) -> String {
        self.state.site.apex_origin(&self.host)
    }

    /// After a successful submission: a plain HTML form (no wasm yet) is sent on
    /// with a 302; the hydrated page navigates itself to the returned URL.
    pub fn redirect_plain_form(&self, url: &str) {
        if self.plain_form {
            leptos_axum::redirect(url);
        }
    }
}

/// Sets the HTTP status for an error answer. Plain form posts keep leptos's
/// redirect back to the form (which then shows the error).
pub fn fail(error: AppError) -> AppError {
    let plain_form = use_context::<Parts>()
        .and_then(|p| p.headers.get(http::header::ACCEPT).cloned())
        .and_then(|v| v.to_str().ok().map(|s| s.contains("text/html")))
        .unwrap_or(false);
    if !plain_form {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
        }
    }
    error
}

/// Applies [`fail`] to the error of a result.
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(fail)
}

/// Logs a database error and returns the opaque internal error.
pub fn db_error(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "database error");
    AppError::Internal
}

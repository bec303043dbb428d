//! What a server function knows about its request.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{connect_info::MockConnectInfo, ConnectInfo};
use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use uuid::Uuid;

use crate::{
    domain::permissions::Actor,
    error::AppError,
    state::{AppState, IpNet},
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
        let client_addr = client_addr(&parts, &state.site.trusted_proxies).map(|ip| ip.to_string());
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
        let events = cx.take_events();
        tx.commit().await.map_err(commit_error)?;
        if !events.is_empty() {
            // Hints for open screens, sent in the background: the change stands
            // whatever becomes of them.
            self.state.events.publish(tenant.id, events);
        }
        Ok(out)
    }

    /// Runs `work`, which only reads, in this request's tenant context on a
    /// READ ONLY transaction: on the read replica when one is configured
    /// (`SHOPFLOOR_REPLICA_URL`), else on the primary (see
    /// [`crate::tenancy::Db::tenant_read_tx`]). A replica may be moments
    /// behind: for lists and reports, never for what a page shows right after
    /// its own write. A write in `work` is refused by PostgreSQL.
    pub async fn in_tenant_read<T>(
        &self,
        work: impl AsyncFnOnce(&mut TenantCtx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let (_, actor) = self.actor()?;
        let tenant = self.tenant()?;
        let mut tx = self.state.db.tenant_read_tx(tenant.id).await.map_err(db_error)?;
        let mut cx =
            TenantCtx::new(&mut tx, actor, self.request_id.clone()).with_settings(tenant.settings.clone());
        let out = work(&mut cx).await?;
        // Nothing to keep: ending it is all a commit does here.
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

/// The client's address, decided here only: the socket's peer, unless the peer
/// is one of the configured trusted proxies (`SHOPFLOOR_TRUSTED_PROXIES`).
/// Then it is the nearest address in `X-Forwarded-For` that is not itself a
/// trusted proxy: each proxy appends the address it was reached from, so
/// everything further left was written by the client and proves nothing.
pub fn client_addr(parts: &Parts, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    // MockConnectInfo is what tests put in place of the socket's address.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
        .or_else(|| parts.extensions.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0))?
        .ip();
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    Some(resolve_client(peer, &forwarded, trusted_proxies))
}

fn resolve_client(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(peer) {
        return peer;
    }
    for hop in forwarded.iter().rev() {
        let hop = hop.trim();
        let Some(ip) = hop
            .parse::<IpAddr>()
            .ok()
            .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        else {
            // Not an address: whatever wrote it was not one of our proxies;
            // the hop that received it is the last one we know.
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
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
            if error.status() == http::StatusCode::SERVICE_UNAVAILABLE {
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static(crate::ui::error_page::RETRY_AFTER_SECS),
                );
            }
        }
    }
    error
}

/// Applies [`fail`] to the error of a result.
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(fail)
}

/// Logs a database error and returns what the person is told (see
/// [`crate::domain::db_errors::app_error`]).
pub fn db_error(error: sqlx::Error) -> AppError {
    crate::domain::db_errors::app_error("request", &error)
}

/// A failed COMMIT. When the connection itself was lost, the server may have
/// committed before it went: the person is told it is not known whether the
/// change was saved (never "nothing was saved").
pub fn commit_error(error: sqlx::Error) -> AppError {
    if crate::domain::db_errors::is_unavailable(&error) {
        tracing::warn!(%error, "the connection was lost during a commit; its outcome is unknown");
        AppError::Unconfirmed
    } else {
        db_error(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_cut_off_is_unconfirmed_not_unsaved() {
        let cut = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        let answer = commit_error(cut);
        assert_eq!(answer, AppError::Unconfirmed);
        assert!(!answer.to_string().contains("Nothing was saved"));
        assert!(answer.is_retryable());
        assert_eq!(answer.status(), http::StatusCode::SERVICE_UNAVAILABLE);
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let client = ip("203.0.113.5");
        // No proxies configured, or a peer that is not one: the peer.
        assert_eq!(resolve_client(client, &["198.51.100.1"], &[]), client);
        assert_eq!(resolve_client(client, &["198.51.100.1"], &proxies), client);
        // From a trusted proxy: the nearest untrusted hop, not what the client wrote.
        assert_eq!(
            resolve_client(ip("10.0.0.2"), &["6.6.6.6", "203.0.113.5"], &proxies),
            client
        );
        assert_eq!(
            resolve_client(ip("10.0.0.2"), &["6.6.6.6", " 203.0.113.5", "10.0.0.1"], &proxies),
            client
        );
        // Garbage or nothing: the last hop we know.
        assert_eq!(
            resolve_client(ip("10.0.0.2"), &["203.0.113.5", "nonsense"], &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(resolve_client(ip("10.0.0.2"), &[], &proxies), ip("10.0.0.2"));
    }
}

//! Request middleware: refuse cross-origin writes, resolve the host to a tenant,
//! and load the signed-in member, before any page or server function runs.
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

use http::StatusCode;
use sqlx::Row;
use tower_sessions::Session;
use uuid::Uuid;

use super::{classify_host, csrf::is_same_origin_request, session, HostClass, PlatformTx};
use crate::{
    model::Role,
    org::{BusinessSettings, BusinessType, SETTINGS_COLUMNS},
    state::AppState,
    ui::error_page,
};

/// The tenant a request's host resolved to, with its settings (read in the
/// same query, so the tenant context costs no extra round trip).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub business_type: BusinessType,
    pub settings: Arc<BusinessSettings>,
}

impl ResolvedTenant {
    pub fn new(id: Uuid, slug: String, settings: BusinessSettings) -> Self {
        ResolvedTenant {
            id,
            slug,
            name: settings.name.clone(),
            business_type: settings.business_type,
            settings: Arc::new(settings),
        }
    }
}

/// Which site the request is for; always present after [`resolve_site`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteCtx {
    Apex,
    Tenant(ResolvedTenant),
    /// The reserved `admin` subdomain: the platform console, operators only.
    Platform,
}

impl SiteCtx {
    pub fn tenant(&self) -> Option<&ResolvedTenant> {
        match self {
            SiteCtx::Tenant(t) => Some(t),
            SiteCtx::Apex | SiteCtx::Platform => None,
        }
    }
}

/// The signed-in person, checked against the database on this very request.
/// On a tenant host `role` is their active membership's role; on the apex, None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Option<Role>,
}

/// The `Host` header (or the URI authority for HTTP/2).
pub fn host_of(headers: &http::HeaderMap, uri: &http::Uri) -> String {
    headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// The reserved subdomain the platform console lives on.
pub const PLATFORM_LABEL: &str = "admin";

/// Refuses non-GET requests that do not prove they come from the same origin.
pub async fn require_same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_same_origin_request(req.method(), req.headers(), state.site.scheme()) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "refused cross-origin request");
        return (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response();
    }
    next.run(req).await
}

/// Resolves the host to the apex or an active tenant; unknown hosts get the 404
/// page and suspended tenants the 403 page. The tenant comes only from the host.
pub async fn resolve_site(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = host_of(req.headers(), req.uri());
    let apex = state.site.apex_origin(&host);
    let site = match classify_host(&host, &state.site.base_domain) {
        HostClass::Apex => SiteCtx::Apex,
        HostClass::Tenant(slug) => match lookup_tenant(&state, &slug).await {
            Ok(Some(found)) if found.suspended => {
                return error_page::response(
                    StatusCode::FORBIDDEN,
                    "This shop is suspended",
                    "The business that lives at this address is suspended. If it is yours, contact the platform's support.",
                    &apex,
                );
            }
            Ok(Some(found)) => SiteCtx::Tenant(found.tenant),
            Ok(None) => return unknown_site(&apex),
            Err(error) => {
                crate::domain::db_errors::log("tenant lookup", &error);
                return error_page::database_failure(req.uri().path(), &apex, &error);
            }
        },
        HostClass::Reserved(label) if label == PLATFORM_LABEL => SiteCtx::Platform,
        HostClass::Reserved(_) | HostClass::Unknown => return unknown_site(&apex),
    };
    if let SiteCtx::Tenant(t) = &site {
        tracing::Span::current().record("tenant", t.slug.as_str());
    }
    req.extensions_mut().insert(site);
    next.run(req).await
}

fn unknown_site(apex: &str) -> Response {
    error_page::response(
        StatusCode::NOT_FOUND,
        "No shop here",
        "There is no business at this address. Check the spelling, or start from the home page.",
        apex,
    )
}

use super::tenant_cache::CachedTenant as FoundTenant;

/// The tenant living at `slug`: from the cache when it may be trusted, else
/// from the database (and then remembered).
async fn lookup_tenant(state: &AppState, slug: &str) -> Result<Option<FoundTenant>, sqlx::Error> {
    let cache = state.db.tenant_cache();
    if let Some(found) = cache.get(slug) {
        return Ok(Some(found));
    }
    let generation = cache.generation();
    let found = read_tenant(state, slug).await?;
    if let Some(found) = &found {
        cache.put(generation, slug, found.clone());
    }
    Ok(found)
}

async fn read_tenant(state: &AppState, slug: &str) -> Result<Option<FoundTenant>, sqlx::Error> {
    let mut tx: PlatformTx = state.db.platform_tx().await?;
    let row = sqlx::query(&format!(
        "SELECT id, slug, status, {SETTINGS_COLUMNS} FROM tenants WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let Some(row) = row else { return Ok(None) };
    let status: String = row.try_get("status")?;
    Ok(Some(FoundTenant {
        tenant: ResolvedTenant::new(
            row.try_get("id")?,
            row.try_get("slug")?,
            BusinessSettings::from_row(&row)?,
        ),
        suspended: status == "suspended",
    }))
}

/// Loads the signed-in user. On a tenant host the session must have been made
/// for this tenant and the membership must still be active, checked now, on
/// every request: a removed member is out at the next request. On every host
/// the session's epoch must still be the account's: a password change or
/// reset signs out the sessions made before it, at their next request.
pub async fn load_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (Some(session), Some(site)) = (
        req.extensions().get::<Session>().cloned(),
        req.extensions().get::<SiteCtx>().cloned(),
    ) else {
        return next.run(req).await;
    };
    let auth = match session::current_auth(&session).await {
        Ok(auth) => auth,
        Err(error) => {
            // The session store is the database: out of reach, most likely.
            tracing::warn!(%error, "session load failed");
            let home = state.site.apex_origin(&host_of(req.headers(), req.uri()));
            return error_page::unavailable(
                req.uri().path(),
                &home,
                "Please try again in a moment",
                &crate::error::AppError::Unavailable,
            );
        }
    };
    let Some(auth) = auth else {
        return next.run(req).await;
    };
    let loaded = match &site {
        SiteCtx::Tenant(t) if auth.tenant_id == Some(t.id) => {
            load_member(&state, t.id, auth.user_id, auth.epoch).await
        }
        SiteCtx::Apex if auth.tenant_id.is_none() && !auth.operator => {
            load_account(&state, auth.user_id, false, auth.epoch).await
        }
        SiteCtx::Platform if auth.tenant_id.is_none() && auth.operator => {
            load_account(&state, auth.user_id, true, auth.epoch).await
        }
        _ => Ok(None),
    };
    match loaded {
        Ok(Some(user)) => {
            tracing::Span::current().record("user", tracing::field::display(user.id));
            req.extensions_mut().insert(user);
        }
        Ok(None) => {
            if let Err(error) = session::forget_auth(&session).await {
                tracing::error!(%error, "could not clear a stale session identity");
            }
        }
        Err(error) => {
            crate::domain::db_errors::log("member check", &error);
            let home = state.site.apex_origin(&host_of(req.headers(), req.uri()));
            return error_page::database_failure(req.uri().path(), &home, &error);
        }
    }
    next.run(req).await
}

async fn load_member(
    state: &AppState,
    tenant_id: Uuid,
    user_id: Uuid,
    epoch: i32,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    // One round trip on every request, as the tenant under row-level
    // security: the member check, and "last seen" refreshed at most every 5
    // minutes (so it is seldom a write). Only typed values go into the text.
    let rows = state
        .db
        .tenant_statement(
            tenant_id,
            &format!(
                "WITH seen AS ( \
                     UPDATE memberships SET last_seen_at = now() \
                     WHERE user_id = '{user_id}' AND is_active \
                       AND (last_seen_at IS NULL OR last_seen_at < now() - interval '5 minutes') \
                 ) \
                 SELECT u.id, u.email, u.display_name, m.role \
                 FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.user_id = '{user_id}' AND m.is_active AND u.session_epoch = {epoch}"
            ),
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let role: String = row.try_get("role")?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: Some(role),
    }))
}

/// An account outside any tenant (the apex), or an operator on the console
/// host when `operator` is set: the flag is checked on every request, so an
/// operator whose flag is removed is out at the next request.
async fn load_account(
    state: &AppState,
    user_id: Uuid,
    operator: bool,
    epoch: i32,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    let mut tx: PlatformTx = state.db.platform_tx().await?;
    let row: Option<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, email, display_name FROM users \
         WHERE id = $1 AND (NOT $2 OR is_platform_operator) AND session_epoch = $3",
    )
    .bind(user_id)
    .bind(operator)
    .bind(epoch)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(row.map(|(id, email, display_name)| CurrentUser {
        id,
        email,
        display_name,
        role: None,
    }))
}

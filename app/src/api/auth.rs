//! `auth/*`: sign-up, log-in, log-out, who am I, the organization picker.
use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Me, OrgChoice, PageContext},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};

/// Everything the layout needs (site and signed-in user). Never fails for a
/// signed-out visitor: `user` is then None.
#[server(endpoint = "auth/context", prefix = "/api")]
pub async fn load_page_context() -> Result<PageContext, AppError> {
    use crate::model::{Site, TenantView, UserView};
    use crate::tenancy::SiteCtx;
    finish((|| {
        let ctx = RequestCtx::load()?;
        Ok(PageContext {
            site: match &ctx.site {
                SiteCtx::Apex => Site::Apex,
                SiteCtx::Tenant(t) => Site::Tenant(TenantView {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    business_type: t.business_type,
                    currency: t.settings.currency.clone(),
                }),
                SiteCtx::Platform => Site::Platform,
            },
            user: ctx.user.as_ref().map(|u| UserView {
                id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                role: u.role,
            }),
            apex_origin: ctx.apex_origin(),
        })
    })())
}

/// The signed-in user on this host, or 401.
#[server(endpoint = "auth/me", prefix = "/api")]
pub async fn who_am_i() -> Result<Me, AppError> {
    finish((|| {
        let ctx = RequestCtx::load()?;
        let user = ctx.user()?;
        Ok(Me {
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            tenant: ctx.site.tenant().map(|t| t.slug.clone()),
            role: user.role,
        })
    })())
}

/// Logs in. On a tenant's subdomain the user must be an active member of it.
/// Returns where to go next.
#[server(endpoint = "auth/login", prefix = "/api")]
pub async fn login(email: String, password: String) -> Result<String, AppError> {
    use crate::{
        domain::accounts,
        tenancy::{session, session::SessionAuth, SiteCtx},
    };
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let (user_id, tenant_id, operator, next) = match &ctx.site {
                SiteCtx::Tenant(tenant) => {
                    let id = accounts::log_in_to_tenant(
                        &ctx.state.db,
                        tenant,
                        &email,
                        &password,
                        ctx.client_addr.as_deref(),
                        ctx.request_id.as_deref(),
                    )
                    .await?;
                    (id, Some(tenant.id), false, "/")
                }
                SiteCtx::Platform => {
                    let id =
                        accounts::authenticate(&ctx.state.db, &email, &password, ctx.client_addr.as_deref())
                            .await?;
                    let operator = crate::domain::org::platform::is_operator(&ctx.state.db, id)
                        .await
                        .map_err(super::context::db_error)?;
                    if !operator {
                        // Said the same way as a wrong password: the console
                        // does not tell who has an account.
                        return Err(accounts::AccountError::BadCredentials.into());
                    }
                    (id, None, true, "/")
                }
                SiteCtx::Apex => {
                    let id =
                        accounts::authenticate(&ctx.state.db, &email, &password, ctx.client_addr.as_deref())
                            .await?;
                    (id, None, false, "/orgs")
                }
            };
            session::sign_in(
                &ctx.session,
                &ctx.state.db,
                SessionAuth {
                    user_id,
                    tenant_id,
                    operator,
                    epoch: 0,
                    // A password typed on a business's host opens its till.
                    till_opener: tenant_id.map(|_| user_id),
                },
            )
            .await
            .map_err(session_error)?;
            ctx.redirect_plain_form(next);
            Ok(next.to_string())
        }
        .await,
    )
}

/// Ends the session on this host. Returns where to go next.
#[server(endpoint = "auth/logout", prefix = "/api")]
pub async fn logout() -> Result<String, AppError> {
    use crate::tenancy::{session, SiteCtx};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            session::sign_out(&ctx.session).await.map_err(session_error)?;
            let next = match ctx.site {
                SiteCtx::Tenant(_) | SiteCtx::Platform => "/login",
                SiteCtx::Apex => "/",
            };
            ctx.redirect_plain_form(next);
            Ok(next.to_string())
        }
        .await,
    )
}

/// Changes the signed-in person's password (current one checked, throttled
/// like log-in). Every other session of the account ends; this one stays.
/// On a business's host the change is written to its audit log.
#[server(endpoint = "auth/password", prefix = "/api")]
pub async fn change_password(current_password: String, new_password: String) -> Result<String, AppError> {
    use crate::{domain::credentials, tenancy::session};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let user = ctx.user()?.clone();
            let epoch = credentials::change_password(
                &ctx.state.db,
                user.id,
                &current_password,
                &new_password,
                ctx.client_addr.as_deref(),
            )
            .await?;
            session::keep_after_password_change(&ctx.session, epoch)
                .await
                .map_err(session_error)?;
            if ctx.site.tenant().is_some() && user.role.is_some() {
                ctx.in_tenant(async |cx| {
                    credentials::record_change(cx)
                        .await
                        .map_err(super::context::db_error)
                })
                .await?;
            }
            Ok("Password changed. You were signed out everywhere else.".to_string())
        }
        .await,
    )
}

/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED: &str =
    "If an account uses that address, we have sent it a link to reset the password. The link works once, for an hour.";

/// Asks for a password-reset link for `email`. Always the same answer (no
/// account oracle); throttled. With SMTP configured the link is emailed (in
/// the background, so the answer takes as long for unknown addresses);
/// without, it is logged at info level, like invitations.
#[server(endpoint = "auth/reset-request", prefix = "/api")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    use crate::domain::credentials;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let Some(reset) =
                credentials::request_reset(&ctx.state.db, &email, ctx.client_addr.as_deref()).await?
            else {
                return Ok(RESET_REQUESTED.to_string());
            };
            let origin = match &ctx.site {
                crate::tenancy::SiteCtx::Tenant(t) => ctx.state.site.tenant_origin(&t.slug, &ctx.host),
                _ => ctx.apex_origin(),
            };
            let link = format!("{origin}/reset/{}", reset.token);
            let mailer = ctx.state.mailer.clone();
            if mailer.enabled() {
                tokio::spawn(async move {
                    match mailer.send_password_reset(&reset.email, &link).await {
                        Ok(_) => tracing::info!(email = %reset.email, "password reset link emailed"),
                        Err(error) => {
                            tracing::warn!(email = %reset.email, %error, "password reset email not sent")
                        }
                    }
                });
            } else {
                tracing::info!(
                    email = %reset.email,
                    %link,
                    "password reset requested (no SMTP configured: pass the link on by hand)"
                );
            }
            Ok(RESET_REQUESTED.to_string())
        }
        .await,
    )
}

/// Whether a reset link still works (its page asks before showing the form).
#[server(endpoint = "auth/reset-check", prefix = "/api")]
pub async fn check_password_reset(token: String) -> Result<bool, AppError> {
    use crate::domain::credentials;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            Ok(credentials::reset_is_valid(&ctx.state.db, &token).await?)
        }
        .await,
    )
}

/// Sets a new password through a reset link (used once). Every session of the
/// account ends, this browser's included. Returns where to go next.
#[server(endpoint = "auth/reset", prefix = "/api")]
pub async fn reset_password(token: String, new_password: String) -> Result<String, AppError> {
    use crate::{domain::credentials, tenancy::session};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            credentials::complete_reset(&ctx.state.db, &token, &new_password).await?;
            session::sign_out(&ctx.session).await.map_err(session_error)?;
            let next = "/login?reset=1";
            ctx.redirect_plain_form(next);
            Ok(next.to_string())
        }
        .await,
    )
}

/// Creates a business and its owner (apex only), signs the owner in on the
/// apex and returns the one-time hand-off URL into the new subdomain.
#[server(endpoint = "auth/signup", prefix = "/api")]
pub async fn signup(
    business_name: String,
    slug: String,
    display_name: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
    use crate::{
        domain::accounts::{self, SignupInput},
        tenancy::{session, session::SessionAuth, SiteCtx},
    };
    finish(
        async {
            let ctx = RequestCtx::load()?;
            if !matches!(ctx.site, SiteCtx::Apex) {
                return Err(AppError::NotFound("Sign up on the main site.".into()));
            }
            let signed_up = accounts::sign_up(
                &ctx.state.db,
                SignupInput {
                    business_name,
                    slug,
                    display_name,
                    email,
                    password,
                },
                ctx.client_addr.as_deref(),
                ctx.request_id.as_deref(),
            )
            .await?;
            session::sign_in(
                &ctx.session,
                &ctx.state.db,
                SessionAuth {
                    user_id: signed_up.user_id,
                    tenant_id: None,
                    operator: false,
                    epoch: 0,
                    till_opener: None,
                },
            )
            .await
            .map_err(session_error)?;
            let (token, tenant) =
                accounts::issue_handoff(&ctx.state.db, signed_up.user_id, &signed_up.tenant.slug).await?;
            let url = handoff_url(&ctx, &tenant.slug, &token);
            ctx.redirect_plain_form(&url);
            Ok(url)
        }
        .await,
    )
}

/// The businesses the signed-in user belongs to (apex).
#[server(endpoint = "auth/orgs", prefix = "/api")]
pub async fn my_organizations() -> Result<Vec<OrgChoice>, AppError> {
    use crate::domain::accounts;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let user = ctx.user()?;
            Ok(accounts::organizations_of(&ctx.state.db, user.id).await?)
        }
        .await,
    )
}

/// Opens one of the user's businesses: returns a one-time hand-off URL that
/// signs them in on its subdomain.
#[server(endpoint = "auth/open-org", prefix = "/api")]
pub async fn open_organization(slug: String) -> Result<String, AppError> {
    use crate::domain::accounts;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let user = ctx.user()?;
            let (token, tenant) = accounts::issue_handoff(&ctx.state.db, user.id, &slug).await?;
            let url = handoff_url(&ctx, &tenant.slug, &token);
            ctx.redirect_plain_form(&url);
            Ok(url)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn handoff_url(ctx: &RequestCtx, slug: &str, token: &str) -> String {
    format!(
        "{}/auth/handoff?token={token}",
        ctx.state.site.tenant_origin(slug, &ctx.host)
    )
}

#[cfg(feature = "ssr")]
fn session_error(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::Internal
}

/// `GET /auth/handoff?token=…` on a tenant's subdomain: redeems a hand-off
/// token once, starts a session for this host and lands on the dashboard.
///
/// It completes at once only when the browser says the navigation came from
/// our own site (`Sec-Fetch-Site: same-site` or `same-origin`: the apex's
/// redirect in production). Anything else (a link or an image on another site,
/// a pasted link, a browser without fetch metadata, or the apex on
/// `localhost`, which browsers count as another site) gets a page that says
/// whom the link signs in, with a button that posts back to this origin
/// ([`handoff_confirm`]); a cross-site request can never complete a hand-off.
/// Either way it never replaces another signed-in person's session.
#[cfg(feature = "ssr")]
pub async fn handoff(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    axum::Extension(site): axum::Extension<crate::tenancy::SiteCtx>,
    current: Option<axum::Extension<crate::tenancy::CurrentUser>>,
    session: tower_sessions::Session,
    headers: http::HeaderMap,
    uri: http::Uri,
) -> axum::response::Response {
    use crate::{domain::accounts, ui::error_page};
    let host = crate::tenancy::middleware::host_of(&headers, &uri);
    let apex = state.site.apex_origin(&host);
    let Some(tenant) = site.tenant() else {
        return handoff_elsewhere(&apex);
    };
    let token = query.get("token").map(String::as_str).unwrap_or_default();
    let current = current.map(|axum::Extension(user)| user);
    let from_our_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-site" || v.as_bytes() == b"same-origin");
    if from_our_site {
        return complete_handoff(&state, tenant, token, current.as_ref(), &session, &headers, &apex).await;
    }
    match accounts::peek_handoff(&state.db, tenant.id, token).await {
        Ok(user) if current.as_ref().is_some_and(|c| c.id != user.user_id) => {
            other_user_signed_in(current.as_ref(), &apex)
        }
        Ok(user) => error_page::confirm_handoff(&tenant.name, &user.display_name, &user.email, token, &apex),
        Err(error) => handoff_failed(error, &apex),
    }
}

/// `POST /auth/handoff` (form field `token`): the button of the page that
/// [`handoff`] shows. Like every POST it passed the same-origin check first.
#[cfg(feature = "ssr")]
pub async fn handoff_confirm(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::Extension(site): axum::Extension<crate::tenancy::SiteCtx>,
    current: Option<axum::Extension<crate::tenancy::CurrentUser>>,
    session: tower_sessions::Session,
    headers: http::HeaderMap,
    uri: http::Uri,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    let host = crate::tenancy::middleware::host_of(&headers, &uri);
    let apex = state.site.apex_origin(&host);
    let Some(tenant) = site.tenant() else {
        return handoff_elsewhere(&apex);
    };
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let current = current.map(|axum::Extension(user)| user);
    complete_handoff(&state, tenant, token, current.as_ref(), &session, &headers, &apex).await
}

#[cfg(feature = "ssr")]
async fn complete_handoff(
    state: &crate::state::AppState,
    tenant: &crate::tenancy::ResolvedTenant,
    token: &str,
    current: Option<&crate::tenancy::CurrentUser>,
    session: &tower_sessions::Session,
    headers: &http::HeaderMap,
    apex: &str,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};

    use crate::{
        domain::accounts,
        tenancy::{session, session::SessionAuth},
        ui::error_page,
    };
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok());
    let signed_in_as = current.map(|c| c.id);
    match accounts::redeem_handoff(&state.db, tenant.id, token, signed_in_as, request_id).await {
        Ok(user_id) => {
            let auth = SessionAuth {
                user_id,
                tenant_id: Some(tenant.id),
                operator: false,
                epoch: 0,
                // A hand-off carries no password typed here: no till opened.
                till_opener: None,
            };
            if let Err(error) = session::sign_in(session, &state.db, auth).await {
                tracing::error!(%error, "session store error");
                return error_page::internal(apex);
            }
            Redirect::to("/").into_response()
        }
        Err(accounts::AccountError::HandoffOtherUser) => other_user_signed_in(current, apex),
        Err(error) => handoff_failed(error, apex),
    }
}

#[cfg(feature = "ssr")]
fn handoff_elsewhere(apex: &str) -> axum::response::Response {
    crate::ui::error_page::response(
        http::StatusCode::NOT_FOUND,
        "Page not found",
        "Sign-in links open on a business's own address.",
        apex,
    )
}

#[cfg(feature = "ssr")]
fn other_user_signed_in(
    current: Option<&crate::tenancy::CurrentUser>,
    apex: &str,
) -> axum::response::Response {
    let who = current.map_or_else(|| "someone else".to_owned(), |c| c.email.clone());
    crate::ui::error_page::response(
        http::StatusCode::CONFLICT,
        "Someone else is signed in here",
        &format!(
            "This browser is signed in to this business as {who}. Log out first, then open the link again \
             (it works for a minute)."
        ),
        apex,
    )
}

#[cfg(feature = "ssr")]
fn handoff_failed(error: crate::domain::accounts::AccountError, apex: &str) -> axum::response::Response {
    use crate::{domain::accounts::AccountError, ui::error_page};
    match error {
        AccountError::HandoffInvalid => error_page::response(
            http::StatusCode::BAD_REQUEST,
            "This sign-in link no longer works",
            "Sign-in links work once, for a minute. Log in again to continue.",
            apex,
        ),
        error => {
            tracing::error!(%error, "hand-off failed");
            error_page::internal(apex)
        }
    }
}

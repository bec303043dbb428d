//! `settings/*`, `members/*`, `invites/*`, `audit/*`, `chain/verify`: running the business's
//! team and profile. The rules live in `domain::org`; these are thin shims.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::Role,
    org::{
        AuditFilter, AuditRow, BusinessSettings, ChainReport, CreatedInvitation, InvitationPreview,
        InvitationView, MemberView,
    },
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::org::{audit_trail, document_chain, invitations, members, settings};

/// The business profile and rules (owners and admins).
#[server(endpoint = "settings/get", prefix = "/api")]
pub async fn load_business_settings() -> Result<BusinessSettings, AppError> {
    use crate::permissions::Permission;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    tx.require(Permission::ManageSettings)
                        .map_err(crate::domain::org::OrgError::from)?;
                    Ok(settings::load(tx).await?)
                })
                .await
        }
        .await,
    )
}

/// Saves the business profile (JSON body: `{"settings": {...}}`).
#[server(endpoint = "settings/save", prefix = "/api", input = server_fn::codec::Json)]
pub async fn save_business_settings(settings: BusinessSettings) -> Result<BusinessSettings, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let saved = ctx
                .in_tenant(async |tx| Ok(settings::save(tx, settings).await?))
                .await;
            // The next request here reads the new settings (other instances
            // forget theirs when the change notice reaches them).
            ctx.state.db.tenant_cache().clear();
            saved
        }
        .await,
    )
}

/// The team: every member with role, status and when they were last seen.
#[server(endpoint = "members/list", prefix = "/api")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(members::list(tx).await?))
                .await
        }
        .await,
    )
}

/// Gives a member another role (see docs/roles.md for who may grant what).
#[server(endpoint = "members/role", prefix = "/api")]
pub async fn change_member_role(user_id: Uuid, role: Role) -> Result<(), AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            ctx.in_tenant(async |tx| Ok(members::change_role(tx, user_id, role).await?))
                .await
        }
        .await,
    )
}

/// Deactivates (out at their next request, and their open event streams end)
/// or reactivates a member.
#[server(endpoint = "members/set-active", prefix = "/api")]
pub async fn set_member_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let tenant_id = ctx
                .in_tenant(async |tx| {
                    members::set_active(tx, user_id, active).await?;
                    Ok(tx.tenant_id())
                })
                .await?;
            if !active {
                members::end_streams(&ctx.state.db, tenant_id, user_id).await;
            }
            Ok(())
        }
        .await,
    )
}

/// Pending invitations and those of the last 30 days.
#[server(endpoint = "invites/list", prefix = "/api")]
pub async fn list_invitations() -> Result<Vec<InvitationView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(invitations::list(tx).await?))
                .await
        }
        .await,
    )
}

/// Invites someone by email. The answer holds the link, the only copy of the
/// token, to show the inviter. With SMTP configured it is also emailed to the
/// invitee (`emailed`); without, it is logged at info level (never the hash).
#[server(endpoint = "invites/create", prefix = "/api")]
pub async fn create_invitation(email: String, role: Role) -> Result<CreatedInvitation, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let tenant = ctx.tenant()?.clone();
            let (invitation, token) = ctx
                .in_tenant(async |tx| {
                    Ok(invitations::create(tx, &email, role).await?)
                })
                .await?;
            let link = format!(
                "{}/invite/{token}",
                ctx.state.site.tenant_origin(&tenant.slug, &ctx.host)
            );
            let emailed = match ctx
                .state
                .mailer
                .send_invitation(&invitation.email, &tenant.name, invitation.role.as_str(), &link)
                .await
            {
                Ok(true) => {
                    tracing::info!(tenant = %tenant.slug, email = %invitation.email, "invitation emailed");
                    true
                }
                Ok(false) => {
                    tracing::info!(
                        tenant = %tenant.slug,
                        email = %invitation.email,
                        role = invitation.role.as_str(),
                        %link,
                        "invitation created (no SMTP configured: pass the link on by hand)"
                    );
                    false
                }
                Err(error) => {
                    // The invitation stands; the inviter is shown the link to pass on.
                    tracing::warn!(tenant = %tenant.slug, email = %invitation.email, %error, "invitation email not sent");
                    false
                }
            };
            Ok(CreatedInvitation {
                invitation,
                link,
                emailed,
            })
        }
        .await,
    )
}

#[server(endpoint = "invites/revoke", prefix = "/api")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            ctx.in_tenant(async |tx| Ok(invitations::revoke(tx, id).await?))
                .await
        }
        .await,
    )
}

/// What an invitation link is for (no sign-in needed: the token is the key).
#[server(endpoint = "invites/preview", prefix = "/api")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let tenant = ctx.tenant()?;
            Ok(invitations::preview(&ctx.state.db, tenant, &token).await?)
        }
        .await,
    )
}

/// Accepts an invitation on the business's own address: signs in to (or
/// creates) the invited account, joins with the invitation's role, and starts a
/// session on this host. Returns where to go next.
#[server(endpoint = "invites/accept", prefix = "/api")]
pub async fn accept_invitation(
    token: String,
    email: String,
    #[server(default)] display_name: String,
    password: String,
) -> Result<String, AppError> {
    use crate::tenancy::{session, session::SessionAuth};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let tenant = ctx.tenant()?.clone();
            let user_id = invitations::accept(
                &ctx.state.db,
                &tenant,
                &token,
                invitations::AcceptInput {
                    email,
                    display_name,
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
                    user_id,
                    tenant_id: Some(tenant.id),
                    operator: false,
                    epoch: 0,
                    till_opener: Some(user_id),
                },
            )
            .await
            .map_err(|error| {
                tracing::error!(%error, "session store error");
                AppError::Internal
            })?;
            ctx.redirect_plain_form("/");
            Ok("/".to_string())
        }
        .await,
    )
}

/// The audit trail, newest first, at most 500 rows (owners and admins).
#[server(endpoint = "audit/list", prefix = "/api", input = server_fn::codec::Json)]
pub async fn list_audit(filter: AuditFilter) -> Result<Vec<AuditRow>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(audit_trail::list(tx, &filter).await?))
                .await
        }
        .await,
    )
}

/// Whether the chain of finalized documents is whole, and the first broken
/// link if not (owners and admins).
#[server(endpoint = "chain/verify", prefix = "/api")]
pub async fn verify_document_chain() -> Result<ChainReport, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(document_chain::verify(tx).await?))
                .await
        }
        .await,
    )
}

/// The actions recorded so far (for the filter).
#[server(endpoint = "audit/actions", prefix = "/api")]
pub async fn list_audit_actions() -> Result<Vec<String>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(audit_trail::actions(tx).await?))
                .await
        }
        .await,
    )
}

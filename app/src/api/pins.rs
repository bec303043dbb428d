//! `auth/pin-*`: PINs at the till (setting one, switching cashiers, a
//! manager's approval). The rules are in [`crate::domain::pins`].
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{PinApproval, PinPerson, PinSwitched},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};

/// Sets the signed-in member's own till PIN in this business (4–6 digits),
/// or removes it when `pin` is empty. The account password is checked first,
/// through the log-in throttle. Audited (`member.pin_set`,
/// `member.pin_removed`), never with the PIN.
#[server(endpoint = "auth/pin-set", prefix = "/api")]
pub async fn set_pin(#[server(default)] pin: String, password: String) -> Result<String, AppError> {
    use crate::domain::pins;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            ctx.actor()?;
            let email = ctx.user()?.email.clone();
            let pin = pin.trim();
            if !pin.is_empty() {
                pins::check_pin_shape(pin)?;
            }
            pins::check_password(&ctx.state.db, &email, &password, ctx.client_addr.as_deref()).await?;
            let hash = if pin.is_empty() {
                None
            } else {
                Some(pins::hash_pin(pin).await?)
            };
            let changed = ctx
                .in_tenant(async |cx| Ok(pins::store_own_pin(cx, hash.as_deref()).await?))
                .await?;
            Ok(match (hash.is_some(), changed) {
                (true, _) => "Your till PIN is set. Use it to switch in on a till.",
                (false, true) => "Your till PIN is removed.",
                (false, false) => "You have no till PIN here.",
            }
            .to_string())
        }
        .await,
    )
}

/// Removes another member's till PIN (managers and above, for members they
/// may manage). Audited.
#[server(endpoint = "auth/pin-clear", prefix = "/api")]
pub async fn clear_pin(user_id: Uuid) -> Result<String, AppError> {
    use crate::domain::pins;
    finish(
        async {
            let removed = RequestCtx::load()?
                .in_tenant(async |cx| Ok(pins::clear_pin(cx, user_id).await?))
                .await?;
            Ok(if removed {
                "Their till PIN is removed.".to_string()
            } else {
                "They have no till PIN.".to_string()
            })
        }
        .await,
    )
}

/// Active members of this business who have a till PIN (anyone who sells).
#[server(endpoint = "auth/pin-people", prefix = "/api")]
pub async fn pin_people() -> Result<Vec<PinPerson>, AppError> {
    use crate::domain::pins;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |cx| Ok(pins::people_with_pins(cx).await?))
                .await
        }
        .await,
    )
}

/// Switches this till's session to `user_id` with their PIN. Only on a till
/// a manager has opened (signed in here with the password of someone who is
/// now an active manager, admin or owner): else 403. A wrong PIN, a person
/// without one and a non-member get the same 422; too many wrong PINs, 429.
/// The session gets a new id and the member's identity; who opened the till
/// stays. Audited (`member.pin_switch`).
#[server(endpoint = "auth/pin-switch", prefix = "/api")]
pub async fn pin_switch(user_id: Uuid, pin: String) -> Result<PinSwitched, AppError> {
    use crate::{domain::pins, tenancy::session};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let (tenant_id, _) = ctx.actor()?;
            let opener = session::current_auth(&ctx.session)
                .await
                .map_err(session_error)?
                .and_then(|auth| auth.till_opener);
            ctx.in_tenant(async |cx| Ok(pins::check_till_opened(cx, opener).await?))
                .await?;
            let holder = pins::verify_pin(
                &ctx.state.db,
                tenant_id,
                user_id,
                &pin,
                ctx.client_addr.as_deref(),
            )
            .await?;
            ctx.in_tenant(async |cx| Ok(pins::record_switch(cx, &holder, opener).await?))
                .await?;
            session::switch_to(&ctx.session, &ctx.state.db, holder.user_id)
                .await
                .map_err(session_error)?;
            tracing::info!(to = %holder.user_id, "cashier switched by PIN");
            Ok(PinSwitched {
                user_id: holder.user_id,
                name: holder.name,
                role: holder.role,
            })
        }
        .await,
    )
}

/// A manager's PIN approves `action` (`discount` or `refund`) for the
/// signed-in member: checks the PIN (the same limits as switching) and that
/// the approver's role may do it, and answers a one-time token valid two
/// minutes for this member and action (`bills/finalize`'s
/// `"approval": {"token"}`, `credit_notes/create`'s `approval_token`).
#[server(endpoint = "auth/pin-approve", prefix = "/api")]
pub async fn pin_approve(user_id: Uuid, pin: String, action: String) -> Result<PinApproval, AppError> {
    use crate::{domain::pins, model::PinAction};
    finish(
        async {
            let action = PinAction::parse(&action)
                .ok_or_else(|| AppError::invalid("Approve a discount or a refund."))?;
            let ctx = RequestCtx::load()?;
            let (tenant_id, _) = ctx.actor()?;
            let holder = pins::verify_pin(
                &ctx.state.db,
                tenant_id,
                user_id,
                &pin,
                ctx.client_addr.as_deref(),
            )
            .await?;
            let token = ctx
                .in_tenant(async |cx| Ok(pins::issue_approval(cx, &holder, action).await?))
                .await?;
            Ok(PinApproval {
                token,
                approver: holder.name,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn session_error(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::Internal
}

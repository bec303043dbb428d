//! PINs at the till: each member may set a 4–6 digit PIN per business. On a
//! till a manager has opened with their password, people switch in with
//! their PIN; a manager's PIN approves what a cashier may not do alone (a
//! discount over the limit, a refund), through a one-time token.
//!
//! PINs are hashed with argon2 through [`password`] (the capped verifier; no
//! transaction is held while hashing) and never stored or logged in clear. A
//! PIN has few values, so guesses are limited harder than passwords, in the
//! log-in throttle's table (reserved before hashing, committed at once):
//! [`PERSON_LIMIT`] wrong PINs for a person in a business lock that person's
//! PIN for 15 minutes (the right PIN too, meanwhile), and [`ADDRESS_LIMIT`]
//! wrong PINs from one client address in a business lock that address, so
//! nobody sprays PINs across people. A right PIN clears the person's count.
//! A wrong PIN, a person without a PIN and someone who is not an active
//! member here are answered the same way, after the same work.
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    accounts,
    audit::{self, AuditEntry},
    password,
    throttle::{self, ThrottleKey},
};
use crate::{
    error::AppError,
    model::{PinAction, PinPerson, Role},
    permissions::{may_manage, Actor, Forbidden, Permission},
    tenancy::{Db, TenantCtx, TenantTx},
};

/// Wrong PINs for one person in one business before their PIN locks.
pub const PERSON_LIMIT: i32 = 5;
/// Wrong PINs from one client address in one business before it locks.
pub const ADDRESS_LIMIT: i32 = 20;
/// How long a lock lasts (seconds).
pub const LOCK_SECS: i32 = 900;
/// How long a PIN approval's token works.
pub const APPROVAL_TTL_SECONDS: i64 = 120;

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("{0}")]
    Invalid(String),
    #[error("That PIN is not right.")]
    WrongPin,
    #[error("Your password is not right.")]
    WrongPassword,
    #[error("Too many wrong PINs")]
    RateLimited,
    /// The session was not opened with the password of someone who is now a
    /// manager, admin or owner here (answered 403).
    #[error(
        "Switching cashiers works on a till a manager has opened: a manager, an admin or the owner signs in \
         on this till with their password first."
    )]
    TillNotOpened,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Refused by a role rule; the message says which (answered 403).
    #[error("{0}")]
    NotAllowed(String),
    #[error("That member was not found.")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl From<PinError> for AppError {
    fn from(e: PinError) -> Self {
        match e {
            PinError::Invalid(m) => AppError::Invalid(m),
            PinError::WrongPin | PinError::WrongPassword => AppError::Invalid(e.to_string()),
            PinError::RateLimited => AppError::RateLimited,
            PinError::TillNotOpened | PinError::Forbidden(_) | PinError::NotAllowed(_) => {
                AppError::Denied(e.to_string())
            }
            PinError::NotFound => AppError::NotFound(e.to_string()),
            PinError::Db(error) => crate::domain::db_errors::app_error("pins", &error),
            PinError::Hash(error) => {
                tracing::error!(%error, "PIN hashing failed");
                AppError::Internal
            }
        }
    }
}

/// A PIN is 4 to 6 digits.
pub fn check_pin_shape(pin: &str) -> Result<(), PinError> {
    if (4..=6).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PinError::Invalid("A PIN is 4 to 6 digits.".into()))
    }
}

/// The throttle keys of a PIN attempt for `user_id` in `tenant_id`: the
/// person first (the narrowest), then the client's address in this business.
pub fn pin_keys(tenant_id: Uuid, user_id: Uuid, client: Option<&str>) -> Vec<ThrottleKey> {
    let mut keys = vec![ThrottleKey {
        key: format!("pin-person:{tenant_id}|{user_id}"),
        threshold: PERSON_LIMIT,
    }];
    if let Some(addr) = client {
        keys.push(ThrottleKey {
            key: format!("pin-addr:{tenant_id}|{addr}"),
            threshold: ADDRESS_LIMIT,
        });
    }
    keys
}

/// A member whose PIN was right: an active member of the business now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinHolder {
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
}

/// Checks `pin` for `user_id` in `tenant_id`, throttled (reserved before
/// hashing). No transaction is held while the PIN hashes.
pub async fn verify_pin(
    db: &Db,
    tenant_id: Uuid,
    user_id: Uuid,
    pin: &str,
    client: Option<&str>,
) -> Result<PinHolder, PinError> {
    if check_pin_shape(pin).is_err() {
        // Cannot be anybody's PIN: refused without hashing (the shape is no secret).
        return Err(PinError::WrongPin);
    }
    let keys = pin_keys(tenant_id, user_id, client);
    let mut tx = db.platform_tx().await?;
    if !throttle::reserve_locking(tx.conn(), &keys, LOCK_SECS).await? {
        tx.rollback().await?;
        return Err(PinError::RateLimited);
    }
    // Committed before hashing, so parallel guesses see the reservation.
    tx.commit().await?;
    let mut tx = db.tenant_tx(tenant_id).await?;
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT p.pin_hash, m.role, coalesce(nullif(u.display_name, ''), u.email) \
         FROM member_pins p \
         JOIN memberships m ON m.tenant_id = p.tenant_id AND m.user_id = p.user_id \
         JOIN users u ON u.id = p.user_id \
         WHERE p.user_id = $1 AND m.is_active",
    )
    .bind(user_id)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let (hash, holder) = match row {
        Some((hash, role, name)) => (Some(hash), Role::parse(&role).map(|role| (role, name))),
        None => (None, None),
    };
    let ok = password::verify_password(pin.to_owned(), hash).await;
    match (ok, holder) {
        (true, Some((role, name))) => {
            let mut tx = db.platform_tx().await?;
            throttle::record_success(tx.conn(), &keys).await?;
            tx.commit().await?;
            Ok(PinHolder { user_id, name, role })
        }
        // The reserved attempt stays counted as a failure.
        _ => Err(PinError::WrongPin),
    }
}

/// Checks the signed-in person's account password before their PIN changes
/// (through the log-in throttle, like a password change).
pub async fn check_password(
    db: &Db,
    email: &str,
    password_text: &str,
    client: Option<&str>,
) -> Result<(), PinError> {
    match accounts::authenticate(db, email, password_text, client).await {
        Ok(_) => Ok(()),
        Err(accounts::AccountError::RateLimited) => Err(PinError::RateLimited),
        Err(accounts::AccountError::Db(e)) => Err(PinError::Db(e)),
        Err(accounts::AccountError::Hash(e)) => Err(PinError::Hash(e)),
        Err(_) => Err(PinError::WrongPassword),
    }
}

/// Hashes a new PIN (its shape checked first), outside any transaction.
pub async fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_pin_shape(pin)?;
    Ok(password::hash_password(pin.to_owned()).await?)
}

/// Sets (`Some(hash)`) or removes (`None`) the actor's own PIN in this
/// business; audited without the PIN. Returns whether anything changed (a
/// removal of no PIN changes nothing and is not audited).
pub async fn store_own_pin(cx: &mut TenantCtx<'_>, hash: Option<&str>) -> Result<bool, PinError> {
    let actor = cx.actor();
    let tenant_id = cx.tenant_id();
    match hash {
        Some(hash) => {
            sqlx::query(
                "INSERT INTO member_pins (tenant_id, user_id, pin_hash) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant_id, user_id) DO UPDATE SET pin_hash = EXCLUDED.pin_hash, set_at = now()",
            )
            .bind(tenant_id)
            .bind(actor.user_id)
            .bind(hash)
            .execute(cx.conn())
            .await?;
            audit::record(
                cx,
                AuditEntry::new("member.pin_set", "membership").entity_id(actor.user_id),
            )
            .await?;
            Ok(true)
        }
        None => {
            let removed = delete_pin(cx, actor.user_id).await?;
            if removed {
                audit::record(
                    cx,
                    AuditEntry::new("member.pin_removed", "membership").entity_id(actor.user_id),
                )
                .await?;
            }
            Ok(removed)
        }
    }
}

async fn delete_pin(tx: &mut TenantTx, user_id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM member_pins WHERE user_id = $1")
        .bind(user_id)
        .execute(tx.conn())
        .await?
        .rows_affected()
        > 0)
}

/// Removes another member's PIN (managers and above, for members they may
/// manage: a manager never clears an admin's or the owner's). Audited.
/// Returns whether they had one.
pub async fn clear_pin(cx: &mut TenantCtx<'_>, user_id: Uuid) -> Result<bool, PinError> {
    let actor = cx.require(Permission::ManageMembers)?;
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(cx.conn())
        .await?;
    let role = role.as_deref().and_then(Role::parse).ok_or(PinError::NotFound)?;
    if user_id != actor.user_id && !may_manage(actor.role, role) {
        return Err(PinError::NotAllowed(format!(
            "Your role may not remove the PIN of a member who is {}.",
            role.label().to_lowercase()
        )));
    }
    let removed = delete_pin(cx, user_id).await?;
    if removed {
        audit::record(
            cx,
            AuditEntry::new("member.pin_removed", "membership")
                .entity_id(user_id)
                .after(json!({ "by": actor.user_id })),
        )
        .await?;
    }
    Ok(removed)
}

/// Active members of this business who have a PIN, for the switch panel
/// (anyone who sells).
pub async fn people_with_pins(cx: &mut TenantCtx<'_>) -> Result<Vec<PinPerson>, PinError> {
    cx.require(Permission::Sell)?;
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT u.id, coalesce(nullif(u.display_name, ''), u.email), m.role \
         FROM member_pins p \
         JOIN memberships m ON m.tenant_id = p.tenant_id AND m.user_id = p.user_id \
         JOIN users u ON u.id = p.user_id \
         WHERE m.is_active ORDER BY 2, 1",
    )
    .fetch_all(cx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, role)| {
            Some(PinPerson {
                id,
                name,
                role: Role::parse(&role)?,
            })
        })
        .collect())
}

/// Whether this till may switch people: it was opened (`opener`, from the
/// session) with the password of someone who is now an active manager, admin
/// or owner of this business.
pub async fn check_till_opened(tx: &mut TenantTx, opener: Option<Uuid>) -> Result<(), PinError> {
    let Some(opener) = opener else {
        return Err(PinError::TillNotOpened);
    };
    match accounts::active_role(tx, opener).await? {
        Some(role) if role >= Role::Manager => Ok(()),
        _ => Err(PinError::TillNotOpened),
    }
}

/// Audits a PIN switch on this till (the actor is who was signed in before).
pub async fn record_switch(
    cx: &mut TenantCtx<'_>,
    to: &PinHolder,
    opener: Option<Uuid>,
) -> Result<(), PinError> {
    let from = cx.actor().user_id;
    audit::record(
        cx,
        AuditEntry::new("member.pin_switch", "membership")
            .entity_id(to.user_id)
            .after(json!({ "from": from, "to": to.user_id, "till_opener": opener })),
    )
    .await?;
    Ok(())
}

/// The permission an approval stands in for.
fn permission_of(action: PinAction) -> Permission {
    match action {
        PinAction::Discount => Permission::GiveLargeDiscount,
        PinAction::Refund => Permission::IssueCreditNote,
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().to_ascii_lowercase().as_bytes()).to_vec()
}

fn well_formed(token: &str) -> bool {
    let token = token.trim();
    token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit())
}

/// Issues a one-time approval by `approver` (whose PIN was just right) of
/// `action` for the actor (who asked), valid [`APPROVAL_TTL_SECONDS`]. The
/// approver's role must allow the action. Only the token's SHA-256 is stored;
/// the token is returned once. Audited (`member.pin_approval`).
pub async fn issue_approval(
    cx: &mut TenantCtx<'_>,
    approver: &PinHolder,
    action: PinAction,
) -> Result<String, PinError> {
    let requester = cx.require(Permission::Sell)?;
    let approving = Actor {
        user_id: approver.user_id,
        role: approver.role,
    };
    if approving.require(permission_of(action)).is_err() {
        return Err(PinError::NotAllowed(format!(
            "{} may not approve {}. Ask a manager, an admin or the owner.",
            approver.name,
            match action {
                PinAction::Discount => "discounts above the limit",
                PinAction::Refund => "refunds",
            }
        )));
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let id = Uuid::now_v7();
    let tenant_id = cx.tenant_id();
    sqlx::query(
        "INSERT INTO pin_approvals (tenant_id, id, token_hash, approver_id, requested_by, action, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(token_hash(&token))
    .bind(approver.user_id)
    .bind(requester.user_id)
    .bind(action.as_str())
    .bind(APPROVAL_TTL_SECONDS as f64)
    .execute(cx.conn())
    .await?;
    audit::record(
        cx,
        AuditEntry::new("member.pin_approval", "pin_approval")
            .entity_id(id)
            .after(json!({
                "approver": approver.user_id,
                "requested_by": requester.user_id,
                "action": action.as_str(),
            })),
    )
    .await?;
    Ok(token)
}

/// Uses up an approval token in the caller's transaction (so a rolled-back
/// sale leaves it unused): it must be unused, unexpired, for `requested_by`
/// and `action`. Returns the approver, or None when the token does not work.
pub async fn consume_approval(
    tx: &mut TenantTx,
    token: &str,
    requested_by: Uuid,
    action: PinAction,
) -> Result<Option<Uuid>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "UPDATE pin_approvals SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
           AND requested_by = $2 AND action = $3 \
         RETURNING approver_id",
    )
    .bind(token_hash(token))
    .bind(requested_by)
    .bind(action.as_str())
    .fetch_optional(tx.conn())
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_four_to_six_digits() {
        for good in ["1234", "00000", "987654"] {
            assert!(check_pin_shape(good).is_ok(), "{good}");
        }
        for bad in ["", "123", "1234567", "12a4", " 1234", "１２３４", "12.4"] {
            assert!(check_pin_shape(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pin_guesses_are_keyed_by_person_then_address() {
        let (t, u) = (Uuid::nil(), Uuid::from_u128(1));
        let keys = pin_keys(t, u, Some("192.0.2.1"));
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(
            names,
            [
                format!("pin-person:{t}|{u}").as_str(),
                format!("pin-addr:{t}|192.0.2.1").as_str()
            ]
        );
        assert_eq!(keys[0].threshold, PERSON_LIMIT);
        assert_eq!(pin_keys(t, u, None).len(), 1);
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(well_formed(&"a".repeat(64)));
        assert!(!well_formed("abc"));
        assert!(!well_formed(&"z".repeat(64)));
        assert_eq!(token_hash(&"A".repeat(64)), token_hash(&"a".repeat(64)));
    }
}

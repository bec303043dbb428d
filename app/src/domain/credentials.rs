//! Passwords after sign-up: a signed-in person changes theirs, and anyone can
//! ask for a reset link by email.
//!
//! Accounts are global (one person, many businesses), so all of this runs on
//! the owner pool, on the person's own row. Changing or resetting a password
//! moves the account's `session_epoch` on: every session made before is
//! signed out at its next request (see `tenancy::middleware::load_user`); a
//! change keeps the session that made it, a reset keeps none.
//!
//! Reset tokens are 256 random bits, stored only as their SHA-256, used once,
//! and expire after [`RESET_TTL_MINUTES`]. Asking for one answers the same
//! whether or not the account exists, and is throttled per address and per
//! account like log-in.
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    accounts::{normalize_email, AccountError},
    password, throttle,
};
use crate::tenancy::Db;

/// How long a reset link works.
pub const RESET_TTL_MINUTES: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{0}")]
    Invalid(String),
    #[error("Your current password is not right.")]
    WrongCurrent,
    #[error("This reset link has expired or was already used. Ask for a new one.")]
    ResetInvalid,
    #[error("Too many attempts")]
    RateLimited,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl From<CredentialError> for crate::error::AppError {
    fn from(e: CredentialError) -> Self {
        use crate::error::AppError;
        match e {
            CredentialError::Invalid(m) => AppError::Invalid(m),
            CredentialError::WrongCurrent | CredentialError::ResetInvalid => AppError::Invalid(e.to_string()),
            CredentialError::RateLimited => AppError::RateLimited,
            CredentialError::Db(error) => {
                tracing::error!(%error, "database error in credentials");
                AppError::Internal
            }
            CredentialError::Hash(error) => {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

fn rules(new_password: &str) -> Result<(), CredentialError> {
    password::check_password_rules(new_password).map_err(CredentialError::Invalid)
}

/// Changes the signed-in person's password after checking their current one.
/// The check goes through the log-in throttle (reserved before hashing), so a
/// stolen session cannot be used to guess the password. Returns the account's
/// new session epoch (the caller keeps its own session on it).
pub async fn change_password(
    db: &Db,
    user_id: Uuid,
    current: &str,
    new_password: &str,
    client: Option<&str>,
) -> Result<i32, CredentialError> {
    rules(new_password)?;
    let mut tx = db.platform_tx().await?;
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT email, password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(tx.conn())
            .await?;
    let Some((email, hash)) = row else {
        tx.rollback().await?;
        return Err(CredentialError::WrongCurrent);
    };
    let keys = throttle::keys_for(&email, client);
    if !throttle::reserve(tx.conn(), &keys).await? {
        tx.rollback().await?;
        return Err(CredentialError::RateLimited);
    }
    // The reservation is committed before hashing, so parallel guesses see it.
    tx.commit().await?;
    if current.is_empty()
        || current.chars().count() > password::MAX_PASSWORD_LEN
        || !password::verify_password(current.to_owned(), Some(hash)).await
    {
        // The reserved attempt stays counted as a failure.
        return Err(CredentialError::WrongCurrent);
    }
    let new_hash = password::hash_password(new_password.to_owned()).await?;
    let mut tx = db.platform_tx().await?;
    throttle::record_success(tx.conn(), &keys).await?;
    let epoch = set_password(&mut tx, user_id, &new_hash).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password changed");
    Ok(epoch)
}

/// Stores a new password hash, moves the session epoch on (ending every
/// session made before) and withdraws the account's unused reset links.
async fn set_password(
    tx: &mut crate::tenancy::PlatformTx,
    user_id: Uuid,
    hash: &str,
) -> Result<i32, sqlx::Error> {
    let epoch: i32 = sqlx::query_scalar(
        "UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1 \
         WHERE id = $1 RETURNING session_epoch",
    )
    .bind(user_id)
    .bind(hash)
    .fetch_one(tx.conn())
    .await?;
    sqlx::query("UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(epoch)
}

/// A reset link to send: the token (only here, never stored) and the address.
#[derive(Debug)]
pub struct ResetLink {
    pub token: String,
    pub email: String,
}

/// The throttle keys of a reset request: a few per account, more per address.
fn reset_keys(email: &str, client: Option<&str>) -> Vec<throttle::ThrottleKey> {
    let mut keys = Vec::with_capacity(2);
    if let Some(addr) = client {
        keys.push(throttle::ThrottleKey {
            key: format!("reset-addr:{addr}"),
            threshold: 20,
        });
    }
    keys.push(throttle::ThrottleKey {
        key: format!("reset-account:{email}"),
        threshold: 5,
    });
    keys
}

/// Starts a reset for `email`. `Ok(None)` when no account has that address:
/// the caller answers exactly as when it has one (no oracle). Throttled the
/// same way for known and unknown addresses.
pub async fn request_reset(
    db: &Db,
    email: &str,
    client: Option<&str>,
) -> Result<Option<ResetLink>, CredentialError> {
    let email = normalize_email(email).map_err(|e| match e {
        AccountError::Invalid(m) => CredentialError::Invalid(m),
        _ => CredentialError::Invalid("Please enter a valid email address.".into()),
    })?;
    let mut tx = db.platform_tx().await?;
    if !throttle::reserve(tx.conn(), &reset_keys(&email, client)).await? {
        tx.rollback().await?;
        return Err(CredentialError::RateLimited);
    }
    tx.commit().await?;
    let mut tx = db.platform_tx().await?;
    let user_id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = $1")
        .bind(&email)
        .fetch_optional(tx.conn())
        .await?;
    let Some(user_id) = user_id else {
        tx.commit().await?;
        return Ok(None);
    };
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    sqlx::query(
        "INSERT INTO password_resets (id, user_id, token_hash, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(token_hash(&token))
    .bind(RESET_TTL_MINUTES as i32)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset requested");
    Ok(Some(ResetLink { token, email }))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().to_ascii_lowercase().as_bytes()).to_vec()
}

fn check_token_shape(token: &str) -> Result<(), CredentialError> {
    let token = token.trim();
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CredentialError::ResetInvalid);
    }
    Ok(())
}

/// Whether a reset link still works (for its page, before the form is shown).
pub async fn reset_is_valid(db: &Db, token: &str) -> Result<bool, CredentialError> {
    if check_token_shape(token).is_err() {
        return Ok(false);
    }
    let mut tx = db.platform_tx().await?;
    let valid: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM password_resets \
                        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now())",
    )
    .bind(token_hash(token))
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(valid)
}

/// Sets a new password through a reset link: the link is used up, and every
/// session of the account ends (a stolen session dies with the old password).
/// The token is checked before the (costly) hash, and used atomically after.
pub async fn complete_reset(db: &Db, token: &str, new_password: &str) -> Result<Uuid, CredentialError> {
    check_token_shape(token)?;
    rules(new_password)?;
    if !reset_is_valid(db, token).await? {
        return Err(CredentialError::ResetInvalid);
    }
    let new_hash = password::hash_password(new_password.to_owned()).await?;
    let mut tx = db.platform_tx().await?;
    let user: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE password_resets r SET used_at = now() FROM users u \
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND u.id = r.user_id \
         RETURNING u.id, u.email",
    )
    .bind(token_hash(token))
    .fetch_optional(tx.conn())
    .await?;
    let Some((user_id, email)) = user else {
        tx.rollback().await?;
        return Err(CredentialError::ResetInvalid);
    };
    set_password(&mut tx, user_id, &new_hash).await?;
    // The owner of the address proved it: guesses against the account so far
    // no longer lock them out.
    let account_keys: Vec<_> = throttle::keys_for(&email, None);
    throttle::record_success(tx.conn(), &account_keys).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset");
    Ok(user_id)
}

/// Notes a password change in the business where it was made (the audit log
/// is per business; the hash is never in it).
pub async fn record_change(cx: &mut crate::tenancy::TenantCtx<'_>) -> Result<(), sqlx::Error> {
    let user_id = cx.actor().user_id;
    super::audit::record(
        cx,
        super::audit::AuditEntry::new("profile.password_changed", "user")
            .entity_id(user_id)
            .after(serde_json::json!({ "other_sessions": "ended" })),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(check_token_shape(&"a".repeat(64)).is_ok());
        assert!(check_token_shape(&"A".repeat(64)).is_ok());
        assert!(check_token_shape("abc").is_err());
        assert!(check_token_shape(&"g".repeat(64)).is_err());
        assert_eq!(token_hash(&"A".repeat(64)), token_hash(&"a".repeat(64)));
    }

    #[test]
    fn reset_requests_are_keyed_by_account_and_address() {
        let keys = reset_keys("a@b.test", Some("192.0.2.1"));
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["reset-addr:192.0.2.1", "reset-account:a@b.test"]);
        assert_eq!(reset_keys("a@b.test", None).len(), 1);
    }
}

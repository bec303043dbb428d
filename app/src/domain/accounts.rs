//! Accounts: sign-up, log-in, the organization picker and the hand-off of a
//! sign-in from the apex domain to a tenant subdomain.
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

use super::{
    audit::{self, AuditEntry},
    password, throttle,
};
use crate::{
    error::AppError,
    model::{OrgChoice, Role},
    org::{BusinessSettings, SETTINGS_COLUMNS},
    tenancy::{slug::validate_slug, Db, PlatformTx, ResolvedTenant, TenantTx},
};

/// How long a hand-off token lives.
pub const HANDOFF_TTL_SECONDS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("Email or password is incorrect.")]
    BadCredentials,
    #[error("That address is already taken. Please choose another.")]
    SlugTaken,
    #[error("Too many failed attempts")]
    RateLimited,
    #[error("You are not a member of that business.")]
    NotMember,
    #[error("This sign-in link has expired or was already used.")]
    HandoffInvalid,
    #[error("Someone else is signed in here. Log out first, then open the link again.")]
    HandoffOtherUser,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(m) => AppError::Invalid(m),
            AccountError::BadCredentials => AppError::Invalid(e.to_string()),
            AccountError::SlugTaken => AppError::Conflict(e.to_string()),
            AccountError::RateLimited => AppError::RateLimited,
            AccountError::NotMember => AppError::Forbidden,
            AccountError::HandoffInvalid => AppError::Invalid(e.to_string()),
            AccountError::HandoffOtherUser => AppError::Conflict(e.to_string()),
            AccountError::Db(error) => crate::domain::db_errors::app_error("accounts", &error),
            AccountError::Hash(error) => {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

/// Normalizes and checks an email address (kept simple: one `@`, a dot in the
/// domain, no spaces, at most 254 characters).
pub fn normalize_email(raw: &str) -> Result<String, AccountError> {
    let email = raw.trim().to_lowercase();
    let bad = || AccountError::Invalid("Please enter a valid email address.".into());
    if email.len() < 3 || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(email)
}

fn clean_name(raw: &str, what: &str) -> Result<String, AccountError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AccountError::Invalid(format!("Please enter {what}.")));
    }
    if name.chars().count() > 120 {
        return Err(AccountError::Invalid(format!(
            "{} must be at most 120 characters.",
            capitalize(what)
        )));
    }
    Ok(name.to_owned())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[derive(Debug, Clone)]
pub struct SignupInput {
    pub business_name: String,
    pub slug: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct SignedUp {
    pub user_id: Uuid,
    pub tenant: ResolvedTenant,
}

/// Whose business a sign-up makes: an account whose password was checked, or a
/// new one.
enum OwnerAccount {
    Existing(Uuid),
    New { password_hash: String },
}

/// Creates a business: the tenant, its owner's account (or reuses the account
/// when the password matches it) and the owner membership, in one transaction.
///
/// Sign-up is a password check like log-in: the address is checked first (a
/// taken one is refused the same way for every email), then an attempt is
/// reserved in the log-in throttle for `client` before any hashing, and a wrong
/// password for an existing email is answered exactly as log-in answers it.
pub async fn sign_up(
    db: &Db,
    input: SignupInput,
    client: Option<&str>,
    request_id: Option<&str>,
) -> Result<SignedUp, AccountError> {
    let business_name = clean_name(&input.business_name, "the business name")?;
    let display_name = clean_name(&input.display_name, "your name")?;
    let slug = input.slug.trim().to_lowercase();
    validate_slug(&slug).map_err(|e| AccountError::Invalid(e.to_string()))?;
    let email = normalize_email(&input.email)?;
    password::check_password_rules(&input.password).map_err(AccountError::Invalid)?;
    let keys = throttle::keys_for(&email, client);

    let mut tx = db.platform_tx().await?;
    let slug_taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants WHERE slug = $1)")
        .bind(&slug)
        .fetch_one(tx.conn())
        .await?;
    if slug_taken {
        tx.rollback().await?;
        return Err(AccountError::SlugTaken);
    }
    if !throttle::reserve(tx.conn(), &keys).await? {
        tx.rollback().await?;
        return Err(AccountError::RateLimited);
    }
    let existing: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = $1")
            .bind(&email)
            .fetch_optional(tx.conn())
            .await?;
    // The reservation is committed before hashing, so parallel attempts see it.
    tx.commit().await?;
    let account = match existing {
        Some((id, hash)) => {
            if !password::verify_password(input.password.clone(), Some(hash)).await {
                return Err(AccountError::BadCredentials);
            }
            OwnerAccount::Existing(id)
        }
        None => OwnerAccount::New {
            password_hash: password::hash_password(input.password.clone()).await?,
        },
    };

    let mut tx = db.platform_tx().await?;
    let user_id = match account {
        OwnerAccount::Existing(id) => {
            throttle::record_success(tx.conn(), &keys).await?;
            id
        }
        OwnerAccount::New { password_hash } => {
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(&email)
                .bind(&display_name)
                .bind(&password_hash)
                .execute(tx.conn())
                .await
                // Someone made this account meanwhile: its password was not checked.
                .map_err(|e| on_unique(e, "users_email_key", AccountError::BadCredentials))?;
            throttle::record_new_account(tx.conn(), &keys).await?;
            id
        }
    };

    let tenant_id = Uuid::now_v7();
    sqlx::query("INSERT INTO tenants (id, slug, name, business_type) VALUES ($1, $2, $3, 'retail')")
        .bind(tenant_id)
        .bind(&slug)
        .bind(&business_name)
        .execute(tx.conn())
        .await
        .map_err(|e| on_unique(e, "tenants_slug_key", AccountError::SlugTaken))?;
    // From here on the tenant's rows, as the tenant role under RLS.
    let mut tx = tx.into_tenant(tenant_id).await?;
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')")
        .bind(tenant_id)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    audit::record_as(
        &mut tx,
        Some(user_id),
        request_id,
        AuditEntry::new("tenant.created", "tenant")
            .entity_id(tenant_id)
            .after(json!({ "slug": slug, "name": business_name, "owner": email })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%tenant_id, slug = %slug, "business signed up");
    Ok(SignedUp {
        user_id,
        tenant: ResolvedTenant::new(
            tenant_id,
            slug,
            BusinessSettings {
                name: business_name,
                ..BusinessSettings::default()
            },
        ),
    })
}

/// Maps a unique violation of `constraint` to `to`; anything else stays a
/// database error (logged, never shown).
fn on_unique(e: sqlx::Error, constraint: &str, to: AccountError) -> AccountError {
    if crate::domain::db_errors::broke(&e, constraint) {
        return to;
    }
    AccountError::Db(e)
}

/// Checks an email and password, with throttling. Returns the user id. Wrong
/// email and wrong password are the same error.
///
/// The attempt is reserved (and committed) before the hash is computed, so
/// parallel guesses are counted before any of them is checked; the hash runs
/// outside any transaction, holding no connection.
pub async fn authenticate(
    db: &Db,
    email: &str,
    password_text: &str,
    client: Option<&str>,
) -> Result<Uuid, AccountError> {
    let email = normalize_email(email).map_err(|_| AccountError::BadCredentials)?;
    if password_text.is_empty() || password_text.chars().count() > password::MAX_PASSWORD_LEN {
        return Err(AccountError::BadCredentials);
    }
    let keys = throttle::keys_for(&email, client);
    let mut tx: PlatformTx = db.platform_tx().await?;
    if !throttle::reserve(tx.conn(), &keys).await? {
        tx.rollback().await?;
        return Err(AccountError::RateLimited);
    }
    let row: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = $1")
            .bind(&email)
            .fetch_optional(tx.conn())
            .await?;
    tx.commit().await?;
    let (user_id, hash) = match row {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify_password(password_text.to_owned(), hash).await;
    match (ok, user_id) {
        (true, Some(id)) => {
            let mut tx: PlatformTx = db.platform_tx().await?;
            throttle::record_success(tx.conn(), &keys).await?;
            tx.commit().await?;
            Ok(id)
        }
        // The reserved attempt stays counted as a failure.
        _ => Err(AccountError::BadCredentials),
    }
}

/// Log-in on a tenant's subdomain: the credentials must be right *and* the user
/// must be an active member of this tenant (same message when not).
pub async fn log_in_to_tenant(
    db: &Db,
    tenant: &ResolvedTenant,
    email: &str,
    password_text: &str,
    client: Option<&str>,
    request_id: Option<&str>,
) -> Result<Uuid, AccountError> {
    let user_id = authenticate(db, email, password_text, client).await?;
    let mut tx = db.tenant_tx(tenant.id).await?;
    if active_role(&mut tx, user_id).await?.is_none() {
        tx.rollback().await?;
        return Err(AccountError::BadCredentials);
    }
    sqlx::query("UPDATE memberships SET last_seen_at = now() WHERE user_id = $1")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    audit::record_as(
        &mut tx,
        Some(user_id),
        request_id,
        AuditEntry::new("auth.login", "user").entity_id(user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// The businesses a user belongs to (apex organization picker). Cross-tenant by
/// nature, so it reads through the platform path, and only this user's rows.
pub async fn organizations_of(db: &Db, user_id: Uuid) -> Result<Vec<OrgChoice>, AccountError> {
    let mut tx = db.platform_tx().await?;
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT t.slug, t.name, m.role, t.status FROM memberships m \
         JOIN tenants t ON t.id = m.tenant_id \
         WHERE m.user_id = $1 AND m.is_active ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|(slug, name, role, status)| {
            Some(OrgChoice {
                slug,
                name,
                role: Role::parse(&role)?,
                suspended: status == "suspended",
            })
        })
        .collect())
}

/// The user's role in the transaction's tenant, if their membership is active.
pub async fn active_role(tx: &mut TenantTx, user_id: Uuid) -> Result<Option<Role>, sqlx::Error> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1 AND is_active")
            .bind(user_id)
            .fetch_optional(tx.conn())
            .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Issues a single-use hand-off token for `user_id` into the tenant `slug`
/// (only when the user is an active member of an active tenant). Only the
/// token's SHA-256 is stored; the token itself goes into the redirect URL.
pub async fn issue_handoff(
    db: &Db,
    user_id: Uuid,
    slug: &str,
) -> Result<(String, ResolvedTenant), AccountError> {
    let mut ptx = db.platform_tx().await?;
    let row = sqlx::query(&format!(
        "SELECT id, slug, status, {SETTINGS_COLUMNS} FROM tenants WHERE slug = $1"
    ))
    .bind(slug.trim().to_lowercase())
    .fetch_optional(ptx.conn())
    .await?;
    ptx.commit().await?;
    let Some(row) = row else {
        return Err(AccountError::NotMember);
    };
    let status: String = row.try_get("status")?;
    if status != "active" {
        return Err(AccountError::NotMember);
    }
    let tenant = ResolvedTenant::new(
        row.try_get("id")?,
        row.try_get("slug")?,
        BusinessSettings::from_row(&row)?,
    );
    let tenant_id = tenant.id;
    let mut tx = db.tenant_tx(tenant_id).await?;
    let member = active_role(&mut tx, user_id).await?.is_some();
    if !member {
        tx.rollback().await?;
        return Err(AccountError::NotMember);
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    sqlx::query(
        "INSERT INTO handoff_tokens (tenant_id, id, token_hash, user_id, expires_at) \
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(tenant_id)
    .bind(Uuid::now_v7())
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(HANDOFF_TTL_SECONDS as f64)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok((token, tenant))
}

/// Whom a hand-off token would sign in, without using it (for the page that
/// asks before completing a hand-off that did not come from our own site).
pub async fn peek_handoff(db: &Db, tenant_id: Uuid, token: &str) -> Result<HandoffUser, AccountError> {
    let hash = handoff_hash(token)?;
    let mut tx = db.tenant_tx(tenant_id).await?;
    let row: Option<(Uuid, String, String)> = sqlx::query_as(
        "SELECT u.id, u.email, u.display_name FROM handoff_tokens h JOIN users u ON u.id = h.user_id \
         WHERE h.token_hash = $1 AND h.used_at IS NULL AND h.expires_at > now()",
    )
    .bind(hash)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let (user_id, email, display_name) = row.ok_or(AccountError::HandoffInvalid)?;
    Ok(HandoffUser {
        user_id,
        email,
        display_name,
    })
}

/// The account a hand-off token is for.
#[derive(Debug, Clone)]
pub struct HandoffUser {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
}

fn handoff_hash(token: &str) -> Result<Vec<u8>, AccountError> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AccountError::HandoffInvalid);
    }
    Ok(token_hash(&token.to_ascii_lowercase()))
}

/// Redeems a hand-off token on the tenant's own host: marks it used (once, and
/// only before it expires) and returns the user, who must still be a member.
/// When the browser is already signed in here as someone else (`signed_in_as`)
/// nothing happens and the token stays usable: a hand-off never silently
/// replaces another person's session.
pub async fn redeem_handoff(
    db: &Db,
    tenant_id: Uuid,
    token: &str,
    signed_in_as: Option<Uuid>,
    request_id: Option<&str>,
) -> Result<Uuid, AccountError> {
    let hash = handoff_hash(token)?;
    let mut tx = db.tenant_tx(tenant_id).await?;
    let user_id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE handoff_tokens SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
         RETURNING user_id",
    )
    .bind(hash)
    .fetch_optional(tx.conn())
    .await?;
    let Some(user_id) = user_id else {
        tx.rollback().await?;
        return Err(AccountError::HandoffInvalid);
    };
    if signed_in_as.is_some_and(|current| current != user_id) {
        tx.rollback().await?;
        return Err(AccountError::HandoffOtherUser);
    }
    let member = active_role(&mut tx, user_id).await?.is_some();
    if !member {
        tx.rollback().await?;
        return Err(AccountError::HandoffInvalid);
    }
    audit::record_as(
        &mut tx,
        Some(user_id),
        request_id,
        AuditEntry::new("auth.login", "user")
            .entity_id(user_id)
            .after(json!({ "via": "handoff" })),
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Adds an account with a role to a tenant (used by the demo seed until
/// invitations exist). Idempotent: an existing member is left as is.
pub async fn ensure_member_account(
    db: &Db,
    tenant_id: Uuid,
    email: &str,
    display_name: &str,
    password_text: &str,
    role: Role,
) -> Result<Uuid, AccountError> {
    let email = normalize_email(email)?;
    let mut tx = db.platform_tx().await?;
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = $1")
        .bind(&email)
        .fetch_optional(tx.conn())
        .await?;
    let user_id = match existing {
        Some(id) => id,
        None => {
            let hash = password::hash_password(password_text.to_owned()).await?;
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(&email)
                .bind(display_name)
                .bind(hash)
                .execute(tx.conn())
                .await?;
            id
        }
    };
    let mut tx = tx.into_tenant(tenant_id).await?;
    let inserted = sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id)
    .bind(user_id)
    .bind(role.as_str())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if inserted == 1 {
        audit::record_as(
            &mut tx,
            None,
            None,
            AuditEntry::new("member.added", "membership")
                .entity_id(user_id)
                .after(json!({ "email": email, "role": role.as_str() })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Owner@Acme.Test ").unwrap(), "owner@acme.test");
        for bad in [
            "",
            "no-at",
            "a@b",
            "a b@c.d",
            "@acme.test",
            "a@.test",
            "a@test.",
            "a@b@c.d",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("  Acme  ", "the business name").unwrap(), "Acme");
        assert!(clean_name("   ", "the business name").is_err());
        assert!(clean_name(&"x".repeat(121), "your name").is_err());
    }
}

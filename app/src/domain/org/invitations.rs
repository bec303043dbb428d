//! Invitations: how people join a business.
//!
//! The token is 256 bits from the operating system's CSPRNG, handed out once in
//! the link and stored only as its SHA-256 hash. It carries nothing: the role
//! and the email are read from the invitation row. An invitation is used once,
//! expires after [`INVITE_TTL_DAYS`], and accepting it requires the invited
//! email (signing in to that account, or creating it). The plan's `max_users`
//! counts active members plus pending invitations.
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    members::{check_may_grant, with_article},
    stamp, OrgError,
};
use crate::{
    domain::{
        accounts::{self, normalize_email, AccountError},
        audit::{self, AuditEntry},
        password,
    },
    model::Role,
    org::{InvitationPreview, InvitationStatus, InvitationView},
    permissions::{may_grant, Permission},
    tenancy::{Db, ResolvedTenant, TenantCtx},
};

pub const INVITE_TTL_DAYS: i64 = 7;

/// A fresh token (64 hex characters) and the hash that is stored.
fn new_token() -> (String, Vec<u8>) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token that cannot be one of ours is refused before any lookup.
fn parse_token(token: &str) -> Result<Vec<u8>, OrgError> {
    if token.len() != 64
        || !token
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    {
        return Err(not_valid());
    }
    Ok(token_hash(token))
}

fn not_valid() -> OrgError {
    OrgError::Invalid("This invitation link is not valid. Ask for a new one.".into())
}

fn email_error(e: AccountError) -> OrgError {
    match e {
        AccountError::Invalid(m) => OrgError::Invalid(m),
        AccountError::Db(db) => OrgError::Db(db),
        other => OrgError::Invalid(other.to_string()),
    }
}

fn status_of(
    accepted: Option<chrono::DateTime<chrono::Utc>>,
    revoked: Option<chrono::DateTime<chrono::Utc>>,
    expires: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> InvitationStatus {
    if accepted.is_some() {
        InvitationStatus::Accepted
    } else if revoked.is_some() {
        InvitationStatus::Revoked
    } else if expires <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn refusal(status: InvitationStatus) -> Option<OrgError> {
    match status {
        InvitationStatus::Pending => None,
        InvitationStatus::Accepted => Some(OrgError::Invalid(
            "This invitation was already used. Sign in instead, or ask for a new one.".into(),
        )),
        InvitationStatus::Revoked => Some(OrgError::Invalid(
            "This invitation was withdrawn. Ask the business for a new one.".into(),
        )),
        InvitationStatus::Expired => Some(OrgError::Invalid(
            "This invitation has expired. Ask the business for a new one.".into(),
        )),
    }
}

type InvitationRow = (
    Uuid,
    String,
    String,
    Option<String>,
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

const SELECT_VIEW: &str =
    "SELECT i.id, i.email, i.role, u.display_name, i.expires_at, i.accepted_at, i.revoked_at, \
            i.created_at, now() \
     FROM invitations i LEFT JOIN users u ON u.id = i.invited_by";

fn view_of(row: InvitationRow) -> Option<InvitationView> {
    let (id, email, role, by, expires, accepted, revoked, created, now) = row;
    Some(InvitationView {
        id,
        email,
        role: Role::parse(&role)?,
        status: status_of(accepted, revoked, expires, now),
        invited_by: by.unwrap_or_else(|| "a former member".into()),
        expires_at: stamp(expires),
        created_at: stamp(created),
    })
}

/// Invites `email` with `role`. Returns the invitation and the token (shown to
/// the inviter once, inside the link). A pending invitation for the same
/// email is withdrawn: only the newest link works.
pub async fn create(
    tx: &mut TenantCtx<'_>,
    email: &str,
    role: Role,
) -> Result<(InvitationView, String), OrgError> {
    let actor = &tx.require(Permission::InviteMembers)?;
    check_may_grant(actor, role)?;
    let email = normalize_email(email).map_err(email_error)?;
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
                        WHERE u.email = $1 AND m.is_active)",
    )
    .bind(&email)
    .fetch_one(tx.conn())
    .await?;
    if member {
        return Err(OrgError::Conflict(format!(
            "{email} is already a member of this business."
        )));
    }
    // The tenant row is locked so two invitations at once cannot both take the
    // last seat.
    let (max_users, members, pending): (i32, i64, i64) = sqlx::query_as(
        "SELECT t.max_users, \
                (SELECT count(*) FROM memberships WHERE is_active), \
                (SELECT count(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL \
                   AND expires_at > now() AND email <> $1) \
         FROM tenants t FOR UPDATE",
    )
    .bind(&email)
    .fetch_one(tx.conn())
    .await?;
    if members + pending >= i64::from(max_users) {
        return Err(OrgError::Conflict(format!(
            "Your plan allows {max_users} users and {members} members plus {pending} pending invitations \
             already take them. Withdraw an invitation or deactivate a member first."
        )));
    }
    sqlx::query(
        "UPDATE invitations SET revoked_at = now() \
         WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(&email)
    .execute(tx.conn())
    .await?;
    let (token, hash) = new_token();
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(&email)
    .bind(role.as_str())
    .bind(&hash)
    .bind(actor.user_id)
    .bind(INVITE_TTL_DAYS as i32)
    .execute(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry::new("invitation.created", "invitation")
            .entity_id(id)
            .after(json!({ "email": email, "role": role, "expires_in_days": INVITE_TTL_DAYS })),
    )
    .await?;
    let row: InvitationRow = sqlx::query_as(&format!("{SELECT_VIEW} WHERE i.id = $1"))
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
    let view = view_of(row).ok_or(OrgError::NotFound("Invitation"))?;
    Ok((view, token))
}

/// Pending invitations and those of the last 30 days.
pub async fn list(tx: &mut TenantCtx<'_>) -> Result<Vec<InvitationView>, OrgError> {
    tx.require(Permission::InviteMembers)?;
    let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
        "{SELECT_VIEW} WHERE (i.accepted_at IS NULL AND i.revoked_at IS NULL) \
                          OR i.created_at > now() - interval '30 days' \
         ORDER BY i.created_at DESC LIMIT 200"
    ))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().filter_map(view_of).collect())
}

/// Withdraws a pending invitation. One may withdraw only what one could grant.
pub async fn revoke(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<(), OrgError> {
    let actor = &tx.require(Permission::InviteMembers)?;
    let row: Option<InvitationState> = sqlx::query_as(
        "SELECT id, email, role, expires_at, accepted_at, revoked_at, now() AS now, 0 AS max_users \
         FROM invitations WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let InvitationState {
        email,
        role,
        accepted_at: accepted,
        revoked_at: revoked,
        ..
    } = row.ok_or(OrgError::NotFound("Invitation"))?;
    let role = Role::parse(&role).ok_or(OrgError::NotFound("Invitation"))?;
    if !may_grant(actor.role, role) {
        return Err(OrgError::NotAllowed(format!(
            "You cannot withdraw an invitation for {}.",
            with_article(role)
        )));
    }
    if accepted.is_some() {
        return Err(OrgError::Conflict("That invitation was already accepted.".into()));
    }
    if revoked.is_some() {
        return Ok(());
    }
    sqlx::query("UPDATE invitations SET revoked_at = now() WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    audit::record(
        tx,
        AuditEntry::new("invitation.revoked", "invitation")
            .entity_id(id)
            .before(json!({ "email": email, "role": role })),
    )
    .await?;
    Ok(())
}

/// What the invitation page shows before accepting. Read in the tenant of the
/// host the link was opened on: another business's link finds nothing here.
pub async fn preview(db: &Db, tenant: &ResolvedTenant, token: &str) -> Result<InvitationPreview, OrgError> {
    let hash = parse_token(token)?;
    let mut tx = db.tenant_tx(tenant.id).await?;
    let row: Option<InvitationState> = sqlx::query_as(
        "SELECT id, email, role, expires_at, accepted_at, revoked_at, now() AS now, 0 AS max_users \
         FROM invitations WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let InvitationState {
        email,
        role,
        expires_at: expires,
        accepted_at: accepted,
        revoked_at: revoked,
        now,
        ..
    } = row.ok_or_else(not_valid)?;
    let has_account = account_exists(db, &email).await?;
    Ok(InvitationPreview {
        business: tenant.name.clone(),
        email,
        role: Role::parse(&role).ok_or_else(not_valid)?,
        status: status_of(accepted, revoked, expires, now),
        has_account,
    })
}

/// Whether an account exists for an email (users are global: platform path).
async fn account_exists(db: &Db, email: &str) -> Result<bool, OrgError> {
    let mut tx = db.platform_tx().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)")
        .bind(email)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(exists)
}

#[derive(Debug, Clone)]
pub struct AcceptInput {
    pub email: String,
    /// For a new account only.
    pub display_name: String,
    pub password: String,
}

/// The pending invitation a token opens on this host, or why it cannot be
/// used. Nothing about accounts is looked at before this says yes.
async fn pending_invitation(db: &Db, tenant: &ResolvedTenant, hash: &[u8]) -> Result<String, OrgError> {
    let mut tx = db.tenant_tx(tenant.id).await?;
    let row: Option<InvitationState> = sqlx::query_as(
        "SELECT id, email, role, expires_at, accepted_at, revoked_at, now() AS now, 0 AS max_users \
         FROM invitations WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    let state = row.ok_or_else(not_valid)?;
    if let Some(refused) = refusal(status_of(
        state.accepted_at,
        state.revoked_at,
        state.expires_at,
        state.now,
    )) {
        return Err(refused);
    }
    Ok(state.email)
}

/// Who accepts: an account whose password was checked, or a new one.
enum Joiner {
    Existing(Uuid),
    New {
        display_name: String,
        password_hash: String,
    },
}

/// Accepts an invitation: signs in to the invited account (or creates it) and
/// makes it a member with the invitation's role, in one transaction. Returns
/// the user to sign in on this host.
///
/// The token is checked first: a made-up, spent or other business's token is
/// refused the same way whatever email comes with it. Only then is the
/// invited account's password checked, through the throttled log-in path.
pub async fn accept(
    db: &Db,
    tenant: &ResolvedTenant,
    token: &str,
    input: AcceptInput,
    client: Option<&str>,
    request_id: Option<&str>,
) -> Result<Uuid, OrgError> {
    let hash = parse_token(token)?;
    let invited_email = pending_invitation(db, tenant, &hash).await?;
    let email = normalize_email(&input.email).map_err(email_error)?;
    if invited_email != email {
        return Err(OrgError::Invalid(
            "This invitation is for a different email address. Use the address it was sent to.".into(),
        ));
    }
    // Known account: its password, through the throttled path. A new one:
    // its password is hashed now, before any transaction is open.
    let user = if account_exists(db, &email).await? {
        let id = accounts::authenticate(db, &email, &input.password, client)
            .await
            .map_err(|e| match e {
                AccountError::BadCredentials => OrgError::Invalid(
                    "An account with this email exists and the password does not match it.".into(),
                ),
                AccountError::RateLimited => {
                    OrgError::Invalid("Too many attempts. Please wait a few minutes and try again.".into())
                }
                other => email_error(other),
            })?;
        Joiner::Existing(id)
    } else {
        let display_name = input.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 120 {
            return Err(OrgError::invalid(
                "Please enter your name (at most 120 characters).",
            ));
        }
        password::check_password_rules(&input.password).map_err(OrgError::Invalid)?;
        let password_hash = password::hash_password(input.password.clone()).await?;
        Joiner::New {
            display_name,
            password_hash,
        }
    };

    // The owner pool writes only the new `users` row; the membership, the
    // invitation and the audit row are written as the tenant role under RLS,
    // in the same transaction.
    let mut owner_tx = db.platform_tx().await?;
    let user_id = match user {
        Joiner::Existing(id) => id,
        Joiner::New {
            display_name,
            password_hash,
        } => {
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(&email)
                .bind(&display_name)
                .bind(&password_hash)
                .execute(owner_tx.conn())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.constraint() == Some("users_email_key") => {
                        OrgError::Conflict(
                            "An account with this email was just made. Enter its password to join.".into(),
                        )
                    }
                    _ => OrgError::Db(e),
                })?;
            id
        }
    };
    let mut tx = owner_tx.into_tenant(tenant.id).await?;
    // Locked, and checked again: another acceptance may have won meanwhile.
    let row: Option<InvitationState> = sqlx::query_as(
        "SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, now() AS now, t.max_users \
             FROM invitations i JOIN tenants t ON t.id = i.tenant_id \
             WHERE i.token_hash = $1 FOR UPDATE OF i, t",
    )
    .bind(&hash)
    .fetch_optional(tx.conn())
    .await?;
    let InvitationState {
        id: invitation_id,
        role,
        expires_at: expires,
        accepted_at: accepted,
        revoked_at: revoked,
        now,
        max_users,
        ..
    } = row.ok_or_else(not_valid)?;
    if let Some(refused) = refusal(status_of(accepted, revoked, expires, now)) {
        return Err(refused);
    }
    let existing: Option<bool> =
        sqlx::query_scalar("SELECT is_active FROM memberships WHERE user_id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(tx.conn())
            .await?;
    if existing == Some(true) {
        return Err(OrgError::Conflict(
            "You are already a member of this business. Sign in instead.".into(),
        ));
    }
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE is_active")
        .fetch_one(tx.conn())
        .await?;
    if active >= i64::from(max_users) {
        return Err(OrgError::Conflict(
            "This business has no free seat on its plan right now. Ask it to make room.".into(),
        ));
    }
    match existing {
        Some(_) => {
            sqlx::query("UPDATE memberships SET role = $2, is_active = true WHERE user_id = $1")
                .bind(user_id)
                .bind(&role)
                .execute(tx.conn())
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)")
                .bind(tenant.id)
                .bind(user_id)
                .bind(&role)
                .execute(tx.conn())
                .await?;
        }
    }
    sqlx::query("UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1")
        .bind(invitation_id)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    audit::record_as(
        &mut tx,
        Some(user_id),
        request_id,
        AuditEntry::new("member.joined", "membership")
            .entity_id(user_id)
            .after(json!({ "email": email, "role": role, "invitation": invitation_id })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant.slug, %user_id, "invitation accepted");
    Ok(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_a.len(), 32);
        assert_eq!(parse_token(&a).unwrap(), hash_a);
    }

    #[test]
    fn malformed_tokens_are_refused_before_any_lookup() {
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(65)] {
            assert!(parse_token(bad).is_err(), "{bad}");
        }
    }
}

/// An invitation's row as read to decide what may still happen to it.
#[derive(sqlx::FromRow)]
struct InvitationState {
    id: Uuid,
    email: String,
    role: String,
    expires_at: chrono::DateTime<chrono::Utc>,
    accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The database's clock, so expiry never depends on the server's.
    now: chrono::DateTime<chrono::Utc>,
    /// The tenant's plan limit (0 where the query does not need it).
    max_users: i32,
}

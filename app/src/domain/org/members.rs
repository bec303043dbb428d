//! The team: who belongs to the business, in which role, and whether they may
//! still sign in. Rules (see docs/roles.md):
//! * nobody grants a role above their own, and only owners grant owner or admin
//!   (`permissions::may_grant`); the same rule applies to whom one may change;
//! * a business always keeps one active owner: refused here with a clear
//!   message, and by a deferred trigger in the schema whatever query tries;
//! * nobody changes or deactivates themselves (an owner hands over first).
//!
//! Deactivation takes effect at the member's next request: the middleware
//! checks the membership on every request. Their open event streams end when
//! [`end_streams`] is called after the commit.
use serde_json::json;
use uuid::Uuid;

use super::{stamp, OrgError};
use crate::{
    domain::audit::{self, AuditEntry},
    model::Role,
    org::MemberView,
    permissions::{may_grant, may_manage, Actor, Permission},
    tenancy::{TenantCtx, TenantTx},
};

type MemberRow = (
    Uuid,
    String,
    String,
    String,
    bool,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
);

pub async fn list(tx: &mut TenantCtx<'_>) -> Result<Vec<MemberView>, OrgError> {
    tx.require(Permission::ViewMembers)?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, m.role, m.is_active, m.last_seen_at, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         ORDER BY m.is_active DESC, \
                  array_position(ARRAY['owner','admin','manager','cashier'], m.role), \
                  lower(u.display_name)",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, display_name, email, role, is_active, seen, joined)| {
            Some(MemberView {
                user_id,
                display_name,
                email,
                role: Role::parse(&role)?,
                is_active,
                last_seen_at: seen.map(stamp),
                joined_at: stamp(joined),
            })
        })
        .collect())
}

/// The member's current role and status, locked for the rest of the transaction.
async fn lock_member(tx: &mut TenantTx, user_id: Uuid) -> Result<(Role, bool), OrgError> {
    let row: Option<(String, bool)> =
        sqlx::query_as("SELECT role, is_active FROM memberships WHERE user_id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(tx.conn())
            .await?;
    let (role, active) = row.ok_or(OrgError::NotFound("Member"))?;
    Ok((Role::parse(&role).ok_or(OrgError::NotFound("Member"))?, active))
}

/// Whether another active owner would remain. Locks the owners' rows so two
/// owners demoting each other at once cannot both pass (the trigger is the
/// backstop either way).
async fn another_active_owner(tx: &mut TenantTx, user_id: Uuid) -> Result<bool, OrgError> {
    let others: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE role = 'owner' AND is_active AND user_id <> $1 \
         ORDER BY user_id FOR UPDATE",
    )
    .bind(user_id)
    .fetch_all(tx.conn())
    .await?;
    Ok(!others.is_empty())
}

fn check_may_manage(actor: &Actor, target: Uuid, current: Role) -> Result<(), OrgError> {
    actor.require(Permission::ManageMembers)?;
    if target == actor.user_id {
        return Err(OrgError::NotAllowed(
            "You cannot change your own membership; ask another owner or admin.".into(),
        ));
    }
    if !may_manage(actor.role, current) {
        return Err(OrgError::NotAllowed(format!(
            "A {} cannot change a member who is {}.",
            actor.role.label().to_lowercase(),
            with_article(current)
        )));
    }
    Ok(())
}

pub fn with_article(role: Role) -> String {
    match role {
        Role::Owner | Role::Admin => format!("an {}", role.label().to_lowercase()),
        Role::Manager | Role::Cashier => format!("a {}", role.label().to_lowercase()),
    }
}

pub fn check_may_grant(actor: &Actor, role: Role) -> Result<(), OrgError> {
    if may_grant(actor.role, role) {
        Ok(())
    } else if role >= Role::Admin {
        Err(OrgError::NotAllowed(format!(
            "Only owners can make someone {}.",
            with_article(role)
        )))
    } else {
        Err(OrgError::NotAllowed(format!(
            "You cannot make someone {}: it is above your own role.",
            with_article(role)
        )))
    }
}

pub async fn change_role(tx: &mut TenantCtx<'_>, user_id: Uuid, role: Role) -> Result<(), OrgError> {
    let actor = &tx.require(Permission::ManageMembers)?;
    let (current, _) = lock_member(tx, user_id).await?;
    check_may_manage(actor, user_id, current)?;
    check_may_grant(actor, role)?;
    if current == role {
        return Ok(());
    }
    if current == Role::Owner && !another_active_owner(tx, user_id).await? {
        return Err(OrgError::NotAllowed(
            "This is the last owner: make someone else an owner first.".into(),
        ));
    }
    sqlx::query("UPDATE memberships SET role = $2 WHERE user_id = $1")
        .bind(user_id)
        .bind(role.as_str())
        .execute(tx.conn())
        .await?;
    audit::record(
        tx,
        AuditEntry::new("member.role_changed", "membership")
            .entity_id(user_id)
            .before(json!({ "role": current }))
            .after(json!({ "role": role })),
    )
    .await?;
    Ok(())
}

pub async fn set_active(tx: &mut TenantCtx<'_>, user_id: Uuid, active: bool) -> Result<(), OrgError> {
    let actor = &tx.require(Permission::ManageMembers)?;
    let (current, was_active) = lock_member(tx, user_id).await?;
    check_may_manage(actor, user_id, current)?;
    if was_active == active {
        return Ok(());
    }
    if active {
        let (max_users, active_members): (i32, i64) = sqlx::query_as(
            "SELECT t.max_users, (SELECT count(*) FROM memberships WHERE is_active) FROM tenants t",
        )
        .fetch_one(tx.conn())
        .await?;
        if active_members >= i64::from(max_users) {
            return Err(OrgError::Conflict(format!(
                "Your plan allows {max_users} active members; deactivate someone first."
            )));
        }
    } else if current == Role::Owner && !another_active_owner(tx, user_id).await? {
        return Err(OrgError::NotAllowed(
            "This is the last owner: make someone else an owner first.".into(),
        ));
    }
    sqlx::query("UPDATE memberships SET is_active = $2 WHERE user_id = $1")
        .bind(user_id)
        .bind(active)
        .execute(tx.conn())
        .await?;
    audit::record(
        tx,
        AuditEntry::new(
            if active {
                "member.reactivated"
            } else {
                "member.deactivated"
            },
            "membership",
        )
        .entity_id(user_id)
        .before(json!({ "is_active": was_active }))
        .after(json!({ "is_active": active })),
    )
    .await?;
    Ok(())
}

/// After a deactivation is committed: ends the member's open event streams on
/// every server instance. The deactivation stands if this fails (the streams
/// re-check the membership themselves), so the failure is only logged.
pub async fn end_streams(db: &crate::tenancy::Db, tenant_id: Uuid, user_id: Uuid) {
    if let Err(error) = crate::realtime::end_member_streams(db, tenant_id, user_id).await {
        tracing::warn!(%error, %tenant_id, %user_id, "could not end a deactivated member's event streams");
    }
}

//! A person's own account. Users are shared across businesses, so no tenant
//! transaction may change them: a person renames themselves here, on the owner
//! pool, their own row only.
use uuid::Uuid;

use crate::{
    domain::audit::{self, AuditEntry},
    tenancy::{Db, TenantCtx},
};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl From<ProfileError> for crate::error::AppError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::Invalid(m) => crate::error::AppError::invalid(m),
            ProfileError::Db(error) => crate::domain::db_errors::app_error("profile", &error),
        }
    }
}

/// Checks a display name: trimmed, 1 to 120 characters.
pub fn clean_display_name(raw: &str) -> Result<String, ProfileError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ProfileError::Invalid("Your name must be 1 to 120 characters."));
    }
    Ok(name.to_owned())
}

/// Renames the signed-in person (`user_id` comes from their session, never
/// from the request). Returns the name as stored.
pub async fn rename_self(db: &Db, user_id: Uuid, raw: &str) -> Result<String, ProfileError> {
    let name = clean_display_name(raw)?;
    let mut tx = db.platform_tx().await?;
    sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
        .bind(user_id)
        .bind(&name)
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(name)
}

/// Notes the rename in the business where it was made.
pub async fn record_rename(cx: &mut TenantCtx<'_>, before: &str, after: &str) -> Result<(), sqlx::Error> {
    let user_id = cx.actor().user_id;
    audit::record(
        cx,
        AuditEntry::new("profile.renamed", "user")
            .entity_id(user_id)
            .before(serde_json::json!({ "display_name": before }))
            .after(serde_json::json!({ "display_name": after })),
    )
    .await
}

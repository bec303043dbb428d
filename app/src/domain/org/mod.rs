//! The organization: its settings, its members and invitations, its audit
//! trail, the whole-tenant export, and the platform console's narrow view.
pub mod audit_trail;
pub mod audit_words;
pub mod document_chain;
pub mod invitations;
pub mod members;
pub mod platform;
pub mod settings;
pub mod tenant_backup;
pub mod tenant_export;

use crate::{error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A rule about who may grant or change what (the message says which).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] crate::domain::password::HashError),
}

impl OrgError {
    pub fn invalid(message: impl Into<String>) -> Self {
        OrgError::Invalid(message.into())
    }
}

impl From<OrgError> for AppError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            OrgError::NotAllowed(m) => AppError::Denied(m),
            OrgError::Invalid(m) => AppError::Invalid(m),
            OrgError::Conflict(m) => AppError::Conflict(m),
            OrgError::NotFound(_) => AppError::NotFound(e.to_string()),
            OrgError::Db(error) => crate::domain::db_errors::app_error("organization", &error),
            OrgError::Hash(error) => {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

/// A timestamp as pages show it (UTC, to the minute).
pub(crate) fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

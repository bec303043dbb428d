//! The books: a chart of accounts per business and a double-entry journal.
//! The database posts every sale, credit note, shift, stock change and cost
//! change itself, in the event's transaction (migration 0018); this module
//! reads the journal and the statements, and lets admins post manual entries
//! and reversals and owners manage accounts and the lock date. Money is
//! integer minor units; sums are exact in SQL (`sum(bigint)` is numeric, cast
//! back to bigint).
pub mod accounts;
pub mod journal;
pub mod statements;

use crate::{domain::db_errors, error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum BooksError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("The books are locked up to {0}: post on a later date, or ask an owner to move the lock date.")]
    Locked(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl BooksError {
    pub fn invalid(message: impl Into<String>) -> Self {
        BooksError::Invalid(message.into())
    }

    /// The database's refusals this module owns, as typed errors.
    pub(crate) fn from_db(e: sqlx::Error) -> Self {
        if db_errors::broke(&e, "ledger_accounts_pkey") {
            BooksError::Conflict("An account with that code already exists.".into())
        } else if db_errors::broke(&e, "ledger_accounts_tenant_name_key") {
            BooksError::Conflict("An account with that name already exists.".into())
        } else if db_errors::broke(&e, "journal_entries_reversed_once") {
            BooksError::Conflict("That entry has already been reversed.".into())
        } else if db_errors::broke(&e, "journal_entries_balanced") {
            BooksError::invalid("The entry does not balance: its debits must equal its credits.")
        } else if db_errors::broke(&e, "journal_entries_after_lock_date") {
            BooksError::Locked(lock_date_in(&e))
        } else {
            BooksError::Db(e)
        }
    }
}

/// The lock date named in the database's refusal ("locked up to 2026-06-30").
fn lock_date_in(e: &sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|db| db.message().split("locked up to ").nth(1))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or("the lock date")
        .to_string()
}

impl From<BooksError> for AppError {
    fn from(e: BooksError) -> Self {
        match e {
            BooksError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            BooksError::Invalid(m) => AppError::Invalid(m),
            BooksError::NotFound(_) => AppError::NotFound(e.to_string()),
            BooksError::Conflict(_) | BooksError::Locked(_) => AppError::Conflict(e.to_string()),
            BooksError::Db(error) => db_errors::app_error("books", &error),
        }
    }
}

impl From<crate::domain::reports::ReportError> for BooksError {
    fn from(e: crate::domain::reports::ReportError) -> Self {
        use crate::domain::reports::ReportError;
        match e {
            ReportError::Forbidden(f) => BooksError::Forbidden(f),
            ReportError::Invalid(m) => BooksError::Invalid(m),
            ReportError::Db(e) => BooksError::Db(e),
        }
    }
}

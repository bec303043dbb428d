//! Tills and cash shifts: a till is a named register; a shift is one
//! cashier's time on it, opened with a float, with cash in and out, closed
//! with the amounts counted per payment method and numbered as a Z report.
//! Sales on a till need its open shift (the rule lives in billing's finalize,
//! which records the shift on every payment). Closed shifts never change: the
//! schema refuses it (migration 0015).
pub mod report;
pub mod shift;
pub mod tills;

use crate::{domain::db_errors, error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    /// Refused by a rule about whose shift it is (answered 403).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("This till already has an open shift. Sell on it, or close it before opening another.")]
    AlreadyOpen,
    #[error("This shift is closed: its Z report is final and nothing more can be recorded on it.")]
    Closed,
    #[error("A till called {0} already exists.")]
    NameTaken(String),
    #[error("This till has an open shift. Close the shift before archiving the till.")]
    TillHasOpenShift,
    #[error("This till is archived. Restore it, or use another till.")]
    TillArchived,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl ShiftError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ShiftError::Invalid(message.into())
    }

    /// The database's refusals this module owns, as typed errors.
    pub(crate) fn from_db(e: sqlx::Error) -> Self {
        if db_errors::broke(&e, "shifts_one_open_per_till") {
            ShiftError::AlreadyOpen
        } else if db_errors::broke(&e, "shifts_record_only_while_open") {
            ShiftError::Closed
        } else {
            ShiftError::Db(e)
        }
    }
}

impl From<ShiftError> for AppError {
    fn from(e: ShiftError) -> Self {
        match e {
            ShiftError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            ShiftError::Invalid(m) => AppError::Invalid(m),
            ShiftError::NotAllowed(m) => AppError::Denied(m),
            ShiftError::NotFound(_) => AppError::NotFound(e.to_string()),
            ShiftError::AlreadyOpen
            | ShiftError::Closed
            | ShiftError::NameTaken(_)
            | ShiftError::TillHasOpenShift
            | ShiftError::TillArchived => AppError::Conflict(e.to_string()),
            ShiftError::Db(error) => db_errors::app_error("shifts", &error),
        }
    }
}

/// An amount typed into a shift form (`100`, `100.00`, `100,00`), in the
/// business's minor units; `what` names the field in the message.
pub fn parse_money(text: &str, decimals: u32, what: &str) -> Result<i64, ShiftError> {
    let amount = crate::pricing::parse_amount(text, decimals)
        .map_err(|e| ShiftError::invalid(format!("{what}: {e}")))?;
    if amount > crate::pricing::MAX_AMOUNT_MINOR {
        return Err(ShiftError::invalid(format!(
            "{what}: at most {}.",
            crate::pricing::format_amount(crate::pricing::MAX_AMOUNT_MINOR, decimals)
        )));
    }
    Ok(amount)
}

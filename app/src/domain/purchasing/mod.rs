//! Buying from suppliers: purchase orders (drafted by hand or from the
//! low-stock list), sent, received in parts at a moving-average cost, and
//! supplier payments. Receiving and paying post to the books in the database
//! (migration 0019); this module checks input and keeps the orders' states.
pub mod orders;
pub mod payments;
pub mod receiving;

use crate::{domain::db_errors, error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum PurchaseError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Books(#[from] crate::domain::books::BooksError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl PurchaseError {
    pub fn invalid(message: impl Into<String>) -> Self {
        PurchaseError::Invalid(message.into())
    }

    pub(crate) fn from_db(e: sqlx::Error) -> Self {
        if db_errors::broke(&e, "purchase_order_lines_while_draft") {
            PurchaseError::Conflict("This order has been sent: its lines no longer change.".into())
        } else if db_errors::broke(&e, "purchase_order_lines_not_over_received") {
            PurchaseError::invalid("More would be received than was ordered.")
        } else if db_errors::broke(&e, "journal_entries_after_lock_date") {
            PurchaseError::Books(crate::domain::books::BooksError::from_db(e))
        } else {
            PurchaseError::Db(e)
        }
    }
}

impl From<PurchaseError> for AppError {
    fn from(e: PurchaseError) -> Self {
        match e {
            PurchaseError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            PurchaseError::Invalid(m) => AppError::Invalid(m),
            PurchaseError::NotFound(_) => AppError::NotFound(e.to_string()),
            PurchaseError::Conflict(m) => AppError::Conflict(m),
            PurchaseError::Books(b) => b.into(),
            PurchaseError::Db(error) => db_errors::app_error("purchasing", &error),
        }
    }
}

/// A quantity typed into a purchase form: a whole number from 1 to 1,000,000.
pub fn parse_quantity(text: &str, what: &str) -> Result<i64, PurchaseError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (1..=crate::domain::inventory::MAX_QUANTITY).contains(q))
        .ok_or_else(|| PurchaseError::invalid(format!("{what}: a whole number from 1 to 1,000,000.")))
}

/// The moving average after receiving `quantity` at `unit_cost` on top of
/// `on_hand` at `cost`: (on hand × cost + quantity × unit cost) / (on hand +
/// quantity), rounded half up; stock below zero counts as none. The database
/// computes the same (`moving_average_cost`), which receiving uses.
pub fn moving_average(on_hand: i64, cost: i64, quantity: i64, unit_cost: i64) -> i64 {
    let on_hand = on_hand.max(0) as i128;
    let units = on_hand + quantity as i128;
    if units <= 0 {
        return cost;
    }
    let value = on_hand * cost as i128 + quantity as i128 * unit_cost as i128;
    ((2 * value + units) / (2 * units)) as i64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::moving_average;

    proptest! {
        /// Against the definition: the new cost is the exact average rounded
        /// half up, i.e. the nearest whole minor unit, ties going up.
        #[test]
        fn moving_average_is_the_exact_average_rounded_half_up(
            on_hand in -50i64..2_000_000,
            cost in 0i64..100_000_000_000,
            quantity in 1i64..1_000_000,
            unit_cost in 0i64..100_000_000_000,
        ) {
            let average = moving_average(on_hand, cost, quantity, unit_cost) as i128;
            let units = on_hand.max(0) as i128 + quantity as i128;
            let value = on_hand.max(0) as i128 * cost as i128 + quantity as i128 * unit_cost as i128;
            // |average − value/units| ≤ 1/2, and exactly 1/2 only above.
            let twice_error = 2 * (average * units - value);
            prop_assert!(twice_error.abs() <= units, "{average} for {value}/{units}");
            prop_assert!(twice_error != -units, "a tie rounds up");
            // Between the two costs it averages.
            let (low, high) = (cost.min(unit_cost) as i128, cost.max(unit_cost) as i128);
            if on_hand > 0 {
                prop_assert!(low <= average && average <= high);
            } else {
                prop_assert_eq!(average, unit_cost as i128);
            }
        }
    }
}

//! Catalog and stock: products and the ledger that accounts for every unit.
//!
//! Stock changes only here, and only together with a ledger row in the same
//! transaction (the schema checks the sum at commit). Sales decrement with a
//! conditional update and take rows in product-id order, so concurrent
//! terminals can neither oversell nor deadlock.
pub mod catalog;
pub mod import;
pub mod lookups;
pub mod stock;
pub mod till_search;

use uuid::Uuid;

use super::permissions::Forbidden;
use crate::error::AppError;

/// Largest quantity one movement may carry.
pub const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("Only {available} of {sku} in stock.")]
    OutOfStock {
        product: Uuid,
        sku: String,
        available: i64,
    },
    #[error("The SKU {0} is already in use.")]
    SkuTaken(String),
    #[error("The barcode {0} is already used by another active product.")]
    BarcodeTaken(String),
    #[error("A {0} with that name already exists.")]
    NameTaken(&'static str),
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for InventoryError {
    fn from(e: sqlx::Error) -> Self {
        InventoryError::Db(e)
    }
}

impl InventoryError {
    pub fn invalid(message: impl Into<String>) -> Self {
        InventoryError::Invalid(message.into())
    }
}

impl From<InventoryError> for AppError {
    fn from(e: InventoryError) -> Self {
        match e {
            InventoryError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            InventoryError::Invalid(m) => AppError::Invalid(m),
            InventoryError::NotFound(_) => AppError::NotFound(e.to_string()),
            InventoryError::OutOfStock { .. } => AppError::Conflict(e.to_string()),
            InventoryError::SkuTaken(_) | InventoryError::BarcodeTaken(_) | InventoryError::NameTaken(_) => {
                AppError::Conflict(e.to_string())
            }
            InventoryError::Db(error) => crate::domain::db_errors::app_error("inventory", &error),
        }
    }
}

pub(crate) use crate::domain::db_errors::constraint_of;

/// Checks a movement quantity: 1 to [`MAX_QUANTITY`].
pub fn check_quantity(quantity: i64) -> Result<(), InventoryError> {
    if quantity <= 0 {
        return Err(InventoryError::invalid("The quantity must be at least 1."));
    }
    if quantity > MAX_QUANTITY {
        return Err(InventoryError::invalid(format!(
            "The quantity must be at most {MAX_QUANTITY}."
        )));
    }
    Ok(())
}

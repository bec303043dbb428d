//! Bills: finalizing a sale (numbered without gaps, paid, idempotent) and
//! credit notes. Finalized bills are immutable; the schema refuses any change.
pub mod credit;
pub mod customers;
pub mod drafts;
pub mod finalize;
pub mod read;

use crate::{domain::inventory::InventoryError, error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Stock(InventoryError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<InventoryError> for BillingError {
    fn from(e: InventoryError) -> Self {
        match e {
            InventoryError::Db(db) => BillingError::Db(db),
            InventoryError::Forbidden(f) => BillingError::Forbidden(f),
            other => BillingError::Stock(other),
        }
    }
}

impl BillingError {
    pub fn invalid(message: impl Into<String>) -> Self {
        BillingError::Invalid(message.into())
    }
}

impl From<BillingError> for AppError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            BillingError::Invalid(m) => AppError::Invalid(m),
            BillingError::NotFound(_) => AppError::NotFound(e.to_string()),
            BillingError::Stock(s) => s.into(),
            BillingError::Db(error) => {
                tracing::error!(%error, "database error in billing");
                AppError::Internal
            }
        }
    }
}

/// Takes the tenant's next number of a kind. The counter row stays locked until
/// the transaction ends, so numbers are handed out one at a time and a rollback
/// gives the number back: no gaps, no repeats.
pub(crate) async fn next_number(
    tx: &mut crate::tenancy::TenantTx,
    kind: &'static str,
) -> Result<i64, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    sqlx::query_scalar(
        "INSERT INTO tenant_counters (tenant_id, name, last_value) VALUES ($1, $2, 1) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind(tenant_id)
    .bind(kind)
    .fetch_one(tx.conn())
    .await
}

//! Bills: finalizing a sale (numbered without gaps, paid, idempotent) and
//! credit notes. Finalized bills are immutable; the schema refuses any change.
pub mod credit;
pub mod customers;
pub mod drafts;
pub mod finalize;
pub mod read;
pub mod receipt_mail;

use crate::{domain::inventory::InventoryError, error::AppError, permissions::Forbidden};

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    /// Refused by a role rule; the message says which (answered 403).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// An idempotency key sent again with a different sale (answered 409).
    #[error(
        "This sale's key was already used for bill {bill}, with a different cart or payment. \
         Start a new sale to ring up the changes."
    )]
    KeyReused { bill: String },
    /// A manager's approval whose credentials are wrong, or who is not an
    /// active member of this business (said the same way; answered 422).
    #[error("The manager's email or password is incorrect.")]
    ApprovalRefused,
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
            BillingError::ApprovalRefused => AppError::Invalid(e.to_string()),
            BillingError::NotAllowed(m) => AppError::Denied(m),
            BillingError::NotFound(_) => AppError::NotFound(e.to_string()),
            BillingError::KeyReused { .. } => AppError::Conflict(e.to_string()),
            BillingError::Stock(s) => s.into(),
            BillingError::Db(error) => crate::domain::db_errors::app_error("billing", &error),
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

/// Records one line of a bill with the product as it was sold (`sku`, `name`,
/// unit price, tax rate) and its computed totals.
pub(crate) async fn insert_bill_line(
    tx: &mut crate::tenancy::TenantTx,
    bill_id: uuid::Uuid,
    line_no: i32,
    line: &crate::model::CartLine,
    (sku, name, unit_price, tax_rate_bp): (&str, &str, i64, i32),
    totals: &crate::pricing::LineTotals,
) -> Result<(), sqlx::Error> {
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO bill_lines (tenant_id, bill_id, line_no, product_id, sku, name, unit_price, tax_rate_bp, \
           quantity, line_discount, bill_discount, net, tax, total) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant_id)
    .bind(bill_id)
    .bind(line_no)
    .bind(line.product_id)
    .bind(sku)
    .bind(name)
    .bind(unit_price)
    .bind(tax_rate_bp)
    .bind(line.quantity)
    .bind(totals.line_discount)
    .bind(totals.bill_discount)
    .bind(totals.net)
    .bind(totals.tax)
    .bind(totals.total)
    .execute(tx.conn())
    .await?;
    Ok(())
}

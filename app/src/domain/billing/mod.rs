//! Bills: finalizing a sale (numbered without gaps, paid, idempotent) and
//! credit notes. Finalized bills are immutable; the schema refuses any change.
pub mod credit;
pub mod customers;
pub mod drafts;
pub mod finalize;
pub mod offline;
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
    /// A PIN approval's token that is unknown here, used, expired, for
    /// someone else or for another action (answered 422).
    #[error("This approval no longer works (it lasts two minutes and works once). Ask the manager to approve again.")]
    ApprovalExpired,
    /// A sale without a till in a business that has tills (answered 409).
    #[error("This business sells on its tills: choose a till and open a shift on it first.")]
    TillNeeded,
    /// A sale or refund on a till with no open shift (answered 409).
    #[error("Open a shift on this till first.")]
    ShiftNeeded,
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
            BillingError::ApprovalRefused | BillingError::ApprovalExpired => AppError::Invalid(e.to_string()),
            BillingError::NotAllowed(m) => AppError::Denied(m),
            BillingError::NotFound(_) => AppError::NotFound(e.to_string()),
            BillingError::KeyReused { .. } | BillingError::TillNeeded | BillingError::ShiftNeeded => {
                AppError::Conflict(e.to_string())
            }
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

/// The product as it is sold on a line: `sku`, `name`, unit price, tax rate,
/// and its cost price at that moment (kept on the line as `unit_cost`, so a
/// later change of the product's cost never changes a past margin).
pub(crate) type SoldProduct<'a> = (&'a str, &'a str, i64, i32, i64);

/// A line about to be written: what the POS sent, the product as sold, and
/// the line's computed totals.
pub(crate) type NewLine<'a> = (
    &'a crate::model::CartLine,
    SoldProduct<'a>,
    &'a crate::pricing::LineTotals,
);

/// Inserts a bill's lines (numbered from 1) from arrays: `$1` tenant, `$2`
/// bill, `$3`–`$15` the columns, as [`bind_bill_lines`] binds them. A
/// statement may continue with parameters from `$16` on.
pub(crate) const INSERT_BILL_LINES: &str =
    "INSERT INTO bill_lines (tenant_id, bill_id, line_no, product_id, sku, name, unit_price, tax_rate_bp, \
       quantity, line_discount, bill_discount, net, tax, total, unit_cost) \
     SELECT $1, $2, l.line_no, l.product_id, l.sku, l.name, l.unit_price, l.tax_rate_bp, \
            l.quantity, l.line_discount, l.bill_discount, l.net, l.tax, l.total, l.unit_cost \
     FROM unnest($3::int[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::bigint[], \
                 $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[]) \
       AS l(line_no, product_id, sku, name, unit_price, tax_rate_bp, quantity, line_discount, bill_discount, \
            net, tax, total, unit_cost)";

/// Binds `$1`–`$15` of [`INSERT_BILL_LINES`].
pub(crate) fn bind_bill_lines<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    tenant_id: uuid::Uuid,
    bill_id: uuid::Uuid,
    lines: &[NewLine<'_>],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let column = |f: &dyn Fn(&NewLine<'_>) -> i64| lines.iter().map(f).collect::<Vec<i64>>();
    query
        .bind(tenant_id)
        .bind(bill_id)
        .bind((1..=lines.len() as i32).collect::<Vec<i32>>())
        .bind(lines.iter().map(|(l, ..)| l.product_id).collect::<Vec<_>>())
        .bind(
            lines
                .iter()
                .map(|(_, p, _)| p.0.to_owned())
                .collect::<Vec<String>>(),
        )
        .bind(
            lines
                .iter()
                .map(|(_, p, _)| p.1.to_owned())
                .collect::<Vec<String>>(),
        )
        .bind(column(&|(_, p, _)| p.2))
        .bind(lines.iter().map(|(_, p, _)| p.3).collect::<Vec<i32>>())
        .bind(column(&|(l, ..)| l.quantity))
        .bind(column(&|(.., t)| t.line_discount))
        .bind(column(&|(.., t)| t.bill_discount))
        .bind(column(&|(.., t)| t.net))
        .bind(column(&|(.., t)| t.tax))
        .bind(column(&|(.., t)| t.total))
        .bind(column(&|(_, p, _)| p.4))
}

/// Records the lines of a bill in one statement.
pub(crate) async fn insert_bill_lines(
    tx: &mut crate::tenancy::TenantTx,
    bill_id: uuid::Uuid,
    lines: &[NewLine<'_>],
) -> Result<(), sqlx::Error> {
    let tenant_id = tx.tenant_id();
    bind_bill_lines(sqlx::query(INSERT_BILL_LINES), tenant_id, bill_id, lines)
        .execute(tx.conn())
        .await?;
    Ok(())
}

//! Paying suppliers: what is owed to a supplier is what was received from
//! them at the prices paid, less what was paid to them. A payment posts Dr
//! accounts payable / Cr bank or cash (migration 0019).
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::PurchaseError;
use crate::{
    domain::audit::{self, AuditEntry},
    model::SupplierPaymentView,
    permissions::Permission,
    pricing::MAX_AMOUNT_MINOR,
    tenancy::TenantCtx,
};

/// What the business owes `supplier_id` now.
pub async fn owed_to(tx: &mut TenantCtx<'_>, supplier_id: Uuid) -> Result<i64, PurchaseError> {
    let owed: i64 = sqlx::query_scalar(
        "SELECT (coalesce((SELECT sum(r.total) FROM purchase_receipts r \
                           JOIN purchase_orders o ON o.tenant_id = r.tenant_id AND o.id = r.order_id \
                           WHERE o.supplier_id = $1), 0) \
               - coalesce((SELECT sum(amount) FROM supplier_payments WHERE supplier_id = $1), 0))::bigint",
    )
    .bind(supplier_id)
    .fetch_one(tx.conn())
    .await?;
    Ok(owed)
}

/// Records a payment of `amount` (typed like a price) to a supplier, by
/// `method` (`bank` or `cash`), dated `paid_on` (empty: today).
pub async fn pay_supplier(
    tx: &mut TenantCtx<'_>,
    supplier_id: Uuid,
    amount: &str,
    method: &str,
    paid_on: &str,
    reference: &str,
) -> Result<SupplierPaymentView, PurchaseError> {
    let actor = tx.require(Permission::PaySuppliers)?;
    let settings = tx.settings().await?;
    let amount = crate::pricing::parse_amount(amount, settings.minor_digits())
        .map_err(|e| PurchaseError::invalid(format!("Amount: {e}")))?;
    if amount <= 0 || amount > MAX_AMOUNT_MINOR {
        return Err(PurchaseError::invalid(
            "Amount: more than zero, at most 1,000,000,000.00.",
        ));
    }
    let method = match method.trim() {
        "" | "bank" => "bank",
        "cash" => "cash",
        _ => return Err(PurchaseError::invalid("Method: bank or cash.")),
    };
    let reference = reference.trim();
    if reference.chars().count() > 200 {
        return Err(PurchaseError::invalid("Reference: at most 200 characters."));
    }
    let paid_on: NaiveDate = if paid_on.trim().is_empty() {
        sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
            .bind(&settings.timezone)
            .fetch_one(tx.conn())
            .await?
    } else {
        crate::domain::dates::DayRange::parse(paid_on, "")
            .ok()
            .and_then(|r| r.from)
            .ok_or_else(|| PurchaseError::invalid("Paid on must look like 2026-01-31."))?
    };
    let supplier: Option<String> = sqlx::query_scalar("SELECT name FROM suppliers WHERE id = $1")
        .bind(supplier_id)
        .fetch_optional(tx.conn())
        .await?;
    let supplier = supplier.ok_or(PurchaseError::NotFound("Supplier"))?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO supplier_payments (tenant_id, id, supplier_id, amount, method, paid_on, reference, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tx.tenant_id())
    .bind(id)
    .bind(supplier_id)
    .bind(amount)
    .bind(method)
    .bind(paid_on)
    .bind(reference)
    .bind(actor.user_id)
    .execute(tx.conn())
    .await
    .map_err(PurchaseError::from_db)?;
    audit::record(
        tx,
        AuditEntry::new("supplier.paid", "supplier")
            .entity_id(supplier_id)
            .after(json!({ "supplier": supplier, "amount": amount, "method": method, "paid_on": paid_on.to_string() })),
    )
    .await?;
    let owed = owed_to(tx, supplier_id).await?;
    Ok(SupplierPaymentView {
        id,
        supplier_id,
        supplier,
        amount,
        method: method.to_string(),
        paid_on: paid_on.to_string(),
        reference: reference.to_string(),
        owed,
    })
}

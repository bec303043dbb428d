//! Parked sales: a cashier sets a sale aside and resumes it later. A draft is
//! a bill with status `draft`: never numbered, never touching stock, and
//! removed when resumed (the sale is then finalized like any other).
use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::{insert_bill_lines, BillingError};
use crate::{
    domain::audit::{self, AuditEntry},
    model::{CartLine, DraftSummary, PosItem, ResumedLine, ResumedSale},
    permissions::Permission,
    pricing::{bill_totals, LineInput},
    tenancy::{TenantCtx, TenantTx},
};

/// Parks the cart as a draft and returns its id.
pub async fn park_sale(
    tx: &mut TenantCtx<'_>,
    lines: &[CartLine],
    bill_discount: i64,
    customer_id: Option<Uuid>,
) -> Result<Uuid, BillingError> {
    let actor = tx.require(Permission::Sell)?;
    if lines.is_empty() {
        return Err(BillingError::invalid("The cart is empty."));
    }
    if lines.len() > 500 {
        return Err(BillingError::invalid("A bill can have at most 500 lines."));
    }
    let settings = super::finalize::pos_settings(tx).await?;
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    let rows: Vec<(Uuid, String, String, i64, i32)> = sqlx::query_as(
        "SELECT p.id, p.sku, p.name, p.sale_price, coalesce(t.rate_bp, 0) FROM products p \
         LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id \
         WHERE p.id = ANY($1) AND p.is_active",
    )
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    let products: HashMap<Uuid, (String, String, i64, i32)> = rows
        .into_iter()
        .map(|(id, sku, name, price, rate)| (id, (sku, name, price, rate)))
        .collect();
    let mut inputs = Vec::new();
    for line in lines {
        let (_, _, price, rate) = products
            .get(&line.product_id)
            .ok_or(BillingError::NotFound("Product"))?;
        inputs.push(LineInput {
            unit_price: *price,
            quantity: line.quantity,
            tax_rate_bp: *rate as i64,
            line_discount: line.line_discount,
        });
    }
    let totals = bill_totals(&inputs, bill_discount, settings.tax_mode)
        .map_err(|e| BillingError::invalid(e.to_string()))?;
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO bills (tenant_id, id, status, idempotency_key, customer_id, cashier_id, currency, tax_mode, \
           gross, discount, bill_discount, net, tax, total) \
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(format!("park-{}", id.simple()))
    .bind(customer_id)
    .bind(actor.user_id)
    .bind(&settings.currency)
    .bind(match settings.tax_mode {
        crate::pricing::TaxMode::Inclusive => "inclusive",
        crate::pricing::TaxMode::Exclusive => "exclusive",
    })
    .bind(totals.gross)
    .bind(totals.discount)
    .bind(bill_discount)
    .bind(totals.net)
    .bind(totals.tax)
    .bind(totals.total)
    .execute(tx.conn())
    .await
    .map_err(|e| match crate::domain::db_errors::constraint_of(&e) {
        Some(c) if c.contains("customer") || c.ends_with("_fkey") => BillingError::NotFound("Customer"),
        _ => BillingError::Db(e),
    })?;
    let rows: Vec<_> = lines
        .iter()
        .zip(&totals.lines)
        .map(|(line, t)| {
            let (sku, name, price, rate) = &products[&line.product_id];
            // A parked sale is priced again when resumed: its lines carry no
            // cost (only finalized lines count in reports).
            (line, (sku.as_str(), name.as_str(), *price, *rate, 0), t)
        })
        .collect();
    insert_bill_lines(tx, id, &rows).await?;
    audit::record(
        tx,
        AuditEntry::new("bill.parked", "bill")
            .entity_id(id)
            .after(json!({ "total": totals.total })),
    )
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: Uuid,
    customer: Option<String>,
    lines: i64,
    total: i64,
    cashier: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Parked sales, oldest first.
pub async fn list_drafts(tx: &mut TenantTx) -> Result<Vec<DraftSummary>, BillingError> {
    let rows: Vec<DraftRow> = sqlx::query_as(
        "SELECT b.id, c.name AS customer, (SELECT count(*) FROM bill_lines l WHERE l.tenant_id = b.tenant_id AND l.bill_id = b.id) AS lines, \
                b.total, u.email AS cashier, b.created_at \
         FROM bills b LEFT JOIN customers c ON c.tenant_id = b.tenant_id AND c.id = b.customer_id \
         LEFT JOIN users u ON u.id = b.cashier_id \
         WHERE b.status = 'draft' AND b.idempotency_key LIKE 'park-%' ORDER BY b.created_at LIMIT 100",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DraftSummary {
            id: r.id,
            customer: r.customer,
            lines: r.lines,
            total: r.total,
            cashier: r.cashier,
            parked_at: r.created_at.format("%H:%M").to_string(),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ResumeRow {
    product_id: Uuid,
    quantity: i64,
    line_discount: i64,
    sku: String,
    barcode: Option<String>,
    name: String,
    sale_price: i64,
    rate_bp: i32,
    on_hand: i64,
}

/// Takes a parked sale back into the till (with today's prices and stock) and
/// removes the draft. Two terminals cannot resume the same draft: the second
/// finds it gone.
pub async fn resume_draft(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<ResumedSale, BillingError> {
    tx.require(Permission::Sell)?;
    let head: Option<(Option<Uuid>, i64)> = sqlx::query_as(
        "SELECT customer_id, bill_discount FROM bills WHERE id = $1 AND status = 'draft' \
         AND idempotency_key LIKE 'park-%' FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let (customer_id, bill_discount) = head.ok_or(BillingError::NotFound("Parked sale"))?;
    let rows: Vec<ResumeRow> = sqlx::query_as(
        "SELECT l.product_id, l.quantity, l.line_discount, p.sku, p.barcode, p.name, p.sale_price, \
                coalesce(t.rate_bp, 0) AS rate_bp, p.on_hand \
         FROM bill_lines l JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id \
         LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id \
         WHERE l.bill_id = $1 ORDER BY l.line_no",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    sqlx::query("DELETE FROM bill_lines WHERE bill_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM bills WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    audit::record(tx, AuditEntry::new("bill.resumed", "bill").entity_id(id)).await?;
    let customer_name: Option<String> = match customer_id {
        Some(c) => {
            sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
                .bind(c)
                .fetch_optional(tx.conn())
                .await?
        }
        None => None,
    };
    Ok(ResumedSale {
        customer_id,
        customer_name,
        bill_discount,
        lines: rows
            .into_iter()
            .map(|r| ResumedLine {
                item: PosItem {
                    id: r.product_id,
                    sku: r.sku,
                    barcode: r.barcode,
                    name: r.name,
                    unit_price: r.sale_price,
                    tax_rate_bp: r.rate_bp,
                    on_hand: r.on_hand,
                },
                quantity: r.quantity,
                line_discount: r.line_discount,
            })
            .collect(),
    })
}

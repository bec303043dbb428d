//! Reading bills back (bill page, receipt, list).
use uuid::Uuid;

use super::BillingError;
use crate::{
    model::{
        bill_number, credit_note_number, BillLineView, BillSummary, BillView, CreditNoteSummary,
        PaymentMethod, PaymentView,
    },
    pricing::TaxMode,
    tenancy::TenantTx,
};

type BillRow = (
    Uuid,
    i64,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    chrono::DateTime<chrono::Utc>,
    String,
);

pub async fn get_bill(tx: &mut TenantTx, id: Uuid) -> Result<BillView, BillingError> {
    let row: Option<BillRow> = sqlx::query_as(
        "SELECT b.id, b.number, u.email, c.name, b.currency, b.tax_mode, b.gross, b.discount, b.net, b.tax, b.total, \
                b.paid, b.change_given, b.finalized_at, t.name \
         FROM bills b JOIN tenants t ON t.id = b.tenant_id \
         LEFT JOIN users u ON u.id = b.cashier_id \
         LEFT JOIN customers c ON c.tenant_id = b.tenant_id AND c.id = b.customer_id \
         WHERE b.id = $1 AND b.status = 'finalized'",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((
        id,
        number,
        cashier,
        customer,
        currency,
        tax_mode,
        gross,
        discount,
        net,
        tax,
        total,
        paid,
        change,
        at,
        business,
    )) = row
    else {
        return Err(BillingError::NotFound("Bill"));
    };
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT l.line_no, l.product_id, l.sku, l.name, l.unit_price, l.quantity, l.tax_rate_bp, \
                l.line_discount + l.bill_discount AS discount, l.tax, l.total, \
                coalesce((SELECT sum(c.quantity) FROM credit_note_lines c \
                          WHERE c.tenant_id = l.tenant_id AND c.bill_id = l.bill_id AND c.line_no = l.line_no), 0)::bigint \
                  AS credited \
         FROM bill_lines l WHERE l.bill_id = $1 ORDER BY l.line_no",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    let payments: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT method, amount, tendered, change FROM payments WHERE bill_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    let credits: Vec<(Uuid, i64, i64, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT id, number, total, reason, created_at FROM credit_notes WHERE bill_id = $1 ORDER BY number",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    // The receipt's texts are the business's current ones (a reprint shows
    // today's address and terms; the bill's figures never change).
    let (receipt_header, receipt_footer): (String, String) = sqlx::query_as(
        "SELECT coalesce(settings->>'receipt_header', ''), coalesce(settings->>'receipt_footer', '') FROM tenants",
    )
    .fetch_one(tx.conn())
    .await?;
    Ok(BillView {
        receipt_header,
        receipt_footer,
        id,
        number: bill_number(number),
        business,
        cashier,
        customer,
        currency,
        tax_mode: if tax_mode == "exclusive" {
            TaxMode::Exclusive
        } else {
            TaxMode::Inclusive
        },
        lines: lines.into_iter().map(LineRow::into_view).collect(),
        payments: payments
            .into_iter()
            .map(|(method, amount, tendered, change)| PaymentView {
                method: PaymentMethod::parse(&method).unwrap_or(PaymentMethod::Other),
                amount,
                tendered,
                change,
            })
            .collect(),
        gross,
        discount,
        net,
        tax,
        total,
        paid,
        change,
        finalized_at: at.format("%Y-%m-%d %H:%M").to_string(),
        credit_notes: credits
            .into_iter()
            .map(|(id, number, total, reason, at)| CreditNoteSummary {
                id,
                number: credit_note_number(number),
                total,
                reason,
                at: at.format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
    })
}

/// Finalized bills, newest first; `search` matches the number or the customer.
pub async fn list_bills(
    tx: &mut TenantTx,
    search: &str,
    limit: i64,
) -> Result<Vec<BillSummary>, BillingError> {
    let search = search.trim().to_lowercase();
    let number: Option<i64> = search
        .trim_start_matches("inv-")
        .trim_start_matches('0')
        .parse()
        .ok();
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT b.id, b.number, c.name AS customer, u.email AS cashier, b.total, b.finalized_at FROM bills b \
         LEFT JOIN customers c ON c.tenant_id = b.tenant_id AND c.id = b.customer_id \
         LEFT JOIN users u ON u.id = b.cashier_id \
         WHERE b.status = 'finalized' AND ($1 = '' OR b.number = $2 OR lower(c.name) LIKE '%' || $1 || '%') \
         ORDER BY b.finalized_at DESC, b.number DESC LIMIT $3",
    )
    .bind(&search)
    .bind(number)
    .bind(limit.clamp(1, 500))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BillSummary {
            id: r.id,
            number: bill_number(r.number),
            customer: r.customer,
            cashier: r.cashier,
            total: r.total,
            finalized_at: r.finalized_at.format("%Y-%m-%d %H:%M").to_string(),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    number: i64,
    customer: Option<String>,
    cashier: String,
    total: i64,
    finalized_at: chrono::DateTime<chrono::Utc>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    line_no: i32,
    product_id: Uuid,
    sku: String,
    name: String,
    unit_price: i64,
    quantity: i64,
    tax_rate_bp: i32,
    discount: i64,
    tax: i64,
    total: i64,
    credited: i64,
}

impl LineRow {
    fn into_view(self) -> BillLineView {
        BillLineView {
            line_no: self.line_no,
            product_id: self.product_id,
            sku: self.sku,
            name: self.name,
            unit_price: self.unit_price,
            quantity: self.quantity,
            tax_rate_bp: self.tax_rate_bp,
            discount: self.discount,
            tax: self.tax,
            total: self.total,
            credited: self.credited,
        }
    }
}

//! Reading bills back (bill page, receipt, list).
use uuid::Uuid;

use super::BillingError;
use crate::{
    domain::dates::DayRange,
    model::{
        bill_number, credit_note_number, BillFilter, BillLineView, BillListTotals, BillSummary, BillView,
        CreditNoteSummary, PaymentMethod, PaymentView, PersonOption,
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
    String,
    String,
    Option<String>,
);

pub async fn get_bill(tx: &mut TenantTx, id: Uuid) -> Result<BillView, BillingError> {
    let row: Option<BillRow> = sqlx::query_as(
        "SELECT b.id, b.number, u.email, c.name, b.currency, b.tax_mode, b.gross, b.discount, b.net, b.tax, b.total, \
                b.paid, b.change_given, \
                to_char(b.finalized_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI'), t.name, \
                b.provisional_number \
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
        provisional_number,
    )) = row
    else {
        return Err(BillingError::NotFound("Bill"));
    };
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT l.line_no, l.product_id, l.sku, l.name, l.unit_price, l.quantity, l.tax_rate_bp, \
                l.line_discount + l.bill_discount AS discount, l.line_discount, l.tax, l.total, \
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
    let credits: Vec<(Uuid, i64, i64, String, String)> = sqlx::query_as(
        "SELECT n.id, n.number, n.total, n.reason, \
                to_char(n.created_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI') \
         FROM credit_notes n JOIN tenants t ON t.id = n.tenant_id WHERE n.bill_id = $1 ORDER BY n.number",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    // The receipt's texts are the business's current ones (a reprint shows
    // today's address and terms; the bill's figures never change).
    let (receipt_header, receipt_footer, receipt_paper): (String, String, String) =
        sqlx::query_as("SELECT receipt_header, receipt_footer, receipt_paper FROM tenants")
            .fetch_one(tx.conn())
            .await?;
    Ok(BillView {
        provisional_number,
        receipt_header,
        receipt_footer,
        receipt_paper: crate::org::ReceiptPaper::parse(&receipt_paper).unwrap_or_default(),
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
        finalized_at: at,
        credit_notes: credits
            .into_iter()
            .map(|(id, number, total, reason, at)| CreditNoteSummary {
                id,
                number: credit_note_number(number),
                total,
                reason,
                at,
            })
            .collect(),
    })
}

/// The bills a filter selects: `$1`–`$7` as bound by [`FilterArgs::bind`].
/// One place for the WHERE clause, so a page and the totals of the whole
/// selection can never disagree.
const FILTERED_BILLS: &str = "FROM bills b CROSS JOIN (SELECT timezone AS name FROM tenants) tz \
     LEFT JOIN customers c ON c.tenant_id = b.tenant_id AND c.id = b.customer_id \
     LEFT JOIN users u ON u.id = b.cashier_id \
     LEFT JOIN LATERAL (SELECT coalesce(sum(n.total), 0)::bigint AS refunded FROM credit_notes n \
                        WHERE n.tenant_id = b.tenant_id AND n.bill_id = b.id) r ON true \
     WHERE b.status = 'finalized' \
       AND ($1 = '' OR b.number = $2 OR b.provisional_number = upper($1) OR lower(c.name) LIKE '%' || $3 || '%') \
       AND ($4::date IS NULL OR b.finalized_at >= ($4::date)::timestamp AT TIME ZONE tz.name) \
       AND ($5::date IS NULL OR b.finalized_at < ($5::date + 1)::timestamp AT TIME ZONE tz.name) \
       AND ($6::uuid IS NULL OR b.cashier_id = $6) \
       AND ($7::uuid IS NULL OR b.customer_id = $7)";

/// A filter, checked and ready to bind.
struct FilterArgs {
    search: String,
    number: Option<i64>,
    pattern: String,
    days: DayRange,
    cashier: Option<Uuid>,
    customer: Option<Uuid>,
}

impl FilterArgs {
    fn check(filter: &BillFilter) -> Result<Self, BillingError> {
        let days = DayRange::parse(&filter.from, &filter.to).map_err(BillingError::invalid)?;
        let search = filter.search.trim().to_lowercase();
        if search.chars().count() > 100 {
            return Err(BillingError::invalid("Search: at most 100 characters."));
        }
        let number: Option<i64> = search
            .trim_start_matches("inv-")
            .trim_start_matches('0')
            .parse()
            .ok();
        let pattern = search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        Ok(FilterArgs {
            search,
            number,
            pattern,
            days,
            cashier: filter.cashier,
            customer: filter.customer,
        })
    }

    fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
        query
            .bind(&self.search)
            .bind(self.number)
            .bind(&self.pattern)
            .bind(self.days.from)
            .bind(self.days.to)
            .bind(self.cashier)
            .bind(self.customer)
    }
}

/// Finalized bills matching `filter`, newest first: page `page` (from 0) of
/// `limit` bills, each with what its credit notes refunded.
pub async fn list_bills(
    tx: &mut TenantTx,
    filter: &BillFilter,
    limit: i64,
    page: u32,
) -> Result<Vec<BillSummary>, BillingError> {
    let args = FilterArgs::check(filter)?;
    let limit = limit.clamp(1, 500);
    let offset = limit.saturating_mul(i64::from(page.min(100_000)));
    let sql = format!(
        "SELECT b.id, b.number, c.name AS customer, coalesce(nullif(u.display_name, ''), u.email) AS cashier, \
                b.total, r.refunded, \
                to_char(b.finalized_at AT TIME ZONE tz.name, 'YYYY-MM-DD HH24:MI') AS finalized_at \
         {FILTERED_BILLS} ORDER BY b.finalized_at DESC, b.number DESC LIMIT $8 OFFSET $9"
    );
    let rows: Vec<SummaryRow> = args
        .bind(sqlx::query_as(&sql))
        .bind(limit)
        .bind(offset)
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
            refunded: r.refunded,
            finalized_at: r.finalized_at,
        })
        .collect())
}

/// How many bills `filter` selects, what they total and what was refunded of
/// them (all pages together).
pub async fn bill_list_totals(
    tx: &mut TenantTx,
    filter: &BillFilter,
) -> Result<BillListTotals, BillingError> {
    let args = FilterArgs::check(filter)?;
    let sql = format!(
        "SELECT count(*)::bigint, coalesce(sum(b.total), 0)::bigint, coalesce(sum(r.refunded), 0)::bigint \
         {FILTERED_BILLS}"
    );
    let (count, total, refunded): (i64, i64, i64) =
        args.bind(sqlx::query_as(&sql)).fetch_one(tx.conn()).await?;
    Ok(BillListTotals {
        count,
        total,
        refunded,
    })
}

/// The business's people, to filter bills by who rang them up.
pub async fn cashiers(tx: &mut TenantTx) -> Result<Vec<PersonOption>, BillingError> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT u.id, coalesce(nullif(u.display_name, ''), u.email) AS name \
         FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY 2, 1",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| PersonOption { id, name })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    number: i64,
    customer: Option<String>,
    cashier: String,
    total: i64,
    refunded: i64,
    finalized_at: String,
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
    line_discount: i64,
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
            line_discount: self.line_discount,
            tax: self.tax,
            total: self.total,
            credited: self.credited,
        }
    }
}

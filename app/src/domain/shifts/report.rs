//! X and Z reports and the shift list. An X report is an open shift's
//! figures so far, summed from its payments, refunds and cash movements; a Z
//! report is a closed shift's figures as the close fixed them.
use uuid::Uuid;

use super::ShiftError;
use crate::{
    domain::dates::DayRange,
    model::{PaymentMethod, ShiftCashView, ShiftMethodFigures, ShiftReport, ShiftSummary},
    permissions::{Actor, Permission},
    tenancy::{TenantCtx, TenantTx},
};

/// A shift's figures summed from what was recorded on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub opening_float: i64,
    pub bills: i64,
    pub change_given: i64,
    pub cash_in: i64,
    pub cash_out: i64,
    /// Cash, card, other, in that order; `counted` and `difference` unset.
    pub methods: Vec<ShiftMethodFigures>,
}

impl Figures {
    pub fn sales_total(&self) -> i64 {
        self.methods.iter().map(|m| m.sales).sum()
    }

    pub fn refunds_total(&self) -> i64 {
        self.methods.iter().map(|m| m.refunds).sum()
    }

    /// What the drawer should hold: float + cash sales (net of change) − cash
    /// refunds + cash in − cash out.
    pub fn expected_cash(&self) -> i64 {
        self.methods
            .iter()
            .find(|m| m.method == PaymentMethod::Cash)
            .map_or(0, |m| m.expected)
    }
}

const METHODS: [PaymentMethod; 3] = [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Other];

/// Sums a shift's payments (a cash payment's `amount` is what stayed in the
/// drawer: the change went back), refunds and cash movements.
pub async fn figures(tx: &mut TenantTx, shift_id: Uuid) -> Result<Figures, sqlx::Error> {
    type Row = (i64, i64, i64, i64, i64, Vec<i64>, Vec<i64>);
    let (opening_float, bills, change_given, cash_in, cash_out, sales, refunds): Row = sqlx::query_as(
        "SELECT s.opening_float, \
                (SELECT count(DISTINCT p.bill_id) FROM payments p WHERE p.shift_id = s.id), \
                coalesce((SELECT sum(p.change) FROM payments p WHERE p.shift_id = s.id), 0)::bigint, \
                coalesce((SELECT sum(c.amount) FROM shift_cash c WHERE c.shift_id = s.id AND c.kind = 'in'), 0)::bigint, \
                coalesce((SELECT sum(c.amount) FROM shift_cash c WHERE c.shift_id = s.id AND c.kind = 'out'), 0)::bigint, \
                ARRAY(SELECT coalesce((SELECT sum(p.amount) FROM payments p \
                                       WHERE p.shift_id = s.id AND p.method = m.method), 0)::bigint \
                      FROM unnest($2::text[]) WITH ORDINALITY AS m(method, n) ORDER BY m.n), \
                ARRAY(SELECT coalesce((SELECT sum(r.total) FROM credit_notes r \
                                       WHERE r.shift_id = s.id AND r.refund_method = m.method), 0)::bigint \
                      FROM unnest($2::text[]) WITH ORDINALITY AS m(method, n) ORDER BY m.n) \
         FROM shifts s WHERE s.id = $1",
    )
    .bind(shift_id)
    .bind(METHODS.iter().map(|m| m.as_str()).collect::<Vec<_>>())
    .fetch_one(tx.conn())
    .await?;
    let methods = METHODS
        .iter()
        .zip(sales.iter().zip(&refunds))
        .map(|(&method, (&sales, &refunds))| {
            let net = sales - refunds;
            let expected = if method == PaymentMethod::Cash {
                opening_float + net + cash_in - cash_out
            } else {
                net
            };
            ShiftMethodFigures {
                method,
                sales,
                refunds,
                expected,
                counted: None,
                difference: None,
            }
        })
        .collect();
    Ok(Figures {
        opening_float,
        bills,
        change_given,
        cash_in,
        cash_out,
        methods,
    })
}

#[derive(sqlx::FromRow)]
struct ShiftRow {
    till_id: Uuid,
    till: String,
    status: String,
    cashier_id: Uuid,
    cashier: String,
    opened_at: String,
    closed_at: Option<String>,
    closed_by: Option<String>,
    opening_float: i64,
    z_number: Option<i64>,
    bills: Option<i64>,
    sales_total: Option<i64>,
    refunds_total: Option<i64>,
    change_given: Option<i64>,
    cash_in: Option<i64>,
    cash_out: Option<i64>,
    expected_cash: Option<i64>,
    counted_cash: Option<i64>,
    expected_total: Option<i64>,
    counted_total: Option<i64>,
    chain_link: Option<String>,
}

/// Whether `actor` may see the shift of `cashier_id`: their own, or any for
/// a manager.
fn may_see(actor: Actor, cashier_id: Uuid) -> bool {
    actor.user_id == cashier_id || actor.require(Permission::ManageShifts).is_ok()
}

/// The X report of an open shift, or the Z report of a closed one. Cashiers
/// see their own shifts; managers every shift.
#[tracing::instrument(skip(tx))]
pub async fn shift_report(tx: &mut TenantCtx<'_>, shift_id: Uuid) -> Result<ShiftReport, ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    build_report(tx, shift_id, Some(actor)).await
}

/// The report of `shift_id`, refused when `viewer` is given and may not see it.
async fn build_report(
    tx: &mut TenantCtx<'_>,
    shift_id: Uuid,
    viewer: Option<Actor>,
) -> Result<ShiftReport, ShiftError> {
    let settings = tx.settings().await?;
    let row: Option<ShiftRow> = sqlx::query_as(
        "SELECT s.till_id, t.name AS till, s.status, s.cashier_id, \
                coalesce(nullif(u.display_name, ''), u.email) AS cashier, \
                to_char(s.opened_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') AS opened_at, \
                to_char(s.closed_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') AS closed_at, \
                (SELECT coalesce(nullif(c.display_name, ''), c.email) FROM users c WHERE c.id = s.closed_by) \
                  AS closed_by, \
                s.opening_float, s.z_number, s.bills, s.sales_total, s.refunds_total, s.change_given, \
                s.cash_in, s.cash_out, s.expected_cash, s.counted_cash, s.expected_total, s.counted_total, \
                (SELECT d.seq || ' · ' || encode(d.hash, 'hex') FROM document_chain d \
                  WHERE d.tenant_id = s.tenant_id AND d.kind = 'z_report' AND d.document_id = s.id) \
                  AS chain_link \
         FROM shifts s \
         JOIN tills t ON t.tenant_id = s.tenant_id AND t.id = s.till_id \
         JOIN users u ON u.id = s.cashier_id \
         WHERE s.id = $1",
    )
    .bind(shift_id)
    .bind(&settings.timezone)
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else {
        return Err(ShiftError::NotFound("Shift"));
    };
    let ShiftRow {
        till_id,
        till,
        status,
        cashier_id,
        cashier,
        opened_at,
        closed_at,
        closed_by,
        opening_float,
        z_number: z,
        bills,
        sales_total,
        refunds_total,
        change_given,
        cash_in,
        cash_out,
        expected_cash,
        counted_cash,
        expected_total,
        counted_total,
        chain_link,
    } = row;
    if viewer.is_some_and(|actor| !may_see(actor, cashier_id)) {
        return Err(ShiftError::NotAllowed(
            "This shift was opened by someone else: only they and managers can see it.".into(),
        ));
    }
    let cash: Vec<(String, i64, String, String, String)> = sqlx::query_as(
        "SELECT c.kind, c.amount, c.reason, coalesce(nullif(u.display_name, ''), u.email), \
                to_char(c.at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') \
         FROM shift_cash c JOIN users u ON u.id = c.actor_id \
         WHERE c.shift_id = $1 ORDER BY c.seq",
    )
    .bind(shift_id)
    .bind(&settings.timezone)
    .fetch_all(tx.conn())
    .await?;
    let cash = cash
        .into_iter()
        .map(|(kind, amount, reason, by, at)| ShiftCashView {
            kind,
            amount,
            reason,
            by,
            at,
        })
        .collect();
    let mut report = ShiftReport {
        id: shift_id,
        kind: "X".into(),
        z_number: z.map(crate::model::z_number),
        status: status.clone(),
        business: settings.name.clone(),
        currency: settings.currency.clone(),
        receipt_paper: settings.receipt_paper,
        till_id,
        till,
        cashier_id,
        cashier,
        opened_at,
        closed_at,
        closed_by,
        opening_float,
        bills: 0,
        sales_total: 0,
        refunds_total: 0,
        change_given: 0,
        cash_in: 0,
        cash_out: 0,
        expected_cash: 0,
        counted_cash: None,
        over_short: None,
        expected_total: 0,
        counted_total: None,
        methods: Vec::new(),
        cash,
        chain_link,
    };
    if status == "closed" {
        // The figures as the close fixed them; never summed again.
        let counts: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT method, expected, counted, difference FROM shift_counts WHERE shift_id = $1",
        )
        .bind(shift_id)
        .fetch_all(tx.conn())
        .await?;
        let sums = figures(tx, shift_id).await?;
        report.kind = "Z".into();
        report.bills = bills.unwrap_or_default();
        report.sales_total = sales_total.unwrap_or_default();
        report.refunds_total = refunds_total.unwrap_or_default();
        report.change_given = change_given.unwrap_or_default();
        report.cash_in = cash_in.unwrap_or_default();
        report.cash_out = cash_out.unwrap_or_default();
        report.expected_cash = expected_cash.unwrap_or_default();
        report.counted_cash = counted_cash;
        report.over_short = counted_cash.map(|c| c - report.expected_cash);
        report.expected_total = expected_total.unwrap_or_default();
        report.counted_total = counted_total;
        // Per method: sales and refunds from the shift's own rows (which
        // cannot change once it is closed), expected and counted as fixed.
        report.methods = sums
            .methods
            .into_iter()
            .map(|mut m| {
                if let Some((_, expected, counted, difference)) =
                    counts.iter().find(|c| c.0 == m.method.as_str())
                {
                    m.expected = *expected;
                    m.counted = Some(*counted);
                    m.difference = Some(*difference);
                }
                m
            })
            .collect();
    } else {
        let sums = figures(tx, shift_id).await?;
        report.bills = sums.bills;
        report.sales_total = sums.sales_total();
        report.refunds_total = sums.refunds_total();
        report.change_given = sums.change_given;
        report.cash_in = sums.cash_in;
        report.cash_out = sums.cash_out;
        report.expected_cash = sums.expected_cash();
        report.expected_total = sums.methods.iter().map(|m| m.expected).sum();
        report.methods = sums.methods;
    }
    Ok(report)
}

/// The X report of the shift open on `till_id`, or `None` when none is.
/// Anyone who sells (the till page asks before every sale session).
#[tracing::instrument(skip(tx))]
pub async fn current_shift(tx: &mut TenantCtx<'_>, till_id: Uuid) -> Result<Option<ShiftReport>, ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    let row: Option<(Option<Uuid>, Uuid)> = sqlx::query_as(
        "SELECT s.id, t.id FROM tills t \
         LEFT JOIN shifts s ON s.tenant_id = t.tenant_id AND s.till_id = t.id AND s.status = 'open' \
         WHERE t.id = $1",
    )
    .bind(till_id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((shift, _)) = row else {
        return Err(ShiftError::NotFound("Till"));
    };
    let Some(shift) = shift else {
        return Ok(None);
    };
    // Anyone at the till sees that it is open and by whom; the figures are
    // for its cashier and managers.
    let cashier: Uuid = sqlx::query_scalar("SELECT cashier_id FROM shifts WHERE id = $1")
        .bind(shift)
        .fetch_one(tx.conn())
        .await?;
    if !may_see(actor, cashier) {
        let mut report = build_report(tx, shift, None).await?;
        report.methods.clear();
        report.cash.clear();
        report.bills = 0;
        report.sales_total = 0;
        report.refunds_total = 0;
        report.change_given = 0;
        report.cash_in = 0;
        report.cash_out = 0;
        report.expected_cash = 0;
        report.expected_total = 0;
        return Ok(Some(report));
    }
    Ok(Some(shift_report(tx, shift).await?))
}

/// What `shifts/list` selects: a till, a status (`open`, `closed`), days
/// opened (in the business's time zone).
#[derive(Debug, Clone, Default)]
pub struct ShiftFilter {
    pub till: Option<Uuid>,
    pub status: String,
    pub from: String,
    pub to: String,
}

type SummaryRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
);

/// Shifts, newest first (at most `limit`, page `page`): managers see every
/// shift, cashiers their own.
#[tracing::instrument(skip(tx))]
pub async fn list_shifts(
    tx: &mut TenantCtx<'_>,
    filter: &ShiftFilter,
    limit: i64,
    page: u32,
) -> Result<Vec<ShiftSummary>, ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    let days = DayRange::parse(&filter.from, &filter.to).map_err(ShiftError::invalid)?;
    let status = match filter.status.trim() {
        "" => None,
        s @ ("open" | "closed") => Some(s.to_owned()),
        _ => return Err(ShiftError::invalid("Status: open or closed.")),
    };
    let only_cashier = (actor.require(Permission::ManageShifts).is_err()).then_some(actor.user_id);
    let timezone = tx.settings().await?.timezone.clone();
    let offset = limit.saturating_mul(i64::from(page.min(100_000)));
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT s.id, s.till_id, t.name, coalesce(nullif(u.display_name, ''), u.email), s.status, \
                to_char(s.opened_at AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI'), \
                to_char(s.closed_at AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI'), \
                s.z_number, s.opening_float, s.sales_total, s.counted_total - s.expected_total \
         FROM shifts s \
         JOIN tills t ON t.tenant_id = s.tenant_id AND t.id = s.till_id \
         JOIN users u ON u.id = s.cashier_id \
         WHERE ($2::uuid IS NULL OR s.till_id = $2) \
           AND ($3::text IS NULL OR s.status = $3) \
           AND ($4::date IS NULL OR s.opened_at >= ($4::date)::timestamp AT TIME ZONE $1) \
           AND ($5::date IS NULL OR s.opened_at < ($5::date + 1)::timestamp AT TIME ZONE $1) \
           AND ($6::uuid IS NULL OR s.cashier_id = $6) \
         ORDER BY s.opened_at DESC, s.id DESC LIMIT $7 OFFSET $8",
    )
    .bind(&timezone)
    .bind(filter.till)
    .bind(status)
    .bind(days.from)
    .bind(days.to)
    .bind(only_cashier)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                till_id,
                till,
                cashier,
                status,
                opened_at,
                closed_at,
                z,
                opening_float,
                sales_total,
                difference,
            )| {
                ShiftSummary {
                    id,
                    till_id,
                    till,
                    cashier,
                    status,
                    opened_at,
                    closed_at,
                    z_number: z.map(crate::model::z_number),
                    opening_float,
                    sales_total,
                    difference,
                }
            },
        )
        .collect())
}

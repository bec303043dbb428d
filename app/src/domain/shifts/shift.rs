//! A shift's life: opened on a till with a float, cash put in or taken out
//! with a reason, closed with what was counted per payment method. The close
//! is one transaction: it waits for the sales in flight on the shift, fixes
//! the figures, writes the counts and takes the business's next Z number last.
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{report, ShiftError};
use crate::{
    domain::audit::{self, AuditEntry},
    model::PaymentMethod,
    permissions::{Actor, Permission},
    tenancy::TenantCtx,
};

/// Opens a shift on `till_id` with `opening_float` (minor units) in the
/// drawer, for the acting member; returns its id. One open shift per till: a
/// second (even a concurrent one) is refused.
#[tracing::instrument(skip(tx))]
pub async fn open_shift(
    tx: &mut TenantCtx<'_>,
    till_id: Uuid,
    opening_float: i64,
) -> Result<Uuid, ShiftError> {
    open_shift_at(tx, till_id, opening_float, None).await
}

/// [`open_shift`] at a given time (the demo's history); `None` is now.
pub(crate) async fn open_shift_at(
    tx: &mut TenantCtx<'_>,
    till_id: Uuid,
    opening_float: i64,
    at: Option<DateTime<Utc>>,
) -> Result<Uuid, ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    if !(0..=crate::pricing::MAX_AMOUNT_MINOR).contains(&opening_float) {
        return Err(ShiftError::invalid("The float must be zero or more."));
    }
    // The till row is held (shared) so it cannot be archived meanwhile.
    let till: Option<(String, bool)> =
        sqlx::query_as("SELECT name, is_active FROM tills WHERE id = $1 FOR SHARE")
            .bind(till_id)
            .fetch_optional(tx.conn())
            .await?;
    let Some((till_name, active)) = till else {
        return Err(ShiftError::NotFound("Till"));
    };
    if !active {
        return Err(ShiftError::TillArchived);
    }
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO shifts (tenant_id, id, till_id, cashier_id, opened_at, opening_float) \
         VALUES ($1, $2, $3, $4, coalesce($5, now()), $6)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(till_id)
    .bind(actor.user_id)
    .bind(at)
    .bind(opening_float)
    .execute(tx.conn())
    .await
    .map_err(ShiftError::from_db)?;
    audit::record(
        tx,
        AuditEntry::new("shift.opened", "shift")
            .entity_id(id)
            .after(json!({ "till": till_name, "till_id": till_id, "opening_float": opening_float })),
    )
    .await?;
    Ok(id)
}

/// Cash put into the drawer or taken out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashKind {
    In,
    Out,
}

impl CashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CashKind::In => "in",
            CashKind::Out => "out",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "in" => Some(CashKind::In),
            "out" => Some(CashKind::Out),
            _ => None,
        }
    }
}

/// Locks an open shift for a change by `actor`: their own, or anyone's for a
/// manager. Returns its till's id.
async fn lock_open_shift(tx: &mut TenantCtx<'_>, actor: Actor, shift_id: Uuid) -> Result<Uuid, ShiftError> {
    let row: Option<(Uuid, Uuid, String)> =
        sqlx::query_as("SELECT till_id, cashier_id, status FROM shifts WHERE id = $1 FOR UPDATE")
            .bind(shift_id)
            .fetch_optional(tx.conn())
            .await?;
    let Some((till_id, cashier_id, status)) = row else {
        return Err(ShiftError::NotFound("Shift"));
    };
    if cashier_id != actor.user_id && actor.require(Permission::ManageShifts).is_err() {
        return Err(ShiftError::NotAllowed(
            "This shift was opened by someone else: they, or a manager, can change it.".into(),
        ));
    }
    if status != "open" {
        return Err(ShiftError::Closed);
    }
    Ok(till_id)
}

/// Records cash put into (`In`) or taken out of (`Out`) the drawer of an
/// open shift, with a reason. The shift's cashier, or a manager.
#[tracing::instrument(skip(tx))]
pub async fn record_cash(
    tx: &mut TenantCtx<'_>,
    shift_id: Uuid,
    kind: CashKind,
    amount: i64,
    reason: &str,
) -> Result<(), ShiftError> {
    record_cash_at(tx, shift_id, kind, amount, reason, None).await
}

pub(crate) async fn record_cash_at(
    tx: &mut TenantCtx<'_>,
    shift_id: Uuid,
    kind: CashKind,
    amount: i64,
    reason: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(), ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ShiftError::invalid("Give a reason (at most 200 characters)."));
    }
    if amount <= 0 || amount > crate::pricing::MAX_AMOUNT_MINOR {
        return Err(ShiftError::invalid("The amount must be more than zero."));
    }
    lock_open_shift(tx, actor, shift_id).await?;
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO shift_cash (tenant_id, shift_id, seq, kind, amount, reason, actor_id, at) \
         SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, coalesce($7, now()) \
         FROM shift_cash WHERE shift_id = $2",
    )
    .bind(tenant_id)
    .bind(shift_id)
    .bind(kind.as_str())
    .bind(amount)
    .bind(reason)
    .bind(actor.user_id)
    .bind(at)
    .execute(tx.conn())
    .await
    .map_err(ShiftError::from_db)?;
    audit::record(
        tx,
        AuditEntry::new(
            match kind {
                CashKind::In => "shift.cash_in",
                CashKind::Out => "shift.cash_out",
            },
            "shift",
        )
        .entity_id(shift_id)
        .after(json!({ "amount": amount, "reason": reason })),
    )
    .await?;
    Ok(())
}

/// What was counted at close, per payment method (minor units). A method
/// left out is taken as counted exactly as expected (card and other totals
/// usually come from the terminal's own report, and may be negative when
/// refunds paid on the card exceed its sales); cash must be counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub cash: i64,
    pub card: Option<i64>,
    pub other: Option<i64>,
}

/// Closes an open shift: the figures so far become final, the counts are
/// written (expected vs counted, over/short) and the Z report takes the
/// business's next number. The shift's cashier, or a manager (a shift left
/// open by someone else). Returns the Z number.
#[tracing::instrument(skip(tx))]
pub async fn close_shift(
    tx: &mut TenantCtx<'_>,
    shift_id: Uuid,
    counted: Counted,
) -> Result<i64, ShiftError> {
    close_shift_at(tx, shift_id, counted, None).await
}

pub(crate) async fn close_shift_at(
    tx: &mut TenantCtx<'_>,
    shift_id: Uuid,
    counted: Counted,
    at: Option<DateTime<Utc>>,
) -> Result<i64, ShiftError> {
    let actor = tx.require(Permission::Sell)?;
    for amount in [Some(counted.cash), counted.card, counted.other]
        .into_iter()
        .flatten()
    {
        if !(0..=crate::pricing::MAX_AMOUNT_MINOR).contains(&amount) {
            return Err(ShiftError::invalid("Counted amounts must be zero or more."));
        }
    }
    // Held until the end: sales in flight on this shift finish first (they
    // hold it shared), later ones are refused once it is closed.
    let till_id = lock_open_shift(tx, actor, shift_id).await?;
    let figures = report::figures(tx, shift_id).await?;
    let mut methods = Vec::with_capacity(3);
    let mut expected_total = 0i64;
    let mut counted_total = 0i64;
    for m in &figures.methods {
        let got = match m.method {
            PaymentMethod::Cash => counted.cash,
            PaymentMethod::Card => counted.card.unwrap_or(m.expected),
            PaymentMethod::Other => counted.other.unwrap_or(m.expected),
        };
        expected_total += m.expected;
        counted_total += got;
        methods.push((m.method.as_str(), m.expected, got));
    }
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO shift_counts (tenant_id, shift_id, method, expected, counted, difference) \
         SELECT $1, $2, c.method, c.expected, c.counted, c.counted - c.expected \
         FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS c(method, expected, counted)",
    )
    .bind(tenant_id)
    .bind(shift_id)
    .bind(methods.iter().map(|m| m.0).collect::<Vec<_>>())
    .bind(methods.iter().map(|m| m.1).collect::<Vec<_>>())
    .bind(methods.iter().map(|m| m.2).collect::<Vec<_>>())
    .execute(tx.conn())
    .await
    .map_err(ShiftError::from_db)?;
    let expected_cash = figures.expected_cash();
    // The number last: the counter row is held only for the end of the work.
    let z: i64 = sqlx::query_scalar(
        "WITH n AS ( \
             INSERT INTO tenant_counters (tenant_id, name, last_value) VALUES ($1, 'z_report', 1) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
             RETURNING last_value) \
         UPDATE shifts SET status = 'closed', closed_at = coalesce($3, now()), closed_by = $4, \
           z_number = (SELECT last_value FROM n), bills = $5, sales_total = $6, refunds_total = $7, \
           change_given = $8, cash_in = $9, cash_out = $10, expected_cash = $11, counted_cash = $12, \
           expected_total = $13, counted_total = $14 \
         WHERE id = $2 RETURNING z_number",
    )
    .bind(tenant_id)
    .bind(shift_id)
    .bind(at)
    .bind(actor.user_id)
    .bind(figures.bills)
    .bind(figures.sales_total())
    .bind(figures.refunds_total())
    .bind(figures.change_given)
    .bind(figures.cash_in)
    .bind(figures.cash_out)
    .bind(expected_cash)
    .bind(counted.cash)
    .bind(expected_total)
    .bind(counted_total)
    .fetch_one(tx.conn())
    .await?;
    // The Z joins the document chain now rather than at commit, so the report
    // answered (and printed) right after the close carries its link.
    sqlx::query("SET CONSTRAINTS shifts_chain IMMEDIATE")
        .execute(tx.conn())
        .await?;
    audit::record(
        tx,
        AuditEntry::new("shift.closed", "shift")
            .entity_id(shift_id)
            .after(json!({
                "number": crate::model::z_number(z),
                "till_id": till_id,
                "expected_cash": expected_cash,
                "counted_cash": counted.cash,
                "over_short": counted.cash - expected_cash,
                "difference": counted_total - expected_total,
            })),
    )
    .await?;
    Ok(z)
}

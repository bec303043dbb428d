//! Credit notes: the only correction of a finalized bill. They return chosen
//! quantities (never more than sold minus already credited), optionally put the
//! goods back in stock, and get their own gapless numbers.
use serde_json::json;
use uuid::Uuid;

use super::{next_number, BillingError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        inventory::stock::{self, Reference},
        pins,
    },
    model::{PaymentMethod, PinAction},
    permissions::{Actor, Permission},
    tenancy::TenantCtx,
};

/// A bill line and what earlier credit notes returned of it.
#[derive(sqlx::FromRow)]
struct LineState {
    line_no: i32,
    product_id: Uuid,
    sold: i64,
    total: i64,
    tax: i64,
    credited: i64,
    credited_total: i64,
    credited_tax: i64,
    /// The cost the line was sold at: what returning one unit takes back.
    unit_cost: i64,
}

#[derive(Debug, Clone)]
pub struct CreditInput {
    pub bill_id: Uuid,
    /// (line number, quantity to return)
    pub lines: Vec<(i32, i64)>,
    pub reason: String,
    pub refund_method: PaymentMethod,
    pub restock: bool,
    /// The till the refund is paid out at: its open shift records it (and
    /// its Z report counts it). `None`: not at a till.
    pub till_id: Option<Uuid>,
}

/// Issues a credit note (manager and above) and returns its id.
pub async fn create_credit_note(tx: &mut TenantCtx<'_>, input: &CreditInput) -> Result<Uuid, BillingError> {
    create_credit_note_approved(tx, input, None).await
}

/// [`create_credit_note`], where someone who may not issue credit notes alone
/// (a cashier) may with `approval_token`: a manager's PIN approval of a
/// refund (`auth/pin-approve`) for them, used up in this transaction (a
/// refused credit note leaves it unused). The approver's role must still
/// allow credit notes; the audit entry names them. For someone who may issue
/// credit notes the token is not consulted.
pub async fn create_credit_note_approved(
    tx: &mut TenantCtx<'_>,
    input: &CreditInput,
    approval_token: Option<&str>,
) -> Result<Uuid, BillingError> {
    let approval = match (tx.require(Permission::IssueCreditNote), approval_token) {
        (Ok(_), _) => None,
        (Err(forbidden), None) => return Err(forbidden.into()),
        (Err(_), Some(token)) => {
            let asking = tx.require(Permission::Sell)?;
            let approver = pins::consume_approval(tx, token, asking.user_id, PinAction::Refund)
                .await?
                .ok_or(BillingError::ApprovalExpired)?;
            let (role, name) = super::finalize::approver_in_tenant(tx, approver)
                .await?
                .ok_or(BillingError::ApprovalExpired)?;
            if !crate::permissions::allows(role, Permission::IssueCreditNote) {
                return Err(BillingError::NotAllowed(format!(
                    "{name} may not approve refunds. Ask a manager, an admin or the owner."
                )));
            }
            Some((approver, name, role))
        }
    };
    let actor = tx.actor();
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(BillingError::invalid("Give a reason (at most 500 characters)."));
    }
    if input.lines.is_empty() {
        return Err(BillingError::invalid("Choose at least one line to return."));
    }
    // Lock the bill so two credit notes for the same bill go one at a time.
    let bill_found: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM bills WHERE id = $1 AND status = 'finalized' FOR UPDATE")
            .bind(input.bill_id)
            .fetch_optional(tx.conn())
            .await?;
    if bill_found.is_none() {
        return Err(BillingError::NotFound("Bill"));
    }
    // Per line: sold quantity and amounts, and what earlier notes returned.
    let lines: Vec<LineState> = sqlx::query_as(
        "SELECT l.line_no, l.product_id, l.quantity AS sold, l.total, l.tax, l.unit_cost, \
                coalesce(sum(c.quantity), 0)::bigint AS credited, coalesce(sum(c.total), 0)::bigint AS credited_total, \
                coalesce(sum(c.tax), 0)::bigint AS credited_tax \
         FROM bill_lines l LEFT JOIN credit_note_lines c \
           ON c.tenant_id = l.tenant_id AND c.bill_id = l.bill_id AND c.line_no = l.line_no \
         WHERE l.bill_id = $1 GROUP BY l.tenant_id, l.bill_id, l.line_no ORDER BY l.line_no",
    )
    .bind(input.bill_id)
    .fetch_all(tx.conn())
    .await?;
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    let mut chosen: Vec<(i32, Uuid, i64, i64, i64, i64)> = Vec::new();
    let (mut total, mut tax) = (0i64, 0i64);
    for (line_no, quantity) in &input.lines {
        let Some(LineState {
            product_id,
            sold,
            total: line_total,
            tax: line_tax,
            credited,
            credited_total,
            credited_tax,
            unit_cost,
            ..
        }) = lines.iter().find(|l| l.line_no == *line_no)
        else {
            return Err(BillingError::invalid(format!("The bill has no line {line_no}.")));
        };
        if *quantity <= 0 {
            return Err(BillingError::invalid(format!(
                "Line {line_no}: return at least 1."
            )));
        }
        if chosen.iter().any(|(n, ..)| n == line_no) {
            return Err(BillingError::invalid(format!("Line {line_no} is listed twice.")));
        }
        let left = sold - credited;
        if *quantity > left {
            return Err(BillingError::invalid(format!(
                "Line {line_no}: only {left} left to return."
            )));
        }
        // The credited share of the line, rounded half up; the note that returns
        // the last units takes exactly what is left, so a line returned in full
        // over any number of notes refunds exactly what it cost.
        let last = credited + quantity == *sold;
        let share = |amount: i64, already: i64| -> i64 {
            if last {
                amount - already
            } else {
                ((amount as i128 * *quantity as i128 * 2 + *sold as i128) / (*sold as i128 * 2)) as i64
            }
        };
        let (t, x) = (
            share(*line_total, *credited_total),
            share(*line_tax, *credited_tax),
        );
        total += t;
        tax += x;
        chosen.push((*line_no, *product_id, *quantity, t, x, *unit_cost));
    }
    let shift_id = match input.till_id {
        None => None,
        Some(till_id) => {
            let row: Option<(bool, Option<Uuid>)> = sqlx::query_as(
                "SELECT t.is_active, s.id FROM tills t \
                 LEFT JOIN shifts s ON s.tenant_id = t.tenant_id AND s.till_id = t.id AND s.status = 'open' \
                 WHERE t.id = $1",
            )
            .bind(till_id)
            .fetch_optional(tx.conn())
            .await?;
            match row {
                Some((true, Some(shift))) => Some(shift),
                Some((true, None)) => return Err(BillingError::ShiftNeeded),
                _ => return Err(BillingError::NotFound("Till")),
            }
        }
    };
    let number = next_number(tx, "credit_note").await?;
    sqlx::query(
        "INSERT INTO credit_notes (tenant_id, id, number, bill_id, reason, refund_method, restocked, total, tax, \
           created_by, shift_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(number)
    .bind(input.bill_id)
    .bind(reason)
    .bind(input.refund_method.as_str())
    .bind(input.restock)
    .bind(total)
    .bind(tax)
    .bind(actor.user_id)
    .bind(shift_id)
    .execute(tx.conn())
    .await
    .map_err(|e| {
        if crate::domain::db_errors::broke(&e, "shifts_record_only_while_open") {
            BillingError::ShiftNeeded
        } else {
            BillingError::Db(e)
        }
    })?;
    let mut stock_events = Vec::new();
    for (line_no, product_id, quantity, t, x, unit_cost) in &chosen {
        sqlx::query(
            "INSERT INTO credit_note_lines (tenant_id, credit_note_id, bill_id, line_no, quantity, total, tax, unit_cost) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(input.bill_id)
        .bind(line_no)
        .bind(quantity)
        .bind(t)
        .bind(x)
        .bind(unit_cost)
        .execute(tx.conn())
        .await?;
        if input.restock {
            let reference = Reference {
                kind: Some("credit_note"),
                id: Some(id.to_string()),
            };
            let m = match &approval {
                // Approved by a manager's PIN: the goods go back on the
                // approver's authority (the cashier may not return stock
                // alone either); the credit note stays the cashier's.
                Some((approver, _, role)) => {
                    let asking = tx.switch_actor(Actor {
                        user_id: *approver,
                        role: *role,
                    });
                    let returned = stock::return_to_stock(tx, *product_id, *quantity, &reference).await;
                    tx.switch_actor(asking);
                    returned?
                }
                None => stock::return_to_stock(tx, *product_id, *quantity, &reference).await?,
            };
            stock_events.push(json!({ "product_id": m.product_id, "on_hand": m.balance_after }));
        }
    }
    audit::record(
        tx,
        AuditEntry::new("credit_note.created", "credit_note")
            .entity_id(id)
            .after(match &approval {
                None => json!({
                    "number": crate::model::credit_note_number(number), "bill_id": input.bill_id, "total": total
                }),
                Some((approver, name, _)) => json!({
                    "number": crate::model::credit_note_number(number), "bill_id": input.bill_id, "total": total,
                    "approved_by": approver, "approver": name, "cashier": actor.user_id,
                }),
            }),
    )
    .await?;
    if !stock_events.is_empty() {
        tx.announce_after_commit(json!({ "kind": "stock", "products": stock_events }));
    }
    Ok(id)
}

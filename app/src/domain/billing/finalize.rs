//! Finalizing a sale, in one transaction: validate, take the stock (sale
//! movements), record lines and payments, number the bill, audit, and announce
//! the stock change (NOTIFY is delivered only if the transaction commits).
use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::{insert_bill_line, next_number, BillingError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        inventory::stock::{self, Reference, SaleLine},
    },
    model::{PaymentMethod, PosSettings, Role, SaleInput},
    permissions::{Actor, Permission},
    pricing::{bill_totals, LineInput, TaxMode},
    tenancy::{TenantCtx, TenantTx},
};

/// The channel stock and bill events go out on (see the realtime module).
pub const EVENTS_CHANNEL: &str = "shopfloor_events";

/// The tenant's POS settings (from the context's typed settings).
pub async fn pos_settings(tx: &mut TenantCtx<'_>) -> Result<PosSettings, sqlx::Error> {
    let settings = tx.settings().await?;
    Ok(PosSettings {
        business: settings.name.clone(),
        currency: settings.currency.clone(),
        tax_mode: settings.tax_mode,
        cashier_discount_limit_bp: settings.cashier_discount_limit_bp,
    })
}

fn check_key(key: &str) -> Result<(), BillingError> {
    if !(8..=100).contains(&key.len())
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(BillingError::invalid(
            "The sale's idempotency key must be 8 to 100 letters, digits, - or _.",
        ));
    }
    Ok(())
}

/// Finalizes a sale and returns the bill's id. The same `idempotency_key` again
/// returns the first bill's id and changes nothing, even when the two requests
/// race (the second waits on the first's key and then finds its bill).
pub async fn finalize_sale(tx: &mut TenantCtx<'_>, sale: &SaleInput) -> Result<Uuid, BillingError> {
    finalize(tx, sale, None, None).await
}

/// [`finalize_sale`] with a manager's approval for a discount above the
/// cashier's limit. `approver` is a user whose email and password the caller
/// has just verified; here they must also be an active member of this
/// business whose role may give that discount. The approval is consulted only
/// when the discount needs one, and is then audited (`bill.discount_approved`:
/// who approved, for which bill, which discount, on behalf of which cashier).
/// A retry with the same idempotency key returns the first bill, as always.
pub async fn finalize_sale_approved(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    approver: Option<Uuid>,
) -> Result<Uuid, BillingError> {
    finalize(tx, sale, None, approver).await
}

/// [`finalize_sale`] with the bill's time given (the demo's sales history);
/// `None` is now.
pub async fn finalize_sale_at(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Uuid, BillingError> {
    finalize(tx, sale, at, None).await
}

/// An approver's role and name in the transaction's tenant, if they are an
/// active member of it (row-level security: never another business's member).
async fn approver_in_tenant(tx: &mut TenantTx, user_id: Uuid) -> Result<Option<(Role, String)>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT m.role, coalesce(nullif(u.display_name, ''), u.email) FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 AND m.is_active",
    )
    .bind(user_id)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.and_then(|(role, name)| Some((Role::parse(&role)?, name))))
}

async fn finalize(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    at: Option<chrono::DateTime<chrono::Utc>>,
    approver: Option<Uuid>,
) -> Result<Uuid, BillingError> {
    let actor = tx.require(Permission::Sell)?;
    check_key(&sale.idempotency_key)?;
    if sale.lines.is_empty() {
        return Err(BillingError::invalid("The cart is empty."));
    }
    if sale.lines.len() > 500 {
        return Err(BillingError::invalid("A bill can have at most 500 lines."));
    }
    let settings = pos_settings(tx).await?;
    let money = tx.settings().await?;
    let bill_id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    // Claim the key first: a concurrent request with the same key waits here
    // until this transaction ends, then finds the bill.
    let claimed: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO bills (tenant_id, id, status, idempotency_key, customer_id, cashier_id, currency, tax_mode, \
           gross, discount, bill_discount, net, tax, total) \
         VALUES ($1, $2, 'draft', $3, NULL, $4, $5, $6, 0, 0, 0, 0, 0, 0) \
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(tenant_id)
    .bind(bill_id)
    .bind(&sale.idempotency_key)
    .bind(actor.user_id)
    .bind(&settings.currency)
    .bind(match settings.tax_mode {
        TaxMode::Inclusive => "inclusive",
        TaxMode::Exclusive => "exclusive",
    })
    .fetch_optional(tx.conn())
    .await?;
    if claimed.is_none() {
        let (id, status, number): (Uuid, String, Option<i64>) =
            sqlx::query_as("SELECT id, status, number FROM bills WHERE idempotency_key = $1")
                .bind(&sale.idempotency_key)
                .fetch_one(tx.conn())
                .await?;
        if status != "finalized" {
            return Err(BillingError::invalid(
                "This sale is already being processed. Try again in a moment.",
            ));
        }
        if !same_sale_as_stored(tx, id, sale).await? {
            return Err(BillingError::KeyReused {
                bill: crate::model::bill_number(number.unwrap_or_default()),
            });
        }
        return Ok(id);
    }

    if let Some(customer) = sale.customer_id {
        let found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1 AND is_active)")
                .bind(customer)
                .fetch_one(tx.conn())
                .await?;
        if !found {
            return Err(BillingError::NotFound("Customer"));
        }
    }

    // The products as they are now: the bill keeps this snapshot.
    let ids: Vec<Uuid> = sale.lines.iter().map(|l| l.product_id).collect();
    let rows: Vec<(Uuid, String, String, i64, i32, bool)> = sqlx::query_as(
        "SELECT p.id, p.sku, p.name, p.sale_price, coalesce(t.rate_bp, 0), p.is_active FROM products p \
         LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id WHERE p.id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    let products: HashMap<Uuid, (String, String, i64, i32, bool)> = rows
        .into_iter()
        .map(|(id, sku, name, price, rate, active)| (id, (sku, name, price, rate, active)))
        .collect();
    let mut inputs = Vec::with_capacity(sale.lines.len());
    for (i, line) in sale.lines.iter().enumerate() {
        let Some((_, name, price, rate, active)) = products.get(&line.product_id) else {
            return Err(BillingError::NotFound("Product"));
        };
        if !active {
            return Err(BillingError::invalid(format!(
                "Line {}: {name} is no longer sold.",
                i + 1
            )));
        }
        inputs.push(LineInput {
            unit_price: *price,
            quantity: line.quantity,
            tax_rate_bp: *rate as i64,
            line_discount: line.line_discount,
        });
    }
    let totals = bill_totals(&inputs, sale.bill_discount, settings.tax_mode)
        .map_err(|e| BillingError::invalid(e.to_string()))?;

    // Discounts beyond the owner's limit for cashiers need a manager: the
    // cashier's own role, or a manager's approval given on the till.
    let mut approval: Option<(Uuid, String, i64)> = None;
    if totals.discount > 0 && actor.require(Permission::GiveLargeDiscount).is_err() {
        let limit = totals.gross as i128 * settings.cashier_discount_limit_bp as i128 / 10_000;
        if totals.discount as i128 > limit {
            let Some(approver) = approver else {
                return Err(BillingError::NotAllowed(format!(
                    "Discounts above {}.{:02} % need a manager's approval. Lower the discount, \
                     or have a manager approve it on the till.",
                    settings.cashier_discount_limit_bp / 100,
                    settings.cashier_discount_limit_bp % 100
                )));
            };
            // Not a member here: answered as a wrong password (who has an
            // account, and where, is not told).
            let (role, name) = approver_in_tenant(tx, approver)
                .await?
                .ok_or(BillingError::ApprovalRefused)?;
            let approving = Actor {
                user_id: approver,
                role,
            };
            if approving.require(Permission::GiveLargeDiscount).is_err() {
                return Err(BillingError::NotAllowed(format!(
                    "{name} may not approve discounts above the limit. Ask a manager, an admin or the owner."
                )));
            }
            approval = Some((approver, name, settings.cashier_discount_limit_bp));
        }
    }

    // Payments must cover the total exactly; only cash gives change.
    let mut paid = 0i64;
    let mut change_given = 0i64;
    if sale.payments.len() > 10 {
        return Err(BillingError::invalid("At most 10 payments per bill."));
    }
    let mut payments = Vec::with_capacity(sale.payments.len());
    for p in &sale.payments {
        if p.amount <= 0 || p.amount > crate::pricing::MAX_AMOUNT_MINOR {
            return Err(BillingError::invalid(format!(
                "Each payment must be more than zero and at most {}.",
                crate::pricing::format_amount(crate::pricing::MAX_AMOUNT_MINOR, 2)
            )));
        }
        let tendered = match p.method {
            PaymentMethod::Cash => p.tendered.unwrap_or(p.amount),
            _ => {
                if p.tendered.is_some_and(|t| t != p.amount) {
                    return Err(BillingError::invalid("Only cash gives change."));
                }
                p.amount
            }
        };
        if tendered < p.amount || tendered > crate::pricing::MAX_AMOUNT_MINOR {
            return Err(BillingError::invalid(
                "The cash handed over is less than the cash payment.",
            ));
        }
        // Both bounded above (at most 10 payments of at most MAX_AMOUNT_MINOR).
        paid += p.amount;
        change_given += tendered - p.amount;
        payments.push((p.method, p.amount, tendered));
    }
    if paid != totals.total {
        return Err(BillingError::invalid(format!(
            "The payments ({}) must add up to the total ({}).",
            money.money(paid),
            money.money(totals.total)
        )));
    }

    // Take the stock: conditional decrements in product order (no oversell).
    let sale_lines: Vec<SaleLine> = sale
        .lines
        .iter()
        .map(|l| SaleLine {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect();
    let movements = stock::sell(tx, &sale_lines, &Reference::bill(bill_id)).await?;

    for (i, (line, t)) in sale.lines.iter().zip(&totals.lines).enumerate() {
        let (sku, name, price, rate, _) = &products[&line.product_id];
        insert_bill_line(tx, bill_id, i as i32 + 1, line, (sku, name, *price, *rate), t).await?;
    }
    for (seq, (method, amount, tendered)) in payments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO payments (tenant_id, bill_id, seq, method, amount, tendered, change) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant_id)
        .bind(bill_id)
        .bind(seq as i32 + 1)
        .bind(method.as_str())
        .bind(amount)
        .bind(tendered)
        .bind(tendered - amount)
        .execute(tx.conn())
        .await?;
    }

    // The number last: the counter row is held only for the end of the work.
    let number = next_number(tx, "bill").await?;
    sqlx::query(
        "UPDATE bills SET status = 'finalized', number = $2, finalized_at = coalesce($12, now()), customer_id = $3, \
           gross = $4, discount = $5, bill_discount = $6, net = $7, tax = $8, total = $9, paid = $10, \
           change_given = $11, created_at = coalesce($12, created_at) \
         WHERE id = $1",
    )
    .bind(bill_id)
    .bind(number)
    .bind(sale.customer_id)
    .bind(totals.gross)
    .bind(totals.discount)
    .bind(sale.bill_discount)
    .bind(totals.net)
    .bind(totals.tax)
    .bind(totals.total)
    .bind(paid)
    .bind(change_given)
    .bind(at)
    .execute(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry::new("bill.finalized", "bill")
            .entity_id(bill_id)
            .after(json!({ "number": crate::model::bill_number(number), "total": totals.total })),
    )
    .await?;
    if let Some((approver, name, limit_bp)) = approval {
        audit::record(
            tx,
            AuditEntry::new("bill.discount_approved", "bill")
                .entity_id(bill_id)
                .after(json!({
                    "number": crate::model::bill_number(number),
                    "discount": totals.discount,
                    "gross": totals.gross,
                    "limit_bp": limit_bp,
                    "approved_by": approver,
                    "approver": name,
                    "cashier": actor.user_id,
                })),
        )
        .await?;
    }
    let stock: Vec<serde_json::Value> = movements
        .iter()
        .map(|m| json!({ "product_id": m.product_id, "on_hand": m.balance_after }))
        .collect();
    // Sent after the commit: no notification lock held through it, and a
    // rolled-back sale is never announced.
    tx.announce_after_commit(
        json!({ "kind": "stock", "products": stock, "bill": crate::model::bill_number(number) }),
    );
    Ok(bill_id)
}

/// What the POS sent, as it is stored once finalized: lines (product,
/// quantity, line discount) in order, bill discount, customer, and payments
/// (method, amount, tendered, with the tendered amount defaulted the way
/// finalizing stores it). Prices and tax rates are not part of the request
/// (the server takes them from the catalog), so a retry after a price change is
/// still the same sale.
type StoredSale = (Option<Uuid>, i64, Vec<(Uuid, i64, i64)>, Vec<(String, i64, i64)>);

fn canonical(sale: &SaleInput) -> StoredSale {
    (
        sale.customer_id,
        sale.bill_discount,
        sale.lines
            .iter()
            .map(|l| (l.product_id, l.quantity, l.line_discount))
            .collect(),
        sale.payments
            .iter()
            .map(|p| {
                let tendered = match p.method {
                    PaymentMethod::Cash => p.tendered.unwrap_or(p.amount),
                    _ => p.amount,
                };
                (p.method.as_str().to_owned(), p.amount, tendered)
            })
            .collect(),
    )
}

/// Whether a repeated idempotency key carries the sale the stored bill was
/// made from (a retry), rather than a different cart (a client bug or a
/// reused key, answered with a conflict instead of someone else's bill).
async fn same_sale_as_stored(
    tx: &mut TenantTx,
    bill_id: Uuid,
    sale: &SaleInput,
) -> Result<bool, sqlx::Error> {
    let (customer_id, bill_discount): (Option<Uuid>, i64) =
        sqlx::query_as("SELECT customer_id, bill_discount FROM bills WHERE id = $1")
            .bind(bill_id)
            .fetch_one(tx.conn())
            .await?;
    let lines: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT product_id, quantity, line_discount FROM bill_lines WHERE bill_id = $1 ORDER BY line_no",
    )
    .bind(bill_id)
    .fetch_all(tx.conn())
    .await?;
    let payments: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT method, amount, tendered FROM payments WHERE bill_id = $1 ORDER BY seq")
            .bind(bill_id)
            .fetch_all(tx.conn())
            .await?;
    Ok((customer_id, bill_discount, lines, payments) == canonical(sale))
}

/// Queues an event for this tenant's terminals; PostgreSQL delivers it only when
/// the transaction commits.
pub(crate) async fn announce(tx: &mut TenantTx, mut event: serde_json::Value) -> Result<(), sqlx::Error> {
    event["tenant_id"] = json!(tx.tenant_id());
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(EVENTS_CHANNEL)
        .bind(event.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

//! Finalizing a sale, in one transaction: validate, take the stock (sale
//! movements), record lines and payments, number the bill, audit, and announce
//! the stock change after the commit. Every step is one statement whatever
//! the size of the cart (a checkout is a handful of round trips).
use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::{read, BillingError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        inventory::stock::{self, Reference, SaleLine},
    },
    model::{BillLineView, BillView, PaymentMethod, PaymentView, PinAction, PosSettings, Role, SaleInput},
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
    Ok(finalize(tx, sale, &FinalizeOptions::default()).await?.id)
}

/// [`finalize_sale`] on a till: the till must be active and have an open
/// shift, and every payment records that shift. `None` sells without a till,
/// which only a business with no active till may do.
pub async fn finalize_sale_on_till(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    till_id: Option<Uuid>,
) -> Result<Uuid, BillingError> {
    Ok(finalize(
        tx,
        sale,
        &FinalizeOptions {
            till_id,
            ..FinalizeOptions::default()
        },
    )
    .await?
    .id)
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
    Ok(finalize(
        tx,
        sale,
        &FinalizeOptions {
            approval: approver.map(Approval::Verified),
            ..FinalizeOptions::default()
        },
    )
    .await?
    .id)
}

/// How a discount above the cashier's limit was approved on the till.
#[derive(Clone, PartialEq, Eq)]
pub enum Approval {
    /// A member whose email and password the caller has just verified.
    Verified(Uuid),
    /// A PIN approval's one-time token (`auth/pin-approve`): used up in the
    /// sale's own transaction, so a rolled-back sale leaves it unused.
    Token(String),
}

impl std::fmt::Debug for Approval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Approval::Verified(id) => f.debug_tuple("Verified").field(id).finish(),
            Approval::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// [`finalize_sale_approved`], answering with the bill as the receipt shows
/// it: built from what finalizing just wrote (no read-back), or read for a
/// retry of an earlier sale. Equal to [`read::get_bill`] of the new bill (a
/// test holds them together). `till_id` as in [`finalize_sale_on_till`].
pub async fn finalize_sale_receipt(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    approver: Option<Uuid>,
    till_id: Option<Uuid>,
) -> Result<BillView, BillingError> {
    finalize_sale_receipt_approved(tx, sale, approver.map(Approval::Verified), till_id).await
}

/// [`finalize_sale_receipt`] with either way of approving (see [`Approval`]).
pub async fn finalize_sale_receipt_approved(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    approval: Option<Approval>,
    till_id: Option<Uuid>,
) -> Result<BillView, BillingError> {
    let options = FinalizeOptions {
        approval,
        till_id,
        ..FinalizeOptions::default()
    };
    let finalized = finalize(tx, sale, &options).await?;
    match finalized.view {
        Some(view) => Ok(view),
        None => read::get_bill(tx, finalized.id).await,
    }
}

/// [`finalize_sale_on_till`] with the bill's time given (the demo's sales
/// history); `None` is now.
pub async fn finalize_sale_at(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    at: Option<chrono::DateTime<chrono::Utc>>,
    till_id: Option<Uuid>,
) -> Result<Uuid, BillingError> {
    Ok(finalize(
        tx,
        sale,
        &FinalizeOptions {
            at,
            till_id,
            ..FinalizeOptions::default()
        },
    )
    .await?
    .id)
}

/// An approver's role and name in the transaction's tenant, if they are an
/// active member of it (row-level security: never another business's member).
pub(crate) async fn approver_in_tenant(
    tx: &mut TenantTx,
    user_id: Uuid,
) -> Result<Option<(Role, String)>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT m.role, coalesce(nullif(u.display_name, ''), u.email) FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 AND m.is_active",
    )
    .bind(user_id)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.and_then(|(role, name)| Some((Role::parse(&role)?, name))))
}

/// A finalized sale: its id, and the bill as the receipt shows it when this
/// call made it (a retry of an earlier sale returns only the id).
pub(crate) struct Finalized {
    pub id: Uuid,
    pub view: Option<BillView>,
    /// The bill's number (also for a retry of an earlier sale).
    pub number: i64,
    /// Units an offline sale sold that were no longer in stock (this call's
    /// `shortfall` movements; 0 for a retry and for every online sale).
    pub shortfall: i64,
}

/// How a sale is finalized, beyond its cart: one entry point, every way of
/// selling (see the public `finalize_*` functions).
#[derive(Debug, Default, Clone)]
pub(crate) struct FinalizeOptions<'a> {
    /// The bill's time (the demo's history); `None` is now.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// A manager's approval given on the till, for a discount above the
    /// cashier's limit.
    pub approval: Option<Approval>,
    /// The till sold on (it must be active; online, with an open shift).
    pub till_id: Option<Uuid>,
    /// A sale the till made offline and syncs now.
    pub offline: Option<&'a OfflineTerms>,
}

/// What an offline sale brings beyond its cart. The goods have left the shop
/// and the receipt is printed, so finalizing records what the till did
/// rather than refusing it: the till's unit prices and tax rates (audited as
/// `bill.offline_price_differs` where the catalog's differ), stock that is
/// gone (a `shortfall` movement first, audited as `stock.shortfall`), a
/// discount above the cashier's limit (audited as
/// `bill.offline_discount_over_limit`), an archived product, and payments on
/// the till's shift open now, or on none (audited as `bill.offline_no_shift`).
#[derive(Debug, Clone)]
pub(crate) struct OfflineTerms {
    pub provisional_number: String,
    /// The till's own sequence (the number after the dash).
    pub till_seq: i64,
    /// When the till rang it up, at most now.
    pub sold_at: chrono::DateTime<chrono::Utc>,
    /// Per line, the unit price and tax rate (bp) the till charged.
    pub prices: Vec<(i64, i32)>,
}

/// The claim of the key, with the products, the customer and the till as
/// they are now. One row whatever matched: the product columns are NULL when
/// none did.
type ClaimRow = (
    Option<Uuid>,
    bool,
    bool,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i32>,
    Option<bool>,
    Option<i64>,
);

pub(crate) async fn finalize(
    tx: &mut TenantCtx<'_>,
    sale: &SaleInput,
    options: &FinalizeOptions<'_>,
) -> Result<Finalized, BillingError> {
    let (at, till_id, offline) = (options.at, options.till_id, options.offline);
    let approval_given = options.approval.clone();
    let actor = tx.require(Permission::Sell)?;
    if offline.is_some_and(|o| o.prices.len() != sale.lines.len()) {
        return Err(BillingError::invalid("Every line needs its price."));
    }
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
    // until this transaction ends, then finds the bill. The same statement
    // reads the products (the bill keeps this snapshot), checks the customer
    // and the till (with a till: active, and its open shift; without: the
    // business has no active till): one round trip.
    let ids: Vec<Uuid> = sale.lines.iter().map(|l| l.product_id).collect();
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "WITH claim AS ( \
             INSERT INTO bills (tenant_id, id, status, idempotency_key, customer_id, cashier_id, currency, tax_mode, \
               gross, discount, bill_discount, net, tax, total) \
             VALUES ($1, $2, 'draft', $3, NULL, $4, $5, $6, 0, 0, 0, 0, 0, 0) \
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id) \
         SELECT c.claimed, c.customer_ok, c.till_ok, c.shift_id, \
                p.id, p.sku, p.name, p.sale_price, p.rate_bp, p.is_active, p.cost_price \
         FROM (SELECT (SELECT id FROM claim) AS claimed, \
                      ($8::uuid IS NULL OR EXISTS (SELECT 1 FROM customers WHERE id = $8 AND is_active)) \
                        AS customer_ok, \
                      CASE WHEN $9::uuid IS NULL THEN NOT EXISTS (SELECT 1 FROM tills WHERE is_active) \
                           ELSE EXISTS (SELECT 1 FROM tills WHERE id = $9 AND is_active) END AS till_ok, \
                      (SELECT s.id FROM shifts s WHERE $9::uuid IS NOT NULL AND s.till_id = $9 \
                         AND s.status = 'open') AS shift_id) c \
         LEFT JOIN (SELECT p.id, p.sku, p.name, p.sale_price, coalesce(t.rate_bp, 0) AS rate_bp, p.is_active, \
                           p.cost_price \
                    FROM products p \
                    LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id \
                    WHERE p.id = ANY($7)) p ON true",
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
    .bind(&ids)
    .bind(sale.customer_id)
    .bind(till_id)
    .fetch_all(tx.conn())
    .await?;
    let (claimed, customer_ok, till_ok, shift_id) = rows
        .first()
        .map_or((None, false, false, None), |r| (r.0, r.1, r.2, r.3));
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
        if !same_sale_as_stored(tx, id, sale, offline).await? {
            return Err(BillingError::KeyReused {
                bill: crate::model::bill_number(number.unwrap_or_default()),
            });
        }
        return Ok(Finalized {
            id,
            view: None,
            number: number.unwrap_or_default(),
            shortfall: 0,
        });
    }
    match (till_id, till_ok, shift_id) {
        (None, false, _) => return Err(BillingError::TillNeeded),
        (Some(_), false, _) => return Err(BillingError::NotFound("Till")),
        (Some(_), true, None) if offline.is_none() => return Err(BillingError::ShiftNeeded),
        _ => {}
    }
    // Offline, the payments go on the shift open on the till now, read FOR
    // SHARE (a close in progress is waited for, then seen closed): the till's
    // own shift may have been closed meanwhile, or none be open at all.
    let shift_id = match (offline, till_id) {
        (Some(_), Some(till)) => {
            sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM shifts WHERE till_id = $1 AND status = 'open' FOR SHARE",
            )
            .bind(till)
            .fetch_optional(tx.conn())
            .await?
        }
        _ => shift_id,
    };
    if !customer_ok {
        return Err(BillingError::NotFound("Customer"));
    }
    let products: HashMap<Uuid, (String, String, i64, i32, bool, i64)> = rows
        .into_iter()
        .filter_map(|(_, _, _, _, id, sku, name, price, rate, active, cost)| {
            Some((id?, (sku?, name?, price?, rate?, active?, cost?)))
        })
        .collect();
    let mut inputs = Vec::with_capacity(sale.lines.len());
    // Offline: the prices the till charged, and where the catalog's differ.
    let mut charged: Vec<(i64, i32)> = Vec::with_capacity(sale.lines.len());
    let mut differs: Vec<serde_json::Value> = Vec::new();
    for (i, line) in sale.lines.iter().enumerate() {
        let Some((sku, name, price, rate, active, _)) = products.get(&line.product_id) else {
            return Err(BillingError::NotFound("Product"));
        };
        if !active && offline.is_none() {
            return Err(BillingError::invalid(format!(
                "Line {}: {name} is no longer sold.",
                i + 1
            )));
        }
        let (unit_price, tax_rate_bp) = match offline {
            Some(terms) => {
                let (till_price, till_rate) = terms.prices[i];
                if !(0..=10_000).contains(&till_rate) {
                    return Err(BillingError::invalid(format!(
                        "Line {}: the tax rate must be between 0 and 100 %.",
                        i + 1
                    )));
                }
                if (till_price, till_rate) != (*price, *rate) {
                    differs.push(json!({
                        "line": i + 1,
                        "product_id": line.product_id,
                        "sku": sku,
                        "till_price": till_price,
                        "catalog_price": price,
                        "till_tax_rate_bp": till_rate,
                        "catalog_tax_rate_bp": rate,
                    }));
                }
                (till_price, till_rate)
            }
            None => (*price, *rate),
        };
        charged.push((unit_price, tax_rate_bp));
        inputs.push(LineInput {
            unit_price,
            quantity: line.quantity,
            tax_rate_bp: tax_rate_bp as i64,
            line_discount: line.line_discount,
        });
    }
    let totals = bill_totals(&inputs, sale.bill_discount, settings.tax_mode)
        .map_err(|e| BillingError::invalid(e.to_string()))?;

    // Discounts beyond the owner's limit for cashiers need a manager: the
    // cashier's own role, or a manager's approval given on the till.
    let mut approval: Option<(Uuid, String, i64)> = None;
    let mut over_limit = false;
    if totals.discount > 0 && actor.require(Permission::GiveLargeDiscount).is_err() {
        let limit = totals.gross as i128 * settings.cashier_discount_limit_bp as i128 / 10_000;
        if totals.discount as i128 > limit && offline.is_some() {
            // The till refuses these offline, so this one was forged or came
            // from an old till; the goods have left: recorded for review.
            over_limit = true;
        } else if totals.discount as i128 > limit {
            let Some(approval_given) = approval_given else {
                return Err(BillingError::NotAllowed(format!(
                    "Discounts above {}.{:02} % need a manager's approval. Lower the discount, \
                     or have a manager approve it on the till.",
                    settings.cashier_discount_limit_bp / 100,
                    settings.cashier_discount_limit_bp % 100
                )));
            };
            let (approver, refused) = match approval_given {
                // Not a member here: answered as a wrong password (who has
                // an account, and where, is not told).
                Approval::Verified(id) => (id, BillingError::ApprovalRefused),
                // A PIN approval's approver no longer a member: as a token
                // that no longer works.
                Approval::Token(token) => (
                    crate::domain::pins::consume_approval(tx, &token, actor.user_id, PinAction::Discount)
                        .await?
                        .ok_or(BillingError::ApprovalExpired)?,
                    BillingError::ApprovalExpired,
                ),
            };
            let (role, name) = approver_in_tenant(tx, approver).await?.ok_or(refused)?;
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

    let payments = check_payments(sale, totals.total, &money)?;
    let paid: i64 = payments.iter().map(|p| p.amount).sum();
    let change_given: i64 = payments.iter().map(|p| p.change).sum();

    // Take the stock: conditional decrements in product order (no oversell).
    let sale_lines: Vec<SaleLine> = sale
        .lines
        .iter()
        .map(|l| SaleLine {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect();
    // Its audit entries are written with the bill's, at the end. Offline,
    // stock that is gone is recorded as a shortfall, never refused.
    let (movements, stock_audit, shortfall) = if offline.is_some() {
        stock::sell_offline_audit_later(tx, &sale_lines, &Reference::bill(bill_id)).await?
    } else {
        let (movements, entries) =
            stock::sell_audit_later(tx, &sale_lines, &Reference::bill(bill_id)).await?;
        (movements, entries, 0)
    };

    let lines: Vec<_> = sale
        .lines
        .iter()
        .zip(&totals.lines)
        .zip(&charged)
        .map(|((line, t), (price, rate))| {
            let (sku, name, _, _, _, cost) = &products[&line.product_id];
            (line, (sku.as_str(), name.as_str(), *price, *rate, *cost), t)
        })
        .collect();
    insert_lines_and_payments(tx, bill_id, &lines, &payments, shift_id)
        .await
        .map_err(|e| {
            // The shift was closed while this sale was on its way.
            if crate::domain::db_errors::broke(&e, "shifts_record_only_while_open") {
                BillingError::ShiftNeeded
            } else {
                BillingError::Db(e)
            }
        })?;

    // The number last: the counter row is held only for the end of the work.
    // The same statement finalizes the bill and reads what the receipt shows
    // besides the sale itself.
    let (number, finalized_at, business, receipt_header, receipt_footer, receipt_paper, cashier, customer): (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    ) = sqlx::query_as(
        "WITH n AS ( \
             INSERT INTO tenant_counters (tenant_id, name, last_value) VALUES ($1, 'bill', 1) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
             RETURNING last_value), \
         b AS ( \
             UPDATE bills SET status = 'finalized', number = (SELECT last_value FROM n), \
               finalized_at = coalesce($13, now()), customer_id = $3, \
               gross = $4, discount = $5, bill_discount = $6, net = $7, tax = $8, total = $9, paid = $10, \
               change_given = $11, created_at = coalesce($13, created_at), \
               provisional_number = $14, till_id = CASE WHEN $14::text IS NULL THEN NULL ELSE $15::uuid END, \
               till_seq = CASE WHEN $15::uuid IS NULL THEN NULL ELSE $16::bigint END, offline_sold_at = $17 \
             WHERE id = $2 RETURNING number, finalized_at) \
         SELECT b.number, to_char(b.finalized_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI'), t.name, \
                t.receipt_header, t.receipt_footer, t.receipt_paper, \
                (SELECT email FROM users WHERE id = $12), \
                (SELECT name FROM customers WHERE id = $3) \
         FROM b CROSS JOIN tenants t",
    )
    .bind(tenant_id)
    .bind(bill_id)
    .bind(sale.customer_id)
    .bind(totals.gross)
    .bind(totals.discount)
    .bind(sale.bill_discount)
    .bind(totals.net)
    .bind(totals.tax)
    .bind(totals.total)
    .bind(paid)
    .bind(change_given)
    .bind(actor.user_id)
    .bind(at)
    .bind(offline.map(|o| o.provisional_number.as_str()))
    .bind(till_id)
    .bind(offline.map(|o| o.till_seq))
    .bind(offline.map(|o| o.sold_at))
    .fetch_one(tx.conn())
    .await?;
    let mut entries = stock_audit;
    if let Some(terms) = offline {
        let number = crate::model::bill_number(number);
        let provisional = terms.provisional_number.as_str();
        entries.push(
            AuditEntry::new("bill.offline_synced", "bill")
                .entity_id(bill_id)
                .after(json!({
                    "number": number,
                    "provisional_number": provisional,
                    "till_id": till_id,
                    "sold_at": terms.sold_at,
                    "shortfall": shortfall,
                })),
        );
        if !differs.is_empty() {
            entries.push(
                AuditEntry::new("bill.offline_price_differs", "bill")
                    .entity_id(bill_id)
                    .after(json!({ "number": number, "provisional_number": provisional, "lines": differs })),
            );
        }
        if over_limit {
            entries.push(
                AuditEntry::new("bill.offline_discount_over_limit", "bill")
                    .entity_id(bill_id)
                    .after(json!({
                        "number": number,
                        "provisional_number": provisional,
                        "discount": totals.discount,
                        "gross": totals.gross,
                        "limit_bp": settings.cashier_discount_limit_bp,
                        "cashier": actor.user_id,
                    })),
            );
        }
        if shift_id.is_none() && till_id.is_some() {
            entries.push(
                AuditEntry::new("bill.offline_no_shift", "bill")
                    .entity_id(bill_id)
                    .after(
                        json!({ "number": number, "provisional_number": provisional, "till_id": till_id }),
                    ),
            );
        }
    }
    entries.push(
        AuditEntry::new("bill.finalized", "bill")
            .entity_id(bill_id)
            .after(json!({ "number": crate::model::bill_number(number), "total": totals.total })),
    );
    if let Some((approver, name, limit_bp)) = approval {
        entries.push(
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
        );
    }
    audit::record_all(tx, entries).await?;
    let stock: Vec<serde_json::Value> = movements
        .iter()
        .map(|m| json!({ "product_id": m.product_id, "on_hand": m.balance_after }))
        .collect();
    // Sent after the commit: no notification lock held through it, and a
    // rolled-back sale is never announced.
    tx.announce_after_commit(
        json!({ "kind": "stock", "products": stock, "bill": crate::model::bill_number(number) }),
    );
    let view = BillView {
        id: bill_id,
        number: crate::model::bill_number(number),
        business,
        cashier,
        customer,
        currency: settings.currency.clone(),
        tax_mode: settings.tax_mode,
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (line, (sku, name, price, rate, _), t))| BillLineView {
                line_no: i as i32 + 1,
                product_id: line.product_id,
                sku: sku.to_string(),
                name: name.to_string(),
                unit_price: *price,
                quantity: line.quantity,
                tax_rate_bp: *rate,
                discount: t.line_discount + t.bill_discount,
                line_discount: t.line_discount,
                tax: t.tax,
                total: t.total,
                credited: 0,
            })
            .collect(),
        payments,
        gross: totals.gross,
        discount: totals.discount,
        net: totals.net,
        tax: totals.tax,
        total: totals.total,
        paid,
        change: change_given,
        finalized_at,
        credit_notes: Vec::new(),
        receipt_header,
        receipt_footer,
        receipt_paper: crate::org::ReceiptPaper::parse(&receipt_paper).unwrap_or_default(),
        provisional_number: offline.map(|o| o.provisional_number.clone()),
    };
    Ok(Finalized {
        id: bill_id,
        view: Some(view),
        number,
        shortfall,
    })
}

/// Payments must cover the total exactly; only cash gives change. Returns
/// them as they are stored (tendered defaulted, change computed).
fn check_payments(
    sale: &SaleInput,
    total: i64,
    money: &crate::org::BusinessSettings,
) -> Result<Vec<PaymentView>, BillingError> {
    if sale.payments.len() > 10 {
        return Err(BillingError::invalid("At most 10 payments per bill."));
    }
    let mut paid = 0i64;
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
        payments.push(PaymentView {
            method: p.method,
            amount: p.amount,
            tendered,
            change: tendered - p.amount,
        });
    }
    if paid != total {
        return Err(BillingError::invalid(format!(
            "The payments ({}) must add up to the total ({}).",
            money.money(paid),
            money.money(total)
        )));
    }
    Ok(payments)
}

/// The bill's lines and payments, in one statement.
async fn insert_lines_and_payments(
    tx: &mut TenantTx,
    bill_id: Uuid,
    lines: &[super::NewLine<'_>],
    payments: &[PaymentView],
    shift_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let sql = format!(
        "WITH lines AS ({}) \
         INSERT INTO payments (tenant_id, bill_id, seq, method, amount, tendered, change, shift_id) \
         SELECT $1, $2, p.seq, p.method, p.amount, p.tendered, p.change, $21 \
         FROM unnest($16::int[], $17::text[], $18::bigint[], $19::bigint[], $20::bigint[]) \
           AS p(seq, method, amount, tendered, change)",
        super::INSERT_BILL_LINES
    );
    super::bind_bill_lines(sqlx::query(&sql), tenant_id, bill_id, lines)
        .bind((1..=payments.len() as i32).collect::<Vec<i32>>())
        .bind(payments.iter().map(|p| p.method.as_str()).collect::<Vec<_>>())
        .bind(payments.iter().map(|p| p.amount).collect::<Vec<_>>())
        .bind(payments.iter().map(|p| p.tendered).collect::<Vec<_>>())
        .bind(payments.iter().map(|p| p.change).collect::<Vec<_>>())
        .bind(shift_id)
        .execute(tx.conn())
        .await?;
    Ok(())
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
///
/// An offline sale is also the same only with the same provisional number
/// (when the stored bill has one: a sale the till first sent online and then
/// queued keeps its key).
async fn same_sale_as_stored(
    tx: &mut TenantTx,
    bill_id: Uuid,
    sale: &SaleInput,
    offline: Option<&OfflineTerms>,
) -> Result<bool, sqlx::Error> {
    let (customer_id, bill_discount, provisional): (Option<Uuid>, i64, Option<String>) =
        sqlx::query_as("SELECT customer_id, bill_discount, provisional_number FROM bills WHERE id = $1")
            .bind(bill_id)
            .fetch_one(tx.conn())
            .await?;
    if let (Some(terms), Some(stored)) = (offline, provisional.as_deref()) {
        if terms.provisional_number != stored {
            return Ok(false);
        }
    }
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

//! Stock movements: restock, sale, return, adjustment and count. Each changes
//! `on_hand` and appends its ledger row in the caller's transaction.
use serde_json::json;
use uuid::Uuid;

use super::{check_quantity, InventoryError, MAX_QUANTITY};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        permissions::Permission,
    },
    model::{MovementKind, MovementView},
    tenancy::{TenantCtx, TenantTx},
};

/// What a movement refers to (a bill, a credit note, a restock delivery, …).
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub kind: Option<&'static str>,
    pub id: Option<String>,
}

impl Reference {
    pub fn none() -> Self {
        Reference::default()
    }

    pub fn bill(id: impl ToString) -> Self {
        Reference {
            kind: Some("bill"),
            id: Some(id.to_string()),
        }
    }
}

/// One recorded movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub id: Uuid,
    pub product_id: Uuid,
    pub kind: MovementKind,
    pub quantity: i64,
    pub balance_after: i64,
}

/// One line of a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleLine {
    pub product_id: Uuid,
    pub quantity: i64,
}

#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    kind: MovementKind,
    quantity: i64,
    balance_after: i64,
    reference: &Reference,
    reason: Option<&str>,
) -> Result<Movement, InventoryError> {
    let actor = &tx.actor();
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO stock_movements \
           (tenant_id, id, product_id, kind, quantity, balance_after, reference_type, reference_id, reason, actor_user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(product_id)
    .bind(kind.as_str())
    .bind(quantity)
    .bind(balance_after)
    .bind(reference.kind)
    .bind(reference.id.as_deref())
    .bind(reason)
    .bind(actor.user_id)
    .execute(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry::new(&format!("stock.{}", kind.as_str()), "product")
            .entity_id(product_id)
            .after(json!({ "quantity": quantity, "on_hand": balance_after, "reason": reason })),
    )
    .await?;
    Ok(Movement {
        id,
        product_id,
        kind,
        quantity,
        balance_after,
    })
}

/// Why an update matched no row: unknown, archived, or not enough stock.
async fn explain_miss(tx: &mut TenantTx, product_id: Uuid) -> Result<InventoryError, InventoryError> {
    let row: Option<(String, i64, bool)> =
        sqlx::query_as("SELECT sku, on_hand, is_active FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_optional(tx.conn())
            .await?;
    Ok(match row {
        None => InventoryError::NotFound("Product"),
        Some((_, _, false)) => InventoryError::invalid("That product is archived."),
        Some((sku, available, true)) => InventoryError::OutOfStock {
            product: product_id,
            sku,
            available,
        },
    })
}

/// Takes sold goods out of stock. Lines for the same product are merged, rows
/// are taken in product-id order (no deadlock between concurrent multi-line
/// sales), and each decrement is conditional (`on_hand >= n`), so concurrent
/// sales of the last units can never oversell: one of them gets `OutOfStock`.
pub async fn sell(
    tx: &mut TenantCtx<'_>,
    lines: &[SaleLine],
    reference: &Reference,
) -> Result<Vec<Movement>, InventoryError> {
    let (movements, entries) = sell_audit_later(tx, lines, reference).await?;
    audit::record_all(tx, entries).await?;
    Ok(movements)
}

/// The audit action of a sale's stock movement.
const SALE_AUDIT_ACTION: &str = "stock.sale";

/// [`sell`], returning the audit entries instead of writing them, for a caller
/// that writes them in the same statement as its own (a checkout: one round
/// trip less). The caller must record them in this transaction.
pub(crate) async fn sell_audit_later(
    tx: &mut TenantCtx<'_>,
    lines: &[SaleLine],
    reference: &Reference,
) -> Result<(Vec<Movement>, Vec<AuditEntry<'static>>), InventoryError> {
    tx.require(Permission::Sell)?;
    if lines.is_empty() {
        return Err(InventoryError::invalid("A sale needs at least one line."));
    }
    let mut merged: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
    for line in lines {
        check_quantity(line.quantity)?;
        let total = merged.entry(line.product_id).or_insert(0);
        *total += line.quantity;
        if *total > MAX_QUANTITY {
            return Err(InventoryError::invalid(format!(
                "The quantity must be at most {MAX_QUANTITY}."
            )));
        }
    }
    // One round trip for every row lock and ledger row, taken in product-id
    // order by the database function; it stops at the first product it
    // cannot take (and the caller's transaction is then rolled back).
    let (products, quantities): (Vec<Uuid>, Vec<i64>) = merged.into_iter().unzip();
    let ids: Vec<Uuid> = products.iter().map(|_| Uuid::now_v7()).collect();
    let actor = tx.actor().user_id;
    let taken: Vec<(Uuid, Option<i64>)> =
        sqlx::query_as("SELECT product_id, on_hand FROM sell_stock($1, $2, $3, $4, $5, $6)")
            .bind(&products)
            .bind(&quantities)
            .bind(&ids)
            .bind(reference.kind)
            .bind(reference.id.as_deref())
            .bind(actor)
            .fetch_all(tx.conn())
            .await?;
    if let Some((missed, _)) = taken.iter().find(|(_, left)| left.is_none()) {
        return Err(explain_miss(tx, *missed).await?);
    }
    let asked: std::collections::HashMap<Uuid, (Uuid, i64)> = products
        .iter()
        .zip(ids.iter().zip(&quantities))
        .map(|(&product, (&id, &quantity))| (product, (id, quantity)))
        .collect();
    let movements: Vec<Movement> = taken
        .into_iter()
        .map(|(product_id, left)| {
            let (id, quantity) = asked[&product_id];
            Movement {
                id,
                product_id,
                kind: MovementKind::Sale,
                quantity: -quantity,
                balance_after: left.unwrap_or_default(),
            }
        })
        .collect();
    let entries = movements
        .iter()
        .map(|m| {
            AuditEntry::new(SALE_AUDIT_ACTION, "product")
                .entity_id(m.product_id)
                .after(json!({
                    "quantity": m.quantity,
                    "on_hand": m.balance_after,
                    "reason": None::<&str>,
                }))
        })
        .collect();
    Ok((movements, entries))
}

/// [`sell_audit_later`] for a sale a till made offline, syncing now: the
/// goods have left the shop, so stock that is gone is never a refusal. Per
/// product (in product-id order), the missing units are first recorded as a
/// `shortfall` movement referring to the same document, then the sale takes
/// them: stock ends at zero or above and the ledger accounts for every unit.
/// An archived product still takes its sale. Returns the sale movements, the
/// audit entries (`stock.shortfall` for each shortfall, `stock.sale` for each
/// sale) and the total of missing units.
pub(crate) async fn sell_offline_audit_later(
    tx: &mut TenantCtx<'_>,
    lines: &[SaleLine],
    reference: &Reference,
) -> Result<(Vec<Movement>, Vec<AuditEntry<'static>>, i64), InventoryError> {
    tx.require(Permission::Sell)?;
    if lines.is_empty() {
        return Err(InventoryError::invalid("A sale needs at least one line."));
    }
    let mut merged: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
    for line in lines {
        check_quantity(line.quantity)?;
        let total = merged.entry(line.product_id).or_insert(0);
        *total += line.quantity;
        if *total > MAX_QUANTITY {
            return Err(InventoryError::invalid(format!(
                "The quantity must be at most {MAX_QUANTITY}."
            )));
        }
    }
    let (products, quantities): (Vec<Uuid>, Vec<i64>) = merged.into_iter().unzip();
    let sale_ids: Vec<Uuid> = products.iter().map(|_| Uuid::now_v7()).collect();
    let shortfall_ids: Vec<Uuid> = products.iter().map(|_| Uuid::now_v7()).collect();
    let actor = tx.actor().user_id;
    let taken: Vec<(Uuid, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT product_id, shortfall, on_hand FROM sell_stock_offline($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&products)
    .bind(&quantities)
    .bind(&sale_ids)
    .bind(&shortfall_ids)
    .bind(reference.kind)
    .bind(reference.id.as_deref())
    .bind(actor)
    .fetch_all(tx.conn())
    .await?;
    if taken.iter().any(|(_, _, left)| left.is_none()) {
        return Err(InventoryError::NotFound("Product"));
    }
    let asked: std::collections::HashMap<Uuid, (Uuid, i64)> = products
        .iter()
        .zip(sale_ids.iter().zip(&quantities))
        .map(|(&product, (&id, &quantity))| (product, (id, quantity)))
        .collect();
    let mut entries = Vec::with_capacity(taken.len());
    let mut movements = Vec::with_capacity(taken.len());
    let mut short_total = 0i64;
    for (product_id, short, left) in taken {
        let (id, quantity) = asked[&product_id];
        let short = short.unwrap_or_default();
        let left = left.unwrap_or_default();
        if short > 0 {
            short_total += short;
            entries.push(
                AuditEntry::new("stock.shortfall", "product")
                    .entity_id(product_id)
                    .after(json!({
                        "quantity": short,
                        "on_hand": left + quantity,
                        "reason": "Sold offline while out of stock",
                        "reference": reference.id,
                    })),
            );
        }
        entries.push(
            AuditEntry::new(SALE_AUDIT_ACTION, "product")
                .entity_id(product_id)
                .after(json!({ "quantity": -quantity, "on_hand": left, "reason": None::<&str> })),
        );
        movements.push(Movement {
            id,
            product_id,
            kind: MovementKind::Sale,
            quantity: -quantity,
            balance_after: left,
        });
    }
    Ok((movements, entries, short_total))
}

/// Adds delivered goods (manager and above).
pub async fn restock(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    quantity: i64,
    note: Option<&str>,
) -> Result<Movement, InventoryError> {
    tx.require(Permission::Restock)?;
    check_quantity(quantity)?;
    let note = clean_reason(note)?;
    let on_hand: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET on_hand = on_hand + $2, updated_at = now() \
         WHERE id = $1 AND is_active AND on_hand + $2 <= 1000000000000 RETURNING on_hand",
    )
    .bind(product_id)
    .bind(quantity)
    .fetch_optional(tx.conn())
    .await?;
    let Some(on_hand) = on_hand else {
        return Err(match explain_miss(tx, product_id).await? {
            InventoryError::OutOfStock { .. } => {
                InventoryError::invalid("That would be more stock than we can count.")
            }
            other => other,
        });
    };
    let movement = record(
        tx,
        product_id,
        MovementKind::Restock,
        quantity,
        on_hand,
        &Reference::none(),
        note.as_deref(),
    )
    .await?;
    announce_stock(tx, &movement);
    Ok(movement)
}

/// Puts returned goods back (credit notes; manager and above).
pub async fn return_to_stock(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    quantity: i64,
    reference: &Reference,
) -> Result<Movement, InventoryError> {
    tx.require(Permission::ReturnStock)?;
    check_quantity(quantity)?;
    // Archived products can still take their goods back.
    let on_hand: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET on_hand = on_hand + $2, updated_at = now() WHERE id = $1 RETURNING on_hand",
    )
    .bind(product_id)
    .bind(quantity)
    .fetch_optional(tx.conn())
    .await?;
    let on_hand = on_hand.ok_or(InventoryError::NotFound("Product"))?;
    record(
        tx,
        product_id,
        MovementKind::Return,
        quantity,
        on_hand,
        reference,
        None,
    )
    .await
}

/// Corrects stock by `delta` (positive or negative) with a required reason
/// (manager and above). Never below zero.
pub async fn adjust(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    delta: i64,
    reason: &str,
) -> Result<Movement, InventoryError> {
    tx.require(Permission::AdjustStock)?;
    if delta == 0 {
        return Err(InventoryError::invalid("An adjustment must change the stock."));
    }
    // A range check, not `abs()`: |i64::MIN| does not fit in an i64.
    if !(-MAX_QUANTITY..=MAX_QUANTITY).contains(&delta) {
        return Err(InventoryError::invalid(format!(
            "An adjustment can change the stock by at most {MAX_QUANTITY} either way."
        )));
    }
    let reason = clean_reason(Some(reason))?
        .ok_or_else(|| InventoryError::invalid("Give a reason for the adjustment."))?;
    let on_hand: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET on_hand = on_hand + $2, updated_at = now() \
         WHERE id = $1 AND is_active AND on_hand + $2 >= 0 RETURNING on_hand",
    )
    .bind(product_id)
    .bind(delta)
    .fetch_optional(tx.conn())
    .await?;
    let Some(on_hand) = on_hand else {
        return Err(match explain_miss(tx, product_id).await? {
            InventoryError::OutOfStock { available, .. } => {
                InventoryError::invalid(format!("Only {available} in stock: stock cannot go below zero."))
            }
            other => other,
        });
    };
    let movement = record(
        tx,
        product_id,
        MovementKind::Adjustment,
        delta,
        on_hand,
        &Reference::none(),
        Some(&reason),
    )
    .await?;
    announce_stock(tx, &movement);
    Ok(movement)
}

/// Records a stock count: the counted quantity in, a `count` movement for the
/// difference out (zero when the count agrees, so the count is on record).
pub async fn count(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    counted: i64,
) -> Result<Movement, InventoryError> {
    tx.require(Permission::CountStock)?;
    if !(0..=MAX_QUANTITY * 1000).contains(&counted) {
        return Err(InventoryError::invalid(
            "The counted quantity must be zero or more.",
        ));
    }
    let current: Option<(i64, bool)> =
        sqlx::query_as("SELECT on_hand, is_active FROM products WHERE id = $1 FOR UPDATE")
            .bind(product_id)
            .fetch_optional(tx.conn())
            .await?;
    let (current, active) = current.ok_or(InventoryError::NotFound("Product"))?;
    if !active {
        return Err(InventoryError::invalid("That product is archived."));
    }
    let delta = counted - current;
    sqlx::query("UPDATE products SET on_hand = $2, updated_at = now() WHERE id = $1")
        .bind(product_id)
        .bind(counted)
        .execute(tx.conn())
        .await?;
    let reference = Reference {
        kind: Some("count"),
        id: None,
    };
    let movement = record(
        tx,
        product_id,
        MovementKind::Count,
        delta,
        counted,
        &reference,
        None,
    )
    .await?;
    announce_stock(tx, &movement);
    Ok(movement)
}

/// Tells the tenant's open tills and lists the product's new stock (the same
/// `stock` event a sale sends), once the transaction has committed.
fn announce_stock(tx: &mut TenantCtx<'_>, movement: &Movement) {
    tx.announce_after_commit(json!({
        "kind": "stock",
        "cause": movement.kind.as_str(),
        "products": [{ "product_id": movement.product_id, "on_hand": movement.balance_after }],
    }));
}

/// The opening balance of a new product.
pub(super) async fn initial(
    tx: &mut TenantCtx<'_>,
    product_id: Uuid,
    quantity: i64,
    reference: &Reference,
) -> Result<Movement, InventoryError> {
    record(
        tx,
        product_id,
        MovementKind::Initial,
        quantity,
        quantity,
        reference,
        None,
    )
    .await
}

fn clean_reason(reason: Option<&str>) -> Result<Option<String>, InventoryError> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if reason.chars().count() > 500 {
        return Err(InventoryError::invalid("Keep the reason under 500 characters."));
    }
    Ok(Some(reason.to_owned()))
}

/// A product's movements, newest first, with the running balance.
pub async fn movements(
    tx: &mut TenantTx,
    product_id: Uuid,
    limit: i64,
) -> Result<Vec<MovementView>, InventoryError> {
    let rows: Vec<MovementRow> = sqlx::query_as(
        "SELECT m.id, m.product_id, m.kind, m.quantity, m.balance_after, m.reference_type, m.reference_id, \
                m.reason, u.email AS actor, m.created_at \
         FROM stock_movements m LEFT JOIN users u ON u.id = m.actor_user_id \
         WHERE m.product_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2",
    )
    .bind(product_id)
    .bind(limit.clamp(1, 500))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(MovementRow::into_view).collect())
}

#[derive(sqlx::FromRow)]
struct MovementRow {
    id: Uuid,
    product_id: Uuid,
    kind: String,
    quantity: i64,
    balance_after: i64,
    reference_type: Option<String>,
    reference_id: Option<String>,
    reason: Option<String>,
    actor: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl MovementRow {
    fn into_view(self) -> MovementView {
        MovementView {
            id: self.id,
            product_id: self.product_id,
            kind: MovementKind::parse(&self.kind).unwrap_or(MovementKind::Adjustment),
            quantity: self.quantity,
            balance_after: self.balance_after,
            reference: match (self.reference_type, self.reference_id) {
                (Some(t), Some(id)) => Some(format!("{t} {id}")),
                (Some(t), None) => Some(t),
                _ => None,
            },
            reason: self.reason,
            actor: self.actor,
            at: self.created_at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

//! Receiving a delivery against a sent order, possibly in parts. Per line, in
//! this order and each as its own statement: the product's cost moves to the
//! moving average (the stock already on hand is revalued in the books), the
//! stock goes up, a `receipt` movement records it with the unit cost paid (the
//! books post inventory at the new cost against what is owed to the
//! supplier), and the order line counts it. The whole delivery is one
//! transaction: all of it is received or none.
use serde_json::json;
use uuid::Uuid;

use super::{orders, parse_quantity, PurchaseError};
use crate::{
    domain::audit::{self, AuditEntry},
    model::{PurchaseOrderView, ReceiveLineInput},
    permissions::Permission,
    tenancy::TenantCtx,
};

/// Receives `lines` (order line and quantity arrived; blank quantities are
/// skipped) on order `id`. Returns the order as it now is.
pub async fn receive(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    lines: &[ReceiveLineInput],
) -> Result<PurchaseOrderView, PurchaseError> {
    let actor = tx.require(Permission::Purchase)?;
    // The order first, locked: two receipts of one order take turns.
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM purchase_orders WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
    match status.as_deref() {
        None => return Err(PurchaseError::NotFound("Purchase order")),
        Some("sent" | "partly_received") => {}
        Some("draft") => {
            return Err(PurchaseError::Conflict(
                "Send the order before receiving on it.".into(),
            ))
        }
        Some(_) => {
            return Err(PurchaseError::Conflict(
                "This order is closed: nothing more can be received on it.".into(),
            ))
        }
    }
    let order = orders::get_order(tx, id).await?;
    let mut arrived: Vec<(i32, Uuid, i64, i64)> = Vec::new();
    for input in lines {
        if input.quantity.trim().is_empty() || input.quantity.trim() == "0" {
            continue;
        }
        let line = order
            .lines
            .iter()
            .find(|l| l.line_no == input.line_no)
            .ok_or_else(|| PurchaseError::invalid(format!("The order has no line {}.", input.line_no)))?;
        if input
            .received_before
            .is_some_and(|before| before != line.received)
        {
            return Err(PurchaseError::Conflict(format!(
                "{} has been received on since this page was shown (now {} of {}): check the order and try again.",
                line.sku, line.received, line.quantity
            )));
        }
        let quantity = parse_quantity(&input.quantity, &format!("{}, quantity", line.sku))?;
        if arrived.iter().any(|(n, ..)| *n == line.line_no) {
            return Err(PurchaseError::invalid(format!("{} is listed twice.", line.sku)));
        }
        if line.received + quantity > line.quantity {
            return Err(PurchaseError::invalid(format!(
                "{}: {} ordered, {} already received; {} more would be too many.",
                line.sku, line.quantity, line.received, quantity
            )));
        }
        arrived.push((line.line_no, line.product_id, quantity, line.unit_cost));
    }
    if arrived.is_empty() {
        return Err(PurchaseError::invalid(
            "Enter how many of at least one line arrived.",
        ));
    }
    let tenant_id = tx.tenant_id();
    let receipt_id = Uuid::now_v7();
    let total: i64 = arrived.iter().map(|(_, _, q, u)| q * u).sum();
    sqlx::query(
        "INSERT INTO purchase_receipts (tenant_id, id, order_id, received_by, total) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant_id)
    .bind(receipt_id)
    .bind(id)
    .bind(actor.user_id)
    .bind(total)
    .execute(tx.conn())
    .await?;
    for (line_no, product_id, quantity, unit_cost) in &arrived {
        let (quantity, unit_cost) = (*quantity, *unit_cost);
        // Locked and averaged in one statement (the books revalue the stock
        // on hand at the new cost).
        let cost: Option<i64> = sqlx::query_scalar(
            "UPDATE products SET cost_price = moving_average_cost(on_hand, cost_price, $2, $3), updated_at = now() \
             WHERE id = $1 RETURNING cost_price",
        )
        .bind(product_id)
        .bind(quantity)
        .bind(unit_cost)
        .fetch_optional(tx.conn())
        .await
        .map_err(PurchaseError::from_db)?;
        cost.ok_or(PurchaseError::NotFound("Product"))?;
        let on_hand: i64 =
            sqlx::query_scalar("UPDATE products SET on_hand = on_hand + $2 WHERE id = $1 RETURNING on_hand")
                .bind(product_id)
                .bind(quantity)
                .fetch_one(tx.conn())
                .await?;
        sqlx::query(
            "INSERT INTO stock_movements (tenant_id, id, product_id, kind, quantity, balance_after, \
               reference_type, reference_id, reason, actor_user_id, unit_cost) \
             VALUES ($1, $2, $3, 'receipt', $4, $5, 'purchase', $6, $7, $8, $9)",
        )
        .bind(tenant_id)
        .bind(Uuid::now_v7())
        .bind(product_id)
        .bind(quantity)
        .bind(on_hand)
        .bind(receipt_id.to_string())
        .bind(format!("{} from {}", order.number, order.supplier))
        .bind(actor.user_id)
        .bind(unit_cost)
        .execute(tx.conn())
        .await
        .map_err(PurchaseError::from_db)?;
        sqlx::query(
            "INSERT INTO purchase_receipt_lines (tenant_id, receipt_id, order_id, line_no, quantity, unit_cost) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(receipt_id)
        .bind(id)
        .bind(line_no)
        .bind(quantity)
        .bind(unit_cost)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "UPDATE purchase_order_lines SET received = received + $3 WHERE order_id = $1 AND line_no = $2",
        )
        .bind(id)
        .bind(line_no)
        .bind(quantity)
        .execute(tx.conn())
        .await
        .map_err(PurchaseError::from_db)?;
        // The same event a restock sends, for the open tills and lists.
        tx.announce_after_commit(json!({
            "kind": "stock",
            "cause": "receipt",
            "products": [{ "product_id": product_id, "on_hand": on_hand }],
        }));
    }
    sqlx::query(
        "UPDATE purchase_orders SET \
           status = CASE WHEN EXISTS (SELECT 1 FROM purchase_order_lines l WHERE l.order_id = $1 \
                                       AND l.received < l.quantity) THEN 'partly_received' ELSE 'received' END, \
           closed_at = CASE WHEN EXISTS (SELECT 1 FROM purchase_order_lines l WHERE l.order_id = $1 \
                                          AND l.received < l.quantity) THEN NULL ELSE now() END \
         WHERE id = $1",
    )
    .bind(id)
    .execute(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry::new("purchase.received", "purchase_order")
            .entity_id(id)
            .after(json!({ "number": order.number, "receipt": receipt_id, "total": total, "lines": arrived.len() })),
    )
    .await?;
    orders::get_order(tx, id).await
}

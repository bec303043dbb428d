//! Purchase orders: listed, read, drafted (by hand or from the low-stock
//! list), sent, cancelled. A draft's lines can change; a sent order's only by
//! receiving (the schema refuses the rest).
use serde_json::json;
use uuid::Uuid;

use super::{parse_quantity, PurchaseError};
use crate::{
    domain::audit::{self, AuditEntry},
    model::{
        purchase_number, PurchaseLineInput, PurchaseLineView, PurchaseOrderSummary, PurchaseOrderView,
        PurchaseStatus,
    },
    permissions::Permission,
    pricing::MAX_AMOUNT_MINOR,
    tenancy::TenantCtx,
};

/// The most lines an order may have.
pub const MAX_LINES: usize = 200;

/// Orders, newest first (at most 500), optionally of one status or supplier.
pub async fn list_orders(
    tx: &mut TenantCtx<'_>,
    status: Option<PurchaseStatus>,
    supplier_id: Option<Uuid>,
) -> Result<Vec<PurchaseOrderSummary>, PurchaseError> {
    tx.require(Permission::Purchase)?;
    let rows: Vec<(Uuid, i64, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT o.id, o.number, s.name, o.status, to_char(o.created_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI'), \
                (SELECT count(*) FROM purchase_order_lines l WHERE l.order_id = o.id), \
                (SELECT coalesce(sum(l.quantity * l.unit_cost), 0)::bigint FROM purchase_order_lines l \
                  WHERE l.order_id = o.id) \
         FROM purchase_orders o JOIN suppliers s ON s.tenant_id = o.tenant_id AND s.id = o.supplier_id \
         CROSS JOIN tenants t \
         WHERE ($1::text IS NULL OR o.status = $1) AND ($2::uuid IS NULL OR o.supplier_id = $2) \
         ORDER BY o.number DESC LIMIT 500",
    )
    .bind(status.map(PurchaseStatus::as_str))
    .bind(supplier_id)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, number, supplier, status, created_at, lines, total)| PurchaseOrderSummary {
                id,
                number: purchase_number(number),
                supplier,
                status: PurchaseStatus::parse(&status).unwrap_or(PurchaseStatus::Draft),
                created_at,
                lines,
                total,
            },
        )
        .collect())
}

/// One order with its lines.
pub async fn get_order(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<PurchaseOrderView, PurchaseError> {
    tx.require(Permission::Purchase)?;
    type Row = (i64, Uuid, String, String, String, String, Option<String>);
    let order: Option<Row> = sqlx::query_as(
        "SELECT o.number, o.supplier_id, s.name, o.status, o.notes, \
                to_char(o.created_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI'), \
                to_char(o.sent_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI') \
         FROM purchase_orders o JOIN suppliers s ON s.tenant_id = o.tenant_id AND s.id = o.supplier_id \
         CROSS JOIN tenants t WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let (number, supplier_id, supplier, status, notes, created_at, sent_at) =
        order.ok_or(PurchaseError::NotFound("Purchase order"))?;
    let lines: Vec<(i32, Uuid, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT l.line_no, l.product_id, p.sku, p.name, l.quantity, l.unit_cost, l.received \
         FROM purchase_order_lines l JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id \
         WHERE l.order_id = $1 ORDER BY l.line_no",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?;
    let lines: Vec<PurchaseLineView> = lines
        .into_iter()
        .map(
            |(line_no, product_id, sku, name, quantity, unit_cost, received)| PurchaseLineView {
                line_no,
                product_id,
                sku,
                name,
                quantity,
                unit_cost,
                received,
            },
        )
        .collect();
    Ok(PurchaseOrderView {
        id,
        number: purchase_number(number),
        supplier_id,
        supplier,
        status: PurchaseStatus::parse(&status).unwrap_or(PurchaseStatus::Draft),
        notes,
        created_at,
        sent_at,
        total: lines.iter().map(|l| l.quantity * l.unit_cost).sum(),
        received_total: lines.iter().map(|l| l.received * l.unit_cost).sum(),
        lines,
    })
}

/// A checked draft line.
struct DraftLine {
    product_id: Uuid,
    quantity: i64,
    unit_cost: i64,
}

/// Checks the typed lines (blank rows skipped); an empty cost is the
/// product's cost price.
async fn check_lines(
    tx: &mut TenantCtx<'_>,
    lines: &[PurchaseLineInput],
) -> Result<Vec<DraftLine>, PurchaseError> {
    let decimals = tx.settings().await?.minor_digits();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let row = n + 1;
        let product_id = match (line.product_id, line.sku.trim()) {
            (Some(id), _) => id,
            (None, "") => {
                if line.quantity.trim().is_empty() && line.unit_cost.trim().is_empty() {
                    continue;
                }
                return Err(PurchaseError::invalid(format!("Line {row}: choose a product.")));
            }
            (None, code) => {
                let found: Option<Uuid> = sqlx::query_scalar(
                    "SELECT id FROM products WHERE lower(sku) = lower($1) OR barcode = $1 \
                     ORDER BY is_active DESC LIMIT 1",
                )
                .bind(code)
                .fetch_optional(tx.conn())
                .await?;
                found.ok_or_else(|| {
                    PurchaseError::invalid(format!("Line {row}: no product has the SKU or barcode {code}."))
                })?
            }
        };
        let quantity = parse_quantity(&line.quantity, &format!("Line {row}, quantity"))?;
        let cost: Option<(i64, bool)> =
            sqlx::query_as("SELECT cost_price, is_active FROM products WHERE id = $1")
                .bind(product_id)
                .fetch_optional(tx.conn())
                .await?;
        let (cost_price, active) = cost.ok_or(PurchaseError::NotFound("Product"))?;
        if !active {
            return Err(PurchaseError::invalid(format!(
                "Line {row}: that product is archived."
            )));
        }
        let unit_cost = if line.unit_cost.trim().is_empty() {
            cost_price
        } else {
            let c = crate::pricing::parse_amount(&line.unit_cost, decimals)
                .map_err(|e| PurchaseError::invalid(format!("Line {row}, unit cost: {e}")))?;
            if c > MAX_AMOUNT_MINOR {
                return Err(PurchaseError::invalid(format!(
                    "Line {row}: that unit cost is too large."
                )));
            }
            c
        };
        if out.iter().any(|l: &DraftLine| l.product_id == product_id) {
            return Err(PurchaseError::invalid(format!(
                "Line {row}: that product is already on the order; change its quantity instead."
            )));
        }
        out.push(DraftLine {
            product_id,
            quantity,
            unit_cost,
        });
    }
    if out.is_empty() {
        return Err(PurchaseError::invalid("An order needs at least one line."));
    }
    if out.len() > MAX_LINES {
        return Err(PurchaseError::invalid(format!(
            "An order has at most {MAX_LINES} lines."
        )));
    }
    Ok(out)
}

/// Creates a draft (no `id`) or replaces a draft's supplier, notes and
/// lines. Returns the order.
pub async fn save_draft(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    supplier_id: Uuid,
    notes: &str,
    lines: &[PurchaseLineInput],
) -> Result<PurchaseOrderView, PurchaseError> {
    let actor = tx.require(Permission::Purchase)?;
    let notes = notes.trim();
    if notes.chars().count() > 2000 {
        return Err(PurchaseError::invalid("Notes: at most 2,000 characters."));
    }
    let supplier: Option<bool> = sqlx::query_scalar("SELECT is_active FROM suppliers WHERE id = $1")
        .bind(supplier_id)
        .fetch_optional(tx.conn())
        .await?;
    match supplier {
        None => return Err(PurchaseError::NotFound("Supplier")),
        Some(false) => return Err(PurchaseError::invalid("That supplier is archived.")),
        Some(true) => {}
    }
    let lines = check_lines(tx, lines).await?;
    let tenant_id = tx.tenant_id();
    let id = match id {
        Some(id) => {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM purchase_orders WHERE id = $1 FOR UPDATE")
                    .bind(id)
                    .fetch_optional(tx.conn())
                    .await?;
            match status.as_deref() {
                None => return Err(PurchaseError::NotFound("Purchase order")),
                Some("draft") => {}
                Some(_) => {
                    return Err(PurchaseError::Conflict(
                        "This order has been sent: its lines no longer change.".into(),
                    ))
                }
            }
            sqlx::query("UPDATE purchase_orders SET supplier_id = $2, notes = $3 WHERE id = $1")
                .bind(id)
                .bind(supplier_id)
                .bind(notes)
                .execute(tx.conn())
                .await?;
            sqlx::query("DELETE FROM purchase_order_lines WHERE order_id = $1")
                .bind(id)
                .execute(tx.conn())
                .await
                .map_err(PurchaseError::from_db)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            sqlx::query(
                "WITH n AS ( \
                     INSERT INTO tenant_counters (tenant_id, name, last_value) VALUES ($1, 'purchase_order', 1) \
                     ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
                     RETURNING last_value) \
                 INSERT INTO purchase_orders (tenant_id, id, number, supplier_id, notes, created_by) \
                 SELECT $1, $2, n.last_value, $3, $4, $5 FROM n",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(supplier_id)
            .bind(notes)
            .bind(actor.user_id)
            .execute(tx.conn())
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO purchase_order_lines (tenant_id, order_id, line_no, product_id, quantity, unit_cost) \
         SELECT $1, $2, l.n, l.product, l.quantity, l.cost \
         FROM unnest($3::int[], $4::uuid[], $5::bigint[], $6::bigint[]) AS l (n, product, quantity, cost)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind((1..=lines.len() as i32).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.product_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.quantity).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.unit_cost).collect::<Vec<_>>())
    .execute(tx.conn())
    .await
    .map_err(PurchaseError::from_db)?;
    let order = get_order(tx, id).await?;
    audit::record(
        tx,
        AuditEntry::new("purchase.saved", "purchase_order")
            .entity_id(id)
            .after(json!({ "number": order.number, "supplier": order.supplier, "total": order.total })),
    )
    .await?;
    Ok(order)
}

/// Moves an order from `from` to `to` (locked first: two clicks are one).
async fn transition(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    allowed_from: &[&str],
    to: PurchaseStatus,
    refusal: &str,
) -> Result<PurchaseOrderView, PurchaseError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM purchase_orders WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
    let status = status.ok_or(PurchaseError::NotFound("Purchase order"))?;
    if !allowed_from.contains(&status.as_str()) {
        let label = PurchaseStatus::parse(&status).map_or("in another state", |s| s.label());
        return Err(PurchaseError::Conflict(format!(
            "{refusal} (it is {}).",
            label.to_lowercase()
        )));
    }
    sqlx::query(
        "UPDATE purchase_orders SET status = $2, \
           sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END, \
           closed_at = CASE WHEN $2 IN ('received', 'cancelled') THEN now() ELSE closed_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(to.as_str())
    .execute(tx.conn())
    .await?;
    get_order(tx, id).await
}

/// Sends a draft to its supplier: its lines are fixed from now on.
pub async fn send_order(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<PurchaseOrderView, PurchaseError> {
    tx.require(Permission::Purchase)?;
    let order = transition(
        tx,
        id,
        &["draft"],
        PurchaseStatus::Sent,
        "Only a draft can be sent",
    )
    .await?;
    audit::record(
        tx,
        AuditEntry::new("purchase.sent", "purchase_order")
            .entity_id(id)
            .after(json!({ "number": order.number, "supplier": order.supplier, "total": order.total })),
    )
    .await?;
    Ok(order)
}

/// Cancels a draft, or a sent order nothing was received on.
pub async fn cancel_order(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<PurchaseOrderView, PurchaseError> {
    tx.require(Permission::Purchase)?;
    let order = transition(
        tx,
        id,
        &["draft", "sent"],
        PurchaseStatus::Cancelled,
        "Only a draft or a sent order nothing was received on can be cancelled",
    )
    .await?;
    audit::record(
        tx,
        AuditEntry::new("purchase.cancelled", "purchase_order")
            .entity_id(id)
            .after(json!({ "number": order.number })),
    )
    .await?;
    Ok(order)
}

/// The low-stock list as draft orders, one per supplier (products without a
/// supplier are left out), each product for enough to reach twice its
/// reorder level, at its cost price. Products already on an open order (a
/// draft, sent or partly received one) are left out too. Returns the drafts.
pub async fn drafts_from_low_stock(tx: &mut TenantCtx<'_>) -> Result<Vec<PurchaseOrderView>, PurchaseError> {
    tx.require(Permission::Purchase)?;
    let wanted: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "SELECT p.supplier_id, p.id, greatest(p.reorder_level * 2 - greatest(p.on_hand, 0), 1) \
         FROM products p \
         JOIN suppliers s ON s.tenant_id = p.tenant_id AND s.id = p.supplier_id AND s.is_active \
         WHERE p.is_active AND p.reorder_level > 0 AND p.on_hand <= p.reorder_level \
           AND NOT EXISTS (SELECT 1 FROM purchase_order_lines l \
                           JOIN purchase_orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id \
                           WHERE l.product_id = p.id AND o.status IN ('draft', 'sent', 'partly_received')) \
         ORDER BY p.supplier_id, p.name \
         LIMIT 1000",
    )
    .fetch_all(tx.conn())
    .await?;
    let mut drafts = Vec::new();
    let mut start = 0;
    while start < wanted.len() {
        let supplier = wanted[start].0;
        let end = wanted[start..]
            .iter()
            .position(|(s, ..)| *s != supplier)
            .map_or(wanted.len(), |n| start + n);
        for chunk in wanted[start..end].chunks(MAX_LINES) {
            let lines: Vec<PurchaseLineInput> = chunk
                .iter()
                .map(|(_, product, quantity)| PurchaseLineInput {
                    product_id: Some(*product),
                    quantity: quantity.to_string(),
                    ..Default::default()
                })
                .collect();
            drafts.push(save_draft(tx, None, supplier, "From the low-stock list", &lines).await?);
        }
        start = end;
    }
    Ok(drafts)
}

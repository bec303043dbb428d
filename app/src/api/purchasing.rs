//! `purchases/*` and `supplier_payments/create`: purchase orders to
//! suppliers, receiving them (in parts) at a moving-average cost, and paying
//! suppliers. Receiving and paying post to the books (docs/books.md).
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{
        PurchaseLineInput, PurchaseOrderSummary, PurchaseOrderView, ReceiveLineInput, SupplierPaymentView,
    },
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::purchasing::{orders, payments, receiving};

/// Orders, newest first (at most 500); `status` (draft, sent,
/// partly_received, received, cancelled) and `supplier_id` narrow them.
#[server(endpoint = "purchases/list", prefix = "/api")]
pub async fn list_purchases(
    #[server(default)] status: String,
    #[server(default)] supplier_id: Option<Uuid>,
) -> Result<Vec<PurchaseOrderSummary>, AppError> {
    finish(
        async {
            let status = match status.trim() {
                "" => None,
                s => Some(crate::model::PurchaseStatus::parse(s).ok_or_else(|| {
                    AppError::invalid("Status: draft, sent, partly_received, received or cancelled.")
                })?),
            };
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(orders::list_orders(tx, status, supplier_id).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "purchases/get", prefix = "/api")]
pub async fn get_purchase(id: Uuid) -> Result<PurchaseOrderView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(orders::get_order(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Creates a draft (no `id`) or replaces a draft's supplier, notes and lines
/// (`lines[0][product_id]`, `lines[0][quantity]`, `lines[0][unit_cost]`
/// (empty: the product's cost price); blank rows skipped). With `from_low_stock`
/// set, makes a draft per supplier from the low-stock list instead and
/// answers the first (see `purchases/list` for the others).
#[server(endpoint = "purchases/save", prefix = "/api")]
pub async fn save_purchase(
    #[server(default)] id: Option<Uuid>,
    #[server(default)] supplier_id: Option<Uuid>,
    #[server(default)] notes: String,
    #[server(default)] lines: Vec<PurchaseLineInput>,
    #[server(default)] from_low_stock: bool,
) -> Result<Vec<PurchaseOrderView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    if from_low_stock {
                        return Ok(orders::drafts_from_low_stock(tx).await?);
                    }
                    let supplier_id = supplier_id.ok_or_else(|| AppError::invalid("Choose a supplier."))?;
                    Ok(vec![
                        orders::save_draft(tx, id, supplier_id, &notes, &lines).await?,
                    ])
                })
                .await
        }
        .await,
    )
}

/// Sends a draft: its lines are fixed from then on.
#[server(endpoint = "purchases/send", prefix = "/api")]
pub async fn send_purchase(id: Uuid) -> Result<PurchaseOrderView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(orders::send_order(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Receives a delivery on a sent order: `lines[0][line_no]`,
/// `lines[0][quantity]` (what arrived; blank skipped). Stock goes up, costs
/// move to the moving average, the supplier is owed the lines' cost.
#[server(endpoint = "purchases/receive", prefix = "/api")]
pub async fn receive_purchase(
    id: Uuid,
    #[server(default)] lines: Vec<ReceiveLineInput>,
) -> Result<PurchaseOrderView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(receiving::receive(tx, id, &lines).await?))
                .await
        }
        .await,
    )
}

/// Cancels a draft, or a sent order nothing was received on.
#[server(endpoint = "purchases/cancel", prefix = "/api")]
pub async fn cancel_purchase(id: Uuid) -> Result<PurchaseOrderView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(orders::cancel_order(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Pays a supplier (admins): `amount` (like a price), `method` bank (default)
/// or cash, `paid_on` (default today), `reference`. Answers the payment and
/// what is still owed to the supplier.
#[server(endpoint = "supplier_payments/create", prefix = "/api")]
pub async fn pay_supplier(
    supplier_id: Uuid,
    amount: String,
    #[server(default)] method: String,
    #[server(default)] paid_on: String,
    #[server(default)] reference: String,
) -> Result<SupplierPaymentView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    Ok(
                        payments::pay_supplier(tx, supplier_id, &amount, &method, &paid_on, &reference)
                            .await?,
                    )
                })
                .await
        }
        .await,
    )
}

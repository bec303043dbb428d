//! `pos/*`, `bills/*`, `credit_notes/*`: the till and its bills.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{BillSummary, BillView, PosItem, PosSettings, SaleInput},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::billing::{credit, finalize, read};

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct PosItemRow {
    id: Uuid,
    sku: String,
    barcode: Option<String>,
    name: String,
    sale_price: i64,
    rate_bp: i32,
    on_hand: i64,
}

/// What the POS needs of the business (tax mode, currency, discount limit).
#[server(endpoint = "pos/settings", prefix = "/api")]
pub async fn load_pos_settings() -> Result<PosSettings, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, _| finalize::pos_settings(tx).await.map_err(super::context::db_error))
                .await
        }
        .await,
    )
}

/// Items for the till: an exact barcode or SKU first, then names containing
/// the text. Never the whole catalog: at most `limit` (≤ 50) items.
#[server(endpoint = "pos/search", prefix = "/api")]
pub async fn pos_search(query: String, #[server(default)] limit: u32) -> Result<Vec<PosItem>, AppError> {
    finish(
        async {
            let raw = query.trim().to_owned();
            let query = raw.to_lowercase();
            if query.is_empty() {
                return Ok(Vec::new());
            }
            if query.chars().count() > 100 {
                return Err(AppError::invalid("Search: at most 100 characters."));
            }
            let limit = if limit == 0 { 12 } else { limit.min(50) } as i64;
            RequestCtx::load()?
                .in_tenant(async |tx, _| {
                    let pattern = query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    let rows: Vec<PosItemRow> = sqlx::query_as(
                        "SELECT p.id, p.sku, p.barcode, p.name, p.sale_price, coalesce(t.rate_bp, 0) AS rate_bp, p.on_hand \
                         FROM (SELECT p.id, (p.barcode = $2 OR p.sku_search = $1) AS exact FROM products p \
                               WHERE p.is_active AND (p.barcode = $2 OR p.sku_search = $1 \
                                     OR p.name_search LIKE '%' || $3 || '%' OR p.sku_search LIKE $3 || '%') \
                               ORDER BY exact DESC, p.name_search LIMIT $4) hit \
                         JOIN products p ON p.id = hit.id \
                         LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id \
                         ORDER BY hit.exact DESC, p.name_search",
                    )
                    .bind(&query)
                    .bind(&raw)
                    .bind(&pattern)
                    .bind(limit)
                    .fetch_all(tx.conn())
                    .await
                    .map_err(super::context::db_error)?;
                    Ok(rows
                        .into_iter()
                        .map(|r| PosItem {
                            id: r.id,
                            sku: r.sku,
                            barcode: r.barcode,
                            name: r.name,
                            unit_price: r.sale_price,
                            tax_rate_bp: r.rate_bp,
                            on_hand: r.on_hand,
                        })
                        .collect())
                })
                .await
        }
        .await,
    )
}

/// Finalizes a sale (JSON body). Idempotent on `sale.idempotency_key`.
#[server(endpoint = "bills/finalize", prefix = "/api", input = server_fn::codec::Json)]
pub async fn finalize_sale(sale: SaleInput) -> Result<BillView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, actor| {
                    let id = finalize::finalize_sale(tx, actor, &sale).await?;
                    Ok(read::get_bill(tx, id).await?)
                })
                .await
        }
        .await,
    )
}

#[server(endpoint = "bills/get", prefix = "/api")]
pub async fn get_bill(id: Uuid) -> Result<BillView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, _| Ok(read::get_bill(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Finalized bills, newest first; `search` is a number (`INV-000012` or `12`)
/// or part of a customer's name.
#[server(endpoint = "bills/list", prefix = "/api")]
pub async fn list_bills(#[server(default)] search: String) -> Result<Vec<BillSummary>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, _| Ok(read::list_bills(tx, &search, 200).await?))
                .await
        }
        .await,
    )
}

/// Issues a credit note against a bill (manager and above). `lines` is
/// `line_no:quantity` pairs separated by commas, e.g. `1:2,3:1`.
#[server(endpoint = "credit_notes/create", prefix = "/api")]
pub async fn create_credit_note(
    bill_id: Uuid,
    lines: String,
    reason: String,
    refund_method: String,
    #[server(default)] restock: Option<String>,
) -> Result<BillView, AppError> {
    finish(
        async {
            let mut parsed = Vec::new();
            for pair in lines.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (line, qty) = pair
                    .split_once(':')
                    .ok_or_else(|| AppError::invalid("Lines: use line:quantity pairs."))?;
                let line: i32 = line
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("Lines: use line:quantity pairs."))?;
                let qty: i64 = qty
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("Lines: use line:quantity pairs."))?;
                parsed.push((line, qty));
            }
            let refund_method = crate::model::PaymentMethod::parse(&refund_method)
                .ok_or_else(|| AppError::invalid("Refund method: cash, card or other."))?;
            let input = credit::CreditInput {
                bill_id,
                lines: parsed,
                reason,
                refund_method,
                restock: restock.is_some_and(|r| r == "on" || r == "true"),
            };
            RequestCtx::load()?
                .in_tenant(async |tx, actor| {
                    credit::create_credit_note(tx, actor, &input).await?;
                    Ok(read::get_bill(tx, bill_id).await?)
                })
                .await
        }
        .await,
    )
}

#[server(endpoint = "customers/list", prefix = "/api")]
pub async fn list_customers(
    #[server(default)] search: String,
    #[server(default)] archived: bool,
) -> Result<Vec<crate::model::CustomerView>, AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, _| Ok(customers::list_customers(tx, &search, archived).await?))
                .await
        }
        .await,
    )
}

/// Creates a customer, or updates one when `id` is given (anyone at the till).
#[server(endpoint = "customers/save", prefix = "/api")]
pub async fn save_customer(
    #[server(default)] id: Option<Uuid>,
    name: String,
    #[server(default)] phone: String,
    #[server(default)] email: String,
    #[server(default)] tax_id: String,
    #[server(default)] notes: String,
) -> Result<Uuid, AppError> {
    use crate::domain::billing::customers::{self, CustomerInput};
    finish(
        async {
            let input = CustomerInput {
                name,
                phone,
                email,
                tax_id,
                notes,
            };
            RequestCtx::load()?
                .in_tenant(async |tx, actor| Ok(customers::save_customer(tx, actor, id, &input).await?))
                .await
        }
        .await,
    )
}

/// Archives or restores a customer (admins and owners); their bills stay.
#[server(endpoint = "customers/set-active", prefix = "/api")]
pub async fn set_customer_active(id: Uuid, active: bool) -> Result<(), AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, actor| Ok(customers::set_customer_active(tx, actor, id, active).await?))
                .await
        }
        .await,
    )
}

/// Parks the cart (JSON body: `{"lines": [...], "bill_discount": 0, "customer_id": null}`).
#[server(endpoint = "bills/park", prefix = "/api", input = server_fn::codec::Json)]
pub async fn park_sale(
    lines: Vec<crate::model::CartLine>,
    #[server(default)] bill_discount: i64,
    #[server(default)] customer_id: Option<Uuid>,
) -> Result<Uuid, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, actor| {
                    Ok(drafts::park_sale(tx, actor, &lines, bill_discount, customer_id).await?)
                })
                .await
        }
        .await,
    )
}

#[server(endpoint = "bills/drafts", prefix = "/api")]
pub async fn list_drafts() -> Result<Vec<crate::model::DraftSummary>, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, _| Ok(drafts::list_drafts(tx).await?))
                .await
        }
        .await,
    )
}

/// Takes a parked sale back into the till and removes the draft.
#[server(endpoint = "bills/resume", prefix = "/api")]
pub async fn resume_draft(id: Uuid) -> Result<crate::model::ResumedSale, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx, actor| Ok(drafts::resume_draft(tx, actor, id).await?))
                .await
        }
        .await,
    )
}

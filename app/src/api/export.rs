//! `GET /api/catalog/export?kind=products|movements`: the catalog or the stock
//! ledger as CSV, streamed row by row from the database (never built in memory).
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Extension,
};
use futures::StreamExt;
use serde::Deserialize;

use super::download::{member_with, streamed, Sink};
use crate::{
    permissions::Permission,
    state::AppState,
    tenancy::{CurrentUser, SiteCtx},
};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    kind: Option<String>,
}

const PRODUCTS_SQL: &str = "SELECT p.sku, p.name, p.barcode, p.description, c.name, s.name, p.unit, \
       p.sale_price, p.cost_price, p.reorder_level, p.on_hand, p.is_active \
     FROM products p \
     LEFT JOIN categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id \
     LEFT JOIN suppliers s ON s.tenant_id = p.tenant_id AND s.id = p.supplier_id \
     ORDER BY p.sku";
const PRODUCTS_HEADER: &[&str] = &[
    "sku",
    "name",
    "barcode",
    "description",
    "category",
    "supplier",
    "unit",
    "sale_price",
    "cost_price",
    "reorder_level",
    "stock",
    "active",
];
const MOVEMENTS_SQL: &str = "SELECT m.created_at::text, p.sku, m.kind, m.quantity, m.balance_after, \
       m.reference_type, m.reference_id, m.reason, u.email \
     FROM stock_movements m JOIN products p ON p.tenant_id = m.tenant_id AND p.id = m.product_id \
     LEFT JOIN users u ON u.id = m.actor_user_id ORDER BY m.created_at, m.id";
const MOVEMENTS_HEADER: &[&str] = &[
    "at",
    "sku",
    "kind",
    "quantity",
    "balance_after",
    "reference_type",
    "reference_id",
    "reason",
    "by",
];

type ProductRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    i64,
    i64,
    bool,
);
type MovementRow = (
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub async fn export_csv(
    State(state): State<AppState>,
    Extension(site): Extension<SiteCtx>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let (tenant, _actor) = match member_with(&site, user.as_ref().map(|u| &u.0), Permission::ExportCatalog) {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let movements = match query.kind.as_deref().unwrap_or("products") {
        "products" => false,
        "movements" => true,
        _ => return (StatusCode::BAD_REQUEST, "kind must be products or movements.").into_response(),
    };
    let db = state.db.clone();
    let what = if movements { "stock-ledger" } else { "products" };
    streamed(
        format!("{}-{what}.csv", tenant.slug),
        "text/csv; charset=utf-8",
        move |mut sink: Sink| async move {
            let mut tx = db.tenant_read_tx_unbounded(tenant.id).await?;
            let money = |minor: i64| tenant.settings.amount(minor);
            if movements {
                sink.csv_record(MOVEMENTS_HEADER).await?;
                let mut rows = sqlx::query_as::<_, MovementRow>(MOVEMENTS_SQL).fetch(tx.conn());
                while let Some(r) = rows.next().await {
                    let r = r?;
                    sink.csv_record([
                        r.0,
                        r.1,
                        r.2,
                        r.3.to_string(),
                        r.4.to_string(),
                        r.5.unwrap_or_default(),
                        r.6.unwrap_or_default(),
                        r.7.unwrap_or_default(),
                        r.8.unwrap_or_default(),
                    ])
                    .await?;
                }
            } else {
                sink.csv_record(PRODUCTS_HEADER).await?;
                let mut rows = sqlx::query_as::<_, ProductRow>(PRODUCTS_SQL).fetch(tx.conn());
                while let Some(r) = rows.next().await {
                    let r = r?;
                    sink.csv_record([
                        r.0,
                        r.1,
                        r.2.unwrap_or_default(),
                        r.3,
                        r.4.unwrap_or_default(),
                        r.5.unwrap_or_default(),
                        r.6,
                        money(r.7),
                        money(r.8),
                        r.9.to_string(),
                        r.10.to_string(),
                        r.11.to_string(),
                    ])
                    .await?;
                }
            }
            sink.flush().await
        },
    )
}

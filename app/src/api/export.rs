//! `GET /api/catalog/export?kind=products|movements`: the catalog or the stock
//! ledger as CSV, streamed row by row from the database (never built in memory).
use axum::{
    body::{Body, Bytes},
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use futures::StreamExt;
use serde::Deserialize;

use crate::{
    permissions::{Actor, Permission},
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
    let Some(tenant) = site.tenant().cloned() else {
        return (StatusCode::NOT_FOUND, "Exports are on a business's own address.").into_response();
    };
    let Some(Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let actor = Actor {
        user_id: user.id,
        role: user.role.unwrap_or(crate::model::Role::Cashier),
    };
    if actor.require(Permission::ExportCatalog).is_err() {
        return (StatusCode::FORBIDDEN, "You don't have permission to do that.").into_response();
    }
    let movements = match query.kind.as_deref().unwrap_or("products") {
        "products" => false,
        "movements" => true,
        _ => return (StatusCode::BAD_REQUEST, "kind must be products or movements.").into_response(),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let db = state.db.clone();
    tokio::spawn(async move {
        let result = stream_rows(&db, tenant.id, movements, &sender).await;
        if let Err(error) = result {
            tracing::error!(%error, "export failed mid-stream");
            let _ = sender.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    let body = Body::from_stream(futures::stream::unfold(receiver, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let what = if movements { "stock-ledger" } else { "products" };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{what}.csv\"", tenant.slug),
            ),
        ],
        body,
    )
        .into_response()
}

/// Sends the CSV in chunks of about 64 KB as rows arrive.
async fn stream_rows(
    db: &crate::tenancy::Db,
    tenant_id: uuid::Uuid,
    movements: bool,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut tx = db.tenant_tx(tenant_id).await?;
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(64 * 1024));
    writer.write_record(if movements {
        MOVEMENTS_HEADER
    } else {
        PRODUCTS_HEADER
    })?;
    let money = |minor: i64| crate::pricing::format_amount(minor, 2);
    if movements {
        let mut rows = sqlx::query_as::<_, MovementRow>(MOVEMENTS_SQL).fetch(tx.conn());
        while let Some(r) = rows.next().await {
            let r = r?;
            writer.write_record([
                r.0,
                r.1,
                r.2,
                r.3.to_string(),
                r.4.to_string(),
                r.5.unwrap_or_default(),
                r.6.unwrap_or_default(),
                r.7.unwrap_or_default(),
                r.8.unwrap_or_default(),
            ])?;
            flush_if_full(&mut writer, sender).await?;
        }
    } else {
        let mut rows = sqlx::query_as::<_, ProductRow>(PRODUCTS_SQL).fetch(tx.conn());
        while let Some(r) = rows.next().await {
            let r = r?;
            writer.write_record([
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
            ])?;
            flush_if_full(&mut writer, sender).await?;
        }
    }
    let rest = take_chunk(&mut writer)?;
    if !rest.is_empty() {
        sender.send(Ok(Bytes::from(rest))).await?;
    }
    Ok(())
}

/// Takes what the writer holds and leaves it writing into a fresh buffer.
fn take_chunk(
    writer: &mut csv::Writer<Vec<u8>>,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let full = std::mem::replace(writer, csv::Writer::from_writer(Vec::with_capacity(64 * 1024)));
    Ok(full.into_inner().map_err(|e| e.into_error())?)
}

async fn flush_if_full(
    writer: &mut csv::Writer<Vec<u8>>,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    writer.flush()?;
    if writer.get_ref().len() >= 64 * 1024 {
        let chunk = take_chunk(writer)?;
        sender.send(Ok(Bytes::from(chunk))).await?;
    }
    Ok(())
}

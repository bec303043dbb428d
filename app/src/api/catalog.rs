//! `products/*`, `stock/*` and the catalog's small lists (`categories/*`,
//! `suppliers/*`, `tax_rates/*`). Prices travel as decimal text (`"12.50"`) and
//! are parsed exactly into minor units here.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{
        CatalogChoices, CategoryView, LowStockItem, MovementView, ProductPage, ProductSort, ProductView,
        StockFilter, SupplierView, TaxRateView,
    },
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::inventory::{catalog, lookups, stock};
#[cfg(feature = "ssr")]
use crate::tenancy::TenantCtx;

/// A price as typed (`12.50`, `12,50`, `1.234,50`) in minor units of the
/// business's currency, which has `decimals` minor digits; empty is zero.
#[cfg(feature = "ssr")]
fn parse_price(label: &str, text: &str, decimals: u32) -> Result<i64, AppError> {
    if text.trim().is_empty() {
        return Ok(0);
    }
    crate::pricing::parse_amount(text, decimals).map_err(|e| AppError::Invalid(format!("{label}: {e}")))
}

pub use product_list::*;

// The endpoint's eight form fields are its stable contract, and the `#[server]`
// macro does not copy an `allow` to the browser-side function it generates, so
// the lint is allowed for this one small module.
#[allow(clippy::too_many_arguments)]
mod product_list {
    use super::*;

    /// Products of this tenant, searched, filtered, sorted and paged.
    #[server(endpoint = "products/list", prefix = "/api")]
    pub async fn list_products(
        #[server(default)] search: String,
        #[server(default)] category_id: Option<Uuid>,
        #[server(default)] supplier_id: Option<Uuid>,
        #[server(default)] stock: StockFilter,
        #[server(default)] archived: bool,
        #[server(default)] sort: ProductSort,
        #[server(default)] page: u32,
        #[server(default)] page_size: u32,
    ) -> Result<ProductPage, AppError> {
        let query = crate::model::ProductQuery {
            search,
            category_id,
            supplier_id,
            stock,
            archived,
            sort,
            page,
            page_size,
        };
        finish(
            async {
                let ctx = RequestCtx::load()?;
                let currency = ctx.tenant()?.settings.currency.clone();
                let page = ctx
                    .in_tenant(async |tx| Ok(catalog::browse_products(tx, &query).await?))
                    .await?;
                Ok(ProductPage { currency, ..page })
            }
            .await,
        )
    }
}

#[server(endpoint = "products/get", prefix = "/api")]
pub async fn get_product(id: Uuid) -> Result<ProductView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(catalog::get_product(tx, id).await?))
                .await
        }
        .await,
    )
}

/// The form of a product, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ProductForm {
    pub sku: String,
    #[serde(default)]
    pub barcode: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category_id: String,
    #[serde(default)]
    pub supplier_id: String,
    #[serde(default)]
    pub tax_rate_id: String,
    #[serde(default)]
    pub unit: String,
    pub sale_price: String,
    #[serde(default)]
    pub cost_price: String,
    #[serde(default)]
    pub reorder_level: String,
}

#[cfg(feature = "ssr")]
impl ProductForm {
    /// The typed form as a product; prices in a currency with `decimals` minor digits.
    fn into_input(self, decimals: u32) -> Result<catalog::ProductInput, AppError> {
        let id = |label: &str, s: &str| -> Result<Option<Uuid>, AppError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            Uuid::parse_str(s)
                .map(Some)
                .map_err(|_| AppError::Invalid(format!("{label}: choose from the list.")))
        };
        let reorder_level = match self.reorder_level.trim() {
            "" => 0,
            s => s
                .parse()
                .map_err(|_| AppError::invalid("Reorder level: enter a whole number."))?,
        };
        Ok(catalog::ProductInput {
            sku: self.sku,
            barcode: Some(self.barcode),
            name: self.name,
            description: self.description,
            category_id: id("Category", &self.category_id)?,
            supplier_id: id("Supplier", &self.supplier_id)?,
            tax_rate_id: id("Tax rate", &self.tax_rate_id)?,
            unit: self.unit,
            sale_price: parse_price("Sale price", &self.sale_price, decimals)?,
            cost_price: parse_price("Cost price", &self.cost_price, decimals)?,
            reorder_level,
        })
    }
}

#[cfg(feature = "ssr")]
fn parse_quantity(label: &str, text: &str) -> Result<i64, AppError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| AppError::Invalid(format!("{label}: enter a whole number.")))
}

/// Creates a product with its opening stock (manager and above).
#[server(endpoint = "products/create", prefix = "/api")]
pub async fn create_product(
    product: ProductForm,
    #[server(default)] initial_stock: String,
) -> Result<ProductView, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let input = product.into_input(ctx.tenant()?.settings.minor_digits())?;
            let initial = if initial_stock.trim().is_empty() {
                0
            } else {
                parse_quantity("Opening stock", &initial_stock)?
            };
            ctx.in_tenant(async |tx| {
                Ok(catalog::create_product(tx, input, initial, &stock::Reference::none()).await?)
            })
            .await
        }
        .await,
    )
}

/// Updates a product's details; stock changes only through stock endpoints.
#[server(endpoint = "products/update", prefix = "/api")]
pub async fn update_product(id: Uuid, product: ProductForm) -> Result<ProductView, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let input = product.into_input(ctx.tenant()?.settings.minor_digits())?;
            ctx.in_tenant(async |tx| Ok(catalog::update_product(tx, id, input).await?))
                .await
        }
        .await,
    )
}

/// Archives a product (admins and owners); its history stays.
#[server(endpoint = "products/archive", prefix = "/api")]
pub async fn archive_product(id: Uuid) -> Result<ProductView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(catalog::set_product_active(tx, id, false).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "products/restore", prefix = "/api")]
pub async fn restore_product(id: Uuid) -> Result<ProductView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(catalog::set_product_active(tx, id, true).await?))
                .await
        }
        .await,
    )
}

/// Adds delivered stock (manager and above). Returns the product as it is now.
#[server(endpoint = "stock/restock", prefix = "/api")]
pub async fn restock(
    id: Uuid,
    quantity: String,
    #[server(default)] note: String,
) -> Result<ProductView, AppError> {
    finish(
        async {
            let quantity = parse_quantity("Quantity", &quantity)?;
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    stock::restock(tx, id, quantity, Some(&note)).await?;
                    Ok(catalog::get_product(tx, id).await?)
                })
                .await
        }
        .await,
    )
}

/// Corrects stock up or down with a reason (manager and above).
#[server(endpoint = "stock/adjust", prefix = "/api")]
pub async fn adjust_stock(id: Uuid, delta: String, reason: String) -> Result<ProductView, AppError> {
    finish(
        async {
            let delta = parse_quantity("Change", &delta)?;
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    stock::adjust(tx, id, delta, &reason).await?;
                    Ok(catalog::get_product(tx, id).await?)
                })
                .await
        }
        .await,
    )
}

/// Records a count: the counted quantity becomes the stock (manager and above).
#[server(endpoint = "stock/count", prefix = "/api")]
pub async fn count_stock(id: Uuid, counted: String) -> Result<ProductView, AppError> {
    finish(
        async {
            let counted = parse_quantity("Counted", &counted)?;
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    stock::count(tx, id, counted).await?;
                    Ok(catalog::get_product(tx, id).await?)
                })
                .await
        }
        .await,
    )
}

/// A product's movements, newest first, with the running balance.
#[server(endpoint = "stock/movements", prefix = "/api")]
pub async fn stock_movements(id: Uuid, #[server(default)] limit: u32) -> Result<Vec<MovementView>, AppError> {
    finish(
        async {
            let limit = if limit == 0 { 100 } else { limit.min(500) } as i64;
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    catalog::get_product(tx, id).await?;
                    Ok(stock::movements(tx, id, limit).await?)
                })
                .await
        }
        .await,
    )
}

/// Products at or below their reorder level, with a suggested order.
#[server(endpoint = "stock/low", prefix = "/api")]
pub async fn low_stock() -> Result<Vec<LowStockItem>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(catalog::low_stock(tx).await?))
                .await
        }
        .await,
    )
}

/// Categories, suppliers and tax rates to choose from.
#[server(endpoint = "catalog/choices", prefix = "/api")]
pub async fn load_catalog_choices() -> Result<CatalogChoices, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::choices(tx).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "categories/list", prefix = "/api")]
pub async fn list_categories(#[server(default)] archived: bool) -> Result<Vec<CategoryView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::list_categories(tx, archived).await?))
                .await
        }
        .await,
    )
}

/// Creates a category, or renames one when `id` is given (manager and above).
#[server(endpoint = "categories/save", prefix = "/api")]
pub async fn save_category(#[server(default)] id: Option<Uuid>, name: String) -> Result<Uuid, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::save_category(tx, id, &name).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "suppliers/list", prefix = "/api")]
pub async fn list_suppliers(#[server(default)] archived: bool) -> Result<Vec<SupplierView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::list_suppliers(tx, archived).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "suppliers/save", prefix = "/api")]
pub async fn save_supplier(
    #[server(default)] id: Option<Uuid>,
    name: String,
    #[server(default)] contact: String,
    #[server(default)] notes: String,
) -> Result<Uuid, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::save_supplier(tx, id, &name, &contact, &notes).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "tax_rates/list", prefix = "/api")]
pub async fn list_tax_rates(#[server(default)] archived: bool) -> Result<Vec<TaxRateView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::list_tax_rates(tx, archived).await?))
                .await
        }
        .await,
    )
}

/// Creates or updates a tax rate; `rate` is a percentage like `20` or `7.5`.
#[server(endpoint = "tax_rates/save", prefix = "/api")]
pub async fn save_tax_rate(
    #[server(default)] id: Option<Uuid>,
    name: String,
    rate: String,
    #[server(default)] is_default: Option<String>,
) -> Result<Uuid, AppError> {
    finish(
        async {
            // A percentage with up to two decimals is exactly basis points.
            let rate_bp = crate::pricing::parse_amount(&rate, 2)
                .map_err(|e| AppError::Invalid(format!("Rate: {e}")))
                .and_then(|bp| {
                    i32::try_from(bp).map_err(|_| AppError::invalid("Rate: between 0 % and 100 %."))
                })?;
            let is_default = is_default.is_some_and(|v| v == "on" || v == "true");
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::save_tax_rate(tx, id, &name, rate_bp, is_default).await?))
                .await
        }
        .await,
    )
}

/// Archives or restores a category, supplier or tax rate (admins and owners).
/// `kind` is `category`, `supplier` or `tax_rate`.
#[server(endpoint = "catalog/set-active", prefix = "/api")]
pub async fn set_lookup_active(kind: String, id: Uuid, active: bool) -> Result<(), AppError> {
    finish(
        async {
            let lookup = match kind.as_str() {
                "category" => lookups::Lookup::Category,
                "supplier" => lookups::Lookup::Supplier,
                "tax_rate" => lookups::Lookup::TaxRate,
                _ => return Err(AppError::invalid("Unknown list.")),
            };
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(lookups::set_lookup_active(tx, lookup, id, active).await?))
                .await
        }
        .await,
    )
}

/// Imports products from CSV text, all or nothing (manager and above). Streams
/// one JSON [`crate::model::ImportEvent`] per line: progress while rows are
/// applied, then the report. With `dry_run` everything is checked and applied
/// inside a transaction that is rolled back, so the report is exact.
#[server(endpoint = "catalog/import", prefix = "/api", output = server_fn::codec::StreamingText)]
pub async fn import_catalog(
    csv: String,
    #[server(default)] dry_run: bool,
) -> Result<server_fn::codec::TextStream<AppError>, AppError> {
    use super::context::fail;
    use crate::{
        domain::inventory::import,
        model::{ImportEvent, ImportIssue, ImportReport},
        permissions::Permission,
    };
    let ctx = RequestCtx::load().map_err(fail)?;
    let (tenant_id, actor) = ctx.actor().map_err(fail)?;
    actor
        .require(Permission::ImportCatalog)
        .map_err(|_| fail(AppError::Forbidden))?;
    if csv.len() > import::MAX_IMPORT_BYTES {
        return Err(fail(AppError::TooLarge(
            "The file is larger than 10 MB. Split it into smaller files.".into(),
        )));
    }
    let request_id = ctx.request_id.clone();
    let digits = ctx.tenant().map_err(fail)?.settings.minor_digits();
    let (sender, receiver) = futures::channel::mpsc::unbounded::<Result<String, AppError>>();
    let send = move |event: ImportEvent| {
        let line = serde_json::to_string(&event).unwrap_or_default() + "\n";
        let _ = sender.unbounded_send(Ok(line));
    };
    let report_of = move |errors: Vec<ImportIssue>| ImportReport {
        dry_run,
        errors,
        ..Default::default()
    };
    match import::parse(&csv, digits) {
        Err(errors) => send(ImportEvent::Report(report_of(errors))),
        Ok(rows) => {
            let db = ctx.state.db.clone();
            tokio::spawn(async move {
                let total = rows.len() as u64;
                let failed = |message: &str| {
                    report_of(vec![ImportIssue {
                        line: 0,
                        column: None,
                        message: message.into(),
                    }])
                };
                let mut tx = match db.tenant_tx(tenant_id).await {
                    Ok(tx) => tx,
                    Err(error) => {
                        tracing::error!(%error, "import could not start");
                        return send(ImportEvent::Report(failed(
                            "The import could not start. Please try again.",
                        )));
                    }
                };
                send(ImportEvent::Progress { done: 0, total });
                let mut last = 0;
                let result = import::apply(&mut TenantCtx::new(&mut tx, actor, request_id), &rows, |done| {
                    if done - last >= 100 || done == total {
                        last = done;
                        send(ImportEvent::Progress { done, total });
                    }
                })
                .await;
                let report = match result {
                    Ok(mut report) => {
                        report.dry_run = dry_run;
                        if dry_run {
                            let _ = tx.rollback().await;
                            report
                        } else {
                            match tx.commit().await {
                                Ok(()) => ImportReport {
                                    committed: true,
                                    ..report
                                },
                                Err(error) => {
                                    tracing::error!(%error, "import commit failed");
                                    failed("The import could not be saved. Nothing was changed.")
                                }
                            }
                        }
                    }
                    Err(import::ImportFailure::Row(issue)) => {
                        let _ = tx.rollback().await;
                        report_of(vec![issue])
                    }
                    Err(import::ImportFailure::Refused(e)) => {
                        let _ = tx.rollback().await;
                        failed(&AppError::from(e).to_string())
                    }
                };
                send(ImportEvent::Report(report));
            });
        }
    }
    Ok(server_fn::codec::TextStream::new(receiver))
}

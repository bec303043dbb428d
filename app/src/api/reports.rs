//! `reports/*`: sales, products with margin, and tax in a period of days in
//! the business's time zone (managers and above), read on the read path (the
//! replica when one is configured). `GET /api/reports/export` answers any of
//! them as CSV.
use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ProductReport, SalesReport, TaxReport},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};

/// Sales from `from` to `to` (days, `2026-01-31`, inclusive; `to` defaults to
/// today, `from` to 30 days before), grouped by `group`: `day` (default),
/// `hour`, `weekday`, `cashier`, `payment_method` or `customer`.
#[server(endpoint = "reports/sales", prefix = "/api")]
pub async fn report_sales(
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] group: String,
) -> Result<SalesReport, AppError> {
    use crate::domain::reports::{sales, Period};
    use crate::model::SalesGroup;
    finish(
        async {
            let group = SalesGroup::parse(&group).ok_or_else(|| {
                AppError::invalid("Group by day, hour, weekday, cashier, payment_method or customer.")
            })?;
            RequestCtx::load()?
                .in_tenant_read(async |tx| {
                    let period = Period::resolve(tx, &from, &to).await?;
                    Ok(sales::sales(tx, &period, group).await?)
                })
                .await
        }
        .await,
    )
}

/// Products (`group=product`, default) or categories (`group=category`) sold
/// from `from` to `to`: quantity, returns, revenue net of tax and returns,
/// cost at the time of sale and gross margin.
#[server(endpoint = "reports/products", prefix = "/api")]
pub async fn report_products(
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] group: String,
) -> Result<ProductReport, AppError> {
    use crate::domain::reports::{products, Period};
    use crate::model::ProductGroup;
    finish(
        async {
            let group = ProductGroup::parse(&group)
                .ok_or_else(|| AppError::invalid("Group by product or category."))?;
            RequestCtx::load()?
                .in_tenant_read(async |tx| {
                    let period = Period::resolve(tx, &from, &to).await?;
                    Ok(products::products(tx, &period, group).await?)
                })
                .await
        }
        .await,
    )
}

/// Tax collected per rate from `from` to `to`, less what credit notes gave back.
#[server(endpoint = "reports/tax", prefix = "/api")]
pub async fn report_tax(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<TaxReport, AppError> {
    use crate::domain::reports::{tax, Period};
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| {
                    let period = Period::resolve(tx, &from, &to).await?;
                    Ok(tax::tax(tx, &period).await?)
                })
                .await
        }
        .await,
    )
}

/// `GET /api/reports/export?report=sales|products|tax&group=…&from=…&to=…`:
/// the same report as its endpoint, as CSV (amounts in major units, e.g.
/// `12.40`; the header row first, the total row last).
#[cfg(feature = "ssr")]
pub mod export {
    use axum::{
        extract::{Query, State},
        response::{IntoResponse, Response},
        Extension,
    };
    use serde::Deserialize;

    use crate::{
        api::download::{member_with, streamed, Sink},
        domain::reports::{products, sales, tax, Period},
        model::{ProductGroup, SalesGroup},
        permissions::Permission,
        state::AppState,
        tenancy::{CurrentUser, SiteCtx, TenantCtx},
    };

    #[derive(Debug, Default, Deserialize)]
    pub struct ExportQuery {
        #[serde(default)]
        report: String,
        #[serde(default)]
        group: String,
        #[serde(default)]
        from: String,
        #[serde(default)]
        to: String,
    }

    enum Which {
        Sales(SalesGroup),
        Products(ProductGroup),
        Tax,
    }

    /// The report as CSV records: the header, the rows, the totals.
    pub async fn records(
        tx: &mut TenantCtx<'_>,
        from: &str,
        to: &str,
        which: &str,
        group: &str,
    ) -> Result<(String, Vec<Vec<String>>), super::AppError> {
        let which = parse(which, group).map_err(super::AppError::invalid)?;
        let period = Period::resolve(tx, from, to).await?;
        let settings = tx.settings().await.map_err(crate::api::context::db_error)?;
        let money = |minor: i64| settings.amount(minor);
        let mut out: Vec<Vec<String>> = Vec::new();
        let name = match which {
            Which::Sales(group) => {
                let report = sales::sales(tx, &period, group).await?;
                out.push(
                    [
                        group.as_str(),
                        "label",
                        "bills",
                        "total",
                        "tax",
                        "refunds",
                        "after_refunds",
                    ]
                    .map(String::from)
                    .to_vec(),
                );
                for r in report.rows.iter().chain([&report.totals]) {
                    out.push(vec![
                        r.key.clone(),
                        r.label.clone(),
                        r.bills.to_string(),
                        money(r.total),
                        r.tax.map(money).unwrap_or_default(),
                        money(r.refunds),
                        money(r.after_refunds),
                    ]);
                }
                format!("sales-by-{}", group.as_str().replace('_', "-"))
            }
            Which::Products(group) => {
                let report = products::products(tx, &period, group).await?;
                out.push(
                    [
                        group.as_str(),
                        "label",
                        "quantity",
                        "returned",
                        "revenue",
                        "cost",
                        "margin",
                    ]
                    .map(String::from)
                    .to_vec(),
                );
                for r in report.rows.iter().chain([&report.totals]) {
                    out.push(vec![
                        r.key.clone(),
                        r.label.clone(),
                        r.quantity.to_string(),
                        r.returned.to_string(),
                        money(r.revenue),
                        money(r.cost),
                        money(r.margin),
                    ]);
                }
                format!("sales-by-{}", group.as_str())
            }
            Which::Tax => {
                let report = tax::tax(tx, &period).await?;
                out.push(
                    [
                        "rate",
                        "taxable",
                        "tax",
                        "returned_taxable",
                        "returned_tax",
                        "net_tax",
                    ]
                    .map(String::from)
                    .to_vec(),
                );
                for r in report.rows.iter().chain([&report.totals]) {
                    out.push(vec![
                        r.label.clone(),
                        money(r.taxable),
                        money(r.tax),
                        money(r.returned_taxable),
                        money(r.returned_tax),
                        money(r.net_tax),
                    ]);
                }
                "tax".to_string()
            }
        };
        Ok((format!("{name}-{}-{}", period.from, period.to), out))
    }

    fn parse(report: &str, group: &str) -> Result<Which, &'static str> {
        match report.trim() {
            "" | "sales" => SalesGroup::parse(group)
                .map(Which::Sales)
                .ok_or("Group sales by day, hour, weekday, cashier, payment_method or customer."),
            "products" => ProductGroup::parse(group)
                .map(Which::Products)
                .ok_or("Group products by product or category."),
            "tax" => Ok(Which::Tax),
            _ => Err("report must be sales, products or tax."),
        }
    }

    pub async fn export_csv(
        State(state): State<AppState>,
        Extension(site): Extension<SiteCtx>,
        user: Option<Extension<CurrentUser>>,
        Query(query): Query<ExportQuery>,
    ) -> Response {
        answer_csv(&state, &site, user, Permission::ViewReports, async |cx| {
            records(cx, &query.from, &query.to, &query.report, &query.group).await
        })
        .await
    }

    /// A report as a CSV download, for a member holding `permission`:
    /// `read` makes its file name and records in a read-only tenant
    /// transaction (the replica's when there is one).
    pub async fn answer_csv(
        state: &AppState,
        site: &SiteCtx,
        user: Option<Extension<CurrentUser>>,
        permission: Permission,
        read: impl AsyncFnOnce(&mut TenantCtx<'_>) -> Result<(String, Vec<Vec<String>>), super::AppError>,
    ) -> Response {
        let (tenant, actor) = match member_with(site, user.as_ref().map(|u| &u.0), permission) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        // The report is read (and checked) before the answer starts, so a
        // bad period is a 400 with its message rather than a broken download.
        let read = async {
            let mut tx = state.db.tenant_read_tx(tenant.id).await?;
            let mut cx = TenantCtx::new(&mut tx, actor, None).with_settings(tenant.settings.clone());
            let out = read(&mut cx).await;
            drop(cx);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(out)
        };
        let (name, rows) = match read.await {
            Ok(Ok(found)) => found,
            Ok(Err(error)) => return (error.status(), error.to_string()).into_response(),
            Err(error) => {
                let error = crate::domain::db_errors::app_error("reports", &error);
                return (error.status(), error.to_string()).into_response();
            }
        };
        streamed(
            format!("{}-{name}.csv", tenant.slug),
            "text/csv; charset=utf-8",
            move |mut sink: Sink| async move {
                for row in rows {
                    sink.csv_record(row).await?;
                }
                sink.flush().await
            },
        )
    }
}

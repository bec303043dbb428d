//! Products and categories in a period: quantity, revenue net of tax and of
//! returns, the cost at the time of sale (`bill_lines.unit_cost`, never the
//! product's cost today) and the gross margin.
use super::{chart, within, Period, ReportError};
use crate::{
    model::{ProductGroup, ProductReport, ProductReportRow},
    permissions::Permission,
    tenancy::TenantCtx,
};

/// Bars drawn in the product report's chart (the rest are in the table).
const CHART_ROWS: usize = 12;

fn sql(group: ProductGroup) -> String {
    let (key, label) = match group {
        ProductGroup::Product => (
            "l.product_id::text",
            "(SELECT p.name || ' (' || p.sku || ')' FROM products p WHERE p.id = k.key::uuid)",
        ),
        ProductGroup::Category => (
            "coalesce(p.category_id::text, '')",
            "(SELECT c.name FROM categories c WHERE c.id = nullif(k.key, '')::uuid)",
        ),
    };
    let product = "JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id";
    format!(
        "WITH s AS ( \
             SELECT {key} AS key, sum(l.quantity)::bigint AS quantity, sum(l.net)::bigint AS net, \
                    sum(l.unit_cost * l.quantity)::bigint AS cost \
             FROM bills b JOIN bill_lines l ON l.tenant_id = b.tenant_id AND l.bill_id = b.id {product} \
             WHERE b.status = 'finalized' AND {bills} GROUP BY 1), \
         r AS ( \
             SELECT {key} AS key, sum(c.quantity)::bigint AS quantity, sum(c.total - c.tax)::bigint AS net, \
                    sum(c.unit_cost * c.quantity)::bigint AS cost \
             FROM credit_notes n \
             JOIN credit_note_lines c ON c.tenant_id = n.tenant_id AND c.credit_note_id = n.id \
             JOIN bill_lines l ON l.tenant_id = c.tenant_id AND l.bill_id = c.bill_id AND l.line_no = c.line_no \
             {product} \
             WHERE {notes} GROUP BY 1), \
         k AS ( \
             SELECT coalesce(s.key, r.key) AS key, coalesce(s.quantity, 0) AS quantity, \
                    coalesce(r.quantity, 0) AS returned, \
                    coalesce(s.net, 0) - coalesce(r.net, 0) AS revenue, \
                    coalesce(s.cost, 0) - coalesce(r.cost, 0) AS cost \
             FROM s FULL JOIN r ON r.key = s.key) \
         SELECT k.key, {label}, k.quantity, k.returned, k.revenue::bigint, k.cost::bigint FROM k \
         ORDER BY k.revenue DESC, k.key",
        bills = within("b.finalized_at"),
        notes = within("n.created_at"),
    )
}

type Row = (String, Option<String>, i64, i64, i64, i64);

fn report_row(
    key: String,
    label: String,
    quantity: i64,
    returned: i64,
    revenue: i64,
    cost: i64,
) -> ProductReportRow {
    ProductReportRow {
        key,
        label,
        quantity,
        returned,
        revenue,
        cost,
        margin: revenue - cost,
    }
}

/// The rows of a product report, largest revenue first, without a chart
/// (the dashboard takes the first few).
pub async fn rows(
    tx: &mut TenantCtx<'_>,
    period: &Period,
    group: ProductGroup,
) -> Result<Vec<ProductReportRow>, ReportError> {
    tx.require(Permission::ViewReports)?;
    let sql = sql(group);
    let found: Vec<Row> = period.bind(sqlx::query_as(&sql)).fetch_all(tx.conn()).await?;
    Ok(found
        .into_iter()
        .map(|(key, label, quantity, returned, revenue, cost)| {
            let label = match (group, label) {
                (_, Some(label)) => label,
                (ProductGroup::Category, None) if key.is_empty() => "No category".to_string(),
                (_, None) => "(unknown)".to_string(),
            };
            report_row(key, label, quantity, returned, revenue, cost)
        })
        .collect())
}

/// Products (or categories) sold in `period` (managers and above), with the
/// totals of all rows.
pub async fn products(
    tx: &mut TenantCtx<'_>,
    period: &Period,
    group: ProductGroup,
) -> Result<ProductReport, ReportError> {
    let rows = rows(tx, period, group).await?;
    let totals = rows
        .iter()
        .fold(report_row("".into(), "Total".into(), 0, 0, 0, 0), |t, r| {
            report_row(
                t.key,
                t.label,
                t.quantity + r.quantity,
                t.returned + r.returned,
                t.revenue + r.revenue,
                t.cost + r.cost,
            )
        });
    let settings = tx.settings().await?;
    let chart_svg = chart::bars(
        match group {
            ProductGroup::Product => "Revenue by product",
            ProductGroup::Category => "Revenue by category",
        },
        &rows
            .iter()
            .take(CHART_ROWS)
            .map(|r| (r.label.clone(), r.revenue))
            .collect::<Vec<_>>(),
        &|minor| settings.amount(minor),
    );
    Ok(ProductReport {
        group,
        from: period.from.to_string(),
        to: period.to.to_string(),
        rows,
        totals,
        chart_svg,
    })
}

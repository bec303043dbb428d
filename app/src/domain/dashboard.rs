//! The dashboard: counts, the latest audit entries in words and, for a new
//! business's owners and admins, what is left to get started. Read from the
//! tenant's own tables; the queries have no tenant filter on purpose:
//! row-level security supplies it.
use crate::{
    domain::{
        org::audit_trail,
        reports::{self, products, sales, ReportError},
    },
    model::{AuditEntryView, ChecklistStep, DashboardCounts, DashboardSales, ProductGroup, SalesGroup},
    permissions::Permission,
    pricing::Currency,
    tenancy::TenantCtx,
};

/// Entries of the "Recent activity" list.
const RECENT: i64 = 8;

/// Days in the dashboard's chart (today included).
const CHART_DAYS: i64 = 14;
/// Best sellers and low-stock products listed.
const TOP: usize = 5;

pub async fn counts(tx: &mut TenantCtx<'_>) -> Result<DashboardCounts, ReportError> {
    let cur = Currency::new(&tx.settings().await?.currency);
    let (members, owners): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE role = 'owner') FROM memberships WHERE is_active",
    )
    .fetch_one(tx.conn())
    .await?;
    let audit_events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(tx.conn())
        .await?;
    let recent = audit_trail::recent(tx, cur, RECENT).await?;
    // The steps concern what owners and admins do; others never see them.
    let checklist = if tx.require(Permission::ManageSettings).is_ok() {
        let progress = progress(tx).await?;
        if progress.all_done() {
            Vec::new()
        } else {
            progress.steps()
        }
    } else {
        Vec::new()
    };
    let sales = if tx.require(Permission::ViewReports).is_ok() {
        Some(sales_figures(tx).await?)
    } else {
        None
    };
    Ok(DashboardCounts {
        sales,
        members,
        owners,
        audit_events,
        recent: recent
            .into_iter()
            .map(|r| AuditEntryView {
                action: r.action,
                actor: r.actor,
                at: r.at.replace('T', " ").replace('Z', " UTC"),
                summary: r.summary,
            })
            .collect(),
        checklist,
    })
}

/// Today's sales, the last 14 days as a chart, best sellers, low stock (the
/// same queries as the reports, so the figures agree with them) and every
/// till's open shift.
async fn sales_figures(tx: &mut TenantCtx<'_>) -> Result<DashboardSales, ReportError> {
    let period = reports::Period::resolve(tx, "", "").await?;
    let period = reports::Period {
        from: period.to - chrono::Duration::days(CHART_DAYS - 1),
        ..period
    };
    let report = sales::sales(tx, &period, SalesGroup::Day).await?;
    let today = report.rows.last().cloned().unwrap_or_default();
    let mut top_products = products::rows(tx, &period, ProductGroup::Product).await?;
    top_products.truncate(TOP);
    let low = crate::domain::inventory::catalog::low_stock(tx)
        .await
        .map_err(|e| match e {
            crate::domain::inventory::InventoryError::Db(db) => ReportError::Db(db),
            other => ReportError::Invalid(other.to_string()),
        })?;
    let tills = crate::domain::shifts::tills::list_tills(tx, false)
        .await
        .map_err(|e| match e {
            crate::domain::shifts::ShiftError::Db(db) => ReportError::Db(db),
            other => ReportError::Invalid(other.to_string()),
        })?;
    Ok(DashboardSales {
        today_bills: today.bills,
        today_total: today.total,
        average_basket: reports::ratio_half_up(today.total, today.bills),
        top_products,
        chart_svg: report.chart_svg,
        last_days: report.rows,
        low_stock_count: low.len() as i64,
        low_stock: low.into_iter().take(TOP).collect(),
        tills,
    })
}

/// What a new business has done so far, from its real data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Progress {
    /// The settings were saved at least once.
    pub settings_saved: bool,
    pub has_products: bool,
    /// Someone was invited, or the business has more than one member.
    pub staff_invited: bool,
    pub has_sale: bool,
}

impl Progress {
    pub fn all_done(&self) -> bool {
        self.settings_saved && self.has_products && self.staff_invited && self.has_sale
    }

    /// The steps in the order a new owner takes them, each with where to do it.
    pub fn steps(&self) -> Vec<ChecklistStep> {
        let step = |key: &str, label: &str, hint: &str, href: &str, done: bool| ChecklistStep {
            key: key.into(),
            label: label.into(),
            hint: hint.into(),
            href: href.into(),
            done,
        };
        vec![
            step(
                "settings",
                "Review your settings",
                "Currency, taxes, time zone and what your receipts say.",
                "/settings",
                self.settings_saved,
            ),
            step(
                "products",
                "Add your first products",
                "One by one, or import a spreadsheet.",
                "/products/new",
                self.has_products,
            ),
            step(
                "staff",
                "Invite your staff",
                "Each person signs in with their own account and role.",
                "/members",
                self.staff_invited,
            ),
            step(
                "sale",
                "Make your first sale",
                "Open the till, scan or search an item, and press Pay.",
                "/pos",
                self.has_sale,
            ),
        ]
    }
}

pub async fn progress(tx: &mut TenantCtx<'_>) -> Result<Progress, sqlx::Error> {
    sqlx::query_as(
        "SELECT \
           EXISTS (SELECT 1 FROM audit_log WHERE action = 'settings.updated') AS settings_saved, \
           EXISTS (SELECT 1 FROM products) AS has_products, \
           (EXISTS (SELECT 1 FROM invitations) OR (SELECT count(*) FROM memberships) > 1) AS staff_invited, \
           EXISTS (SELECT 1 FROM bills WHERE status = 'finalized') AS has_sale",
    )
    .fetch_one(tx.conn())
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_link_where_each_is_done_and_all_done_hides_them() {
        let fresh = Progress::default();
        let steps = fresh.steps();
        let hrefs: Vec<&str> = steps.iter().map(|s| s.href.as_str()).collect();
        assert_eq!(hrefs, ["/settings", "/products/new", "/members", "/pos"]);
        assert!(steps.iter().all(|s| !s.done));
        assert!(!fresh.all_done());
        let some = Progress {
            has_products: true,
            ..Progress::default()
        };
        assert_eq!(some.steps().iter().filter(|s| s.done).count(), 1);
        let done = Progress {
            settings_saved: true,
            has_products: true,
            staff_invited: true,
            has_sale: true,
        };
        assert!(done.all_done());
    }
}

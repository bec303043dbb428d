//! Sales by day, hour, weekday, cashier, payment method or customer, with
//! what credit notes gave back.
use std::collections::HashMap;

use super::{chart, within, Period, ReportError};
use crate::{
    model::{PaymentMethod, SalesGroup, SalesReport, SalesRow},
    permissions::Permission,
    tenancy::TenantCtx,
};

/// What a row is keyed by, for bills (`b`) and for credit notes (`n`, with
/// the bill they return, `ob`); and the row's label from its key `k.key`.
struct Keys {
    bill: &'static str,
    note: &'static str,
    label: &'static str,
}

fn keys(group: SalesGroup) -> Keys {
    match group {
        SalesGroup::Day => Keys {
            bill: "to_char(b.finalized_at AT TIME ZONE $3, 'YYYY-MM-DD')",
            note: "to_char(n.created_at AT TIME ZONE $3, 'YYYY-MM-DD')",
            label: "NULL::text",
        },
        SalesGroup::Hour => Keys {
            bill: "to_char(b.finalized_at AT TIME ZONE $3, 'HH24')",
            note: "to_char(n.created_at AT TIME ZONE $3, 'HH24')",
            label: "NULL::text",
        },
        SalesGroup::Weekday => Keys {
            bill: "to_char(b.finalized_at AT TIME ZONE $3, 'ID')",
            note: "to_char(n.created_at AT TIME ZONE $3, 'ID')",
            label: "NULL::text",
        },
        SalesGroup::Cashier => Keys {
            bill: "b.cashier_id::text",
            note: "ob.cashier_id::text",
            label:
                "(SELECT coalesce(nullif(u.display_name, ''), u.email) FROM users u WHERE u.id = k.key::uuid)",
        },
        SalesGroup::Customer => Keys {
            bill: "coalesce(b.customer_id::text, '')",
            note: "coalesce(ob.customer_id::text, '')",
            label: "(SELECT c.name FROM customers c WHERE c.id = nullif(k.key, '')::uuid)",
        },
        SalesGroup::PaymentMethod => Keys {
            bill: "p.method",
            note: "n.refund_method",
            label: "NULL::text",
        },
    }
}

/// `(key, label, bills, total, tax, refunds)`.
type Row = (String, Option<String>, i64, i64, i64, i64);

/// The report's query for `group`: rows `(key, label, bills, total, tax,
/// refunds)`, parameters as [`Period::bind`] binds them. Public for the
/// benchmark, which runs it on the tenant path and, with an explicit tenant
/// filter, as the owner.
pub fn sql(group: SalesGroup) -> String {
    let k = keys(group);
    let bills = if group == SalesGroup::PaymentMethod {
        format!(
            "SELECT {key} AS key, count(DISTINCT b.id)::bigint AS bills, sum(p.amount)::bigint AS total, \
                    0::bigint AS tax \
             FROM bills b JOIN payments p ON p.tenant_id = b.tenant_id AND p.bill_id = b.id \
             WHERE b.status = 'finalized' AND {period} GROUP BY 1",
            key = k.bill,
            period = within("b.finalized_at")
        )
    } else {
        format!(
            "SELECT {key} AS key, count(*)::bigint AS bills, sum(b.total)::bigint AS total, \
                    sum(b.tax)::bigint AS tax \
             FROM bills b WHERE b.status = 'finalized' AND {period} GROUP BY 1",
            key = k.bill,
            period = within("b.finalized_at")
        )
    };
    // The original bill only when the row is keyed by it (cashier, customer).
    let original = if k.note.contains("ob.") {
        "JOIN bills ob ON ob.tenant_id = n.tenant_id AND ob.id = n.bill_id"
    } else {
        ""
    };
    let notes = format!(
        "SELECT {key} AS key, sum(n.total)::bigint AS refunds \
         FROM credit_notes n {original} \
         WHERE {period} GROUP BY 1",
        key = k.note,
        period = within("n.created_at")
    );
    format!(
        "WITH s AS ({bills}), r AS ({notes}), \
              k AS (SELECT coalesce(s.key, r.key) AS key, coalesce(s.bills, 0) AS bills, \
                           coalesce(s.total, 0) AS total, coalesce(s.tax, 0) AS tax, \
                           coalesce(r.refunds, 0) AS refunds \
                    FROM s FULL JOIN r ON r.key = s.key) \
         SELECT k.key, {label}, k.bills, k.total, k.tax, k.refunds FROM k",
        label = k.label
    )
}

/// The bills of the period, each counted once (by payment method a split
/// bill is in two rows).
fn bill_count_sql() -> String {
    format!(
        "SELECT count(*)::bigint FROM bills b WHERE b.status = 'finalized' AND {}",
        within("b.finalized_at")
    )
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn row(key: String, label: String, bills: i64, total: i64, tax: Option<i64>, refunds: i64) -> SalesRow {
    SalesRow {
        key,
        label,
        bills,
        total,
        tax,
        refunds,
        after_refunds: total - refunds,
    }
}

/// Sales in `period` grouped by `group` (managers and above). By day, hour
/// and weekday every slot of the period is listed, empty ones as zero, in
/// order; by cashier, customer and payment method the rows go by
/// `after_refunds`, largest first.
pub async fn sales(
    tx: &mut TenantCtx<'_>,
    period: &Period,
    group: SalesGroup,
) -> Result<SalesReport, ReportError> {
    tx.require(Permission::ViewReports)?;
    let sql = sql(group);
    let found: Vec<Row> = period.bind(sqlx::query_as(&sql)).fetch_all(tx.conn()).await?;
    let with_tax = group != SalesGroup::PaymentMethod;
    let tax = |t: i64| with_tax.then_some(t);
    let mut by_key: HashMap<String, Row> = found.into_iter().map(|r| (r.0.clone(), r)).collect();
    let mut slot = |key: String, label: String| {
        let (_, _, bills, total, t, refunds) = by_key.remove(&key).unwrap_or_default();
        row(key, label, bills, total, tax(t), refunds)
    };
    let rows: Vec<SalesRow> = match group {
        SalesGroup::Day => period
            .days()
            .map(|d| {
                slot(
                    d.format("%Y-%m-%d").to_string(),
                    d.format("%a %Y-%m-%d").to_string(),
                )
            })
            .collect(),
        SalesGroup::Hour => (0..24)
            .map(|h| slot(format!("{h:02}"), format!("{h:02}:00")))
            .collect(),
        SalesGroup::Weekday => (1..=7)
            .map(|d| slot(d.to_string(), WEEKDAYS[d - 1].to_string()))
            .collect(),
        SalesGroup::Cashier | SalesGroup::Customer | SalesGroup::PaymentMethod => {
            let mut rows: Vec<SalesRow> = by_key
                .drain()
                .map(|(key, (_, label, bills, total, t, refunds))| {
                    let label = match group {
                        SalesGroup::PaymentMethod => PaymentMethod::parse(&key)
                            .map(method_label)
                            .unwrap_or("Other")
                            .to_string(),
                        SalesGroup::Customer if key.is_empty() => "Walk-in (no customer)".to_string(),
                        _ => label.unwrap_or_else(|| "(former member)".to_string()),
                    };
                    row(key, label, bills, total, tax(t), refunds)
                })
                .collect();
            rows.sort_by(|a, b| {
                b.after_refunds
                    .cmp(&a.after_refunds)
                    .then_with(|| a.label.cmp(&b.label))
            });
            rows
        }
    };
    // Every bill and every credit note of the period is in exactly one row
    // (payments add up to their bill's total), so the totals are the rows'
    // sums; only a bill paid two ways is in two rows by payment method.
    let sum = |f: fn(&SalesRow) -> i64| rows.iter().map(f).sum::<i64>();
    let bills = if group == SalesGroup::PaymentMethod {
        let (count,): (i64,) = period
            .bind(sqlx::query_as(&bill_count_sql()))
            .fetch_one(tx.conn())
            .await?;
        count
    } else {
        sum(|r| r.bills)
    };
    let totals = row(
        "".into(),
        "Total".into(),
        bills,
        sum(|r| r.total),
        tax(sum(|r| r.tax.unwrap_or(0))),
        sum(|r| r.refunds),
    );
    let settings = tx.settings().await?;
    let chart_svg = chart::bars(
        &format!("Sales by {}", group.label().to_lowercase()),
        &rows
            .iter()
            .map(|r| (short_label(group, r), r.after_refunds))
            .collect::<Vec<_>>(),
        &|minor| settings.amount(minor),
    );
    Ok(SalesReport {
        group,
        from: period.from.to_string(),
        to: period.to.to_string(),
        rows,
        totals,
        chart_svg,
    })
}

pub fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Cash => "Cash",
        PaymentMethod::Card => "Card",
        PaymentMethod::Other => "Other",
    }
}

/// A row's name under its bar: short enough for a phone.
fn short_label(group: SalesGroup, row: &SalesRow) -> String {
    match group {
        // `03-29`
        SalesGroup::Day => row.key.get(5..).unwrap_or(&row.key).to_string(),
        SalesGroup::Hour => row.key.clone(),
        SalesGroup::Weekday => row.label.chars().take(3).collect(),
        _ => row.label.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_its_keys_and_the_period_on_both_sides() {
        for group in SalesGroup::ALL {
            let sql = sql(group);
            assert!(sql.contains("b.finalized_at >= ($1::date)"), "{group:?}");
            assert!(sql.contains("n.created_at >= ($1::date)"), "{group:?}");
            assert!(sql.contains("FULL JOIN"), "{group:?}");
        }
        assert!(sql(SalesGroup::PaymentMethod).contains("count(DISTINCT b.id)"));
    }
}

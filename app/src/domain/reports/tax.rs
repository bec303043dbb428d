//! Tax collected per rate in a period: the sum of the lines' own tax (so the
//! report equals what the bills say to the cent), less what credit notes
//! gave back.
use super::{within, Period, ReportError};
use crate::{
    model::{TaxReport, TaxReportRow},
    permissions::Permission,
    tenancy::TenantCtx,
};

fn sql() -> String {
    format!(
        "WITH s AS ( \
             SELECT l.tax_rate_bp AS rate, sum(l.net)::bigint AS taxable, sum(l.tax)::bigint AS tax \
             FROM bills b JOIN bill_lines l ON l.tenant_id = b.tenant_id AND l.bill_id = b.id \
             WHERE b.status = 'finalized' AND {bills} GROUP BY 1), \
         r AS ( \
             SELECT l.tax_rate_bp AS rate, sum(c.total - c.tax)::bigint AS taxable, sum(c.tax)::bigint AS tax \
             FROM credit_notes n \
             JOIN credit_note_lines c ON c.tenant_id = n.tenant_id AND c.credit_note_id = n.id \
             JOIN bill_lines l ON l.tenant_id = c.tenant_id AND l.bill_id = c.bill_id AND l.line_no = c.line_no \
             WHERE {notes} GROUP BY 1) \
         SELECT coalesce(s.rate, r.rate), coalesce(s.taxable, 0), coalesce(s.tax, 0), \
                coalesce(r.taxable, 0), coalesce(r.tax, 0) \
         FROM s FULL JOIN r ON r.rate = s.rate ORDER BY 1",
        bills = within("b.finalized_at"),
        notes = within("n.created_at"),
    )
}

/// `20.00 %`
pub fn rate_label(rate_bp: i32) -> String {
    format!("{}.{:02} %", rate_bp / 100, rate_bp % 100)
}

fn tax_row(
    rate_bp: i32,
    label: String,
    taxable: i64,
    tax: i64,
    returned_taxable: i64,
    returned_tax: i64,
) -> TaxReportRow {
    TaxReportRow {
        rate_bp,
        label,
        taxable,
        tax,
        returned_taxable,
        returned_tax,
        net_tax: tax - returned_tax,
    }
}

/// Tax per rate in `period` (managers and above), lowest rate first.
pub async fn tax(tx: &mut TenantCtx<'_>, period: &Period) -> Result<TaxReport, ReportError> {
    tx.require(Permission::ViewReports)?;
    let sql = sql();
    let found: Vec<(i32, i64, i64, i64, i64)> =
        period.bind(sqlx::query_as(&sql)).fetch_all(tx.conn()).await?;
    let rows: Vec<TaxReportRow> = found
        .into_iter()
        .map(|(rate, taxable, tax, rt, rx)| tax_row(rate, rate_label(rate), taxable, tax, rt, rx))
        .collect();
    let totals = rows.iter().fold(tax_row(0, "Total".into(), 0, 0, 0, 0), |t, r| {
        tax_row(
            0,
            t.label,
            t.taxable + r.taxable,
            t.tax + r.tax,
            t.returned_taxable + r.returned_taxable,
            t.returned_tax + r.returned_tax,
        )
    });
    Ok(TaxReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        rows,
        totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_written_as_percentages() {
        assert_eq!(rate_label(2000), "20.00 %");
        assert_eq!(rate_label(550), "5.50 %");
        assert_eq!(rate_label(0), "0.00 %");
    }
}

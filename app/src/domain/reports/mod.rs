//! Reports: what was sold in a period of days in the business's time zone,
//! one module per family (sales, products and margin, tax), and the charts
//! drawn for them. Read-only; the queries carry no tenant filter: row-level
//! security supplies it. Money is integer minor units, summed exactly in SQL
//! (`sum(bigint)` is numeric, cast back to bigint).
//!
//! A bill belongs to the day (and hour) of its finalization, a credit note to
//! the day it was issued, both read in the business's time zone: a day is
//! local midnight to local midnight, so a daylight-saving day of 23 or 25
//! hours is one day.
pub mod chart;
pub mod products;
pub mod sales;
pub mod tax;

use chrono::NaiveDate;

use crate::{domain::dates::DayRange, error::AppError, permissions::Forbidden, tenancy::TenantCtx};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Forbidden(f) => {
                tracing::info!(permission = ?f.0, "refused by role");
                AppError::Forbidden
            }
            ReportError::Invalid(m) => AppError::Invalid(m),
            ReportError::Db(error) => crate::domain::db_errors::app_error("reports", &error),
        }
    }
}

/// The longest period a report covers (about ten years of days).
pub const MAX_DAYS: i64 = 3_700;

/// Days a period has when only one end (or neither) is given.
const DEFAULT_DAYS: i64 = 30;

/// A checked period: both ends known, `from <= to`, and the business's time
/// zone its days are read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub timezone: String,
}

impl Period {
    /// The days from `from` to `to`, as `bills/list` reads them
    /// ([`DayRange`]). A missing `to` is today (in the business's time zone);
    /// a missing `from` is 30 days before `to`'s end.
    pub async fn resolve(tx: &mut TenantCtx<'_>, from: &str, to: &str) -> Result<Period, ReportError> {
        let range = DayRange::parse(from, to).map_err(ReportError::Invalid)?;
        let timezone = tx.settings().await?.timezone.clone();
        let to = match range.to {
            Some(to) => to,
            None => {
                sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
                    .bind(&timezone)
                    .fetch_one(tx.conn())
                    .await?
            }
        };
        let from = match range.from {
            Some(from) => from,
            None => to - chrono::Duration::days(DEFAULT_DAYS - 1),
        };
        if from > to {
            return Err(ReportError::Invalid("The from date is after the to date.".into()));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(ReportError::Invalid(format!(
                "A report covers at most {MAX_DAYS} days. Choose a shorter period."
            )));
        }
        Ok(Period { from, to, timezone })
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    /// Binds `$1` (first day), `$2` (last day) and `$3` (time zone), as
    /// [`within`] reads them.
    pub fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
        query.bind(self.from).bind(self.to).bind(&self.timezone)
    }
}

/// `column` within the period bound by [`Period::bind`]: from local midnight
/// of the first day to local midnight after the last. The bounds depend on
/// parameters only, so they are computed once and scan an index range.
pub(crate) fn within(column: &str) -> String {
    format!(
        "{column} >= ($1::date)::timestamp AT TIME ZONE $3 \
         AND {column} < ($2::date + 1)::timestamp AT TIME ZONE $3"
    )
}

/// `part / whole`, rounded half up (0 for no whole).
pub fn ratio_half_up(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    ((part as i128 * 2 + whole as i128) / (whole as i128 * 2)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_whole_local_days() {
        let sql = within("b.finalized_at");
        assert!(sql.contains("b.finalized_at >= ($1::date)::timestamp AT TIME ZONE $3"));
        assert!(sql.contains("b.finalized_at < ($2::date + 1)::timestamp AT TIME ZONE $3"));
        let p = Period {
            from: NaiveDate::from_ymd_opt(2026, 2, 27).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            timezone: "UTC".into(),
        };
        let days: Vec<String> = p.days().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(ratio_half_up(10, 4), 3);
        assert_eq!(ratio_half_up(9, 4), 2);
        assert_eq!(ratio_half_up(5, 0), 0);
    }
}

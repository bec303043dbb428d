//! Day ranges typed into filters (`2026-01-31`), read as whole days in the
//! tenant's time zone by the queries that use them.
use chrono::NaiveDate;

/// A checked `from`..=`to` range of days; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DayRange {
    /// Parses both ends; the message says which to fix.
    pub fn parse(from: &str, to: &str) -> Result<Self, String> {
        let range = DayRange {
            from: day(from, "from")?,
            to: day(to, "to")?,
        };
        if let (Some(f), Some(t)) = (range.from, range.to) {
            if f > t {
                return Err("The from date is after the to date.".into());
            }
        }
        Ok(range)
    }
}

fn day(text: &str, what: &str) -> Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    use chrono::Datelike;
    // Four-digit years only: chrono reads years far outside what PostgreSQL's
    // timestamps hold, which would fail in the query instead of here.
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (1..=9999).contains(&d.year()))
        .map(Some)
        .ok_or_else(|| format!("The {what} date must look like 2026-01-31."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert_eq!(DayRange::parse("", "").unwrap(), DayRange::default());
        let r = DayRange::parse("2026-01-01", " 2026-01-31 ").unwrap();
        assert_eq!(r.from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(r.to, NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(
            DayRange::parse("2026-02-01", "2026-01-31").unwrap_err(),
            "The from date is after the to date."
        );
        assert!(DayRange::parse("31/01/2026", "")
            .unwrap_err()
            .contains("from date"));
        assert!(DayRange::parse("", "2026-02-30").unwrap_err().contains("to date"));
        assert!(DayRange::parse("-200000-01-01", "")
            .unwrap_err()
            .contains("from date"));
        assert!(DayRange::parse("", "+262143-12-31")
            .unwrap_err()
            .contains("to date"));
    }
}

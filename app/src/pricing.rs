//! Money rules shared by the server and the browser: amounts are integer minor
//! units (cents), never floats. Parsing and formatting live here so a price typed
//! on a screen and the price stored can never disagree.

/// Largest amount accepted anywhere: 1,000,000,000.00 in a 2-decimal currency.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount like 12.50.")]
    Malformed,
    #[error("Use at most {0} decimal places.")]
    TooPrecise(u32),
    #[error("The amount cannot be negative.")]
    Negative,
    #[error("The amount is too large.")]
    TooLarge,
}

/// Parses `"12.5"`, `"12.50"`, `"1,234.00"` or `"12"` into minor units for a
/// currency with `decimals` minor digits. No rounding: extra digits are an error.
pub fn parse_amount(text: &str, decimals: u32) -> Result<i64, AmountError> {
    let text = text.trim().replace(',', "");
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(AmountError::Malformed);
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    if frac.len() > decimals as usize {
        return Err(AmountError::TooPrecise(decimals));
    }
    if whole.len() > 15 {
        return Err(AmountError::TooLarge);
    }
    let scale = 10i64.pow(decimals);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| AmountError::Malformed)?
    };
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| AmountError::Malformed)?
    };
    for _ in frac.len()..decimals as usize {
        frac_value *= 10;
    }
    let total = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_value))
        .ok_or(AmountError::TooLarge)?;
    if total > MAX_AMOUNT_MINOR {
        return Err(AmountError::TooLarge);
    }
    Ok(total)
}

/// Formats minor units with `decimals` digits: `1234` → `"12.34"`.
pub fn format_amount(minor: i64, decimals: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(decimals);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(parse_amount("12.50", 2), Ok(1250));
        assert_eq!(parse_amount("12.5", 2), Ok(1250));
        assert_eq!(parse_amount("12", 2), Ok(1200));
        assert_eq!(parse_amount(".99", 2), Ok(99));
        assert_eq!(parse_amount("1,234.00", 2), Ok(123400));
        assert_eq!(parse_amount("0.1", 3), Ok(100));
        assert_eq!(parse_amount("500", 0), Ok(500));
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(parse_amount("12.345", 2), Err(AmountError::TooPrecise(2)));
        assert_eq!(parse_amount("-1", 2), Err(AmountError::Negative));
        assert_eq!(parse_amount("abc", 2), Err(AmountError::Malformed));
        assert_eq!(parse_amount("", 2), Err(AmountError::Malformed));
        assert_eq!(parse_amount("1e5", 2), Err(AmountError::Malformed));
        assert_eq!(
            parse_amount("99999999999999999999", 2),
            Err(AmountError::TooLarge)
        );
        assert_eq!(parse_amount("1000000001", 2), Err(AmountError::TooLarge));
    }

    #[test]
    fn formats_round_trip() {
        for minor in [0, 1, 99, 100, 1234, 100_000_000_000] {
            assert_eq!(parse_amount(&format_amount(minor, 2), 2), Ok(minor));
        }
        assert_eq!(format_amount(-5, 2), "-0.05");
        assert_eq!(format_amount(7, 0), "7");
    }
}

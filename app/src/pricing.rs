//! Money rules shared by the server and the browser: amounts are integer minor
//! units (cents), never floats. Parsing and formatting live here so a price typed
//! on a screen and the price stored can never disagree.

/// Largest amount accepted anywhere: 1,000,000,000.00 in a 2-decimal currency.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount like 12.50 or 12,50.")]
    Malformed,
    #[error("Use at most {0} decimal places.")]
    TooPrecise(u32),
    #[error("The amount cannot be negative.")]
    Negative,
    #[error("The amount is too large.")]
    TooLarge,
    #[error("Digits are grouped by three, like 1,234.50 or 1.234,50.")]
    BadGrouping,
    #[error(
        "\u{201c}{text}\u{201d} is ambiguous: write {whole} for the whole amount, \
         or put at most {decimals} digits after the decimal separator (like 1.50 or 1,50)."
    )]
    Ambiguous {
        text: String,
        whole: String,
        decimals: u32,
    },
}

/// Space-like characters a number's digit groups may be separated by
/// (space, no-break space, narrow no-break space, thin space, apostrophe).
fn is_space_group(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '\u{2019}')
}

/// Whether `text` is digits grouped by three with separators `seps`
/// (`1`, `12`, `1,234`, `12 345 678`): the first group has 1 to 3 digits, the
/// others exactly 3, and one kind of separator is used.
fn grouped_digits(text: &str, is_sep: impl Fn(char) -> bool) -> Option<String> {
    let mut sep_used: Option<char> = None;
    let mut groups = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if is_sep(c) {
            if sep_used.is_some_and(|s| s != c) {
                return None;
            }
            sep_used = Some(c);
            groups.push(std::mem::take(&mut current));
        } else {
            return None;
        }
    }
    groups.push(current);
    let (first, rest) = groups.split_first()?;
    let ok = (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3);
    if !ok {
        return None;
    }
    Some(groups.concat())
}

/// Parses an amount typed by a person or read from a file into minor units of
/// a currency with `decimals` minor digits. The decimal separator may be a
/// point or a comma (`12.50`, `12,50`, `.99`); the thousands may be grouped by
/// the other one or by spaces (`1,234.50`, `1.234,50`, `1 234,50`). Refused,
/// with a message that says why: more decimals than the currency has (no
/// rounding), badly grouped digits, a sign, and what could be read two ways:
/// `1,500` for a 2-digit currency is one and a half or fifteen hundred.
pub fn parse_amount(text: &str, decimals: u32) -> Result<i64, AmountError> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',') || is_space_group(c))
    {
        return Err(AmountError::Malformed);
    }
    let last_of = |c: char| text.rfind(c);
    let count = |c: char| text.matches(c).count();
    // The decimal separator: of a point and a comma both present, the last
    // one; a lone point or comma unless it can only be grouping.
    let decimal_sep: Option<char> = match (last_of('.'), last_of(',')) {
        (None, None) => None,
        (Some(p), Some(c)) => {
            let sep = if p > c { '.' } else { ',' };
            if count(sep) > 1 {
                return Err(AmountError::BadGrouping);
            }
            Some(sep)
        }
        (Some(_), None) | (None, Some(_)) => {
            let sep = if count('.') > 0 { '.' } else { ',' };
            if count(sep) > 1 {
                None
            } else {
                let (whole, frac) = text.split_once(sep).unwrap_or((text, ""));
                let could_group = frac.len() == 3
                    && frac.chars().all(|c| c.is_ascii_digit())
                    && !whole.starts_with('0')
                    && grouped_digits(text, |c| c == sep || is_space_group(c)).is_some();
                match (could_group, decimals) {
                    (false, _) => Some(sep),
                    (true, 0) => None,
                    (true, 3..) => Some(sep),
                    (true, _) => {
                        return Err(AmountError::Ambiguous {
                            text: text.to_string(),
                            whole: format!("{whole}{frac}")
                                .chars()
                                .filter(char::is_ascii_digit)
                                .collect(),
                            decimals,
                        })
                    }
                }
            }
        }
    };
    let (whole, frac) = match decimal_sep {
        Some(sep) => text.split_once(sep).unwrap_or((text, "")),
        None => (text, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(AmountError::Malformed);
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    let whole = if whole.is_empty() {
        String::new()
    } else if whole.chars().all(|c| c.is_ascii_digit()) {
        whole.to_string()
    } else {
        grouped_digits(whole, |c| matches!(c, '.' | ',') || is_space_group(c))
            .ok_or(AmountError::BadGrouping)?
    };
    if frac.len() > decimals as usize {
        return Err(AmountError::TooPrecise(decimals));
    }
    if whole.len() > 15 {
        return Err(AmountError::TooLarge);
    }
    // At most 15 whole digits and `decimals` fraction digits: a currency with
    // more minor digits than an i64 can scale is refused, never a panic.
    let scale = 10i64.checked_pow(decimals).ok_or(AmountError::TooLarge)?;
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
        frac_value = frac_value.checked_mul(10).ok_or(AmountError::TooLarge)?;
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
    // u64 holds 10^19 at most; no real currency has more than 4 minor digits.
    let Some(scale) = 10u64.checked_pow(decimals) else {
        return format!("{sign}{abs}");
    };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = decimals as usize
    )
}

/// A business's currency as the screens show and read amounts: its ISO code and
/// minor digits. `Copy`, so a page's closures can all hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u32,
}

impl Currency {
    /// The currency with ISO 4217 `code`; an unknown code (settings validation
    /// never lets one in) gets 2 minor digits.
    pub fn new(code: &str) -> Self {
        let mut bytes = *b"XXX";
        if code.len() == 3 && code.is_ascii() {
            bytes.copy_from_slice(code.as_bytes());
        }
        Currency {
            code: bytes,
            minor_digits: crate::org::currency_minor_units(code).unwrap_or(crate::org::SUPPORTED_MINOR_UNITS),
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    pub fn minor_digits(&self) -> u32 {
        self.minor_digits
    }

    /// `1250` → `"12.50 EUR"`, as the business writes an amount.
    pub fn money(&self, minor: i64) -> String {
        format!("{} {}", self.amount(minor), self.code())
    }

    /// `1250` → `"12.50"`, for a form field.
    pub fn amount(&self, minor: i64) -> String {
        format_amount(minor, self.minor_digits)
    }

    /// An amount typed in this currency; see [`parse_amount`].
    pub fn parse(&self, text: &str) -> Result<i64, AmountError> {
        parse_amount(text, self.minor_digits)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::new("USD")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_points_commas_and_groups() {
        let cases: &[(&str, u32, i64)] = &[
            ("12.50", 2, 1250),
            ("12,50", 2, 1250),
            ("12.5", 2, 1250),
            ("12,5", 2, 1250),
            ("1,50", 2, 150),
            ("5,00", 2, 500),
            ("12", 2, 1200),
            ("12.", 2, 1200),
            (".99", 2, 99),
            (",99", 2, 99),
            ("0,50", 2, 50),
            ("  7,25 ", 2, 725),
            ("\u{a0}3.10\u{a0}", 2, 310),
            ("1,234.00", 2, 123400),
            ("1,234.5", 2, 123450),
            ("1.234,50", 2, 123450),
            ("1.234,5", 2, 123450),
            ("1 234,50", 2, 123450),
            ("1 234.50", 2, 123450),
            ("1\u{a0}234,50", 2, 123450),
            ("1\u{202f}234,50", 2, 123450),
            ("1'234.50", 2, 123450),
            ("1 234", 2, 123400),
            ("1,234,567", 2, 123456700),
            ("1.234.567", 2, 123456700),
            ("1,234,567.89", 2, 123456789),
            ("1.234.567,89", 2, 123456789),
            ("12 345 678,90", 2, 1234567890),
            ("0.1", 3, 100),
            ("1.500", 3, 1500),
            ("1,500", 3, 1500),
            ("1,234.567", 3, 1234567),
            ("500", 0, 500),
            ("1,500", 0, 1500),
            ("1.500", 0, 1500),
            ("1 500", 0, 1500),
            ("1.234.567", 0, 1234567),
            ("0", 2, 0),
            ("0,00", 2, 0),
            ("1000000000", 2, 100_000_000_000),
        ];
        for &(text, decimals, want) in cases {
            assert_eq!(
                parse_amount(text, decimals),
                Ok(want),
                "{text:?} with {decimals} decimals"
            );
        }
    }

    #[test]
    fn refuses_bad_and_ambiguous_amounts() {
        use AmountError::*;
        let ambiguous = |text: &str, whole: &str| Ambiguous {
            text: text.into(),
            whole: whole.into(),
            decimals: 2,
        };
        let cases: Vec<(&str, u32, AmountError)> = vec![
            ("1,500", 2, ambiguous("1,500", "1500")),
            ("1.500", 2, ambiguous("1.500", "1500")),
            ("12,345", 2, ambiguous("12,345", "12345")),
            ("1 234,567", 2, TooPrecise(2)),
            ("123.456", 2, ambiguous("123.456", "123456")),
            ("0,500", 2, TooPrecise(2)),
            ("1234,567", 2, TooPrecise(2)),
            (
                "12.345",
                1,
                Ambiguous {
                    text: "12.345".into(),
                    whole: "12345".into(),
                    decimals: 1,
                },
            ),
            ("1,5", 0, TooPrecise(0)),
            ("1.2345", 3, TooPrecise(3)),
            ("12,3456", 2, TooPrecise(2)),
            ("1,2,3", 2, BadGrouping),
            ("1,23,456.00", 2, BadGrouping),
            ("1,234,56", 2, BadGrouping),
            ("12.34,50", 2, BadGrouping),
            ("1.234.5,6", 2, BadGrouping),
            ("1,234.5.6", 2, BadGrouping),
            ("1 23,50", 2, BadGrouping),
            ("1.234 567,00", 2, BadGrouping),
            ("12 ,50", 2, BadGrouping),
            ("-1", 2, Negative),
            ("-1,50", 2, Negative),
            ("abc", 2, Malformed),
            ("", 2, Malformed),
            ("   ", 2, Malformed),
            (".", 2, Malformed),
            (",", 2, Malformed),
            ("1e5", 2, Malformed),
            ("+5", 2, Malformed),
            ("12.50 EUR", 2, Malformed),
            ("$12", 2, Malformed),
            ("1,5.0a", 2, Malformed),
            ("99999999999999999999", 2, TooLarge),
            ("1000000001", 2, TooLarge),
            ("1.000.000.001,00", 2, TooLarge),
        ];
        for (text, decimals, want) in cases {
            assert_eq!(
                parse_amount(text, decimals),
                Err(want),
                "{text:?} with {decimals} decimals"
            );
        }
    }

    #[test]
    fn currency_formats_and_parses_with_its_digits() {
        let eur = Currency::new("EUR");
        assert_eq!(eur.money(150), "1.50 EUR");
        assert_eq!(eur.parse("1,50"), Ok(150));
        let jpy = Currency::new("JPY");
        assert_eq!(jpy.money(1500), "1500 JPY");
        assert_eq!(jpy.parse("1,500"), Ok(1500));
        let kwd = Currency::new("KWD");
        assert_eq!(kwd.amount(1500), "1.500");
        assert_eq!(kwd.parse("1,500"), Ok(1500));
    }

    #[test]
    fn ambiguity_says_how_to_write_it() {
        let message = parse_amount("1,500", 2).unwrap_err().to_string();
        assert!(message.contains("ambiguous"), "{message}");
        assert!(message.contains("1500"), "{message}");
        assert!(message.contains("1,50"), "{message}");
    }

    #[test]
    fn formats_round_trip() {
        for minor in [0, 1, 99, 100, 1234, 100_000_000_000] {
            assert_eq!(parse_amount(&format_amount(minor, 2), 2), Ok(minor));
        }
        assert_eq!(format_amount(-5, 2), "-0.05");
        assert_eq!(format_amount(7, 0), "7");
    }

    /// `format_amount` with the whole part grouped by `group` and `decimal`
    /// as the decimal separator, as people and spreadsheets write amounts.
    fn format_grouped(minor: i64, decimals: u32, group: &str, decimal: char) -> String {
        let plain = format_amount(minor, decimals);
        let (whole, frac) = plain.split_once('.').unwrap_or((&plain, ""));
        let digits: Vec<char> = whole.chars().collect();
        let mut grouped = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(*c);
        }
        if frac.is_empty() {
            grouped
        } else {
            format!("{grouped}{decimal}{frac}")
        }
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_round_trips(minor in 0..=MAX_AMOUNT_MINOR, decimals in 0u32..=3) {
            prop_assert_eq!(parse_amount(&format_amount(minor, decimals), decimals), Ok(minor));
            for (group, decimal) in [(",", '.'), (".", ','), (" ", ','), ("\u{a0}", '.'), ("", ',')] {
                let text = format_grouped(minor, decimals, group, decimal);
                prop_assert_eq!(parse_amount(&text, decimals), Ok(minor), "{}", text);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Bill totals.
//
// The rules (one module, compiled into the server and the POS screen, so the
// screen and the finalized bill can never disagree by a cent):
//
// 1. A line's gross is `unit_price × quantity`; its line discount (at most the
//    gross) is taken off first.
// 2. A bill discount (at most what is left) is spread over the lines in
//    proportion to their discounted amounts, by the largest-remainder method: the
//    shares are whole minor units and add up to the bill discount exactly (ties
//    go to the earlier line).
// 3. Tax per line, on what is left (`base`), rounded half up to a minor unit:
//    * exclusive: `tax = round(base × rate / 10000)`, line total `base + tax`;
//    * inclusive: the price includes tax: `net = round(base × 10000 / (10000 +
//      rate))`, `tax = base − net`, line total `base`.
// 4. Bill subtotal, tax and total are the sums of the lines' figures, so the
//    lines always add up to the bill.
// ---------------------------------------------------------------------------

/// How prices relate to tax, per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Shelf prices include tax (usual for retail in most of the world).
    #[default]
    Inclusive,
    /// Tax is added on top of the price.
    Exclusive,
}

impl TaxMode {
    /// The name stored in the database and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxMode::Inclusive => "inclusive",
            TaxMode::Exclusive => "exclusive",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    pub unit_price: i64,
    pub quantity: i64,
    /// Basis points: 2000 = 20 %.
    pub tax_rate_bp: i64,
    pub line_discount: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LineTotals {
    pub gross: i64,
    pub line_discount: i64,
    /// This line's share of the bill discount.
    pub bill_discount: i64,
    /// What the customer pays for the line, before exclusive tax is added.
    pub base: i64,
    /// The line's amount without tax.
    pub net: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct BillTotals {
    pub lines: Vec<LineTotals>,
    pub gross: i64,
    pub discount: i64,
    pub net: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("Line {0}: the quantity must be between 1 and 1,000,000.")]
    Quantity(usize),
    #[error("Line {0}: the price is out of range.")]
    Price(usize),
    #[error("Line {0}: the discount cannot be negative or more than the line.")]
    LineDiscount(usize),
    #[error("Line {0}: the tax rate is out of range.")]
    TaxRate(usize),
    #[error("The bill discount cannot be negative or more than the bill.")]
    BillDiscount,
    #[error("The bill is too large.")]
    TooLarge,
}

fn round_div(numerator: i128, denominator: i128) -> i128 {
    // Half up, for the non-negative values used here.
    (numerator * 2 + denominator) / (denominator * 2)
}

/// Computes a bill's totals by the rules above.
pub fn bill_totals(
    lines: &[LineInput],
    bill_discount: i64,
    mode: TaxMode,
) -> Result<BillTotals, TotalsError> {
    let mut out = BillTotals::default();
    let mut discounted: Vec<i64> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if !(1..=1_000_000).contains(&line.quantity) {
            return Err(TotalsError::Quantity(n));
        }
        if !(0..=MAX_AMOUNT_MINOR).contains(&line.unit_price) {
            return Err(TotalsError::Price(n));
        }
        if !(0..=100_000).contains(&line.tax_rate_bp) {
            return Err(TotalsError::TaxRate(n));
        }
        let gross = line
            .unit_price
            .checked_mul(line.quantity)
            .ok_or(TotalsError::TooLarge)?;
        if gross > MAX_AMOUNT_MINOR * 10 {
            return Err(TotalsError::TooLarge);
        }
        if line.line_discount < 0 || line.line_discount > gross {
            return Err(TotalsError::LineDiscount(n));
        }
        discounted.push(gross - line.line_discount);
        out.lines.push(LineTotals {
            gross,
            line_discount: line.line_discount,
            ..Default::default()
        });
    }
    // Checked sums: `bill_totals` is public and any number of lines may come in.
    let after_lines = discounted
        .iter()
        .try_fold(0i64, |sum, amount| sum.checked_add(*amount))
        .ok_or(TotalsError::TooLarge)?;
    if bill_discount < 0 || bill_discount > after_lines {
        return Err(TotalsError::BillDiscount);
    }
    let shares = allocate(bill_discount, &discounted);
    for ((totals, line), (amount, share)) in
        out.lines.iter_mut().zip(lines).zip(discounted.iter().zip(shares))
    {
        let base = amount - share;
        let rate = line.tax_rate_bp as i128;
        let (net, tax, total) = match mode {
            TaxMode::Exclusive => {
                let tax = round_div(base as i128 * rate, 10_000) as i64;
                (base, tax, base + tax)
            }
            TaxMode::Inclusive => {
                let net = round_div(base as i128 * 10_000, 10_000 + rate) as i64;
                (net, base - net, base)
            }
        };
        *totals = LineTotals {
            bill_discount: share,
            base,
            net,
            tax,
            total,
            ..*totals
        };
        let add = |sum: i64, amount: i64| sum.checked_add(amount).ok_or(TotalsError::TooLarge);
        out.gross = add(out.gross, totals.gross)?;
        out.discount = add(add(out.discount, totals.line_discount)?, share)?;
        out.net = add(out.net, net)?;
        out.tax = add(out.tax, tax)?;
        out.total = add(out.total, total)?;
    }
    Ok(out)
}

/// Splits `amount` over `weights` in proportion, in whole units, summing exactly
/// to `amount` (largest remainder; ties to the earlier weight).
fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| *w as i128).sum();
    if amount == 0 || sum == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = amount as i128 * *w as i128;
        shares.push((exact / sum) as i64);
        remainders.push((exact % sum, i));
    }
    let mut left = amount - shares.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

#[cfg(test)]
mod totals_tests {
    use super::*;
    use proptest::prelude::*;

    fn line(unit_price: i64, quantity: i64, tax_rate_bp: i64) -> LineInput {
        LineInput {
            unit_price,
            quantity,
            tax_rate_bp,
            line_discount: 0,
        }
    }

    #[test]
    fn exclusive_tax_is_added_and_rounded_half_up() {
        let t = bill_totals(&[line(999, 1, 2000), line(5, 1, 1000)], 0, TaxMode::Exclusive).unwrap();
        // 999 × 20 % = 199.8 → 200; 5 × 10 % = 0.5 → 1.
        assert_eq!((t.lines[0].tax, t.lines[1].tax), (200, 1));
        assert_eq!((t.net, t.tax, t.total), (1004, 201, 1205));
    }

    #[test]
    fn inclusive_tax_is_taken_out_of_the_price() {
        let t = bill_totals(&[line(1200, 1, 2000)], 0, TaxMode::Inclusive).unwrap();
        assert_eq!((t.net, t.tax, t.total), (1000, 200, 1200));
        let t = bill_totals(&[line(100, 1, 700)], 0, TaxMode::Inclusive).unwrap();
        // 100 / 1.07 = 93.46 → 93 net, 7 tax.
        assert_eq!((t.lines[0].net, t.lines[0].tax), (93, 7));
    }

    #[test]
    fn bill_discount_is_spread_exactly() {
        let t = bill_totals(
            &[line(100, 1, 0), line(100, 1, 0), line(100, 1, 0)],
            100,
            TaxMode::Exclusive,
        )
        .unwrap();
        let shares: Vec<i64> = t.lines.iter().map(|l| l.bill_discount).collect();
        assert_eq!(shares, vec![34, 33, 33]);
        assert_eq!(t.total, 200);
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            bill_totals(&[line(100, 0, 0)], 0, TaxMode::Inclusive),
            Err(TotalsError::Quantity(1))
        );
        assert_eq!(
            bill_totals(&[line(-1, 1, 0)], 0, TaxMode::Inclusive),
            Err(TotalsError::Price(1))
        );
        let over = LineInput {
            line_discount: 101,
            ..line(100, 1, 0)
        };
        assert_eq!(
            bill_totals(&[over], 0, TaxMode::Inclusive),
            Err(TotalsError::LineDiscount(1))
        );
        assert_eq!(
            bill_totals(&[line(100, 1, 0)], 101, TaxMode::Inclusive),
            Err(TotalsError::BillDiscount)
        );
        assert_eq!(
            bill_totals(&[line(100, 1, 0)], -1, TaxMode::Inclusive),
            Err(TotalsError::BillDiscount)
        );
    }

    fn minor_of(text: &str) -> i64 {
        text.bytes()
            .fold(0i64, |acc, b| acc.wrapping_mul(31).wrapping_add(b as i64))
    }

    fn arb_line() -> impl Strategy<Value = LineInput> {
        (
            0i64..500_000,
            1i64..50,
            prop::sample::select(vec![0i64, 500, 700, 1000, 1900, 2000, 2500]),
            0u8..=100,
        )
            .prop_map(|(unit_price, quantity, tax_rate_bp, pct)| LineInput {
                unit_price,
                quantity,
                tax_rate_bp,
                line_discount: unit_price * quantity * pct as i64 / 400,
            })
    }

    /// Any integers at all, including i64::MIN and i64::MAX.
    fn wild_i64() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0i64),
            Just(MAX_AMOUNT_MINOR),
            Just(MAX_AMOUNT_MINOR + 1),
            any::<i64>(),
        ]
    }

    #[test]
    fn extreme_totals_are_refused_not_overflowed() {
        let huge = line(MAX_AMOUNT_MINOR, 10, 100_000);
        let many = vec![huge; 100_000];
        assert_eq!(
            bill_totals(&many, 0, TaxMode::Exclusive).map(|t| t.lines.len()),
            Ok(100_000)
        );
        let too_many = vec![huge; 1_000_000];
        assert_eq!(
            bill_totals(&too_many, 0, TaxMode::Exclusive),
            Err(TotalsError::TooLarge)
        );
        assert_eq!(
            bill_totals(&[line(1, i64::MAX, 0)], 0, TaxMode::Inclusive),
            Err(TotalsError::Quantity(1))
        );
        assert_eq!(
            bill_totals(&[line(100, 1, 0)], i64::MIN, TaxMode::Inclusive),
            Err(TotalsError::BillDiscount)
        );
        assert_eq!(parse_amount("1", 30), Err(AmountError::TooLarge));
        assert_eq!(format_amount(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_amount(5, 40), "5");
    }

    proptest! {
        #[test]
        fn any_integers_give_totals_or_an_error_never_a_panic(
            lines in prop::collection::vec(
                (wild_i64(), wild_i64(), wild_i64(), wild_i64()).prop_map(|(unit_price, quantity, tax_rate_bp, line_discount)| {
                    LineInput { unit_price, quantity, tax_rate_bp, line_discount }
                }),
                0..6,
            ),
            bill_discount in wild_i64(),
            inclusive in any::<bool>(),
        ) {
            let mode = if inclusive { TaxMode::Inclusive } else { TaxMode::Exclusive };
            if let Ok(t) = bill_totals(&lines, bill_discount, mode) {
                prop_assert_eq!(t.total, t.lines.iter().map(|l| l.total).sum::<i64>());
                prop_assert!(t.total >= 0);
            }
        }

        #[test]
        fn any_text_parses_or_is_refused_never_a_panic(text in ".{0,40}", decimals in 0u32..25) {
            if let Ok(minor) = parse_amount(&text, decimals) {
                prop_assert!((0..=MAX_AMOUNT_MINOR).contains(&minor));
            }
            let _ = format_amount(minor_of(&text), decimals);
        }

        #[test]
        fn lines_always_add_up_to_the_bill(
            lines in prop::collection::vec(arb_line(), 1..12),
            discount_pct in 0u8..=100,
            inclusive in any::<bool>(),
        ) {
            let mode = if inclusive { TaxMode::Inclusive } else { TaxMode::Exclusive };
            let after_lines: i64 = lines.iter().map(|l| l.unit_price * l.quantity - l.line_discount).sum();
            let bill_discount = after_lines * discount_pct as i64 / 100;
            let t = bill_totals(&lines, bill_discount, mode).unwrap();
            prop_assert_eq!(t.total, t.lines.iter().map(|l| l.total).sum::<i64>());
            prop_assert_eq!(t.tax, t.lines.iter().map(|l| l.tax).sum::<i64>());
            prop_assert_eq!(t.lines.iter().map(|l| l.bill_discount).sum::<i64>(), bill_discount);
            prop_assert_eq!(t.gross - t.discount, t.lines.iter().map(|l| l.base).sum::<i64>());
            for (l, input) in t.lines.iter().zip(&lines) {
                prop_assert!(l.tax >= 0);
                prop_assert!(l.net >= 0 && l.base >= 0);
                prop_assert_eq!(l.net + l.tax, if inclusive { l.base } else { l.total });
                // Rounded half up, so never more than half a unit from exact.
                let exact = if inclusive {
                    l.base as f64 * input.tax_rate_bp as f64 / (10_000 + input.tax_rate_bp) as f64
                } else {
                    l.base as f64 * input.tax_rate_bp as f64 / 10_000.0
                };
                prop_assert!((l.tax as f64 - exact).abs() <= 0.5 + 1e-9, "tax {} vs exact {}", l.tax, exact);
            }
            match mode {
                TaxMode::Inclusive => prop_assert_eq!(t.total, t.gross - t.discount),
                TaxMode::Exclusive => prop_assert_eq!(t.total, t.gross - t.discount + t.tax),
            }
        }
    }
}

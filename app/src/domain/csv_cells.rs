//! Spreadsheet-safe CSV cells: the one rule every CSV writer and the catalog
//! import share.
//!
//! A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or
//! `@` (and, in some, tab or carriage return) as a formula: a product named
//! `=HYPERLINK("http://evil", "click")` would become a live link in the
//! owner's spreadsheet (CSV or formula injection). Following OWASP, such a
//! cell is written with a leading single quote `'`, which spreadsheets show
//! as text. Plain numbers (`-5`, `-12.50`) are left alone so numeric columns
//! stay numbers.
//!
//! The rule is reversible, so an export imports back unchanged: a cell is
//! guarded when, once any leading quotes are set aside, it starts with a
//! trigger character (so `'=x`, a name that really starts with a quote,
//! is written `''=x`), and [`unguard`] takes exactly one quote off such a cell.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A plain decimal number: an optional minus, digits, optionally a point and
/// digits (what the exports write for quantities and amounts).
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn needs_guard(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS) && !is_plain_number(cell)
}

/// The cell as a CSV writer must write it: with a leading `'` when a
/// spreadsheet would otherwise run it as a formula.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if needs_guard(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as it was before [`guard`]: one leading `'` taken off a guarded
/// cell; every other cell unchanged.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_guarded_and_numbers_are_not() {
        assert_eq!(guard("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(guard("@SUM(1)"), "'@SUM(1)");
        assert_eq!(guard("+1+1"), "'+1+1");
        assert_eq!(guard("-1+cmd"), "'-1+cmd");
        assert_eq!(guard("\tx"), "'\tx");
        assert_eq!(guard("\rx"), "'\rx");
        assert_eq!(guard("'=x"), "''=x");
        for plain in ["-5", "-12.50", "0", "12", "Tea", "", "'quoted", "a=b", "-"] {
            let expected = if plain == "-" { "'-" } else { plain };
            assert_eq!(guard(plain), expected, "{plain:?}");
        }
        assert_eq!(guard("-1."), "'-1.");
        assert_eq!(guard("--1"), "'--1");
    }

    #[test]
    fn unguard_takes_off_only_the_guard() {
        assert_eq!(unguard("'=x"), "=x");
        assert_eq!(unguard("''=x"), "'=x");
        assert_eq!(unguard("'quoted"), "'quoted");
        assert_eq!(unguard("-5"), "-5");
        assert_eq!(unguard("'-5"), "'-5");
    }

    proptest! {
        #[test]
        fn every_cell_round_trips_and_no_written_cell_is_a_formula(cell in "['=+@\\-\t\r0-9a-z. ]{0,8}") {
            let written = guard(&cell);
            prop_assert_eq!(unguard(&written), cell.as_str());
            prop_assert!(!written.starts_with(TRIGGERS) || is_plain_number(&written));
        }
    }
}

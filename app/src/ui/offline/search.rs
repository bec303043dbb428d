//! Finding items in the till's cached catalog while offline: the same order
//! as `pos/search` on the server (exact barcode or SKU, then SKUs starting
//! with the query, then names with a word starting with each typed word),
//! over the bounded set the till keeps (at most a few thousand products, so a
//! scan per keystroke is cheap).
use crate::model::PosItem;

/// Lower case for matching, without the Unicode tables `str::to_lowercase`
/// would add to the till's bundle: ASCII and the Latin-1 letters (À–Þ).
/// Other letters match as typed.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'À'..='Þ' if c != '×' => char::from_u32(c as u32 + 32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// How well an item matches: lower is better; None is no match.
fn rank(item: &PosItem, query: &str, words: &[String]) -> Option<u8> {
    let sku = fold(&item.sku);
    if item.barcode.as_deref().is_some_and(|b| fold(b) == query) || sku == query {
        return Some(0);
    }
    if sku.starts_with(query) {
        return Some(1);
    }
    let name = fold(&item.name);
    let name_words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let every_word = words
        .iter()
        .all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())) || sku.starts_with(w.as_str()));
    every_word.then_some(2)
}

/// At most `limit` items for `query`, best first (then by name).
pub fn find(items: &[PosItem], query: &str, limit: usize) -> Vec<PosItem> {
    let query = fold(query.trim());
    if query.is_empty() {
        return Vec::new();
    }
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut hits: Vec<(u8, &PosItem)> = items
        .iter()
        .filter_map(|item| rank(item, &query, &words).map(|r| (r, item)))
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    hits.into_iter()
        .take(limit)
        .map(|(_, item)| item.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn item(sku: &str, barcode: Option<&str>, name: &str) -> PosItem {
        PosItem {
            id: Uuid::new_v4(),
            sku: sku.into(),
            barcode: barcode.map(Into::into),
            name: name.into(),
            unit_price: 100,
            tax_rate_bp: 0,
            on_hand: 1,
        }
    }

    #[test]
    fn a_scanned_barcode_or_sku_comes_first_then_words_of_the_name() {
        let items = vec![
            item("COLA-2", None, "Coca Cola 2 l"),
            item("COLA-1", Some("4006381333931"), "Coca Cola can"),
            item("WATER", None, "Still water"),
            item("X-COLA", None, "Cola zero"),
        ];
        assert_eq!(find(&items, "4006381333931", 8)[0].sku, "COLA-1");
        assert_eq!(find(&items, "cola-2", 8)[0].sku, "COLA-2");
        let names: Vec<String> = find(&items, "coca co", 8).into_iter().map(|i| i.sku).collect();
        assert_eq!(names, ["COLA-2", "COLA-1"]);
        assert_eq!(find(&items, "cola", 8).len(), 3);
        assert_eq!(find(&items, "cola", 1).len(), 1);
        assert!(find(&items, "beer", 8).is_empty());
        assert!(find(&items, "  ", 8).is_empty());
        // A word must start a word of the name: "ola" is no match.
        assert!(find(&items, "ola", 8).is_empty());
        // Latin-1 letters fold too.
        let items = vec![item("K-1", None, "Käse Überraschung")];
        assert_eq!(find(&items, "über", 8).len(), 1);
        assert_eq!(find(&items, "KÄSE", 8).len(), 1);
    }
}

//! The till's search: what a cashier types or scans, answered from indexes
//! alone, however large the catalog (see migration 0006 for why terms).
//!
//! Order of the answer: an exact barcode or SKU first (a scanner's Enter adds
//! it), then products having a word that starts with the longest word typed,
//! in that word's alphabetical order; every other word typed must appear in
//! the name or SKU. Active products only.
use sqlx::FromRow;
use uuid::Uuid;

use crate::{model::PosItem, tenancy::TenantTx};

/// Most items one keystroke returns.
pub const MAX_LIMIT: u32 = 50;
/// Items a keystroke returns when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 12;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum TillSearchError {
    #[error("Search: at most {MAX_QUERY_CHARS} characters.")]
    TooLong,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A query split the way the terms were: lower-cased runs of letters and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillQuery {
    /// As typed (trimmed), for an exact barcode.
    pub raw: String,
    /// Lower-cased, for an exact SKU.
    pub lower: String,
    /// The word that drives the index scan (the longest).
    pub lead: String,
    /// The other words, each of which must appear in the name or SKU.
    pub rest: Vec<String>,
    /// A single token with punctuation (a SKU such as `acme-00`): also looked
    /// up whole, as the start of a SKU.
    pub whole: Option<String>,
}

impl TillQuery {
    pub fn parse(query: &str) -> Result<Option<Self>, TillSearchError> {
        let raw = query.trim();
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(TillSearchError::TooLong);
        }
        let lower = raw.to_lowercase();
        let mut words: Vec<String> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return Ok(None);
        }
        let whole = (words.len() > 1 && !lower.contains(char::is_whitespace))
            .then(|| lower.chars().take(64).collect());
        let lead_index = (0..words.len())
            .max_by_key(|&i| (words[i].chars().count(), usize::MAX - i))
            .unwrap_or(0);
        let lead = words.remove(lead_index);
        Ok(Some(Self {
            raw: raw.to_owned(),
            lower,
            lead: lead.chars().take(64).collect(),
            rest: words,
            whole,
        }))
    }
}

/// The exclusive upper end of the range of terms starting with `prefix`: in
/// the "C" collation no valid text starting with `prefix` sorts after it.
fn range_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

impl TillQuery {
    /// The whole-token range, or an empty one.
    fn whole_range(&self) -> (String, String) {
        match &self.whole {
            Some(w) => (w.clone(), range_end(w)),
            None => (String::new(), String::new()),
        }
    }
}

#[derive(FromRow)]
struct ItemRow {
    id: Uuid,
    sku: String,
    barcode: Option<String>,
    name: String,
    sale_price: i64,
    rate_bp: i32,
    on_hand: i64,
}

/// At most `limit` items for what was typed (never the whole catalog).
pub async fn search(tx: &mut TenantTx, query: &str, limit: u32) -> Result<Vec<PosItem>, TillSearchError> {
    let Some(q) = TillQuery::parse(query)? else {
        return Ok(Vec::new());
    };
    let limit = if limit == 0 {
        DEFAULT_LIMIT
    } else {
        limit.min(MAX_LIMIT)
    } as i64;
    let (whole_from, whole_to) = q.whole_range();
    // Each part is an index range or lookup (an OR across columns would
    // scan the tenant's products). Twice the limit of term hits: a product
    // with two words starting with the lead appears twice and is kept once.
    let rows: Vec<ItemRow> = sqlx::query_as(
        "WITH exact AS ( \
             SELECT p.id, 0 AS rank, ''::text COLLATE \"C\" AS term FROM products p \
             WHERE p.is_active AND p.barcode = $1 \
             UNION ALL \
             SELECT p.id, 0, '' FROM products p WHERE p.is_active AND p.sku_search = $2 \
         ), by_sku AS ( \
             SELECT t.product_id AS id, 1 AS rank, t.term FROM product_search_terms t \
             JOIN products p ON p.tenant_id = t.tenant_id AND p.id = t.product_id \
             WHERE t.term >= $7 AND t.term < $8 AND p.is_active \
             ORDER BY t.term, t.product_id LIMIT $6 \
         ), by_term AS ( \
             SELECT t.product_id AS id, 2 AS rank, t.term FROM product_search_terms t \
             JOIN products p ON p.tenant_id = t.tenant_id AND p.id = t.product_id \
             WHERE t.term >= $3 AND t.term < $4 AND p.is_active \
               AND NOT EXISTS (SELECT 1 FROM unnest($5::text[]) w \
                               WHERE position(w IN p.name_search) = 0 AND position(w IN p.sku_search) = 0) \
             ORDER BY t.term, t.product_id LIMIT $6 * 2 \
         ), hits AS ( \
             SELECT DISTINCT ON (id) id, rank, term FROM (SELECT * FROM exact UNION ALL SELECT * FROM by_sku UNION ALL SELECT * FROM by_term) h \
             ORDER BY id, rank, term \
         ) \
         SELECT p.id, p.sku, p.barcode, p.name, p.sale_price, coalesce(r.rate_bp, 0) AS rate_bp, p.on_hand \
         FROM hits h JOIN products p ON p.id = h.id \
         LEFT JOIN tax_rates r ON r.tenant_id = p.tenant_id AND r.id = p.tax_rate_id \
         ORDER BY h.rank, h.term, p.name_search, p.id LIMIT $6",
    )
    .bind(&q.raw)
    .bind(&q.lower)
    .bind(&q.lead)
    .bind(range_end(&q.lead))
    .bind(&q.rest)
    .bind(limit)
    .bind(&whole_from)
    .bind(&whole_to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PosItem {
            id: r.id,
            sku: r.sku,
            barcode: r.barcode,
            name: r.name,
            unit_price: r.sale_price,
            tax_rate_bp: r.rate_bp,
            on_hand: r.on_hand,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lead_with_the_longest() {
        let q = TillQuery::parse("  Coca cola 330  ").unwrap().unwrap();
        assert_eq!(q.raw, "Coca cola 330");
        assert_eq!(q.lower, "coca cola 330");
        assert_eq!(q.lead, "coca");
        assert_eq!(q.rest, vec!["cola".to_owned(), "330".to_owned()]);
    }

    #[test]
    fn a_sku_like_query_is_also_looked_up_whole() {
        let q = TillQuery::parse("ACME-00").unwrap().unwrap();
        assert_eq!(q.whole.as_deref(), Some("acme-00"));
        assert_eq!(q.lead, "acme");
        assert_eq!(q.rest, vec!["00".to_owned()]);
        assert_eq!(TillQuery::parse("coca cola").unwrap().unwrap().whole, None);
        assert_eq!(TillQuery::parse("cola").unwrap().unwrap().whole, None);
    }

    #[test]
    fn nothing_searchable_is_no_search() {
        assert_eq!(TillQuery::parse("  -- ").unwrap(), None);
        assert!(matches!(
            TillQuery::parse(&"x".repeat(101)),
            Err(TillSearchError::TooLong)
        ));
    }

    #[test]
    fn the_range_end_sorts_after_every_continuation() {
        let q = TillQuery::parse("cola").unwrap().unwrap();
        let end = range_end(&q.lead);
        for term in ["cola", "colas", "cola\u{FFFF}x", "colaz"] {
            assert!(
                term.as_bytes() >= q.lead.as_bytes() && term.as_bytes() < end.as_bytes(),
                "{term}"
            );
        }
        assert!("colb".as_bytes() >= end.as_bytes());
    }
}

//! The offline till's server side: recording the sales a till made while the
//! network was down (each exactly once, whatever the stock is by now), and
//! the bounded catalog the till caches to keep selling.
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    finalize::{self, FinalizeOptions, OfflineTerms},
    BillingError,
};
use crate::{
    model::{bill_number, CartLine, CatalogDelta, OfflineSale, PosItem, SaleInput, SyncedSale},
    permissions::Permission,
    tenancy::{TenantCtx, TenantTx},
};

/// Most sales one `sync/sales` call takes.
pub const MAX_SALES_PER_SYNC: usize = 200;
/// Most products a till caches (the whole active catalog when it is smaller).
pub const CATALOG_BOUND: i64 = 2_000;
/// More changed products than this since a cursor: the whole set instead.
pub const MAX_DELTA_ROWS: i64 = 1_000;
/// A cursor older than this gets the whole set.
pub const CURSOR_MAX_AGE_HOURS: i64 = 24;
/// Changes are read from this long before the cursor, so rows that a
/// concurrent transaction committed late (stamped before the cursor, visible
/// only after it) are not missed; a product sent twice is a harmless upsert.
pub const CURSOR_OVERLAP_SECS: i64 = 10;

/// A provisional receipt number, `T2-000123`: the till's code and its own
/// sequence.
fn parse_provisional(number: &str) -> Option<(i32, i64)> {
    let (code, seq) = number.strip_prefix('T')?.split_once('-')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(code) || !all_digits(seq) || code.len() > 9 || seq.len() > 18 {
        return None;
    }
    let (code, seq) = (code.parse().ok()?, seq.parse().ok()?);
    (seq >= 1).then_some((code, seq))
}

/// Records one sale a till made offline, in the caller's transaction (one per
/// sale: a batch keeps what committed). The same key again answers with the
/// first bill and writes nothing. The cashier is the signed-in member.
///
/// Refused (an error, and nothing written): a malformed key or provisional
/// number, an empty cart, a product or till this business does not have, an
/// archived till, payments that do not add up to the total at the till's
/// prices, a key already used for a different sale. Recorded anyway, and
/// audited (see [`OfflineTerms`]): prices that differ from the catalog's,
/// stock that is gone, a discount above the cashier's limit, no open shift.
#[tracing::instrument(skip(tx, sale), fields(key = %sale.idempotency_key))]
pub async fn sync_sale(tx: &mut TenantCtx<'_>, sale: &OfflineSale) -> Result<SyncedSale, BillingError> {
    tx.require(Permission::Sell)?;
    let Some((code, till_seq)) = parse_provisional(&sale.provisional_number) else {
        return Err(BillingError::invalid(
            "The provisional receipt number must be the till's code and a number, like T2-000123.",
        ));
    };
    let sold_at = DateTime::parse_from_rfc3339(&sale.sold_at)
        .map_err(|_| BillingError::invalid("The sale's time must be an RFC 3339 date and time."))?
        .with_timezone(&Utc)
        .min(Utc::now());
    // The till: the one named, else the one whose code the number carries.
    // Whether it is active is finalizing's check (a sale already recorded
    // answers with its bill even once its till is archived).
    let till: Option<(Uuid, i32)> = match sale.till_id {
        Some(id) => sqlx::query_as("SELECT id, code FROM tills WHERE id = $1")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?
            .or(Some((id, code))),
        None => {
            sqlx::query_as("SELECT id, code FROM tills WHERE code = $1")
                .bind(code)
                .fetch_optional(tx.conn())
                .await?
        }
    };
    if let Some((_, till_code)) = till {
        if till_code != code {
            return Err(BillingError::invalid(format!(
                "The provisional number {} is not this till's (T{till_code}).",
                sale.provisional_number
            )));
        }
    }
    let input = SaleInput {
        idempotency_key: sale.idempotency_key.clone(),
        customer_id: None,
        lines: sale
            .lines
            .iter()
            .map(|l| CartLine {
                product_id: l.product_id,
                quantity: l.quantity,
                line_discount: l.line_discount,
            })
            .collect(),
        bill_discount: sale.bill_discount,
        payments: sale.payments.clone(),
    };
    let terms = OfflineTerms {
        provisional_number: sale.provisional_number.clone(),
        till_seq,
        sold_at,
        prices: sale.lines.iter().map(|l| (l.unit_price, l.tax_rate_bp)).collect(),
    };
    let till_id = till.map(|(id, _)| id);
    let finalized = finalize::finalize(
        tx,
        &input,
        &FinalizeOptions {
            till_id,
            offline: Some(&terms),
            ..FinalizeOptions::default()
        },
    )
    .await?;
    let shortfall = if finalized.view.is_some() {
        finalized.shortfall
    } else {
        // Sent before: what its first recording found short.
        shortfall_of(tx, finalized.id).await?
    };
    Ok(SyncedSale {
        idempotency_key: sale.idempotency_key.clone(),
        bill_id: Some(finalized.id),
        number: Some(bill_number(finalized.number)),
        shortfall,
        refused: None,
    })
}

/// The units recorded short for a bill.
async fn shortfall_of(tx: &mut TenantTx, bill_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(quantity), 0)::bigint FROM stock_movements \
         WHERE kind = 'shortfall' AND reference_type = 'bill' AND reference_id = $1",
    )
    .bind(bill_id.to_string())
    .fetch_one(tx.conn())
    .await
}

/// A catalog cursor: the database time the set was read at (`1:` and
/// microseconds since the epoch).
fn parse_cursor(cursor: &str) -> Option<DateTime<Utc>> {
    let micros: i64 = cursor.strip_prefix("1:")?.parse().ok()?;
    DateTime::from_timestamp_micros(micros)
}

fn make_cursor(at: DateTime<Utc>) -> String {
    format!("1:{}", at.timestamp_micros())
}

type ItemRow = (Uuid, String, Option<String>, String, i64, i32, i64, bool);

const ITEM_COLUMNS: &str =
    "p.id, p.sku, p.barcode, p.name, p.sale_price, coalesce(t.rate_bp, 0), p.on_hand, \
     p.is_active FROM products p \
     LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id";

fn item((id, sku, barcode, name, unit_price, tax_rate_bp, on_hand, _): ItemRow) -> PosItem {
    PosItem {
        id,
        sku,
        barcode,
        name,
        unit_price,
        tax_rate_bp,
        on_hand,
    }
}

/// Every active product as the till shows it, by name: the whole set when
/// the catalog is within the bound (and, in the till bench, the download the
/// bound avoids).
pub async fn active_catalog(tx: &mut TenantTx) -> Result<Vec<PosItem>, sqlx::Error> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} WHERE p.is_active ORDER BY p.name, p.id"
    ))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(item).collect())
}

/// The ids of the set a till caches when the business has more than `bound`
/// active products (`None`: every active product is in it). The most sold
/// over 30 days, then the most recently sold over 90 days, then the most
/// recently changed. The sold products are ranked before they are looked up
/// (joining first read the whole catalog: 732 ms against 247 ms at 300,000
/// products, docs/performance.md).
async fn bounded_set(tx: &mut TenantTx, bound: i64) -> Result<Option<Vec<Uuid>>, sqlx::Error> {
    let more: bool = sqlx::query_scalar(
        "SELECT count(*) > $1 FROM (SELECT 1 FROM products WHERE is_active LIMIT $1 + 1) p",
    )
    .bind(bound)
    .fetch_one(tx.conn())
    .await?;
    if !more {
        return Ok(None);
    }
    let ids = sqlx::query_scalar(
        "WITH sold AS ( \
             SELECT l.product_id, \
                    sum(l.quantity) FILTER (WHERE b.finalized_at > now() - interval '30 days') AS units, \
                    max(b.finalized_at) AS last_sold \
             FROM bills b \
             JOIN bill_lines l ON l.tenant_id = b.tenant_id AND l.bill_id = b.id \
             WHERE b.status = 'finalized' AND b.finalized_at > now() - interval '90 days' \
             GROUP BY l.product_id), \
         top AS ( \
             SELECT s.product_id AS id \
             FROM (SELECT * FROM sold ORDER BY units DESC NULLS LAST, last_sold DESC, product_id) s \
             WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = s.product_id AND p.is_active) \
             LIMIT $1) \
         SELECT id FROM top \
         UNION ALL \
         (SELECT p.id FROM products p \
          WHERE p.is_active AND NOT EXISTS (SELECT 1 FROM sold s WHERE s.product_id = p.id) \
          ORDER BY p.updated_at DESC, p.id \
          LIMIT greatest($1 - (SELECT count(*) FROM top), 0))",
    )
    .bind(bound)
    .fetch_all(tx.conn())
    .await?;
    Ok(Some(ids))
}

/// The products a till caches, or what changed of them since `cursor`.
///
/// The set is bounded by `bound`: the whole active catalog when it has at
/// most that many products, else the `bound` most sold (units over the last
/// 30 days), then the most recently sold (last 90 days), then the most
/// recently changed. `full` (the whole set) when the cursor is empty,
/// malformed, in the future, older than 24 h, or more than 1,000 products
/// changed since; otherwise the set's products changed since the cursor
/// (with an overlap of a few seconds) and, in `removed`, changed products
/// that are archived or outside the set. With a till: its code and the last
/// provisional sequence recorded for it (a till of another business, or none
/// at all, is not found).
#[tracing::instrument(skip(tx))]
pub async fn catalog_delta(
    tx: &mut TenantCtx<'_>,
    cursor: &str,
    till_id: Option<Uuid>,
    bound: i64,
) -> Result<CatalogDelta, BillingError> {
    tx.require(Permission::Sell)?;
    let (till_code, last_provisional) = match till_id {
        Some(id) => {
            let row: Option<(i32, Option<i64>)> = sqlx::query_as(
                "SELECT t.code, (SELECT max(b.till_seq) FROM bills b \
                                  WHERE b.till_id = t.id AND b.till_seq IS NOT NULL) \
                 FROM tills t WHERE t.id = $1",
            )
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
            let (code, last) = row.ok_or(BillingError::NotFound("Till"))?;
            (
                Some(crate::domain::shifts::tills::till_code(code)),
                last.unwrap_or(0),
            )
        }
        None => (None, 0),
    };
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()").fetch_one(tx.conn()).await?;
    let since = parse_cursor(cursor)
        .filter(|at| *at <= now && now - *at <= chrono::Duration::hours(CURSOR_MAX_AGE_HOURS))
        .map(|at| at - chrono::Duration::seconds(CURSOR_OVERLAP_SECS));
    let changed: Option<Vec<ItemRow>> = match since {
        None => None,
        Some(since) => {
            let rows: Vec<ItemRow> = sqlx::query_as(&format!(
                "SELECT {ITEM_COLUMNS} WHERE p.updated_at > $1 ORDER BY p.updated_at, p.id LIMIT $2"
            ))
            .bind(since)
            .bind(MAX_DELTA_ROWS + 1)
            .fetch_all(tx.conn())
            .await?;
            (rows.len() as i64 <= MAX_DELTA_ROWS).then_some(rows)
        }
    };
    let cursor = make_cursor(now);
    // A refresh with nothing changed needs no set: the usual call stays cheap
    // at any catalog size (docs/performance.md, "The offline till's sync").
    let set = match &changed {
        Some(rows) if rows.is_empty() => None,
        _ => bounded_set(tx, bound).await?,
    };
    let Some(changed) = changed else {
        let products = match &set {
            None => active_catalog(tx).await?,
            Some(ids) => {
                let rows: Vec<ItemRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_COLUMNS} WHERE p.id = ANY($1) ORDER BY p.name, p.id"
                ))
                .bind(ids)
                .fetch_all(tx.conn())
                .await?;
                rows.into_iter().map(item).collect()
            }
        };
        return Ok(CatalogDelta {
            cursor,
            full: true,
            products,
            removed: Vec::new(),
            till_code,
            last_provisional,
        });
    };
    let in_set: Option<std::collections::HashSet<Uuid>> = set.map(|ids| ids.into_iter().collect());
    let mut products = Vec::new();
    let mut removed = Vec::new();
    for row in changed {
        let keep = row.7 && in_set.as_ref().is_none_or(|s| s.contains(&row.0));
        if keep {
            products.push(item(row));
        } else {
            removed.push(row.0);
        }
    }
    Ok(CatalogDelta {
        cursor,
        full: false,
        products,
        removed,
        till_code,
        last_provisional,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_numbers_are_a_till_code_and_a_sequence() {
        assert_eq!(parse_provisional("T2-000123"), Some((2, 123)));
        assert_eq!(parse_provisional("T10-1"), Some((10, 1)));
        for bad in [
            "", "T2", "2-1", "T-1", "T2-", "T2-0", "t2-1", "T2-1a", "T2--1", "T+2-1", "T2-+1",
        ] {
            assert_eq!(parse_provisional(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursors_read_back_and_junk_is_none() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(parse_cursor(&make_cursor(at)), Some(at));
        for bad in ["", "x", "1:", "1:abc", "2:5"] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }
}

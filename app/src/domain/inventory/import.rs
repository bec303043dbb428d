//! CSV import of products (with stock), all or nothing.
//!
//! The file is parsed and every row checked first; then the rows are applied in
//! one transaction (the dry run applies them too and rolls back, so it reports
//! exactly what the real run would do). Rows upsert by SKU: new SKUs are created
//! with an opening movement, known SKUs are updated, and a `stock` value that
//! differs from on hand becomes a `count` movement (the ledger always explains
//! the change).
use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{
    catalog::{self, ProductInput},
    lookups, stock, InventoryError, MAX_QUANTITY,
};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        csv_cells,
        permissions::Permission,
    },
    model::{ImportIssue, ImportReport},
    pricing::parse_amount,
    tenancy::TenantCtx,
};

/// Largest file accepted (the server also limits request bodies).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_IMPORT_ROWS: usize = 100_000;

pub const COLUMNS: &[&str] = &[
    "sku",
    "name",
    "sale_price",
    "cost_price",
    "barcode",
    "description",
    "category",
    "supplier",
    "unit",
    "reorder_level",
    "stock",
    "active",
];
const REQUIRED: &[&str] = &["sku", "name", "sale_price"];

/// A checked row, ready to apply.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub input: ProductInput,
    pub category: Option<String>,
    pub supplier: Option<String>,
    pub stock: Option<i64>,
    /// `false` for an archived product (the export's `active` column).
    pub active: bool,
}

fn issue(line: u64, column: Option<&str>, message: impl Into<String>) -> ImportIssue {
    ImportIssue {
        line,
        column: column.map(str::to_owned),
        message: message.into(),
    }
}

/// Parses and checks the whole file. Either every row is good, or the list of
/// every problem found (up to 200), each with its line and column.
pub fn parse(text: &str, decimals: u32) -> Result<Vec<ImportRow>, Vec<ImportIssue>> {
    if text.trim().is_empty() {
        return Err(vec![issue(0, None, "The file is empty.")]);
    }
    if text.len() > MAX_IMPORT_BYTES {
        return Err(vec![issue(
            0,
            None,
            "The file is larger than 10 MB. Split it into smaller files.",
        )]);
    }
    if text.contains('\0') {
        return Err(vec![issue(0, None, "This is not a CSV text file.")]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect(),
        Err(e) => {
            return Err(vec![issue(
                1,
                None,
                format!("The header line is not valid CSV: {e}"),
            )])
        }
    };
    let mut problems = Vec::new();
    let unknown: Vec<&str> = headers
        .iter()
        .map(String::as_str)
        .filter(|h| !COLUMNS.contains(h))
        .collect();
    if !unknown.is_empty() {
        problems.push(issue(
            1,
            None,
            format!(
                "Unknown columns: {}. Expected columns: {}.",
                unknown.join(", "),
                COLUMNS.join(", ")
            ),
        ));
    }
    for required in REQUIRED {
        if !headers.iter().any(|h| h == required) {
            problems.push(issue(
                1,
                Some(required),
                format!("The required column '{required}' is missing."),
            ));
        }
    }
    let mut seen_header = HashSet::new();
    for h in &headers {
        if !seen_header.insert(h) {
            problems.push(issue(1, Some(h), format!("The column '{h}' appears twice.")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut skus: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(issue(line, None, format!("Not valid CSV here: {e}")));
                if problems.len() >= 200 {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if rows.len() + problems.len() >= MAX_IMPORT_ROWS {
            problems.push(issue(
                line,
                None,
                format!("More than {MAX_IMPORT_ROWS} rows. Split the file."),
            ));
            break;
        }
        // Cells the export guarded against spreadsheet formulas come back as
        // they were (see csv_cells): export → import round-trips.
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(csv_cells::unguard)
                .unwrap_or("")
                .to_owned()
        };
        let mut row_ok = true;
        let mut bad = |column: &str, message: String| {
            problems.push(issue(line, Some(column), message));
            row_ok = false;
        };
        let price = |column: &str, bad: &mut dyn FnMut(&str, String)| -> i64 {
            let text = get(column);
            if text.is_empty() {
                return 0;
            }
            parse_amount(&text, decimals).unwrap_or_else(|e| {
                bad(column, e.to_string());
                0
            })
        };
        let sale_price = if get("sale_price").is_empty() {
            bad("sale_price", "Enter a price.".into());
            0
        } else {
            price("sale_price", &mut bad)
        };
        let cost_price = price("cost_price", &mut bad);
        let whole = |column: &str, max: i64, bad: &mut dyn FnMut(&str, String)| -> Option<i64> {
            let text = get(column);
            if text.is_empty() {
                return None;
            }
            match text.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => Some(n),
                _ => {
                    bad(column, format!("Enter a whole number from 0 to {max}."));
                    None
                }
            }
        };
        let reorder_level = whole("reorder_level", 1_000_000_000, &mut bad).unwrap_or(0);
        let stock = whole("stock", MAX_QUANTITY, &mut bad);
        let active = match get("active").to_lowercase().as_str() {
            "" | "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => {
                bad("active", "Enter true or false.".into());
                true
            }
        };
        let input = ProductInput {
            sku: get("sku"),
            barcode: Some(get("barcode")),
            name: get("name"),
            description: get("description"),
            category_id: None,
            supplier_id: None,
            tax_rate_id: None,
            unit: get("unit"),
            sale_price,
            cost_price,
            reorder_level,
        };
        let input = match input.validated() {
            Ok(input) => Some(input),
            Err(e) => {
                let message = e.to_string();
                let column = message
                    .split(':')
                    .next()
                    .map(|field| field.trim().to_lowercase().replace(' ', "_"));
                bad(column.as_deref().unwrap_or("row"), message);
                None
            }
        };
        let name_of = |column: &str, max: usize, bad: &mut dyn FnMut(&str, String)| -> Option<String> {
            let text = get(column);
            if text.is_empty() {
                return None;
            }
            if text.chars().count() > max {
                bad(column, format!("At most {max} characters."));
                return None;
            }
            Some(text)
        };
        let category = name_of("category", 80, &mut bad);
        let supplier = name_of("supplier", 120, &mut bad);
        if let Some(input) = input {
            if let Some(first) = skus.insert(input.sku.to_lowercase(), line) {
                bad(
                    "sku",
                    format!("The SKU {} also appears on line {first}.", input.sku),
                );
            }
            if row_ok {
                rows.push(ImportRow {
                    line,
                    input,
                    category,
                    supplier,
                    stock,
                    active,
                });
            }
        }
        if problems.len() >= 200 {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![issue(0, None, "The file has a header but no rows.")]);
    }
    Ok(rows)
}

/// Applies checked rows in the caller's transaction, reporting progress as it
/// goes. On the first failing row it stops and returns that row's issue; the
/// caller rolls back.
pub async fn apply(
    tx: &mut TenantCtx<'_>,
    rows: &[ImportRow],
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportFailure> {
    let actor = &tx.actor();
    actor
        .require(Permission::ImportCatalog)
        .map_err(|e| ImportFailure::Refused(e.into()))?;
    let mut report = ImportReport {
        rows: rows.len() as u64,
        ..Default::default()
    };
    // One live event for the whole import (at the end), not one per row.
    tx.hold_events(true);
    let mut categories: HashMap<String, Uuid> = lookups::list_categories(tx, false)
        .await
        .map_err(ImportFailure::Refused)?
        .into_iter()
        .map(|c| (c.name.to_lowercase(), c.id))
        .collect();
    let mut suppliers: HashMap<String, Uuid> = lookups::list_suppliers(tx, false)
        .await
        .map_err(ImportFailure::Refused)?
        .into_iter()
        .map(|s| (s.name.to_lowercase(), s.id))
        .collect();
    let default_tax: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM tax_rates WHERE is_default AND is_active")
            .fetch_optional(tx.conn())
            .await
            .map_err(|e| ImportFailure::Refused(e.into()))?;
    let reference = stock::Reference {
        kind: Some("import"),
        id: None,
    };
    for (i, row) in rows.iter().enumerate() {
        let at = |e: InventoryError| ImportFailure::Row(row_issue(row.line, e));
        // Archived products (an export lists them with active = false) are
        // history: left as they are, never created, updated or restored. The
        // import never archives either; that is the product page's job.
        if !row.active {
            let is_active: Option<bool> = sqlx::query_scalar("SELECT is_active FROM products WHERE sku = $1")
                .bind(&row.input.sku)
                .fetch_optional(tx.conn())
                .await
                .map_err(|e| at(e.into()))?;
            if is_active == Some(true) {
                return Err(ImportFailure::Row(issue(
                    row.line,
                    Some("active"),
                    format!(
                        "The SKU {} is on sale; an import does not archive products. Archive it on its page, \
                         or set active to true.",
                        row.input.sku
                    ),
                )));
            }
            report.skipped_archived += 1;
            progress(i as u64 + 1);
            continue;
        }
        let mut input = row.input.clone();
        if let Some(name) = &row.category {
            input.category_id = Some(match categories.get(&name.to_lowercase()) {
                Some(id) => *id,
                None => {
                    let id = lookups::save_category(tx, None, name).await.map_err(at)?;
                    categories.insert(name.to_lowercase(), id);
                    report.categories_created += 1;
                    id
                }
            });
        }
        if let Some(name) = &row.supplier {
            input.supplier_id = Some(match suppliers.get(&name.to_lowercase()) {
                Some(id) => *id,
                None => {
                    let id = lookups::save_supplier(tx, None, name, "", "").await.map_err(at)?;
                    suppliers.insert(name.to_lowercase(), id);
                    report.suppliers_created += 1;
                    id
                }
            });
        }
        let existing: Option<(Uuid, bool, i64, Option<Uuid>)> =
            sqlx::query_as("SELECT id, is_active, on_hand, tax_rate_id FROM products WHERE sku = $1")
                .bind(&input.sku)
                .fetch_optional(tx.conn())
                .await
                .map_err(|e| at(e.into()))?;
        match existing {
            None => {
                input.tax_rate_id = default_tax;
                catalog::create_product(tx, input, row.stock.unwrap_or(0), &reference)
                    .await
                    .map_err(at)?;
                report.created += 1;
            }
            Some((_, false, _, _)) => {
                return Err(ImportFailure::Row(issue(
                    row.line,
                    Some("sku"),
                    format!(
                        "The SKU {} belongs to an archived product. Restore it first.",
                        input.sku
                    ),
                )));
            }
            Some((id, true, on_hand, tax_rate_id)) => {
                input.tax_rate_id = tax_rate_id;
                catalog::update_product(tx, id, input).await.map_err(at)?;
                report.updated += 1;
                if let Some(target) = row.stock.filter(|s| *s != on_hand) {
                    stock::count(tx, id, target).await.map_err(at)?;
                    report.stock_changes += 1;
                }
            }
        }
        progress(i as u64 + 1);
    }
    audit::record(
        tx,
        AuditEntry::new("catalog.imported", "catalog").after(serde_json::json!({
            "rows": report.rows, "created": report.created, "updated": report.updated,
            "stock_changes": report.stock_changes,
        })),
    )
    .await
    .map_err(|e| ImportFailure::Refused(e.into()))?;
    tx.hold_events(false);
    crate::domain::billing::finalize::announce(
        tx,
        serde_json::json!({ "kind": "refresh", "cause": "import" }),
    )
    .await
    .map_err(|e| ImportFailure::Refused(e.into()))?;
    Ok(report)
}

/// Why an import stopped.
#[derive(Debug)]
pub enum ImportFailure {
    /// A row could not be applied (the whole import is rolled back).
    Row(ImportIssue),
    /// Not allowed, or the database failed.
    Refused(InventoryError),
}

fn row_issue(line: u64, e: InventoryError) -> ImportIssue {
    let column = match &e {
        InventoryError::SkuTaken(_) => Some("sku"),
        InventoryError::BarcodeTaken(_) => Some("barcode"),
        InventoryError::NameTaken(_) => Some("category"),
        _ => None,
    };
    if let InventoryError::Db(error) = &e {
        tracing::error!(%error, line, "import row failed");
        return issue(line, None, "This row could not be saved.");
    }
    issue(line, column, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_file_parses_with_optional_columns() {
        let rows = parse(
            "sku,name,sale_price,stock,category\nA-1,Tea,2.50,10,Drinks\nA-2,Coffee,3,,\n",
            2,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].input.sale_price, 250);
        assert_eq!(rows[0].stock, Some(10));
        assert_eq!(rows[0].category.as_deref(), Some("Drinks"));
        assert_eq!(rows[1].stock, None);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn problems_name_line_and_column() {
        let errs = parse(
            "sku,name,sale_price\nA-1,Tea,abc\nA-1,Tea again,1\n,Nameless,1\n",
            2,
        )
        .unwrap_err();
        let found: Vec<(u64, Option<&str>)> = errs.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert!(found.contains(&(2, Some("sale_price"))), "{errs:?}");
        assert!(found.contains(&(3, Some("sku"))), "duplicate SKU: {errs:?}");
        assert!(found.contains(&(4, Some("sku"))), "missing SKU: {errs:?}");
    }

    #[test]
    fn wrong_columns_and_junk_are_refused() {
        assert!(parse("", 2).unwrap_err()[0].message.contains("empty"));
        assert!(parse("sku,title,price\nA,B,1\n", 2).unwrap_err()[0]
            .message
            .contains("Unknown columns"));
        assert!(parse("sku,name\nA,B\n", 2)
            .unwrap_err()
            .iter()
            .any(|e| e.column.as_deref() == Some("sale_price")));
        assert!(parse("\u{0}\u{1}binary", 2).unwrap_err()[0]
            .message
            .contains("not a CSV"));
        let ragged = parse("sku,name,sale_price\nA,B\n", 2).unwrap_err();
        assert_eq!(ragged[0].line, 2, "{ragged:?}");
        assert!(parse("sku,name,sale_price\n", 2).unwrap_err()[0]
            .message
            .contains("no rows"));
        let negative = parse("sku,name,sale_price,stock\nA,B,-1,-5\n", 2).unwrap_err();
        assert_eq!(negative.len(), 2, "{negative:?}");
    }
}

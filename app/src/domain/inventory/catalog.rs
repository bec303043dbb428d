//! Products: create, update, archive/restore, find.
use serde_json::json;
use uuid::Uuid;

use super::{constraint_of, stock, InventoryError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        permissions::Permission,
    },
    model::{LowStockItem, ProductPage, ProductQuery, ProductSort, ProductView, StockFilter},
    pricing::MAX_AMOUNT_MINOR,
    tenancy::{TenantCtx, TenantTx},
};

/// What a person types into the product form (prices already in minor units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    pub sku: String,
    pub barcode: Option<String>,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub tax_rate_id: Option<Uuid>,
    pub unit: String,
    pub sale_price: i64,
    pub cost_price: i64,
    pub reorder_level: i64,
}

impl ProductInput {
    /// Trims and checks every field; the message names the field to fix.
    pub fn validated(mut self) -> Result<ProductInput, InventoryError> {
        self.sku = self.sku.trim().to_owned();
        if self.sku.is_empty() {
            return Err(InventoryError::invalid("SKU: enter a SKU."));
        }
        if self.sku.len() > 64
            || !self.sku.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            || !self
                .sku
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        {
            return Err(InventoryError::invalid(
                "SKU: use up to 64 letters, digits, dots, slashes, dashes or underscores, starting with a letter or digit.",
            ));
        }
        self.barcode = self
            .barcode
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty());
        if let Some(b) = &self.barcode {
            if !(4..=64).contains(&b.len()) || !b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(InventoryError::invalid(
                    "Barcode: use 4 to 64 letters, digits or dashes.",
                ));
            }
        }
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(InventoryError::invalid("Name: enter a name."));
        }
        if self.name.chars().count() > 200 {
            return Err(InventoryError::invalid("Name: at most 200 characters."));
        }
        self.description = self.description.trim().to_owned();
        if self.description.chars().count() > 4000 {
            return Err(InventoryError::invalid("Description: at most 4000 characters."));
        }
        self.unit = self.unit.trim().to_owned();
        if self.unit.is_empty() {
            self.unit = "each".into();
        }
        if self.unit.chars().count() > 20 {
            return Err(InventoryError::invalid("Unit: at most 20 characters."));
        }
        for (label, value) in [("Sale price", self.sale_price), ("Cost price", self.cost_price)] {
            if value < 0 {
                return Err(InventoryError::invalid(format!("{label}: cannot be negative.")));
            }
            if value > MAX_AMOUNT_MINOR {
                return Err(InventoryError::invalid(format!("{label}: too large.")));
            }
        }
        if !(0..=1_000_000_000).contains(&self.reorder_level) {
            return Err(InventoryError::invalid(
                "Reorder level: between 0 and 1,000,000,000.",
            ));
        }
        Ok(self)
    }
}

const PRODUCT_COLUMNS: &str =
    "p.id, p.sku, p.barcode, p.name, p.description, p.category_id, c.name AS category, \
     p.supplier_id, s.name AS supplier, p.tax_rate_id, p.unit, p.sale_price, p.cost_price, p.reorder_level, \
     p.on_hand, p.is_active";
const PRODUCT_FROM: &str =
    "products p LEFT JOIN categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id \
     LEFT JOIN suppliers s ON s.tenant_id = p.tenant_id AND s.id = p.supplier_id";

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Uuid,
    sku: String,
    barcode: Option<String>,
    name: String,
    description: String,
    category_id: Option<Uuid>,
    category: Option<String>,
    supplier_id: Option<Uuid>,
    supplier: Option<String>,
    tax_rate_id: Option<Uuid>,
    unit: String,
    sale_price: i64,
    cost_price: i64,
    reorder_level: i64,
    on_hand: i64,
    is_active: bool,
}

impl From<ProductRow> for ProductView {
    fn from(r: ProductRow) -> Self {
        ProductView {
            id: r.id,
            sku: r.sku,
            barcode: r.barcode,
            name: r.name,
            description: r.description,
            category_id: r.category_id,
            category: r.category,
            supplier_id: r.supplier_id,
            supplier: r.supplier,
            tax_rate_id: r.tax_rate_id,
            unit: r.unit,
            sale_price: r.sale_price,
            cost_price: r.cost_price,
            reorder_level: r.reorder_level,
            on_hand: r.on_hand,
            is_active: r.is_active,
        }
    }
}

/// Maps the product table's named constraints to what the person can fix.
fn product_conflict(e: sqlx::Error, input: &ProductInput) -> InventoryError {
    match constraint_of(&e) {
        Some("products_tenant_sku_key") => InventoryError::SkuTaken(input.sku.clone()),
        Some("products_tenant_barcode_key") => {
            InventoryError::BarcodeTaken(input.barcode.clone().unwrap_or_default())
        }
        Some(c) if c.ends_with("_fkey") => {
            InventoryError::invalid("The chosen category, supplier or tax rate does not exist.")
        }
        _ => InventoryError::Db(e),
    }
}

/// Category, supplier and tax rate must be active rows of this tenant.
async fn check_references(tx: &mut TenantTx, input: &ProductInput) -> Result<(), InventoryError> {
    for (table, id, label) in [
        ("categories", input.category_id, "category"),
        ("suppliers", input.supplier_id, "supplier"),
        ("tax_rates", input.tax_rate_id, "tax rate"),
    ] {
        let Some(id) = id else { continue };
        let ok: bool = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1 AND is_active)"
        ))
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
        if !ok {
            return Err(InventoryError::invalid(format!(
                "The chosen {label} does not exist."
            )));
        }
    }
    Ok(())
}

/// Creates a product with its opening stock (an `initial` movement, even of 0).
pub async fn create_product(
    tx: &mut TenantCtx<'_>,
    input: ProductInput,
    initial_stock: i64,
    reference: &stock::Reference,
) -> Result<ProductView, InventoryError> {
    tx.require(Permission::EditCatalog)?;
    let input = input.validated()?;
    if !(0..=super::MAX_QUANTITY).contains(&initial_stock) {
        return Err(InventoryError::invalid(format!(
            "Opening stock: between 0 and {}.",
            super::MAX_QUANTITY
        )));
    }
    check_references(tx, &input).await?;
    let id = Uuid::now_v7();
    let tenant_id = tx.tenant_id();
    sqlx::query(
        "INSERT INTO products (tenant_id, id, sku, barcode, name, description, category_id, supplier_id, tax_rate_id, \
           unit, sale_price, cost_price, reorder_level, on_hand) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(&input.sku)
    .bind(&input.barcode)
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.category_id)
    .bind(input.supplier_id)
    .bind(input.tax_rate_id)
    .bind(&input.unit)
    .bind(input.sale_price)
    .bind(input.cost_price)
    .bind(input.reorder_level)
    .bind(initial_stock)
    .execute(tx.conn())
    .await
    .map_err(|e| product_conflict(e, &input))?;
    stock::initial(tx, id, initial_stock, reference).await?;
    audit::record(
        tx,
        AuditEntry::new("product.created", "product")
            .entity_id(id)
            .after(json!({ "sku": input.sku, "name": input.name, "on_hand": initial_stock })),
    )
    .await?;
    announce_product(tx, id);
    get_product(tx, id).await
}

/// Tells the tenant's open tills and lists that a product's details changed
/// (created, edited, archived or restored), once the transaction has
/// committed: they reload what they show.
fn announce_product(tx: &mut TenantCtx<'_>, id: Uuid) {
    tx.announce_after_commit(json!({ "kind": "product", "product_id": id }));
}

/// Updates a product's details. Stock is never changed here (only movements do).
pub async fn update_product(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    input: ProductInput,
) -> Result<ProductView, InventoryError> {
    tx.require(Permission::EditCatalog)?;
    let input = input.validated()?;
    let before = get_product(tx, id).await?;
    check_references(tx, &input).await?;
    let updated = sqlx::query(
        "UPDATE products SET sku = $2, barcode = $3, name = $4, description = $5, category_id = $6, \
           supplier_id = $7, tax_rate_id = $8, unit = $9, sale_price = $10, cost_price = $11, \
           reorder_level = $12, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&input.sku)
    .bind(&input.barcode)
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.category_id)
    .bind(input.supplier_id)
    .bind(input.tax_rate_id)
    .bind(&input.unit)
    .bind(input.sale_price)
    .bind(input.cost_price)
    .bind(input.reorder_level)
    .execute(tx.conn())
    .await
    .map_err(|e| product_conflict(e, &input))?
    .rows_affected();
    if updated == 0 {
        return Err(InventoryError::NotFound("Product"));
    }
    let after = get_product(tx, id).await?;
    audit::record(
        tx,
        AuditEntry::new("product.updated", "product")
            .entity_id(id)
            .before(product_json(&before))
            .after(product_json(&after)),
    )
    .await?;
    announce_product(tx, id);
    Ok(after)
}

fn product_json(p: &ProductView) -> serde_json::Value {
    json!({
        "sku": p.sku, "barcode": p.barcode, "name": p.name, "unit": p.unit,
        "sale_price": p.sale_price, "cost_price": p.cost_price, "reorder_level": p.reorder_level,
        "category_id": p.category_id, "supplier_id": p.supplier_id, "tax_rate_id": p.tax_rate_id,
    })
}

/// Archives (soft-deletes) or restores a product (admins and owners). Its
/// history stays; restoring fails plainly if its barcode was reused meanwhile.
pub async fn set_product_active(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    active: bool,
) -> Result<ProductView, InventoryError> {
    tx.require(Permission::ArchiveCatalog)?;
    let before = get_product(tx, id).await?;
    sqlx::query("UPDATE products SET is_active = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(tx.conn())
        .await
        .map_err(|e| match constraint_of(&e) {
            Some("products_tenant_barcode_key") => {
                InventoryError::BarcodeTaken(before.barcode.clone().unwrap_or_default())
            }
            _ => InventoryError::Db(e),
        })?;
    let action = if active {
        "product.restored"
    } else {
        "product.archived"
    };
    audit::record(tx, AuditEntry::new(action, "product").entity_id(id)).await?;
    announce_product(tx, id);
    get_product(tx, id).await
}

pub async fn get_product(tx: &mut TenantTx, id: Uuid) -> Result<ProductView, InventoryError> {
    let row: Option<ProductRow> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_FROM} WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(ProductView::from)
        .ok_or(InventoryError::NotFound("Product"))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// [`list_products`] for a member browsing the catalog (everyone in the
/// business, by the role table): the permission is checked here, so the
/// catalog page and `products/list` cannot drift from it.
pub async fn browse_products(
    tx: &mut TenantCtx<'_>,
    query: &ProductQuery,
) -> Result<ProductPage, InventoryError> {
    tx.require(Permission::ViewCatalog)?;
    list_products(tx, query).await
}

/// Lists products: search by name (anywhere), SKU (prefix) or barcode (exact),
/// filters, sort and pages. Row-level security limits it to the tenant.
pub async fn list_products(tx: &mut TenantTx, query: &ProductQuery) -> Result<ProductPage, InventoryError> {
    // 0 (unset) means the default page of 50; at most 100.
    let page_size = if query.page_size == 0 {
        50
    } else {
        query.page_size.min(100)
    };
    let page = query.page.max(1);
    let search = query.search.trim().to_lowercase();
    if search.chars().count() > 100 {
        return Err(InventoryError::invalid("Search: at most 100 characters."));
    }
    // Conditions read only columns of the products_tenant_search index, so both
    // statements are index-only scans of this tenant's entries (see 0003).
    let mut filter = String::from("p.is_active = $1");
    if !search.is_empty() {
        filter.push_str(
            " AND (p.name_search LIKE '%' || $2 || '%' OR p.sku_search LIKE $2 || '%' OR p.barcode = $3)",
        );
    }
    if query.category_id.is_some() {
        filter.push_str(" AND p.category_id = $4");
    }
    if query.supplier_id.is_some() {
        filter.push_str(" AND p.supplier_id = $5");
    }
    match query.stock {
        StockFilter::All => {}
        StockFilter::Low => filter.push_str(" AND p.on_hand > 0 AND p.on_hand <= p.reorder_level"),
        StockFilter::Out => filter.push_str(" AND p.on_hand = 0"),
    }
    let order = match query.sort {
        ProductSort::Name => "p.name_search, p.id",
        ProductSort::Sku => "p.sku, p.id",
        ProductSort::OnHand => "p.on_hand, p.name_search, p.id",
        ProductSort::Updated => "p.updated_at DESC, p.id",
    };
    let pattern = like_escape(&search);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM products p WHERE {filter}"))
        .bind(!query.archived)
        .bind(&pattern)
        .bind(query.search.trim())
        .bind(query.category_id)
        .bind(query.supplier_id)
        .fetch_one(tx.conn())
        .await?;
    // Pick the page's ids first (index-only), then read those few rows whole.
    let rows: Vec<ProductRow> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM \
           (SELECT p.id FROM products p WHERE {filter} ORDER BY {order} LIMIT $6 OFFSET $7) page \
         JOIN ({PRODUCT_FROM}) ON p.id = page.id ORDER BY {order}"
    ))
    .bind(!query.archived)
    .bind(&pattern)
    .bind(query.search.trim())
    .bind(query.category_id)
    .bind(query.supplier_id)
    .bind(page_size as i64)
    .bind((page as i64 - 1) * page_size as i64)
    .fetch_all(tx.conn())
    .await?;
    Ok(ProductPage {
        items: rows.into_iter().map(ProductView::from).collect(),
        total,
        page,
        page_size,
        // Filled in by the endpoint, which has the tenant's settings.
        currency: String::new(),
    })
}

/// Active products at or below their reorder level, with what to order to get
/// back to twice the level.
pub async fn low_stock(tx: &mut TenantTx) -> Result<Vec<LowStockItem>, InventoryError> {
    let rows: Vec<ProductRow> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_FROM} \
         WHERE p.is_active AND p.on_hand <= p.reorder_level AND p.reorder_level > 0 \
         ORDER BY p.on_hand - p.reorder_level, lower(p.name) LIMIT 1000"
    ))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(ProductView::from)
        .map(|product| LowStockItem {
            suggested_reorder: (product.reorder_level * 2 - product.on_hand).max(1),
            product,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            sku: " ABC-1 ".into(),
            name: " Tea ".into(),
            sale_price: 250,
            ..Default::default()
        }
    }

    #[test]
    fn validation_trims_and_defaults() {
        let v = input().validated().unwrap();
        assert_eq!(v.sku, "ABC-1");
        assert_eq!(v.name, "Tea");
        assert_eq!(v.unit, "each");
        assert_eq!(v.barcode, None);
    }

    #[test]
    fn validation_names_the_field() {
        let cases = [
            (
                ProductInput {
                    sku: "".into(),
                    ..input()
                },
                "SKU",
            ),
            (
                ProductInput {
                    sku: "-x".into(),
                    ..input()
                },
                "SKU",
            ),
            (
                ProductInput {
                    sku: "a b".into(),
                    ..input()
                },
                "SKU",
            ),
            (
                ProductInput {
                    name: "  ".into(),
                    ..input()
                },
                "Name",
            ),
            (
                ProductInput {
                    name: "x".repeat(201),
                    ..input()
                },
                "Name",
            ),
            (
                ProductInput {
                    barcode: Some("12".into()),
                    ..input()
                },
                "Barcode",
            ),
            (
                ProductInput {
                    sale_price: -1,
                    ..input()
                },
                "Sale price",
            ),
            (
                ProductInput {
                    cost_price: MAX_AMOUNT_MINOR + 1,
                    ..input()
                },
                "Cost price",
            ),
            (
                ProductInput {
                    reorder_level: -5,
                    ..input()
                },
                "Reorder level",
            ),
        ];
        for (case, field) in cases {
            let err = case.clone().validated().unwrap_err().to_string();
            assert!(err.starts_with(field), "{case:?}: {err}");
        }
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}

//! Categories, suppliers and tax rates: the small lists products refer to.
use serde_json::json;
use uuid::Uuid;

use super::{constraint_of, InventoryError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        permissions::Permission,
    },
    model::{CatalogChoices, CategoryView, SupplierView, TaxRateView},
    tenancy::{TenantCtx, TenantTx},
};

fn clean(text: &str, label: &str, max: usize, required: bool) -> Result<String, InventoryError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(InventoryError::invalid(format!("{label}: enter a value.")));
    }
    if text.chars().count() > max {
        return Err(InventoryError::invalid(format!(
            "{label}: at most {max} characters."
        )));
    }
    Ok(text.to_owned())
}

fn name_conflict(e: sqlx::Error, what: &'static str) -> InventoryError {
    match constraint_of(&e) {
        Some(c) if c.ends_with("_tenant_name_key") => InventoryError::NameTaken(what),
        _ => InventoryError::Db(e),
    }
}

pub async fn list_categories(
    tx: &mut TenantTx,
    include_archived: bool,
) -> Result<Vec<CategoryView>, InventoryError> {
    let rows: Vec<(Uuid, String, bool, i64)> = sqlx::query_as(
        "SELECT c.id, c.name, c.is_active, \
           (SELECT count(*) FROM products p WHERE p.category_id = c.id AND p.is_active) \
         FROM categories c WHERE c.is_active OR $1 ORDER BY c.is_active DESC, lower(c.name)",
    )
    .bind(include_archived)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, is_active, products)| CategoryView {
            id,
            name,
            is_active,
            products,
        })
        .collect())
}

/// Creates (id None) or renames a category.
pub async fn save_category(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    name: &str,
) -> Result<Uuid, InventoryError> {
    tx.require(Permission::EditCatalog)?;
    let name = clean(name, "Name", 80, true)?;
    let id = match id {
        None => {
            let id = Uuid::now_v7();
            let tenant_id = tx.tenant_id();
            sqlx::query("INSERT INTO categories (tenant_id, id, name) VALUES ($1, $2, $3)")
                .bind(tenant_id)
                .bind(id)
                .bind(&name)
                .execute(tx.conn())
                .await
                .map_err(|e| name_conflict(e, "category"))?;
            id
        }
        Some(id) => {
            let n = sqlx::query("UPDATE categories SET name = $2 WHERE id = $1")
                .bind(id)
                .bind(&name)
                .execute(tx.conn())
                .await
                .map_err(|e| name_conflict(e, "category"))?
                .rows_affected();
            if n == 0 {
                return Err(InventoryError::NotFound("Category"));
            }
            id
        }
    };
    audit::record(
        tx,
        AuditEntry::new("category.saved", "category")
            .entity_id(id)
            .after(json!({ "name": name })),
    )
    .await?;
    Ok(id)
}

pub async fn list_suppliers(
    tx: &mut TenantTx,
    include_archived: bool,
) -> Result<Vec<SupplierView>, InventoryError> {
    let rows: Vec<(Uuid, String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT s.id, s.name, s.contact, s.notes, s.is_active, \
           (SELECT count(*) FROM products p WHERE p.supplier_id = s.id AND p.is_active) \
         FROM suppliers s WHERE s.is_active OR $1 ORDER BY s.is_active DESC, lower(s.name)",
    )
    .bind(include_archived)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, contact, notes, is_active, products)| SupplierView {
            id,
            name,
            contact,
            notes,
            is_active,
            products,
        })
        .collect())
}

pub async fn save_supplier(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    name: &str,
    contact: &str,
    notes: &str,
) -> Result<Uuid, InventoryError> {
    tx.require(Permission::EditCatalog)?;
    let name = clean(name, "Name", 120, true)?;
    let contact = clean(contact, "Contact", 200, false)?;
    let notes = clean(notes, "Notes", 2000, false)?;
    let id = match id {
        None => {
            let id = Uuid::now_v7();
            let tenant_id = tx.tenant_id();
            sqlx::query(
                "INSERT INTO suppliers (tenant_id, id, name, contact, notes) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(&name)
            .bind(&contact)
            .bind(&notes)
            .execute(tx.conn())
            .await
            .map_err(|e| name_conflict(e, "supplier"))?;
            id
        }
        Some(id) => {
            let n = sqlx::query("UPDATE suppliers SET name = $2, contact = $3, notes = $4 WHERE id = $1")
                .bind(id)
                .bind(&name)
                .bind(&contact)
                .bind(&notes)
                .execute(tx.conn())
                .await
                .map_err(|e| name_conflict(e, "supplier"))?
                .rows_affected();
            if n == 0 {
                return Err(InventoryError::NotFound("Supplier"));
            }
            id
        }
    };
    audit::record(
        tx,
        AuditEntry::new("supplier.saved", "supplier")
            .entity_id(id)
            .after(json!({ "name": name })),
    )
    .await?;
    Ok(id)
}

pub async fn list_tax_rates(
    tx: &mut TenantTx,
    include_archived: bool,
) -> Result<Vec<TaxRateView>, InventoryError> {
    let rows: Vec<(Uuid, String, i32, bool, bool)> = sqlx::query_as(
        "SELECT id, name, rate_bp, is_default, is_active FROM tax_rates WHERE is_active OR $1 \
         ORDER BY is_active DESC, is_default DESC, rate_bp, lower(name)",
    )
    .bind(include_archived)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, rate_bp, is_default, is_active)| TaxRateView {
            id,
            name,
            rate_bp,
            is_default,
            is_active,
        })
        .collect())
}

/// Creates or updates a tax rate; making one the default unmakes the others.
pub async fn save_tax_rate(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    name: &str,
    rate_bp: i32,
    is_default: bool,
) -> Result<Uuid, InventoryError> {
    tx.require(Permission::EditCatalog)?;
    let name = clean(name, "Name", 80, true)?;
    if !(0..=10000).contains(&rate_bp) {
        return Err(InventoryError::invalid("Rate: between 0 % and 100 %."));
    }
    if is_default {
        sqlx::query("UPDATE tax_rates SET is_default = false WHERE is_default AND id IS DISTINCT FROM $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    let id = match id {
        None => {
            let id = Uuid::now_v7();
            let tenant_id = tx.tenant_id();
            sqlx::query(
                "INSERT INTO tax_rates (tenant_id, id, name, rate_bp, is_default) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(&name)
            .bind(rate_bp)
            .bind(is_default)
            .execute(tx.conn())
            .await
            .map_err(|e| name_conflict(e, "tax rate"))?;
            id
        }
        Some(id) => {
            let n =
                sqlx::query("UPDATE tax_rates SET name = $2, rate_bp = $3, is_default = $4 WHERE id = $1")
                    .bind(id)
                    .bind(&name)
                    .bind(rate_bp)
                    .bind(is_default)
                    .execute(tx.conn())
                    .await
                    .map_err(|e| name_conflict(e, "tax rate"))?
                    .rows_affected();
            if n == 0 {
                return Err(InventoryError::NotFound("Tax rate"));
            }
            id
        }
    };
    audit::record(
        tx,
        AuditEntry::new("tax_rate.saved", "tax_rate")
            .entity_id(id)
            .after(json!({ "name": name, "rate_bp": rate_bp, "is_default": is_default })),
    )
    .await?;
    Ok(id)
}

/// Which list an archive/restore applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Category,
    Supplier,
    TaxRate,
}

impl Lookup {
    fn table(self) -> &'static str {
        match self {
            Lookup::Category => "categories",
            Lookup::Supplier => "suppliers",
            Lookup::TaxRate => "tax_rates",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Lookup::Category => "Category",
            Lookup::Supplier => "Supplier",
            Lookup::TaxRate => "Tax rate",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Lookup::Category => "category",
            Lookup::Supplier => "supplier",
            Lookup::TaxRate => "tax_rate",
        }
    }
}

/// Archives or restores a category, supplier or tax rate (admins and owners).
pub async fn set_lookup_active(
    tx: &mut TenantCtx<'_>,
    lookup: Lookup,
    id: Uuid,
    active: bool,
) -> Result<(), InventoryError> {
    tx.require(Permission::ArchiveCatalog)?;
    let extra = if lookup == Lookup::TaxRate && !active {
        ", is_default = false"
    } else {
        ""
    };
    let n = sqlx::query(&format!(
        "UPDATE {} SET is_active = $2{extra} WHERE id = $1",
        lookup.table()
    ))
    .bind(id)
    .bind(active)
    .execute(tx.conn())
    .await
    .map_err(|e| name_conflict(e, "row"))?
    .rows_affected();
    if n == 0 {
        return Err(InventoryError::NotFound(lookup.label()));
    }
    let action = format!(
        "{}.{}",
        lookup.entity(),
        if active { "restored" } else { "archived" }
    );
    audit::record(tx, AuditEntry::new(&action, lookup.entity()).entity_id(id)).await?;
    Ok(())
}

/// Everything a product form offers to choose from (active rows only).
pub async fn choices(tx: &mut TenantTx) -> Result<CatalogChoices, InventoryError> {
    Ok(CatalogChoices {
        categories: list_categories(tx, false).await?,
        suppliers: list_suppliers(tx, false).await?,
        tax_rates: list_tax_rates(tx, false).await?,
    })
}

//! Customers: who a bill was for. Anyone at the till may add one; archiving is
//! for admins and owners, and keeps the customer's bills.
use serde_json::json;
use uuid::Uuid;

use super::BillingError;
use crate::{
    domain::audit::{self, AuditEntry},
    model::{CustomerOption, CustomerView},
    permissions::Permission,
    tenancy::{TenantCtx, TenantTx},
};

#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub tax_id: String,
    pub notes: String,
}

fn field(value: &str, label: &str, max: usize) -> Result<String, BillingError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(BillingError::invalid(format!(
            "{label}: at most {max} characters."
        )));
    }
    Ok(value.to_owned())
}

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: Uuid,
    name: String,
    phone: String,
    email: String,
    tax_id: String,
    notes: String,
    is_active: bool,
    bills: i64,
    spent: i64,
}

impl CustomerRow {
    fn into_view(self) -> CustomerView {
        CustomerView {
            id: self.id,
            name: self.name,
            phone: self.phone,
            email: self.email,
            tax_id: self.tax_id,
            notes: self.notes,
            is_active: self.is_active,
            bills: self.bills,
            spent: self.spent,
        }
    }
}

/// One customer, archived or not, with what they have bought.
pub async fn get_customer(tx: &mut TenantTx, id: Uuid) -> Result<CustomerView, BillingError> {
    let row: Option<CustomerRow> = sqlx::query_as(
        "SELECT c.id, c.name, c.phone, c.email, c.tax_id, c.notes, c.is_active, \
                count(b.id) AS bills, coalesce(sum(b.total), 0)::bigint AS spent \
         FROM customers c LEFT JOIN bills b ON b.tenant_id = c.tenant_id AND b.customer_id = c.id AND b.status = 'finalized' \
         WHERE c.id = $1 GROUP BY c.tenant_id, c.id",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(CustomerRow::into_view)
        .ok_or(BillingError::NotFound("Customer"))
}

pub async fn list_customers(
    tx: &mut TenantTx,
    search: &str,
    archived: bool,
) -> Result<Vec<CustomerView>, BillingError> {
    let search = search
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let rows: Vec<CustomerRow> = sqlx::query_as(
        "SELECT c.id, c.name, c.phone, c.email, c.tax_id, c.notes, c.is_active, \
                count(b.id) AS bills, coalesce(sum(b.total), 0)::bigint AS spent \
         FROM customers c LEFT JOIN bills b ON b.tenant_id = c.tenant_id AND b.customer_id = c.id AND b.status = 'finalized' \
         WHERE c.is_active <> $1 AND ($2 = '' OR lower(c.name) LIKE '%' || $2 || '%' OR c.phone LIKE '%' || $2 || '%' \
                                    OR lower(c.email) LIKE '%' || $2 || '%') \
         GROUP BY c.tenant_id, c.id ORDER BY lower(c.name) LIMIT 500",
    )
    .bind(archived)
    .bind(&search)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(CustomerRow::into_view).collect())
}

/// Most customers one picker keystroke returns.
pub const SEARCH_MAX_LIMIT: u32 = 20;
/// Customers a keystroke returns when the caller does not say.
pub const SEARCH_DEFAULT_LIMIT: u32 = 8;

/// The picker's query: `$1`..`$2` the range of terms starting with the lead
/// word, `$3` the other words, `$4` the limit. Three times the limit of term
/// hits: one customer can match with several terms (name word, email word,
/// whole email) and is kept once.
pub const SEARCH_SQL: &str = "WITH hits AS ( \
             SELECT t.customer_id AS id FROM customer_search_terms t \
             JOIN customers c ON c.tenant_id = t.tenant_id AND c.id = t.customer_id \
             WHERE t.term >= $1 AND t.term < $2 AND c.is_active \
               AND NOT EXISTS (SELECT 1 FROM unnest($3::text[]) w WHERE position(w IN \
                   lower(c.name) || ' ' || lower(c.email) || ' ' || regexp_replace(c.phone, '[^0-9]', '', 'g')) = 0) \
             ORDER BY t.term, t.customer_id LIMIT $4 * 3 \
         ) \
         SELECT c.id, c.name, c.phone, c.email FROM customers c \
         WHERE c.id IN (SELECT id FROM hits) \
         ORDER BY lower(c.name), c.id LIMIT $4";

/// Active customers for the till's picker, by name: the longest word typed
/// drives a range scan over the tenant's search terms (migration 0011: words
/// of the name and email, the whole email, the phone's digits); every other
/// word must appear in the name, the email or the phone's digits. At most
/// `limit` rows, no purchase history (cheap on every keystroke).
pub async fn search_customers(
    tx: &mut TenantCtx<'_>,
    query: &str,
    limit: u32,
) -> Result<Vec<CustomerOption>, BillingError> {
    use crate::domain::inventory::till_search::{TillQuery, TillSearchError};
    tx.actor().require(Permission::Sell)?;
    let q = match TillQuery::parse(query) {
        Ok(Some(q)) => q,
        Ok(None) => return Ok(Vec::new()),
        Err(TillSearchError::TooLong) => {
            return Err(BillingError::invalid(TillSearchError::TooLong.to_string()))
        }
        Err(TillSearchError::Db(e)) => return Err(e.into()),
    };
    let limit = i64::from(if limit == 0 {
        SEARCH_DEFAULT_LIMIT
    } else {
        limit.min(SEARCH_MAX_LIMIT)
    });
    let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(SEARCH_SQL)
        .bind(&q.lead)
        .bind(format!("{}\u{10FFFF}", q.lead))
        .bind(&q.rest)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, phone, email)| CustomerOption {
            id,
            name,
            phone,
            email,
        })
        .collect())
}

/// Creates (id None) or updates a customer.
pub async fn save_customer(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    input: &CustomerInput,
) -> Result<Uuid, BillingError> {
    tx.require(Permission::Sell)?;
    let name = field(&input.name, "Name", 120)?;
    if name.is_empty() {
        return Err(BillingError::invalid("Name: enter a name."));
    }
    let phone = field(&input.phone, "Phone", 40)?;
    let email = field(&input.email, "Email", 254)?;
    if !email.is_empty() && !email.contains('@') {
        return Err(BillingError::invalid(
            "Email: enter a valid address or leave it empty.",
        ));
    }
    let tax_id = field(&input.tax_id, "Tax id", 40)?;
    let notes = field(&input.notes, "Notes", 2000)?;
    let tenant_id = tx.tenant_id();
    let before = match id {
        Some(id) => {
            let c = get_customer(tx, id).await?;
            Some(
                json!({ "name": c.name, "phone": c.phone, "email": c.email, "tax_id": c.tax_id, "notes": c.notes }),
            )
        }
        None => None,
    };
    let id = match id {
        None => {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO customers (tenant_id, id, name, phone, email, tax_id, notes) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(&name)
            .bind(&phone)
            .bind(&email)
            .bind(&tax_id)
            .bind(&notes)
            .execute(tx.conn())
            .await?;
            id
        }
        Some(id) => {
            let n = sqlx::query(
                "UPDATE customers SET name = $2, phone = $3, email = $4, tax_id = $5, notes = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(&name)
            .bind(&phone)
            .bind(&email)
            .bind(&tax_id)
            .bind(&notes)
            .execute(tx.conn())
            .await?
            .rows_affected();
            if n == 0 {
                return Err(BillingError::NotFound("Customer"));
            }
            id
        }
    };
    let mut entry = AuditEntry::new("customer.saved", "customer")
        .entity_id(id)
        .after(json!({ "name": name, "phone": phone, "email": email, "tax_id": tax_id, "notes": notes }));
    if let Some(before) = before {
        entry = entry.before(before);
    }
    audit::record(tx, entry).await?;
    Ok(id)
}

/// Archives or restores a customer (admins and owners).
pub async fn set_customer_active(tx: &mut TenantCtx<'_>, id: Uuid, active: bool) -> Result<(), BillingError> {
    tx.require(Permission::ArchiveCatalog)?;
    let n = sqlx::query("UPDATE customers SET is_active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if n == 0 {
        return Err(BillingError::NotFound("Customer"));
    }
    let action = if active {
        "customer.restored"
    } else {
        "customer.archived"
    };
    audit::record(tx, AuditEntry::new(action, "customer").entity_id(id)).await?;
    Ok(())
}

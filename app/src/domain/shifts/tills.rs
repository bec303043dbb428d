//! Tills: the business's named registers. Anyone who sells sees them (the
//! till page picks one); managers and above create, rename, archive and
//! restore them. A till is never deleted (its shifts point at it).
use serde_json::json;
use uuid::Uuid;

use super::ShiftError;
use crate::{
    domain::{
        audit::{self, AuditEntry},
        db_errors,
    },
    model::{OpenShift, TillView},
    permissions::Permission,
    tenancy::TenantCtx,
};

type TillRow = (
    Uuid,
    i32,
    String,
    bool,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
);

/// The tills, oldest first (the till page's default is the first active
/// one), each with its open shift; archived ones only when asked.
#[tracing::instrument(skip(tx))]
pub async fn list_tills(tx: &mut TenantCtx<'_>, archived: bool) -> Result<Vec<TillView>, ShiftError> {
    tx.require(Permission::Sell)?;
    let timezone = tx.settings().await?.timezone.clone();
    let rows: Vec<TillRow> = sqlx::query_as(
        "SELECT t.id, t.code, t.name, t.is_active, s.id, s.cashier_id, \
                coalesce(nullif(u.display_name, ''), u.email), \
                to_char(s.opened_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') \
         FROM tills t \
         LEFT JOIN shifts s ON s.tenant_id = t.tenant_id AND s.till_id = t.id AND s.status = 'open' \
         LEFT JOIN users u ON u.id = s.cashier_id \
         WHERE t.is_active OR $1 \
         ORDER BY t.created_at, t.id",
    )
    .bind(archived)
    .bind(&timezone)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, code, name, is_active, shift, cashier_id, cashier, opened_at)| TillView {
                id,
                code: till_code(code),
                name,
                is_active,
                open_shift: match (shift, cashier_id) {
                    (Some(id), Some(cashier_id)) => Some(OpenShift {
                        id,
                        cashier_id,
                        cashier: cashier.unwrap_or_default(),
                        opened_at: opened_at.unwrap_or_default(),
                    }),
                    _ => None,
                },
            },
        )
        .collect())
}

/// A till's code as printed: `T` and its number in the business.
pub fn till_code(code: i32) -> String {
    format!("T{code}")
}

/// Creates a till (`id` None) or renames / archives / restores one; returns
/// its id. A till with an open shift cannot be archived.
#[tracing::instrument(skip(tx))]
pub async fn save_till(
    tx: &mut TenantCtx<'_>,
    id: Option<Uuid>,
    name: &str,
    active: bool,
) -> Result<Uuid, ShiftError> {
    tx.require(Permission::ManageShifts)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ShiftError::invalid(
            "Give the till a name (at most 60 characters).",
        ));
    }
    let taken = |e: sqlx::Error| {
        if db_errors::broke(&e, "tills_tenant_name_key") {
            ShiftError::NameTaken(name.to_owned())
        } else {
            ShiftError::Db(e)
        }
    };
    let Some(id) = id else {
        let id = Uuid::now_v7();
        let tenant_id = tx.tenant_id();
        sqlx::query("INSERT INTO tills (tenant_id, id, name, is_active) VALUES ($1, $2, $3, $4)")
            .bind(tenant_id)
            .bind(id)
            .bind(name)
            .bind(active)
            .execute(tx.conn())
            .await
            .map_err(taken)?;
        audit::record(
            tx,
            AuditEntry::new("till.created", "till")
                .entity_id(id)
                .after(json!({ "name": name, "is_active": active })),
        )
        .await?;
        return Ok(id);
    };
    let before: Option<(String, bool, bool)> = sqlx::query_as(
        "SELECT t.name, t.is_active, EXISTS (SELECT 1 FROM shifts s \
             WHERE s.tenant_id = t.tenant_id AND s.till_id = t.id AND s.status = 'open') \
         FROM tills t WHERE t.id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((old_name, old_active, has_open_shift)) = before else {
        return Err(ShiftError::NotFound("Till"));
    };
    if !active && has_open_shift {
        return Err(ShiftError::TillHasOpenShift);
    }
    sqlx::query("UPDATE tills SET name = $2, is_active = $3 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(active)
        .execute(tx.conn())
        .await
        .map_err(taken)?;
    audit::record(
        tx,
        AuditEntry::new("till.updated", "till")
            .entity_id(id)
            .before(json!({ "name": old_name, "is_active": old_active }))
            .after(json!({ "name": name, "is_active": active })),
    )
    .await?;
    Ok(id)
}

//! The platform console: operators see every tenant's aggregates and suspend,
//! reactivate or re-plan tenants. Everything goes through [`ConsoleTx`], which
//! runs as a role that can only call the migration's SECURITY DEFINER
//! functions; those return counts and sizes, never a row's contents, and write
//! the operator's action to `platform_audit` and the tenant's own audit log.
//!
//! Operators are made by the `admin create-operator` subcommand, never by
//! sign-up, and are not members of tenants because of it.
use uuid::Uuid;

use super::{stamp, OrgError};
use crate::{org::TenantOverview, tenancy::Db};

type OverviewRow = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    i32,
    chrono::DateTime<chrono::Utc>,
    i64,
    i64,
    i64,
    i64,
    Option<chrono::DateTime<chrono::Utc>>,
);

pub async fn tenants(db: &Db) -> Result<Vec<TenantOverview>, OrgError> {
    let mut tx = db.console_tx().await?;
    let rows: Vec<OverviewRow> = sqlx::query_as("SELECT * FROM platform_tenants()")
        .fetch_all(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| TenantOverview {
            id: r.0,
            slug: r.1,
            name: r.2,
            business_type: r.3,
            plan: r.4,
            status: r.5,
            max_users: r.6,
            created_at: stamp(r.7),
            member_count: r.8,
            product_count: r.9,
            bill_count: r.10,
            storage_bytes: r.11,
            last_activity: r.12.map(stamp),
        })
        .collect())
}

fn from_db(error: sqlx::Error) -> OrgError {
    match crate::domain::db_errors::sqlstate_of(&error).as_deref() {
        Some("23514") => OrgError::Invalid(
            error
                .as_database_error()
                .map(|e| e.message().to_owned())
                .unwrap_or_default(),
        ),
        Some("P0002") => OrgError::NotFound("Tenant"),
        Some("42501") => OrgError::NotAllowed("Only platform operators can do that.".into()),
        _ => OrgError::Db(error),
    }
}

pub async fn set_status(db: &Db, operator: Uuid, tenant: Uuid, suspended: bool) -> Result<(), OrgError> {
    let mut tx = db.console_tx().await?;
    sqlx::query("SELECT platform_set_tenant_status($1, $2, $3)")
        .bind(operator)
        .bind(tenant)
        .bind(if suspended { "suspended" } else { "active" })
        .execute(tx.conn())
        .await
        .map_err(from_db)?;
    tx.commit().await?;
    // This instance answers by the new status from its next request on; the
    // others when the change notice reaches them (migration 0014).
    db.tenant_cache().clear();
    tracing::info!(%operator, %tenant, suspended, "tenant status changed by an operator");
    if suspended {
        // Its pages already answer 403; its open event streams end now. The
        // suspension stands either way (streams also re-check it themselves).
        if let Err(error) = crate::realtime::end_tenant_streams(db, tenant).await {
            tracing::warn!(%error, %tenant, "could not end a suspended tenant's event streams");
        }
    }
    Ok(())
}

pub async fn set_plan(
    db: &Db,
    operator: Uuid,
    tenant: Uuid,
    plan: &str,
    max_users: i32,
) -> Result<(), OrgError> {
    let mut tx = db.console_tx().await?;
    sqlx::query("SELECT platform_set_tenant_plan($1, $2, $3, $4)")
        .bind(operator)
        .bind(tenant)
        .bind(plan.trim())
        .bind(max_users)
        .execute(tx.conn())
        .await
        .map_err(from_db)?;
    tx.commit().await?;
    db.tenant_cache().clear();
    tracing::info!(%operator, %tenant, plan, max_users, "tenant plan changed by an operator");
    Ok(())
}

/// Whether a user is a platform operator (checked on every console request).
pub async fn is_operator(db: &Db, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = db.platform_tx().await?;
    let yes: Option<bool> = sqlx::query_scalar("SELECT is_platform_operator FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(yes.unwrap_or(false))
}

/// Makes (or promotes) an operator account: the `admin create-operator`
/// subcommand. An existing account keeps its password.
pub async fn create_operator(
    db: &Db,
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<Uuid, OrgError> {
    use crate::domain::{accounts::normalize_email, password};
    let email = normalize_email(email).map_err(|e| OrgError::Invalid(e.to_string()))?;
    let mut tx = db.platform_tx().await?;
    let existing: Option<(Uuid, bool)> =
        sqlx::query_as("SELECT id, is_platform_operator FROM users WHERE lower(email) = $1")
            .bind(&email)
            .fetch_optional(tx.conn())
            .await?;
    let id = match existing {
        Some((id, true)) => {
            tx.commit().await?;
            return Ok(id);
        }
        Some((id, false)) => {
            sqlx::query("UPDATE users SET is_platform_operator = true WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            id
        }
        None => {
            password::check_password_rules(password_text).map_err(OrgError::Invalid)?;
            let hash = password::hash_password(password_text.to_owned()).await?;
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO users (id, email, display_name, password_hash, is_platform_operator) \
                 VALUES ($1, $2, $3, $4, true)",
            )
            .bind(id)
            .bind(&email)
            .bind(display_name.trim())
            .bind(&hash)
            .execute(tx.conn())
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO platform_audit (id, operator_id, action, after) VALUES ($1, $2, 'operator.created', $3)",
    )
    .bind(Uuid::now_v7())
    .bind(id)
    .bind(serde_json::json!({ "email": email }))
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(id)
}

//! Reading the audit trail (owners and admins): the page and the CSV export
//! share one query, so what is downloaded is what was shown.
use chrono::NaiveDate;
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::OrgError;
use crate::{
    domain::dates::DayRange,
    org::{AuditFilter, AuditRow},
    permissions::Permission,
    tenancy::{TenantCtx, TenantTx},
};

/// Rows the page shows at most (the export has no limit).
pub const PAGE_LIMIT: i64 = 500;

/// A filter checked and parsed: dates are whole days in the tenant's time zone.
#[derive(Debug, Clone)]
pub struct CheckedFilter {
    actor: Option<Uuid>,
    action: String,
    entity: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

pub fn check(filter: &AuditFilter) -> Result<CheckedFilter, OrgError> {
    let DayRange { from, to } = DayRange::parse(&filter.from, &filter.to).map_err(OrgError::invalid)?;
    let short = |s: &str, what: &str| {
        let s = s.trim();
        if s.chars().count() > 80 {
            Err(OrgError::invalid(format!("The {what} filter is too long.")))
        } else {
            Ok(s.to_owned())
        }
    };
    Ok(CheckedFilter {
        actor: filter.actor,
        action: short(&filter.action, "action")?,
        entity: short(&filter.entity, "entity")?,
        from,
        to,
    })
}

/// An action filter ending in `.` matches every action under it (`bill.`).
const QUERY: &str = "WITH tz AS (SELECT timezone AS name FROM tenants) \
    SELECT a.id, a.created_at, u.email, a.action, a.entity, a.entity_id, a.before::text, a.after::text, a.request_id \
    FROM audit_log a CROSS JOIN tz LEFT JOIN users u ON u.id = a.actor_user_id \
    WHERE ($1::uuid IS NULL OR a.actor_user_id = $1) \
      AND ($2 = '' OR a.action = $2 OR (right($2, 1) = '.' AND left(a.action, length($2)) = $2)) \
      AND ($3 = '' OR a.entity = $3) \
      AND ($4::date IS NULL OR a.created_at >= ($4::date)::timestamp AT TIME ZONE tz.name) \
      AND ($5::date IS NULL OR a.created_at < ($5::date + 1)::timestamp AT TIME ZONE tz.name) \
    ORDER BY a.created_at DESC, a.id DESC LIMIT $6";

type Row = (
    Uuid,
    chrono::DateTime<chrono::Utc>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn to_view(r: Row) -> AuditRow {
    AuditRow {
        id: r.0,
        at: r.1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        actor: r.2,
        action: r.3,
        entity: r.4,
        entity_id: r.5,
        before: r.6,
        after: r.7,
        request_id: r.8,
    }
}

fn query(
    filter: &CheckedFilter,
    limit: i64,
) -> sqlx::query::QueryAs<'_, sqlx::Postgres, Row, sqlx::postgres::PgArguments> {
    sqlx::query_as(QUERY)
        .bind(filter.actor)
        .bind(&filter.action)
        .bind(&filter.entity)
        .bind(filter.from)
        .bind(filter.to)
        .bind(limit)
}

pub async fn list(tx: &mut TenantCtx<'_>, filter: &AuditFilter) -> Result<Vec<AuditRow>, OrgError> {
    tx.require(Permission::ViewAudit)?;
    let filter = check(filter)?;
    let rows = query(&filter, PAGE_LIMIT).fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(to_view).collect())
}

/// Every matching row, newest first, as they arrive (for the CSV export).
pub fn stream<'t>(
    tx: &'t mut TenantTx,
    filter: &'t CheckedFilter,
) -> impl Stream<Item = Result<AuditRow, sqlx::Error>> + 't {
    query(filter, i64::MAX).fetch(tx.conn()).map(|r| r.map(to_view))
}

/// The actions recorded so far (for the page's filter list).
pub async fn actions(tx: &mut TenantCtx<'_>) -> Result<Vec<String>, OrgError> {
    tx.require(Permission::ViewAudit)?;
    Ok(
        sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action")
            .fetch_all(tx.conn())
            .await?,
    )
}

pub const CSV_HEADER: [&str; 9] = [
    "id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "request_id",
];

pub fn csv_record(row: AuditRow) -> [String; 9] {
    [
        row.id.to_string(),
        row.at,
        row.actor.unwrap_or_default(),
        row.action,
        row.entity,
        row.entity_id.unwrap_or_default(),
        row.before.unwrap_or_default(),
        row.after.unwrap_or_default(),
        row.request_id.unwrap_or_default(),
    ]
}

//! Reading the audit trail (owners and admins): the page and the CSV export
//! share one query, so what is downloaded is what was shown.
use chrono::NaiveDate;
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::{
    audit_words::{describe, AuditFacts},
    OrgError,
};
use crate::{
    domain::dates::DayRange,
    org::{AuditFilter, AuditRow},
    permissions::Permission,
    pricing::Currency,
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
/// The subject columns name the row an entry is about as it is called now
/// (a product, a person, a customer, a list entry), for the sentence. The page
/// of entries is chosen first; only its rows are then joined to their
/// subjects, each by primary key (the text id is cast on the audit side, and
/// only for its own kind of entity, so every join is an index lookup).
pub const QUERY: &str = "WITH tz AS (SELECT timezone AS name FROM tenants), \
    page AS ( \
      SELECT a.* FROM audit_log a CROSS JOIN tz \
      WHERE ($1::uuid IS NULL OR a.actor_user_id = $1) \
        AND ($2 = '' OR a.action = $2 OR (right($2, 1) = '.' AND left(a.action, length($2)) = $2)) \
        AND ($3 = '' OR a.entity = $3) \
        AND ($4::date IS NULL OR a.created_at >= ($4::date)::timestamp AT TIME ZONE tz.name) \
        AND ($5::date IS NULL OR a.created_at < ($5::date + 1)::timestamp AT TIME ZONE tz.name) \
      ORDER BY a.created_at DESC, a.id DESC LIMIT $6), \
    subject AS ( \
      SELECT a.*, \
        CASE WHEN a.entity_id ~ '^[0-9a-fA-F-]{36}$' THEN a.entity_id::uuid END AS subject_id, \
        CASE WHEN a.after->>'bill_id' ~ '^[0-9a-fA-F-]{36}$' THEN (a.after->>'bill_id')::uuid END AS bill_id \
      FROM page a) \
    SELECT a.id, a.created_at, u.email, a.action, a.entity, a.entity_id, a.before::text, a.after::text, a.request_id, \
      NULLIF(u.display_name, ''), \
      COALESCE(p.name, NULLIF(su.display_name, ''), su.email, c.name, cat.name, sup.name, tr.name), \
      cb.number \
    FROM subject a LEFT JOIN users u ON u.id = a.actor_user_id \
    LEFT JOIN products p ON p.id = CASE WHEN a.entity = 'product' THEN a.subject_id END \
    LEFT JOIN users su ON su.id = CASE WHEN a.entity IN ('membership', 'user') THEN a.subject_id END \
    LEFT JOIN customers c ON c.id = CASE WHEN a.entity = 'customer' THEN a.subject_id END \
    LEFT JOIN categories cat ON cat.id = CASE WHEN a.entity = 'category' THEN a.subject_id END \
    LEFT JOIN suppliers sup ON sup.id = CASE WHEN a.entity = 'supplier' THEN a.subject_id END \
    LEFT JOIN tax_rates tr ON tr.id = CASE WHEN a.entity = 'tax_rate' THEN a.subject_id END \
    LEFT JOIN bills cb ON cb.id = CASE WHEN a.entity = 'credit_note' THEN a.bill_id END \
    ORDER BY a.created_at DESC, a.id DESC";

struct Row {
    id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    email: Option<String>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<String>,
    actor_name: Option<String>,
    subject: Option<String>,
    related_bill: Option<i64>,
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Row {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        Ok(Row {
            id: row.try_get(0)?,
            at: row.try_get(1)?,
            email: row.try_get(2)?,
            action: row.try_get(3)?,
            entity: row.try_get(4)?,
            entity_id: row.try_get(5)?,
            before: row.try_get(6)?,
            after: row.try_get(7)?,
            request_id: row.try_get(8)?,
            actor_name: row.try_get(9)?,
            subject: row.try_get(10)?,
            related_bill: row.try_get(11)?,
        })
    }
}

fn to_view(r: Row, cur: Currency) -> AuditRow {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
    };
    let (before, after) = (parse(&r.before), parse(&r.after));
    let summary = describe(
        &AuditFacts {
            action: &r.action,
            entity: &r.entity,
            actor: r.actor_name.as_deref().or(r.email.as_deref()),
            subject: r.subject.as_deref(),
            related_bill: r.related_bill,
            before: before.as_ref(),
            after: after.as_ref(),
        },
        cur,
    );
    AuditRow {
        id: r.id,
        at: r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        actor: r.email,
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: r.before,
        after: r.after,
        request_id: r.request_id,
        summary,
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
    let cur = Currency::new(&tx.settings().await?.currency);
    let rows = query(&filter, PAGE_LIMIT).fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(|r| to_view(r, cur)).collect())
}

/// The latest `limit` entries, for the dashboard of any member.
pub async fn recent(tx: &mut TenantTx, cur: Currency, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let filter = CheckedFilter {
        actor: None,
        action: String::new(),
        entity: String::new(),
        from: None,
        to: None,
    };
    let rows = query(&filter, limit).fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(|r| to_view(r, cur)).collect())
}

/// Every matching row, newest first, as they arrive (for the CSV export).
pub fn stream<'t>(
    tx: &'t mut TenantTx,
    filter: &'t CheckedFilter,
    cur: Currency,
) -> impl Stream<Item = Result<AuditRow, sqlx::Error>> + 't {
    query(filter, i64::MAX)
        .fetch(tx.conn())
        .map(move |r| r.map(|r| to_view(r, cur)))
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

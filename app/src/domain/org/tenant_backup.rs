//! Operator backup and restore of one business: how a business is backed up,
//! restored into a fresh install, or moved to another database (shard).
//!
//! Unlike the owner's download ([`super::tenant_export`]) the backup is
//! complete enough to run the business again: its members' accounts with their
//! password hashes (people keep signing in with their passwords), the token
//! hashes of pending invitations, and every table with a `tenant_id` column,
//! found in the catalog, so a table added later is carried without anyone
//! remembering to. It is a secret file; only operators make it, with the owner
//! database URL (`shopfloor admin export-tenant`).
//!
//! The file is JSON lines: a header `{"export":"shopfloor-backup","format":1,
//! "tenant":slug,"tenant_id":…,"migration":…,"tables":[…]}`, then one
//! `{"table":…,"row":{…}}` per row (the business row, the accounts its rows
//! refer to, then the tenant tables in foreign-key order), then
//! `{"end":"shopfloor-backup","rows":n}`, so a cut-off file is refused.
//!
//! Restoring (`shopfloor admin import-tenant`) runs in one transaction on the
//! owner pool ([`PlatformTx`]: the one path besides migrations that writes
//! tenant rows as the owner). The rows are copies of rows that already passed
//! the database's guards, and several guards derive state or only allow a
//! row's history to be replayed (a product's `ledger_sum` is the movements'
//! running total and starts at zero, bills are born drafts, counters step by
//! one, search terms are written by triggers). So the restore inserts the rows
//! exactly as they were with the session's triggers off
//! (`session_replication_role = replica`: this transaction only, no lock on
//! any table, other businesses on the database keep selling), and then proves
//! the result before committing: every foreign key of the business's rows,
//! `inventory_violations()` empty, the number counters at or past the highest
//! number, and the restored rows read back equal to the file's, row for row.
//!
//! Accounts are matched by id: an account that already exists in the target
//! with the same id and email (the person also works for a business there) is
//! kept as it is there; an email that belongs to another account there, or an
//! id with another email, is refused (ids are referenced all over the
//! business's rows, so mapping them would rewrite its history). The platform
//! operator flag is never carried: it is a property of the platform, not of
//! the business.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    io::{BufRead, Write},
};

use futures::StreamExt;
use serde_json::{json, Map, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::tenancy::{Db, PlatformTx};

/// The header's `export` value (the owner download says `shopfloor`).
pub const KIND: &str = "shopfloor-backup";
/// The file format written and read here.
pub const FORMAT: u64 = 1;
/// Rows per INSERT statement on restore.
const BATCH: usize = 500;
/// Columns of `users` a backup never carries.
const PLATFORM_USER_COLUMNS: &[&str] = &["is_platform_operator"];

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no business has the address `{0}` in this database")]
    UnknownTenant(String),
    #[error("this is not a complete Shopfloor backup: {0}")]
    BadFile(String),
    #[error(
        "the backup was made by a newer Shopfloor (migration {file}, this database has {here}); \
         upgrade and migrate this database first"
    )]
    SchemaBehind { file: i64, here: i64 },
    #[error("the backup has {0}, which this database lacks; upgrade and migrate this database first")]
    UnknownSchema(String),
    #[error(
        "business `{slug}` ({id}) already exists in this database (a business with the same id or \
         address); restoring over a live business is not supported"
    )]
    TenantExists { slug: String, id: Uuid },
    #[error("accounts in the backup collide with other accounts in this database: {}", .0.join("; "))]
    AccountConflict(Vec<String>),
    #[error(
        "table `{table}` refers to `{parent}`, which is neither the business nor an account nor a \
         business table, so a backup cannot carry it"
    )]
    UnsupportedReference { table: String, parent: String },
    #[error(
        "the owner database role may not turn triggers off for the restore: use a superuser, or \
         GRANT SET ON PARAMETER session_replication_role TO the owner role"
    )]
    ReplicationRoleRefused,
    #[error("the restored business fails a check, nothing was restored: {0}")]
    Verification(String),
    #[error("reading or writing the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// What an export wrote or an import restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub tenant_id: Uuid,
    pub slug: String,
    /// Rows per table (the business row and accounts included).
    pub rows: BTreeMap<String, u64>,
    /// On import: accounts that already existed here and were kept as they are.
    pub accounts_kept: u64,
}

impl BackupSummary {
    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum()
    }
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    /// (column, generated by the database)
    columns: Vec<(String, bool)>,
    primary_key: Vec<String>,
}

#[derive(Debug, Clone)]
struct ForeignKey {
    name: String,
    table: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
}

/// A foreign key as the catalog lists it: name, table, the parent's schema
/// and name, the columns and the parent's columns.
type ForeignKeyRow = (String, String, String, String, Vec<String>, Vec<String>);

/// What the catalog says about the business's tables.
struct Catalog {
    tenants: Table,
    users: Table,
    /// Every table with a `tenant_id` column, parents before children.
    tables: Vec<Table>,
    /// Foreign keys of those tables.
    foreign_keys: Vec<ForeignKey>,
}

impl Catalog {
    async fn load(conn: &mut PgConnection) -> Result<Catalog, BackupError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
             ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await?;
        let columns: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT c.relname::text, a.attname::text, a.attgenerated <> '' FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY c.relname, a.attnum",
        )
        .fetch_all(&mut *conn)
        .await?;
        let keys: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.relname::text, a.attname::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
             WHERE i.indisprimary AND n.nspname = 'public' ORDER BY c.relname, k.ord",
        )
        .fetch_all(&mut *conn)
        .await?;
        let fks: Vec<ForeignKeyRow> = sqlx::query_as(
            "SELECT con.conname::text, src.relname::text, dn.nspname::text, dst.relname::text, \
                    (SELECT array_agg(a.attname::text ORDER BY k.ord) \
                       FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
                       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), \
                    (SELECT array_agg(a.attname::text ORDER BY k.ord) \
                       FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord) \
                       JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) \
             FROM pg_constraint con \
             JOIN pg_class src ON src.oid = con.conrelid JOIN pg_namespace sn ON sn.oid = src.relnamespace \
             JOIN pg_class dst ON dst.oid = con.confrelid JOIN pg_namespace dn ON dn.oid = dst.relnamespace \
             WHERE con.contype = 'f' AND sn.nspname = 'public' ORDER BY 2, 1",
        )
        .fetch_all(&mut *conn)
        .await?;

        let mut by_table: HashMap<String, Table> = HashMap::new();
        for (table, column, generated) in columns {
            by_table
                .entry(table.clone())
                .or_insert_with(|| Table {
                    name: table,
                    columns: Vec::new(),
                    primary_key: Vec::new(),
                })
                .columns
                .push((column, generated));
        }
        for (table, column) in keys {
            if let Some(t) = by_table.get_mut(&table) {
                t.primary_key.push(column);
            }
        }
        let take = |name: &str| {
            by_table
                .get(name)
                .cloned()
                .ok_or_else(|| BackupError::UnknownSchema(format!("no table `{name}`")))
        };
        let tenants = take("tenants")?;
        let users = take("users")?;
        let mut tables = BTreeMap::new();
        for name in &names {
            tables.insert(name.clone(), take(name)?);
        }

        let mut foreign_keys = Vec::new();
        for (name, table, parent_schema, parent, columns, parent_columns) in fks {
            if !tables.contains_key(&table) {
                continue;
            }
            if parent_schema != "public"
                || !(parent == "tenants" || parent == "users" || tables.contains_key(&parent))
            {
                return Err(BackupError::UnsupportedReference { table, parent });
            }
            foreign_keys.push(ForeignKey {
                name,
                table,
                columns,
                parent,
                parent_columns,
            });
        }

        // Parents before children (Kahn's algorithm, alphabetical among the
        // ready ones so the order is stable). A cycle cannot be ordered; its
        // tables follow alphabetically (the restore does not depend on the
        // order, it checks every key at the end).
        let mut parents: BTreeMap<&str, BTreeSet<&str>> =
            tables.keys().map(|t| (t.as_str(), BTreeSet::new())).collect();
        for fk in &foreign_keys {
            if fk.parent != fk.table && tables.contains_key(&fk.parent) {
                if let Some(p) = parents.get_mut(fk.table.as_str()) {
                    p.insert(fk.parent.as_str());
                }
            }
        }
        let mut order: Vec<String> = Vec::new();
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        loop {
            let ready: Vec<&str> = parents
                .iter()
                .filter(|(t, ps)| !placed.contains(*t) && ps.iter().all(|p| placed.contains(p)))
                .map(|(t, _)| *t)
                .collect();
            let Some(&next) = ready.first() else { break };
            placed.insert(next);
            order.push(next.to_owned());
        }
        for t in parents.keys() {
            if !placed.contains(t) {
                order.push((*t).to_owned());
            }
        }
        let tables = order
            .iter()
            .filter_map(|name| tables.get(name).cloned())
            .collect();
        Ok(Catalog {
            tenants,
            users,
            tables,
            foreign_keys,
        })
    }

    fn table(&self, name: &str) -> Option<&Table> {
        match name {
            "tenants" => Some(&self.tenants),
            "users" => Some(&self.users),
            _ => self.tables.iter().find(|t| t.name == name),
        }
    }
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The rows of one tenant table, in primary-key order.
fn tenant_rows_sql(table: &Table) -> String {
    let order = if table.primary_key.is_empty() {
        "to_jsonb(r)::text".to_owned()
    } else {
        table
            .primary_key
            .iter()
            .map(|c| format!("r.{}", ident(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "SELECT to_jsonb(r) FROM public.{} r WHERE r.tenant_id = $1 ORDER BY {order}",
        ident(&table.name)
    )
}

fn users_sql() -> String {
    let strip: String = PLATFORM_USER_COLUMNS
        .iter()
        .map(|c| format!(" - '{c}'"))
        .collect();
    format!("SELECT to_jsonb(u){strip} FROM users u WHERE u.id = ANY($1) ORDER BY u.id")
}

/// The accounts the business's rows refer to: its members, and anyone else
/// its rows name (an operator who suspended it, in its audit log).
async fn referenced_users(
    conn: &mut PgConnection,
    catalog: &Catalog,
    tenant_id: Uuid,
) -> Result<Vec<Uuid>, BackupError> {
    let parts: Vec<String> = catalog
        .foreign_keys
        .iter()
        .filter(|fk| fk.parent == "users" && fk.columns.len() == 1)
        .map(|fk| {
            format!(
                "SELECT {c} AS id FROM public.{t} WHERE tenant_id = $1 AND {c} IS NOT NULL",
                c = ident(&fk.columns[0]),
                t = ident(&fk.table)
            )
        })
        .collect();
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT id FROM ({}) ids ORDER BY id",
        parts.join(" UNION ")
    );
    Ok(sqlx::query_scalar(&sql).bind(tenant_id).fetch_all(conn).await?)
}

async fn migration_version(conn: &mut PgConnection) -> Result<i64, BackupError> {
    Ok(
        sqlx::query_scalar("SELECT coalesce(max(version), 0)::int8 FROM _sqlx_migrations WHERE success")
            .fetch_one(conn)
            .await?,
    )
}

/// Settings that make `to_jsonb` write the same text on every server.
async fn stable_output(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT set_config('timezone', 'UTC', true), set_config('bytea_output', 'hex', true), \
                set_config('extra_float_digits', '1', true)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

fn write_line(out: &mut impl Write, value: &Value) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes the backup of the business at `slug` to `out`: one consistent
/// snapshot (a repeatable-read, read-only transaction), so a business that
/// keeps selling while it is backed up gets a backup of one moment.
#[tracing::instrument(skip(db, out))]
pub async fn export(db: &Db, slug: &str, out: &mut impl Write) -> Result<BackupSummary, BackupError> {
    let mut tx = db.platform_tx().await?;
    let conn = tx.conn();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *conn)
        .await?;
    stable_output(conn).await?;
    let tenant: Option<(Uuid, Value)> =
        sqlx::query_as("SELECT t.id, to_jsonb(t) FROM tenants t WHERE t.slug = $1")
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((tenant_id, tenant_row)) = tenant else {
        return Err(BackupError::UnknownTenant(slug.to_owned()));
    };
    let catalog = Catalog::load(conn).await?;
    let migration = migration_version(conn).await?;
    let users = referenced_users(conn, &catalog, tenant_id).await?;

    let mut summary = BackupSummary {
        tenant_id,
        slug: slug.to_owned(),
        rows: BTreeMap::new(),
        accounts_kept: 0,
    };
    write_line(
        out,
        &json!({
            "export": KIND,
            "format": FORMAT,
            "tenant": slug,
            "tenant_id": tenant_id,
            "migration": migration,
            "tables": catalog.tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        }),
    )?;
    write_line(out, &json!({ "table": "tenants", "row": tenant_row }))?;
    summary.rows.insert("tenants".into(), 1);
    let accounts: Vec<Value> = sqlx::query_scalar(&users_sql())
        .bind(&users)
        .fetch_all(&mut *conn)
        .await?;
    for row in accounts {
        write_line(out, &json!({ "table": "users", "row": row }))?;
        *summary.rows.entry("users".into()).or_default() += 1;
    }
    for table in &catalog.tables {
        let sql = tenant_rows_sql(table);
        let mut rows = sqlx::query_scalar::<_, Value>(&sql)
            .bind(tenant_id)
            .fetch(&mut *conn);
        let mut count = 0;
        while let Some(row) = rows.next().await {
            write_line(out, &json!({ "table": table.name, "row": row? }))?;
            count += 1;
        }
        summary.rows.insert(table.name.clone(), count);
    }
    write_line(out, &json!({ "end": KIND, "rows": summary.total_rows() }))?;
    out.flush()?;
    tx.commit().await?;
    tracing::info!(%tenant_id, slug, rows = summary.total_rows(), "tenant backup written");
    Ok(summary)
}

/// A parsed backup file.
struct Backup {
    tenant_id: Uuid,
    slug: String,
    migration: i64,
    /// Rows by table, in file order.
    rows: BTreeMap<String, Vec<Value>>,
}

fn bad(message: impl Into<String>) -> BackupError {
    BackupError::BadFile(message.into())
}

fn read_backup(input: impl BufRead) -> Result<Backup, BackupError> {
    let mut lines = input.lines();
    let head: Value = match lines.next() {
        Some(line) => serde_json::from_str(&line?).map_err(|_| bad("the first line is not JSON"))?,
        None => return Err(bad("the file is empty")),
    };
    match head.get("export").and_then(Value::as_str) {
        Some(KIND) => {}
        Some("shopfloor") => {
            return Err(bad(
                "this is the owner's download, which leaves out password hashes and sign-in \
                 tokens; restore from a backup made with `shopfloor admin export-tenant`",
            ))
        }
        _ => return Err(bad("the header does not say `shopfloor-backup`")),
    }
    if head.get("format").and_then(Value::as_u64) != Some(FORMAT) {
        return Err(bad(format!(
            "format {} is not {FORMAT}",
            head.get("format").unwrap_or(&Value::Null)
        )));
    }
    let tenant_id = head
        .get("tenant_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| bad("the header has no tenant id"))?;
    let slug = head
        .get("tenant")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the header has no business address"))?
        .to_owned();
    let migration = head
        .get("migration")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("the header has no migration version"))?;

    let mut rows: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut count: u64 = 0;
    let mut ended = false;
    for (n, line) in lines.enumerate() {
        let line = line?;
        let at = n + 2;
        if ended {
            if line.trim().is_empty() {
                continue;
            }
            return Err(bad(format!("line {at} follows the end line")));
        }
        let value: Value = serde_json::from_str(&line).map_err(|_| bad(format!("line {at} is not JSON")))?;
        if value.get("end").and_then(Value::as_str) == Some(KIND) {
            if value.get("rows").and_then(Value::as_u64) != Some(count) {
                return Err(bad(format!(
                    "the end line counts other rows than the file's {count}"
                )));
            }
            ended = true;
            continue;
        }
        let (Some(table), Some(row)) = (
            value.get("table").and_then(Value::as_str),
            value.get("row").filter(|r| r.is_object()),
        ) else {
            return Err(bad(format!("line {at} is not a table row")));
        };
        let own_id = tenant_id.to_string();
        let belongs = match table {
            "tenants" => {
                row.get("id").and_then(Value::as_str) == Some(own_id.as_str())
                    && row.get("slug").and_then(Value::as_str) == Some(slug.as_str())
            }
            "users" => row.get("id").is_some_and(Value::is_string),
            _ => row.get("tenant_id").and_then(Value::as_str) == Some(own_id.as_str()),
        };
        if !belongs {
            return Err(bad(format!(
                "line {at} ({table}) is not a row of business {slug}"
            )));
        }
        rows.entry(table.to_owned()).or_default().push(row.clone());
        count += 1;
    }
    if !ended {
        return Err(bad("it has no end line (it was cut off)"));
    }
    if rows.get("tenants").map(Vec::len) != Some(1) {
        return Err(bad("it must hold the business row exactly once"));
    }
    Ok(Backup {
        tenant_id,
        slug,
        migration,
        rows,
    })
}

/// The columns of `table` the rows carry and the database does not compute.
fn insert_columns(table: &Table, rows: &[Value]) -> Result<Vec<String>, BackupError> {
    let mut carried: BTreeSet<&str> = BTreeSet::new();
    for row in rows {
        if let Some(object) = row.as_object() {
            carried.extend(object.keys().map(String::as_str));
        }
    }
    for column in &carried {
        if !table.columns.iter().any(|(c, _)| c == column) {
            return Err(BackupError::UnknownSchema(format!(
                "column `{column}` of table `{}`",
                table.name
            )));
        }
    }
    Ok(table
        .columns
        .iter()
        .filter(|(c, generated)| !generated && carried.contains(c.as_str()))
        .map(|(c, _)| c.clone())
        .collect())
}

async fn insert_rows(conn: &mut PgConnection, table: &Table, rows: &[Value]) -> Result<(), BackupError> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns = insert_columns(table, rows)?;
    let list = columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO public.{t} ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::public.{t}, $1)",
        t = ident(&table.name)
    );
    for chunk in rows.chunks(BATCH) {
        sqlx::query(&sql)
            .bind(Value::Array(chunk.to_vec()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Rows as comparable text, each cut to the columns in `keys`, sorted.
fn normalized(rows: &[Value], keys: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|row| {
            let object: Map<String, Value> = row
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| keys.contains(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            Value::Object(object).to_string()
        })
        .collect();
    out.sort();
    out
}

fn same_rows(table: &str, file: &[Value], restored: &[Value]) -> Result<(), BackupError> {
    let keys: BTreeSet<String> = file
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().cloned())
        .collect();
    let (file, restored) = (normalized(file, &keys), normalized(restored, &keys));
    if file != restored {
        let differing = file.iter().filter(|r| restored.binary_search(r).is_err()).count();
        return Err(BackupError::Verification(format!(
            "table `{table}` reads back {} rows, the backup holds {} ({differing} differ)",
            restored.len(),
            file.len()
        )));
    }
    Ok(())
}

/// Restores a backup made by [`export`] into this database, in one
/// transaction: all of the business or nothing.
#[tracing::instrument(skip(db, input))]
pub async fn import(db: &Db, input: impl BufRead) -> Result<BackupSummary, BackupError> {
    let backup = read_backup(input)?;
    let mut tx = db.platform_tx().await?;
    let summary = restore(&mut tx, &backup).await?;
    tx.commit().await?;
    tracing::info!(
        tenant_id = %backup.tenant_id,
        slug = %backup.slug,
        rows = summary.total_rows(),
        "tenant restored from a backup"
    );
    Ok(summary)
}

async fn restore(tx: &mut PlatformTx, backup: &Backup) -> Result<BackupSummary, BackupError> {
    let conn = tx.conn();
    stable_output(conn).await?;
    let here = migration_version(conn).await?;
    if here < backup.migration {
        return Err(BackupError::SchemaBehind {
            file: backup.migration,
            here,
        });
    }
    let catalog = Catalog::load(conn).await?;
    for table in backup.rows.keys() {
        if catalog.table(table).is_none() {
            return Err(BackupError::UnknownSchema(format!("table `{table}`")));
        }
    }

    let taken: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, slug FROM tenants WHERE id = $1 OR slug = $2")
            .bind(backup.tenant_id)
            .bind(&backup.slug)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((id, slug)) = taken {
        return Err(BackupError::TenantExists { slug, id });
    }

    // Accounts: new ones are inserted, the same account (id and email) kept.
    let empty = Vec::new();
    let file_users = backup.rows.get("users").unwrap_or(&empty);
    let mut by_id: HashMap<Uuid, String> = HashMap::new();
    for row in file_users {
        let id = row
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| bad("an account has no id"))?;
        let email = row
            .get("email")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("an account has no email"))?
            .to_lowercase();
        by_id.insert(id, email);
    }
    let ids: Vec<Uuid> = by_id.keys().copied().collect();
    let emails: Vec<String> = by_id.values().cloned().collect();
    let existing: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, lower(email) FROM users WHERE id = ANY($1) OR lower(email) = ANY($2)")
            .bind(&ids)
            .bind(&emails)
            .fetch_all(&mut *conn)
            .await?;
    let mut conflicts = Vec::new();
    let mut kept: BTreeSet<Uuid> = BTreeSet::new();
    for (id, email) in existing {
        match by_id.get(&id) {
            Some(file_email) if *file_email == email => {
                kept.insert(id);
            }
            Some(file_email) => conflicts.push(format!(
                "account {id} is {email} here but {file_email} in the backup"
            )),
            None => conflicts.push(format!("{email} belongs to another account here ({id})")),
        }
    }
    if !conflicts.is_empty() {
        conflicts.sort();
        return Err(BackupError::AccountConflict(conflicts));
    }
    // New accounts, without what belongs to the platform (even if a file
    // carries it: a backup never makes anyone an operator).
    let new_users: Vec<Value> = file_users
        .iter()
        .filter(|row| {
            row.get("id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .is_some_and(|id| !kept.contains(&id))
        })
        .map(|row| {
            let mut row = row.clone();
            if let Some(object) = row.as_object_mut() {
                for column in PLATFORM_USER_COLUMNS {
                    object.remove(*column);
                }
            }
            row
        })
        .collect();

    // The rows as they were: triggers off for this transaction only.
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .map_err(|e| match crate::domain::db_errors::sqlstate_of(&e).as_deref() {
            Some("42501") => BackupError::ReplicationRoleRefused,
            _ => BackupError::Db(e),
        })?;
    // A restore of the same business running at the same moment gets here
    // second: the same refusal as when it had finished first.
    insert_rows(conn, &catalog.tenants, &backup.rows["tenants"])
        .await
        .map_err(|e| match e {
            BackupError::Db(ref error)
                if crate::domain::db_errors::sqlstate_of(error).as_deref() == Some("23505") =>
            {
                BackupError::TenantExists {
                    slug: backup.slug.clone(),
                    id: backup.tenant_id,
                }
            }
            other => other,
        })?;
    insert_rows(conn, &catalog.users, &new_users).await?;
    for table in &catalog.tables {
        if let Some(rows) = backup.rows.get(&table.name) {
            insert_rows(conn, table, rows).await?;
        }
    }
    sqlx::query("SET LOCAL session_replication_role = origin")
        .execute(&mut *conn)
        .await?;

    verify(conn, &catalog, backup, &new_users).await?;

    let mut rows: BTreeMap<String, u64> = backup
        .rows
        .iter()
        .map(|(t, r)| (t.clone(), r.len() as u64))
        .collect();
    rows.insert("users".into(), new_users.len() as u64);
    Ok(BackupSummary {
        tenant_id: backup.tenant_id,
        slug: backup.slug.clone(),
        rows,
        accounts_kept: kept.len() as u64,
    })
}

/// What the database's guards would have refused, checked on the restored
/// business, and every row read back equal to the file's.
async fn verify(
    conn: &mut PgConnection,
    catalog: &Catalog,
    backup: &Backup,
    new_users: &[Value],
) -> Result<(), BackupError> {
    let tenant_id = backup.tenant_id;
    for fk in &catalog.foreign_keys {
        let present: Vec<String> = fk
            .columns
            .iter()
            .map(|c| format!("c.{} IS NOT NULL", ident(c)))
            .collect();
        let matches: Vec<String> = fk
            .columns
            .iter()
            .zip(&fk.parent_columns)
            .map(|(c, p)| format!("p.{} = c.{}", ident(p), ident(c)))
            .collect();
        let sql = format!(
            "SELECT count(*) FROM public.{t} c WHERE c.tenant_id = $1 AND {present} \
             AND NOT EXISTS (SELECT 1 FROM public.{p} p WHERE {matches})",
            t = ident(&fk.table),
            p = ident(&fk.parent),
            present = present.join(" AND "),
            matches = matches.join(" AND "),
        );
        let dangling: i64 = sqlx::query_scalar(&sql)
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await?;
        if dangling > 0 {
            return Err(BackupError::Verification(format!(
                "{dangling} rows of `{}` refer to missing `{}` rows ({})",
                fk.table, fk.parent, fk.name
            )));
        }
    }

    let violations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inventory_violations() v WHERE v.tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await?;
    if violations > 0 {
        return Err(BackupError::Verification(format!(
            "{violations} products' stock differs from their movements"
        )));
    }

    let numbers: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT k.name, k.highest, coalesce(c.last_value, 0) FROM ( \
             SELECT 'bill'::text AS name, coalesce(max(number), 0) AS highest FROM bills WHERE tenant_id = $1 \
             UNION ALL \
             SELECT 'credit_note', coalesce(max(number), 0) FROM credit_notes WHERE tenant_id = $1 \
             UNION ALL \
             SELECT 'z_report', coalesce(max(z_number), 0) FROM shifts WHERE tenant_id = $1) k \
         LEFT JOIN tenant_counters c ON c.tenant_id = $1 AND c.name = k.name",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await?;
    for (name, highest, counter) in numbers {
        if highest > counter {
            return Err(BackupError::Verification(format!(
                "{name} numbers reach {highest} but the counter stands at {counter}: the next would repeat a number"
            )));
        }
    }

    let tenant: Vec<Value> = sqlx::query_scalar("SELECT to_jsonb(t) FROM tenants t WHERE t.id = $1")
        .bind(tenant_id)
        .fetch_all(&mut *conn)
        .await?;
    same_rows("tenants", &backup.rows["tenants"], &tenant)?;
    let new_ids: Vec<Uuid> = new_users
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    let users: Vec<Value> = sqlx::query_scalar(&users_sql())
        .bind(&new_ids)
        .fetch_all(&mut *conn)
        .await?;
    same_rows("users", new_users, &users)?;
    let empty = Vec::new();
    for table in &catalog.tables {
        let restored: Vec<Value> = sqlx::query_scalar(&tenant_rows_sql(table))
            .bind(tenant_id)
            .fetch_all(&mut *conn)
            .await?;
        same_rows(
            &table.name,
            backup.rows.get(&table.name).unwrap_or(&empty),
            &restored,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: &[Value]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn head() -> Value {
        json!({"export": KIND, "format": 1, "tenant": "acme",
               "tenant_id": "00000000-0000-0000-0000-000000000001", "migration": 13, "tables": []})
    }

    fn tenant_row() -> Value {
        json!({"table": "tenants", "row": {"id": "00000000-0000-0000-0000-000000000001", "slug": "acme"}})
    }

    #[test]
    fn a_cut_off_backup_is_refused() {
        let whole = file(&[head(), tenant_row(), json!({"end": KIND, "rows": 1})]);
        assert!(read_backup(whole.as_bytes()).is_ok());
        let cut = file(&[head(), tenant_row()]);
        assert!(matches!(
            read_backup(cut.as_bytes()),
            Err(BackupError::BadFile(_))
        ));
        let miscounted = file(&[head(), tenant_row(), json!({"end": KIND, "rows": 2})]);
        assert!(matches!(
            read_backup(miscounted.as_bytes()),
            Err(BackupError::BadFile(_))
        ));
    }

    #[test]
    fn rows_of_another_business_and_the_owner_download_are_refused() {
        let stranger = json!({"table": "products",
                              "row": {"tenant_id": "00000000-0000-0000-0000-000000000002"}});
        let text = file(&[head(), tenant_row(), stranger, json!({"end": KIND, "rows": 2})]);
        assert!(matches!(
            read_backup(text.as_bytes()),
            Err(BackupError::BadFile(_))
        ));
        let download = file(&[json!({"export": "shopfloor", "format": 1})]);
        let Err(BackupError::BadFile(message)) = read_backup(download.as_bytes()) else {
            panic!("the owner download must be refused");
        };
        assert!(message.contains("export-tenant"), "{message}");
    }
}

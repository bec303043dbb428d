//! The tenant-scoped transaction and the cross-tenant one.
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::pool::TENANT_ROLE;

/// A transaction that runs as [`TENANT_ROLE`] with `app.tenant_id` set, both
/// transaction-local, so row-level security confines every statement in it to
/// one tenant. Only this module can make one; domain functions take
/// `&mut TenantTx`, so a query that forgets `WHERE tenant_id` still cannot leak.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: Uuid,
}

impl TenantTx {
    /// `statement_timeout` bounds every statement of the transaction (`None`:
    /// unbounded, for streams and exports that read while the client reads).
    pub(super) async fn begin(
        pool: &PgPool,
        tenant_id: Uuid,
        statement_timeout: Option<std::time::Duration>,
    ) -> Result<Self, sqlx::Error> {
        Self::begin_as(pool, "BEGIN", tenant_id, statement_timeout).await
    }

    /// As [`TenantTx::begin`], READ ONLY: PostgreSQL refuses every write in it
    /// (SQLSTATE 25006), on a primary as on a streaming replica. With
    /// `snapshot` it is also REPEATABLE READ, so all its statements read one
    /// snapshot (exports: no bill without its lines).
    pub(super) async fn begin_read_only(
        pool: &PgPool,
        tenant_id: Uuid,
        statement_timeout: Option<std::time::Duration>,
        snapshot: bool,
    ) -> Result<Self, sqlx::Error> {
        let begin = if snapshot {
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        } else {
            "BEGIN READ ONLY"
        };
        Self::begin_as(pool, begin, tenant_id, statement_timeout).await
    }

    /// `begin` is a constant BEGIN statement.
    async fn begin_as(
        pool: &PgPool,
        begin: &'static str,
        tenant_id: Uuid,
        statement_timeout: Option<std::time::Duration>,
    ) -> Result<Self, sqlx::Error> {
        // One round trip: BEGIN and the settings in one simple query. Every
        // setting is local to this transaction and vanishes at COMMIT or
        // ROLLBACK. Only typed values are written into the text (a UUID, a
        // number, a constant role name), so nothing can be injected.
        let timeout_ms = statement_timeout.map_or(0, |t| t.as_millis().clamp(1, i32::MAX as u128));
        let begin = format!(
            "{begin}; SELECT set_config('role', '{TENANT_ROLE}', true), \
             set_config('app.tenant_id', '{tenant_id}', true), \
             set_config('statement_timeout', '{timeout_ms}', true)"
        );
        let tx = begin_on_live_connection(pool, begin).await?;
        Ok(TenantTx { tx, tenant_id })
    }

    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    /// The connection, for running queries inside this transaction.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// Begins a transaction with `begin`. The pool does not test a connection
/// before handing it out (a round trip on every request); a connection the
/// server closed meanwhile (a database restart) fails here, before any work
/// was sent, and is then discarded and the transaction begun on another one.
async fn begin_on_live_connection(
    pool: &PgPool,
    begin: String,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut attempts = 0;
    loop {
        match pool.begin_with(begin.clone()).await {
            Err(error) if attempts < 2 && is_dead_connection(&error) => {
                attempts += 1;
                tracing::debug!(%error, "a pooled connection was dead; trying another");
            }
            other => return other,
        }
    }
}

/// Runs `statement` as [`TENANT_ROLE`] in `tenant_id`, bounded by
/// `statement_timeout`, in one round trip: the settings and the statement go
/// in one simple query, which PostgreSQL runs as one implicit transaction
/// (`SET LOCAL` lasts until its end; it commits if every part succeeds). The
/// rows are the statement's. Simple queries carry no parameters, so
/// `statement` must hold typed values only (UUIDs, numbers), never client text.
pub(super) async fn tenant_statement(
    pool: &PgPool,
    tenant_id: Uuid,
    statement_timeout: std::time::Duration,
    statement: &str,
) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
    let timeout_ms = statement_timeout.as_millis().clamp(1, i32::MAX as u128);
    let sql = format!(
        "SET LOCAL ROLE {TENANT_ROLE}; SET LOCAL app.tenant_id = '{tenant_id}'; \
         SET LOCAL statement_timeout = {timeout_ms}; {statement}"
    );
    let mut attempts = 0;
    loop {
        let mut conn = pool.acquire().await?;
        // A string with no arguments goes out as a simple query.
        let conn_ref: &mut PgConnection = &mut conn;
        match sqlx::Executor::fetch_all(conn_ref, sql.as_str()).await {
            Err(error) if attempts < 2 && is_dead_connection(&error) => {
                // Nothing ran on a dead connection; it is closed, not reused.
                attempts += 1;
                conn.close_on_drop();
            }
            other => return other,
        }
    }
}

/// An error that says the connection itself is gone (not the statement).
fn is_dead_connection(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        // 57P01 admin_shutdown: the server ended this session (restart).
        sqlx::Error::Database(db) => db.code().as_deref() == Some("57P01"),
        _ => false,
    }
}

/// A transaction on the owner pool that can see every tenant. Used only for
/// resolving a host to a tenant, sign-up, log-in, the organization picker and
/// seeding; grep for `PlatformTx` to audit all of them. It writes only `users`,
/// `tenants` and the log-in throttle; tenant rows are written after
/// [`PlatformTx::into_tenant`].
pub struct PlatformTx {
    tx: Transaction<'static, Postgres>,
}

impl PlatformTx {
    pub(super) async fn begin(pool: &PgPool) -> Result<Self, sqlx::Error> {
        Ok(PlatformTx {
            tx: begin_on_live_connection(pool, "BEGIN".into()).await?,
        })
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Switches this transaction, from here to its end, to [`TENANT_ROLE`] with
    /// `tenant_id` as its tenant: what was written so far as the owner (a new
    /// `users` or `tenants` row) stays in the same transaction, and every row
    /// written next is a tenant row under row-level security. There is no way
    /// back to the owner role, so sign-up and invitation acceptance stay atomic
    /// while the owner pool writes only `users` and `tenants` (and the log-in
    /// throttle). The owner role must be a member of [`TENANT_ROLE`]
    /// (migration 0009 grants it).
    pub async fn into_tenant(mut self, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
        sqlx::query("SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)")
            .bind(TENANT_ROLE)
            .bind(tenant_id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(TenantTx {
            tx: self.tx,
            tenant_id,
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// The role console requests run as: it may execute the platform functions
/// (aggregates, suspend, plan) and read no table at all.
pub const CONSOLE_ROLE: &str = "shopfloor_platform";

/// A transaction for the platform console: on the owner pool, switched to
/// [`CONSOLE_ROLE`] for its whole life, so even a wrong query in the console can
/// read no tenant's rows; it sees what the SECURITY DEFINER functions return.
pub struct ConsoleTx {
    tx: Transaction<'static, Postgres>,
}

impl ConsoleTx {
    pub(super) async fn begin(pool: &PgPool) -> Result<Self, sqlx::Error> {
        let tx = begin_on_live_connection(
            pool,
            format!("BEGIN; SELECT set_config('role', '{CONSOLE_ROLE}', true)"),
        )
        .await?;
        Ok(ConsoleTx { tx })
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}
/// Compile-time check: the middleware awaits [`tenant_statement`], so its
/// future must be `Send` (sqlx's generic executors easily make it not).
#[allow(dead_code)]
fn _send_check(pool: &PgPool) {
    fn is_send<T: Send>(_: T) {}
    is_send(tenant_statement(pool, Uuid::nil(), std::time::Duration::ZERO, ""));
}

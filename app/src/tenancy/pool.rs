//! The two connection pools and the hooks that keep them clean.
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sqlx::{postgres::PgPoolOptions, Executor, PgPool, Row};
use uuid::Uuid;

use super::{
    tenant_cache::TenantCache,
    tx::{ConsoleTx, PlatformTx, TenantTx},
};

/// The role every tenant transaction switches to: not a superuser, not
/// BYPASSRLS, owner of nothing (created by the first migration).
pub const TENANT_ROLE: &str = "shopfloor_tenant";

/// Database access. Tenant work goes through [`Db::tenant_tx`] (reports and
/// exports that only read, through [`Db::tenant_read_tx`]); the few
/// cross-tenant paths through [`Db::platform_tx`].
#[derive(Clone, Debug)]
pub struct Db {
    tenant_pool: PgPool,
    platform_pool: PgPool,
    /// Optional read replica for reports and exports (see [`Db::tenant_read_tx`]).
    replica: Option<Replica>,
    statement_timeout: Duration,
    tenants: TenantCache,
}

/// How long one statement of tenant work may run before PostgreSQL cancels it,
/// so a slow query cannot hold a connection (and its locks) for ever.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

impl Db {
    /// `tenant_pool` should log in as a role that is a member of
    /// [`TENANT_ROLE`] and cannot bypass RLS; `platform_pool` as the owner
    /// (migration) role.
    pub fn new(tenant_pool: PgPool, platform_pool: PgPool) -> Self {
        Db {
            tenant_pool,
            platform_pool,
            replica: None,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            tenants: TenantCache::default(),
        }
    }

    /// Another bound for each statement of tenant work (tests use a short one).
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Begins a transaction scoped to `tenant_id` under row-level security;
    /// each statement in it is bounded by the statement timeout.
    pub async fn tenant_tx(&self, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
        TenantTx::begin(&self.tenant_pool, tenant_id, Some(self.statement_timeout)).await
    }

    /// One statement as the tenant in one round trip (see
    /// [`super::tx::tenant_statement`]: typed values only in `statement`).
    pub async fn tenant_statement(
        &self,
        tenant_id: Uuid,
        statement: &str,
    ) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
        super::tx::tenant_statement(&self.tenant_pool, tenant_id, self.statement_timeout, statement).await
    }

    /// A tenant transaction without the statement timeout, for streams and
    /// exports whose statements last as long as the client takes to read.
    pub async fn tenant_tx_unbounded(&self, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
        TenantTx::begin(&self.tenant_pool, tenant_id, None).await
    }

    /// Reads go to this pool (a streaming replica, logging in as a tenant login
    /// role like the tenant pool's; made with [`pool_options`]) when they can;
    /// see [`Db::tenant_read_tx`].
    pub fn with_replica(mut self, replica_pool: PgPool) -> Self {
        self.replica = Some(Replica {
            pool: replica_pool,
            down_until: Arc::default(),
        });
        self
    }

    /// Begins a READ ONLY transaction scoped to `tenant_id` (the same role
    /// switch and tenant setting as [`Db::tenant_tx`], bounded by the same
    /// statement timeout) for work that only reads: on the read replica when
    /// one is configured, else on the primary. A replica may lag behind the
    /// primary by moments: never use this for what is read right after a write.
    ///
    /// A replica that cannot begin the transaction (stopped, unreachable, out
    /// of connections, still starting) is skipped for [`REPLICA_RETRY_AFTER`]
    /// with a warning, and its reads go to the primary meanwhile: reads keep
    /// working, at the primary's cost. A replica lost in the middle of a
    /// transaction fails that transaction (it is not replayed elsewhere).
    pub async fn tenant_read_tx(&self, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
        self.read_tx(tenant_id, Some(self.statement_timeout), false).await
    }

    /// As [`Db::tenant_read_tx`] without the statement timeout and in one
    /// snapshot (REPEATABLE READ), for exports streamed while the client reads.
    pub async fn tenant_read_tx_unbounded(&self, tenant_id: Uuid) -> Result<TenantTx, sqlx::Error> {
        self.read_tx(tenant_id, None, true).await
    }

    async fn read_tx(
        &self,
        tenant_id: Uuid,
        statement_timeout: Option<Duration>,
        snapshot: bool,
    ) -> Result<TenantTx, sqlx::Error> {
        if let Some(replica) = self.replica.as_ref().filter(|r| r.in_use()) {
            match TenantTx::begin_read_only(&replica.pool, tenant_id, statement_timeout, snapshot).await {
                Ok(tx) => {
                    replica.answered();
                    return Ok(tx);
                }
                Err(error) => replica.failed(&error),
            }
        }
        TenantTx::begin_read_only(&self.tenant_pool, tenant_id, statement_timeout, snapshot).await
    }

    /// Begins a cross-tenant transaction (tenant resolution, sign-up, log-in,
    /// seeding). Keep its uses few and named.
    pub async fn platform_tx(&self) -> Result<PlatformTx, sqlx::Error> {
        PlatformTx::begin(&self.platform_pool).await
    }

    /// The platform console's transaction (aggregates only; see [`ConsoleTx`]).
    pub async fn console_tx(&self) -> Result<ConsoleTx, sqlx::Error> {
        ConsoleTx::begin(&self.platform_pool).await
    }

    /// The pool sessions are stored through: the owner's. Session ids are
    /// bearer tokens for every tenant, so neither the tenant role nor the
    /// tenant pool's login role has any right on the session table.
    pub fn session_pool(&self) -> &PgPool {
        &self.platform_pool
    }

    /// The tenant pool's own connections, outside any tenant transaction. They
    /// log in as a role that can read no table by itself, so this reaches no
    /// data; it is for checks of the pool's hygiene.
    pub fn login_pool(&self) -> &PgPool {
        &self.tenant_pool
    }

    /// The read replica's pool, when one is configured (for pool metrics).
    pub fn replica_pool(&self) -> Option<&PgPool> {
        self.replica.as_ref().map(|r| &r.pool)
    }

    /// Host → tenant, remembered briefly (see [`TenantCache`]).
    pub fn tenant_cache(&self) -> &TenantCache {
        &self.tenants
    }

    /// For readiness checks only.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.tenant_pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.tenant_pool.close().await;
        self.platform_pool.close().await;
        if let Some(replica) = &self.replica {
            replica.pool.close().await;
        }
    }
}

/// How long reads stay on the primary after the replica failed to begin one.
pub const REPLICA_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The read replica's pool and whether it is being skipped.
#[derive(Clone, Debug)]
struct Replica {
    pool: PgPool,
    /// Set while reads skip the replica: until when.
    down_until: Arc<Mutex<Option<Instant>>>,
}

impl Replica {
    fn in_use(&self) -> bool {
        match *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(until) => Instant::now() >= until,
            None => true,
        }
    }

    fn answered(&self) {
        if self
            .down_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some()
        {
            tracing::info!("the read replica answers again; reads go to it");
        }
    }

    fn failed(&self, error: &sqlx::Error) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + REPLICA_RETRY_AFTER);
        tracing::warn!(
            %error,
            retry_after_secs = REPLICA_RETRY_AFTER.as_secs(),
            "the read replica could not begin a read; reading from the primary meanwhile"
        );
    }
}

const RELEASE_CHECK: &str = "SELECT current_user = session_user \
    AND coalesce(current_setting('app.tenant_id', true), '') = '' \
    AND now() = statement_timestamp()";

/// Pool options with the release hook: a connection that comes back still inside
/// a transaction, running as another role, or carrying a tenant is closed rather
/// than reused (a cancelled request must never leak its tenant to the next one).
///
/// Connections are not pinged before use (a round trip on every checkout):
/// transactions begin through `begin_on_live_connection`, which moves on to
/// another connection when one turns out dead.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .test_before_acquire(false)
        .after_release(|conn, _meta| {
            Box::pin(async move {
                // In an open transaction block `now()` is the block's start time, which
                // differs from the statement's own. Sent with the simple protocol, where
                // an implicit transaction starts with the statement (the extended
                // protocol's Parse/Bind/Execute steps would make them differ).
                // (A plain string with no arguments goes out as a simple Query.)
                let clean: Result<bool, sqlx::Error> = conn
                    .fetch_one(RELEASE_CHECK)
                    .await
                    .and_then(|row| row.try_get::<bool, _>(0));
                match clean {
                    Ok(true) => Ok(true),
                    Ok(false) => {
                        tracing::warn!("discarding a pooled connection that kept tenant state");
                        Ok(false)
                    }
                    Err(error) => {
                        tracing::warn!(%error, "discarding a pooled connection that failed its check");
                        Ok(false)
                    }
                }
            })
        })
}

//! Opening the database: the embedded cluster or an external server, the two
//! pools, migrations and the login role of the tenant pool.
use std::str::FromStr;

use app::tenancy::{pool::pool_options, Db, TENANT_ROLE};
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};

use crate::{
    config::Options,
    embedded::{EmbeddedError, EmbeddedPostgres, SUPERUSER},
};

/// The migrations, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The login role the tenant pool uses on the embedded cluster.
pub const APP_LOGIN_ROLE: &str = "shopfloor_app";
/// Connections of the owner pool: host resolution, sign-in paths and the
/// session store run through it.
pub const OWNER_POOL_SIZE: u32 = 10;
/// The application database on the embedded cluster.
pub const APP_DATABASE: &str = "shopfloor";

#[derive(Debug, thiserror::Error)]
pub enum DbStartError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
}

/// The opened database and, on the embedded default, the cluster to stop.
pub struct OpenDb {
    pub db: Db,
    pub embedded: Option<EmbeddedPostgres>,
}

pub async fn open(options: &Options) -> Result<OpenDb, DbStartError> {
    let mut opened = match &options.database_url {
        None => open_embedded(options).await?,
        Some(url) => open_external(options, url).await?,
    };
    if let Some(url) = &options.replica_url {
        let replica = open_replica(url).await?;
        opened.db = opened.db.with_replica(replica);
    }
    Ok(opened)
}

/// Connections to the read replica: fewer than the primary's, and a short
/// wait for one, after which the read goes to the primary instead.
pub const REPLICA_POOL_SIZE: u32 = 10;
pub const REPLICA_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The read replica's pool (`SHOPFLOOR_REPLICA_URL`), with the tenant pool's
/// hooks. Opened lazily: a replica that is down at start-up does not stop the
/// server (reads go to the primary until it answers). When it answers now, its
/// login role is checked as the tenant pool's is (it must read nothing by itself).
pub async fn open_replica(url: &str) -> Result<PgPool, DbStartError> {
    let options = PgConnectOptions::from_str(url)?;
    let pool = replica_pool(options);
    match check_login_role(&pool).await {
        Ok(()) => {
            let standby: Result<bool, sqlx::Error> = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&pool)
                .await;
            match standby {
                Ok(false) => {
                    tracing::warn!("SHOPFLOOR_REPLICA_URL is not a standby (pg_is_in_recovery() is false)")
                }
                _ => tracing::info!("bill lists and exports read from the read replica"),
            }
        }
        Err(DbStartError::Sql(error)) => {
            tracing::warn!(%error, "the read replica does not answer yet; reads go to the primary until it does");
        }
        Err(other) => return Err(other),
    }
    Ok(pool)
}

/// A lazily connected pool on a read replica, with the tenant pool's hooks.
pub fn replica_pool(options: PgConnectOptions) -> PgPool {
    pool_options()
        .max_connections(REPLICA_POOL_SIZE)
        .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT)
        .connect_lazy_with(options)
}

async fn open_embedded(options: &Options) -> Result<OpenDb, DbStartError> {
    let data_dir = options.data_dir.clone();
    let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir))
        .await
        .map_err(|e| DbStartError::Config(e.to_string()))??;
    tracing::info!(data = %pg.data_dir().display(), "using the embedded PostgreSQL cluster");
    ensure_database(pg.connect_options(SUPERUSER, "postgres"), APP_DATABASE).await?;
    let owner = connect_pool(pg.connect_options(SUPERUSER, APP_DATABASE), OWNER_POOL_SIZE).await?;
    if !options.skip_migrations {
        MIGRATOR.run(&owner).await?;
    }
    ensure_app_login_role(&owner).await?;
    let tenant = connect_pool(pg.connect_options(APP_LOGIN_ROLE, APP_DATABASE), 20).await?;
    check_roles(&tenant, &owner).await?;
    Ok(OpenDb {
        db: Db::new(tenant, owner),
        embedded: Some(pg),
    })
}

async fn open_external(options: &Options, url: &str) -> Result<OpenDb, DbStartError> {
    let tenant_opts = PgConnectOptions::from_str(url)?;
    let owner_opts = match &options.owner_database_url {
        Some(owner) => PgConnectOptions::from_str(owner)?,
        None => {
            tracing::warn!(
                "SHOPFLOOR_OWNER_DATABASE_URL is not set: the owner role is also the tenant pool's login; \
                 tenant transactions still switch to `shopfloor_tenant`, but a separate login role is safer"
            );
            tenant_opts.clone()
        }
    };
    let owner = connect_pool(owner_opts, OWNER_POOL_SIZE).await?;
    if !options.skip_migrations {
        MIGRATOR.run(&owner).await?;
    }
    let tenant = connect_pool(tenant_opts, 20).await?;
    check_roles(&tenant, &owner).await?;
    Ok(OpenDb {
        db: Db::new(tenant, owner),
        embedded: None,
    })
}

pub async fn connect_pool(options: PgConnectOptions, max: u32) -> Result<PgPool, sqlx::Error> {
    pool_options().max_connections(max).connect_with(options).await
}

/// A plain pool without the tenant hooks (owner and admin work).
pub async fn connect_admin_pool(options: PgConnectOptions, max: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max)
        .connect_with(options)
        .await
}

/// Creates `name` if it does not exist (connected to a maintenance database).
pub async fn ensure_database(admin: PgConnectOptions, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(&admin).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Creates the tenant pool's login role on a cluster we provision ourselves:
/// it can log in and become `shopfloor_tenant`, and nothing more. NOINHERIT:
/// by itself it reads nothing, so `RESET ROLE` inside a tenant transaction
/// leaves a role that is refused every tenant table.
pub async fn ensure_app_login_role(owner: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_LOGIN_ROLE}') THEN \
             CREATE ROLE {APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT; \
           ELSE \
             ALTER ROLE {APP_LOGIN_ROLE} NOINHERIT; \
           END IF; \
         END $$"
    ))
    .execute(owner)
    .await?;
    sqlx::query(&format!("GRANT {TENANT_ROLE} TO {APP_LOGIN_ROLE}"))
        .execute(owner)
        .await?;
    Ok(())
}

/// The owner pool must see across tenants; the tenant role must not.
async fn check_roles(tenant: &PgPool, owner: &PgPool) -> Result<(), DbStartError> {
    let (owner_super, owner_bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(owner)
            .await?;
    if !owner_super && !owner_bypass {
        return Err(DbStartError::Config(
            "the owner database role must be a superuser or have BYPASSRLS (it resolves hosts to tenants)"
                .into(),
        ));
    }
    check_login_role(tenant).await
}

/// The tenant pool's (or the replica's) login role must not read tables by itself.
async fn check_login_role(tenant: &PgPool) -> Result<(), DbStartError> {
    let (tenant_super, tenant_bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(tenant)
            .await?;
    if tenant_super || tenant_bypass {
        tracing::warn!(
            "the tenant pool logs in as a role that can bypass RLS; tenant transactions still switch role"
        );
        return Ok(());
    }
    // The role switch is a barrier only if the login role reads nothing by
    // itself (it must not inherit the tenant role's grants).
    let readable: Vec<String> = sqlx::query_scalar(LOGIN_ROLE_READABLE_TABLES)
        .fetch_all(tenant)
        .await?;
    if !readable.is_empty() {
        return Err(DbStartError::Config(format!(
            "the tenant pool's login role can read {} by itself; make it NOINHERIT \
             (ALTER ROLE <login> NOINHERIT) so only the tenant transaction's role switch grants access",
            readable.join(", ")
        )));
    }
    Ok(())
}

/// Tables the current (login) role may read or change with its own rights.
pub const LOGIN_ROLE_READABLE_TABLES: &str = "SELECT n.nspname || '.' || c.relname FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
       AND (has_table_privilege(current_user, c.oid, 'SELECT') \
            OR has_table_privilege(current_user, c.oid, 'INSERT') \
            OR has_table_privilege(current_user, c.oid, 'UPDATE') \
            OR has_table_privilege(current_user, c.oid, 'DELETE') \
            OR has_any_column_privilege(current_user, c.oid, 'SELECT')) \
     ORDER BY 1";

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
    match &options.database_url {
        None => open_embedded(options).await,
        Some(url) => open_external(options, url).await,
    }
}

async fn open_embedded(options: &Options) -> Result<OpenDb, DbStartError> {
    let data_dir = options.data_dir.clone();
    let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir))
        .await
        .map_err(|e| DbStartError::Config(e.to_string()))??;
    tracing::info!(data = %pg.data_dir().display(), "using the embedded PostgreSQL cluster");
    ensure_database(pg.connect_options(SUPERUSER, "postgres"), APP_DATABASE).await?;
    let owner = connect_pool(pg.connect_options(SUPERUSER, APP_DATABASE), 5).await?;
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
    let owner = connect_pool(owner_opts, 5).await?;
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
/// it can log in and become `shopfloor_tenant`, and nothing more.
pub async fn ensure_app_login_role(owner: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_LOGIN_ROLE}') THEN \
             CREATE ROLE {APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT; \
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
    let (tenant_super, tenant_bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(tenant)
            .await?;
    if tenant_super || tenant_bypass {
        tracing::warn!(
            "the tenant pool logs in as a role that can bypass RLS; tenant transactions still switch role"
        );
    }
    Ok(())
}

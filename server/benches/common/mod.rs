//! What the benchmarks share: where the database is, and summary statistics.
#![allow(dead_code)] // each bench uses its own part

use std::{str::FromStr, time::Duration};

use sqlx::postgres::PgConnectOptions;

pub fn total(samples: &[Duration]) -> Duration {
    samples.iter().sum()
}

pub fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) * p) / 100]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn admin_options() -> PgConnectOptions {
    match std::env::var("SHOPFLOOR_BENCH_DATABASE_URL") {
        Ok(url) => PgConnectOptions::from_str(&url).expect("SHOPFLOOR_BENCH_DATABASE_URL parses"),
        Err(_) => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-db");
            let pg = server::embedded::EmbeddedPostgres::start(&dir).expect("start a private PostgreSQL");
            let options = pg.connect_options(server::embedded::SUPERUSER, "postgres");
            // Kept running for the next run; `pg_ctl -D target/bench-db/pg stop` stops it.
            std::mem::forget(pg);
            options
        }
    }
}

/// A migrated benchmark database: its options (as the superuser) and an owner pool.
pub async fn prepare(database: &str) -> (PgConnectOptions, sqlx::PgPool) {
    use server::database::{connect_admin_pool, ensure_app_login_role, ensure_database, MIGRATOR};
    let admin = admin_options();
    ensure_database(admin.clone().database("postgres"), database)
        .await
        .expect("bench database");
    let owner = connect_admin_pool(admin.clone().database(database), 4)
        .await
        .expect("owner pool");
    MIGRATOR.run(&owner).await.expect("migrate");
    ensure_app_login_role(&owner).await.expect("app role");
    (admin.database(database), owner)
}

/// The application's pools on a benchmark database, as the server makes them.
pub async fn app_db(options: &PgConnectOptions, tenant_connections: u32) -> app::tenancy::Db {
    use server::database::{connect_pool, APP_LOGIN_ROLE};
    app::tenancy::Db::new(
        connect_pool(options.clone().username(APP_LOGIN_ROLE), tenant_connections)
            .await
            .expect("tenant pool"),
        connect_pool(options.clone(), 2).await.expect("platform pool"),
    )
}

/// As `prepare`, on a database made anew (for benchmarks that write).
pub async fn prepare_fresh(database: &str) -> (PgConnectOptions, sqlx::PgPool) {
    let admin = admin_options();
    let pool = server::database::connect_admin_pool(admin.database("postgres"), 1)
        .await
        .expect("admin pool");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&pool)
        .await
        .expect("drop the old bench database");
    pool.close().await;
    prepare(database).await
}

/// A transaction of the superuser with triggers (and the foreign-key checks
/// they make) off, for loading bench data in bulk: rows are written as they
/// would end up, not through the app's paths.
pub async fn bulk_tx(owner: &sqlx::PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

//! Product search through the tenant path (TenantTx, row-level security) versus
//! the same SQL with an explicit `WHERE tenant_id` outside RLS, measured side by
//! side in one run on 100 tenants × 10,000 products.
//!
//! Run: `cargo bench -p server --bench search` (uses SHOPFLOOR_BENCH_DATABASE_URL,
//! a superuser URL, or starts a private cluster in target/bench-db; the data is
//! loaded once and kept). Prints p50/p95 latency per query kind and the
//! throughput ratio tenant-path / explicit. This is a measurement, not a test.
use std::time::{Duration, Instant};

use app::{
    domain::inventory::catalog,
    model::{ProductQuery, ProductSort},
    tenancy::Db,
};
use server::database::{
    connect_admin_pool, connect_pool, ensure_app_login_role, ensure_database, APP_LOGIN_ROLE, MIGRATOR,
};
use sqlx::PgPool;

mod common;
use common::{admin_options, bulk_tx, ms, percentile, total};
use uuid::Uuid;

const TENANTS: i64 = 100;
const PRODUCTS_PER_TENANT: i64 = 10_000;
const ROUNDS: usize = 400;
const DATABASE: &str = "shopfloor_bench";

const WORDS_A: &[&str] = &[
    "green", "black", "red", "golden", "wild", "smoked", "fresh", "sweet", "dark", "classic",
];
const WORDS_B: &[&str] = &[
    "tea", "coffee", "cocoa", "honey", "jam", "bread", "cheese", "olive", "pepper", "rice", "pasta", "soap",
    "candle", "pencil", "notebook", "battery", "towel", "yoghurt", "butter", "cider",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let admin = admin_options();
    ensure_database(admin.clone().database("postgres"), DATABASE)
        .await
        .expect("bench database");
    let owner = connect_admin_pool(admin.clone().database(DATABASE), 4)
        .await
        .expect("owner pool");
    MIGRATOR.run(&owner).await.expect("migrate");
    ensure_app_login_role(&owner).await.expect("app role");
    load(&owner).await;
    // As autovacuum would in a steady state: statistics and the visibility map.
    sqlx::query("VACUUM (ANALYZE) products")
        .execute(&owner)
        .await
        .unwrap();

    let tenant_pool = connect_pool(admin.clone().database(DATABASE).username(APP_LOGIN_ROLE), 4)
        .await
        .unwrap();
    let db = Db::new(
        tenant_pool,
        connect_pool(admin.clone().database(DATABASE), 2).await.unwrap(),
    );
    let tenants: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM tenants WHERE slug LIKE 'bench-%' ORDER BY slug")
            .fetch_all(&owner)
            .await
            .unwrap();

    println!("\nproduct search, {TENANTS} tenants x {PRODUCTS_PER_TENANT} products, {ROUNDS} queries per kind (interleaved)\n");
    println!(
        "{:<18} {:>10} {:>10} {:>12} {:>12} {:>16}",
        "query", "rls p50", "rls p95", "explicit p50", "explicit p95", "throughput ratio"
    );
    for (kind, make) in kinds() {
        let mut rls = Vec::with_capacity(ROUNDS);
        let mut explicit = Vec::with_capacity(ROUNDS);
        for i in 0..ROUNDS {
            let tenant = tenants[(i * 37) % tenants.len()];
            let search = make(i);
            // Alternate which goes first so neither always meets a warm cache.
            if i % 2 == 0 {
                rls.push(time_rls(&db, tenant, &search).await);
                explicit.push(time_explicit(&owner, tenant, &search).await);
            } else {
                explicit.push(time_explicit(&owner, tenant, &search).await);
                rls.push(time_rls(&db, tenant, &search).await);
            }
        }
        let ratio = total(&explicit).as_secs_f64() / total(&rls).as_secs_f64();
        println!(
            "{:<18} {:>8.2}ms {:>8.2}ms {:>10.2}ms {:>10.2}ms {:>16.2}",
            kind,
            ms(percentile(&mut rls, 50)),
            ms(percentile(&mut rls, 95)),
            ms(percentile(&mut explicit, 50)),
            ms(percentile(&mut explicit, 95)),
            ratio
        );
    }
    println!("\nratio = explicit total time / tenant-path total time (1.0 = RLS costs nothing)");
}

type MakeSearch = fn(usize) -> String;

fn kinds() -> Vec<(&'static str, MakeSearch)> {
    vec![
        ("name prefix", |i| {
            format!(
                "{} {}",
                WORDS_A[i % WORDS_A.len()],
                &WORDS_B[i % WORDS_B.len()][..2]
            )
        }),
        ("name substring", |i| {
            let word = WORDS_B[(i * 3) % WORDS_B.len()];
            word[1..word.len().min(4)].to_string()
        }),
        ("sku prefix", |i| format!("B{:03}-00{}", i % 100, i % 10)),
        ("barcode", |i| {
            format!(
                "{:013}",
                (i as i64 % TENANTS) * 100_000 + (i as i64 * 7919) % PRODUCTS_PER_TENANT
            )
        }),
    ]
}

fn query(search: &str) -> ProductQuery {
    ProductQuery {
        search: search.into(),
        sort: ProductSort::Name,
        page: 1,
        page_size: 25,
        ..Default::default()
    }
}

async fn time_rls(db: &Db, tenant: Uuid, search: &str) -> Duration {
    let start = Instant::now();
    let mut tx = db.tenant_tx(tenant).await.unwrap();
    let page = catalog::list_products(&mut tx, &query(search)).await.unwrap();
    tx.commit().await.unwrap();
    std::hint::black_box(page);
    start.elapsed()
}

/// The same two statements `catalog::list_products` runs, with the tenant in
/// the WHERE clause, as the owner (no RLS), in a transaction of its own.
async fn time_explicit(owner: &PgPool, tenant: Uuid, search: &str) -> Duration {
    let pattern = search.trim().to_lowercase();
    let filter = "p.tenant_id = $4 AND p.is_active = $1 AND (p.name_search LIKE '%' || $2 || '%' \
                  OR p.sku_search LIKE $2 || '%' OR p.barcode = $3)";
    let start = Instant::now();
    let mut tx = owner.begin().await.unwrap();
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM products p WHERE {filter}"))
        .bind(true)
        .bind(&pattern)
        .bind(search.trim())
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(&format!(
        "SELECT p.id, p.sku, p.name FROM \
           (SELECT p.id FROM products p WHERE {filter} ORDER BY p.name_search, p.id LIMIT $5 OFFSET $6) page \
         JOIN (products p \
           LEFT JOIN categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id \
           LEFT JOIN suppliers s ON s.tenant_id = p.tenant_id AND s.id = p.supplier_id) ON p.id = page.id \
         ORDER BY p.name_search, p.id"
    ))
    .bind(true)
    .bind(&pattern)
    .bind(search.trim())
    .bind(tenant)
    .bind(25i64)
    .bind(0i64)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    std::hint::black_box((total, rows));
    start.elapsed()
}

/// Loads the tenants and products once (as the owner, triggers off for speed).
async fn load(owner: &PgPool) {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(owner)
        .await
        .unwrap();
    if have >= TENANTS * PRODUCTS_PER_TENANT {
        return;
    }
    eprintln!("loading {} products (once)…", TENANTS * PRODUCTS_PER_TENANT);
    let started = Instant::now();
    let mut tx = bulk_tx(owner).await;
    sqlx::query(
        "INSERT INTO tenants (id, slug, name) SELECT gen_random_uuid(), 'bench-' || lpad(t::text, 3, '0'), 'Bench ' || t \
         FROM generate_series(0, $1 - 1) t ON CONFLICT (slug) DO NOTHING",
    )
    .bind(TENANTS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO products (tenant_id, id, sku, barcode, name, sale_price, reorder_level, on_hand) \
         SELECT t.id, gen_random_uuid(), \
                'B' || substr(t.slug, 7) || '-' || lpad(i::text, 5, '0'), \
                lpad(((substr(t.slug, 7)::int) * 100000 + i)::text, 13, '0'), \
                ($2::text[])[1 + (i * 7) % array_length($2::text[], 1)] || ' ' || \
                ($3::text[])[1 + (i * 13) % array_length($3::text[], 1)] || ' ' || i, \
                100 + (i % 5000), 5, 0 \
         FROM tenants t CROSS JOIN generate_series(0, $1 - 1) i \
         WHERE t.slug LIKE 'bench-%' \
         ON CONFLICT DO NOTHING",
    )
    .bind(PRODUCTS_PER_TENANT)
    .bind(WORDS_A)
    .bind(WORDS_B)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // As autovacuum would in a steady state: statistics and the visibility map.
    sqlx::query("VACUUM (ANALYZE) products")
        .execute(owner)
        .await
        .unwrap();
    eprintln!("loaded in {:.1}s", started.elapsed().as_secs_f64());
}

//! The till's search at 300,000 products in one tenant: each keystroke of a
//! typed name through the shipped path (`till_search`, word-prefix terms
//! under RLS) side by side with the substring query it replaced (the same
//! tenant path, `name LIKE '%…%'`), in one run on the same database.
//!
//! Then the offline till's catalog at that size (`sync/catalog`'s domain
//! call, issue #15): the bounded set a till caches on its first visit, the
//! delta it asks for on each refresh, side by side with the whole catalog it
//! would otherwise download.
//!
//! Run: `cargo bench -p server --bench till` (database as for the search
//! bench; the data is loaded once and kept). Prints p50/p95 per keystroke and
//! the throughput ratio. A measurement, not a test.
use std::time::{Duration, Instant};

use app::{
    domain::{billing::offline, inventory::till_search},
    model::{PosItem, Role},
    permissions::Actor,
    tenancy::Db,
};
use sqlx::PgPool;
use uuid::Uuid;

mod common;
use common::{app_db, bulk_tx, ms, percentile, prepare, total};

const PRODUCTS: i64 = 300_000;
/// Finalized bills over the last 90 days (3 lines each, most on a few
/// products): what the bounded set's ranking reads.
const BILLS: i64 = 30_000;
const ROUNDS: usize = 20;
const DATABASE: &str = "shopfloor_bench_till";

const WORDS_A: &[&str] = &[
    "green", "black", "red", "golden", "wild", "smoked", "fresh", "sweet", "dark", "classic", "organic",
    "spicy", "salted", "roasted", "frozen",
];
const WORDS_B: &[&str] = &[
    "tea", "coffee", "cocoa", "honey", "jam", "bread", "cheese", "olive", "pepper", "rice", "pasta", "soap",
    "candle", "pencil", "notebook", "battery", "towel", "yoghurt", "butter", "cider", "almonds", "cashews",
    "lentils", "noodles", "mustard",
];
/// What a cashier types, one keystroke at a time.
const TYPED: &[&str] = &[
    "fresh chee",
    "smoked almo",
    "honey g",
    "b000421",
    "0000000000421",
    "cola",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (options, owner) = prepare(DATABASE).await;
    let tenant = load(&owner).await;
    let cashier = load_sales(&owner, tenant).await;
    let db = app_db(&options, 4).await;

    println!("\ntill search, one tenant with {PRODUCTS} products, {ROUNDS} rounds of each keystroke (interleaved)\n");
    println!(
        "{:<14} {:>6} {:>10} {:>10} {:>12} {:>12} {:>8}",
        "typed", "items", "terms p50", "terms p95", "substr p50", "substr p95", "ratio"
    );
    let mut all_terms = Vec::new();
    for word in TYPED {
        let chars: Vec<char> = word.chars().collect();
        for n in 1..=chars.len() {
            let typed: String = chars[..n].iter().collect();
            if typed.ends_with(' ') {
                continue;
            }
            let (mut terms, mut substring) = (Vec::new(), Vec::new());
            let mut items = 0;
            for i in 0..ROUNDS {
                if i % 2 == 0 {
                    let (t, n) = time_terms(&db, tenant, &typed).await;
                    terms.push(t);
                    items = n;
                    substring.push(time_substring(&db, tenant, &typed).await);
                } else {
                    substring.push(time_substring(&db, tenant, &typed).await);
                    terms.push(time_terms(&db, tenant, &typed).await.0);
                }
            }
            let ratio = total(&substring).as_secs_f64() / total(&terms).as_secs_f64();
            println!(
                "{:<14} {:>6} {:>8.2}ms {:>8.2}ms {:>10.2}ms {:>10.2}ms {:>8.1}",
                format!("{typed:?}"),
                items,
                ms(percentile(&mut terms, 50)),
                ms(percentile(&mut terms, 95)),
                ms(percentile(&mut substring, 50)),
                ms(percentile(&mut substring, 95)),
                ratio
            );
            all_terms.extend(terms);
        }
    }
    println!(
        "\nevery keystroke through the shipped path: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(percentile(&mut all_terms, 50)),
        ms(percentile(&mut all_terms, 95)),
        ms(percentile(&mut all_terms, 100)),
    );
    println!("ratio = substring total time / terms total time (higher = the terms path is faster)");

    offline_catalog(&db, tenant, cashier).await;
}

/// The offline till's catalog at 300,000 products: the bounded set (first
/// visit, or a cursor too old), the delta of a refresh with nothing changed,
/// and the whole catalog a till without the bound would download, in turns.
async fn offline_catalog(db: &Db, tenant: Uuid, cashier: Uuid) {
    let actor = Actor {
        user_id: cashier,
        role: Role::Cashier,
    };
    let (mut set_times, mut delta_times, mut whole_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut set_bytes, mut whole_bytes, mut set_len, mut whole_len) = (0, 0, 0, 0);
    for round in 0..ROUNDS + 3 {
        let start = Instant::now();
        let mut tx = db.tenant_tx(tenant).await.unwrap();
        let set = offline::catalog_delta(&mut tx.acting(actor), "", None, offline::CATALOG_BOUND)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let set_time = start.elapsed();
        assert!(set.full);
        set_len = set.products.len();
        set_bytes = serde_json::to_vec(&set.products).unwrap().len();
        let cursor = set.cursor;

        let start = Instant::now();
        let mut tx = db.tenant_tx(tenant).await.unwrap();
        let delta = offline::catalog_delta(&mut tx.acting(actor), &cursor, None, offline::CATALOG_BOUND)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let delta_time = start.elapsed();
        assert!(!delta.full);

        let start = Instant::now();
        let whole = whole_catalog(db, tenant).await;
        let whole_time = start.elapsed();
        whole_len = whole.len();
        whole_bytes = serde_json::to_vec(&whole).unwrap().len();
        // The first rounds warm the caches.
        if round >= 3 {
            set_times.push(set_time);
            delta_times.push(delta_time);
            whole_times.push(whole_time);
        }
    }
    println!(
        "\noffline till's catalog, {PRODUCTS} products, {BILLS} bills in 90 days, {ROUNDS} rounds (in turns)\n"
    );
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>10}",
        "call", "products", "JSON KB", "p50 ms", "p95 ms"
    );
    let line = |label: &str, n: usize, bytes: usize, samples: &mut Vec<Duration>| {
        println!(
            "{label:<44} {n:>8} {:>10.1} {:>10.2} {:>10.2}",
            bytes as f64 / 1000.0,
            ms(percentile(samples, 50)),
            ms(percentile(samples, 95))
        );
    };
    line(
        "bounded set (first visit, old cursor)",
        set_len,
        set_bytes,
        &mut set_times,
    );
    line(
        "delta since the last refresh (no changes)",
        0,
        0,
        &mut delta_times,
    );
    line(
        "the whole catalog (what the bound avoids)",
        whole_len,
        whole_bytes,
        &mut whole_times,
    );
    println!(
        "ratio whole catalog / bounded set: time {:.2}, bytes {:.0}; delta / bounded set time {:.2}",
        total(&whole_times).as_secs_f64() / total(&set_times).as_secs_f64(),
        whole_bytes as f64 / set_bytes as f64,
        total(&delta_times).as_secs_f64() / total(&set_times).as_secs_f64(),
    );
}

/// Every active product through the tenant path: the download a till would
/// make without the bounded set.
async fn whole_catalog(db: &Db, tenant: Uuid) -> Vec<PosItem> {
    let mut tx = db.tenant_tx(tenant).await.unwrap();
    let items = offline::active_catalog(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    items
}

/// A cashier and 30,000 finalized bills over the last 90 days, 3 lines each,
/// loaded once like the products (superuser, triggers off: the bills are born
/// final). Lines fall on products by a power law, as sales do: a few hundred
/// products take most of them. Answers the cashier.
async fn load_sales(owner: &PgPool, tenant: Uuid) -> Uuid {
    let email = "cashier@till-bench.test";
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM bills WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(owner)
        .await
        .unwrap();
    if have < BILLS {
        eprintln!("loading {BILLS} bills over 90 days (once)…");
        let started = Instant::now();
        let mut tx = bulk_tx(owner).await;
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash) \
             VALUES (gen_random_uuid(), $1, 'Bench cashier', 'not a hash') ON CONFLICT DO NOTHING",
        )
        .bind(email)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO bills (tenant_id, id, status, number, idempotency_key, cashier_id, currency, tax_mode, \
               gross, discount, bill_discount, net, tax, total, paid, change_given, created_at, finalized_at) \
             SELECT $1, gen_random_uuid(), 'finalized', n, 'till-bench-' || n, u.id, 'USD', 'inclusive', \
                    300, 0, 0, 250, 50, 300, 300, 0, at, at \
             FROM users u, generate_series(1, $2) AS n, \
                  LATERAL (SELECT now() - n * (interval '90 days' / $2) AS at) x \
             WHERE u.email = $3",
        )
        .bind(tenant)
        .bind(BILLS)
        .bind(email)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "WITH ids AS (SELECT array_agg(id ORDER BY sku) AS a FROM products WHERE tenant_id = $1) \
             INSERT INTO bill_lines (tenant_id, bill_id, line_no, product_id, sku, name, unit_price, tax_rate_bp, \
               quantity, line_discount, bill_discount, net, tax, total) \
             SELECT $1, b.id, l, ids.a[1 + floor($2 * power(random(), 4))::int], 'bench', 'bench', 100, 0, \
                    1, 0, 0, 100, 0, 100 \
             FROM bills b, generate_series(1, 3) AS l, ids \
             WHERE b.tenant_id = $1",
        )
        .bind(tenant)
        .bind(PRODUCTS as f64)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        sqlx::query("VACUUM (ANALYZE) bills, bill_lines")
            .execute(owner)
            .await
            .unwrap();
        eprintln!("loaded in {:.1}s", started.elapsed().as_secs_f64());
    }
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(owner)
        .await
        .unwrap()
}

async fn time_terms(db: &Db, tenant: Uuid, typed: &str) -> (Duration, usize) {
    let start = Instant::now();
    let mut tx = db.tenant_tx(tenant).await.unwrap();
    let items = till_search::search(&mut tx, typed, 12).await.unwrap();
    tx.commit().await.unwrap();
    (start.elapsed(), items.len())
}

/// The till query before migration 0006: exact codes, then names containing
/// the text, through the same tenant path.
async fn time_substring(db: &Db, tenant: Uuid, typed: &str) -> Duration {
    let raw = typed.trim();
    let query = raw.to_lowercase();
    let pattern = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let start = Instant::now();
    let mut tx = db.tenant_tx(tenant).await.unwrap();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT p.id, p.name FROM (SELECT p.id, (p.barcode = $2 OR p.sku_search = $1) AS exact FROM products p \
               WHERE p.is_active AND (p.barcode = $2 OR p.sku_search = $1 \
                     OR p.name_search LIKE '%' || $3 || '%' OR p.sku_search LIKE $3 || '%') \
               ORDER BY exact DESC, p.name_search LIMIT 12) hit \
         JOIN products p ON p.id = hit.id ORDER BY hit.exact DESC, p.name_search",
    )
    .bind(&query)
    .bind(raw)
    .bind(&pattern)
    .fetch_all(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    std::hint::black_box(rows);
    start.elapsed()
}

/// One tenant with 300,000 products and their search terms, loaded once (as
/// the superuser, triggers off for speed; the terms by the migration's own
/// function, exactly as the trigger would write them).
async fn load(owner: &PgPool) -> Uuid {
    let have: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'till-bench'",
    )
    .fetch_one(owner)
    .await
    .unwrap();
    if have < PRODUCTS {
        eprintln!("loading {PRODUCTS} products and their terms (once)…");
        let started = Instant::now();
        let mut tx = bulk_tx(owner).await;
        sqlx::query(
            "INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'till-bench', 'Till bench') \
             ON CONFLICT (slug) DO NOTHING",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO products (tenant_id, id, sku, barcode, name, sale_price, reorder_level, on_hand) \
             SELECT t.id, gen_random_uuid(), 'B' || lpad(i::text, 6, '0'), lpad(i::text, 13, '0'), \
                    ($2::text[])[1 + (i * 7) % array_length($2::text[], 1)] || ' ' || \
                    ($3::text[])[1 + (i * 13) % array_length($3::text[], 1)] || ' ' || i, \
                    100 + (i % 5000), 5, 1000 \
             FROM tenants t CROSS JOIN generate_series(0, $1 - 1) i WHERE t.slug = 'till-bench' \
             ON CONFLICT DO NOTHING",
        )
        .bind(PRODUCTS)
        .bind(WORDS_A)
        .bind(WORDS_B)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO product_search_terms (tenant_id, term, product_id) \
             SELECT p.tenant_id, w, p.id FROM products p JOIN tenants t ON t.id = p.tenant_id, \
                    product_search_terms_of(p.name, p.sku) w \
             WHERE t.slug = 'till-bench' ON CONFLICT DO NOTHING",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for table in ["products", "product_search_terms"] {
            sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
                .execute(owner)
                .await
                .unwrap();
        }
        eprintln!("loaded in {:.1}s", started.elapsed().as_secs_f64());
    }
    sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'till-bench'")
        .fetch_one(owner)
        .await
        .unwrap()
}

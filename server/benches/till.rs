//! The till's search at 300,000 products in one tenant: each keystroke of a
//! typed name through the shipped path (`till_search`, word-prefix terms
//! under RLS) side by side with the substring query it replaced (the same
//! tenant path, `name LIKE '%…%'`), in one run on the same database.
//!
//! Run: `cargo bench -p server --bench till` (database as for the search
//! bench; the data is loaded once and kept). Prints p50/p95 per keystroke and
//! the throughput ratio. A measurement, not a test.
use std::time::{Duration, Instant};

use app::{domain::inventory::till_search, tenancy::Db};
use sqlx::PgPool;
use uuid::Uuid;

mod common;
use common::{app_db, ms, percentile, prepare, total};

const PRODUCTS: i64 = 300_000;
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
        let mut tx = owner.begin().await.unwrap();
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await
            .unwrap();
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

//! A month's daily sales report with a long history, side by side in one run:
//!
//! - the **tenant path**: a READ ONLY tenant transaction (tenant role, the
//!   tenant set, row-level security) running the report's query with no
//!   tenant filter of its own, as `reports/sales` does (begin, query, commit);
//! - the **same query as the owner** with an explicit `tenant_id = $4` on
//!   every table (no RLS; one statement, no transaction of its own);
//! - for information, the whole domain call (`sales::sales`: rows, totals and
//!   the SVG chart) on the tenant path.
//!
//! 100 tenants; 1,000,000 finalized bills (about two years, one every 63 s)
//! and 10,000 credit notes in one of them, 2,000 bills in each of the others,
//! written with `generate_series` in the bench's own database (recreated each
//! run). The business is in Europe/Berlin.
//!
//! Run: `cargo bench -p server --bench reports`. Prints p50/p95 per path and
//! the ratio (owner p95 / tenant p95: at least 0.9 means the tenant path
//! costs at most about 10 % more). A measurement, not a test.
use std::time::{Duration, Instant};

use app::{
    domain::{
        accounts::{self, SignupInput},
        reports::{sales, Period},
    },
    model::{Role, SalesGroup},
    permissions::Actor,
};
use chrono::NaiveDate;
use uuid::Uuid;

mod common;
use common::{app_db, bulk_tx, ms, percentile, prepare_fresh};

const TENANTS: usize = 100;
const BIG_BILLS: i64 = 1_000_000;
const OTHER_BILLS: i64 = 2_000;
const ROUNDS: usize = 200;
const DATABASE: &str = "shopfloor_bench_reports";
const TIMEZONE: &str = "Europe/Berlin";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (options, owner) = prepare_fresh(DATABASE).await;
    let db = app_db(&options, 4).await;
    eprintln!("signing up {TENANTS} tenants…");
    let mut tenants = Vec::new();
    for i in 0..TENANTS {
        let slug = format!("report-shop-{i:03}");
        let signed = accounts::sign_up(
            &db,
            SignupInput {
                business_name: format!("Report shop {i}"),
                slug: slug.clone(),
                display_name: "Owner".into(),
                email: format!("owner@{slug}.test"),
                password: "bench-password-1".into(),
            },
            None,
            None,
        )
        .await
        .expect("sign up");
        tenants.push((signed.tenant.id, signed.user_id));
    }
    sqlx::query("UPDATE tenants SET timezone = $1")
        .bind(TIMEZONE)
        .execute(&owner)
        .await
        .unwrap();
    let started = Instant::now();
    eprintln!("writing {BIG_BILLS} bills in one tenant and {OTHER_BILLS} in each other…");
    for (n, (tenant, user)) in tenants.iter().enumerate() {
        let bills = if n == 0 { BIG_BILLS } else { OTHER_BILLS };
        bulk_bills(&owner, *tenant, *user, bills).await;
    }
    // As autovacuum would in time: statistics, and the visibility map that
    // lets a period be read from the index alone.
    sqlx::query("VACUUM (ANALYZE) bills, credit_notes")
        .execute(&owner)
        .await
        .unwrap();
    eprintln!("written in {:.0} s", started.elapsed().as_secs_f64());

    let (tenant, user) = tenants[0];
    let actor = Actor {
        user_id: user,
        role: Role::Owner,
    };
    // A whole month well inside the history.
    let today: NaiveDate = sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
        .bind(TIMEZONE)
        .fetch_one(&owner)
        .await
        .unwrap();
    let period = Period {
        from: today - chrono::Duration::days(40),
        to: today - chrono::Duration::days(11),
        timezone: TIMEZONE.into(),
    };
    let tenant_sql = sales::sql(SalesGroup::Day);
    let owner_sql = tenant_sql
        .replace(
            "WHERE b.status = 'finalized' AND",
            "WHERE b.tenant_id = $4 AND b.status = 'finalized' AND",
        )
        .replace("WHERE n.created_at", "WHERE n.tenant_id = $4 AND n.created_at");
    assert_ne!(owner_sql, tenant_sql, "the owner's query filters by tenant");
    let bills_in_month: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bills WHERE tenant_id = $1 AND finalized_at >= ($2::date)::timestamp AT TIME ZONE $4 \
         AND finalized_at < ($3::date + 1)::timestamp AT TIME ZONE $4",
    )
    .bind(tenant)
    .bind(period.from)
    .bind(period.to)
    .bind(TIMEZONE)
    .fetch_one(&owner)
    .await
    .unwrap();

    type Row = (String, Option<String>, i64, i64, i64, i64);
    let mut tenant_times = Vec::new();
    let mut owner_times = Vec::new();
    let mut domain_times = Vec::new();
    let mut checked = false;
    for round in 0..ROUNDS + 10 {
        let t0 = Instant::now();
        let mut tx = db.tenant_read_tx(tenant).await.unwrap();
        let on_tenant_path: Vec<Row> = period
            .bind(sqlx::query_as(&tenant_sql))
            .fetch_all(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let tenant_time = t0.elapsed();

        let t0 = Instant::now();
        let as_owner: Vec<Row> = period
            .bind(sqlx::query_as(&owner_sql))
            .bind(tenant)
            .fetch_all(&owner)
            .await
            .unwrap();
        let owner_time = t0.elapsed();

        let t0 = Instant::now();
        let mut tx = db.tenant_read_tx(tenant).await.unwrap();
        let report = sales::sales(&mut tx.acting(actor), &period, SalesGroup::Day)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let domain_time = t0.elapsed();

        if !checked {
            let mut a = on_tenant_path.clone();
            let mut b = as_owner.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b, "both paths read the same figures");
            assert_eq!(report.totals.bills, bills_in_month);
            checked = true;
        }
        // The first rounds warm the caches.
        if round >= 10 {
            tenant_times.push(tenant_time);
            owner_times.push(owner_time);
            domain_times.push(domain_time);
        }
    }
    println!(
        "\na month's daily report ({} to {}, {bills_in_month} bills) in a tenant with {BIG_BILLS} bills, \
         {TENANTS} tenants; {ROUNDS} rounds, the paths alternating",
        period.from, period.to
    );
    println!("{:<52} {:>9} {:>9}", "path", "p50 ms", "p95 ms");
    let line = |label: &str, samples: &mut Vec<Duration>| -> f64 {
        let p50 = ms(percentile(samples, 50));
        let p95 = ms(percentile(samples, 95));
        println!("{label:<52} {p50:>9.2} {p95:>9.2}");
        p95
    };
    let tenant_p95 = line(
        "tenant path: RLS, tenant role (begin, query, commit)",
        &mut tenant_times,
    );
    let owner_p95 = line("same query as the owner, explicit tenant_id", &mut owner_times);
    line(
        "sales::sales on the tenant path (rows, totals, chart)",
        &mut domain_times,
    );
    println!(
        "ratio owner p95 / tenant p95: {:.2} (target >= 0.9); tenant p95 {:.1} ms (target < 100 ms)",
        owner_p95 / tenant_p95,
        tenant_p95
    );
}

/// `count` finalized bills, one every 63 s back from now, and a credit note
/// for every hundredth, written in bulk with the triggers off (the
/// superuser's replica mode, this transaction only: the bills are born final
/// instead of going through a draft).
async fn bulk_bills(owner: &sqlx::PgPool, tenant: Uuid, cashier: Uuid, count: i64) {
    let mut tx = bulk_tx(owner).await;
    sqlx::query(
        "INSERT INTO bills (tenant_id, id, status, number, idempotency_key, cashier_id, currency, tax_mode, \
           gross, discount, bill_discount, net, tax, total, paid, change_given, created_at, finalized_at) \
         SELECT $1, gen_random_uuid(), 'finalized', n, 'bench-bill-' || n, $2, 'USD', 'inclusive', \
                v, 0, 0, v - v / 6, v / 6, v, v, 0, at, at \
         FROM generate_series(1, $3) AS n, \
              LATERAL (SELECT 1000 + (n * 37) % 9000 AS v, now() - n * interval '63 seconds' AS at) x",
    )
    .bind(tenant)
    .bind(cashier)
    .bind(count)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO credit_notes (tenant_id, id, number, bill_id, reason, refund_method, restocked, total, tax, \
           created_by, created_at) \
         SELECT tenant_id, gen_random_uuid(), number / 100, id, 'bench', 'cash', false, total / 2, tax / 2, \
                cashier_id, finalized_at + interval '1 day' \
         FROM bills WHERE tenant_id = $1 AND number % 100 = 0",
    )
    .bind(tenant)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

//! Checkout throughput, side by side in one run on one database:
//!
//! - the **minimal checkout transaction** (what the database alone must do
//!   for a 2-line sale: conditional stock updates, movements, counter, bill,
//!   lines, payment, finalizing; one prepared statement each, as the owner);
//! - the domain's `finalize_sale` + `get_bill` in a tenant transaction (the
//!   server function's SQL without HTTP);
//! - `POST /api/bills/finalize` through the real server (tenant resolution,
//!   session, member check, RLS transaction, audit, events after commit).
//!
//! The HTTP path also runs with the books' sale posting switched off (its
//! trigger disabled for that phase), to measure what posting costs.
//!
//! First 32 terminals over 10 tenants, then one busy tenant with 10
//! terminals, alternating with that tenant selling a product with 100,000
//! movements.
//!
//! Run: `cargo bench -p server --bench checkout` (database as for the search
//! bench; recreated each run). Prints bills/s and p50/p99 per path and the
//! ratios. A measurement, not a test: measure in release (the default for
//! `cargo bench`).
use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use app::{
    domain::{
        accounts::{self, SignupInput},
        billing::{finalize, read},
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
    state::SiteConfig,
    tenancy::Db,
};
use axum::body::Body;
use http_body_util::BodyExt;
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use leptos::config::LeptosOptions;
use uuid::Uuid;

mod common;
use common::{app_db, bulk_tx, ms, percentile, prepare_fresh};

const TENANTS: usize = 10;
const TERMINALS: usize = 32;
const PHASE: Duration = Duration::from_secs(10);
const ROUNDS: usize = 2;
const DATABASE: &str = "shopfloor_bench_checkout";
const PASSWORD: &str = "bench-password-1";

/// One till: its tenant, its cashier and the products it sells.
#[derive(Clone)]
struct Terminal {
    host: String,
    tenant: Uuid,
    cashier: Actor,
    products: [Uuid; 2],
    email: String,
    /// The session, once logged in.
    cookie: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (options, owner) = prepare_fresh(DATABASE).await;
    // The pools the server makes (20 tenant connections, 10 owner ones).
    let db = app_db(&options, 20).await;
    eprintln!("setting up {TENANTS} tenants and {TERMINALS} cashiers…");
    let mut terminals = setup(&db).await;
    let mut busy = busy_terminals(&db, &terminals[0]).await;
    let old_product = product_with_history(&db, &owner, &terminals[0], HISTORY).await;

    let state = server::app_state(
        db.clone(),
        SiteConfig {
            base_domain: "localhost".into(),
            https: false,
            trusted_proxies: Vec::new(),
        },
        LeptosOptions::builder()
            .output_name("shopfloor")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .build(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = server::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let client: Client<HttpConnector, Body> = Client::builder(TokioExecutor::new()).build_http();
    for t in terminals.iter_mut().chain(busy.iter_mut()) {
        t.cookie = login(&client, addr, t).await;
    }
    let bench = Bench {
        client,
        addr,
        db: db.clone(),
        // As many connections as the server's tenant pool.
        owner: server::database::connect_admin_pool(options.clone(), 20)
            .await
            .expect("owner pool"),
    };

    println!(
        "\ncheckout of a 2-line cart; each path runs {ROUNDS} x {}s, the paths alternating",
        PHASE.as_secs()
    );
    println!(
        "\n{TERMINALS} terminals over {TENANTS} tenants:\n{}",
        Table::header()
    );
    let spread = bench
        .compare(&[
            Run::new(Path::Minimal, &terminals),
            Run::new(Path::Domain, &terminals),
            Run::new(Path::Http, &terminals),
            Run::without_books(Path::Http, &terminals),
        ])
        .await;
    spread.print();
    println!(
        "ratio HTTP / minimal transaction: {:.2} (target >= 0.5)",
        spread.rate(Path::Http.label()) / spread.rate(Path::Minimal.label())
    );
    println!(
        "ratio HTTP with the sale posted to the books / without: {:.2} (target >= 0.9)",
        spread.rate(Path::Http.label()) / spread.rate(&Run::without_books(Path::Http, &[]).label)
    );

    // One busy tenant; its tills selling fresh products, then (alternating in
    // the same minutes) one product with a long history instead.
    let old: Vec<Terminal> = busy
        .iter()
        .map(|t| Terminal {
            products: [old_product, t.products[1]],
            ..t.clone()
        })
        .collect();
    let history_label = format!("HTTP, a product with {HISTORY} movements");
    println!("\none busy tenant, {BUSY} terminals:\n{}", Table::header());
    let one = bench
        .compare(&[
            Run::new(Path::Minimal, &busy),
            Run::new(Path::Http, &busy),
            Run {
                label: history_label.clone(),
                path: Path::Http,
                terminals: old,
                books: true,
            },
        ])
        .await;
    one.print();
    println!(
        "ratio HTTP / minimal transaction: {:.2}",
        one.rate(Path::Http.label()) / one.rate(Path::Minimal.label())
    );
    println!(
        "ratio product with {HISTORY} movements / fresh products (HTTP): {:.2}",
        one.rate(&history_label) / one.rate(Path::Http.label())
    );

    offline_sync(&bench, &terminals[1]).await;

    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(violations, 0, "the ledger must stay clean");
    // The phases without posting left their sales out of the books on
    // purpose; everything posted must still balance.
    let unbalanced: i64 =
        sqlx::query_scalar("SELECT count(*) FROM accounting_violations() WHERE problem = 'unbalanced entry'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(unbalanced, 0, "every entry must balance");
}

const BUSY: usize = 10;
const HISTORY: i64 = 100_000;

/// The ways one checkout is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Path {
    /// The minimal checkout transaction, statement by statement (what the
    /// database alone must do): 2 conditional stock updates, 2 movements, the
    /// counter, the bill, 2 lines, 1 payment, finalizing; as the owner, no RLS.
    Minimal,
    /// The domain's `finalize_sale` + `get_bill` in a tenant transaction (no HTTP).
    Domain,
    /// `POST /api/bills/finalize` through the whole server.
    Http,
}

impl Path {
    fn label(self) -> &'static str {
        match self {
            Path::Minimal => "minimal transaction (SQL)",
            Path::Domain => "finalize_sale (SQL, no HTTP)",
            Path::Http => "HTTP bills/finalize",
        }
    }
}

#[derive(Clone)]
struct Bench {
    client: Client<HttpConnector, Body>,
    addr: SocketAddr,
    db: Db,
    owner: sqlx::PgPool,
}

/// One line of a comparison: a path driven by a set of terminals, with or
/// without the books' sale posting.
struct Run {
    label: String,
    path: Path,
    terminals: Vec<Terminal>,
    books: bool,
}

impl Run {
    fn new(path: Path, terminals: &[Terminal]) -> Self {
        Run {
            label: path.label().to_owned(),
            path,
            terminals: terminals.to_vec(),
            books: true,
        }
    }

    fn without_books(path: Path, terminals: &[Terminal]) -> Self {
        Run {
            label: format!("{}, books off", path.label()),
            books: false,
            ..Run::new(path, terminals)
        }
    }
}

/// Samples and wall time per run, by label.
struct Table(Vec<(String, Vec<Duration>, Duration)>);

impl Table {
    fn header() -> String {
        format!(
            "{:<44} {:>9} {:>10} {:>10} {:>8}",
            "path", "bills/s", "p50", "p99", "bills"
        )
    }

    fn rate(&self, label: &str) -> f64 {
        let (_, samples, took) = self.0.iter().find(|(l, ..)| l == label).unwrap();
        samples.len() as f64 / took.as_secs_f64()
    }

    fn print(&self) {
        for (label, samples, _) in &self.0 {
            let mut samples = samples.clone();
            println!(
                "{:<44} {:>9.1} {:>8.2}ms {:>8.2}ms {:>8}",
                label,
                self.rate(label),
                ms(percentile(&mut samples, 50)),
                ms(percentile(&mut samples, 99)),
                samples.len()
            );
        }
    }
}

impl Bench {
    /// Runs each run in turn, `ROUNDS` times, so every path sees the same
    /// machine over the same minutes.
    /// One checkout by `t` along `path`.
    async fn checkout(&self, path: Path, t: &Terminal) {
        match path {
            Path::Minimal => checkout_minimal(&self.owner, t).await,
            Path::Domain => checkout_sql(&self.db, t).await,
            Path::Http => checkout_http(&self.client, self.addr, t).await,
        }
    }

    async fn compare(&self, runs: &[Run]) -> Table {
        let mut table = Table(
            runs.iter()
                .map(|r| (r.label.clone(), Vec::new(), Duration::ZERO))
                .collect(),
        );
        for _ in 0..ROUNDS {
            for (run_, (_, samples, took)) in runs.iter().zip(table.0.iter_mut()) {
                self.post_sales(run_.books).await;
                let (bench, path) = (self.clone(), run_.path);
                let (more, time) = run(&run_.terminals, move |t| {
                    let bench = bench.clone();
                    async move { bench.checkout(path, &t).await }
                })
                .await;
                samples.extend(more);
                *took += time;
            }
        }
        self.post_sales(true).await;
        table
    }

    /// Switches the books' sale posting (migration 0018's trigger) on or off.
    async fn post_sales(&self, on: bool) {
        let verb = if on { "ENABLE" } else { "DISABLE" };
        sqlx::query(&format!("ALTER TABLE bills {verb} TRIGGER bills_books"))
            .execute(&self.owner)
            .await
            .expect("switch the sale posting");
    }
}

/// Runs every terminal in a loop for one phase; latencies and wall time.
async fn run<F, Fut>(terminals: &[Terminal], sell: F) -> (Vec<Duration>, Duration)
where
    F: Fn(Terminal) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let sell = Arc::new(sell);
    let started = Instant::now();
    let deadline = started + PHASE;
    let mut tasks = Vec::new();
    for t in terminals {
        let (t, sell) = (t.clone(), sell.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                sell(t.clone()).await;
                samples.push(start.elapsed());
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    (samples, started.elapsed())
}

fn sale(t: &Terminal) -> SaleInput {
    SaleInput {
        idempotency_key: format!("bench-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: t
            .products
            .iter()
            .map(|&product_id| CartLine {
                product_id,
                quantity: 1,
                line_discount: 0,
            })
            .collect(),
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: 250 + 199,
            tendered: Some(500),
        }],
    }
}

async fn checkout_sql(db: &Db, t: &Terminal) {
    let mut tx = db.tenant_tx(t.tenant).await.unwrap();
    let id = finalize::finalize_sale(&mut tx.acting(t.cashier), &sale(t))
        .await
        .unwrap();
    let bill = read::get_bill(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    std::hint::black_box(bill);
}

async fn checkout_http(client: &Client<HttpConnector, Body>, addr: SocketAddr, t: &Terminal) {
    let body = serde_json::to_vec(&serde_json::json!({ "sale": sale(t) })).unwrap();
    let req = http::Request::post(format!("http://{addr}/api/bills/finalize"))
        .header(http::header::HOST, &t.host)
        .header(http::header::ORIGIN, format!("http://{}", t.host))
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::COOKIE, &t.cookie)
        .body(Body::from(body))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(
        status.is_success(),
        "finalize answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
}

/// Queued sales per offline sync call.
const QUEUED: usize = 100;
/// Times each side of the offline comparison runs (alternating).
const SYNC_ROUNDS: usize = 5;

/// The offline till's sync: `QUEUED` sales in one `sync/sales` call against
/// the same number of online checkouts one after the other (one till, as a
/// till that comes back online sends its queue), alternating; the best and
/// median times of each, and the ratio.
async fn offline_sync(bench: &Bench, t: &Terminal) {
    let mut online = Vec::new();
    let mut synced = Vec::new();
    for round in 0..SYNC_ROUNDS {
        let started = Instant::now();
        for _ in 0..QUEUED {
            checkout_http(&bench.client, bench.addr, t).await;
        }
        online.push(started.elapsed());
        let sales: Vec<serde_json::Value> = (0..QUEUED)
            .map(|n| {
                let sale = sale(t);
                serde_json::json!({
                    "idempotency_key": sale.idempotency_key,
                    "provisional_number": format!("T1-{:06}", round * QUEUED + n + 1),
                    "sold_at": "2026-01-05T10:15:00Z",
                    "lines": t.products.iter().zip([250i64, 199]).map(|(product, price)| serde_json::json!({
                        "product_id": product, "quantity": 1, "unit_price": price, "tax_rate_bp": 0,
                    })).collect::<Vec<_>>(),
                    "payments": sale.payments,
                })
            })
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({ "sales": sales })).unwrap();
        let req = http::Request::post(format!("http://{}/api/sync/sales", bench.addr))
            .header(http::header::HOST, &t.host)
            .header(http::header::ORIGIN, format!("http://{}", t.host))
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::COOKIE, &t.cookie)
            .body(Body::from(body))
            .unwrap();
        let started = Instant::now();
        let res = bench.client.request(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        synced.push(started.elapsed());
        assert!(
            status.is_success(),
            "sync answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let answers: Vec<app::model::SyncedSale> = serde_json::from_slice(&body).unwrap();
        assert!(
            answers.iter().all(|a| a.bill_id.is_some() && a.refused.is_none()),
            "every queued sale is recorded"
        );
    }
    online.sort();
    synced.sort();
    let (online_median, synced_median) = (online[SYNC_ROUNDS / 2], synced[SYNC_ROUNDS / 2]);
    println!("\nthe offline till's sync, {QUEUED} sales of a 2-line cart, {SYNC_ROUNDS} rounds alternating:");
    println!("{:<44} {:>10} {:>10}", "path", "best", "median");
    println!(
        "{:<44} {:>8.1}ms {:>8.1}ms",
        format!("sync of {QUEUED} queued sales (one call)"),
        ms(synced[0]),
        ms(synced_median)
    );
    println!(
        "{:<44} {:>8.1}ms {:>8.1}ms",
        format!("{QUEUED} online checkouts"),
        ms(online[0]),
        ms(online_median)
    );
    println!(
        "ratio sync / online checkouts (median): {:.2}",
        synced_median.as_secs_f64() / online_median.as_secs_f64()
    );
}

/// The minimal checkout transaction: one statement per step, prepared, on
/// the owner's pool (no RLS, no session, no audit): the reference for what
/// the database itself must do for a 2-line sale.
async fn checkout_minimal(owner: &sqlx::PgPool, t: &Terminal) {
    let mut tx = owner.begin().await.unwrap();
    let bill = Uuid::now_v7();
    let key = format!("min-{}", Uuid::new_v4().simple());
    for product in t.products {
        let left: i64 = sqlx::query_scalar(
            "UPDATE products SET on_hand = on_hand - 1, updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND is_active AND on_hand >= 1 RETURNING on_hand",
        )
        .bind(t.tenant)
        .bind(product)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO stock_movements (tenant_id, id, product_id, kind, quantity, balance_after, \
               reference_type, reference_id, actor_user_id) VALUES ($1, $2, $3, 'sale', -1, $4, 'bill', $5, $6)",
        )
        .bind(t.tenant)
        .bind(Uuid::now_v7())
        .bind(product)
        .bind(left)
        .bind(bill.to_string())
        .bind(t.cashier.user_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO bills (tenant_id, id, status, idempotency_key, cashier_id, currency, tax_mode, \
           gross, discount, net, tax, total) VALUES ($1, $2, 'draft', $3, $4, 'USD', 'inclusive', 0, 0, 0, 0, 0)",
    )
    .bind(t.tenant)
    .bind(bill)
    .bind(&key)
    .bind(t.cashier.user_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    for (n, (product, price)) in t.products.iter().zip([250i64, 199]).enumerate() {
        sqlx::query(
            "INSERT INTO bill_lines (tenant_id, bill_id, line_no, product_id, sku, name, unit_price, tax_rate_bp, \
               quantity, line_discount, bill_discount, net, tax, total) \
             VALUES ($1, $2, $3, $4, 'BENCH', 'Bench item', $5, 0, 1, 0, 0, $5, 0, $5)",
        )
        .bind(t.tenant)
        .bind(bill)
        .bind(n as i32 + 1)
        .bind(product)
        .bind(price)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO payments (tenant_id, bill_id, seq, method, amount, tendered, change) \
         VALUES ($1, $2, 1, 'cash', 449, 500, 51)",
    )
    .bind(t.tenant)
    .bind(bill)
    .execute(&mut *tx)
    .await
    .unwrap();
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO tenant_counters (tenant_id, name, last_value) VALUES ($1, 'bill', 1) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = tenant_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind(t.tenant)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE bills SET status = 'finalized', number = $3, finalized_at = now(), gross = 449, net = 449, \
           total = 449, paid = 449, change_given = 51 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t.tenant)
    .bind(bill)
    .bind(number)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// `BUSY` cashiers of the first terminal's tenant, selling its products.
async fn busy_terminals(db: &Db, first: &Terminal) -> Vec<Terminal> {
    let slug = first.host.trim_end_matches(".localhost").to_owned();
    let mut terminals = Vec::new();
    for n in 0..BUSY {
        let email = format!("busy{n}@{slug}.test");
        let user_id = accounts::ensure_member_account(
            db,
            first.tenant,
            &email,
            &format!("Busy till {n}"),
            PASSWORD,
            Role::Cashier,
        )
        .await
        .expect("cashier");
        terminals.push(Terminal {
            cashier: Actor {
                user_id,
                role: Role::Cashier,
            },
            email,
            cookie: String::new(),
            ..first.clone()
        });
    }
    terminals
}

/// A product of the terminal's tenant with `movements` restocks of one unit
/// in its ledger (written in one statement, as the owner).
async fn product_with_history(db: &Db, owner: &sqlx::PgPool, t: &Terminal, movements: i64) -> Uuid {
    let mut tx = db.tenant_tx(t.tenant).await.unwrap();
    let owner_actor = Actor {
        user_id: t.cashier.user_id,
        role: Role::Owner,
    };
    let input = ProductInput {
        sku: "BENCH-OLD".into(),
        name: "Bench item with history".into(),
        sale_price: 250,
        // A cost, so a sale posts its cost of goods sold too.
        cost_price: 150,
        ..Default::default()
    };
    let id = catalog::create_product(&mut tx.acting(owner_actor), input, 1_000_000, &Reference::none())
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    eprintln!("writing {movements} movements for one product…");
    // Written in bulk with the triggers off (the superuser's replica mode, this
    // transaction only): one by one, each movement's trigger would leave a
    // dead version of the product's row behind, 100,000 of them in one
    // transaction. The running total is set to match; inventory_violations()
    // at the end of the run checks the ledger as a whole.
    let mut tx = bulk_tx(owner).await;
    sqlx::query(
        "INSERT INTO stock_movements (tenant_id, id, product_id, kind, quantity, balance_after, reason) \
         SELECT $1, gen_random_uuid(), $2, 'restock', 1, 1000000 + n, 'bench history' \
         FROM generate_series(1, $3) AS n",
    )
    .bind(t.tenant)
    .bind(id)
    .bind(movements)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE products SET on_hand = on_hand + $3, ledger_sum = ledger_sum + $3 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(t.tenant)
    .bind(id)
    .bind(movements)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("VACUUM ANALYZE products, stock_movements")
        .execute(owner)
        .await
        .unwrap();
    id
}

async fn login(client: &Client<HttpConnector, Body>, addr: SocketAddr, t: &Terminal) -> String {
    let form = format!("email={}&password={PASSWORD}", t.email.replace('@', "%40"));
    let req = http::Request::post(format!("http://{addr}/api/auth/login"))
        .header(http::header::HOST, &t.host)
        .header(http::header::ORIGIN, format!("http://{}", t.host))
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .body(Body::from(form))
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert!(res.status().is_success(), "login answered {}", res.status());
    let cookie = res
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("id=") || c.contains("session"))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    cookie
}

/// Tenants `bench-shop-NN`, each with two products in deep stock, and one
/// cashier account per terminal.
async fn setup(db: &Db) -> Vec<Terminal> {
    let mut shops = Vec::new();
    for i in 0..TENANTS {
        let slug = format!("bench-shop-{i:02}");
        let owner_email = format!("owner@{slug}.test");
        let signed = accounts::sign_up(
            db,
            SignupInput {
                business_name: format!("Bench shop {i}"),
                slug: slug.clone(),
                display_name: "Owner".into(),
                email: owner_email.clone(),
                password: PASSWORD.into(),
            },
            None,
            None,
        )
        .await
        .expect("sign up");
        let tenant = signed.tenant.id;
        let owner = Actor {
            user_id: signed.user_id,
            role: Role::Owner,
        };
        let mut products = [Uuid::nil(); 2];
        for (n, price) in [250, 199].into_iter().enumerate() {
            let mut tx = db.tenant_tx(tenant).await.unwrap();
            let input = ProductInput {
                sku: format!("BENCH-{n}"),
                name: format!("Bench item {n}"),
                sale_price: price,
                cost_price: price * 6 / 10,
                ..Default::default()
            };
            products[n] =
                catalog::create_product(&mut tx.acting(owner), input, 1_000_000, &Reference::none())
                    .await
                    .unwrap()
                    .id;
            tx.commit().await.unwrap();
        }
        shops.push((slug, tenant, products));
    }
    let mut terminals = Vec::new();
    for n in 0..TERMINALS {
        let (slug, tenant, products) = shops[n % TENANTS].clone();
        let email = format!("till{n}@{slug}.test");
        let user_id = accounts::ensure_member_account(
            db,
            tenant,
            &email,
            &format!("Till {n}"),
            PASSWORD,
            Role::Cashier,
        )
        .await
        .expect("cashier");
        terminals.push(Terminal {
            host: format!("{slug}.localhost"),
            tenant,
            cashier: Actor {
                user_id,
                role: Role::Cashier,
            },
            products,
            email,
            cookie: String::new(),
        });
    }
    terminals
}

//! Checkout throughput: 32 terminals across 10 tenants selling over HTTP
//! through the real server (sessions, tenant resolution, RLS transaction,
//! `bills/finalize`, audit, NOTIFY), side by side in one run with the same
//! checkout SQL driven by a Rust loop straight on the pool (the domain's
//! `finalize_sale` then `get_bill` in a tenant transaction — what the server
//! function runs — without HTTP, sessions or the server around it).
//!
//! Run: `cargo bench -p server --bench checkout` (database as for the search
//! bench; recreated each run). Prints bills/s, p50/p99 latency per path and
//! the ratio HTTP / SQL. A measurement, not a test.
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
use common::{app_db, ms, percentile, prepare_fresh};

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
    let (options, _owner) = prepare_fresh(DATABASE).await;
    // The pools the server makes (20 tenant connections).
    let db = app_db(&options, 20).await;
    eprintln!("setting up {TENANTS} tenants and {TERMINALS} cashiers…");
    let mut terminals = setup(&db).await;

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
    for t in terminals.iter_mut() {
        t.cookie = login(&client, addr, t).await;
    }

    println!(
        "\ncheckout, {TERMINALS} terminals over {TENANTS} tenants, {ROUNDS} x {}s per path (alternating)\n",
        PHASE.as_secs()
    );
    let (mut sql, mut http) = (Vec::new(), Vec::new());
    let (mut sql_time, mut http_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..ROUNDS {
        let db = db.clone();
        let (samples, took) = run(&terminals, move |t| {
            let db = db.clone();
            async move { checkout_sql(&db, &t).await }
        })
        .await;
        sql.extend(samples);
        sql_time += took;
        let client = client.clone();
        let (samples, took) = run(&terminals, move |t| {
            let client = client.clone();
            async move { checkout_http(&client, addr, &t).await }
        })
        .await;
        http.extend(samples);
        http_time += took;
    }
    let sql_rate = sql.len() as f64 / sql_time.as_secs_f64();
    let http_rate = http.len() as f64 / http_time.as_secs_f64();
    println!(
        "{:<32} {:>10} {:>10} {:>10} {:>8}",
        "path", "bills/s", "p50", "p99", "bills"
    );
    for (name, rate, samples) in [
        ("SQL (finalize + read, no HTTP)", sql_rate, &mut sql),
        ("HTTP bills/finalize", http_rate, &mut http),
    ] {
        println!(
            "{:<32} {:>10.1} {:>8.2}ms {:>8.2}ms {:>8}",
            name,
            rate,
            ms(percentile(samples, 50)),
            ms(percentile(samples, 99)),
            samples.len()
        );
    }
    println!(
        "\nratio HTTP / SQL throughput: {:.2} (target >= 0.5)",
        http_rate / sql_rate
    );
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

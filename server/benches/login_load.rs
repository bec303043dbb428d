//! Another tenant's page while 40 log-ins hash their passwords at once.
//!
//! One server, two tenants. A member of `calm` loads its dashboard over and
//! over (one request at a time) while 40 password checks run at once, four
//! ways, alternating, in one run:
//!
//! - **idle**: nothing else runs;
//! - **uncapped**: 40 argon2 verifications, each on its own blocking thread,
//!   as the server did before hashes were capped;
//! - **capped**: the same 40 through `password::verify_password` (at most one
//!   per core at a time);
//! - **http**: 40 members of `busy` log in at once over HTTP (the real path:
//!   throttle reservation, capped hash, session), each from its own address
//!   (`X-Forwarded-For` from a trusted proxy, so the per-address limit is
//!   not what is measured).
//!
//! Run: `cargo bench -p server --bench login_load` (database as for the search
//! bench; recreated each run). Prints p50/p95/max of the page per phase. A
//! measurement, not a test.
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use app::{
    domain::{
        accounts::{self, SignupInput},
        password,
    },
    model::Role,
    state::SiteConfig,
};
use argon2::{password_hash::PasswordHash, Argon2, PasswordVerifier};
use axum::body::Body;
use http_body_util::BodyExt;
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use leptos::config::LeptosOptions;

mod common;
use common::{app_db, ms, percentile, prepare_fresh};

const LOGINS: usize = 40;
const ROUNDS: usize = 3;
const DATABASE: &str = "shopfloor_bench_login";
const PASSWORD: &str = "bench-password-1";

type HttpClient = Client<HttpConnector, Body>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (options, _owner) = prepare_fresh(DATABASE).await;
    let db = app_db(&options, 20).await;
    for (name, slug) in [("Busy Bazaar", "busy"), ("Calm Corner", "calm")] {
        accounts::sign_up(
            &db,
            SignupInput {
                business_name: name.into(),
                slug: slug.into(),
                display_name: "Owner".into(),
                email: format!("owner@{slug}.test"),
                password: PASSWORD.into(),
            },
            None,
            None,
        )
        .await
        .expect("sign up");
    }
    let busy: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'busy'")
        .fetch_one(&_owner)
        .await
        .unwrap();
    eprintln!("making {LOGINS} members of busy…");
    for i in 0..LOGINS {
        accounts::ensure_member_account(
            &db,
            busy,
            &format!("cashier{i}@busy.test"),
            "Cashier",
            PASSWORD,
            Role::Cashier,
        )
        .await
        .expect("member");
    }

    let state = server::app_state(
        db.clone(),
        SiteConfig {
            base_domain: "localhost".into(),
            https: false,
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
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
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let (status, cookie) = login(&client, addr, "calm.localhost", "owner@calm.test", "192.0.2.200").await;
    assert!(status.is_success(), "calm's owner logs in: {status}");
    let cookie = cookie.expect("a session cookie");
    let hash = password::hash_password(PASSWORD.into()).await.unwrap();

    println!(
        "\ncalm's dashboard while {LOGINS} password checks run ({} hash slots on {} cores), {ROUNDS} rounds\n",
        password::max_concurrent_hashes(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let phases = ["idle", "uncapped", "capped", "http"];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); phases.len()];
    let mut load_time: Vec<Duration> = vec![Duration::ZERO; phases.len()];
    for _ in 0..ROUNDS {
        for (i, phase) in phases.iter().enumerate() {
            let started = Instant::now();
            let load = match *phase {
                "idle" => tokio::spawn(async {}),
                "uncapped" => {
                    let hash = hash.clone();
                    tokio::spawn(async move {
                        let checks = (0..LOGINS).map(|_| {
                            let hash = hash.clone();
                            tokio::task::spawn_blocking(move || {
                                let parsed = PasswordHash::new(&hash).unwrap();
                                Argon2::default()
                                    .verify_password(PASSWORD.as_bytes(), &parsed)
                                    .is_ok()
                            })
                        });
                        for ok in futures::future::join_all(checks).await {
                            assert!(ok.unwrap());
                        }
                    })
                }
                "capped" => {
                    let hash = hash.clone();
                    tokio::spawn(async move {
                        let checks = (0..LOGINS)
                            .map(|_| password::verify_password(PASSWORD.into(), Some(hash.clone())));
                        for ok in futures::future::join_all(checks).await {
                            assert!(ok);
                        }
                    })
                }
                _ => {
                    let client = client.clone();
                    tokio::spawn(async move {
                        let logins = (0..LOGINS).map(|n| {
                            let client = client.clone();
                            async move {
                                let email = format!("cashier{n}@busy.test");
                                let from = format!("198.51.100.{n}");
                                login(&client, addr, "busy.localhost", &email, &from).await.0
                            }
                        });
                        for status in futures::future::join_all(logins).await {
                            assert!(status.is_success(), "a busy log-in answered {status}");
                        }
                    })
                }
            };
            // At least 20 page loads, and on until the load has finished.
            let mut n = 0;
            while n < 20 || !load.is_finished() {
                let t = Instant::now();
                page(&client, addr, &cookie).await;
                samples[i].push(t.elapsed());
                n += 1;
            }
            load.await.unwrap();
            load_time[i] += started.elapsed();
        }
    }
    println!("| phase | page p50 | page p95 | page max | pages | phase time |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (i, phase) in phases.iter().enumerate() {
        let s = &mut samples[i];
        let max = s.iter().max().copied().unwrap_or_default();
        println!(
            "| {phase} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {:.2} s |",
            ms(percentile(s, 50)),
            ms(percentile(s, 95)),
            ms(max),
            s.len(),
            load_time[i].as_secs_f64() / ROUNDS as f64,
        );
    }
}

async fn page(client: &HttpClient, addr: SocketAddr, cookie: &str) {
    let req = http::Request::get(format!("http://{addr}/"))
        .header(http::header::HOST, "calm.localhost")
        .header(http::header::ACCEPT, "text/html")
        .header(http::header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert!(res.status().is_success(), "calm's page answered {}", res.status());
    res.into_body().collect().await.unwrap();
}

async fn login(
    client: &HttpClient,
    addr: SocketAddr,
    host: &str,
    email: &str,
    forwarded_for: &str,
) -> (http::StatusCode, Option<String>) {
    let form = format!("email={}&password={PASSWORD}", email.replace('@', "%40"));
    let req = http::Request::post(format!("http://{addr}/api/auth/login"))
        .header(http::header::HOST, host)
        .header(http::header::ORIGIN, format!("http://{host}"))
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(form))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status();
    let cookie = res
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("shopfloor_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    res.into_body().collect().await.unwrap();
    (status, cookie)
}

//! Prometheus metrics, served on an address of their own
//! (`SHOPFLOOR_METRICS_ADDR`), never on the public one.
//!
//! - `shopfloor_http_request_duration_seconds{method,route,status}`: a
//!   histogram per route *pattern* (`/api/bills/finalize`, `/products/{id}`),
//!   never the raw path, so ids and query strings cannot blow up the series;
//! - `shopfloor_checkouts_total{outcome}`: sales finalized (`sold`), refused by
//!   a rule (`refused`: sold out, over the discount limit…) or failed (`failed`);
//! - `shopfloor_db_pool_connections{pool,state}`: open and idle connections of
//!   the tenant and owner pools (and the read replica's, when configured),
//!   read at each scrape;
//! - `shopfloor_tenant_cache_lookups_total{result}`: host → business lookups
//!   answered by this instance's cache (`hit`) or sent to the database (`miss`).
use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

/// The checkout endpoint, whose answers are also counted as sales.
const CHECKOUT_ROUTE: &str = "/api/bills/finalize";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckoutLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

/// The metrics of one server (cheap to clone).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Histogram>,
    checkouts: Family<CheckoutLabels, Counter>,
    pool: Family<PoolLabels, Gauge>,
    tenant_cache: Family<CacheLabels, Counter>,
    /// Held while a scrape copies the cache's totals into the counters, so two
    /// scrapes at once cannot both add the same lookups.
    scraping: Arc<std::sync::Mutex<()>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        // 2.5 ms … ~10 s.
        let requests = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0025, 2.0, 13))
        });
        registry.register(
            "shopfloor_http_request_duration_seconds",
            "Time to answer a request, by method, route pattern and status",
            requests.clone(),
        );
        let checkouts = Family::<CheckoutLabels, Counter>::default();
        registry.register(
            "shopfloor_checkouts",
            "Checkouts by outcome: sold, refused (a rule said no), failed",
            checkouts.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "shopfloor_db_pool_connections",
            "Database connections of each pool, open and idle",
            pool.clone(),
        );
        let tenant_cache = Family::<CacheLabels, Counter>::default();
        registry.register(
            "shopfloor_tenant_cache_lookups",
            "Host to business lookups: answered by this instance's cache (hit) or by the database (miss)",
            tenant_cache.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            requests,
            checkouts,
            pool,
            tenant_cache,
            scraping: Arc::default(),
        }
    }

    /// Records one answered request.
    fn observe(&self, method: &str, route: &str, status: StatusCode, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: status.as_u16(),
            })
            .observe(seconds);
        if route == CHECKOUT_ROUTE {
            let outcome = if status.is_success() {
                "sold"
            } else if status.is_client_error() {
                "refused"
            } else {
                "failed"
            };
            self.checkouts.get_or_create(&CheckoutLabels { outcome }).inc();
        }
    }

    /// The text exposition, with `db`'s pool gauges read now.
    pub fn render(&self, db: &app::tenancy::Db) -> String {
        let _scraping = self.scraping.lock().unwrap_or_else(|e| e.into_inner());
        let stats = db.tenant_cache().stats();
        for (result, total) in [("hit", stats.hits), ("miss", stats.misses)] {
            let counter = self.tenant_cache.get_or_create(&CacheLabels { result });
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let pools = [
            ("tenant", Some(db.login_pool())),
            ("owner", Some(db.session_pool())),
            ("replica", db.replica_pool()),
        ];
        for (name, pool) in pools.into_iter().filter_map(|(name, pool)| Some((name, pool?))) {
            let open = i64::from(pool.size());
            let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
            self.pool
                .get_or_create(&PoolLabels {
                    pool: name,
                    state: "open",
                })
                .set(open);
            self.pool
                .get_or_create(&PoolLabels {
                    pool: name,
                    state: "idle",
                })
                .set(idle);
        }
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::error!(%error, "metrics could not be encoded");
        }
        text
    }
}

/// Middleware: times every request and records it under its route pattern.
/// Added with `Router::layer`, so it runs after routing and sees the pattern.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        // Unrouted paths (the page fallback) share one series.
        .unwrap_or_else(|| "(other)".to_owned());
    let response = next.run(request).await;
    metrics.observe(
        &method,
        &route,
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The router served on the metrics address: `GET /metrics`.
pub fn router(metrics: Metrics, db: app::tenancy::Db) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state((metrics, db))
}

async fn scrape(State((metrics, db)): State<(Metrics, app::tenancy::Db)>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        metrics.render(&db),
    )
}

//! The router: health checks, static files, then the pages and server
//! functions behind the tenant and session middleware.
use std::time::Duration;

use app::{
    state::AppState,
    tenancy::middleware::{load_user, require_same_origin, resolve_site},
    ui::{shell, App},
};
use axum::{
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderValue, StatusCode},
    middleware::from_fn_with_state,
    response::IntoResponse,
    routing::get,
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
    LatencyUnit,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Level;

use crate::{
    headers::{security_headers, SecurityHeaders},
    metrics::Metrics,
    timeout::{request_timeout, RequestTimeout, DEFAULT_REQUEST_TIMEOUT},
};

/// The session cookie's name over http. Host-only (no Domain attribute),
/// HttpOnly, SameSite=Lax, Path=/.
pub const SESSION_COOKIE: &str = "shopfloor_session";

/// Its name over https: with the `__Host-` prefix a browser accepts the cookie
/// only when it is Secure, host-only and for Path=/, so a sibling subdomain (or
/// a plain-http response) can never set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-shopfloor_session";

pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

pub fn session_layer(state: &AppState) -> SessionManagerLayer<PostgresStore> {
    let store = PostgresStore::new(state.db.session_pool().clone());
    SessionManagerLayer::new(store)
        .with_name(session_cookie_name(state.site.https))
        .with_path("/")
        .with_secure(state.site.https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)))
}

/// Deletes expired sessions every five minutes.
pub fn spawn_session_cleanup(state: &AppState) -> tokio::task::JoinHandle<()> {
    spawn_session_cleanup_every(state.db.session_pool().clone(), Duration::from_secs(300))
}

/// Deletes expired sessions (stored through `pool`) every `period`. A round
/// that fails (the database restarting, say) is logged and the next one runs
/// as planned (tower-sessions' own loop would end at the first error).
pub fn spawn_session_cleanup_every(pool: sqlx::PgPool, period: Duration) -> tokio::task::JoinHandle<()> {
    use tower_sessions::ExpiredDeletion;
    let store = PostgresStore::new(pool);
    tokio::spawn(async move {
        let mut rounds = tokio::time::interval(period);
        rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        rounds.tick().await; // the first tick is immediate: nothing has expired yet
        loop {
            rounds.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::warn!(%error, "expired sessions not deleted this round; trying again next round");
            }
        }
    })
}

/// How the HTTP side behaves, beyond the app's state.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Requests (other than streams and exports) still unanswered after this are
    /// cancelled and answered 503.
    pub request_timeout: Duration,
    /// Where requests are counted and timed (served apart, see
    /// [`crate::metrics`]); none when metrics are off.
    pub metrics: Option<Metrics>,
    /// Give each request a Sentry hub tagged with its request id, tenant and
    /// member (see [`crate::error_reports`]); on when `SENTRY_DSN` is set.
    pub error_reports: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            metrics: None,
            error_reports: false,
        }
    }
}

/// The router with the default [`HttpOptions`].
pub fn router(state: AppState) -> Router {
    router_with(state, HttpOptions::default())
}

pub fn router_with(state: AppState, http: HttpOptions) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let security = SecurityHeaders::new(&state.site, std::env::var_os("LEPTOS_WATCH").is_some());

    // Per-request context of both the page routes and the fallback: the state,
    // and the CSP nonce the hydration script is rendered with.
    let fallback = {
        let state = state.clone();
        let options = options.clone();
        let security = security.clone();
        leptos_axum::render_app_to_stream_with_context(
            move || {
                provide_context(state.clone());
                security.provide_nonce();
            },
            move || shell(options.clone()),
        )
    };

    // Everything a tenant or apex page needs. Layers run outermost-last-added:
    // same-origin check, then host → tenant, then session, then the member.
    let pages = Router::new()
        .route(
            "/auth/handoff",
            get(app::api::auth::handoff).post(app::api::auth::handoff_confirm),
        )
        .route("/api/catalog/export", get(app::api::export::export_csv))
        .route("/api/reports/export", get(app::api::reports::export::export_csv))
        .route("/api/books/export", get(app::api::books::export::export_csv))
        .route("/api/audit/export", get(app::api::org_export::audit_csv))
        .route("/api/export/tenant", get(app::api::org_export::tenant_jsonl))
        .route("/api/events", get(app::realtime::events))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let security = security.clone();
                move || security.provide_nonce()
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(fallback);
    let pages = if http.error_reports {
        pages.layer(axum::middleware::from_fn(
            crate::error_reports::tag_tenant_and_member,
        ))
    } else {
        pages
    };
    let pages = pages
        .layer(from_fn_with_state(state.clone(), load_user))
        .layer(session_layer(&state))
        .layer(from_fn_with_state(state.clone(), resolve_site))
        .layer(from_fn_with_state(state.clone(), require_same_origin));

    let pkg_dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    // With hashed file names an asset never changes under its name: cache it
    // for a year. Without, the browser revalidates (ServeDir answers 304 from
    // Last-Modified), so a rebuilt bundle is never mixed with a stale one.
    let pkg_cache = if options.hash_files {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let pkg = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            pkg_cache,
        ))
        .service(ServeDir::new(pkg_dir));

    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(&style::href(), get(stylesheet))
        .route("/sw.js", get(till_service_worker))
        .nest_service("/pkg", pkg)
        .merge(pages);
    if http.error_reports {
        // Outside the timeout, inside the request id: what the request logs,
        // even its time running out, reaches its own hub.
        router = router.layer(axum::middleware::from_fn(crate::error_reports::hub_per_request));
    }
    if let Some(metrics) = http.metrics {
        // Innermost of the shared layers: runs after routing (it needs the
        // route's pattern) and times the work, not the compression.
        router = router.layer(from_fn_with_state(metrics, crate::metrics::track));
    }
    router
        // HTML, JSON, CSS, JS and wasm leave compressed (brotli or gzip, as the
        // client accepts); event streams and images are left alone by the
        // layer's default predicate.
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(
            RequestTimeout {
                state: state.clone(),
                limit: http.request_timeout,
            },
            request_timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let request_id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    // The path only: query strings may carry one-time tokens.
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        request_id,
                        tenant = tracing::field::Empty,
                        user = tracing::field::Empty,
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        // Bounds every request body (a CSV import is at most 10 MB of text,
        // form-encoded); larger bodies get 413 before any work is done. The
        // server functions read their body through axum's extractors, which
        // stop at axum's own default of 2 MB (answered as a 500 by the server
        // function layer): that default is lifted to the same bound, so this
        // layer is the one limit.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost, so every answer has them: pages, server functions, assets,
        // and the errors of the layers above.
        .layer(from_fn_with_state(security, security_headers))
        .with_state(state)
}

/// Liveness: answers on any host, touches nothing.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The till's service worker (`server/src/till_sw.js`): keeps the till page,
/// its bundle and the stylesheet for opening the till offline. Served from
/// the root so its scope covers `/pos`; never cached by the browser's HTTP
/// cache, so a new build's worker is picked up at the next load.
async fn till_service_worker() -> impl IntoResponse {
    static SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        include_str!("till_sw.js")
            .replace("STYLESHEET", &style::href())
            .replace("BUILD", env!("CARGO_PKG_VERSION"))
    });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        SCRIPT.as_str(),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        style::CSS,
    )
}

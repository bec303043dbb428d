//! The request timeout: a request that has not produced its response within the
//! limit is cancelled (its transaction rolls back when dropped) and answered
//! 503 with a message a person can act on. Long streams and exports are exempt.
use std::time::Duration;

use app::{error::AppError, state::AppState, tenancy::middleware::host_of, ui::error_page};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

/// The default limit (`SHOPFLOOR_REQUEST_TIMEOUT_SECS`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Paths whose answer may take longer than the limit: the live event stream,
/// the exports (built or streamed over the whole tenant), and the catalog
/// import (up to 10 MB uploaded, parsed and applied while it streams progress).
pub const LONG_RUNNING_PATHS: &[&str] = &[
    "/api/events",
    "/api/catalog/export",
    "/api/audit/export",
    "/api/export/tenant",
    "/api/catalog/import",
];

/// The limit and what the error page needs.
#[derive(Clone, Debug)]
pub struct RequestTimeout {
    pub state: AppState,
    pub limit: Duration,
}

fn is_long_running(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    LONG_RUNNING_PATHS.contains(&path)
}

pub async fn request_timeout(State(timeout): State<RequestTimeout>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_long_running(&path) {
        return next.run(req).await;
    }
    let host = host_of(req.headers(), req.uri());
    match tokio::time::timeout(timeout.limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_secs = timeout.limit.as_secs_f64(), "request timed out");
            timed_out(&timeout.state, &path, &host)
        }
    }
}

/// Server functions get their JSON error; pages the HTML error page.
fn timed_out(state: &AppState, path: &str, host: &str) -> Response {
    error_page::unavailable(
        path,
        &state.site.apex_origin(host),
        "This took too long",
        &AppError::TimedOut,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_exports_are_exempt_and_nothing_else() {
        assert!(is_long_running("/api/events"));
        assert!(is_long_running("/api/catalog/export/"));
        assert!(is_long_running("/api/catalog/import"));
        assert!(!is_long_running("/api/stock/adjust"));
        assert!(!is_long_running("/api/events/other"));
        assert!(!is_long_running("/pos"));
    }
}

//! The request timeout: a request that has not produced its response within the
//! limit is cancelled (its transaction rolls back when dropped) and answered
//! 503 with a message a person can act on. Long streams and exports are exempt.
use std::time::Duration;

use app::{error::AppError, state::AppState, tenancy::middleware::host_of, ui::error_page};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
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
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut res = if path.starts_with("/api/") {
        let body = serde_json::to_string(&AppError::TimedOut).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response()
    } else {
        error_page::response(
            status,
            "This took too long",
            &AppError::TimedOut.to_string(),
            &state.site.apex_origin(host),
        )
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res
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

//! Structured logs with `tracing`, on standard error (standard output is kept
//! for what a subcommand prints).
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Logs in `format`; with `error_reports`, error events also go to Sentry
/// (see [`crate::error_reports`]).
pub fn init(format: &str, error_reports: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(error_reports.then(crate::error_reports::tracing_layer));
    if format == "json" {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .init();
    } else {
        registry.with(fmt::layer().with_writer(std::io::stderr)).init();
    }
}

//! The Shopfloor server: configuration, the database (embedded or external),
//! the router, and serving.
pub mod config;
pub mod database;
pub mod embedded;
pub mod error_reports;
pub mod headers;
pub mod metrics;
pub mod routes;
pub mod telemetry;
pub mod timeout;

use std::{net::SocketAddr, sync::Arc};

use app::state::{AppState, SiteConfig};
use leptos::config::LeptosOptions;

pub use routes::{router, router_with, HttpOptions};

/// Leptos options from the environment cargo-leptos sets (or its defaults),
/// with our listen address.
pub fn leptos_options(site_addr: SocketAddr) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("shopfloor").build());
    if options.output_name.is_empty() {
        options.output_name = "shopfloor".into();
    }
    options.site_addr = site_addr;
    options
}

pub fn app_state(db: app::tenancy::Db, site: SiteConfig, leptos_options: LeptosOptions) -> AppState {
    AppState {
        events: app::realtime::Realtime::start(&db),
        db,
        site: Arc::new(site),
        mailer: app::mail::Mailer::disabled(),
        leptos_options,
    }
}

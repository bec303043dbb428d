//! Server state shared by every request (pools and site configuration).
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::tenancy::{host::host_port, Db};

/// How the site is reached from outside: base domain and scheme.
#[derive(Clone, Debug)]
pub struct SiteConfig {
    /// Tenants live on `slug.<base_domain>`; the apex is `base_domain` itself.
    pub base_domain: String,
    /// `https` when served behind TLS; decides the `Secure` cookie flag and the
    /// origin that non-GET requests must come from.
    pub https: bool,
}

impl SiteConfig {
    pub fn scheme(&self) -> &'static str {
        if self.https {
            "https"
        } else {
            "http"
        }
    }

    /// The origin of the apex domain as seen by the browser that sent `host`.
    pub fn apex_origin(&self, host: &str) -> String {
        self.origin_for(&self.base_domain, host)
    }

    /// The origin of a tenant's subdomain, keeping the port of `host`.
    pub fn tenant_origin(&self, slug: &str, host: &str) -> String {
        self.origin_for(&format!("{slug}.{}", self.base_domain), host)
    }

    fn origin_for(&self, name: &str, host: &str) -> String {
        match host_port(host) {
            Some(port) => format!("{}://{name}:{port}", self.scheme()),
            None => format!("{}://{name}", self.scheme()),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// Fan-out of database events to open terminals.
    pub events: crate::realtime::Realtime,
    pub site: Arc<SiteConfig>,
    pub leptos_options: LeptosOptions,
    /// Invitation emails (disabled unless SMTP is configured).
    pub mailer: crate::mail::Mailer,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_the_port() {
        let cfg = SiteConfig {
            base_domain: "localhost".into(),
            https: false,
        };
        assert_eq!(cfg.apex_origin("acme.localhost:3000"), "http://localhost:3000");
        assert_eq!(
            cfg.tenant_origin("acme", "localhost:3000"),
            "http://acme.localhost:3000"
        );
        let cfg = SiteConfig {
            base_domain: "shopfloor.example".into(),
            https: true,
        };
        assert_eq!(
            cfg.tenant_origin("acme", "shopfloor.example"),
            "https://acme.shopfloor.example"
        );
    }
}

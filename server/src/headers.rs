//! Security headers on every response: no framing, no MIME sniffing, a
//! referrer policy, and a content security policy.
//!
//! Pages get a policy with the per-request nonce Leptos renders into its inline
//! hydration script (set from the request's Leptos context, [`SecurityHeaders::provide_nonce`]); every other
//! response (server functions, error pages, `/pkg` assets, health checks) gets
//! the same policy without a nonce, so no inline script runs there at all.
use std::sync::Arc;

use app::state::SiteConfig;
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use leptos::{nonce::use_nonce, prelude::use_context};
use leptos_axum::ResponseOptions;
use leptos_meta::ServerMetaContext;

/// The content security policy, made once from the site's configuration.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    form_action: Arc<str>,
    connect_src: Arc<str>,
    without_nonce: HeaderValue,
}

impl SecurityHeaders {
    /// `live_reload`: the page opens cargo-leptos's reload websocket
    /// (`cargo leptos watch` sets `LEPTOS_WATCH`), which `connect-src` must allow.
    pub fn new(site: &SiteConfig, live_reload: bool) -> Self {
        // Forms post to their own origin; a plain (not yet hydrated) form on the
        // apex is redirected on to a tenant's hand-off, which `form-action` also
        // governs. The port is whatever the browser used.
        let scheme = site.scheme();
        let base = site.base_domain.trim();
        let hosts = format!("{scheme}://{base}:* {scheme}://*.{base}:*");
        let form_action = if HeaderValue::from_str(&hosts).is_ok() && !base.is_empty() {
            format!("'self' {hosts}")
        } else {
            tracing::warn!(
                base_domain = base,
                "base domain unusable in a CSP; forms may post to 'self' only"
            );
            "'self'".to_owned()
        };
        let connect_src = if live_reload { "'self' ws: wss:" } else { "'self'" };
        let mut policy = SecurityHeaders {
            form_action: form_action.into(),
            connect_src: connect_src.into(),
            without_nonce: HeaderValue::from_static("default-src 'none'"),
        };
        policy.without_nonce = HeaderValue::from_str(&policy.content_security_policy(None))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
        policy
    }

    /// The policy text. Scripts come from this origin (the wasm's JS glue), or
    /// inline with this response's nonce (Leptos's hydration script); the wasm
    /// needs `'wasm-unsafe-eval'` to be compiled. No inline styles, no plugins,
    /// no `<base>`, and no page may frame ours.
    pub fn content_security_policy(&self, nonce: Option<&str>) -> String {
        let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
        format!(
            "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'none'; \
             form-action {form}; frame-ancestors 'none'",
            connect = self.connect_src,
            form = self.form_action,
        )
    }

    /// For the page-render context (the page routes and the fallback): makes sure
    /// this render has a nonce (Leptos's integration provides a fresh one per
    /// request; provided here if not) and sends the policy that allows it, so
    /// the hydration script, which takes the nonce from the same context, runs.
    /// Server functions (same context closure, no HTML) are left to the layer.
    pub fn provide_nonce(&self) {
        if use_context::<ServerMetaContext>().is_none() {
            return;
        }
        if use_nonce().is_none() {
            leptos::nonce::provide_nonce();
        }
        let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
            return;
        };
        match HeaderValue::from_str(&self.content_security_policy(Some(&nonce))) {
            Ok(value) => response.insert_header(header::CONTENT_SECURITY_POLICY, value),
            Err(error) => tracing::error!(%error, "the page's CSP is not a valid header value"),
        }
    }
}

/// Adds the security headers to every response; a response that already has a
/// content security policy (a page with its nonce) keeps it.
pub async fn security_headers(State(policy): State<SecurityHeaders>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.without_nonce.clone());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(base: &str, https: bool) -> SiteConfig {
        SiteConfig {
            base_domain: base.into(),
            https,
            trusted_proxies: Vec::new(),
        }
    }

    #[test]
    fn policy_forbids_framing_and_allows_only_the_nonce_inline() {
        let policy = SecurityHeaders::new(&site("shopfloor.example", true), false);
        let csp = policy.content_security_policy(Some("abc123"));
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(
            csp.contains("form-action 'self' https://shopfloor.example:* https://*.shopfloor.example:*"),
            "{csp}"
        );
        let plain = policy.content_security_policy(None);
        assert!(!plain.contains("nonce"), "{plain}");
        assert_eq!(policy.without_nonce.to_str().unwrap(), plain);
    }

    #[test]
    fn live_reload_may_open_its_websocket() {
        let csp = SecurityHeaders::new(&site("localhost", false), true).content_security_policy(None);
        assert!(csp.contains("connect-src 'self' ws: wss:"), "{csp}");
    }
}

//! Which site a `Host` header names, relative to the configured base domain.
use super::slug::{is_reserved, validate_slug};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostClass {
    /// The base domain itself: sign-up, log-in, organization picker.
    Apex,
    /// `slug.base`, a candidate tenant (not yet looked up).
    Tenant(String),
    /// `name.base` where `name` is reserved for the platform (`www`, `admin`, …).
    Reserved(String),
    /// Anything else: another domain, a nested subdomain, garbage.
    Unknown,
}

/// Classifies a `Host` value. The port is ignored and case folded; only a single
/// label directly under `base_domain` can be a tenant, so `acme.localhost.evil.test`
/// or `x.acme.localhost` are never `acme`.
pub fn classify_host(host: &str, base_domain: &str) -> HostClass {
    let host = host.trim().to_ascii_lowercase();
    let host = strip_port(&host);
    let host = host.strip_suffix('.').unwrap_or(host);
    let base = base_domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || base.is_empty() {
        return HostClass::Unknown;
    }
    if host == base {
        return HostClass::Apex;
    }
    let Some(label) = host
        .strip_suffix(base.as_str())
        .and_then(|rest| rest.strip_suffix('.'))
    else {
        return HostClass::Unknown;
    };
    if label.contains('.') {
        return HostClass::Unknown;
    }
    if is_reserved(label) {
        return HostClass::Reserved(label.to_string());
    }
    if validate_slug(label).is_err() {
        return HostClass::Unknown;
    }
    HostClass::Tenant(label.to_string())
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // IPv6 literal: never a tenant, keep as is for the Unknown answer.
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The port part of a `Host` header, if any (kept when we build links to
/// sibling hosts, so `localhost:3000` links to `acme.localhost:3000`).
pub fn host_port(host: &str) -> Option<&str> {
    match host.trim().rsplit_once(':') {
        Some((_, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => Some(port),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apex_and_tenants_resolve() {
        assert_eq!(classify_host("localhost:3000", "localhost"), HostClass::Apex);
        assert_eq!(classify_host("LOCALHOST", "localhost"), HostClass::Apex);
        assert_eq!(
            classify_host("acme.localhost:3000", "localhost"),
            HostClass::Tenant("acme".into())
        );
        assert_eq!(
            classify_host("Acme.Shopfloor.Example", "shopfloor.example"),
            HostClass::Tenant("acme".into())
        );
    }

    #[test]
    fn lookalike_hosts_are_not_tenants() {
        assert_eq!(
            classify_host("acme.localhost.evil.test", "localhost"),
            HostClass::Unknown
        );
        assert_eq!(classify_host("x.acme.localhost", "localhost"), HostClass::Unknown);
        assert_eq!(classify_host("acmelocalhost", "localhost"), HostClass::Unknown);
        assert_eq!(classify_host("evil.test", "localhost"), HostClass::Unknown);
        assert_eq!(classify_host("", "localhost"), HostClass::Unknown);
        assert_eq!(classify_host("[::1]:3000", "localhost"), HostClass::Unknown);
        assert_eq!(classify_host("a_b.localhost", "localhost"), HostClass::Unknown);
    }

    #[test]
    fn reserved_names_are_not_tenants() {
        assert_eq!(
            classify_host("admin.localhost", "localhost"),
            HostClass::Reserved("admin".into())
        );
        assert_eq!(
            classify_host("www.localhost:3000", "localhost"),
            HostClass::Reserved("www".into())
        );
    }

    #[test]
    fn port_is_read_for_links() {
        assert_eq!(host_port("localhost:3000"), Some("3000"));
        assert_eq!(host_port("localhost"), None);
    }
}

//! Server state shared by every request (pools and site configuration).
use std::{net::IpAddr, str::FromStr, sync::Arc};

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
    /// Reverse proxies whose `X-Forwarded-For` is believed. Empty: the client
    /// is the socket's peer, whatever the headers say.
    pub trusted_proxies: Vec<IpNet>,
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

/// An IP network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one
/// address (`192.0.2.10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an IP address or network (e.g. 10.0.0.0/8, 192.0.2.10, 2001:db8::/32)")]
pub struct IpNetError(String);

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || IpNetError(s.to_owned());
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
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
            trusted_proxies: Vec::new(),
        };
        assert_eq!(cfg.apex_origin("acme.localhost:3000"), "http://localhost:3000");
        assert_eq!(
            cfg.tenant_origin("acme", "localhost:3000"),
            "http://acme.localhost:3000"
        );
        let cfg = SiteConfig {
            base_domain: "shopfloor.example".into(),
            https: true,
            trusted_proxies: Vec::new(),
        };
        assert_eq!(
            cfg.tenant_origin("acme", "shopfloor.example"),
            "https://acme.shopfloor.example"
        );
    }

    #[test]
    fn networks_parse_and_match() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.9.9.9".parse().unwrap()), "IPv4-mapped");
        let one: IpNet = " 192.0.2.10 ".parse().unwrap();
        assert!(one.contains("192.0.2.10".parse().unwrap()));
        assert!(!one.contains("192.0.2.11".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "example.com",
            "::/129",
            "10.0.0.0/-1",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }
}

//! Host → tenant, remembered briefly so a request does not pay a database
//! round trip to learn which business it is for.
//!
//! An entry is trusted only while this instance's listener is subscribed to
//! [`TENANTS_CHANNEL`]: every change of a `tenants` row (suspension, settings,
//! plan) is announced there by a trigger (migration 0014) and empties the
//! cache on every instance. While the listener is down the cache is not used
//! at all. The instance that makes a change also empties its own cache right
//! after its commit ([`TenantCache::clear`]), so its next request never sees
//! the old row even before the notification comes back. Unknown hosts are not
//! remembered (a business signed up a moment ago must be found at once), and
//! every entry expires after [`TTL`] whatever happens.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use super::ResolvedTenant;

/// The channel the `tenants` trigger announces changes on.
pub const TENANTS_CHANNEL: &str = "shopfloor_tenants";

/// The longest an entry is used by default (a backstop; notifications do the
/// real work).
pub const TTL: Duration = Duration::from_secs(30);

/// At most this many hosts are remembered; beyond it the cache starts over.
const CAPACITY: usize = 10_000;

/// A resolved host: the tenant and whether it is suspended.
#[derive(Debug, Clone)]
pub struct CachedTenant {
    pub tenant: ResolvedTenant,
    pub suspended: bool,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Mutex<HashMap<String, (CachedTenant, Instant)>>,
    /// Bumped by every clear: a lookup that started before a clear must not
    /// store what it read (it may be the row as it was before the change).
    generation: AtomicU64,
    /// Whether change notifications are being received right now.
    trusted: AtomicBool,
    /// How long an entry is used, in milliseconds (0: the default [`TTL`]).
    ttl_ms: AtomicU64,
    /// Lookups answered from the cache, and those that went to the database
    /// (for the metrics: a low hit share means entries are cleared or expire
    /// faster than hosts come back).
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often the cache answered, since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

/// Cheap to clone; every clone is the same cache.
#[derive(Debug, Clone, Default)]
pub struct TenantCache(Arc<Inner>);

impl TenantCache {
    /// The remembered tenant of `slug`, if fresh and the cache is trusted.
    pub fn get(&self, slug: &str) -> Option<CachedTenant> {
        let found = self.lookup(slug);
        let counter = if found.is_some() {
            &self.0.hits
        } else {
            &self.0.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Lookups so far: answered here, or sent to the database.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.0.hits.load(Ordering::Relaxed),
            misses: self.0.misses.load(Ordering::Relaxed),
        }
    }

    fn lookup(&self, slug: &str) -> Option<CachedTenant> {
        if !self.0.trusted.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
        let ttl = match self.0.ttl_ms.load(Ordering::Relaxed) {
            0 => TTL,
            ms => Duration::from_millis(ms),
        };
        entries
            .get(slug)
            .filter(|(_, at)| at.elapsed() < ttl)
            .map(|(found, _)| found.clone())
    }

    /// Another lifetime for entries (tests use a long one, so that only a
    /// change notice can explain an entry being forgotten).
    pub fn set_ttl(&self, ttl: Duration) {
        self.0.ttl_ms.store(
            ttl.as_millis().clamp(1, u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// The generation to pass to [`TenantCache::put`]: read it before the
    /// database lookup.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Remembers `slug`'s tenant, read from the database after
    /// [`TenantCache::generation`] returned `generation`; dropped when the
    /// cache was cleared in between.
    pub fn put(&self, generation: u64, slug: &str, found: CachedTenant) {
        if !self.0.trusted.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock `clear` takes, so a clear cannot slip between.
        if self.0.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(slug.to_owned(), (found, Instant::now()));
    }

    /// Forgets everything (a tenant changed somewhere).
    pub fn clear(&self) {
        let mut entries = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Called by the listener: `true` once subscribed to [`TENANTS_CHANNEL`],
    /// `false` when the subscription is lost. Either way the cache starts
    /// empty, since changes may have been missed meanwhile.
    pub fn set_trusted(&self, trusted: bool) {
        self.clear();
        self.0.trusted.store(trusted, Ordering::Release);
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::BusinessSettings;

    fn found(name: &str) -> CachedTenant {
        let settings = BusinessSettings {
            name: name.into(),
            ..BusinessSettings::default()
        };
        CachedTenant {
            tenant: ResolvedTenant::new(uuid::Uuid::nil(), "acme".into(), settings),
            suspended: false,
        }
    }

    #[test]
    fn nothing_is_remembered_until_notifications_are_received() {
        let cache = TenantCache::default();
        cache.put(cache.generation(), "acme", found("Acme"));
        assert!(cache.get("acme").is_none());
        cache.set_trusted(true);
        cache.put(cache.generation(), "acme", found("Acme"));
        assert_eq!(cache.get("acme").unwrap().tenant.name, "Acme");
        // The subscription is lost: nothing is trusted, nothing kept.
        cache.set_trusted(false);
        assert!(cache.get("acme").is_none());
        cache.set_trusted(true);
        assert!(cache.get("acme").is_none());
        // Every lookup counted: one answered here, three sent to the database.
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 3 });
    }

    #[test]
    fn entries_expire_after_their_lifetime() {
        let cache = TenantCache::default();
        cache.set_trusted(true);
        cache.set_ttl(Duration::from_millis(1));
        cache.put(cache.generation(), "acme", found("Acme"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.get("acme").is_none());
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_stored() {
        let cache = TenantCache::default();
        cache.set_trusted(true);
        let before = cache.generation();
        // A change is announced while the lookup reads the old row.
        cache.clear();
        cache.put(before, "acme", found("Old name"));
        assert!(cache.get("acme").is_none());
        cache.put(cache.generation(), "acme", found("New name"));
        assert_eq!(cache.get("acme").unwrap().tenant.name, "New name");
    }
}

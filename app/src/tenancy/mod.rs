//! Tenant isolation: who the tenant is, and the only ways to reach its data.
//!
//! Three layers (DESIGN.md): the host decides the tenant ([`host`], [`middleware`]),
//! a membership row decides what the signed-in user may do ([`middleware`]), and
//! row-level security decides what a query can see ([`tx`]). Everything that
//! crosses tenants goes through [`PlatformTx`]; grep for it to audit those paths.
pub mod context;
pub mod csrf;
pub mod host;
pub mod middleware;
pub mod pool;
pub mod session;
pub mod slug;
pub mod tenant_cache;
pub mod tx;

pub use context::TenantCtx;
pub use host::{classify_host, HostClass};
pub use middleware::{CurrentUser, ResolvedTenant, SiteCtx};
pub use pool::{Db, TENANT_ROLE};
pub use tenant_cache::TenantCache;
pub use tx::{ConsoleTx, PlatformTx, TenantTx};

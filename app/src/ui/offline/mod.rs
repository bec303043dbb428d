//! The till's offline mode (issue #15): it keeps selling when the network or
//! the server is gone, and sends every sale exactly once when it is back.
//!
//! - A service worker (`/sw.js`, served by the server) keeps the till page,
//!   its wasm and the stylesheet, so a reload while offline opens the till.
//! - IndexedDB ([`store`]) keeps a bounded product set, refreshed by
//!   `sync/catalog` (changes since a cursor), and the queue of offline sales.
//! - An offline sale is written to the queue, with its idempotency key and
//!   the till's next provisional number (`T2-000123`), before its receipt is
//!   shown; [`OfflineTill::flush`] sends the queue in order with `sync/sales`
//!   and drops a sale only once the server has answered for it, so a reload,
//!   a crash or a server killed mid-sync can only cause a resend, which the
//!   key makes harmless.
pub mod provisional;
pub mod search;
pub mod status;
#[cfg(feature = "hydrate")]
mod store;
mod till;

pub use till::{unreachable, OfflineTill};

//! Tests that start server processes or PostgreSQL clusters of their own and
//! put them under load: a killed server, a crashed or restarted database, two
//! instances behind a proxy, a read replica, the embedded cluster's crash.
//!
//! A binary of their own, so they never share the machine's cores with the
//! quick tests of the `api` binary (cargo runs test binaries one after the
//! other), and one test at a time ([`one_at_a_time`]): a light test waiting
//! behind a few hundred concurrent checkouts of another is not what any of
//! them measures.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod embedded;
mod faults;
mod offline;
mod processes;
mod replica;
mod two_instances;

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held for the whole of a test: the next one starts when it ends (a failed
/// test releases it too; the lock is never poisoned).
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    TURN.lock().await
}

/// The same, for a test without a runtime of its own.
pub fn one_at_a_time_blocking() -> tokio::sync::MutexGuard<'static, ()> {
    TURN.blocking_lock()
}

//! Password hashing with argon2id (the crate's defaults: m=19 MiB, t=2, p=1).
//!
//! Every hash and every verification in the server goes through this module,
//! which runs at most one per CPU core at a time (a semaphore sized by
//! `available_parallelism`), each on a blocking thread. A burst of log-ins then
//! queues here instead of taking every core away from other tenants' pages,
//! and memory stays bounded (19 MiB per hash in flight).
use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use tokio::sync::Semaphore;

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// How many hashes may run at once: the number of cores.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn hash_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(max_concurrent_hashes()))
}

/// Runs `work` on a blocking thread once a hash slot is free. The slot moves
/// into the blocking task, so a caller that gives up (a cancelled request)
/// still holds it until the hash it started has finished.
async fn with_hash_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let slot = hash_slots()
        .acquire()
        .await
        .map_err(|e| HashError(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let out = work();
        drop(slot);
        out
    })
    .await
    .map_err(|e| HashError(e.to_string()))
}

/// Hashes a new password.
pub async fn hash_password(password: String) -> Result<String, HashError> {
    with_hash_slot(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Verifies `password` against `hash`. With no hash (unknown email) it still
/// does the same work against a dummy hash, so timing does not reveal which
/// emails have accounts.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    with_hash_slot(move || {
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (dummy_hash().to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("not-a-real-password-for-timing").unwrap_or_default())
}

/// Length rules, checked before hashing.
pub fn check_password_rules(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD_LEN} characters long."
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(format!(
            "The password must be at most {MAX_PASSWORD_LEN} characters long."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn right_password_verifies_and_wrong_does_not() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(hash)).await);
        assert!(!verify_password("not-a-real-password-for-timing".into(), None).await);
    }

    #[tokio::test]
    async fn hashes_wait_for_a_free_core() {
        assert!(max_concurrent_hashes() >= 1);
        let taken: Vec<_> =
            futures::future::join_all((0..max_concurrent_hashes()).map(|_| hash_slots().acquire()))
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
        assert_eq!(hash_slots().available_permits(), 0);
        let waiting = tokio::spawn(hash_password("correct horse battery".into()));
        // Let the hash queue behind the taken slots: it cannot finish.
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(taken);
        assert!(waiting.await.unwrap().is_ok());
    }

    #[test]
    fn password_length_rules() {
        assert!(check_password_rules("short").is_err());
        assert!(check_password_rules("long enough!").is_ok());
        assert!(check_password_rules(&"x".repeat(257)).is_err());
    }
}

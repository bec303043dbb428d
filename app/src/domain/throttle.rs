//! Slowing down password guessing.
//!
//! Every path that checks a password (log-in, sign-up with an existing email,
//! invitation accept) or a till PIN (`domain::pins`, with keys and a lock of
//! its own) reserves an attempt here *before* hashing, in a
//! statement of its own that commits at once: the reservation increments the
//! key's counter and answers whether the attempt may go ahead, atomically, so
//! parallel guesses cannot all pass a check made before any of them counted.
//!
//! Attempts are counted per (account, address), per address and per account
//! in a 15-minute window. The attempt that brings a key to its threshold may
//! still go ahead but locks the key for 30 s, doubling with each further
//! attempt up to 15 minutes; while locked, attempts are refused without being
//! counted. Locks always expire, so the real owner is never locked out for
//! good, and a stranger's guesses from elsewhere reach only the much higher
//! per-account threshold. A success clears the account's counters and gives
//! back the address's attempt.
use sqlx::PgConnection;

/// A counter key and the number of attempts it tolerates in a window.
#[derive(Debug, Clone)]
pub struct ThrottleKey {
    pub key: String,
    pub threshold: i32,
}

impl ThrottleKey {
    /// Keys of a client address (log-in's `addr:`, the PINs' `pin-addr:`): a
    /// success gives back its attempt instead of clearing the key.
    fn is_address(&self) -> bool {
        self.key.starts_with("addr:") || self.key.starts_with("pin-addr:")
    }
}

/// The keys of an attempt, most specific first (so a refusal by the narrowest
/// key does not count against the wider ones).
pub fn keys_for(email: &str, client: Option<&str>) -> Vec<ThrottleKey> {
    let mut keys = Vec::with_capacity(3);
    if let Some(addr) = client {
        keys.push(ThrottleKey {
            key: format!("account-addr:{email}|{addr}"),
            threshold: 5,
        });
        keys.push(ThrottleKey {
            key: format!("addr:{addr}"),
            threshold: 30,
        });
    }
    keys.push(ThrottleKey {
        key: format!("account:{email}"),
        threshold: 50,
    });
    keys
}

/// Reserves one attempt on every key. Returns false, having counted nothing
/// on the refusing key or the keys after it, when any key is locked. The
/// caller must commit before hashing (so others see the reservation) and
/// roll back on a refusal (so the earlier keys are not counted either).
pub async fn reserve(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<bool, sqlx::Error> {
    reserve_locking(conn, keys, 30).await
}

/// [`reserve`] with the first lock lasting `first_lock_secs` (doubling with
/// each further attempt, at most 15 minutes): PINs lock for the whole 15
/// minutes at once (`first_lock_secs` = 900), since a PIN has few values.
pub async fn reserve_locking(
    conn: &mut PgConnection,
    keys: &[ThrottleKey],
    first_lock_secs: i32,
) -> Result<bool, sqlx::Error> {
    for k in keys {
        // One statement per key: the upsert takes the row lock, so concurrent
        // reservations of a key are counted one after another. With the row
        // locked, the WHERE clause refuses without counting.
        let allowed: Option<i32> = sqlx::query_scalar(
            "INSERT INTO login_throttle AS t (key, failures, window_start, locked_until) \
             VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => least(900, $3)) END) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END, \
               window_start = CASE WHEN t.window_start < now() - interval '15 minutes' THEN now() ELSE t.window_start END, \
               locked_until = CASE \
                 WHEN (CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END) >= $2 \
                 THEN now() + make_interval(secs => least(900, $3 * power(2, least(10, \
                      (CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END) - $2)))) \
                 ELSE NULL END \
             WHERE t.locked_until IS NULL OR t.locked_until <= now() \
             RETURNING failures",
        )
        .bind(&k.key)
        .bind(k.threshold)
        .bind(f64::from(first_lock_secs))
        .fetch_optional(&mut *conn)
        .await?;
        if allowed.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The password was right: the account's counters are cleared, and the
/// address's reserved attempt is given back (many people may sign in from one
/// office address), lifting its lock when that brings it under the threshold.
pub async fn record_success(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<(), sqlx::Error> {
    for k in keys {
        if k.is_address() {
            sqlx::query(
                "UPDATE login_throttle SET failures = greatest(failures - 1, 0), \
                   locked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE locked_until END \
                 WHERE key = $1",
            )
            .bind(&k.key)
            .bind(k.threshold)
            .execute(&mut *conn)
            .await?;
        } else {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1")
                .bind(&k.key)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// A new account was made (sign-up with an unused email): the account's
/// counters are cleared; the address keeps the attempt, so sign-ups from one
/// address are bounded like guesses.
pub async fn record_new_account(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<(), sqlx::Error> {
    for k in keys.iter().filter(|k| !k.is_address()) {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(&k.key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowest_key_first_and_the_account_always() {
        let keys = keys_for("a@b.test", Some("192.0.2.1"));
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(
            names,
            [
                "account-addr:a@b.test|192.0.2.1",
                "addr:192.0.2.1",
                "account:a@b.test"
            ]
        );
        assert_eq!(keys_for("a@b.test", None).len(), 1);
    }
}

//! Slowing down password guessing.
//!
//! Failures are counted per (account, address), per address and per account in a
//! 15-minute window. Past a key's threshold it is locked for 30 s, doubling with
//! each further failure up to 15 minutes; locks always expire, so the real owner is
//! never locked out for good, and a stranger's guesses from elsewhere lock only the
//! much higher per-account threshold.
use sqlx::PgConnection;

/// A counter key and the number of failures it tolerates in a window.
#[derive(Debug, Clone)]
pub struct ThrottleKey {
    pub key: String,
    pub threshold: i32,
}

pub fn keys_for(email: &str, client: Option<&str>) -> Vec<ThrottleKey> {
    let mut keys = vec![ThrottleKey {
        key: format!("account:{email}"),
        threshold: 50,
    }];
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
    keys
}

/// True when any key is currently locked.
pub async fn is_locked(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<bool, sqlx::Error> {
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM login_throttle WHERE key = ANY($1) AND locked_until > now())",
    )
    .bind(&names)
    .fetch_one(conn)
    .await
}

pub async fn record_failure(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<(), sqlx::Error> {
    for k in keys {
        sqlx::query(
            "INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now()) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END, \
               window_start = CASE WHEN t.window_start < now() - interval '15 minutes' THEN now() ELSE t.window_start END, \
               locked_until = CASE \
                 WHEN (CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END) >= $2 \
                 THEN now() + make_interval(secs => least(900, 30 * power(2, least(10, \
                      (CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END) - $2)))) \
                 ELSE t.locked_until END",
        )
        .bind(&k.key)
        .bind(k.threshold)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A successful log-in clears the counters of that account from that address.
pub async fn record_success(conn: &mut PgConnection, keys: &[ThrottleKey]) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = keys
        .iter()
        .filter(|k| !k.key.starts_with("addr:"))
        .map(|k| k.key.as_str())
        .collect();
    sqlx::query("DELETE FROM login_throttle WHERE key = ANY($1)")
        .bind(&names)
        .execute(conn)
        .await?;
    Ok(())
}

//! Reading the database's refusals, in one place: which named constraint or
//! SQLSTATE an error carries. Each domain turns the names it owns into its own
//! typed errors (a person sees those); anything unrecognised stays a database
//! error, logged with its detail and shown as "something went wrong".
use crate::error::AppError;

/// Whether `e` says the database cannot be reached now rather than that the
/// request is wrong: no connection could be made or had in time, the server is
/// shutting down or starting up, too many connections. Worth a retry later.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            true
        }
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08…: connection exception; 57P01–57P03: admin/crash shutdown,
            // cannot connect now; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// The answer for a database error no domain rule recognised: logged with its
/// detail (`area` says where), shown as [`AppError::Unavailable`] when the
/// database is out of reach, else as the opaque internal error.
pub fn app_error(area: &'static str, error: &sqlx::Error) -> AppError {
    log(area, error);
    if is_unavailable(error) {
        AppError::Unavailable
    } else {
        AppError::Internal
    }
}

/// Logs a database error once: a warning while the database is out of reach
/// (an outage is one event, not an error per request), an error otherwise.
pub fn log(area: &'static str, error: &sqlx::Error) {
    if is_unavailable(error) {
        tracing::warn!(%error, area, "database unavailable");
    } else {
        tracing::error!(%error, area, "database error");
    }
}

/// The name of the constraint a database error broke, if any.
pub fn constraint_of(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error().and_then(|db| db.constraint())
}

/// Whether `e` broke the constraint called `name`.
pub fn broke(e: &sqlx::Error, name: &str) -> bool {
    constraint_of(e) == Some(name)
}

/// The SQLSTATE of a database error (`23514` check violation, `42501`
/// insufficient privilege, `P0002` no data found, …).
pub fn sqlstate_of(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|db| db.code())
        .map(|c| c.into_owned())
}

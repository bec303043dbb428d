//! Reading the database's refusals, in one place: which named constraint or
//! SQLSTATE an error carries. Each domain turns the names it owns into its own
//! typed errors (a person sees those); anything unrecognised stays a database
//! error, logged with its detail and shown as "something went wrong".
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

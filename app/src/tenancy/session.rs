//! What a session remembers about who is signed in, and where.
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::Db;

const AUTH_KEY: &str = "auth";

/// Stored in the session at log-in. `tenant_id` is the tenant whose subdomain
/// the session was made on (None on the apex); a session presented on any other
/// host is treated as signed out, on top of cookies being host-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    /// Made on the platform console's host by an operator.
    #[serde(default)]
    pub operator: bool,
    /// The account's `session_epoch` when the session was made. A password
    /// change or reset moves the account's epoch on; a session whose epoch no
    /// longer matches is signed out at its next request. Filled by [`sign_in`].
    #[serde(default)]
    pub epoch: i32,
    /// Who opened this browser's till: the member who signed in here with
    /// their password (set at password sign-in on a business's host). Kept
    /// when people switch in by PIN; a switch is allowed only while this
    /// person is an active manager, admin or owner of the business.
    #[serde(default)]
    pub till_opener: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store error: {0}")]
    Store(#[from] tower_sessions::session::Error),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// Signs in: a new session id (against fixation), then the identity, stamped
/// with the account's current session epoch (whatever `auth.epoch` held).
pub async fn sign_in(session: &Session, db: &Db, mut auth: SessionAuth) -> Result<(), SessionError> {
    auth.epoch = session_epoch(db, auth.user_id).await?;
    session.cycle_id().await?;
    session.insert(AUTH_KEY, auth).await?;
    Ok(())
}

/// The account's current session epoch (users are global: the owner pool).
async fn session_epoch(db: &Db, user_id: Uuid) -> Result<i32, sqlx::Error> {
    let mut tx = db.platform_tx().await?;
    let epoch: Option<i32> = sqlx::query_scalar("SELECT session_epoch FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(epoch.unwrap_or_default())
}

/// Switches this session to another member of its business (their PIN was
/// right): a new session id, their identity and session epoch; who opened
/// the till stays.
pub async fn switch_to(session: &Session, db: &Db, user_id: Uuid) -> Result<(), SessionError> {
    let Some(current) = current_auth(session).await? else {
        return Ok(());
    };
    let auth = SessionAuth {
        user_id,
        epoch: 0,
        ..current
    };
    sign_in(session, db, auth).await
}

/// Keeps this session signed in after its own password change moved the
/// account's epoch on to `epoch` (every other session is signed out).
pub async fn keep_after_password_change(
    session: &Session,
    epoch: i32,
) -> Result<(), tower_sessions::session::Error> {
    if let Some(mut auth) = current_auth(session).await? {
        auth.epoch = epoch;
        // A new id as well: whoever held the old cookie holds nothing now.
        session.cycle_id().await?;
        session.insert(AUTH_KEY, auth).await?;
    }
    Ok(())
}

/// Ends the session: its row is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

pub async fn current_auth(session: &Session) -> Result<Option<SessionAuth>, tower_sessions::session::Error> {
    session.get::<SessionAuth>(AUTH_KEY).await
}

/// Drops the identity (e.g. the membership was removed) but keeps the session.
pub async fn forget_auth(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.remove::<SessionAuth>(AUTH_KEY).await.map(|_| ())
}

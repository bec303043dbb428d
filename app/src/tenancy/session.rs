//! What a session remembers about who is signed in, and where.
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

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
}

/// Signs in: a new session id (against fixation), then the identity.
pub async fn sign_in(session: &Session, auth: SessionAuth) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(AUTH_KEY, auth).await
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

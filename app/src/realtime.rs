//! Live events for open terminals: PostgreSQL NOTIFY (sent at commit by the
//! domain) is read by one listener per server and fanned out to that tenant's
//! server-sent-event streams. Because it goes through the database, a sale on
//! any server instance reaches terminals on every instance.
use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::StatusCode,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Extension,
};
use futures::Stream;
use serde::Deserialize;
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    domain::billing::finalize::EVENTS_CHANNEL,
    state::AppState,
    tenancy::{CurrentUser, SiteCtx},
};

/// One decoded notification: which tenant it belongs to, and its JSON text.
#[derive(Debug, Clone)]
pub struct TenantEvent {
    pub tenant_id: Uuid,
    pub json: Arc<str>,
}

/// The fan-out hub (cheap to clone).
#[derive(Clone, Debug)]
pub struct Realtime {
    sender: broadcast::Sender<TenantEvent>,
}

#[derive(Deserialize)]
struct Envelope {
    tenant_id: Uuid,
}

impl Realtime {
    /// Starts listening on the events channel over a connection of its own
    /// (made like `pool`'s, so it never takes one from the request pool);
    /// reconnects by itself.
    pub fn start(pool: PgPool) -> Realtime {
        let options = (*pool.connect_options()).clone();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options);
        let (sender, _) = broadcast::channel(1024);
        let hub = Realtime {
            sender: sender.clone(),
        };
        tokio::spawn(async move {
            loop {
                match listen(&pool, &sender).await {
                    Ok(()) => return,
                    Err(_) if pool.is_closed() => return,
                    Err(error) => {
                        tracing::warn!(%error, "event listener stopped; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        hub
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TenantEvent> {
        self.sender.subscribe()
    }
}

async fn listen(pool: &PgPool, sender: &broadcast::Sender<TenantEvent>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    loop {
        let note = listener.recv().await?;
        match serde_json::from_str::<Envelope>(note.payload()) {
            Ok(envelope) => {
                // No subscribers is fine: nobody has a terminal open.
                let _ = sender.send(TenantEvent {
                    tenant_id: envelope.tenant_id,
                    json: note.payload().into(),
                });
            }
            Err(error) => tracing::warn!(%error, "ignored an event without a tenant"),
        }
    }
}

/// How often an open stream re-checks that its member still belongs.
const RECHECK: Duration = Duration::from_secs(15);

/// `GET /api/events`: this tenant's events as server-sent events, for a signed-in
/// member. The tenant is checked when subscribing and on every event; the
/// membership again at least every 15 seconds, so a removed member's stream ends.
pub async fn events(
    State(state): State<AppState>,
    Extension(site): Extension<SiteCtx>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    let Some(tenant) = site.tenant().cloned() else {
        return (StatusCode::NOT_FOUND, "Events are on a business's own address.").into_response();
    };
    let Some(Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let receiver = state.events.subscribe();
    let stream = tenant_stream(state, tenant.id, user.id, receiver);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

fn tenant_stream(
    state: AppState,
    tenant_id: Uuid,
    user_id: Uuid,
    receiver: broadcast::Receiver<TenantEvent>,
) -> impl Stream<Item = Result<Event, Infallible>> + Send {
    struct Cursor {
        state: AppState,
        receiver: broadcast::Receiver<TenantEvent>,
        checked: tokio::time::Instant,
    }
    let start = Cursor {
        state,
        receiver,
        checked: tokio::time::Instant::now(),
    };
    futures::stream::unfold(Some(start), move |cursor| async move {
        let mut cursor = cursor?;
        loop {
            let event = tokio::time::timeout(RECHECK, cursor.receiver.recv()).await;
            if cursor.checked.elapsed() >= RECHECK {
                if !still_member(&cursor.state, tenant_id, user_id).await {
                    return None;
                }
                cursor.checked = tokio::time::Instant::now();
            }
            match event {
                Err(_) => continue, // quiet period; the membership was checked above
                Ok(Ok(e)) if e.tenant_id == tenant_id => {
                    let out = Event::default().event("update").data(&*e.json);
                    return Some((Ok(out), Some(cursor)));
                }
                Ok(Ok(_)) => continue, // another tenant's event: never sent
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                    // Too slow to keep up: tell the terminal to reload what it shows.
                    let out = Event::default().event("update").data(r#"{"kind":"refresh"}"#);
                    return Some((Ok(out), Some(cursor)));
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            }
        }
    })
}

async fn still_member(state: &AppState, tenant_id: Uuid, user_id: Uuid) -> bool {
    let Ok(mut tx) = state.db.tenant_tx(tenant_id).await else {
        return false;
    };
    let active = crate::domain::accounts::active_role(&mut tx, user_id)
        .await
        .ok()
        .flatten()
        .is_some();
    let _ = tx.commit().await;
    active
}

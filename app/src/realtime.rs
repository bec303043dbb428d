//! Live events for open terminals: PostgreSQL NOTIFY (sent just after the
//! commit of the change, see `TenantCtx::announce_after_commit`) is read by one listener per server and fanned out to that tenant's
//! server-sent-event streams. Because it goes through the database, a sale on
//! any server instance reaches terminals on every instance.
//!
//! Access changes travel the same way, on a channel of their own: when a
//! business is suspended or a member deactivated, a notification sent after the
//! commit ends the open streams it concerns, on every instance. Each stream
//! also re-checks its member now and then, in case a notification was missed.
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
use serde::{Deserialize, Serialize};
use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

use crate::{
    domain::billing::finalize::EVENTS_CHANNEL,
    state::AppState,
    tenancy::{tenant_cache::TENANTS_CHANNEL, CurrentUser, Db, SiteCtx, TenantCache},
};

/// The channel access changes are announced on (see [`end_tenant_streams`],
/// [`end_member_streams`]).
pub const ACCESS_CHANNEL: &str = "shopfloor_access";

/// One decoded notification: which tenant it belongs to, and its JSON text.
#[derive(Debug, Clone)]
pub struct TenantEvent {
    pub tenant_id: Uuid,
    pub json: Arc<str>,
}

/// What the hub passes to the open streams.
#[derive(Debug, Clone)]
pub enum Notice {
    /// An event for a tenant's terminals.
    Event(TenantEvent),
    /// Access ended: the whole tenant (suspended) when `user_id` is None, else
    /// that member of the tenant (deactivated). Their streams end.
    Revoked { tenant_id: Uuid, user_id: Option<Uuid> },
    /// The listener lost its connection and listens again: notifications sent
    /// meanwhile are lost, so every stream tells its terminal to reload.
    Resync,
}

/// The fan-out hub (cheap to clone).
#[derive(Clone, Debug)]
pub struct Realtime {
    sender: broadcast::Sender<Notice>,
    /// Whether the listener is currently subscribed to the channels.
    listening: watch::Receiver<bool>,
    /// Committed events on their way to the database (see [`Realtime::publish`]).
    outbox: mpsc::Sender<TenantEvent>,
}

/// Events waiting to be sent; beyond this many the newest are dropped (they
/// are hints: screens also refresh on their own).
const OUTBOX_CAPACITY: usize = 10_000;
/// The most events sent in one statement.
const BATCH: usize = 256;

#[derive(Deserialize)]
struct Envelope {
    tenant_id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct AccessEnvelope {
    tenant_id: Uuid,
    #[serde(default)]
    user_id: Option<Uuid>,
}

impl Realtime {
    /// Starts listening on the events channels over a connection of its own
    /// (made like the owner pool's, so it never takes one from the request
    /// pools), and the sender of committed events over another; both
    /// reconnect by themselves. Tenant changes heard on the way empty `db`'s
    /// tenant cache.
    pub fn start(db: &Db) -> Realtime {
        let options = (*db.session_pool().connect_options()).clone();
        let own_pool = || {
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with(options.clone())
        };
        let (pool, publisher) = (own_pool(), own_pool());
        let (sender, _) = broadcast::channel(1024);
        let (listening_tx, listening) = watch::channel(false);
        let (outbox, queued) = mpsc::channel(OUTBOX_CAPACITY);
        let hub = Realtime {
            sender: sender.clone(),
            listening,
            outbox,
        };
        tokio::spawn(send_events(publisher, queued));
        let cache = db.tenant_cache().clone();
        tokio::spawn(async move {
            let mut reconnecting = false;
            loop {
                let result = listen(&pool, &sender, &listening_tx, &cache, reconnecting).await;
                cache.set_trusted(false);
                listening_tx.send_replace(false);
                match result {
                    Ok(()) => return,
                    Err(_) if pool.is_closed() => return,
                    Err(error) => {
                        tracing::warn!(%error, "event listener stopped; reconnecting");
                        reconnecting = true;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        hub
    }

    /// Queues events a committed tenant transaction announced
    /// (`TenantCtx::announce_after_commit`) for that tenant's open streams on
    /// every server instance. Returns at once: one task sends what is queued,
    /// many events per statement when busy, in the order they were queued, so
    /// a sale costs no round trip of its own for its announcement.
    pub fn publish(&self, tenant_id: Uuid, events: Vec<serde_json::Value>) {
        for mut event in events {
            event["tenant_id"] = serde_json::json!(tenant_id);
            let event = TenantEvent {
                tenant_id,
                json: event.to_string().into(),
            };
            if self.outbox.try_send(event).is_err() {
                tracing::warn!(%tenant_id, "live event dropped: the outbox is full or closed");
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }

    /// Resolves once the listener is subscribed to the database's channels
    /// (notifications sent before that reach no stream).
    pub async fn wait_until_listening(&self) {
        let mut listening = self.listening.clone();
        // An error means the listener task is gone: nothing more to wait for.
        let _ = listening.wait_for(|yes| *yes).await;
    }
}

/// Listens until the connection fails for good. `reconnecting`: an earlier
/// listener failed, so notifications may have been missed meanwhile.
async fn listen(
    pool: &PgPool,
    sender: &broadcast::Sender<Notice>,
    listening: &watch::Sender<bool>,
    tenants: &TenantCache,
    reconnecting: bool,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all([EVENTS_CHANNEL, ACCESS_CHANNEL, TENANTS_CHANNEL])
        .await?;
    tenants.set_trusted(true);
    listening.send_replace(true);
    if reconnecting {
        let _ = sender.send(Notice::Resync);
    }
    loop {
        // `None`: the connection was lost and made again (or this returns the
        // error): whatever was sent in between is lost, tenant changes too.
        let Some(note) = listener.try_recv().await? else {
            tracing::warn!("event listener reconnected; streams are told to reload");
            tenants.clear();
            let _ = sender.send(Notice::Resync);
            continue;
        };
        if note.channel() == TENANTS_CHANNEL {
            tenants.clear();
            continue;
        }
        // No subscribers is fine: nobody has a terminal open.
        if note.channel() == ACCESS_CHANNEL {
            match serde_json::from_str::<AccessEnvelope>(note.payload()) {
                Ok(access) => {
                    let _ = sender.send(Notice::Revoked {
                        tenant_id: access.tenant_id,
                        user_id: access.user_id,
                    });
                }
                Err(error) => tracing::warn!(%error, "ignored an access notice without a tenant"),
            }
            continue;
        }
        match serde_json::from_str::<Envelope>(note.payload()) {
            Ok(envelope) => {
                let _ = sender.send(Notice::Event(TenantEvent {
                    tenant_id: envelope.tenant_id,
                    json: note.payload().into(),
                }));
            }
            Err(error) => tracing::warn!(%error, "ignored an event without a tenant"),
        }
    }
}

/// Ends every open event stream of a tenant (it was suspended), on every
/// server instance. Call after the change is committed.
pub async fn end_tenant_streams(db: &Db, tenant_id: Uuid) -> Result<(), sqlx::Error> {
    announce_access(db, tenant_id, None).await
}

/// Ends a member's open event streams in a tenant (they were deactivated), on
/// every server instance. Call after the change is committed.
pub async fn end_member_streams(db: &Db, tenant_id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    announce_access(db, tenant_id, Some(user_id)).await
}

/// Sends the access notice from a transaction of that very tenant, so the
/// tenant in it is the transaction's, and nothing else is held while the
/// notification is queued.
async fn announce_access(db: &Db, tenant_id: Uuid, user_id: Option<Uuid>) -> Result<(), sqlx::Error> {
    let mut tx = db.tenant_tx(tenant_id).await?;
    let payload = serde_json::to_string(&AccessEnvelope {
        tenant_id: tx.tenant_id(),
        user_id,
    })
    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(ACCESS_CHANNEL)
        .bind(payload)
        .execute(tx.conn())
        .await?;
    tx.commit().await
}

/// The outbox's sender: waits for an event, takes what else is queued (up to
/// [`BATCH`]) and sends them in one statement. A failed send is logged and
/// those events are dropped (the next batch gets a fresh connection).
async fn send_events(pool: PgPool, mut queued: mpsc::Receiver<TenantEvent>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queued.recv_many(&mut batch, BATCH).await > 0 {
        let payloads: Vec<&str> = batch.iter().map(|e| &*e.json).collect();
        let sent = sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload")
            .bind(EVENTS_CHANNEL)
            .bind(&payloads)
            .execute(&pool)
            .await;
        if let Err(error) = sent {
            tracing::warn!(%error, events = batch.len(), "live events not sent");
        }
        batch.clear();
    }
}

/// How often an open stream re-checks that its member still belongs (a backstop
/// for a missed access notice).
const RECHECK: Duration = Duration::from_secs(15);

/// `GET /api/events`: this tenant's events as server-sent events, for a signed-in
/// member. The tenant is checked when subscribing and on every event. The stream
/// ends when its tenant is suspended or its member deactivated (an access notice,
/// see [`end_tenant_streams`]), and the membership and tenant are re-checked at
/// least every 15 seconds in case a notice was missed.
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
    receiver: broadcast::Receiver<Notice>,
) -> impl Stream<Item = Result<Event, Infallible>> + Send {
    struct Cursor {
        state: AppState,
        receiver: broadcast::Receiver<Notice>,
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
            let notice = tokio::time::timeout(RECHECK, cursor.receiver.recv()).await;
            if cursor.checked.elapsed() >= RECHECK {
                if access(&cursor.state, tenant_id, user_id).await == Access::Denied {
                    return None;
                }
                cursor.checked = tokio::time::Instant::now();
            }
            match notice {
                Err(_) => continue, // quiet period; the membership was checked above
                Ok(Ok(Notice::Event(e))) if e.tenant_id == tenant_id => {
                    let out = Event::default().event("update").data(&*e.json);
                    return Some((Ok(out), Some(cursor)));
                }
                Ok(Ok(Notice::Event(_))) => continue, // another tenant's event: never sent
                Ok(Ok(Notice::Revoked {
                    tenant_id: revoked,
                    user_id: who,
                })) => {
                    if revoked == tenant_id && who.is_none_or(|who| who == user_id) {
                        tracing::info!(%tenant_id, %user_id, "event stream ended: access revoked");
                        return None;
                    }
                }
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                    // Notices may have been dropped: check access now. Then tell
                    // the terminal to reload what it shows.
                    if access(&cursor.state, tenant_id, user_id).await == Access::Denied {
                        return None;
                    }
                    cursor.checked = tokio::time::Instant::now();
                    let out = Event::default().event("update").data(r#"{"kind":"refresh"}"#);
                    return Some((Ok(out), Some(cursor)));
                }
                Ok(Ok(Notice::Resync)) => {
                    // The listener was away (the database restarted, say): events
                    // may be lost, so the terminal reloads what it shows.
                    let out = Event::default().event("update").data(r#"{"kind":"refresh"}"#);
                    return Some((Ok(out), Some(cursor)));
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            }
        }
    })
}

/// What a stream's re-check found.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    Allowed,
    Denied,
    /// The database cannot be reached just now: the stream stays open (a
    /// suspension or deactivation made meanwhile still ends it by its notice,
    /// and the next re-check asks again). Ending it would not help: the
    /// browser's reconnect would meet a 503, and an EventSource refused with an
    /// error status never tries again, so the till would go deaf until reloaded.
    Unknown,
}

async fn access(state: &AppState, tenant_id: Uuid, user_id: Uuid) -> Access {
    match still_member(state, tenant_id, user_id).await {
        Ok(true) => Access::Allowed,
        Ok(false) => Access::Denied,
        Err(error) if crate::domain::db_errors::is_unavailable(&error) => {
            tracing::warn!(%error, %tenant_id, %user_id, "event stream kept open: its access could not be checked now");
            Access::Unknown
        }
        Err(error) => {
            tracing::error!(%error, %tenant_id, %user_id, "event stream ended: its access check failed");
            Access::Denied
        }
    }
}

/// Whether the member is still active in a tenant that is still active.
async fn still_member(state: &AppState, tenant_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = state.db.tenant_tx(tenant_id).await?;
    let tenant_active: Option<bool> =
        sqlx::query_scalar("SELECT status = 'active' FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(tx.conn())
            .await?;
    let member_active = crate::domain::accounts::active_role(&mut tx, user_id)
        .await?
        .is_some();
    tx.commit().await?;
    Ok(member_active && tenant_active == Some(true))
}

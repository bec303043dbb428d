//! The tenant context: everything a piece of tenant work knows, in one value.
//!
//! Built once per request (or once per background job) from the resolved
//! tenant, the signed-in member and the request id: the tenant transaction
//! (row-level security confines it to one tenant), the business's typed
//! settings, the actor and the request id. Domain functions take
//! `&mut TenantCtx<'_>`; the audit writer reads the actor and the request id from
//! it, so no call site passes them by hand and every audit row has both.
use std::{
    ops::{Deref, DerefMut},
    sync::Arc,
};

use uuid::Uuid;

use super::TenantTx;
use crate::{
    org::{BusinessSettings, SETTINGS_COLUMNS},
    permissions::{Actor, Forbidden, Permission},
};

pub struct TenantCtx<'t> {
    tx: &'t mut TenantTx,
    settings: Option<Arc<BusinessSettings>>,
    actor: Actor,
    request_id: Option<String>,
    /// While set, per-row live events are not sent (a bulk change sends one
    /// event of its own at the end instead).
    events_held: bool,
    /// Live events to send once the transaction has committed (see
    /// [`Self::announce_after_commit`]).
    events: Vec<serde_json::Value>,
}

impl<'t> TenantCtx<'t> {
    /// Work done by `actor` in `tx`. Every piece of tenant work that changes
    /// something has a person behind it (seeding acts as the demo owner). The
    /// owner of `tx` commits it once the work is done.
    pub fn new(tx: &'t mut TenantTx, actor: Actor, request_id: Option<String>) -> Self {
        TenantCtx {
            tx,
            settings: None,
            actor,
            request_id,
            events_held: false,
            events: Vec::new(),
        }
    }

    /// Queues a live event for this tenant's open screens. It is sent by
    /// whoever commits the transaction, after the commit
    /// (`RequestCtx::in_tenant`): a rolled-back change is never announced, and
    /// no notification lock is held through the commit. Held back while
    /// [`Self::hold_events`] is on.
    pub fn announce_after_commit(&mut self, mut event: serde_json::Value) {
        if self.events_held {
            return;
        }
        event["tenant_id"] = serde_json::json!(self.tx.tenant_id());
        self.events.push(event);
    }

    /// The queued live events, for the committer to send.
    pub fn take_events(&mut self) -> Vec<serde_json::Value> {
        std::mem::take(&mut self.events)
    }

    /// Holds back per-row live events (`true`) for a bulk change that
    /// announces itself once at the end, or lets them through again.
    pub fn hold_events(&mut self, held: bool) {
        self.events_held = held;
    }

    /// Whether per-row live events are held back (see [`Self::hold_events`]).
    pub fn events_held(&self) -> bool {
        self.events_held
    }

    /// Supplies settings already read with the tenant (the request path reads
    /// them while resolving the host, so they cost no extra round trip).
    pub fn with_settings(mut self, settings: Arc<BusinessSettings>) -> Self {
        self.settings = Some(settings);
        self
    }

    pub fn tenant_id(&self) -> Uuid {
        self.tx.tenant_id()
    }

    /// The member doing the work (a copy: domain code keeps it while it uses
    /// the transaction).
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// Refuses unless the actor's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<Actor, Forbidden> {
        self.actor.require(permission).map(|()| self.actor)
    }

    /// Makes `actor` the actor for what follows and returns the previous one.
    /// Only for seeding demo history (several people in one transaction) and
    /// for the part of a refund a manager approved by PIN that needs their
    /// authority (`billing::credit`).
    pub(crate) fn switch_actor(&mut self, actor: Actor) -> Actor {
        std::mem::replace(&mut self.actor, actor)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The business's settings, read once per context (from this transaction
    /// when they were not supplied with the tenant).
    pub async fn settings(&mut self) -> Result<Arc<BusinessSettings>, sqlx::Error> {
        if let Some(settings) = &self.settings {
            return Ok(settings.clone());
        }
        let row = sqlx::query(&format!("SELECT {SETTINGS_COLUMNS} FROM tenants"))
            .fetch_one(self.tx.conn())
            .await?;
        let settings = Arc::new(BusinessSettings::from_row(&row)?);
        self.settings = Some(settings.clone());
        Ok(settings)
    }

    /// Forgets the cached settings (after this transaction changed them).
    pub fn settings_changed(&mut self) {
        self.settings = None;
    }
}

/// The transaction's connection and tenant are the context's: a domain
/// function that needs only SQL takes `&mut TenantTx` and is handed a context.
impl Deref for TenantCtx<'_> {
    type Target = TenantTx;
    fn deref(&self) -> &TenantTx {
        self.tx
    }
}

impl DerefMut for TenantCtx<'_> {
    fn deref_mut(&mut self) -> &mut TenantTx {
        self.tx
    }
}

impl TenantTx {
    /// This transaction as a context acting as `actor`, with no request id
    /// (background work, seeding, tests).
    pub fn acting(&mut self, actor: Actor) -> TenantCtx<'_> {
        TenantCtx::new(self, actor, None)
    }
}

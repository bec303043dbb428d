//! The till's offline state, shared by the till screen: whether the server
//! can be reached, the cached catalog, the queue and its sending.
use leptos::prelude::*;
use uuid::Uuid;

use super::{
    provisional::{QueuedSale, RungSale},
    search,
};
use crate::{
    error::AppError,
    model::{PosItem, PosSettings},
};

/// Whether an error means the server could not be reached (or could not
/// reach its database): the till then sells offline. A sale whose answer
/// was lost (`TimedOut`, `Unconfirmed`) may be queued too: its key makes the
/// resend return the bill it may have made.
pub fn unreachable(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Transport(_) | AppError::Unavailable | AppError::TimedOut | AppError::Unconfirmed
    )
}

/// Sales sent in one `sync/sales` call: small, so a cut connection loses
/// little work and the screen shows progress.
#[cfg(feature = "hydrate")]
const BATCH: usize = 10;

#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct OfflineTill {
    /// The server answered the last request (false: selling offline).
    pub online: RwSignal<bool>,
    /// Products in the cached catalog.
    pub cached: RwSignal<usize>,
    /// Queued sales (this browser's, every member's), oldest first.
    pub queue: RwSignal<Vec<QueuedSale>>,
    pub sending: RwSignal<bool>,
    /// What the last sync did, in words.
    pub note: RwSignal<Option<String>>,
    /// Provisional number → bill number, for sales sent from this screen.
    pub sent: RwSignal<Vec<(String, String)>>,
    products: StoredValue<Vec<PosItem>>,
    till_code: RwSignal<String>,
    server_seq: RwSignal<i64>,
    till_id: Option<Uuid>,
    user_id: Uuid,
}

impl OfflineTill {
    pub fn new(till_id: Option<Uuid>, user_id: Uuid) -> Self {
        OfflineTill {
            online: RwSignal::new(true),
            cached: RwSignal::new(0),
            queue: RwSignal::new(Vec::new()),
            sending: RwSignal::new(false),
            note: RwSignal::new(None),
            sent: RwSignal::new(Vec::new()),
            products: StoredValue::new(Vec::new()),
            till_code: RwSignal::new(String::new()),
            server_seq: RwSignal::new(0),
            till_id,
            user_id,
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn till_key(&self) -> String {
        self.till_id
            .map(|t| t.to_string())
            .unwrap_or_else(|| "none".into())
    }

    /// Cached items for a query (offline search).
    pub fn search(&self, query: &str, limit: usize) -> Vec<PosItem> {
        self.products
            .with_value(|items| search::find(items, query, limit))
    }

    /// Sales waiting to be sent by the signed-in member (refused ones aside).
    pub fn pending(&self) -> usize {
        self.queue.with(|q| {
            q.iter()
                .filter(|s| s.refused.is_none() && s.sold_by == self.user_id)
                .count()
        })
    }

    /// The request failed for want of a server: sell offline until one answers.
    pub fn went_offline(&self) {
        self.online.set(false);
    }

    /// Starts the offline machinery (browser only): the service worker, the
    /// cache and queue from IndexedDB, a catalog refresh, the queue's sending,
    /// and the browser's online/offline events.
    pub fn start(self) {
        #[cfg(feature = "hydrate")]
        {
            register_service_worker();
            let on_line = window().navigator().on_line();
            self.online.set(on_line);
            leptos::task::spawn_local(async move {
                self.load().await;
                if self.online.get_untracked() {
                    self.refresh_catalog().await;
                    self.flush().await;
                }
            });
            let back = window_event_listener(leptos::ev::online, move |_| {
                self.online.set(true);
                leptos::task::spawn_local(async move {
                    self.refresh_catalog().await;
                    self.flush().await;
                });
            });
            let gone = window_event_listener(leptos::ev::offline, move |_| self.online.set(false));
            // While sales wait, try again every few seconds: a server that
            // was down comes back without any browser event.
            let retry = set_interval_with_handle(
                move || {
                    if self.pending() > 0 && !self.sending.get_untracked() && window().navigator().on_line() {
                        leptos::task::spawn_local(async move { self.flush().await });
                    }
                },
                std::time::Duration::from_secs(5),
            )
            .ok();
            // The catalog's changes every few minutes while online.
            let refresh = set_interval_with_handle(
                move || {
                    if self.online.get_untracked() {
                        leptos::task::spawn_local(async move { self.refresh_catalog().await });
                    }
                },
                std::time::Duration::from_secs(300),
            )
            .ok();
            on_cleanup(move || {
                back.remove();
                gone.remove();
                if let Some(h) = retry {
                    h.clear();
                }
                if let Some(h) = refresh {
                    h.clear();
                }
            });
        }
    }
}

#[cfg(feature = "hydrate")]
fn register_service_worker() {
    let container = window().navigator().service_worker();
    let _ = container.register("/sw.js");
}

#[cfg(feature = "hydrate")]
impl OfflineTill {
    async fn load(&self) {
        let key = self.till_key();
        if let Ok(Some(code)) = super::store::meta_get(&format!("code:{key}")).await {
            self.till_code.set(code);
        }
        if let Ok(Some(seq)) = super::store::meta_get(&format!("server-seq:{key}")).await {
            self.server_seq.set(seq.parse().unwrap_or(0));
        }
        if let Ok(products) = super::store::products().await {
            self.cached.set(products.len());
            self.products.set_value(products);
        }
        self.reload_queue().await;
    }

    async fn reload_queue(&self) {
        if let Ok(q) = super::store::queued().await {
            self.queue.set(q.into_iter().map(|(_, s)| s).collect());
        }
    }

    /// Brings the cached catalog up to date (changes since the cursor).
    pub async fn refresh_catalog(&self) {
        let cursor = super::store::meta_get("cursor")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        match crate::api::sync::sync_catalog(cursor, self.till_id).await {
            Ok(delta) => {
                let key = self.till_key();
                let mut meta = vec![("cursor", delta.cursor.clone())];
                let code_key = format!("code:{key}");
                let seq_key = format!("server-seq:{key}");
                if let Some(code) = &delta.till_code {
                    meta.push((code_key.as_str(), code.clone()));
                    self.till_code.set(code.clone());
                }
                meta.push((seq_key.as_str(), delta.last_provisional.to_string()));
                self.server_seq.set(delta.last_provisional);
                if super::store::apply_catalog(delta.full, &delta.products, &delta.removed, &meta)
                    .await
                    .is_ok()
                {
                    if let Ok(products) = super::store::products().await {
                        self.cached.set(products.len());
                        self.products.set_value(products);
                    }
                }
                self.online.set(true);
            }
            Err(e) if unreachable(&e) => self.online.set(false),
            Err(_) => {}
        }
    }

    /// Queues a sale made offline and answers it with its receipt (once the
    /// queue has it on disk), then sends the queue if the server is back.
    pub async fn sell(
        &self,
        rung: RungSale,
        settings: &PosSettings,
        cashier: &str,
    ) -> Result<(QueuedSale, crate::model::BillView), String> {
        let key = self.till_key();
        let code = match self.till_code.get_untracked() {
            // No code known (a business without tills): `T0`.
            c if c.is_empty() => "T0".to_owned(),
            c => c,
        };
        let now = js_sys::Date::new_0();
        let sold_at = String::from(now.to_iso_string());
        let shown_at = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            now.get_full_year(),
            now.get_month() + 1,
            now.get_date(),
            now.get_hours(),
            now.get_minutes()
        );
        let user = self.user_id;
        let queued = super::store::enqueue(&format!("seq:{key}"), self.server_seq.get_untracked(), |seq| {
            super::provisional::queue_entry(
                &rung,
                super::provisional::provisional_number(&code, seq),
                sold_at,
                shown_at,
                settings,
                (user, cashier),
            )
            .map_err(|e| e.to_string())
        })
        .await?;
        self.queue.update(|q| q.push(queued.0.clone()));
        let this = *self;
        leptos::task::spawn_local(async move {
            if window().navigator().on_line() {
                this.flush().await;
            }
        });
        Ok(queued)
    }

    /// Sends this member's queued sales in order, a batch at a time, and
    /// drops each from the queue only once the server has recorded it.
    pub async fn flush(&self) {
        if self.sending.get_untracked() {
            return;
        }
        self.sending.set(true);
        let mut sent = 0usize;
        loop {
            let Ok(queue) = super::store::queued().await else {
                break;
            };
            let batch: Vec<(f64, QueuedSale)> = queue
                .into_iter()
                .filter(|(_, s)| s.refused.is_none() && s.sold_by == self.user_id)
                .take(BATCH)
                .collect();
            if batch.is_empty() {
                break;
            }
            let sales = batch.iter().map(|(_, s)| s.sale.clone()).collect();
            match crate::api::sync::sync_sales(sales).await {
                Ok(results) => {
                    self.online.set(true);
                    let mut recorded = Vec::new();
                    let mut refused = Vec::new();
                    let mut numbers = Vec::new();
                    for (key, sale) in &batch {
                        match results
                            .iter()
                            .find(|r| r.idempotency_key == sale.sale.idempotency_key)
                        {
                            Some(r) if r.refused.is_some() => {
                                let mut sale = sale.clone();
                                sale.refused = r.refused.clone();
                                refused.push((*key, sale));
                            }
                            Some(r) if r.bill_id.is_some() => {
                                recorded.push(*key);
                                if let Some(number) = &r.number {
                                    numbers.push((sale.sale.provisional_number.clone(), number.clone()));
                                }
                            }
                            _ => {}
                        }
                    }
                    let progress = recorded.len() + refused.len();
                    if super::store::settle(&recorded, &refused).await.is_err() {
                        break;
                    }
                    sent += recorded.len();
                    self.sent.update(|m| m.extend(numbers));
                    self.reload_queue().await;
                    if progress == 0 {
                        break;
                    }
                }
                Err(e) => {
                    if unreachable(&e) {
                        self.online.set(false);
                    } else {
                        self.note
                            .set(Some(format!("Queued sales could not be sent: {e}")));
                    }
                    break;
                }
            }
        }
        if sent > 0 {
            self.note.set(Some(format!(
                "{sent} offline sale{} sent and recorded.",
                if sent == 1 { "" } else { "s" }
            )));
        }
        self.reload_queue().await;
        self.sending.set(false);
    }
}

/// On the server there is no offline: these exist so the till compiles there.
#[cfg(not(feature = "hydrate"))]
impl OfflineTill {
    pub async fn sell(
        &self,
        _: RungSale,
        _: &PosSettings,
        _: &str,
    ) -> Result<(QueuedSale, crate::model::BillView), String> {
        Err("Offline selling runs in the browser only.".into())
    }

    pub async fn flush(&self) {}
}

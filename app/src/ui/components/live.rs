//! Live updates for lists and pages: this business's event stream
//! (`/api/events`, server-sent events sent after each committed change).
use uuid::Uuid;

/// One event, as far as the pages need it: `stock` (new on-hand counts, from a
/// sale, a return, a restock, an adjustment or a count), `product` (a product
/// was created, edited, archived or restored), `refresh` (many things
/// changed, or events were missed: reload).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LiveUpdate {
    pub kind: String,
    #[serde(default)]
    pub product_id: Option<Uuid>,
    #[serde(default)]
    pub products: Vec<LiveStock>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct LiveStock {
    pub product_id: Uuid,
    pub on_hand: i64,
}

impl LiveUpdate {
    /// Whether what the catalog shows may have changed.
    pub fn touches_catalog(&self) -> bool {
        matches!(self.kind.as_str(), "stock" | "product" | "refresh")
    }

    /// Whether this product's page may have changed.
    pub fn touches_product(&self, id: Uuid) -> bool {
        self.kind == "refresh"
            || self.product_id == Some(id)
            || self.products.iter().any(|p| p.product_id == id)
    }
}

/// Calls `on_update` for every event of this business while the calling
/// component lives. Browser only: on the server it does nothing.
pub fn on_live_update(on_update: impl Fn(LiveUpdate) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::on_cleanup;
        use wasm_bindgen::{closure::Closure, JsCast};
        let Ok(source) = web_sys::EventSource::new("/api/events") else {
            return;
        };
        let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else { return };
            if let Ok(update) = serde_json::from_str::<LiveUpdate>(&text) {
                on_update(update);
            }
        });
        let _ = source.add_event_listener_with_callback("update", listener.as_ref().unchecked_ref());
        listener.forget();
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_update;
}

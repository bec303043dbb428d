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

/// What the event stream reports to its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// Connected (again): whatever happened while away was not heard.
    Opened,
    /// An event's JSON text.
    Message(String),
    /// The connection is lost; it is being made again.
    Lost,
}

/// The longest pause between two attempts to reopen the stream.
#[cfg(feature = "hydrate")]
const MAX_RETRY_MS: u32 = 30_000;

/// Keeps this business's event stream (`/api/events`) open while the calling
/// component lives, and reports to `on_event`. The browser's EventSource
/// retries a dropped connection by itself, but gives up for good when the
/// retry is answered with an error status (a proxy's 502 while an instance
/// restarts, a 503 while the database does): then a new one is opened after a
/// pause that starts at one second and doubles up to 30. Browser only: on the
/// server it does nothing.
pub fn keep_stream_open(on_event: impl Fn(StreamEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::on_cleanup;
        let stream = std::rc::Rc::new(stream::Stream::new(on_event));
        stream::open(stream.clone());
        let stream = send_wrapper::SendWrapper::new(stream);
        on_cleanup(move || stream.close());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_event;
}

#[cfg(feature = "hydrate")]
mod stream {
    use std::{
        cell::{Cell, RefCell},
        rc::Rc,
        time::Duration,
    };

    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{EventSource, MessageEvent};

    use super::{StreamEvent, MAX_RETRY_MS};

    type Handlers = (
        Closure<dyn Fn(MessageEvent)>,
        Closure<dyn Fn()>,
        Closure<dyn Fn()>,
    );

    pub struct Stream {
        on_event: Box<dyn Fn(StreamEvent)>,
        source: RefCell<Option<EventSource>>,
        /// The current source's handlers, dropped with it.
        handlers: RefCell<Option<Handlers>>,
        retry_ms: Cell<u32>,
        closed: Cell<bool>,
    }

    impl Stream {
        pub fn new(on_event: impl Fn(StreamEvent) + 'static) -> Self {
            Stream {
                on_event: Box::new(on_event),
                source: RefCell::new(None),
                handlers: RefCell::new(None),
                retry_ms: Cell::new(1_000),
                closed: Cell::new(false),
            }
        }

        /// The component is gone: close for good.
        pub fn close(&self) {
            self.closed.set(true);
            if let Some(source) = self.source.borrow_mut().take() {
                source.close();
            }
        }
    }

    pub fn open(stream: Rc<Stream>) {
        if stream.closed.get() {
            return;
        }
        let Ok(source) = EventSource::new("/api/events") else {
            retry_later(stream);
            return;
        };
        let on_message = {
            let stream = stream.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    (stream.on_event)(StreamEvent::Message(text));
                }
            })
        };
        let on_open = {
            let stream = stream.clone();
            Closure::<dyn Fn()>::new(move || {
                stream.retry_ms.set(1_000);
                (stream.on_event)(StreamEvent::Opened);
            })
        };
        let on_error = {
            let stream = stream.clone();
            Closure::<dyn Fn()>::new(move || {
                (stream.on_event)(StreamEvent::Lost);
                let given_up = stream
                    .source
                    .borrow()
                    .as_ref()
                    .is_some_and(|s| s.ready_state() == EventSource::CLOSED);
                if given_up {
                    retry_later(stream.clone());
                }
            })
        };
        let _ = source.add_event_listener_with_callback("update", on_message.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        if let Some(old) = stream.source.borrow_mut().replace(source) {
            old.close();
        }
        *stream.handlers.borrow_mut() = Some((on_message, on_open, on_error));
    }

    fn retry_later(stream: Rc<Stream>) {
        let wait = stream.retry_ms.get();
        stream.retry_ms.set(wait.saturating_mul(2).min(MAX_RETRY_MS));
        leptos::prelude::set_timeout(move || open(stream), Duration::from_millis(wait.into()));
    }
}

/// Calls `on_update` for every event of this business while the calling
/// component lives, and a `refresh` after the stream was lost and is back
/// (events sent meanwhile were missed). Browser only.
pub fn on_live_update(on_update: impl Fn(LiveUpdate) + 'static) {
    let opened_before = std::cell::Cell::new(false);
    keep_stream_open(move |event| match event {
        StreamEvent::Message(text) => {
            if let Ok(update) = serde_json::from_str::<LiveUpdate>(&text) {
                on_update(update);
            }
        }
        StreamEvent::Opened => {
            if opened_before.replace(true) {
                on_update(LiveUpdate {
                    kind: "refresh".into(),
                    ..LiveUpdate::default()
                });
            }
        }
        StreamEvent::Lost => {}
    });
}

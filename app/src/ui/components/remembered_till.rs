//! The till this browser sells on, remembered in its local storage: the till
//! page sells on it, and a refund on a bill's page is paid out of it by
//! default.
use uuid::Uuid;

/// Where this browser remembers the till it sells on.
#[cfg(feature = "hydrate")]
const KEY: &str = "shopfloor.till";

/// The remembered till, if any (never on the server).
pub fn remembered() -> Option<Uuid> {
    #[cfg(feature = "hydrate")]
    {
        let storage = web_sys::window()?.local_storage().ok()??;
        storage.get_item(KEY).ok()??.parse().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

pub fn remember(id: Uuid) {
    #[cfg(feature = "hydrate")]
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(KEY, &id.to_string());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

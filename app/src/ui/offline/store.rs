//! The till's IndexedDB (browser only, one database per business: IndexedDB
//! is per origin and every business has its own subdomain).
//!
//! - `products`: the cached catalog, id → PosItem (JSON text);
//! - `sales`: the queue of offline sales in the order they were made
//!   (auto-increment keys) → QueuedSale (JSON text);
//! - `meta`: the catalog cursor, the till's code, its provisional sequence.
//!
//! A sale is put in `sales` together with the till's next provisional number
//! in one transaction, and the till shows its receipt only once that
//! transaction has committed: nothing is printed that is not kept.
//!
//! Written on web-sys's IndexedDB bindings with a promise per request, not a
//! wrapper crate: the till's bundle stays within its budget
//! (docs/performance.md, "Bundle size").
use std::cell::RefCell;

use wasm_bindgen::{prelude::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStore, IdbObjectStoreParameters, IdbRequest, IdbTransaction, IdbTransactionMode,
};

use super::provisional::QueuedSale;
use crate::model::PosItem;

const NAME: &str = "shopfloor-till";
const PRODUCTS: &str = "products";
const SALES: &str = "sales";
const META: &str = "meta";

/// A store failure, as the till shows it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("This browser's storage failed ({0}). The sale was not kept: take it on paper.")]
    Idb(String),
}

fn failed(e: JsValue) -> StoreError {
    let text = e
        .dyn_ref::<web_sys::DomException>()
        .map(|d| d.message())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into());
    StoreError::Idb(text)
}

thread_local! {
    /// The database, opened once per page.
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for a request and answers its result.
async fn done(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => request.result().map_err(failed),
        Err(_) => Err(failed(
            request
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL),
        )),
    }
}

/// Waits until the transaction has committed (or fails when it aborts).
async fn committed(tx: &IdbTransaction) -> Result<(), StoreError> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => Err(failed(
            tx.error()
                .map(JsValue::from)
                .unwrap_or_else(|| "the transaction was aborted".into()),
        )),
    }
}

async fn open() -> Result<IdbDatabase, StoreError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .ok_or_else(|| StoreError::Idb("no window".into()))?
        .indexed_db()
        .map_err(failed)?
        .ok_or_else(|| StoreError::Idb("IndexedDB is not available".into()))?;
    let request = factory.open_with_u32(NAME, 1).map_err(failed)?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let db = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            let names = db.object_store_names();
            for name in [PRODUCTS, META] {
                if !names.contains(name) {
                    let _ = db.create_object_store(name);
                }
            }
            if !names.contains(SALES) {
                let params = IdbObjectStoreParameters::new();
                params.set_auto_increment(true);
                let _ = db.create_object_store_with_optional_parameters(SALES, &params);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = done(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    let db: IdbDatabase = opened?.dyn_into().map_err(failed)?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

async fn transaction(stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StoreError> {
    let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    match open().await?.transaction_with_str_sequence_and_mode(&names, mode) {
        Ok(tx) => Ok(tx),
        // The browser closed the connection (another tab upgraded it, or it
        // was evicted): open it again, once.
        Err(_) => {
            DB.with(|d| d.borrow_mut().take());
            open()
                .await?
                .transaction_with_str_sequence_and_mode(&names, mode)
                .map_err(failed)
        }
    }
}

fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, StoreError> {
    tx.object_store(name).map_err(failed)
}

async fn put(store: &IdbObjectStore, key: &JsValue, value: &str) -> Result<(), StoreError> {
    done(
        &store
            .put_with_key(&JsValue::from_str(value), key)
            .map_err(failed)?,
    )
    .await?;
    Ok(())
}

pub async fn meta_get(key: &str) -> Result<Option<String>, StoreError> {
    let tx = transaction(&[META], IdbTransactionMode::Readonly).await?;
    let value = done(&store(&tx, META)?.get(&JsValue::from_str(key)).map_err(failed)?).await?;
    Ok(value.as_string())
}

/// Every cached product.
pub async fn products() -> Result<Vec<PosItem>, StoreError> {
    let tx = transaction(&[PRODUCTS], IdbTransactionMode::Readonly).await?;
    let values = done(&store(&tx, PRODUCTS)?.get_all().map_err(failed)?).await?;
    Ok(js_sys::Array::from(&values)
        .iter()
        .filter_map(|v| v.as_string())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect())
}

/// Applies a catalog answer: `full` replaces the cache; the cursor is saved
/// in the same transaction, so a cut-off refresh is redone from the old one.
pub async fn apply_catalog(
    full: bool,
    products: &[PosItem],
    removed: &[uuid::Uuid],
    meta: &[(&str, String)],
) -> Result<(), StoreError> {
    let tx = transaction(&[PRODUCTS, META], IdbTransactionMode::Readwrite).await?;
    let cache = store(&tx, PRODUCTS)?;
    if full {
        done(&cache.clear().map_err(failed)?).await?;
    }
    for id in removed {
        done(
            &cache
                .delete(&JsValue::from_str(&id.to_string()))
                .map_err(failed)?,
        )
        .await?;
    }
    for p in products {
        let json = serde_json::to_string(p).unwrap_or_default();
        put(&cache, &JsValue::from_str(&p.id.to_string()), &json).await?;
    }
    let meta_store = store(&tx, META)?;
    for (key, value) in meta {
        put(&meta_store, &JsValue::from_str(key), value).await?;
    }
    committed(&tx).await
}

/// Queues a sale under the till's next provisional sequence: `make` gets the
/// sequence (one past both the last one used here and `at_least`) and builds
/// the sale. The sequence and the sale are written in one transaction.
pub async fn enqueue<R>(
    seq_key: &str,
    at_least: i64,
    make: impl FnOnce(i64) -> Result<(QueuedSale, R), String>,
) -> Result<(QueuedSale, R), String> {
    async fn run<R>(
        seq_key: &str,
        at_least: i64,
        make: impl FnOnce(i64) -> Result<(QueuedSale, R), String>,
    ) -> Result<Result<(QueuedSale, R), String>, StoreError> {
        let tx = transaction(&[SALES, META], IdbTransactionMode::Readwrite).await?;
        let meta = store(&tx, META)?;
        let key = JsValue::from_str(seq_key);
        let last: i64 = done(&meta.get(&key).map_err(failed)?)
            .await?
            .as_string()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let seq = last.max(at_least) + 1;
        let queued = match make(seq) {
            Ok(q) => q,
            Err(e) => {
                let _ = tx.abort();
                return Ok(Err(e));
            }
        };
        put(&meta, &key, &seq.to_string()).await?;
        let json = serde_json::to_string(&queued.0).unwrap_or_default();
        done(
            &store(&tx, SALES)?
                .add(&JsValue::from_str(&json))
                .map_err(failed)?,
        )
        .await?;
        committed(&tx).await?;
        Ok(Ok(queued))
    }
    run(seq_key, at_least, make).await.map_err(|e| e.to_string())?
}

/// The queue in the order the sales were made, with their keys.
pub async fn queued() -> Result<Vec<(f64, QueuedSale)>, StoreError> {
    let tx = transaction(&[SALES], IdbTransactionMode::Readonly).await?;
    let sales = store(&tx, SALES)?;
    let keys = js_sys::Array::from(&done(&sales.get_all_keys().map_err(failed)?).await?);
    let values = js_sys::Array::from(&done(&sales.get_all().map_err(failed)?).await?);
    Ok(keys
        .iter()
        .zip(values.iter())
        .filter_map(|(k, v)| Some((k.as_f64()?, serde_json::from_str(&v.as_string()?).ok()?)))
        .collect())
}

/// Drops sales the server has recorded; marks those it refused for good.
pub async fn settle(recorded: &[f64], refused: &[(f64, QueuedSale)]) -> Result<(), StoreError> {
    let tx = transaction(&[SALES], IdbTransactionMode::Readwrite).await?;
    let sales = store(&tx, SALES)?;
    for key in recorded {
        done(&sales.delete(&JsValue::from_f64(*key)).map_err(failed)?).await?;
    }
    for (key, sale) in refused {
        let json = serde_json::to_string(sale).unwrap_or_default();
        put(&sales, &JsValue::from_f64(*key), &json).await?;
    }
    committed(&tx).await
}

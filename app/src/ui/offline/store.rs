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
use idb::{builder::ObjectStoreBuilder, Database, Error, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::provisional::QueuedSale;
use crate::model::PosItem;

const NAME: &str = "shopfloor-till";
const PRODUCTS: &str = "products";
const SALES: &str = "sales";
const META: &str = "meta";

async fn open() -> Result<Database, Error> {
    Database::builder(NAME)
        .version(1)
        .add_object_store(ObjectStoreBuilder::new(PRODUCTS))
        .add_object_store(ObjectStoreBuilder::new(SALES).auto_increment(true))
        .add_object_store(ObjectStoreBuilder::new(META))
        .build()
        .await
}

/// A store failure, as the till shows it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("This browser's storage failed ({0}). The sale was not kept: take it on paper.")]
    Idb(String),
    #[error("This browser's storage did not keep the sale (the transaction was aborted).")]
    Aborted,
}

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        StoreError::Idb(e.to_string())
    }
}

async fn committed(tx: idb::Transaction) -> Result<(), StoreError> {
    match tx.commit()?.await? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(StoreError::Aborted),
    }
}

fn text(value: &JsValue) -> Option<String> {
    value.as_string()
}

pub async fn meta_get(key: &str) -> Result<Option<String>, StoreError> {
    let db = open().await?;
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let value = tx.object_store(META)?.get(JsValue::from_str(key))?.await?;
    Ok(value.as_ref().and_then(text))
}

/// Every cached product.
pub async fn products() -> Result<Vec<PosItem>, StoreError> {
    let db = open().await?;
    let tx = db.transaction(&[PRODUCTS], TransactionMode::ReadOnly)?;
    let values = tx.object_store(PRODUCTS)?.get_all(None, None)?.await?;
    Ok(values
        .iter()
        .filter_map(text)
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
    let db = open().await?;
    let tx = db.transaction(&[PRODUCTS, META], TransactionMode::ReadWrite)?;
    let store = tx.object_store(PRODUCTS)?;
    if full {
        store.clear()?.await?;
    }
    for id in removed {
        store.delete(JsValue::from_str(&id.to_string()))?.await?;
    }
    for p in products {
        let json = serde_json::to_string(p).unwrap_or_default();
        store.put(&JsValue::from_str(&json), Some(&JsValue::from_str(&p.id.to_string())))?.await?;
    }
    let meta_store = tx.object_store(META)?;
    for (key, value) in meta {
        meta_store.put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))?.await?;
    }
    committed(tx).await
}

/// Queues a sale under the till's next provisional sequence: `make` gets the
/// sequence (one past both the last one used here and `at_least`) and builds
/// the sale. The sequence and the sale are written in one transaction.
pub async fn enqueue(
    seq_key: &str,
    at_least: i64,
    make: impl FnOnce(i64) -> Result<QueuedSale, String>,
) -> Result<QueuedSale, String> {
    async fn run(
        seq_key: &str,
        at_least: i64,
        make: impl FnOnce(i64) -> Result<QueuedSale, String>,
    ) -> Result<Result<QueuedSale, String>, StoreError> {
        let db = open().await?;
        let tx = db.transaction(&[SALES, META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        let last: i64 = meta
            .get(JsValue::from_str(seq_key))?
            .await?
            .as_ref()
            .and_then(text)
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
        meta.put(&JsValue::from_str(&seq.to_string()), Some(&JsValue::from_str(seq_key)))?
            .await?;
        let json = serde_json::to_string(&queued).unwrap_or_default();
        tx.object_store(SALES)?.add(&JsValue::from_str(&json), None)?.await?;
        committed(tx).await?;
        Ok(Ok(queued))
    }
    run(seq_key, at_least, make).await.map_err(|e| e.to_string())?
}

/// The queue in the order the sales were made, with their keys.
pub async fn queued() -> Result<Vec<(f64, QueuedSale)>, StoreError> {
    let db = open().await?;
    let tx = db.transaction(&[SALES], TransactionMode::ReadOnly)?;
    let store = tx.object_store(SALES)?;
    let keys = store.get_all_keys(None, None)?.await?;
    let values = store.get_all(None, None)?.await?;
    Ok(keys
        .iter()
        .zip(values.iter())
        .filter_map(|(k, v)| Some((k.as_f64()?, serde_json::from_str(&text(v)?).ok()?)))
        .collect())
}

/// Drops sales the server has recorded; marks those it refused for good.
pub async fn settle(recorded: &[f64], refused: &[(f64, QueuedSale)]) -> Result<(), StoreError> {
    let db = open().await?;
    let tx = db.transaction(&[SALES], TransactionMode::ReadWrite)?;
    let store = tx.object_store(SALES)?;
    for key in recorded {
        store.delete(JsValue::from_f64(*key))?.await?;
    }
    for (key, sale) in refused {
        let json = serde_json::to_string(sale).unwrap_or_default();
        store.put(&JsValue::from_str(&json), Some(&JsValue::from_f64(*key)))?.await?;
    }
    committed(tx).await
}

//! `sync/*`: the offline till's queued sales and its cached catalog.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{CatalogDelta, OfflineSale, SyncedSale},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};

/// Records the sales a till queued while offline (JSON body
/// `{"sales": [OfflineSale, …]}`, at most 200, in the order they were made),
/// answering one `SyncedSale` per sale in the same order. Each sale is
/// recorded in its own transaction, so a call cut off midway keeps what it
/// recorded, and sending the batch again is harmless (each key is recorded
/// once; a key sent again answers with its first bill). A sale refused by a
/// rule answers with `refused` and the call goes on; when the database cannot
/// be reached the whole call fails (503) and the till sends it again.
#[server(endpoint = "sync/sales", prefix = "/api", input = server_fn::codec::Json)]
pub async fn sync_sales(sales: Vec<OfflineSale>) -> Result<Vec<SyncedSale>, AppError> {
    use crate::{
        domain::billing::offline::{self, MAX_SALES_PER_SYNC},
        permissions::Permission,
    };
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let (_, actor) = ctx.actor()?;
            actor.require(Permission::Sell).map_err(|_| AppError::Forbidden)?;
            if sales.len() > MAX_SALES_PER_SYNC {
                return Err(AppError::invalid(format!(
                    "Send at most {MAX_SALES_PER_SYNC} sales per sync."
                )));
            }
            let mut synced = Vec::with_capacity(sales.len());
            for sale in &sales {
                let outcome = ctx
                    .in_tenant(async |tx| Ok(offline::sync_sale(tx, sale).await?))
                    .await;
                match outcome {
                    Ok(done) => synced.push(done),
                    // The database is out of reach (or the commit's outcome
                    // is unknown): the till sends the batch again; what
                    // committed comes back by its key.
                    Err(e) if e.is_retryable() => return Err(e),
                    Err(refusal) => {
                        tracing::info!(key = %sale.idempotency_key, %refusal, "offline sale refused");
                        synced.push(SyncedSale {
                            idempotency_key: sale.idempotency_key.clone(),
                            bill_id: None,
                            number: None,
                            shortfall: 0,
                            refused: Some(refusal.to_string()),
                        });
                    }
                }
            }
            Ok(synced)
        }
        .await,
    )
}

/// What the till caches of the catalog: the whole bounded set when `cursor`
/// is empty, malformed or older than 24 h (or too much changed), else the
/// set's products changed since it (`removed`: archived or out of the set).
/// With `till_id`: the till's code and the last provisional number recorded
/// for it. Anyone who sells.
#[server(endpoint = "sync/catalog", prefix = "/api")]
pub async fn sync_catalog(
    #[server(default)] cursor: String,
    #[server(default)] till_id: Option<Uuid>,
) -> Result<CatalogDelta, AppError> {
    use crate::domain::billing::offline::{self, CATALOG_BOUND};
    finish(
        async {
            if cursor.len() > 100 {
                return Err(AppError::invalid("The catalog cursor is malformed."));
            }
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(offline::catalog_delta(tx, &cursor, till_id, CATALOG_BOUND).await?))
                .await
        }
        .await,
    )
}

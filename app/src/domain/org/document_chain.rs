//! Checking the business's document chain (migration 0017): the database
//! appends every finalized bill, credit note and Z report to a hash chain at
//! the commit that numbers it; `chain_verify()` recomputes every link from the
//! stored documents. Here: who may ask, and the answer in words.
use uuid::Uuid;

use super::OrgError;
use crate::{
    org::{BrokenLink, ChainReport},
    permissions::Permission,
    tenancy::TenantCtx,
};

/// Recomputes the whole chain (owners and admins, like the audit trail). Cost
/// grows with the number of documents (about 0.1 ms each, docs/performance.md),
/// bounded by the request's statement timeout.
pub async fn verify(tx: &mut TenantCtx<'_>) -> Result<ChainReport, OrgError> {
    tx.require(Permission::ViewAudit)?;
    let (links, seq, kind, document_id, problem): (
        i64,
        Option<i64>,
        Option<String>,
        Option<Uuid>,
        Option<String>,
    ) = sqlx::query_as("SELECT links, broken_seq, broken_kind, broken_document, problem FROM chain_verify()")
        .fetch_one(tx.conn())
        .await?;
    let Some(problem) = problem else {
        let head: Option<String> =
            sqlx::query_scalar("SELECT encode(hash, 'hex') FROM document_chain_heads WHERE seq > 0")
                .fetch_optional(tx.conn())
                .await?;
        return Ok(ChainReport {
            links,
            head,
            broken: None,
        });
    };
    let document = match (kind.as_deref(), document_id) {
        (Some(kind), Some(id)) => document_name(tx, kind, id).await?,
        _ => None,
    };
    Ok(ChainReport {
        links,
        head: None,
        broken: Some(BrokenLink {
            seq,
            document,
            document_id,
            problem: problem.clone(),
        }),
    })
}

/// `INV-000042`, `CN-000003`, `Z-000007`: the document's number, as printed,
/// or none when the document is gone.
async fn document_name(tx: &mut TenantCtx<'_>, kind: &str, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    let number: Option<i64> = match kind {
        "bill" => sqlx::query_scalar("SELECT number FROM bills WHERE id = $1"),
        "credit_note" => sqlx::query_scalar("SELECT number FROM credit_notes WHERE id = $1"),
        "z_report" => sqlx::query_scalar("SELECT z_number FROM shifts WHERE id = $1"),
        _ => return Ok(None),
    }
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .flatten();
    Ok(number.map(|n| match kind {
        "bill" => crate::model::bill_number(n),
        "z_report" => crate::model::z_number(n),
        _ => crate::model::credit_note_number(n),
    }))
}

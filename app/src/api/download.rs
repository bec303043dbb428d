//! Streamed downloads (CSV, JSON lines): who may download, and a sink that
//! sends the body in chunks of about 64 KB while a task reads the database,
//! so no export is ever built in memory.
use futures::StreamExt;
use std::future::Future;

use axum::{
    body::{Body, Bytes},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    domain::csv_cells,
    model::Role,
    permissions::{Actor, Permission},
    tenancy::{CurrentUser, ResolvedTenant, SiteCtx},
};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Chunk = Result<Bytes, std::io::Error>;

const CHUNK_BYTES: usize = 64 * 1024;

/// The tenant and the member asking, if they hold `permission`; otherwise the
/// answer to send (404 off a tenant host, 401 signed out, 403 by role).
#[allow(clippy::result_large_err)] // the Err is the response, sent as it is
pub fn member_with(
    site: &SiteCtx,
    user: Option<&CurrentUser>,
    permission: Permission,
) -> Result<(ResolvedTenant, Actor), Response> {
    let Some(tenant) = site.tenant().cloned() else {
        return Err((
            StatusCode::NOT_FOUND,
            "Downloads are on a business's own address.",
        )
            .into_response());
    };
    let Some(user) = user else {
        return Err((StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response());
    };
    let actor = Actor {
        user_id: user.id,
        role: user.role.unwrap_or(Role::Cashier),
    };
    if actor.require(permission).is_err() {
        return Err((StatusCode::FORBIDDEN, "You don't have permission to do that.").into_response());
    }
    Ok((tenant, actor))
}

/// Where a download's bytes go.
pub struct Sink {
    sender: tokio::sync::mpsc::Sender<Chunk>,
    buffer: Vec<u8>,
}

impl Sink {
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), BoxError> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// One CSV record (quoted as needed), ending in a newline. Every cell goes
    /// through [`csv_cells::guard`], so no cell a spreadsheet would run as a
    /// formula is written raw, whatever the export.
    pub async fn csv_record<I, T>(&mut self, record: I) -> Result<(), BoxError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut writer = csv::Writer::from_writer(Vec::with_capacity(256));
        let cells: Vec<T> = record.into_iter().collect();
        let guarded: Vec<std::borrow::Cow<'_, str>> =
            cells.iter().map(|c| csv_cells::guard(c.as_ref())).collect();
        writer.write_record(guarded.iter().map(|c| c.as_bytes()))?;
        let bytes = writer.into_inner().map_err(|e| e.into_error())?;
        self.write(&bytes).await
    }

    pub async fn flush(&mut self) -> Result<(), BoxError> {
        if !self.buffer.is_empty() {
            let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
            self.sender.send(Ok(Bytes::from(chunk))).await?;
        }
        Ok(())
    }
}

/// Answers with a body `produce` writes into its sink from a spawned task. An
/// error mid-way is logged and breaks the body, so the client sees a failed
/// download rather than a silently short file.
pub fn streamed<F, Fut>(filename: String, content_type: &'static str, produce: F) -> Response
where
    F: FnOnce(Sink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel::<Chunk>(8);
    let on_error = sender.clone();
    tokio::spawn(async move {
        let sink = Sink {
            sender,
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        if let Err(error) = produce(sink).await {
            if on_error.is_closed() {
                // The body was dropped: the client went away (a cancelled
                // download), nothing for an operator to look at.
                tracing::info!(%error, "download abandoned by the client");
            } else {
                tracing::error!(%error, "download failed mid-stream");
                let _ = on_error.send(Err(std::io::Error::other("download failed"))).await;
            }
        }
    });
    // Fused: the compression layer polls once more after the end, and must be
    // told "ended" again (an `unfold` panics when polled after its end).
    let body = Body::from_stream(
        futures::stream::unfold(receiver, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
        .fuse(),
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

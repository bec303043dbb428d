//! `profile/*`: the signed-in person's own account.
use leptos::prelude::*;

use crate::error::AppError;

/// Renames the signed-in person (on every business they belong to). On a
/// business's host the change is also written to that business's audit log.
#[server(endpoint = "profile/rename", prefix = "/api")]
pub async fn rename_me(display_name: String) -> Result<String, AppError> {
    use super::context::{finish, RequestCtx};
    use crate::domain::profile;
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let user = ctx.user()?.clone();
            let name = profile::rename_self(&ctx.state.db, user.id, &display_name).await?;
            if ctx.site.tenant().is_some() {
                ctx.in_tenant(async |cx| {
                    profile::record_rename(cx, &user.display_name, &name)
                        .await
                        .map_err(super::context::db_error)
                })
                .await?;
            }
            Ok(name)
        }
        .await,
    )
}

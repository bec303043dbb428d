//! A wrapper for pages that need a signed-in member of this host's tenant.
use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    model::{PageContext, Site},
    ui::use_page_context,
};

/// Renders `children` with the page context when a member is signed in on a
/// tenant host; sends others to log in (or home, on the apex).
#[component]
pub fn MemberOnly(children: fn(PageContext) -> AnyView) -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page_ctx.await {
                    Ok(ctx) => match (&ctx.site, &ctx.user) {
                        (Site::Tenant(_), Some(_)) => children(ctx),
                        (Site::Tenant(_), None) => view! { <Redirect path="/login" /> }.into_any(),
                        (Site::Apex | Site::Platform, _) => view! { <Redirect path="/" /> }.into_any(),
                    },
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

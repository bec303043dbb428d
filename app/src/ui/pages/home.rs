//! `/`: the landing page on the apex, the dashboard on a tenant's subdomain.
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

use super::dashboard::Dashboard;
use crate::{
    model::{PageContext, Site},
    ui::use_page_context,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page_ctx.await {
                    Ok(ctx) => home_for(ctx),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn home_for(ctx: PageContext) -> AnyView {
    if matches!(ctx.site, Site::Platform) {
        return super::platform::console_home(&ctx);
    }
    match (ctx.site, ctx.user) {
        (Site::Tenant(tenant), Some(user)) => view! { <Dashboard tenant user /> }.into_any(),
        (Site::Tenant(_), None) => view! { <Redirect path="/login" /> }.into_any(),
        (Site::Apex, user) => view! { <Landing signed_in=user.is_some() /> }.into_any(),
        (Site::Platform, _) => view! { <Redirect path="/login" /> }.into_any(),
    }
}

#[component]
fn Landing(signed_in: bool) -> impl IntoView {
    view! {
        <section class="py-12 text-center">
            <h1 class="text-4xl font-bold tracking-tight md:text-5xl">"Run your shop floor."</h1>
            <p class="mx-auto mt-4 max-w-2xl text-lg text-slate-600">
                "Point of sale, stock and bills for small shops. Each business gets its own address, and its data is kept apart by the database itself."
            </p>
            <div class="mt-8 flex justify-center gap-3">
                {if signed_in {
                    view! {
                        <A href="/orgs" attr:class="rounded-md bg-indigo-600 px-5 py-2.5 font-semibold text-white hover:bg-indigo-700">
                            "Open your business"
                        </A>
                    }
                    .into_any()
                } else {
                    view! {
                        <A href="/signup" attr:class="rounded-md bg-indigo-600 px-5 py-2.5 font-semibold text-white hover:bg-indigo-700">
                            "Start a business"
                        </A>
                        <A href="/login" attr:class="rounded-md border border-slate-300 bg-white px-5 py-2.5 font-semibold hover:bg-slate-100">
                            "Log in"
                        </A>
                    }
                    .into_any()
                }}
            </div>
        </section>
    }
}

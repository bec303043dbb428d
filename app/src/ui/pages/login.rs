//! `/login`: on a tenant's subdomain, signs in to that business; on the apex,
//! signs in and leads to the organization picker.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::use_query_map,
};

use crate::{
    api::auth::Login,
    model::{PageContext, Site},
    ui::{
        components::form::{Field, FormError, SubmitButton},
        go_to, use_page_context,
    },
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <Title text="Log in · Shopfloor" />
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page_ctx.await {
                    Ok(ctx) if ctx.user.is_some() => {
                        let to = if matches!(ctx.site, Site::Apex) { "/orgs" } else { "/" };
                        view! { <Redirect path=to /> }.into_any()
                    }
                    Ok(ctx) => view! { <LoginForm ctx /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LoginForm(ctx: PageContext) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = login.value().get() {
            go_to(&url);
        }
    });
    let heading = match &ctx.site {
        Site::Apex => "Log in to Shopfloor".to_string(),
        Site::Tenant(t) => format!("Log in to {}", t.name),
        Site::Platform => "Platform console: operators only".to_string(),
    };
    let query = use_query_map();
    let after_reset = move || query.read().get("reset").is_some();
    view! {
        <div class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h1 class="mb-6 text-2xl font-bold tracking-tight">{heading}</h1>
            <Show when=after_reset>
                <p role="status" class="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="reset-done">
                    "Your password was changed and every session signed out. Log in with the new password."
                </p>
            </Show>
            <ActionForm action=login attr:class="space-y-4">
                <Field label="Email" name="email" kind="email" autocomplete="username" />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" />
                <FormError value=login.value() />
                <SubmitButton label="Log in" busy_label="Logging in…" pending=Memo::new(move |_| login.pending().get()) />
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">
                <A href="/forgot" attr:class="text-indigo-600 hover:underline">"Forgot your password?"</A>
            </p>
            {matches!(ctx.site, Site::Apex).then(|| view! {
                <p class="mt-4 text-sm text-slate-600">
                    "New here? " <A href="/signup" attr:class="text-indigo-600 hover:underline">"Start a business"</A>
                </p>
            })}
        </div>
    }
}

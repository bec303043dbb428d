//! `/orgs` (apex): the businesses the signed-in user belongs to.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::auth::{my_organizations, OpenOrganization},
    model::OrgChoice,
    ui::{components::form::FormError, go_to, use_page_context},
};

#[component]
pub fn OrgsPage() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <Title text="Your businesses · Shopfloor" />
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page_ctx.await {
                    Ok(ctx) if ctx.user.is_none() => view! { <Redirect path="/login" /> }.into_any(),
                    Ok(_) => view! { <OrgList /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrgList() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| my_organizations());
    let open = ServerAction::<OpenOrganization>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = open.value().get() {
            go_to(&url);
        }
    });
    view! {
        <div class="mx-auto max-w-lg space-y-4">
            <h1 class="text-2xl font-bold tracking-tight">"Your businesses"</h1>
            <FormError value=open.value() />
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match orgs.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="text-slate-600">"You are not a member of any business yet."</p>
                        }
                        .into_any(),
                        Ok(list) => view! {
                            <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
                                {list.into_iter().map(|org| view! { <OrgRow org open /> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn OrgRow(org: OrgChoice, open: ServerAction<OpenOrganization>) -> impl IntoView {
    view! {
        <li class="flex items-center justify-between px-4 py-3">
            <div>
                <p class="font-medium">{org.name.clone()}</p>
                <p class="text-sm text-slate-500">{format!("{} · {}", org.slug, org.role.label())}</p>
            </div>
            {if org.suspended {
                view! { <span class="text-sm text-red-700">"Suspended"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=open>
                        <input type="hidden" name="slug" value=org.slug.clone() />
                        <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white hover:bg-indigo-700">
                            "Open"
                        </button>
                    </ActionForm>
                }
                .into_any()
            }}
        </li>
    }
}

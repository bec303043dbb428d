//! The header: business name, the signed-in user, organization switcher, log-out.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::auth::Logout,
    model::{PageContext, Site},
    ui::{go_to, use_page_context},
};

#[component]
pub fn Header() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
                <Suspense fallback=|| view! { <span class="font-bold">"Shopfloor"</span> }>
                    {move || Suspend::new(async move {
                        match page_ctx.await {
                            Ok(ctx) => view! { <HeaderContent ctx /> }.into_any(),
                            Err(_) => view! { <span class="font-bold">"Shopfloor"</span> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </header>
    }
}

#[component]
fn HeaderContent(ctx: PageContext) -> impl IntoView {
    let title = match &ctx.site {
        Site::Apex => "Shopfloor".to_string(),
        Site::Tenant(t) => t.name.clone(),
    };
    let orgs_href = format!("{}/orgs", ctx.apex_origin);
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = logout.value().get() {
            go_to(&url);
        }
    });
    let user = ctx.user.clone();
    let member_nav = (matches!(ctx.site, Site::Tenant(_)) && user.is_some()).then(|| {
        let link = "rounded px-2 py-1 text-slate-700 hover:bg-slate-100 hover:text-indigo-700";
        view! {
            <nav class="flex flex-wrap items-center gap-1 text-sm" aria-label="Main">
                <A href="/pos" attr:class=link>"Till"</A>
                <A href="/bills" attr:class=link>"Bills"</A>
                <A href="/customers" attr:class=link>"Customers"</A>
                <A href="/products" attr:class=link>"Products"</A>
                <A href="/stock/low" attr:class=link>"Low stock"</A>
                <A href="/catalog/lists" attr:class=link>"Lists"</A>
            </nav>
        }
    });
    view! {
        <div class="flex items-center gap-4">
            <A href="/" attr:class="text-lg font-bold tracking-tight text-slate-900 hover:text-indigo-700">
                <span data-testid="site-title">{title}</span>
            </A>
            {member_nav}
        </div>
        {match user {
            Some(user) => view! {
                <div class="flex items-center gap-3 text-sm">
                    <span data-testid="current-user" class="text-slate-700">
                        {user.display_name.clone()}
                        {user.role.map(|r| view! {
                            <span class="ml-2 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700">
                                {r.label()}
                            </span>
                        })}
                    </span>
                    <a href=orgs_href class="text-indigo-600 hover:underline">"Switch business"</a>
                    <ActionForm action=logout>
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100">
                            "Log out"
                        </button>
                    </ActionForm>
                </div>
            }
            .into_any(),
            None => view! {
                <nav class="flex items-center gap-3 text-sm">
                    <A href="/login" attr:class="text-slate-700 hover:text-indigo-700">"Log in"</A>
                    {matches!(ctx.site, Site::Apex).then(|| view! {
                        <A href="/signup" attr:class="rounded-md bg-indigo-600 px-3 py-1 text-white hover:bg-indigo-700">
                            "Start a business"
                        </A>
                    })}
                </nav>
            }
            .into_any(),
        }}
    }
}

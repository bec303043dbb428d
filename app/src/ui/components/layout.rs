//! The header: business name, the signed-in user, organization switcher, log-out.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::auth::Logout,
    model::{PageContext, Site},
    permissions::Permission,
    ui::{go_to, role_can, use_page_context},
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
        Site::Platform => "Shopfloor platform".to_string(),
    };
    let orgs_href = format!("{}/orgs", ctx.apex_origin);
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = logout.value().get() {
            go_to(&url);
        }
    });
    let user = ctx.user.clone();
    let member_nav = match (&ctx.site, &user) {
        (Site::Tenant(tenant), Some(_)) => {
            let link = "rounded px-2 py-1 text-slate-700 hover:bg-slate-100 hover:text-indigo-700";
            let business = tenant.business_type;
            // The business type picks the modules; the role picks the admin pages.
            let admin: Vec<(&str, &str)> = [
                (Permission::ViewMembers, "/members", "Team"),
                (Permission::ManageSettings, "/settings", "Settings"),
                (Permission::ViewAudit, "/audit", "Audit"),
            ]
            .into_iter()
            .filter(|(p, _, _)| role_can(&ctx, *p))
            .map(|(_, href, label)| (href, label))
            .collect();
            Some(view! {
                <nav class="flex flex-wrap items-center gap-1 text-sm" aria-label="Main">
                    {business.modules().iter().map(|m| view! {
                        <A href=m.href() attr:class=link>{m.label(business)}</A>
                    }).collect_view()}
                    {(!admin.is_empty()).then(|| view! { <span class="mx-1 h-4 w-px bg-slate-200"></span> })}
                    {admin.into_iter().map(|(href, label)| view! {
                        <A href=href attr:class=link>{label}</A>
                    }).collect_view()}
                </nav>
            })
        }
        _ => None,
    };
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
                        <a href="/profile" class="hover:text-indigo-700 hover:underline" title="Your profile">{user.display_name.clone()}</a>
                        {user.role.map(|r| view! {
                            <span class="ml-2 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700">
                                {r.label()}
                            </span>
                        })}
                    </span>
                    {(!matches!(ctx.site, Site::Platform)).then(|| view! {
                        <a href=orgs_href.clone() class="text-indigo-600 hover:underline">"Switch business"</a>
                    })}
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

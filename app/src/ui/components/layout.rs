//! The header: business name, the signed-in user, organization switcher, log-out.
//!
//! On a phone or a tablet (below the `lg` breakpoint, 1024 px) everything but the business name
//! folds into a menu opened by a real button (`aria-expanded`,
//! `aria-controls`); Escape closes it and gives the focus back to the button,
//! and following a link closes it.
use leptos::{html, prelude::*};
use leptos_router::{components::A, hooks::use_location};

use crate::{
    api::auth::Logout,
    model::{PageContext, Site},
    permissions::Permission,
    ui::{go_to, role_can, use_page_context},
};

/// The header's row: the business name, then the menu.
const BAR: &str = "mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3";

#[component]
pub fn Header() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <header class="border-b border-slate-200 bg-white">
            <Suspense fallback=|| view! { <div class=BAR><span class="font-bold">"Shopfloor"</span></div> }>
                {move || Suspend::new(async move {
                    match page_ctx.await {
                        Ok(ctx) => view! { <HeaderContent ctx /> }.into_any(),
                        Err(_) => view! { <div class=BAR><span class="font-bold">"Shopfloor"</span></div> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// Menu links: a large touch target on a phone, compact from `lg` up.
const LINK: &str =
    "block rounded px-3 py-2 text-slate-700 hover:bg-slate-100 hover:text-indigo-700 lg:px-2 lg:py-1";

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
    let open = RwSignal::new(false);
    let toggle: NodeRef<html::Button> = NodeRef::new();
    // Following a link (a client-side navigation) closes the menu.
    let location = use_location();
    Effect::watch(
        move || location.pathname.get(),
        move |_, _, _| open.set(false),
        false,
    );
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(button) = toggle.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    let user = ctx.user.clone();
    let member_nav = match (&ctx.site, &user) {
        (Site::Tenant(tenant), Some(_)) => {
            let business = tenant.business_type;
            // The business type picks the modules; the role picks the admin pages.
            let admin: Vec<(&str, &str)> = [
                (Permission::ViewReports, "/reports", "Reports"),
                (Permission::Purchase, "/purchases", "Purchases"),
                (Permission::ViewBooks, "/books", "Books"),
                (Permission::ManageShifts, "/shifts", "Shifts"),
                (Permission::ViewMembers, "/members", "Team"),
                (Permission::ManageSettings, "/settings", "Settings"),
                (Permission::ViewAudit, "/audit", "Audit"),
            ]
            .into_iter()
            .filter(|(p, _, _)| role_can(&ctx, *p))
            .map(|(_, href, label)| (href, label))
            .collect();
            Some(view! {
                <nav class="flex flex-col gap-1 text-base lg:flex-row lg:flex-wrap lg:items-center lg:text-sm" aria-label="Main">
                    {business.modules().iter().map(|m| view! {
                        <A href=m.href() attr:class=LINK>{m.label(business)}</A>
                    }).collect_view()}
                    {(!admin.is_empty()).then(|| view! { <span class="mx-1 hidden h-4 w-px bg-slate-200 lg:inline-block" aria-hidden="true"></span> })}
                    {admin.into_iter().map(|(href, label)| view! {
                        <A href=href attr:class=LINK>{label}</A>
                    }).collect_view()}
                </nav>
            })
        }
        _ => None,
    };
    let title_link = view! {
        <A href="/" attr:class="text-lg font-bold tracking-tight text-slate-900 hover:text-indigo-700">
            <span data-testid="site-title">{title}</span>
        </A>
    };
    match user {
        Some(user) => view! {
            <div class=BAR on:keydown=on_key>
                {title_link}
                <button
                    type="button"
                    node_ref=toggle
                    class="inline-flex min-h-11 items-center gap-2 rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100 lg:hidden"
                    aria-expanded=move || open.get().to_string()
                    aria-controls="main-menu"
                    data-testid="menu-button"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <span aria-hidden="true">{move || if open.get() { "✕" } else { "☰" }}</span>
                    "Menu"
                </button>
                <div
                    id="main-menu"
                    data-testid="main-menu"
                    class=move || if open.get() {
                        "flex w-full flex-col gap-3 pb-2 lg:w-auto lg:flex-1 lg:flex-row lg:items-center lg:justify-between lg:pb-0"
                    } else {
                        "hidden lg:flex lg:flex-1 lg:flex-row lg:items-center lg:justify-between lg:gap-3"
                    }
                >
                    {member_nav}
                    <div class="flex flex-col gap-2 border-t border-slate-200 pt-3 text-sm lg:shrink-0 lg:flex-row lg:items-center lg:gap-3 lg:whitespace-nowrap lg:border-0 lg:pt-0">
                        <span data-testid="current-user" class="px-3 text-slate-700 lg:px-0">
                            <a href="/profile" class="hover:text-indigo-700 hover:underline" title="Your profile">{user.display_name.clone()}</a>
                            {user.role.map(|r| view! {
                                <span class="ml-2 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700">
                                    {r.label()}
                                </span>
                            })}
                        </span>
                        {(!matches!(ctx.site, Site::Platform)).then(|| view! {
                            <a href=orgs_href.clone() class="block px-3 py-2 text-indigo-700 hover:underline lg:px-0 lg:py-0">"Switch business"</a>
                        })}
                        <ActionForm action=logout>
                            <button type="submit" class="min-h-11 w-full rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 lg:min-h-0 lg:w-auto">
                                "Log out"
                            </button>
                        </ActionForm>
                    </div>
                </div>
            </div>
        }
        .into_any(),
        None => view! {
            <div class=BAR>
                {title_link}
                <nav class="flex items-center gap-3 text-sm" aria-label="Account">
                    <A href="/login" attr:class="px-1 py-2 text-slate-700 hover:text-indigo-700">"Log in"</A>
                    {matches!(ctx.site, Site::Apex).then(|| view! {
                        <A href="/signup" attr:class="rounded-md bg-indigo-600 px-3 py-2 text-white hover:bg-indigo-700">
                            "Start a business"
                        </A>
                    })}
                </nav>
            </div>
        }
        .into_any(),
    }
}

/// A wide table's box: on a narrow screen the table scrolls sideways inside
/// it instead of widening the page. The box takes the keyboard focus and
/// says what it holds, so it can be scrolled without a pointer (tables with
/// links or buttons in them can use a plain `overflow-x-auto` box).
#[component]
pub fn TableBox(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div
            class="overflow-x-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-300"
            tabindex="0"
            role="region"
            aria-label=label
        >
            {children()}
        </div>
    }
}

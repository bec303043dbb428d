//! The platform console (`admin.` host, operators only): every tenant with its
//! aggregates, suspend and reactivate, plan and user limit. Never a tenant's
//! business data: the server reads only counts and sizes.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::platform::{platform_tenants, SetTenantPlan, SetTenantStatus},
    model::{PageContext, Site},
    ui::components::form::{ConfirmButton, FormError},
};

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm";

/// What `/` shows on the console host.
pub fn console_home(ctx: &PageContext) -> AnyView {
    match (&ctx.site, &ctx.user) {
        (Site::Platform, Some(_)) => view! { <Console /> }.into_any(),
        _ => view! { <Redirect path="/login" /> }.into_any(),
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}

#[component]
fn Console() -> impl IntoView {
    let status = ServerAction::<SetTenantStatus>::new();
    let plan = ServerAction::<SetTenantPlan>::new();
    let tenants = Resource::new(
        move || (status.version().get(), plan.version().get()),
        |_| platform_tenants(),
    );
    view! {
        <Title text="Platform console · Shopfloor" />
        <h1 class="mb-1 text-2xl font-bold tracking-tight">"Tenants"</h1>
        <p class="mb-4 text-sm text-slate-600">"Counts and sizes only: the console never reads a business's products, bills or customers."</p>
        <FormError value=status.value() />
        <FormError value=plan.value() />
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tenants.await {
                    Ok(list) => view! {
                        <div class="overflow-x-auto">
                        <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="tenant-rows">
                            <thead class="bg-slate-50 text-left text-xs uppercase text-slate-500">
                                <tr>
                                    <th class="px-3 py-2">"Business"</th>
                                    <th class="px-3 py-2">"Members"</th>
                                    <th class="px-3 py-2">"Products"</th>
                                    <th class="px-3 py-2">"Bills"</th>
                                    <th class="px-3 py-2">"Storage"</th>
                                    <th class="px-3 py-2">"Last activity"</th>
                                    <th class="px-3 py-2">"Plan"</th>
                                    <th class="px-3 py-2"></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100">
                                {list.into_iter().map(|t| {
                                    let tenant_id = t.id;
                                    let suspended = t.status == "suspended";
                                    view! {
                                        <tr data-testid="tenant-row" data-slug=t.slug.clone()>
                                            <td class="px-3 py-2">
                                                <p class="font-medium">{t.name.clone()}</p>
                                                <p class="text-xs text-slate-500">{format!("{} · {} · since {}", t.slug, t.business_type, t.created_at)}</p>
                                                {suspended.then(|| view! { <span class="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700">"suspended"</span> })}
                                            </td>
                                            <td class="px-3 py-2">{format!("{} / {}", t.member_count, t.max_users)}</td>
                                            <td class="px-3 py-2">{t.product_count}</td>
                                            <td class="px-3 py-2">{t.bill_count}</td>
                                            <td class="px-3 py-2">{size(t.storage_bytes)}</td>
                                            <td class="px-3 py-2 text-slate-600">{t.last_activity.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td class="px-3 py-2">
                                                <ActionForm action=plan attr:class="flex items-center gap-1">
                                                    <input type="hidden" name="tenant_id" value=tenant_id.to_string() />
                                                    <input name="plan" class=format!("{INPUT} w-24") value=t.plan.clone() aria-label="Plan" />
                                                    <input name="max_users" type="number" min="1" max="10000" class=format!("{INPUT} w-20") value=t.max_users.to_string() aria-label="Max users" />
                                                    <button type="submit" class="text-xs text-indigo-700 hover:underline">"Save"</button>
                                                </ActionForm>
                                            </td>
                                            <td class="px-3 py-2 text-right">
                                                {if suspended {
                                                    view! {
                                                        <button
                                                            class="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100"
                                                            on:click=move |_| { status.dispatch(SetTenantStatus { tenant_id, suspended: false }); }
                                                        >
                                                            "Reactivate"
                                                        </button>
                                                    }.into_any()
                                                } else {
                                                    view! {
                                                        <ConfirmButton
                                                            label="Suspend"
                                                            question=format!("Suspend {}? Its people are signed out and cannot work.", t.name)
                                                            confirm="Yes, suspend"
                                                            on_confirm=move |_| { status.dispatch(SetTenantStatus { tenant_id, suspended: true }); }
                                                        />
                                                    }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

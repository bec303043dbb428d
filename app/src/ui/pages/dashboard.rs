//! The tenant dashboard: real counts from the tenant's own tables.
use leptos::prelude::*;

use crate::{
    api::dashboard::dashboard_summary,
    model::{ChecklistStep, DashboardCounts, DashboardSales, TenantView, UserView},
    pricing::Currency,
    ui::pages::reports::Chart,
};

#[component]
pub fn Dashboard(tenant: TenantView, user: UserView) -> impl IntoView {
    let summary = Resource::new(|| (), |_| dashboard_summary());
    let cur = Currency::new(&tenant.currency);
    // Set only in the browser once the page is interactive (end-to-end tests
    // and people alike can tell a hydrated page from a static one).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let refresh = move |_| summary.refetch();
    view! {
        <section class="space-y-6" data-hydrated=move || hydrated.get().to_string()>
            <div class="flex flex-wrap items-end justify-between gap-4">
                <div>
                    <p class="text-sm text-slate-500">{format!("{}.", tenant.slug)}"…"</p>
                    <h1 class="text-2xl font-bold tracking-tight" data-testid="dashboard-title">
                        {tenant.name.clone()}
                    </h1>
                    <p class="text-slate-600">{format!("Welcome back, {}.", user.display_name)}</p>
                </div>
                <button
                    on:click=refresh
                    data-testid="refresh"
                    class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100"
                >
                    "Refresh"
                </button>
            </div>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading counts…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(counts) => view! { <Counts counts cur /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Counts(counts: DashboardCounts, cur: Currency) -> impl IntoView {
    let recent = counts.recent.clone();
    let checklist = counts.checklist.clone();
    let sales = counts.sales.clone();
    view! {
        {(!checklist.is_empty()).then(|| view! { <Checklist steps=checklist /> })}
        {sales.map(|sales| view! { <Sales sales cur /> })}
        <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
            <Stat label="Active members" value=counts.members test_id="count-members" />
            <Stat label="Owners" value=counts.owners test_id="count-owners" />
            <Stat label="Audit events" value=counts.audit_events test_id="count-audit" />
        </div>
        <div class="rounded-lg border border-slate-200 bg-white">
            <h2 class="border-b border-slate-200 px-4 py-2 font-semibold">"Recent activity"</h2>
            {if recent.is_empty() {
                view! { <p class="px-4 py-3 text-slate-500">"Nothing has happened here yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100">
                        {recent
                            .into_iter()
                            .map(|e| view! {
                                <li class="flex flex-wrap justify-between gap-x-4 px-4 py-2 text-sm" data-testid="activity">
                                    <span title=e.action>{e.summary}</span>
                                    <span class="text-slate-600">{e.at}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </div>
    }
}

/// Today's sales, the last 14 days, best sellers and low stock (managers
/// and above; the server sends them only to them).
#[component]
fn Sales(sales: DashboardSales, cur: Currency) -> impl IntoView {
    let money = move |minor: i64| cur.money(minor);
    view! {
        <section class="space-y-4" aria-labelledby="sales-title" data-testid="dashboard-sales">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="sales-title" class="text-lg font-semibold">"Today"</h2>
                <a href="/reports" class="text-sm font-medium text-indigo-700 hover:underline">"All reports"</a>
            </div>
            <div class="grid grid-cols-1 gap-4 sm:grid-cols-3">
                <TextStat label="Sales today" value=money(sales.today_total) test_id="today-total" />
                <Stat label="Bills today" value=sales.today_bills test_id="today-bills" />
                <TextStat label="Average basket" value=money(sales.average_basket) test_id="average-basket" />
            </div>
            <Tills tills=sales.tills.clone() />
            <div class="rounded-lg border border-slate-200 bg-white p-4">
                <h3 class="mb-2 font-semibold">"Last 14 days"</h3>
                <Chart svg=sales.chart_svg.clone() test_id="dashboard-chart" />
            </div>
            <div class="grid grid-cols-1 gap-4 md:grid-cols-2">
                <div class="rounded-lg border border-slate-200 bg-white">
                    <h3 class="border-b border-slate-200 px-4 py-2 font-semibold">"Best sellers, last 14 days"</h3>
                    {if sales.top_products.is_empty() {
                        view! { <p class="px-4 py-3 text-slate-500">"No sales yet. Ring one up at the till."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="divide-y divide-slate-100 text-sm" data-testid="top-products">
                                {sales.top_products.into_iter().map(|p| view! {
                                    <li class="flex justify-between gap-4 px-4 py-2">
                                        <span>{p.label}</span>
                                        <span class="tabular-nums text-slate-600">{format!("{} × · {}", p.quantity, money(p.revenue))}</span>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                </div>
                <div class="rounded-lg border border-slate-200 bg-white">
                    <h3 class="border-b border-slate-200 px-4 py-2 font-semibold">
                        {format!("Low stock ({})", sales.low_stock_count)}
                    </h3>
                    {if sales.low_stock.is_empty() {
                        view! { <p class="px-4 py-3 text-slate-500">"Nothing is below its reorder level."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-slate-100 text-sm" data-testid="low-stock">
                                {sales.low_stock.into_iter().map(|l| view! {
                                    <li class="flex justify-between gap-4 px-4 py-2">
                                        <a href=format!("/products/{}", l.product.id) class="text-indigo-700 hover:underline">{l.product.name}</a>
                                        <span class="tabular-nums text-slate-600">{format!("{} left", l.product.on_hand)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <p class="px-4 py-2 text-sm"><a href="/stock/low" class="text-indigo-700 hover:underline">"See all low stock"</a></p>
                        }.into_any()
                    }}
                </div>
            </div>
        </section>
    }
}

#[component]
fn TextStat(label: &'static str, value: String, test_id: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <p class="text-sm text-slate-500">{label}</p>
            <p class="mt-1 text-2xl font-bold tabular-nums" data-testid=test_id>{value}</p>
        </div>
    }
}

#[component]
fn Stat(label: &'static str, value: i64, test_id: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <p class="text-sm text-slate-500">{label}</p>
            <p class="mt-1 text-3xl font-bold" data-testid=test_id>{value}</p>
        </div>
    }
}

/// A new business's first steps, each linking where it is done; the server
/// stops sending them once all are done.
#[component]
fn Checklist(steps: Vec<ChecklistStep>) -> impl IntoView {
    let done = steps.iter().filter(|s| s.done).count();
    let total = steps.len();
    view! {
        <section class="rounded-lg border border-indigo-200 bg-white p-4 shadow-sm" data-testid="checklist" aria-labelledby="checklist-title">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="checklist-title" class="text-lg font-semibold">"Getting started"</h2>
                <p class="text-sm text-slate-600" data-testid="checklist-progress">{format!("{done} of {total} done")}</p>
            </div>
            <ol class="mt-3 space-y-2">
                {steps.into_iter().map(|s| view! {
                    <li class="flex items-start gap-3" data-testid=format!("step-{}", s.key) data-done=s.done.to_string()>
                        <span
                            class={if s.done {
                                "mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-emerald-700 text-sm font-bold text-white"
                            } else {
                                "mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full border-2 border-slate-500 text-sm"
                            }}
                            aria-hidden="true"
                        >
                            {if s.done { "✓" } else { "" }}
                        </span>
                        <span>
                            {if s.done {
                                view! {
                                    <span class="font-medium text-slate-600 line-through">{s.label.clone()}</span>
                                    <span class="sr-only">" (done)"</span>
                                }.into_any()
                            } else {
                                view! { <a href=s.href.clone() class="font-medium text-indigo-700 hover:underline">{s.label.clone()}</a> }.into_any()
                            }}
                            <span class="block text-sm text-slate-600">{s.hint.clone()}</span>
                        </span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// Every active till and its open shift (managers close a forgotten one from
/// its page).
#[component]
fn Tills(tills: Vec<crate::model::TillView>) -> impl IntoView {
    (!tills.is_empty()).then(|| {
        view! {
            <div class="rounded-lg border border-slate-200 bg-white">
                <h3 class="flex items-baseline justify-between border-b border-slate-200 px-4 py-2 font-semibold">
                    "Tills"
                    <a href="/shifts" class="text-sm font-medium text-indigo-700 hover:underline">"Shifts"</a>
                </h3>
                <ul class="divide-y divide-slate-100 text-sm" data-testid="dashboard-tills">
                    {tills.into_iter().map(|t| view! {
                        <li class="flex flex-wrap justify-between gap-x-4 px-4 py-2">
                            <span class="font-medium">{t.name}</span>
                            {match t.open_shift {
                                Some(shift) => view! {
                                    <a href=format!("/shifts/{}", shift.id) class="text-indigo-700 hover:underline">
                                        {format!("Open since {}, {}", shift.opened_at, shift.cashier)}
                                    </a>
                                }.into_any(),
                                None => view! { <span class="text-slate-500">"No open shift"</span> }.into_any(),
                            }}
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

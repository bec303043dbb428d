//! `/stock/low`: what to reorder.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::catalog::low_stock,
    ui::{components::catalog::StockBadgeView, pages::member_only::MemberOnly},
};

#[component]
pub fn LowStockPage() -> impl IntoView {
    view! {
        <Title text="Low stock · Shopfloor" />
        <MemberOnly children=|_| view! { <LowStockList /> }.into_any() />
    }
}

#[component]
fn LowStockList() -> impl IntoView {
    let items = Resource::new(|| (), |_| low_stock());
    view! {
        <div class="space-y-4">
            <h1 class="text-2xl font-bold tracking-tight">"Low stock"</h1>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-500">
                                "Nothing is at or below its reorder level."
                            </p>
                        }
                        .into_any(),
                        Ok(list) => view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
                                <table class="min-w-full divide-y divide-slate-200 text-sm">
                                    <thead class="bg-slate-50 text-left text-slate-600">
                                        <tr>
                                            <th class="px-3 py-2 font-medium">"Product"</th>
                                            <th class="px-3 py-2 font-medium">"Supplier"</th>
                                            <th class="px-3 py-2 text-right font-medium">"On hand"</th>
                                            <th class="px-3 py-2 text-right font-medium">"Reorder level"</th>
                                            <th class="px-3 py-2 text-right font-medium">"Order"</th>
                                            <th class="px-3 py-2 font-medium"></th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.into_iter().map(|item| {
                                            let badge = item.product.badge();
                                            view! {
                                                <tr>
                                                    <td class="px-3 py-2">
                                                        <A href=format!("/products/{}", item.product.id) attr:class="text-indigo-700 hover:underline">
                                                            {item.product.name}
                                                        </A>
                                                    </td>
                                                    <td class="px-3 py-2 text-slate-600">{item.product.supplier.unwrap_or_default()}</td>
                                                    <td class="px-3 py-2 text-right tabular-nums">{item.product.on_hand}</td>
                                                    <td class="px-3 py-2 text-right tabular-nums">{item.product.reorder_level}</td>
                                                    <td class="px-3 py-2 text-right font-semibold tabular-nums">{item.suggested_reorder}</td>
                                                    <td class="px-3 py-2"><StockBadgeView badge /></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

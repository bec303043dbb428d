//! `/products`: the catalog, searched as you type.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::catalog::{list_products, load_catalog_choices},
    model::{ProductPage, ProductSort, StockFilter},
    permissions::Permission,
    pricing::Currency,
    ui::{components::catalog::StockBadgeView, pages::member_only::MemberOnly, role_can},
};

const PAGE_SIZE: u32 = 25;

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! {
        <Title text="Products · Shopfloor" />
        <MemberOnly children=|ctx| {
            let can_edit = role_can(&ctx, Permission::EditCatalog);
            let can_transfer = role_can(&ctx, Permission::ImportCatalog);
            view! { <ProductList can_edit can_transfer /> }.into_any()
        } />
    }
}

#[component]
fn ProductList(can_edit: bool, can_transfer: bool) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let supplier = RwSignal::new(String::new());
    let stock = RwSignal::new(StockFilter::All);
    let archived = RwSignal::new(false);
    let sort = RwSignal::new(ProductSort::Name);
    let page = RwSignal::new(1u32);
    let choices = Resource::new(|| (), |_| load_catalog_choices());
    // Stock and product changes made elsewhere (tills, other screens) reload
    // the list as they happen.
    let live = RwSignal::new(0u32);
    crate::ui::components::live::on_live_update(move |update| {
        if update.touches_catalog() {
            live.update(|n| *n = n.wrapping_add(1));
        }
    });
    let products = Resource::new(
        move || {
            (
                live.get(),
                search.get(),
                category.get(),
                supplier.get(),
                stock.get(),
                archived.get(),
                sort.get(),
                page.get(),
            )
        },
        |(_, search, category, supplier, stock, archived, sort, page)| {
            let category_id = uuid::Uuid::parse_str(&category).ok();
            let supplier_id = uuid::Uuid::parse_str(&supplier).ok();
            list_products(
                search,
                category_id,
                supplier_id,
                stock,
                archived,
                sort,
                page,
                PAGE_SIZE,
            )
        },
    );
    // Any new criterion starts again from the first page.
    let reset = move || page.set(1);
    let select_class = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
    view! {
        <div class="space-y-4">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-bold tracking-tight">"Products"</h1>
                <div class="flex items-center gap-2 text-sm">
                    {can_transfer.then(|| view! {
                        <a href="/api/catalog/export?kind=products" download class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
                            "Export CSV"
                        </a>
                        <a href="/api/catalog/export?kind=movements" download class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
                            "Export stock ledger"
                        </a>
                        <A href="/products/import" attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
                            "Import CSV"
                        </A>
                    })}
                    {can_edit.then(|| view! {
                        <A href="/products/new" attr:class="rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white hover:bg-indigo-700">
                            "New product"
                        </A>
                    })}
                </div>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <input
                    type="search"
                    placeholder="Search name, SKU or barcode"
                    aria-label="Search products"
                    data-testid="product-search"
                    class="min-w-64 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        reset();
                    }
                />
                <select aria-label="Category" class=select_class on:change=move |ev| { category.set(event_target_value(&ev)); reset(); }>
                    <option value="">"All categories"</option>
                    <Suspense>
                        {move || Suspend::new(async move {
                            choices.await.map(|c| c.categories.into_iter().map(|c| view! {
                                <option value=c.id.to_string()>{c.name}</option>
                            }).collect_view()).ok()
                        })}
                    </Suspense>
                </select>
                <select aria-label="Supplier" class=select_class on:change=move |ev| { supplier.set(event_target_value(&ev)); reset(); }>
                    <option value="">"All suppliers"</option>
                    <Suspense>
                        {move || Suspend::new(async move {
                            choices.await.map(|c| c.suppliers.into_iter().map(|s| view! {
                                <option value=s.id.to_string()>{s.name}</option>
                            }).collect_view()).ok()
                        })}
                    </Suspense>
                </select>
                <select aria-label="Stock" class=select_class on:change=move |ev| {
                    stock.set(match event_target_value(&ev).as_str() { "low" => StockFilter::Low, "out" => StockFilter::Out, _ => StockFilter::All });
                    reset();
                }>
                    <option value="all">"Any stock"</option>
                    <option value="low">"Low stock"</option>
                    <option value="out">"Out of stock"</option>
                </select>
                <select aria-label="Sort" class=select_class on:change=move |ev| {
                    sort.set(match event_target_value(&ev).as_str() { "sku" => ProductSort::Sku, "on_hand" => ProductSort::OnHand, "updated" => ProductSort::Updated, _ => ProductSort::Name });
                }>
                    <option value="name">"Sort by name"</option>
                    <option value="sku">"Sort by SKU"</option>
                    <option value="on_hand">"Sort by stock"</option>
                    <option value="updated">"Recently changed"</option>
                </select>
                <label class="flex items-center gap-1 text-sm text-slate-700">
                    <input type="checkbox" on:change=move |ev| { archived.set(event_target_checked(&ev)); reset(); } />
                    "Archived"
                </label>
            </div>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading products…"</p> }>
                {move || Suspend::new(async move {
                    match products.await {
                        Ok(result) => view! { <ProductTable result page /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ProductTable(result: ProductPage, page: RwSignal<u32>) -> impl IntoView {
    if result.items.is_empty() {
        return view! {
            <p class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-500">
                "No products match. Try another search, or add a product."
            </p>
        }
        .into_any();
    }
    let pages = ((result.total.max(0) as u32).div_ceil(result.page_size)).max(1);
    let cur = Currency::new(&result.currency);
    let current = result.page;
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        <th class="px-3 py-2 font-medium">"Name"</th>
                        <th class="px-3 py-2 font-medium">"SKU"</th>
                        <th class="px-3 py-2 font-medium">"Category"</th>
                        <th class="px-3 py-2 text-right font-medium">"Price"</th>
                        <th class="px-3 py-2 text-right font-medium">"On hand"</th>
                        <th class="px-3 py-2 font-medium">"Stock"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100" data-testid="product-rows">
                    {result
                        .items
                        .into_iter()
                        .map(|p| {
                            let badge = p.badge();
                            view! {
                                <tr class="hover:bg-slate-50">
                                    <td class="px-3 py-2">
                                        <A href=format!("/products/{}", p.id) attr:class="font-medium text-indigo-700 hover:underline">
                                            {p.name}
                                        </A>
                                    </td>
                                    <td class="px-3 py-2 font-mono text-slate-600">{p.sku}</td>
                                    <td class="px-3 py-2 text-slate-600">{p.category.unwrap_or_else(|| "—".into())}</td>
                                    <td class="px-3 py-2 text-right tabular-nums">{cur.money(p.sale_price)}</td>
                                    <td class="px-3 py-2 text-right tabular-nums">{p.on_hand}</td>
                                    <td class="px-3 py-2"><StockBadgeView badge /></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <div class="flex items-center justify-between text-sm text-slate-600">
            <span>{format!("{} products · page {current} of {pages}", result.total)}</span>
            <div class="flex gap-2">
                <button
                    class="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 disabled:opacity-50"
                    disabled={current <= 1}
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
                >
                    "Previous"
                </button>
                <button
                    class="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 disabled:opacity-50"
                    disabled={current >= pages}
                    on:click=move |_| page.update(|p| *p += 1)
                >
                    "Next"
                </button>
            </div>
        </div>
    }
    .into_any()
}

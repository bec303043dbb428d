//! `/catalog/lists`: categories, suppliers and tax rates.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::catalog::{
        list_categories, list_suppliers, list_tax_rates, SaveCategory, SaveSupplier, SaveTaxRate,
        SetLookupActive,
    },
    permissions::Permission,
    ui::{
        components::form::{ConfirmButton, FormError, SubmitButton},
        pages::member_only::MemberOnly,
        role_can,
    },
};

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const SECTION: &str = "space-y-3 rounded-lg border border-slate-200 bg-white p-4";

#[component]
pub fn CatalogListsPage() -> impl IntoView {
    view! {
        <Title text="Categories, suppliers, tax rates · Shopfloor" />
        <MemberOnly children=|ctx| {
            let can_edit = role_can(&ctx, Permission::EditCatalog);
            let can_archive = role_can(&ctx, Permission::ArchiveCatalog);
            view! { <Lists can_edit can_archive /> }.into_any()
        } />
    }
}

#[component]
fn Lists(can_edit: bool, can_archive: bool) -> impl IntoView {
    let show_archived = RwSignal::new(false);
    let save_category = ServerAction::<SaveCategory>::new();
    let save_supplier = ServerAction::<SaveSupplier>::new();
    let save_tax = ServerAction::<SaveTaxRate>::new();
    let set_active = ServerAction::<SetLookupActive>::new();
    let categories = Resource::new(
        move || {
            (
                show_archived.get(),
                save_category.version().get(),
                set_active.version().get(),
            )
        },
        |(archived, _, _)| list_categories(archived),
    );
    let suppliers = Resource::new(
        move || {
            (
                show_archived.get(),
                save_supplier.version().get(),
                set_active.version().get(),
            )
        },
        |(archived, _, _)| list_suppliers(archived),
    );
    let tax_rates = Resource::new(
        move || {
            (
                show_archived.get(),
                save_tax.version().get(),
                set_active.version().get(),
            )
        },
        |(archived, _, _)| list_tax_rates(archived),
    );
    let toggle = move |kind: &'static str, id: uuid::Uuid, active: bool| {
        can_archive.then(|| {
            if active {
                view! {
                    <ConfirmButton
                        label="Archive"
                        question="Archive it?".to_string()
                        confirm="Yes, archive"
                        class="text-xs text-slate-500 hover:text-red-700 hover:underline"
                        on_confirm=move |_| {
                            set_active.dispatch(SetLookupActive { kind: kind.into(), id, active: false });
                        }
                    />
                }
                .into_any()
            } else {
                view! {
                    <button
                        class="text-xs text-slate-500 hover:text-red-700 hover:underline"
                        on:click=move |_| {
                            set_active.dispatch(SetLookupActive { kind: kind.into(), id, active: true });
                        }
                    >
                        "Restore"
                    </button>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="space-y-4">
            <div class="flex items-center justify-between">
                <h1 class="text-2xl font-bold tracking-tight">"Categories, suppliers and tax rates"</h1>
                <label class="flex items-center gap-1 text-sm text-slate-700">
                    <input type="checkbox" on:change=move |ev| show_archived.set(event_target_checked(&ev)) />
                    "Show archived"
                </label>
            </div>
            <FormError value=set_active.value() />
            <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
                <section class=SECTION>
                    <h2 class="font-semibold">"Categories"</h2>
                    <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            categories.await.map(|list| view! {
                                <ul class="divide-y divide-slate-100 text-sm" data-testid="category-list">
                                    {list.into_iter().map(|c| view! {
                                        <li class="flex items-center justify-between gap-2 py-1.5">
                                            {if can_edit && c.is_active {
                                                view! {
                                                    <ActionForm action=save_category attr:class="flex flex-1 items-center gap-1">
                                                        <input type="hidden" name="id" value=c.id.to_string() />
                                                        <input name="name" value=c.name.clone() aria-label="Category name" class="w-full rounded border border-transparent px-1 hover:border-slate-300 focus:border-indigo-500" />
                                                        <span class="text-slate-500">{format!("({})", c.products)}</span>
                                                    </ActionForm>
                                                }.into_any()
                                            } else {
                                                view! { <span class:text-slate-500=!c.is_active>{c.name}" "<span class="text-slate-500">{format!("({})", c.products)}</span></span> }.into_any()
                                            }}
                                            {toggle("category", c.id, c.is_active)}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }).map_err(|e| e.to_string())
                        })}
                    </Transition>
                    {can_edit.then(|| view! {
                        <ActionForm action=save_category attr:class="flex gap-2">
                            <input name="name" required placeholder="New category" aria-label="New category" class=format!("{INPUT} flex-1") />
                            <button type="submit" class="rounded-md bg-indigo-600 px-3 text-sm text-white hover:bg-indigo-700">"Add"</button>
                        </ActionForm>
                        <FormError value=save_category.value() />
                    })}
                </section>
                <section class=SECTION>
                    <h2 class="font-semibold">"Suppliers"</h2>
                    <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            suppliers.await.map(|list| view! {
                                <ul class="divide-y divide-slate-100 text-sm">
                                    {list.into_iter().map(|s| view! {
                                        <li class="flex items-center justify-between py-1.5">
                                            <span class:text-slate-500=!s.is_active>
                                                {s.name}
                                                <span class="block text-xs text-slate-500">{s.contact}</span>
                                            </span>
                                            {toggle("supplier", s.id, s.is_active)}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }).map_err(|e| e.to_string())
                        })}
                    </Transition>
                    {can_edit.then(|| view! {
                        <ActionForm action=save_supplier attr:class="space-y-2">
                            <input name="name" required placeholder="New supplier" aria-label="New supplier" class=format!("{INPUT} w-full") />
                            <input name="contact" placeholder="Phone or email" aria-label="Supplier contact" class=format!("{INPUT} w-full") />
                            <SubmitButton label="Add supplier" busy_label="Saving…" pending=Memo::new(move |_| save_supplier.pending().get()) />
                        </ActionForm>
                        <FormError value=save_supplier.value() />
                    })}
                </section>
                <section class=SECTION>
                    <h2 class="font-semibold">"Tax rates"</h2>
                    <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            tax_rates.await.map(|list| view! {
                                <ul class="divide-y divide-slate-100 text-sm">
                                    {list.into_iter().map(|t| {
                                        let percent = t.percent();
                                        view! {
                                            <li class="flex items-center justify-between py-1.5">
                                                <span class:text-slate-500=!t.is_active>
                                                    {t.name}" · "{percent}
                                                    {t.is_default.then(|| view! { <span class="ml-1 rounded bg-indigo-50 px-1 text-xs text-indigo-700">"default"</span> })}
                                                </span>
                                                {toggle("tax_rate", t.id, t.is_active)}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }).map_err(|e| e.to_string())
                        })}
                    </Transition>
                    {can_edit.then(|| view! {
                        <ActionForm action=save_tax attr:class="space-y-2">
                            <div class="flex gap-2">
                                <input name="name" required placeholder="Name" aria-label="Tax rate name" class=format!("{INPUT} flex-1") />
                                <input name="rate" required placeholder="%" aria-label="Rate in percent" class=format!("{INPUT} w-20") />
                            </div>
                            <label class="flex items-center gap-1 text-sm text-slate-700">
                                <input type="checkbox" name="is_default" value="on" />
                                "Default for new products"
                            </label>
                            <SubmitButton label="Add tax rate" busy_label="Saving…" pending=Memo::new(move |_| save_tax.pending().get()) />
                        </ActionForm>
                        <FormError value=save_tax.value() />
                    })}
                </section>
            </div>
        </div>
    }
}

//! `/customers`: who the business sells to.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::pos::{list_customers, SaveCustomer, SetCustomerActive},
    permissions::Permission,
    ui::{
        components::{
            catalog::money,
            form::{FormError, SubmitButton},
        },
        pages::member_only::MemberOnly,
        role_can,
    },
};

#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <Title text="Customers · Shopfloor" />
        <MemberOnly children=|ctx| {
            let can_archive = role_can(&ctx, Permission::ArchiveCatalog);
            view! { <Customers can_archive /> }.into_any()
        } />
    }
}

const INPUT: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
fn Customers(can_archive: bool) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let archived = RwSignal::new(false);
    let save = ServerAction::<SaveCustomer>::new();
    let set_active = ServerAction::<SetCustomerActive>::new();
    let customers = Resource::new(
        move || {
            (
                search.get(),
                archived.get(),
                save.version().get(),
                set_active.version().get(),
            )
        },
        |(search, archived, _, _)| list_customers(search, archived),
    );
    view! {
        <div class="grid grid-cols-1 gap-6 md:grid-cols-3">
            <div class="space-y-3 md:col-span-2">
                <div class="flex items-center justify-between gap-3">
                    <h1 class="text-2xl font-bold tracking-tight">"Customers"</h1>
                    <label class="flex items-center gap-1 text-sm text-slate-700">
                        <input type="checkbox" on:change=move |ev| archived.set(event_target_checked(&ev)) />
                        "Archived"
                    </label>
                </div>
                <input
                    type="search"
                    placeholder="Name, phone or email"
                    aria-label="Search customers"
                    class=INPUT
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <FormError value=set_active.value() />
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match customers.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-500">
                                    "No customers yet. Add one here or at the till."
                                </p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="customer-rows">
                                    {list.into_iter().map(|c| {
                                        let (id, active) = (c.id, c.is_active);
                                        view! {
                                            <li class="flex items-center justify-between gap-3 px-4 py-2">
                                                <div>
                                                    <p class="font-medium">{c.name}</p>
                                                    <p class="text-xs text-slate-500">{[c.phone, c.email].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
                                                </div>
                                                <div class="flex items-center gap-4">
                                                    <span class="text-slate-600">{format!("{} bills · {}", c.bills, money(c.spent))}</span>
                                                    {can_archive.then(|| view! {
                                                        <button
                                                            class="text-xs text-slate-500 hover:text-red-700 hover:underline"
                                                            on:click=move |_| { set_active.dispatch(SetCustomerActive { id, active: !active }); }
                                                        >
                                                            {if active { "Archive" } else { "Restore" }}
                                                        </button>
                                                    })}
                                                </div>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <ActionForm action=save attr:class="h-fit space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"New customer"</h2>
                <input name="name" required placeholder="Name" aria-label="Customer name" class=INPUT />
                <input name="phone" placeholder="Phone" aria-label="Phone" class=INPUT />
                <input name="email" type="email" placeholder="Email" aria-label="Email" class=INPUT />
                <input name="tax_id" placeholder="Tax id" aria-label="Tax id" class=INPUT />
                <textarea name="notes" rows="2" placeholder="Notes" aria-label="Notes" class=INPUT></textarea>
                <FormError value=save.value() />
                <SubmitButton label="Add customer" busy_label="Saving…" pending=Memo::new(move |_| save.pending().get()) />
            </ActionForm>
        </div>
    }
}

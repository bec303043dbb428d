//! `/customers` and `/customers/:id`: who the business sells to, and what
//! each customer has bought.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use crate::{
    api::pos::{get_customer, list_customers, SaveCustomer, SetCustomerActive},
    model::{BillFilter, CustomerView},
    permissions::Permission,
    ui::{
        components::form::{ConfirmButton, FormError, SubmitButton},
        currency_of,
        pages::{bills::BillTable, member_only::MemberOnly},
        role_can,
    },
};

#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <Title text="Customers · Shopfloor" />
        <MemberOnly children=|ctx| {
            let can_archive = role_can(&ctx, Permission::ArchiveCatalog);
            view! { <Customers can_archive cur=currency_of(&ctx) /> }.into_any()
        } />
    }
}

const INPUT: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
fn Customers(can_archive: bool, cur: crate::pricing::Currency) -> impl IntoView {
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
                                                    <A href=format!("/customers/{id}") attr:class="font-medium text-indigo-700 hover:underline">{c.name}</A>
                                                    <p class="text-xs text-slate-500">{[c.phone, c.email].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
                                                </div>
                                                <div class="flex items-center gap-4">
                                                    <span class="text-slate-600">{format!("{} bills · {}", c.bills, cur.money(c.spent))}</span>
                                                    {can_archive.then(|| if active {
                                                        view! {
                                                            <ConfirmButton
                                                                label="Archive"
                                                                question="Archive this customer?".to_string()
                                                                confirm="Yes, archive"
                                                                class="text-xs text-slate-500 hover:text-red-700 hover:underline"
                                                                on_confirm=move |_| { set_active.dispatch(SetCustomerActive { id, active: false }); }
                                                            />
                                                        }.into_any()
                                                    } else {
                                                        view! {
                                                            <button
                                                                class="text-xs text-slate-500 hover:text-red-700 hover:underline"
                                                                on:click=move |_| { set_active.dispatch(SetCustomerActive { id, active: true }); }
                                                            >
                                                                "Restore"
                                                            </button>
                                                        }.into_any()
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

#[component]
pub fn CustomerPage() -> impl IntoView {
    view! {
        <MemberOnly children=|ctx| {
            let can_archive = role_can(&ctx, Permission::ArchiveCatalog);
            view! { <CustomerDetail can_archive cur=currency_of(&ctx) /> }.into_any()
        } />
    }
}

#[component]
fn CustomerDetail(can_archive: bool, cur: crate::pricing::Currency) -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let save = ServerAction::<SaveCustomer>::new();
    let set_active = ServerAction::<SetCustomerActive>::new();
    let customer = Resource::new(
        move || (id.get(), save.version().get(), set_active.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_customer(id).await,
                None => Err(crate::error::AppError::NotFound("Customer not found.".into())),
            }
        },
    );
    let bills = Signal::derive(move || BillFilter {
        customer: Some(id.get().unwrap_or_default()),
        ..Default::default()
    });
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading customer…"</p> }>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(c) => view! {
                        <Title text=format!("{} · Customers · Shopfloor", c.name) />
                        <CustomerCard customer=c save set_active can_archive cur />
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <section class="mt-6 space-y-2">
            <h2 class="text-lg font-semibold">"Bills"</h2>
            <BillTable filter=bills cur empty="No bills for this customer yet." />
        </section>
    }
}

#[component]
fn CustomerCard(
    customer: CustomerView,
    save: ServerAction<SaveCustomer>,
    set_active: ServerAction<SetCustomerActive>,
    can_archive: bool,
    cur: crate::pricing::Currency,
) -> impl IntoView {
    let CustomerView {
        id,
        name,
        phone,
        email,
        tax_id,
        notes,
        is_active,
        bills,
        spent,
    } = customer;
    view! {
        <div class="grid grid-cols-1 gap-6 md:grid-cols-3">
            <div class="space-y-2 md:col-span-2">
                <p><A href="/customers" attr:class="text-sm text-indigo-700 hover:underline">"← Customers"</A></p>
                <h1 class="text-2xl font-bold tracking-tight" data-testid="customer-name">
                    {name.clone()}
                    {(!is_active).then(|| view! { <span class="ml-2 rounded bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700">"Archived"</span> })}
                </h1>
                <p class="text-slate-600" data-testid="customer-totals">{format!("{bills} bills · {} spent", cur.money(spent))}</p>
                <FormError value=set_active.value() />
                {can_archive.then(|| if is_active {
                    view! {
                        <ConfirmButton
                            label="Archive customer"
                            question=format!("Archive {}?", name)
                            confirm="Yes, archive"
                            class="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100"
                            on_confirm=move |_| { set_active.dispatch(SetCustomerActive { id, active: false }); }
                        />
                    }.into_any()
                } else {
                    view! {
                        <button
                            class="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100"
                            on:click=move |_| { set_active.dispatch(SetCustomerActive { id, active: true }); }
                        >
                            "Restore customer"
                        </button>
                    }.into_any()
                })}
            </div>
            <ActionForm action=save attr:class="h-fit space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"Details"</h2>
                <input type="hidden" name="id" value=id.to_string() />
                <input name="name" required placeholder="Name" aria-label="Customer name" class=INPUT value=name />
                <input name="phone" placeholder="Phone" aria-label="Phone" class=INPUT value=phone />
                <input name="email" type="email" placeholder="Email" aria-label="Email" class=INPUT value=email />
                <input name="tax_id" placeholder="Tax id" aria-label="Tax id" class=INPUT value=tax_id />
                <textarea name="notes" rows="3" placeholder="Notes" aria-label="Notes" class=INPUT>{notes}</textarea>
                <FormError value=save.value() />
                <SubmitButton label="Save" busy_label="Saving…" pending=Memo::new(move |_| save.pending().get()) />
            </ActionForm>
        </div>
    }
}

//! `/bills` and `/bills/:id`: finalized bills, receipts and credit notes.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use crate::{
    api::pos::{bills_totals, get_bill, list_bill_cashiers, list_bills, CreateCreditNote},
    model::{BillFilter, BillView, PageContext, PersonOption, PinAction},
    permissions::Permission,
    pricing::Currency,
    ui::{
        components::{form::FormError, layout::TableBox, till_people::PinApprove},
        currency_of,
        pages::member_only::MemberOnly,
        role_can,
    },
};

#[component]
pub fn BillsPage() -> impl IntoView {
    view! {
        <Title text="Bills · Shopfloor" />
        <MemberOnly children=|ctx| view! { <BillList cur=currency_of(&ctx) /> }.into_any() />
    }
}

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
fn BillList(cur: Currency) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let cashier = RwSignal::new(String::new());
    let filter = Memo::new(move |_| BillFilter {
        search: search.get(),
        from: from.get(),
        to: to.get(),
        cashier: Uuid::parse_str(&cashier.get()).ok(),
        customer: None,
    });
    // The cashier choices are loaded after hydration, so the server-rendered
    // select and the hydrated one match.
    let people = RwSignal::new(Vec::<PersonOption>::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(list) = list_bill_cashiers().await {
                people.set(list);
            }
        });
    });
    view! {
        <div class="space-y-4">
            <h1 class="text-2xl font-bold tracking-tight">"Bills"</h1>
            <div class="flex flex-wrap items-end gap-2 text-sm">
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Number or customer"</span>
                    <input
                        type="search"
                        placeholder="INV-000012 or a name"
                        aria-label="Search bills"
                        class=INPUT
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))
                    />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"From"</span>
                    <input type="date" class=INPUT aria-label="From" data-testid="bills-from" on:change=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"To"</span>
                    <input type="date" class=INPUT aria-label="To" data-testid="bills-to" on:change=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Cashier"</span>
                    <select class=INPUT aria-label="Cashier" data-testid="bills-cashier" on:change=move |ev| cashier.set(event_target_value(&ev))>
                        <option value="">"Anyone"</option>
                        <For each=move || people.get() key=|p| p.id let(p)>
                            <option value=p.id.to_string()>{p.name}</option>
                        </For>
                    </select>
                </label>
            </div>
            <BillTable filter=filter.into() cur empty="No bills match. Sales made at the till appear here." />
        </div>
    }
}

/// Bills per page of a bill list.
const BILLS_PER_PAGE: u32 = 20;

/// Finalized bills matching a filter, newest first, a page at a time, with the
/// totals of the whole selection (bills page, customer page).
#[component]
pub fn BillTable(filter: Signal<BillFilter>, cur: Currency, empty: &'static str) -> impl IntoView {
    let money = move |minor: i64| cur.money(minor);
    let page = RwSignal::new(0u32);
    // A new filter starts again at its first page.
    Effect::watch(move || filter.get(), move |_, _, _| page.set(0), false);
    let bills = Resource::new(
        move || (filter.get(), page.get()),
        |(f, page)| {
            list_bills(
                f.search,
                f.from,
                f.to,
                f.cashier,
                f.customer,
                page,
                BILLS_PER_PAGE,
            )
        },
    );
    let totals = Resource::new(
        move || filter.get(),
        |f| bills_totals(f.search, f.from, f.to, f.cashier, f.customer),
    );
    let pages = move |count: i64| ((count.max(0) as u64).div_ceil(u64::from(BILLS_PER_PAGE))).max(1) as u32;
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading bills…"</p> }>
            {move || Suspend::new(async move {
                match totals.await {
                    Ok(t) if t.count > 0 => view! {
                        <p class="text-sm text-slate-600" data-testid="bill-totals">
                            {format!(
                                "{} {} · {} · refunded {} · net {}",
                                t.count,
                                if t.count == 1 { "bill" } else { "bills" },
                                money(t.total),
                                money(t.refunded),
                                money(t.total - t.refunded),
                            )}
                        </p>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
            {move || Suspend::new(async move {
                match bills.await {
                    Ok(list) if list.is_empty() && page.get_untracked() == 0 => view! {
                        <p class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-500">
                            {empty}
                        </p>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
                            <table class="min-w-full divide-y divide-slate-200 text-sm">
                                <thead class="bg-slate-50 text-left text-slate-600">
                                    <tr>
                                        <th class="px-3 py-2 font-medium">"Number"</th>
                                        <th class="px-3 py-2 font-medium">"When"</th>
                                        <th class="px-3 py-2 font-medium">"Customer"</th>
                                        <th class="px-3 py-2 font-medium">"Cashier"</th>
                                        <th class="px-3 py-2 text-right font-medium">"Total"</th>
                                        <th class="px-3 py-2 text-right font-medium">"Refunded"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100" data-testid="bill-rows">
                                    {list.into_iter().map(|b| view! {
                                        <tr class="hover:bg-slate-50">
                                            <td class="px-3 py-2">
                                                <A href=format!("/bills/{}", b.id) attr:class="font-mono text-indigo-700 hover:underline">{b.number}</A>
                                            </td>
                                            <td class="px-3 py-2 text-slate-600">{b.finalized_at}</td>
                                            <td class="px-3 py-2">{b.customer.unwrap_or_default()}</td>
                                            <td class="px-3 py-2 text-slate-600">{b.cashier}</td>
                                            <td class="px-3 py-2 text-right tabular-nums">{money(b.total)}</td>
                                            <td class="px-3 py-2 text-right tabular-nums text-amber-700">
                                                {(b.refunded > 0).then(|| format!("−{}", money(b.refunded)))}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
            {move || Suspend::new(async move {
                let count = totals.await.map(|t| t.count).unwrap_or(0);
                let last = pages(count);
                (last > 1).then(|| view! {
                    <nav class="flex items-center justify-between text-sm" aria-label="Bill pages">
                        <button
                            type="button"
                            class="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
                            disabled=move || page.get() == 0
                            on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                        >
                            "Previous"
                        </button>
                        <span class="text-slate-600" data-testid="bill-page">
                            {move || format!("Page {} of {last}", page.get() + 1)}
                        </span>
                        <button
                            type="button"
                            class="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
                            disabled=move || { page.get() + 1 >= last }
                            on:click=move |_| page.update(|p| *p += 1)
                        >
                            "Next"
                        </button>
                    </nav>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn BillPage() -> impl IntoView {
    view! { <MemberOnly children=|ctx| view! { <BillDetail ctx /> }.into_any() /> }
}

#[component]
fn BillDetail(ctx: PageContext) -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let credit = ServerAction::<CreateCreditNote>::new();
    let bill = Resource::new(
        move || (id.get(), credit.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_bill(id).await,
                None => Err(crate::error::AppError::NotFound("Bill not found.".into())),
            }
        },
    );
    let can_credit = role_can(&ctx, Permission::IssueCreditNote);
    // Who may not issue credit notes alone refunds with a manager's PIN.
    let can_refund = role_can(&ctx, Permission::Sell);
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading bill…"</p> }>
            {move || Suspend::new(async move {
                match bill.await {
                    Ok(b) => view! {
                        <Title text=format!("{} · Shopfloor", b.number) />
                        <div class="grid grid-cols-1 gap-6 md:grid-cols-2">
                            <BillCard bill=b.clone() />
                            {can_refund.then(|| view! { <CreditForm bill=b.clone() credit needs_approval=!can_credit /> })}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BillCard(bill: BillView) -> impl IntoView {
    let cur = Currency::new(&bill.currency);
    let money = move |minor: i64| cur.money(minor);
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    // Drawn before the view: the table box takes its rows by value.
    let line_rows = bill.lines.iter().map(|l| view! {
        <tr>
            <td class="py-1">{l.line_no}". "{l.name.clone()}</td>
            <td class="py-1 text-right tabular-nums">{format!("{} × {}", l.quantity, money(l.unit_price))}</td>
            <td class="py-1 text-right tabular-nums">{money(l.unit_price * l.quantity)}</td>
            <td class="py-1 text-right text-xs text-slate-500">{(l.credited > 0).then(|| format!("{} returned", l.credited))}</td>
        </tr>
        {(l.line_discount > 0).then(|| view! {
            <tr class="text-slate-600" data-testid="receipt-line-discount">
                <td class="py-1 pl-4">"Discount"</td>
                <td></td>
                <td class="py-1 text-right tabular-nums">{format!("−{}", money(l.line_discount))}</td>
                <td></td>
            </tr>
        })}
    }).collect_view();
    view! {
        <div class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="receipt" data-receipt="" data-paper=bill.receipt_paper.as_str()>
            {(!bill.receipt_header.is_empty()).then(|| view! {
                <p class="whitespace-pre-line text-center text-slate-700" data-testid="receipt-header">{bill.receipt_header.clone()}</p>
            })}
            <div class="flex items-start justify-between">
                <div>
                    <h1 class="font-mono text-xl font-bold" data-testid="bill-title">{bill.number.clone()}</h1>
                    <p class="text-slate-600">{format!("{} · by {}", bill.finalized_at, bill.cashier)}</p>
                    {bill.customer.clone().map(|c| view! { <p>{format!("Customer: {c}")}</p> })}
                    {bill.provisional_number.clone().map(|p| view! {
                        <p class="text-slate-600" data-testid="bill-provisional">{format!("Rung up offline as {p}")}</p>
                    })}
                </div>
                <button class="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 print:hidden" on:click=print>"Print receipt"</button>
            </div>
            <crate::ui::components::email_receipt::EmailReceiptButton bill_id=bill.id />
            <TableBox label="Bill lines">
            <table class="min-w-full">
                <tbody class="divide-y divide-slate-100">
                    {line_rows}
                </tbody>
            </table>
            </TableBox>
            {(bill.bill_discount() > 0).then(|| view! {
                <p class="flex justify-between" data-testid="receipt-bill-discount">
                    <span>"Bill discount"</span>
                    <span class="tabular-nums">{format!("−{}", money(bill.bill_discount()))}</span>
                </p>
            })}
            <p class="flex justify-between"><span>"Discount"</span><span class="tabular-nums">{money(bill.discount)}</span></p>
            <p class="flex justify-between"><span>"Tax"</span><span class="tabular-nums">{money(bill.tax)}</span></p>
            <p class="flex justify-between text-base font-bold"><span>"Total"</span><span class="tabular-nums">{money(bill.total)}</span></p>
            {bill.payments.iter().map(|p| view! {
                <p class="flex justify-between text-slate-600">
                    <span>{format!("{} (handed {}, change {})", p.method.as_str(), money(p.tendered), money(p.change))}</span>
                    <span class="tabular-nums">{money(p.amount)}</span>
                </p>
            }).collect_view()}
            {(!bill.credit_notes.is_empty()).then(|| view! {
                <div class="border-t border-slate-200 pt-2">
                    <h2 class="font-semibold">"Credit notes"</h2>
                    <ul data-testid="credit-notes">
                        {bill.credit_notes.iter().map(|c| view! {
                            <li class="flex justify-between">
                                <span>{format!("{} · {} · {}", c.number, c.at, c.reason)}</span>
                                <span class="tabular-nums">{format!("−{}", money(c.total))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {(!bill.receipt_footer.is_empty()).then(|| view! {
                <p class="whitespace-pre-line border-t border-slate-200 pt-2 text-center text-slate-600" data-testid="receipt-footer">{bill.receipt_footer.clone()}</p>
            })}
        </div>
    }
}

#[component]
fn CreditForm(bill: BillView, credit: ServerAction<CreateCreditNote>, needs_approval: bool) -> impl IntoView {
    let quantities: Vec<(i32, String, i64, RwSignal<String>)> = bill
        .lines
        .iter()
        .filter(|l| l.quantity > l.credited)
        .map(|l| {
            (
                l.line_no,
                l.name.clone(),
                l.quantity - l.credited,
                RwSignal::new(String::new()),
            )
        })
        .collect();
    if quantities.is_empty() {
        return view! { <p class="text-sm text-slate-500">"Everything on this bill has been returned."</p> }
            .into_any();
    }
    let reason = RwSignal::new(String::new());
    let method = RwSignal::new("cash".to_string());
    let restock = RwSignal::new(true);
    // The tills with an open shift, loaded after hydration (so the server's
    // form and the hydrated one match): a refund paid out of a till's drawer
    // is recorded on its shift, and its Z counts it. Default: this browser's
    // till, when it is open.
    let open_tills = RwSignal::new(Vec::<(String, String)>::new());
    let till = RwSignal::new(String::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(list) = crate::api::shifts::list_tills(false).await {
                let open: Vec<(String, String)> = list
                    .into_iter()
                    .filter(|t| t.open_shift.is_some())
                    .map(|t| (t.id.to_string(), t.name))
                    .collect();
                let mine = crate::ui::components::remembered_till::remembered().map(|id| id.to_string());
                if let Some(mine) = mine.filter(|m| open.iter().any(|(id, _)| id == m)) {
                    till.set(mine);
                }
                open_tills.set(open);
            }
        });
    });
    let bill_id = bill.id;
    let rows = quantities.clone();
    // The credit note as the server takes it; `approval_token` from a
    // manager's PIN when this member may not issue one alone.
    let build = move |approval_token: String| {
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|(n, _, _, q)| {
                let q = q.get_untracked();
                (!q.trim().is_empty()).then(|| format!("{n}:{}", q.trim()))
            })
            .collect();
        CreateCreditNote {
            bill_id,
            lines: lines.join(","),
            reason: reason.get_untracked(),
            refund_method: method.get_untracked(),
            restock: restock.get_untracked().then(|| "on".to_string()),
            till_id: uuid::Uuid::parse_str(&till.get_untracked()).ok(),
            approval_token,
        }
    };
    let build = StoredValue::new(build);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if needs_approval || credit.pending().get_untracked() {
            return;
        }
        credit.dispatch(build.with_value(|b| b(String::new())));
    };
    let approved = Callback::new(move |(token, _): (String, String)| {
        if !credit.pending().get_untracked() {
            credit.dispatch(build.with_value(|b| b(token)));
        }
    });
    view! {
        <form on:submit=submit class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm">
            <h2 class="font-semibold">{if needs_approval { "Refund with a manager's approval" } else { "Issue a credit note" }}</h2>
            {quantities.into_iter().map(|(n, name, left, q)| view! {
                <label class="flex items-center justify-between gap-2">
                    <span>{format!("{n}. {name} (up to {left})")}</span>
                    <input
                        type="number"
                        min="0"
                        max=left.to_string()
                        aria-label=format!("Return quantity for line {n}")
                        class="w-20 rounded-md border border-slate-300 px-2 py-1 text-right"
                        prop:value=move || q.get()
                        on:input=move |ev| q.set(event_target_value(&ev))
                    />
                </label>
            }).collect_view()}
            <input
                required
                placeholder="Reason"
                aria-label="Reason"
                class="w-full rounded-md border border-slate-300 px-2 py-1"
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            />
            <div class="flex items-center gap-3">
                <select aria-label="Refund method" class="rounded-md border border-slate-300 px-2 py-1" on:change=move |ev| method.set(event_target_value(&ev))>
                    <option value="cash">"Refund in cash"</option>
                    <option value="card">"Refund to card"</option>
                    <option value="other">"Other"</option>
                </select>
                <label class="flex items-center gap-1">
                    <input type="checkbox" prop:checked=move || restock.get() on:change=move |ev| restock.set(event_target_checked(&ev)) />
                    "Return goods to stock"
                </label>
            </div>
            {move || (!open_tills.get().is_empty()).then(|| view! {
                <label class="flex flex-wrap items-center gap-2">
                    <span>"Paid out of"</span>
                    <select aria-label="Refund from till" class="rounded-md border border-slate-300 px-2 py-1" on:change=move |ev| till.set(event_target_value(&ev))>
                        <option value="" selected=move || till.get().is_empty()>"No till (back office)"</option>
                        {open_tills.get().into_iter().map(|(id, name)| {
                            let selected = id.clone();
                            view! { <option value=id selected=move || till.get() == selected>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            <FormError value=credit.value() />
            {if needs_approval {
                view! {
                    <PinApprove
                        action=PinAction::Refund
                        label="Approve and issue"
                        disabled=Signal::derive(move || credit.pending().get())
                        on_approved=approved
                    />
                }
                .into_any()
            } else {
                view! {
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-50" disabled=move || credit.pending().get()>
                        "Issue credit note"
                    </button>
                }
                .into_any()
            }}
        </form>
    }
    .into_any()
}

//! `/shifts` and `/shifts/:id`: the business's tills and their shifts, and a
//! shift's X report (so far) or Z report (closed), printable like a receipt.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use crate::{
    api::shifts::{
        get_shift, list_shifts, list_tills, CloseShift, OpenShift as OpenShiftAction, SaveTill, ShiftCash,
    },
    model::ShiftReport,
    permissions::Permission,
    pricing::Currency,
    ui::{
        components::form::{FormError, SubmitButton},
        currency_of,
        pages::member_only::MemberOnly,
        role_can,
    },
};

const INPUT: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn ShiftsPage() -> impl IntoView {
    view! {
        <Title text="Shifts · Shopfloor" />
        <MemberOnly children=|ctx| {
            let can_manage = role_can(&ctx, Permission::ManageShifts);
            view! { <Shifts can_manage cur=currency_of(&ctx) /> }.into_any()
        } />
    }
}

#[component]
fn Shifts(can_manage: bool, cur: Currency) -> impl IntoView {
    let save_till = ServerAction::<SaveTill>::new();
    let open = ServerAction::<OpenShiftAction>::new();
    let tills = Resource::new(
        move || (save_till.version().get(), open.version().get()),
        |_| list_tills(false),
    );
    let shifts = Resource::new(
        move || (save_till.version().get(), open.version().get()),
        |_| list_shifts(None, String::new(), String::new(), String::new(), 0, 50),
    );
    view! {
        <div class="space-y-6">
            <h1 class="text-2xl font-semibold">"Shifts"</h1>
            <section class="space-y-2">
                <h2 class="text-lg font-semibold">"Tills"</h2>
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading tills…"</p> }>
                    {move || Suspend::new(async move {
                        match tills.await {
                            Ok(tills) if tills.is_empty() => view! {
                                <p class="text-slate-600">
                                    "No tills yet: sales go through without shifts. A manager adds a till below to start counting the drawer by shift."
                                </p>
                            }.into_any(),
                            Ok(tills) => view! {
                                <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white" data-testid="till-rows">
                                    {tills.into_iter().map(|t| {
                                        let name = t.name.clone();
                                        view! {
                                            <li class="flex flex-wrap items-center justify-between gap-3 p-3 text-sm">
                                                <span class="font-medium">{t.name.clone()}</span>
                                                {match t.open_shift {
                                                    Some(s) => view! {
                                                        <span>
                                                            {format!("Open since {} ({}) ", s.opened_at, s.cashier)}
                                                            <A href=format!("/shifts/{}", s.id) attr:class="text-indigo-700 underline">"X report"</A>
                                                        </span>
                                                    }.into_any(),
                                                    None => view! {
                                                        <ActionForm action=open attr:class="flex items-center gap-2">
                                                            <input type="hidden" name="till_id" value=t.id.to_string() />
                                                            <input
                                                                name="opening_float"
                                                                required
                                                                inputmode="decimal"
                                                                placeholder="Float"
                                                                aria-label=format!("Opening float for {name}")
                                                                class=INPUT
                                                            />
                                                            <button type="submit" class="whitespace-nowrap rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100">
                                                                "Open shift"
                                                            </button>
                                                        </ActionForm>
                                                    }.into_any(),
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                <FormError value=open.value() />
                {can_manage.then(|| view! {
                    <ActionForm action=save_till attr:class="flex max-w-md items-center gap-2">
                        <input name="name" required placeholder="Till name" aria-label="Till name" class=INPUT />
                        <button type="submit" class="whitespace-nowrap rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white">
                            "Add till"
                        </button>
                    </ActionForm>
                    <FormError value=save_till.value() />
                })}
            </section>
            <section class="space-y-2">
                <h2 class="text-lg font-semibold">"Shifts"</h2>
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading shifts…"</p> }>
                    {move || Suspend::new(async move {
                        match shifts.await {
                            Ok(list) if list.is_empty() => view! { <p class="text-slate-600">"No shifts yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <div class="overflow-x-auto">
                                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm">
                                    <thead class="text-left text-slate-600">
                                        <tr>
                                            <th class="p-2">"Till"</th>
                                            <th class="p-2">"Cashier"</th>
                                            <th class="p-2">"Opened"</th>
                                            <th class="p-2">"Closed"</th>
                                            <th class="p-2">"Report"</th>
                                            <th class="p-2 text-right">"Sales"</th>
                                            <th class="p-2 text-right">"Over / short"</th>
                                        </tr>
                                    </thead>
                                    <tbody data-testid="shift-rows">
                                        {list.into_iter().map(|s| view! {
                                            <tr class="border-t border-slate-200">
                                                <td class="p-2">{s.till.clone()}</td>
                                                <td class="p-2">{s.cashier.clone()}</td>
                                                <td class="p-2">{s.opened_at.clone()}</td>
                                                <td class="p-2">{s.closed_at.clone().unwrap_or_else(|| "open".into())}</td>
                                                <td class="p-2">
                                                    <A href=format!("/shifts/{}", s.id) attr:class="text-indigo-700 underline">
                                                        {s.z_number.clone().unwrap_or_else(|| "X report".into())}
                                                    </A>
                                                </td>
                                                <td class="p-2 text-right">{s.sales_total.map(|m| cur.money(m)).unwrap_or_default()}</td>
                                                <td class="p-2 text-right">{s.difference.map(|m| cur.money(m)).unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
pub fn ShiftPage() -> impl IntoView {
    view! { <MemberOnly children=|_| view! { <ShiftDetail /> }.into_any() /> }
}

#[component]
fn ShiftDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let cash = ServerAction::<ShiftCash>::new();
    let close = ServerAction::<CloseShift>::new();
    let report = Resource::new(
        move || (id.get(), cash.version().get(), close.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_shift(id).await,
                None => Err(crate::error::AppError::NotFound("Shift not found.".into())),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading the shift…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => {
                        let open = r.status == "open";
                        let cash_shift = r.id.to_string();
                        let close_shift = r.id.to_string();
                        view! {
                            <Title text=format!("{} · Shopfloor", r.z_number.clone().unwrap_or_else(|| format!("X report, {}", r.till))) />
                            <div class="grid grid-cols-1 gap-6 md:grid-cols-2">
                                <ReportCard report=r />
                                {open.then(|| view! {
                                    <div class="space-y-4 print:hidden">
                                        <ActionForm action=cash attr:class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                                            <h2 class="font-semibold">"Cash in or out"</h2>
                                            <input type="hidden" name="shift_id" value=cash_shift />
                                            <select name="kind" aria-label="Cash in or out" class=INPUT>
                                                <option value="out">"Take out"</option>
                                                <option value="in">"Put in"</option>
                                            </select>
                                            <input name="amount" required inputmode="decimal" placeholder="Amount" aria-label="Amount" class=INPUT />
                                            <input name="reason" required placeholder="Reason" aria-label="Reason" class=INPUT />
                                            <FormError value=cash.value() />
                                            <SubmitButton label="Record cash" busy_label="Saving…" pending=Memo::new(move |_| cash.pending().get()) />
                                        </ActionForm>
                                        <ActionForm action=close attr:class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                                            <h2 class="font-semibold">"Close the shift"</h2>
                                            <p class="text-sm text-slate-600">"Count the drawer. Card and other: leave empty to take the expected amounts."</p>
                                            <input type="hidden" name="shift_id" value=close_shift />
                                            <input name="counted_cash" required inputmode="decimal" placeholder="Counted cash" aria-label="Counted cash" class=INPUT />
                                            <input name="counted_card" inputmode="decimal" placeholder="Counted card" aria-label="Counted card" class=INPUT />
                                            <input name="counted_other" inputmode="decimal" placeholder="Counted other" aria-label="Counted other" class=INPUT />
                                            <FormError value=close.value() />
                                            <SubmitButton label="Close shift" busy_label="Closing…" pending=Memo::new(move |_| close.pending().get()) />
                                        </ActionForm>
                                    </div>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// An X or Z report laid out like a receipt (the receipt print styles apply).
#[component]
fn ReportCard(report: ShiftReport) -> impl IntoView {
    let cur = Currency::new(&report.currency);
    let money = move |minor: i64| cur.money(minor);
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    let title = match &report.z_number {
        Some(z) => format!("Z report {z}"),
        None => "X report (shift so far)".to_string(),
    };
    let row = move |label: String, value: String, testid: &'static str| {
        view! {
            <p class="flex justify-between" data-testid=testid>
                <span>{label}</span>
                <span>{value}</span>
            </p>
        }
    };
    let methods = report
        .methods
        .iter()
        .map(|m| {
            let name = match m.method {
                crate::model::PaymentMethod::Cash => "Cash",
                crate::model::PaymentMethod::Card => "Card",
                crate::model::PaymentMethod::Other => "Other",
            };
            view! {
                <tr class="border-t border-slate-200">
                    <td class="py-1">{name}</td>
                    <td class="py-1 text-right">{money(m.sales)}</td>
                    <td class="py-1 text-right">{money(m.refunds)}</td>
                    <td class="py-1 text-right">{money(m.expected)}</td>
                    <td class="py-1 text-right">{m.counted.map(money).unwrap_or_default()}</td>
                    <td class="py-1 text-right">{m.difference.map(money).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let cash_rows = report
        .cash
        .iter()
        .map(|c| {
            let sign = if c.kind == "in" { "+" } else { "−" };
            view! {
                <li class="flex justify-between">
                    <span>{format!("{} {} ({})", c.at, c.reason, c.by)}</span>
                    <span>{format!("{sign}{}", money(c.amount))}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="shift-report" data-receipt="" data-paper=report.receipt_paper.as_str()>
            <div class="flex items-center justify-between">
                <h1 class="text-lg font-semibold" data-testid="report-title">{title}</h1>
                <button class="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 print:hidden" on:click=print>"Print"</button>
            </div>
            <p class="text-slate-700">{report.business.clone()}</p>
            <p>{format!("{} · {}", report.till, report.cashier)}</p>
            <p>{format!("Opened {}", report.opened_at)}</p>
            {report.closed_at.clone().map(|at| view! {
                <p>{format!("Closed {at}{}", report.closed_by.clone().map(|b| format!(" by {b}")).unwrap_or_default())}</p>
            })}
            <div class="border-t border-slate-200 pt-2">
                {row("Opening float".into(), money(report.opening_float), "report-float")}
                {row("Bills".into(), report.bills.to_string(), "report-bills")}
                {row("Sales".into(), money(report.sales_total), "report-sales")}
                {row("Refunds".into(), money(report.refunds_total), "report-refunds")}
                {row("Change given".into(), money(report.change_given), "report-change")}
                {row("Cash in".into(), money(report.cash_in), "report-cash-in")}
                {row("Cash out".into(), money(report.cash_out), "report-cash-out")}
                {row("Expected cash".into(), money(report.expected_cash), "report-expected-cash")}
                {report.counted_cash.map(|c| row("Counted cash".into(), money(c), "report-counted-cash"))}
                {report.over_short.map(|d| row(
                    if d < 0 { "Short".into() } else { "Over".into() },
                    money(d.abs()),
                    "report-over-short",
                ))}
            </div>
            <table class="w-full">
                <thead class="text-left text-slate-600">
                    <tr>
                        <th class="py-1">"Method"</th>
                        <th class="py-1 text-right">"Sales"</th>
                        <th class="py-1 text-right">"Refunds"</th>
                        <th class="py-1 text-right">"Expected"</th>
                        <th class="py-1 text-right">"Counted"</th>
                        <th class="py-1 text-right">"Difference"</th>
                    </tr>
                </thead>
                <tbody>{methods}</tbody>
            </table>
            {(!report.cash.is_empty()).then(|| view! {
                <div class="border-t border-slate-200 pt-2">
                    <h2 class="font-semibold">"Cash in and out"</h2>
                    <ul>{cash_rows}</ul>
                </div>
            })}
            {report.chain_link.clone().map(|link| view! {
                <p class="break-all border-t border-slate-200 pt-2 font-mono text-xs text-slate-500" data-testid="report-chain">
                    {format!("Chain link {link}")}
                </p>
            })}
        </div>
    }
}

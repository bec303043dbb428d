//! `/purchases` and `/purchases/:id`: orders to suppliers. The list with a
//! status filter (a plain GET form), drafts from the low-stock list in one
//! click, a new order typed or scanned by SKU; an order's page sends,
//! receives (in parts), cancels, and pays its supplier. Every form works
//! before the wasm and by keyboard; buttons are disabled while their action
//! is pending, so a double click is one request.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use uuid::Uuid;

use crate::{
    api::{
        catalog::list_suppliers,
        purchasing::{
            get_purchase, list_purchases, CancelPurchase, PaySupplier, ReceivePurchase, SavePurchase,
            SendPurchase,
        },
    },
    model::{PurchaseOrderView, PurchaseStatus},
    permissions::Permission,
    pricing::Currency,
    ui::{
        components::{form::FormError, layout::TableBox},
        currency_of, go_to,
        pages::member_only::MemberOnly,
        role_can,
    },
};

const INPUT: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const BUTTON: &str =
    "whitespace-nowrap rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-60";
const PLAIN_BUTTON: &str =
    "whitespace-nowrap rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60";
const TH: &str = "px-3 py-2 text-left font-semibold";
const TD: &str = "px-3 py-1.5 text-right tabular-nums";

/// Rows in the new-order form.
const NEW_LINES: usize = 6;

fn refused() -> AnyView {
    view! {
        <p role="alert" class="text-red-700">
            "Purchasing is for managers, admins and owners. Ask one of them to order stock."
        </p>
    }
    .into_any()
}

#[component]
pub fn PurchasesPage() -> impl IntoView {
    view! {
        <Title text="Purchases · Shopfloor" />
        <MemberOnly children=|ctx| {
            if role_can(&ctx, Permission::Purchase) {
                view! { <Purchases cur=currency_of(&ctx) /> }.into_any()
            } else {
                refused()
            }
        } />
    }
}

#[component]
fn Purchases(cur: Currency) -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| {
        let s = query.get().get("status").unwrap_or_default();
        PurchaseStatus::parse(&s)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default()
    });
    let save = ServerAction::<SavePurchase>::new();
    let orders = Resource::new(
        move || (status.get(), save.version().get()),
        |(status, _)| list_purchases(status, None),
    );
    let suppliers = Resource::new(|| (), |_| list_suppliers(false));
    // A single new draft opens on its own page.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            if let [one] = saved.as_slice() {
                go_to(&format!("/purchases/{}", one.id));
            }
        }
    });
    let pending = save.pending();
    view! {
        <div class="space-y-6" data-testid="purchases">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h1 class="text-2xl font-semibold">"Purchases"</h1>
                <ActionForm action=save attr:class="print:hidden">
                    <input type="hidden" name="from_low_stock" value="true" />
                    <button type="submit" class=PLAIN_BUTTON disabled=move || pending.get() data-testid="from-low-stock">
                        "Order the low-stock items"
                    </button>
                </ActionForm>
            </div>
            <FormError value=save.value() />
            <form method="get" action="/purchases" class="flex flex-wrap items-end gap-2 text-sm print:hidden" aria-label="Filter orders">
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Status"</span>
                    <select name="status" class=INPUT data-testid="purchase-status-filter">
                        <option value="" selected=move || status.get().is_empty()>"All"</option>
                        {PurchaseStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || status.get() == s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class=PLAIN_BUTTON>"Show"</button>
            </form>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading orders…"</p> }>
                {move || Suspend::new(async move {
                    match orders.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="text-slate-600" data-testid="purchases-empty">
                                "No orders here yet. Order the low-stock items, or start an order below."
                            </p>
                        }.into_any(),
                        Ok(list) => view! {
                            <TableBox label="Purchase orders">
                                <table class="min-w-full text-sm" data-testid="purchase-rows">
                                    <thead class="bg-slate-100">
                                        <tr>
                                            <th class=TH scope="col">"Order"</th>
                                            <th class=TH scope="col">"Supplier"</th>
                                            <th class=TH scope="col">"Status"</th>
                                            <th class=TH scope="col">"Created"</th>
                                            <th class=TH scope="col">"Lines"</th>
                                            <th class=TH scope="col">"Total"</th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100 bg-white">
                                        {list.into_iter().map(|o| view! {
                                            <tr>
                                                <th class="px-3 py-1.5 text-left font-medium" scope="row">
                                                    <A href=format!("/purchases/{}", o.id) attr:class="text-indigo-700 underline">{o.number.clone()}</A>
                                                </th>
                                                <td class="px-3 py-1.5">{o.supplier.clone()}</td>
                                                <td class="px-3 py-1.5">{o.status.label()}</td>
                                                <td class="px-3 py-1.5 whitespace-nowrap">{o.created_at.clone()}</td>
                                                <td class=TD>{o.lines}</td>
                                                <td class=TD>{cur.money(o.total)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </TableBox>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <section class="space-y-2 print:hidden">
                <h2 class="text-lg font-semibold">"New order"</h2>
                <p class="text-sm text-slate-600">
                    "Type or scan each product's SKU or barcode; leave the unit cost empty for the product's cost price."
                </p>
                <ActionForm action=save attr:class="space-y-2" attr:data-testid="new-purchase">
                    <label class="block max-w-sm space-y-1 text-sm">
                        <span class="block text-xs text-slate-500">"Supplier"</span>
                        <Transition fallback=|| view! { <select class=INPUT disabled><option>"Loading…"</option></select> }>
                            {move || Suspend::new(async move {
                                let list = suppliers.await.unwrap_or_default();
                                view! {
                                    <select name="supplier_id" required class=INPUT data-testid="purchase-supplier">
                                        <option value="">"Choose a supplier"</option>
                                        {list.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                                    </select>
                                }
                            })}
                        </Transition>
                    </label>
                    <TableBox label="Order lines">
                        <table class="min-w-full text-sm">
                            <thead>
                                <tr>
                                    <th class=TH scope="col">"SKU or barcode"</th>
                                    <th class=TH scope="col">"Quantity"</th>
                                    <th class=TH scope="col">"Unit cost"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {(0..NEW_LINES).map(|n| view! {
                                    <tr>
                                        <td class="px-1 py-1">
                                            <input name=format!("lines[{n}][sku]") class=INPUT autocomplete="off"
                                                aria-label=format!("Line {}: SKU or barcode", n + 1) data-testid=format!("purchase-sku-{n}") />
                                        </td>
                                        <td class="px-1 py-1">
                                            <input name=format!("lines[{n}][quantity]") class=INPUT inputmode="numeric"
                                                aria-label=format!("Line {}: quantity", n + 1) data-testid=format!("purchase-qty-{n}") />
                                        </td>
                                        <td class="px-1 py-1">
                                            <input name=format!("lines[{n}][unit_cost]") class=INPUT inputmode="decimal"
                                                aria-label=format!("Line {}: unit cost", n + 1) data-testid=format!("purchase-cost-{n}") />
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableBox>
                    <label class="block max-w-xl space-y-1 text-sm">
                        <span class="block text-xs text-slate-500">"Notes"</span>
                        <input name="notes" class=INPUT />
                    </label>
                    <button type="submit" class=BUTTON disabled=move || pending.get() data-testid="purchase-create">
                        "Save as draft"
                    </button>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
pub fn PurchasePage() -> impl IntoView {
    view! {
        <Title text="Purchase order · Shopfloor" />
        <MemberOnly children=|ctx| {
            if role_can(&ctx, Permission::Purchase) {
                let can_pay = role_can(&ctx, Permission::PaySuppliers);
                view! { <Purchase cur=currency_of(&ctx) can_pay /> }.into_any()
            } else {
                refused()
            }
        } />
    }
}

#[component]
fn Purchase(cur: Currency, can_pay: bool) -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.get().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let send = ServerAction::<SendPurchase>::new();
    let receive = ServerAction::<ReceivePurchase>::new();
    let cancel = ServerAction::<CancelPurchase>::new();
    let pay = ServerAction::<PaySupplier>::new();
    let save = ServerAction::<SavePurchase>::new();
    let order = Resource::new(
        move || {
            (
                id.get(),
                send.version().get(),
                receive.version().get(),
                (cancel.version().get(), save.version().get()),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_purchase(id).await,
                None => Err(crate::error::AppError::NotFound(
                    "Purchase order not found.".into(),
                )),
            }
        },
    );
    view! {
        <div class="space-y-4" data-testid="purchase">
            <p class="text-sm print:hidden"><A href="/purchases" attr:class="text-indigo-700 underline">"All purchases"</A></p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the order…"</p> }>
                {move || Suspend::new(async move {
                    match order.await {
                        Ok(o) => {
                            let actions = Actions { send, receive, cancel, pay, save };
                            shown(o, cur, can_pay, actions).into_any()
                        }
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <FormError value=send.value() />
            <FormError value=receive.value() />
            <FormError value=cancel.value() />
            <FormError value=save.value() />
        </div>
    }
}

/// What an order's page can do.
#[derive(Clone, Copy)]
struct Actions {
    send: ServerAction<SendPurchase>,
    receive: ServerAction<ReceivePurchase>,
    cancel: ServerAction<CancelPurchase>,
    pay: ServerAction<PaySupplier>,
    save: ServerAction<SavePurchase>,
}

/// A draft's lines, editable: quantities and unit costs (the supplier's
/// price may have changed since the order was suggested).
fn draft_editor(o: PurchaseOrderView, cur: Currency, save: ServerAction<SavePurchase>) -> impl IntoView {
    let saving = save.pending();
    let digits = cur.minor_digits();
    view! {
        <ActionForm action=save attr:class="space-y-2 print:hidden" attr:data-testid="draft-editor">
            <input type="hidden" name="id" value=o.id.to_string() />
            <input type="hidden" name="supplier_id" value=o.supplier_id.to_string() />
            <input type="hidden" name="notes" value=o.notes />
            <TableBox label="Draft lines">
                <table class="min-w-full text-sm">
                    <thead class="bg-slate-100">
                        <tr>
                            <th class=TH scope="col">"Product"</th>
                            <th class=TH scope="col">"Quantity"</th>
                            <th class=TH scope="col">"Unit cost"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 bg-white">
                        {o.lines.into_iter().enumerate().map(|(n, l)| view! {
                            <tr>
                                <th class="px-3 py-1.5 text-left font-normal" scope="row">
                                    {format!("{} {}", l.sku, l.name)}
                                    <input type="hidden" name=format!("lines[{n}][product_id]") value=l.product_id.to_string() />
                                </th>
                                <td class="px-1 py-1">
                                    <input name=format!("lines[{n}][quantity]") class=INPUT inputmode="numeric" value=l.quantity.to_string()
                                        aria-label=format!("{} quantity", l.sku) data-testid=format!("draft-qty-{n}") />
                                </td>
                                <td class="px-1 py-1">
                                    <input name=format!("lines[{n}][unit_cost]") class=INPUT inputmode="decimal"
                                        value=crate::pricing::format_amount(l.unit_cost, digits)
                                        aria-label=format!("{} unit cost", l.sku) data-testid=format!("draft-cost-{n}") />
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableBox>
            <button type="submit" class=PLAIN_BUTTON disabled=move || saving.get() data-testid="draft-save">"Save the draft"</button>
        </ActionForm>
    }
}

fn shown(o: PurchaseOrderView, cur: Currency, can_pay: bool, actions: Actions) -> impl IntoView {
    let Actions {
        send,
        receive,
        cancel,
        pay,
        save,
    } = actions;
    let editor = (o.status == PurchaseStatus::Draft).then(|| draft_editor(o.clone(), cur, save));
    let receivable = matches!(o.status, PurchaseStatus::Sent | PurchaseStatus::PartlyReceived);
    let id = o.id.to_string();
    let (send_id, cancel_id) = (id.clone(), id.clone());
    let (sending, receiving, cancelling, paying) =
        (send.pending(), receive.pending(), cancel.pending(), pay.pending());
    let paid = pay.value();
    view! {
        <div class="flex flex-wrap items-baseline justify-between gap-2">
            <h1 class="text-2xl font-semibold" data-testid="purchase-number">{format!("{} · {}", o.number, o.supplier)}</h1>
            <p class="text-sm" data-testid="purchase-state">{o.status.label()}</p>
        </div>
        <p class="text-sm text-slate-600">
            {format!("Created {}", o.created_at)}
            {o.sent_at.clone().map(|s| format!(", sent {s}"))}
            {(!o.notes.is_empty()).then(|| format!(" · {}", o.notes))}
        </p>
        <ActionForm action=receive attr:class="space-y-2">
            <input type="hidden" name="id" value=id />
            <TableBox label="Order lines">
                <table class="min-w-full text-sm" data-testid="purchase-lines">
                    <thead class="bg-slate-100">
                        <tr>
                            <th class=TH scope="col">"Product"</th>
                            <th class=TH scope="col">"Ordered"</th>
                            <th class=TH scope="col">"Received"</th>
                            <th class=TH scope="col">"Unit cost"</th>
                            <th class=TH scope="col">"Line total"</th>
                            {receivable.then(|| view! { <th class="px-3 py-2 text-left font-semibold print:hidden" scope="col">"Arrived now"</th> })}
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 bg-white">
                        {o.lines.iter().enumerate().map(|(n, l)| {
                            let open = l.quantity - l.received;
                            view! {
                                <tr>
                                    <th class="px-3 py-1.5 text-left font-normal" scope="row">{format!("{} {}", l.sku, l.name)}</th>
                                    <td class=TD>{l.quantity}</td>
                                    <td class=TD>{l.received}</td>
                                    <td class=TD>{cur.money(l.unit_cost)}</td>
                                    <td class=TD>{cur.money(l.quantity * l.unit_cost)}</td>
                                    {(receivable && open > 0).then(|| view! {
                                        <td class="px-1 py-1 print:hidden">
                                            <input type="hidden" name=format!("lines[{n}][line_no]") value=l.line_no.to_string() />
                                            <input type="hidden" name=format!("lines[{n}][received_before]") value=l.received.to_string() />
                                            <input name=format!("lines[{n}][quantity]") class=INPUT inputmode="numeric"
                                                placeholder=format!("up to {open}")
                                                aria-label=format!("{} arrived now", l.sku) data-testid=format!("receive-qty-{n}") />
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                        <tr class="bg-slate-50 font-semibold">
                            <th class="px-3 py-1.5 text-left" scope="row">"Total"</th>
                            <td></td>
                            <td></td>
                            <td></td>
                            <td class=TD data-testid="purchase-total">{cur.money(o.total)}</td>
                        </tr>
                    </tbody>
                </table>
            </TableBox>
            {receivable.then(|| view! {
                <button type="submit" class=BUTTON disabled=move || receiving.get() data-testid="purchase-receive">"Receive"</button>
            })}
        </ActionForm>
        {editor}
        <div class="flex flex-wrap gap-2 print:hidden">
            {(o.status == PurchaseStatus::Draft).then(|| view! {
                <ActionForm action=send>
                    <input type="hidden" name="id" value=send_id />
                    <button type="submit" class=BUTTON disabled=move || sending.get() data-testid="purchase-send">"Send to the supplier"</button>
                </ActionForm>
            })}
            {matches!(o.status, PurchaseStatus::Draft | PurchaseStatus::Sent).then(|| view! {
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=cancel_id />
                    <button type="submit" class=PLAIN_BUTTON disabled=move || cancelling.get() data-testid="purchase-cancel">"Cancel the order"</button>
                </ActionForm>
            })}
        </div>
        {(can_pay && o.received_total > 0).then(|| view! {
            <section class="space-y-2 print:hidden">
                <h2 class="text-lg font-semibold">{format!("Pay {}", o.supplier)}</h2>
                <ActionForm action=pay attr:class="flex flex-wrap items-end gap-2 text-sm">
                    <input type="hidden" name="supplier_id" value=o.supplier_id.to_string() />
                    <label class="space-y-1">
                        <span class="block text-xs text-slate-500">"Amount"</span>
                        <input name="amount" required inputmode="decimal" class=INPUT data-testid="pay-amount" />
                    </label>
                    <label class="space-y-1">
                        <span class="block text-xs text-slate-500">"From"</span>
                        <select name="method" class=INPUT>
                            <option value="bank">"Bank"</option>
                            <option value="cash">"Cash"</option>
                        </select>
                    </label>
                    <label class="space-y-1">
                        <span class="block text-xs text-slate-500">"Reference"</span>
                        <input name="reference" class=INPUT />
                    </label>
                    <button type="submit" class=BUTTON disabled=move || paying.get() data-testid="pay-submit">"Record payment"</button>
                </ActionForm>
                {move || paid.get().map(|r| match r {
                    Ok(p) => view! {
                        <p role="status" class="text-sm text-emerald-700" data-testid="pay-done">
                            {format!("Paid {}. Still owed to {}: {}.", cur.money(p.amount), p.supplier, cur.money(p.owed))}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                })}
            </section>
        })}
    }
}

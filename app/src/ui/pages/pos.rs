//! `/pos`: the till. Hydrated and keyboard-first: the search box always gets the
//! focus back; a barcode scanner (digits then Enter) adds the item; totals are
//! computed by the same `pricing` code the server finalizes with.
use leptos::{html, prelude::*};
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    api::pos::{
        finalize_sale, list_customers, list_drafts, load_pos_settings, park_sale, pos_search, resume_draft,
    },
    model::{BillView, CartLine, PaymentInput, PaymentMethod, PosItem, PosSettings, SaleInput},
    pricing::{bill_totals, BillTotals, Currency, LineInput},
    ui::pages::member_only::MemberOnly,
};

#[component]
pub fn PosPage() -> impl IntoView {
    view! {
        <Title text="Till · Shopfloor" />
        <MemberOnly children=|_| view! { <Till /> }.into_any() />
    }
}

#[derive(Clone, PartialEq)]
struct CartItem {
    item: PosItem,
    quantity: i64,
    /// Minor units off this line.
    discount: i64,
}

fn new_key() -> String {
    format!("pos-{}", Uuid::new_v4().simple())
}

/// The cart as the server takes it.
fn cart_lines(cart: &[CartItem]) -> Vec<CartLine> {
    cart.iter()
        .map(|x| CartLine {
            product_id: x.item.id,
            quantity: x.quantity,
            line_discount: x.discount,
        })
        .collect()
}

fn totals_of(cart: &[CartItem], bill_discount: i64, settings: &PosSettings) -> Option<BillTotals> {
    let lines: Vec<LineInput> = cart
        .iter()
        .map(|c| LineInput {
            unit_price: c.item.unit_price,
            quantity: c.quantity,
            tax_rate_bp: c.item.tax_rate_bp as i64,
            line_discount: c.discount,
        })
        .collect();
    bill_totals(&lines, bill_discount, settings.tax_mode).ok()
}

#[component]
fn Till() -> impl IntoView {
    let settings = Resource::new(|| (), |_| load_pos_settings());
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Opening the till…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <TillScreen settings /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TillScreen(settings: PosSettings) -> impl IntoView {
    // Every amount on the till is shown and read in the business's currency.
    let cur = Currency::new(&settings.currency);
    let search_input: NodeRef<html::Input> = NodeRef::new();
    let query = RwSignal::new(String::new());
    let cart = RwSignal::new(Vec::<CartItem>::new());
    let message = RwSignal::new(None::<String>);
    let key = RwSignal::new(new_key());
    let card = RwSignal::new(String::new());
    let tendered = RwSignal::new(String::new());
    let receipt = RwSignal::new(None::<BillView>);
    let customer = RwSignal::new(String::new());
    // Parked sales, loaded in the browser and after each park/resume.
    let drafts = RwSignal::new(Vec::<crate::model::DraftSummary>::new());
    let drafts_version = RwSignal::new(0u32);
    Effect::new(move |_| {
        drafts_version.track();
        leptos::task::spawn_local(async move {
            if let Ok(list) = list_drafts().await {
                drafts.set(list);
            }
        });
    });
    // Loaded in the browser once the till is interactive (not part of the first
    // paint, so server and browser render the same markup).
    let customers = RwSignal::new(Vec::<crate::model::CustomerView>::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(list) = list_customers(String::new(), false).await {
                customers.set(list);
            }
        });
    });
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    // Stock as other terminals change it (server-sent events), by product.
    let live_stock = RwSignal::new(std::collections::HashMap::<Uuid, i64>::new());
    let live = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        if let Some(input) = search_input.get() {
            let _ = input.focus();
        }
    });
    let refocus = move || {
        if let Some(input) = search_input.get_untracked() {
            let _ = input.focus();
        }
    };
    let results = Resource::new(
        move || query.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(Vec::new())
            } else {
                pos_search(q, 8).await
            }
        },
    );
    let settings = StoredValue::new(settings);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| subscribe_to_stock(live_stock, live, move || results.refetch()));
    let bill_discount = RwSignal::new(String::new());
    let bill_discount_minor = Memo::new(move |_| cur.parse(&bill_discount.get()).unwrap_or(0));
    // None when a discount is more than what it applies to.
    let totals_checked = Memo::new(move |_| {
        cart.with(|c| settings.with_value(|s| totals_of(c, bill_discount_minor.get(), s)))
    });
    let totals = Memo::new(move |_| totals_checked.get().unwrap_or_default());

    // An empty sale with a fresh key; the last receipt (if any) stays shown
    // until the first item of the next sale goes in.
    let clear_sale = move || {
        cart.set(Vec::new());
        card.set(String::new());
        tendered.set(String::new());
        customer.set(String::new());
        bill_discount.set(String::new());
        key.set(new_key());
    };
    let new_sale = move |_| {
        clear_sale();
        receipt.set(None);
        message.set(None);
        refocus();
    };

    let add = move |item: PosItem| {
        message.set(None);
        let in_cart = cart
            .with_untracked(|c| c.iter().find(|x| x.item.id == item.id).map(|x| x.quantity))
            .unwrap_or(0);
        if in_cart + 1 > item.on_hand {
            message.set(Some(format!("Only {} of {} in stock.", item.on_hand, item.name)));
            return;
        }
        if receipt.with_untracked(Option::is_some) {
            receipt.set(None);
        }
        cart.update(|c| match c.iter_mut().find(|x| x.item.id == item.id) {
            Some(line) => line.quantity += 1,
            None => c.push(CartItem {
                item,
                quantity: 1,
                discount: 0,
            }),
        });
        query.set(String::new());
        refocus();
    };
    let change_qty = move |id: Uuid, delta: i64| {
        message.set(None);
        cart.update(|c| {
            if let Some(line) = c.iter_mut().find(|x| x.item.id == id) {
                let wanted = line.quantity + delta;
                if wanted > line.item.on_hand {
                    message.set(Some(format!(
                        "Only {} of {} in stock.",
                        line.item.on_hand, line.item.name
                    )));
                } else {
                    line.quantity = wanted;
                }
            }
            c.retain(|x| x.quantity > 0);
        });
        refocus();
    };
    // Enter in the search box: a scanned barcode or the first match goes in.
    let on_search_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            let q = query.get_untracked();
            if q.trim().is_empty() {
                return;
            }
            leptos::task::spawn_local(async move {
                match pos_search(q.clone(), 8).await {
                    Ok(items) => match items.into_iter().next() {
                        Some(item) => add(item),
                        None => message.set(Some(format!("Nothing matches “{q}”."))),
                    },
                    Err(e) => message.set(Some(e.to_string())),
                }
            });
        }
    };

    let pay = move || {
        if busy.get_untracked() {
            return;
        }
        let total = totals.get_untracked().total;
        let lines: Vec<CartLine> = cart.with_untracked(|c| cart_lines(c));
        if lines.is_empty() {
            message.set(Some("The cart is empty.".into()));
            return;
        }
        if totals_checked.get_untracked().is_none() {
            message.set(Some("A discount is more than what it applies to.".into()));
            return;
        }
        let card_amount = match card.get_untracked().trim() {
            "" => 0,
            text => match cur.parse(text) {
                Ok(v) => v,
                Err(e) => return message.set(Some(format!("Card: {e}"))),
            },
        };
        if card_amount > total {
            return message.set(Some("The card amount is more than the total.".into()));
        }
        let cash_due = total - card_amount;
        let mut payments = Vec::new();
        if card_amount > 0 {
            payments.push(PaymentInput {
                method: PaymentMethod::Card,
                amount: card_amount,
                tendered: None,
            });
        }
        if cash_due > 0 {
            let handed = match tendered.get_untracked().trim() {
                "" => cash_due,
                text => match cur.parse(text) {
                    Ok(v) => v,
                    Err(e) => return message.set(Some(format!("Cash: {e}"))),
                },
            };
            if handed < cash_due {
                return message.set(Some(format!(
                    "The cash handed over is less than {}.",
                    cur.money(cash_due)
                )));
            }
            payments.push(PaymentInput {
                method: PaymentMethod::Cash,
                amount: cash_due,
                tendered: Some(handed),
            });
        }
        let sale = SaleInput {
            idempotency_key: key.get_untracked(),
            customer_id: Uuid::parse_str(&customer.get_untracked()).ok(),
            lines,
            bill_discount: bill_discount_minor.get_untracked(),
            payments,
        };
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            // A lost answer is retried with the same key: never a second bill.
            match finalize_sale(sale).await {
                Ok(bill) => {
                    // The till is ready for the next scan at once: the sale is
                    // cleared and the search box has the focus, while the
                    // receipt stays on screen to print.
                    clear_sale();
                    receipt.set(Some(bill));
                }
                Err(e) => message.set(Some(format!("{e} Press Pay again to retry safely."))),
            }
            busy.set(false);
            refocus();
        });
    };
    let park = move |_| {
        let lines: Vec<CartLine> = cart.with_untracked(|c| cart_lines(c));
        if lines.is_empty() {
            return;
        }
        let customer_id = Uuid::parse_str(&customer.get_untracked()).ok();
        let discount = bill_discount_minor.get_untracked();
        leptos::task::spawn_local(async move {
            match park_sale(lines, discount, customer_id).await {
                Ok(_) => {
                    cart.set(Vec::new());
                    bill_discount.set(String::new());
                    customer.set(String::new());
                    key.set(new_key());
                    message.set(Some("Sale parked.".into()));
                    drafts_version.update(|v| *v += 1);
                }
                Err(e) => message.set(Some(e.to_string())),
            }
            refocus();
        });
    };
    let resume = move |id: Uuid| {
        if !cart.with_untracked(Vec::is_empty) {
            message.set(Some("Finish or park the current sale first.".into()));
            return;
        }
        leptos::task::spawn_local(async move {
            match resume_draft(id).await {
                Ok(sale) => {
                    cart.set(
                        sale.lines
                            .into_iter()
                            .map(|l| CartItem {
                                item: l.item,
                                quantity: l.quantity,
                                discount: l.line_discount,
                            })
                            .collect(),
                    );
                    bill_discount.set(if sale.bill_discount > 0 {
                        cur.amount(sale.bill_discount)
                    } else {
                        String::new()
                    });
                    customer.set(sale.customer_id.map(|c| c.to_string()).unwrap_or_default());
                    key.set(new_key());
                    message.set(None);
                }
                Err(e) => message.set(Some(e.to_string())),
            }
            drafts_version.update(|v| *v += 1);
            refocus();
        });
    };

    let change_due = move || {
        let total = totals.get().total;
        let card_amount = cur.parse(&card.get()).unwrap_or(0);
        let cash_due = (total - card_amount).max(0);
        cur.parse(&tendered.get())
            .ok()
            .map(|handed| handed - cash_due)
            .filter(|c| *c >= 0)
    };

    view! {
        <div class="grid grid-cols-1 gap-6 md:grid-cols-5" data-hydrated=move || hydrated.get().to_string()>
            <section class="space-y-3 md:col-span-3">
                <div class="flex items-center justify-between gap-3">
                    <h1 class="text-xl font-bold tracking-tight">"Till"</h1>
                    <p class="text-right text-xs" data-testid="live">
                        {move || if live.get() {
                            view! { <span class="text-emerald-700">"● Live stock"</span> }.into_any()
                        } else {
                            view! { <span class="text-slate-500">"○ Connecting…"</span> }.into_any()
                        }}
                    </p>
                </div>
                <input
                    node_ref=search_input
                    type="search"
                    autocomplete="off"
                    placeholder="Scan a barcode or type a name or SKU, then Enter"
                    aria-label="Find item"
                    data-testid="pos-search"
                    class="w-full rounded-lg border border-slate-300 bg-white px-4 py-3 text-lg shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=on_search_key
                />
                {move || message.get().map(|m| view! {
                    <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">{m}</p>
                })}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok(items) => view! {
                                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="pos-results">
                                    {items.into_iter().map(|item| {
                                        let shown = item.clone();
                                        let (id, base) = (item.id, item.on_hand);
                                        let on_hand = move || live_stock.with(|m| m.get(&id).copied()).unwrap_or(base);
                                        let out = move || on_hand() <= 0;
                                        view! {
                                            <li>
                                                <button
                                                    class="flex min-h-12 w-full items-center justify-between gap-3 px-4 py-3 text-left hover:bg-indigo-50 disabled:opacity-50 md:py-2"
                                                    disabled=out
                                                    on:click=move |_| add(item.clone())
                                                >
                                                    <span>
                                                        <span class="font-medium">{shown.name.clone()}</span>
                                                        <span class="ml-2 font-mono text-xs text-slate-500">{shown.sku.clone()}</span>
                                                    </span>
                                                    <span class="flex items-center gap-3 text-sm">
                                                        <span class="text-slate-500" class:text-red-700=out data-testid="pos-stock">
                                                            {move || if out() { "Out of stock".to_string() } else { format!("{} in stock", on_hand()) }}
                                                        </span>
                                                        <span class="font-semibold tabular-nums">{cur.money(shown.unit_price)}</span>
                                                    </span>
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section class="space-y-3 md:col-span-2">
                {move || match receipt.get().filter(|_| cart.with(Vec::is_empty)) {
                    Some(bill) => view! { <Receipt bill cur new_sale /> }.into_any(),
                    None => view! {
                        <Show when=move || drafts.with(|d| !d.is_empty())>
                            <div class="rounded-lg border border-amber-200 bg-amber-50 p-2 text-sm" data-testid="parked">
                                <p class="px-2 pb-1 font-semibold text-amber-900">"Parked sales"</p>
                                <For each=move || drafts.get() key=|d| d.id let:d>
                                    <button
                                        class="flex w-full justify-between rounded px-2 py-1 text-left hover:bg-amber-100"
                                        on:click=move |_| resume(d.id)
                                    >
                                        <span>{format!("{} · {} line(s){}", d.parked_at, d.lines, d.customer.clone().map(|c| format!(" · {c}")).unwrap_or_default())}</span>
                                        <span class="tabular-nums">{cur.money(d.total)}</span>
                                    </button>
                                </For>
                            </div>
                        </Show>
                        <div class="rounded-lg border border-slate-200 bg-white">
                            <h2 class="border-b border-slate-200 px-4 py-2 font-semibold">"Sale"</h2>
                            <ul class="divide-y divide-slate-100" data-testid="cart">
                                {move || cart.get().into_iter().map(|line| {
                                    let id = line.item.id;
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
                                            <span class="w-full">{line.item.name.clone()}</span>
                                            <span class="flex items-center gap-1">
                                                <button aria-label="One less" class="h-10 w-10 rounded border border-slate-300 hover:bg-slate-100 md:h-7 md:w-7" on:click=move |_| change_qty(id, -1)>"−"</button>
                                                <span class="w-8 text-center tabular-nums" data-testid="cart-qty">{line.quantity}</span>
                                                <button aria-label="One more" class="h-10 w-10 rounded border border-slate-300 hover:bg-slate-100 md:h-7 md:w-7" on:click=move |_| change_qty(id, 1)>"+"</button>
                                            </span>
                                            <input
                                                aria-label=format!("Discount on {}", line.item.name)
                                                placeholder="disc."
                                                value={ if line.discount > 0 { cur.amount(line.discount) } else { String::new() } }
                                                class="h-10 w-16 rounded border border-slate-300 px-1 text-right text-xs md:h-auto"
                                                on:change=move |ev| {
                                                    let text = event_target_value(&ev);
                                                    match cur.parse(if text.trim().is_empty() { "0" } else { &text }) {
                                                        Ok(minor) => cart.update(|c| {
                                                            if let Some(l) = c.iter_mut().find(|x| x.item.id == id) {
                                                                l.discount = minor;
                                                            }
                                                        }),
                                                        Err(e) => message.set(Some(format!("Discount: {e}"))),
                                                    }
                                                }
                                            />
                                            <span class="w-20 text-right tabular-nums">{cur.money(line.item.unit_price * line.quantity - line.discount)}</span>
                                            <button aria-label="Remove" class="h-10 w-10 text-slate-500 hover:text-red-700 md:h-auto md:w-auto" on:click=move |_| change_qty(id, -line.quantity)>"✕"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <dl class="space-y-1 border-t border-slate-200 px-4 py-3 text-sm">
                                <div class="flex items-center justify-between text-slate-600">
                                    <dt>"Bill discount"</dt>
                                    <dd>
                                        <input
                                            aria-label="Bill discount"
                                            placeholder=cur.amount(0)
                                            class="w-24 rounded border border-slate-200 px-1 text-right"
                                            prop:value=move || bill_discount.get()
                                            on:change=move |ev| bill_discount.set(event_target_value(&ev))
                                        />
                                    </dd>
                                </div>
                                <div class="flex justify-between text-slate-600"><dt>"Discount"</dt><dd class="tabular-nums" data-testid="pos-discount">{move || cur.money(totals.get().discount)}</dd></div>
                                <div class="flex justify-between text-slate-600"><dt>"Tax"</dt><dd class="tabular-nums">{move || cur.money(totals.get().tax)}</dd></div>
                                <div class="flex justify-between text-lg font-bold"><dt>"Total"</dt><dd class="tabular-nums" data-testid="pos-total">{move || cur.money(totals.get().total)}</dd></div>
                            </dl>
                        </div>
                        <div class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                            <label class="flex items-center justify-between gap-2 text-sm">
                                "Customer"
                                <select
                                    aria-label="Customer"
                                    class="w-48 rounded-md border border-slate-300 px-2 py-1"
                                    prop:value=move || customer.get()
                                    on:change=move |ev| customer.set(event_target_value(&ev))
                                >
                                    <option value="">"Walk-in"</option>
                                    <For each=move || customers.get() key=|c| c.id let:c>
                                        <option value=c.id.to_string()>{c.name}</option>
                                    </For>
                                </select>
                            </label>
                            <label class="flex items-center justify-between gap-2 text-sm">
                                "Card"
                                <input
                                    aria-label="Card amount"
                                    placeholder=cur.amount(0)
                                    class="w-32 rounded-md border border-slate-300 px-2 py-1 text-right"
                                    prop:value=move || card.get()
                                    on:input=move |ev| card.set(event_target_value(&ev))
                                />
                            </label>
                            <label class="flex items-center justify-between gap-2 text-sm">
                                "Cash handed over"
                                <input
                                    aria-label="Cash handed over"
                                    placeholder="exact"
                                    class="w-32 rounded-md border border-slate-300 px-2 py-1 text-right"
                                    prop:value=move || tendered.get()
                                    on:input=move |ev| tendered.set(event_target_value(&ev))
                                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { pay() }
                                />
                            </label>
                            <p class="flex justify-between text-sm text-slate-600">
                                "Change"
                                <span class="font-semibold tabular-nums" data-testid="pos-change">{move || change_due().map(|c| cur.money(c)).unwrap_or_else(|| "—".into())}</span>
                            </p>
                            <button
                                class="min-h-14 w-full rounded-md bg-emerald-700 px-4 py-3 text-lg font-bold text-white hover:bg-emerald-800 disabled:opacity-50"
                                disabled=move || busy.get() || cart.with(Vec::is_empty)
                                on:click=move |_| pay()
                            >
                                {move || if busy.get() { "Paying…" } else { "Pay" }}
                            </button>
                            <button
                                class="min-h-11 w-full rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 disabled:opacity-50"
                                disabled=move || busy.get() || cart.with(Vec::is_empty)
                                on:click=park
                            >
                                "Park sale"
                            </button>
                        </div>
                    }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn Receipt(
    bill: BillView,
    cur: Currency,
    new_sale: impl Fn(leptos::ev::MouseEvent) + 'static + Send + Sync + Clone,
) -> impl IntoView {
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="receipt" data-receipt="" data-paper=bill.receipt_paper.as_str()>
            <p class="text-center font-semibold">{bill.business.clone()}</p>
            {(!bill.receipt_header.is_empty()).then(|| view! {
                <p class="whitespace-pre-line text-center text-xs text-slate-600" data-testid="receipt-header">{bill.receipt_header.clone()}</p>
            })}
            <p class="text-center text-slate-500">
                <span data-testid="bill-number">{bill.number.clone()}</span>" · "{bill.finalized_at.clone()}
            </p>
            <ul class="my-3 divide-y divide-dashed divide-slate-200">
                {bill.lines.iter().map(|l| view! {
                    <li class="py-1">
                        <p class="flex justify-between">
                            <span>{format!("{} × {}", l.quantity, l.name)}</span>
                            <span class="tabular-nums">{cur.money(l.unit_price * l.quantity)}</span>
                        </p>
                        {(l.line_discount > 0).then(|| view! {
                            <p class="flex justify-between pl-4 text-slate-600" data-testid="receipt-line-discount">
                                <span>"Discount"</span>
                                <span class="tabular-nums">{format!("−{}", cur.money(l.line_discount))}</span>
                            </p>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            {(bill.bill_discount() > 0).then(|| view! {
                <p class="flex justify-between text-slate-600" data-testid="receipt-bill-discount">
                    <span>"Bill discount"</span>
                    <span class="tabular-nums">{format!("−{}", cur.money(bill.bill_discount()))}</span>
                </p>
            })}
            <p class="flex justify-between text-slate-600"><span>"Tax"</span><span class="tabular-nums">{cur.money(bill.tax)}</span></p>
            <p class="flex justify-between text-base font-bold"><span>"Total"</span><span class="tabular-nums">{cur.money(bill.total)}</span></p>
            {bill.payments.iter().map(|p| view! {
                <p class="flex justify-between text-slate-600">
                    <span>{format!("Paid by {}", p.method.as_str())}</span>
                    <span class="tabular-nums">{cur.money(p.tendered)}</span>
                </p>
            }).collect_view()}
            <p class="flex justify-between font-semibold"><span>"Change"</span><span class="tabular-nums" data-testid="receipt-change">{cur.money(bill.change)}</span></p>
            {(!bill.receipt_footer.is_empty()).then(|| view! {
                <p class="mt-3 whitespace-pre-line text-center text-xs text-slate-600" data-testid="receipt-footer">{bill.receipt_footer.clone()}</p>
            })}
            <div class="mt-4 flex gap-2 print:hidden">
                <button class="flex-1 rounded-md border border-slate-300 px-3 py-2 hover:bg-slate-100" on:click=print>"Print"</button>
                <button class="flex-1 rounded-md bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-700" on:click=new_sale.clone()>"New sale"</button>
            </div>
        </div>
    }
}

/// Listens to this tenant's event stream and keeps `live_stock` current. The
/// browser's EventSource reconnects by itself; after a reconnect (or when the
/// server says we fell behind) the shown results are reloaded.
#[cfg(feature = "hydrate")]
fn subscribe_to_stock(
    live_stock: RwSignal<std::collections::HashMap<Uuid, i64>>,
    live: RwSignal<bool>,
    reload: impl Fn() + 'static,
) {
    use wasm_bindgen::{closure::Closure, JsCast};

    #[derive(serde::Deserialize)]
    struct StockChange {
        product_id: Uuid,
        on_hand: i64,
    }
    #[derive(serde::Deserialize)]
    struct Update {
        kind: String,
        #[serde(default)]
        products: Vec<StockChange>,
    }

    let Ok(source) = web_sys::EventSource::new("/api/events") else {
        return;
    };
    let reload = std::rc::Rc::new(reload);
    let on_update = {
        let reload = reload.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else { return };
            match serde_json::from_str::<Update>(&text) {
                Ok(update) if update.kind == "stock" => live_stock.update(|m| {
                    for change in update.products {
                        m.insert(change.product_id, change.on_hand);
                    }
                }),
                Ok(_) => reload(),
                Err(_) => {}
            }
        })
    };
    let on_open = Closure::<dyn Fn()>::new(move || {
        live.set(true);
        reload();
    });
    let on_error = Closure::<dyn Fn()>::new(move || live.set(false));
    let _ = source.add_event_listener_with_callback("update", on_update.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_update.forget();
    on_open.forget();
    on_error.forget();
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}

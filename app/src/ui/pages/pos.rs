//! `/pos`: the till. Hydrated and keyboard-first: the search box always gets the
//! focus back; a barcode scanner (digits then Enter) adds the item; totals are
//! computed by the same `pricing` code the server finalizes with.
use leptos::{html, prelude::*};
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    api::{
        pos::{finalize_sale, list_drafts, load_pos_settings, park_sale, pos_search, resume_draft},
        shifts::{list_tills, open_shift},
    },
    error::AppError,
    model::{
        BillView, CartLine, ManagerApproval, PaymentInput, PaymentMethod, PinAction, PosItem, PosSettings,
        SaleInput, TillView, UserView,
    },
    pricing::{bill_totals, BillTotals, Currency, LineInput},
    ui::{
        components::{
            customer_picker::{step, CustomerPicker},
            till_people::{PinApprove, TillPeople},
        },
        offline::{
            provisional::{RungLine, RungSale},
            status::OfflineStatus,
            unreachable, OfflineTill,
        },
        pages::member_only::MemberOnly,
    },
};

#[component]
pub fn PosPage() -> impl IntoView {
    view! {
        <Title text="Till · Shopfloor" />
        <MemberOnly children=|ctx| {
            // Switching cashiers waits until this member's offline sales are
            // sent (the server records the sender as their cashier).
            let blocked = RwSignal::new(None::<String>);
            provide_context(SwitchBlocked(blocked));
            match ctx.user.clone() {
                Some(user) => view! {
                    <TillPeople user=ctx.user blocked=blocked.into() />
                    <Till user />
                }.into_any(),
                None => ().into_any(),
            }
        } />
    }
}

/// Set while the cashier switch must wait (see `PosPage`).
#[derive(Clone, Copy)]
struct SwitchBlocked(RwSignal<Option<String>>);

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

/// A quantity typed before a code, `3*` then the scan: the quantity and the
/// rest of the query. No quantity (or a malformed one): the query as typed.
fn split_quantity(query: &str) -> (Option<i64>, &str) {
    if let Some((n, rest)) = query.trim_start().split_once('*') {
        let n = n.trim();
        if (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = n.parse::<i64>() {
                if n > 0 {
                    return (Some(n), rest.trim_start());
                }
            }
        }
    }
    (None, query)
}

/// What the cashier reads when Pay fails: a retry is suggested only where it
/// can help (the request or its answer was lost, or the server failed); a
/// refusal says what to do instead, since paying again would be refused again.
fn pay_failure(e: &AppError) -> String {
    if e.is_retryable() {
        return format!("{e} Press Pay again to retry safely: the sale is never recorded twice.");
    }
    match e {
        AppError::Conflict(m) if m.contains(" in stock") => {
            format!("{m} Lower the quantity or remove the item, then pay.")
        }
        AppError::Forbidden => format!("{e} Ask a manager to finish this sale."),
        AppError::Conflict(m) if m.starts_with("Open a shift") => "This till's shift was closed meanwhile. \
            Park the sale (F10) to keep it, then reload the till page to open a new shift."
            .into(),
        _ => e.to_string(),
    }
}

/// Items for a query: from the server, or from the till's cached catalog
/// when the server cannot be reached (the till then sells offline).
async fn find_items(offline: OfflineTill, query: String) -> Result<Vec<PosItem>, AppError> {
    if !offline.online.get_untracked() {
        return Ok(offline.search(&query, 8));
    }
    match pos_search(query.clone(), 8).await {
        Err(e) if unreachable(&e) => {
            offline.went_offline();
            Ok(offline.search(&query, 8))
        }
        other => other,
    }
}

/// The till's keyboard shortcuts: function keys, so they never clash with
/// typing in the search box or a scanner (F1, F5, F6, F11 and F12 are left to
/// the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shortcut {
    NewSale,
    Customer,
    Discount,
    Card,
    Cash,
    Pay,
    Park,
}

impl Shortcut {
    fn of_key(key: &str) -> Option<Self> {
        Some(match key {
            "F2" => Shortcut::NewSale,
            "F3" => Shortcut::Customer,
            "F4" => Shortcut::Discount,
            "F7" => Shortcut::Card,
            "F8" => Shortcut::Cash,
            "F9" => Shortcut::Pay,
            "F10" => Shortcut::Park,
            _ => return None,
        })
    }
}

/// Blurs the focused field so a value typed but not yet committed (a line
/// discount commits on change) counts before a shortcut acts.
fn commit_focused_field() {
    use leptos::wasm_bindgen::JsCast;
    if let Some(field) = document()
        .active_element()
        .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = field.blur();
    }
}

#[component]
fn Till(user: UserView) -> impl IntoView {
    let user = StoredValue::new(user);
    let settings = Resource::new(|| (), |_| load_pos_settings());
    // Reloaded after a shift is opened here.
    let tills_version = RwSignal::new(0u32);
    let tills = Resource::new(move || tills_version.get(), |_| list_tills(false));
    // The till chosen in this browser (None: the oldest active one).
    let chosen = RwSignal::new(None::<Uuid>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(id) = crate::ui::components::remembered_till::remembered() {
            chosen.set(Some(id));
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Opening the till…"</p> }>
            {move || Suspend::new(async move {
                match (settings.await, tills.await) {
                    (Ok(settings), Ok(tills)) => {
                        view! { <TillGate settings tills chosen tills_version user=user.get_value() /> }.into_any()
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A business without tills sells as it always did. With tills, the till
/// page sells on one (the one this browser remembers, else the oldest active
/// one), and only while it has an open shift: otherwise it asks for the
/// float and opens one.
#[component]
fn TillGate(
    settings: PosSettings,
    tills: Vec<TillView>,
    chosen: RwSignal<Option<Uuid>>,
    tills_version: RwSignal<u32>,
    user: UserView,
) -> impl IntoView {
    if tills.is_empty() {
        return view! { <TillScreen settings till_id=None user /> }.into_any();
    }
    let user = StoredValue::new(user);
    let tills = StoredValue::new(tills);
    let settings = StoredValue::new(settings);
    let current = Memo::new(move |_| {
        let wanted = chosen.get();
        tills.with_value(|tills| {
            tills
                .iter()
                .find(|t| Some(t.id) == wanted)
                .or_else(|| tills.first())
                .map(|t| t.id)
        })
    });
    // Buttons rather than a select: the till's search results are the
    // page's only options (a listbox).
    let picker = move || {
        (tills.with_value(Vec::len) > 1).then(|| {
            view! {
                <div role="group" aria-label="Selling on till" data-testid="till-picker" class="flex flex-wrap items-center gap-1">
                    <span class="text-slate-700">"Till:"</span>
                    {tills.with_value(|tills| {
                        tills
                            .iter()
                            .map(|t| {
                                let id = t.id;
                                view! {
                                    <button
                                        type="button"
                                        class=move || {
                                            if current.get() == Some(id) {
                                                "rounded border border-slate-900 bg-slate-900 px-2 py-0.5 text-white"
                                            } else {
                                                "rounded border border-slate-300 bg-white px-2 py-0.5"
                                            }
                                        }
                                        aria-pressed=move || (current.get() == Some(id)).to_string()
                                        on:click=move |_| {
                                            crate::ui::components::remembered_till::remember(id);
                                            chosen.set(Some(id));
                                        }
                                    >
                                        {t.name.clone()}
                                    </button>
                                }
                            })
                            .collect_view()
                    })}
                </div>
            }
        })
    };
    view! {
        <div class="space-y-3">
            <div class="flex flex-wrap items-center gap-3 text-sm text-slate-600" data-testid="till-bar">
                {picker}
                {move || {
                    let id = current.get();
                    tills.with_value(|tills| {
                        tills.iter().find(|t| Some(t.id) == id).map(|t| match &t.open_shift {
                            Some(shift) => format!(
                                "{}: shift open since {} ({})",
                                t.name, shift.opened_at, shift.cashier
                            ),
                            None => format!("{}: no open shift", t.name),
                        })
                    })
                }}
                <a href="/shifts" class="text-indigo-700 underline">"Shifts"</a>
            </div>
            {move || {
                let id = current.get();
                let till = tills.with_value(|tills| tills.iter().find(|t| Some(t.id) == id).cloned());
                match till {
                    Some(till) if till.open_shift.is_some() => {
                        view! { <TillScreen settings=settings.get_value() till_id=Some(till.id) user=user.get_value() /> }.into_any()
                    }
                    Some(till) => {
                        view! { <OpenShiftForm settings=settings.get_value() till tills_version /> }.into_any()
                    }
                    None => view! { <p>"No till."</p> }.into_any(),
                }
            }}
        </div>
    }
    .into_any()
}

/// Opens a shift on a till: the float counted into the drawer, typed like
/// any amount on the till (`100`, `100.00`, `100,00`), Enter to open.
#[component]
fn OpenShiftForm(settings: PosSettings, till: TillView, tills_version: RwSignal<u32>) -> impl IntoView {
    let cur = Currency::new(&settings.currency);
    let float = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    let input: NodeRef<html::Input> = NodeRef::new();
    Effect::new(move |_| {
        hydrated.set(true);
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    });
    let till_id = till.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = float.get_untracked();
        if let Err(e) = cur.parse(&text) {
            message.set(Some(format!("Float: {e}")));
            return;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            match open_shift(till_id, text).await {
                Ok(_) => tills_version.update(|v| *v += 1),
                Err(e) => message.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <form
            on:submit=submit
            data-testid="open-shift-form"
            data-hydrated=move || hydrated.get().to_string()
            class="max-w-md space-y-3 rounded-lg border border-slate-200 bg-white p-4"
        >
            <h2 class="text-lg font-semibold">{format!("Open a shift on {}", till.name)}</h2>
            <p class="text-sm text-slate-600">
                "This till has no open shift. Count the cash in the drawer, type it as the float and press Enter."
            </p>
            <label class="block text-sm">
                "Opening float"
                <input
                    node_ref=input
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    data-testid="shift-float"
                    class="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
                    prop:value=move || float.get()
                    on:input=move |ev| float.set(event_target_value(&ev))
                />
            </label>
            <button
                type="submit"
                class="rounded bg-slate-900 px-3 py-2 text-sm font-medium text-white disabled:opacity-50"
                disabled=move || busy.get()
            >
                "Open shift"
            </button>
            {move || message.get().map(|m| view! { <p role="alert" class="text-sm text-red-700">{m}</p> })}
        </form>
    }
}

#[component]
fn TillScreen(settings: PosSettings, till_id: Option<Uuid>, user: UserView) -> impl IntoView {
    // Selling goes on without the server: see `ui::offline`.
    let offline = OfflineTill::new(till_id, user.id);
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            offline.start();
        }
    });
    if let Some(SwitchBlocked(blocked)) = use_context::<SwitchBlocked>() {
        Effect::new(move |_| {
            blocked.set((offline.pending() > 0).then(|| {
                "Send the sales made offline first (the till sends them by itself once the network is back)."
                    .to_string()
            }));
        });
    }
    // The receipt names the cashier as the server does (their email).
    let cashier = StoredValue::new(user.email.clone());
    let may_give_large_discounts = user
        .role
        .is_some_and(|r| crate::permissions::allows(r, crate::permissions::Permission::GiveLargeDiscount));
    // Every amount on the till is shown and read in the business's currency.
    let cur = Currency::new(&settings.currency);
    let search_input: NodeRef<html::Input> = NodeRef::new();
    let card_input: NodeRef<html::Input> = NodeRef::new();
    let cash_input: NodeRef<html::Input> = NodeRef::new();
    let discount_input: NodeRef<html::Input> = NodeRef::new();
    let customer_input: NodeRef<html::Input> = NodeRef::new();
    let qty_input: NodeRef<html::Input> = NodeRef::new();
    let approver_input: NodeRef<html::Input> = NodeRef::new();
    let query = RwSignal::new(String::new());
    // The search result the arrow keys highlight (Enter adds it).
    let highlight = RwSignal::new(None::<usize>);
    let cart = RwSignal::new(Vec::<CartItem>::new());
    let message = RwSignal::new(None::<String>);
    let key = RwSignal::new(new_key());
    let card = RwSignal::new(String::new());
    let tendered = RwSignal::new(String::new());
    let receipt = RwSignal::new(None::<BillView>);
    let customer = RwSignal::new(String::new());
    let customer_name = RwSignal::new(String::new());
    // The cart line whose quantity is being typed.
    let editing = RwSignal::new(None::<Uuid>);
    // A manager's approval for a discount above the cashier's limit.
    let approval_open = RwSignal::new(false);
    let approver_email = RwSignal::new(String::new());
    let approver_password = RwSignal::new(String::new());
    // "New sale" pressed once on a cart with items: the next press empties it.
    let confirm_clear = RwSignal::new(false);
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
    let focus = move |input: NodeRef<html::Input>| {
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    };
    // The quantity box of the line being edited takes the focus when it appears.
    Effect::new(move |_| {
        if editing.get().is_some() {
            if let Some(input) = qty_input.get() {
                let _ = input.focus();
                input.select();
            }
        }
    });
    // The approval's email box takes the focus when it appears.
    Effect::new(move |_| {
        if approval_open.get() {
            if let Some(input) = approver_input.get() {
                let _ = input.focus();
            }
        }
    });
    // The search runs on what follows a typed quantity (`3*` then the code).
    let results = Resource::new(
        move || {
            (
                split_quantity(&query.get()).1.trim().to_owned(),
                offline.online.get(),
            )
        },
        move |(q, _)| async move {
            if q.is_empty() {
                Ok(Vec::new())
            } else {
                find_items(offline, q).await
            }
        },
    );
    let shown_results = move || results.get_untracked().and_then(Result::ok).unwrap_or_default();
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

    let close_approval = move || {
        approval_open.set(false);
        approver_email.set(String::new());
        approver_password.set(String::new());
    };
    // An empty sale with a fresh key; the last receipt (if any) stays shown
    // until the first item of the next sale goes in.
    let clear_sale = move || {
        cart.set(Vec::new());
        card.set(String::new());
        tendered.set(String::new());
        customer.set(String::new());
        customer_name.set(String::new());
        bill_discount.set(String::new());
        editing.set(None);
        close_approval();
        key.set(new_key());
    };
    // New sale (F2): at once when the cart is empty (after a receipt);
    // with items in the cart, only when asked twice.
    let start_new_sale = move || {
        if cart.with_untracked(Vec::is_empty) || confirm_clear.get_untracked() {
            confirm_clear.set(false);
            clear_sale();
            receipt.set(None);
            message.set(None);
        } else {
            confirm_clear.set(true);
            message.set(Some(
                "This sale has items. Press New sale (F2) again to empty it, or Park (F10) to keep it."
                    .into(),
            ));
        }
        refocus();
    };
    let new_sale = move |_| start_new_sale();

    let add = move |item: PosItem, quantity: i64| {
        message.set(None);
        confirm_clear.set(false);
        let in_cart = cart
            .with_untracked(|c| c.iter().find(|x| x.item.id == item.id).map(|x| x.quantity))
            .unwrap_or(0);
        // Offline the cached stock may be stale, and the goods are in hand.
        if in_cart + quantity > item.on_hand && offline.online.get_untracked() {
            message.set(Some(format!("Only {} of {} in stock.", item.on_hand, item.name)));
            return;
        }
        if receipt.with_untracked(Option::is_some) {
            receipt.set(None);
        }
        cart.update(|c| match c.iter_mut().find(|x| x.item.id == item.id) {
            Some(line) => line.quantity += quantity,
            None => c.push(CartItem {
                item,
                quantity,
                discount: 0,
            }),
        });
        query.set(String::new());
        highlight.set(None);
        refocus();
    };
    // Sets a line's quantity (0 removes it); never more than is in stock.
    let set_qty = move |id: Uuid, wanted: i64| {
        message.set(None);
        cart.update(|c| {
            if let Some(line) = c.iter_mut().find(|x| x.item.id == id) {
                if wanted > line.item.on_hand && offline.online.get_untracked() {
                    message.set(Some(format!(
                        "Only {} of {} in stock.",
                        line.item.on_hand, line.item.name
                    )));
                } else {
                    line.quantity = wanted.max(0);
                }
            }
            c.retain(|x| x.quantity > 0);
        });
    };
    let change_qty = move |id: Uuid, delta: i64| {
        let now = cart
            .with_untracked(|c| c.iter().find(|x| x.item.id == id).map(|x| x.quantity))
            .unwrap_or(0);
        set_qty(id, now + delta);
        refocus();
    };
    let type_qty = move |id: Uuid, text: String| {
        editing.set(None);
        match text.trim().parse::<i64>() {
            Ok(n) if n >= 0 => set_qty(id, n),
            _ => message.set(Some("Quantity: type a whole number (0 removes the line).".into())),
        }
        refocus();
    };
    // Search box keys: arrows move through the results, Enter adds the
    // highlighted one, or else a scanned barcode / the first match (`3*`
    // before the code adds three).
    let on_search_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" | "ArrowUp" => {
            ev.prevent_default();
            let n = shown_results().len();
            if n > 0 {
                let down = ev.key() == "ArrowDown";
                highlight.update(|h| *h = Some(step(*h, n, down)));
            }
        }
        "Escape" => {
            query.set(String::new());
            highlight.set(None);
        }
        "Enter" => {
            ev.prevent_default();
            let q = query.get_untracked();
            let (quantity, code) = split_quantity(&q);
            let quantity = quantity.unwrap_or(1);
            if let Some(item) = highlight
                .get_untracked()
                .and_then(|i| shown_results().get(i).cloned())
            {
                return add(item, quantity);
            }
            let code = code.trim().to_owned();
            if code.is_empty() {
                if quantity > 1 {
                    message.set(Some(format!("Now scan or type the item to add {quantity} of.")));
                }
                return;
            }
            leptos::task::spawn_local(async move {
                match find_items(offline, code.clone()).await {
                    Ok(items) => match items.into_iter().next() {
                        Some(item) => add(item, quantity),
                        None => message.set(Some(format!("Nothing matches “{code}”."))),
                    },
                    Err(e) => message.set(Some(e.to_string())),
                }
            });
        }
        _ => {}
    };

    let pay_with = move |approval: Option<ManagerApproval>| {
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
        let discounted = totals.get_untracked().discount > 0;
        let approving = approval.is_some();
        // The same sale as the till would queue it offline (same key).
        let rung = RungSale {
            idempotency_key: sale.idempotency_key.clone(),
            till_id,
            lines: cart.with_untracked(|c| {
                c.iter()
                    .map(|x| RungLine {
                        item: x.item.clone(),
                        quantity: x.quantity,
                        discount: x.discount,
                    })
                    .collect()
            }),
            bill_discount: sale.bill_discount,
            payments: sale.payments.clone(),
        };
        let with_customer = sale.customer_id.is_some();
        let over_limit = {
            let t = totals.get_untracked();
            let limit = settings.with_value(|s| s.cashier_discount_limit_bp) as i128;
            !may_give_large_discounts && t.discount as i128 * 10_000 > t.gross as i128 * limit
        };
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            // A lost answer is retried with the same key: never a second bill.
            let answer = if offline.online.get_untracked() {
                Some(finalize_sale(sale, approval, till_id).await)
            } else {
                None
            };
            match answer {
                // No server (or its answer lost): the sale is kept on the
                // till and sent later under the same key.
                None
                | Some(Err(
                    AppError::Transport(_)
                    | AppError::Unavailable
                    | AppError::TimedOut
                    | AppError::Unconfirmed,
                )) => {
                    offline.went_offline();
                    if with_customer {
                        message.set(Some(
                            "Offline, a customer cannot be added to a sale: remove the customer (F3), \
                             or wait for the network."
                                .into(),
                        ));
                    } else if over_limit {
                        message.set(Some(
                            "Offline, a discount above the cashier limit cannot be approved: lower it, \
                             or wait for the network."
                                .into(),
                        ));
                    } else {
                        let settings = settings.get_value();
                        match offline.sell(rung, &settings, &cashier.get_value()).await {
                            Ok((queued, printed)) => {
                                clear_sale();
                                message.set(Some(format!(
                                    "Offline: the sale is kept on this till as {} and is sent when the \
                                     network is back.",
                                    queued.sale.provisional_number
                                )));
                                receipt.set(Some(printed));
                                refocus();
                            }
                            Err(e) => message.set(Some(e)),
                        }
                    }
                }
                Some(Ok(bill)) => {
                    // The till is ready for the next scan at once: the sale is
                    // cleared and the search box has the focus, while the
                    // receipt stays on screen to print.
                    clear_sale();
                    receipt.set(Some(bill));
                    if approving {
                        message.set(Some("Discount approved by the manager.".into()));
                    }
                    refocus();
                }
                Some(Err(e)) => {
                    approver_password.set(String::new());
                    message.set(Some(pay_failure(&e)));
                    // Over the cashier's limit: a manager can approve here.
                    if matches!(e, AppError::Denied(_)) && discounted {
                        // The manager's email box takes the focus once shown.
                        approval_open.set(true);
                    } else if approving && matches!(e, AppError::Invalid(_) | AppError::RateLimited) {
                        focus(approver_input);
                    } else {
                        refocus();
                    }
                }
            }
            busy.set(false);
        });
    };
    let pay = move || pay_with(None);
    let approve = move || {
        let email = approver_email.get_untracked();
        let password = approver_password.get_untracked();
        if email.trim().is_empty() || password.is_empty() {
            message.set(Some(
                "The manager types their email and password, then Approve.".into(),
            ));
            return;
        }
        pay_with(Some(ManagerApproval::Password { email, password }));
    };
    let park = move || {
        let lines: Vec<CartLine> = cart.with_untracked(|c| cart_lines(c));
        if lines.is_empty() || busy.get_untracked() {
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
                    customer_name.set(String::new());
                    close_approval();
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
                    customer_name.set(sale.customer_name.unwrap_or_default());
                    key.set(new_key());
                    message.set(None);
                }
                Err(e) => message.set(Some(e.to_string())),
            }
            drafts_version.update(|v| *v += 1);
            refocus();
        });
    };

    // The till's shortcuts (function keys: they never type into a field).
    let shortcuts = window_event_listener(leptos::ev::keydown, move |ev| {
        let Some(action) = Shortcut::of_key(&ev.key()) else {
            return;
        };
        ev.prevent_default();
        // A field being typed in keeps what was typed (its change event).
        commit_focused_field();
        match action {
            Shortcut::NewSale => start_new_sale(),
            Shortcut::Customer => focus(customer_input),
            Shortcut::Discount => focus(discount_input),
            Shortcut::Card => {
                let total = totals.get_untracked().total;
                if card.with_untracked(|c| c.trim().is_empty()) && total > 0 {
                    card.set(cur.amount(total));
                }
                focus(card_input);
            }
            Shortcut::Cash => focus(cash_input),
            Shortcut::Pay if approval_open.get_untracked() => approve(),
            Shortcut::Pay => pay(),
            Shortcut::Park => park(),
        }
    });
    on_cleanup(move || shortcuts.remove());

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
                    <p class="flex flex-col items-end text-right text-xs">
                        <span data-testid="live">
                            {move || if live.get() {
                                view! { <span class="text-emerald-700">"● Live stock"</span> }.into_any()
                            } else {
                                view! { <span class="text-slate-500">"○ Connecting…"</span> }.into_any()
                            }}
                        </span>
                        <span class="text-slate-500" data-testid="offline-cache" data-count=move || offline.cached.get().to_string()>
                            {move || format!("{} products saved for offline", offline.cached.get())}
                        </span>
                    </p>
                </div>
                <input
                    node_ref=search_input
                    type="search"
                    autocomplete="off"
                    placeholder="Scan a barcode or type a name or SKU, then Enter"
                    aria-label="Find item"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls="pos-results"
                    aria-expanded=move || (!query.with(|q| split_quantity(q).1.trim().is_empty())).to_string()
                    aria-activedescendant=move || highlight.get().map(|i| format!("pos-result-{i}"))
                    data-testid="pos-search"
                    class="w-full rounded-lg border border-slate-300 bg-white px-4 py-3 text-lg shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
                    prop:value=move || query.get()
                    on:input=move |ev| {
                        query.set(event_target_value(&ev));
                        highlight.set(None);
                    }
                    on:keydown=on_search_key
                />
                {move || query.with(|q| split_quantity(q).0).map(|n| view! {
                    <p class="text-sm text-slate-600" data-testid="pos-qty-pending">{format!("Adding {n} of the next item: scan or type it, then Enter.")}</p>
                })}
                <OfflineStatus offline />
                {move || message.get().map(|m| view! {
                    <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">{m}</p>
                })}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok(items) if items.is_empty() => view! { <div id="pos-results" data-testid="pos-results"></div> }.into_any(),
                            Ok(items) => view! {
                                <ul id="pos-results" role="listbox" aria-label="Items found" class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="pos-results">
                                    {items.into_iter().enumerate().map(|(i, item)| {
                                        let shown = item.clone();
                                        let (id, base) = (item.id, item.on_hand);
                                        let on_hand = move || live_stock.with(|m| m.get(&id).copied()).unwrap_or(base);
                                        let out = move || on_hand() <= 0;
                                        view! {
                                            <li
                                                id=format!("pos-result-{i}")
                                                role="option"
                                                aria-selected=move || (highlight.get() == Some(i)).to_string()
                                                aria-disabled=move || out().then_some("true")
                                                class="flex min-h-12 w-full cursor-pointer items-center justify-between gap-3 px-4 py-3 text-left hover:bg-indigo-50 md:py-2"
                                                class:bg-indigo-100=move || highlight.get() == Some(i)
                                                class:opacity-50=out
                                                on:mousedown=|ev| ev.prevent_default()
                                                on:click=move |_| {
                                                    if !out() {
                                                        add(item.clone(), split_quantity(&query.get_untracked()).0.unwrap_or(1));
                                                    }
                                                }
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
                    Some(bill) => view! { <Receipt bill cur new_sale offline /> }.into_any(),
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
                            <div class="flex items-center justify-between border-b border-slate-200 px-4 py-2">
                                <h2 class="font-semibold">"Sale"</h2>
                                <button
                                    type="button"
                                    aria-keyshortcuts="F2"
                                    class="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 disabled:opacity-50"
                                    disabled=move || cart.with(Vec::is_empty)
                                    on:click=move |_| start_new_sale()
                                >
                                    "New sale " <kbd>"F2"</kbd>
                                </button>
                            </div>
                            <ul class="divide-y divide-slate-100" data-testid="cart">
                                {move || cart.get().into_iter().map(|line| {
                                    let id = line.item.id;
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
                                            <span class="w-full">{line.item.name.clone()}</span>
                                            <span class="flex items-center gap-1">
                                                <button aria-label="One less" class="h-10 w-10 rounded border border-slate-300 hover:bg-slate-100 md:h-7 md:w-7" on:click=move |_| change_qty(id, -1)>"−"</button>
                                                {
                                                    let name = line.item.name.clone();
                                                    let quantity = line.quantity;
                                                    move || if editing.get() == Some(id) {
                                                        view! {
                                                            <input
                                                                node_ref=qty_input
                                                                inputmode="numeric"
                                                                aria-label=format!("Quantity of {name}")
                                                                data-testid="cart-qty-input"
                                                                class="w-12 rounded border border-indigo-400 px-1 text-center tabular-nums"
                                                                value=quantity.to_string()
                                                                on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                                                                    "Enter" => {
                                                                        ev.prevent_default();
                                                                        type_qty(id, event_target_value(&ev));
                                                                    }
                                                                    "Escape" => {
                                                                        ev.prevent_default();
                                                                        editing.set(None);
                                                                        refocus();
                                                                    }
                                                                    _ => {}
                                                                }
                                                                on:change=move |ev| type_qty(id, event_target_value(&ev))
                                                            />
                                                        }.into_any()
                                                    } else {
                                                        view! {
                                                            <button
                                                                type="button"
                                                                aria-label=format!("Quantity of {name}: {quantity}, change")
                                                                title="Type a quantity"
                                                                class="h-10 w-10 rounded text-center tabular-nums hover:bg-slate-100 md:h-auto md:w-8"
                                                                data-testid="cart-qty"
                                                                on:click=move |_| editing.set(Some(id))
                                                            >
                                                                {quantity}
                                                            </button>
                                                        }.into_any()
                                                    }
                                                }
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
                                    <dt>"Bill discount " <kbd class="text-xs">"F4"</kbd></dt>
                                    <dd>
                                        <input
                                            node_ref=discount_input
                                            aria-label="Bill discount"
                                            aria-keyshortcuts="F4"
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
                            <CustomerPicker customer name=customer_name input_ref=customer_input shortcut="F3" />
                            <label class="flex items-center justify-between gap-2 text-sm">
                                <span>"Card " <kbd class="text-xs">"F7"</kbd></span>
                                <input
                                    node_ref=card_input
                                    aria-label="Card amount"
                                    aria-keyshortcuts="F7"
                                    placeholder=cur.amount(0)
                                    class="w-32 rounded-md border border-slate-300 px-2 py-1 text-right"
                                    prop:value=move || card.get()
                                    on:input=move |ev| card.set(event_target_value(&ev))
                                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { pay() }
                                />
                            </label>
                            <label class="flex items-center justify-between gap-2 text-sm">
                                <span>"Cash handed over " <kbd class="text-xs">"F8"</kbd></span>
                                <input
                                    node_ref=cash_input
                                    aria-label="Cash handed over"
                                    aria-keyshortcuts="F8"
                                    placeholder="exact"
                                    class="w-32 rounded-md border border-slate-300 px-2 py-1 text-right"
                                    prop:value=move || tendered.get()
                                    on:input=move |ev| tendered.set(event_target_value(&ev))
                                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { pay() }
                                />
                            </label>
                            <Show when=move || approval_open.get()>
                                <div role="group" aria-labelledby="approval-title" class="space-y-2 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm" data-testid="approval">
                                    <p id="approval-title" class="font-semibold">"Manager approval"</p>
                                    <p class="text-slate-700">"A manager, an admin or the owner types their email and password (or their PIN, below) to approve this discount."</p>
                                    <input
                                        node_ref=approver_input
                                        type="email"
                                        autocomplete="off"
                                        aria-label="Manager email"
                                        placeholder="Manager email"
                                        class="w-full rounded-md border border-slate-300 px-2 py-1"
                                        prop:value=move || approver_email.get()
                                        on:input=move |ev| approver_email.set(event_target_value(&ev))
                                    />
                                    <input
                                        type="password"
                                        autocomplete="off"
                                        aria-label="Manager password"
                                        placeholder="Manager password"
                                        class="w-full rounded-md border border-slate-300 px-2 py-1"
                                        prop:value=move || approver_password.get()
                                        on:input=move |ev| approver_password.set(event_target_value(&ev))
                                        on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { approve() }
                                    />
                                    <div class="flex gap-2">
                                        <button
                                            type="button"
                                            class="flex-1 rounded-md bg-indigo-700 px-3 py-2 font-semibold text-white hover:bg-indigo-800 disabled:opacity-50"
                                            disabled=move || busy.get()
                                            on:click=move |_| approve()
                                        >
                                            "Approve and pay"
                                        </button>
                                        <button
                                            type="button"
                                            class="rounded-md border border-slate-300 bg-white px-3 py-2 hover:bg-slate-100"
                                            on:click=move |_| {
                                                close_approval();
                                                refocus();
                                            }
                                        >
                                            "Cancel"
                                        </button>
                                    </div>
                                    <PinApprove
                                        action=PinAction::Discount
                                        label="Approve and pay"
                                        disabled=busy
                                        on_approved=Callback::new(move |(token, _): (String, String)| {
                                            pay_with(Some(ManagerApproval::Token { token }))
                                        })
                                    />
                                </div>
                            </Show>
                            <p class="flex justify-between text-sm text-slate-600">
                                "Change"
                                <span class="font-semibold tabular-nums" data-testid="pos-change">{move || change_due().map(|c| cur.money(c)).unwrap_or_else(|| "—".into())}</span>
                            </p>
                            <button
                                class="min-h-14 w-full rounded-md bg-emerald-700 px-4 py-3 text-lg font-bold text-white hover:bg-emerald-800 disabled:opacity-50"
                                aria-keyshortcuts="F9"
                                disabled=move || busy.get() || cart.with(Vec::is_empty)
                                on:click=move |_| pay()
                            >
                                {move || if busy.get() { "Paying…" } else { "Pay" }}
                                " " <kbd class="text-sm font-normal">"F9"</kbd>
                            </button>
                            <button
                                class="min-h-11 w-full rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 disabled:opacity-50"
                                aria-keyshortcuts="F10"
                                disabled=move || busy.get() || cart.with(Vec::is_empty)
                                on:click=move |_| park()
                            >
                                "Park sale " <kbd class="text-xs">"F10"</kbd>
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
    offline: OfflineTill,
) -> impl IntoView {
    // A sale kept offline: its number is the till's provisional one until
    // the server has recorded it.
    let provisional = bill.id.is_nil().then(|| bill.number.clone());
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
            {bill.provisional_number.clone().filter(|_| !bill.id.is_nil()).map(|n| view! {
                <p class="text-center text-xs text-slate-600" data-testid="receipt-provisional">
                    {format!("Sold offline, provisional receipt {n}")}
                </p>
            })}
            {provisional.map(|number| view! {
                <p class="text-center text-xs text-slate-600" data-testid="receipt-provisional">
                    {move || match offline.sent.with(|m| m.iter().find(|(p, _)| *p == number).map(|(_, b)| b.clone())) {
                        Some(bill) => format!("Provisional number; recorded as bill {bill}."),
                        None => "Provisional number, made offline: the bill number follows once the till is back online."
                            .to_string(),
                    }}
                </p>
            })}
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
                <button class="flex-1 rounded-md bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-700" on:click=new_sale.clone() aria-keyshortcuts="F2">"New sale " <kbd>"F2"</kbd></button>
            </div>
            {(!bill.id.is_nil()).then(|| view! {
                <crate::ui::components::email_receipt::EmailReceiptButton bill_id=bill.id />
            })}
        </div>
    }
}

/// Listens to this tenant's event stream and keeps `live_stock` current.
/// Whenever the stream (re)opens, or the server says we fell behind, the shown
/// results are reloaded: events sent while away were missed.
#[cfg(feature = "hydrate")]
fn subscribe_to_stock(
    live_stock: RwSignal<std::collections::HashMap<Uuid, i64>>,
    live: RwSignal<bool>,
    reload: impl Fn() + 'static,
) {
    use crate::ui::components::live::{keep_stream_open, StreamEvent};

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

    keep_stream_open(move |event| match event {
        StreamEvent::Opened => {
            live.set(true);
            reload();
        }
        StreamEvent::Lost => live.set(false),
        StreamEvent::Message(text) => match serde_json::from_str::<Update>(&text) {
            Ok(update) if update.kind == "stock" => live_stock.update(|m| {
                for change in update.products {
                    m.insert(change.product_id, change.on_hand);
                }
            }),
            Ok(_) => reload(),
            Err(_) => {}
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_quantity_comes_before_the_code() {
        assert_eq!(split_quantity("3*4006381333931"), (Some(3), "4006381333931"));
        assert_eq!(split_quantity(" 12 * cola"), (Some(12), "cola"));
        assert_eq!(split_quantity("3*"), (Some(3), ""));
        assert_eq!(split_quantity("cola"), (None, "cola"));
        assert_eq!(split_quantity("0*cola"), (None, "0*cola"));
        assert_eq!(split_quantity("x*cola"), (None, "x*cola"));
        assert_eq!(split_quantity("12345*cola"), (None, "12345*cola"));
    }

    #[test]
    fn only_lost_requests_suggest_a_retry() {
        let retry = "retry";
        assert!(pay_failure(&AppError::Transport("offline".into())).contains(retry));
        assert!(pay_failure(&AppError::TimedOut).contains(retry));
        for refusal in [
            AppError::Conflict("Only 0 of X in stock.".into()),
            AppError::Denied("Discounts above 10.00 % need a manager's approval.".into()),
            AppError::Invalid("The manager's email or password is incorrect.".into()),
            AppError::Forbidden,
        ] {
            assert!(!pay_failure(&refusal).contains(retry), "{refusal:?}");
        }
        assert!(
            pay_failure(&AppError::Conflict("Only 0 of X in stock.".into())).contains("Lower the quantity")
        );
        assert!(
            pay_failure(&AppError::Conflict("Open a shift on this till first.".into()))
                .contains("Park the sale")
        );
    }

    #[test]
    fn shortcuts_are_function_keys_the_browser_does_not_need() {
        assert_eq!(Shortcut::of_key("F9"), Some(Shortcut::Pay));
        assert_eq!(Shortcut::of_key("F2"), Some(Shortcut::NewSale));
        for key in ["F1", "F5", "F6", "F11", "F12", "Enter", "3", "*"] {
            assert_eq!(Shortcut::of_key(key), None, "{key}");
        }
    }
}

//! `/products/:id`: details, edit, stock actions by role, and the movement
//! history with its running balance.
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::{
    api::catalog::{
        get_product, load_catalog_choices, stock_movements, AdjustStock, ArchiveProduct, CountStock, Restock,
        RestoreProduct, UpdateProduct,
    },
    model::{MovementView, PageContext, ProductView},
    permissions::Permission,
    ui::{
        components::{
            catalog::{ProductFields, StockBadgeView},
            form::{FormError, SubmitButton},
            layout::TableBox,
        },
        currency_of,
        pages::member_only::MemberOnly,
        role_can,
    },
};

#[component]
pub fn ProductDetailPage() -> impl IntoView {
    view! { <MemberOnly children=|ctx| view! { <ProductDetail ctx /> }.into_any() /> }
}

#[component]
fn ProductDetail(ctx: PageContext) -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let restock = ServerAction::<Restock>::new();
    let adjust = ServerAction::<AdjustStock>::new();
    let count = ServerAction::<CountStock>::new();
    let update = ServerAction::<UpdateProduct>::new();
    let archive = ServerAction::<ArchiveProduct>::new();
    let restore = ServerAction::<RestoreProduct>::new();
    // Any successful change reloads the product and its history. Changes made
    // elsewhere arrive live: a new on-hand count (a sale, another screen's
    // restock) updates the count and the history in place, so an edit in
    // progress here is not redrawn; an edit of the product elsewhere reloads it.
    let live = RwSignal::new(0u32);
    let live_stock = RwSignal::new(0u32);
    let live_on_hand = RwSignal::new(None::<i64>);
    crate::ui::components::live::on_live_update(move |update| {
        let Some(id) = id.get_untracked() else { return };
        let counted = update.products.iter().rev().find(|p| p.product_id == id);
        match counted {
            Some(change) if update.kind == "stock" => {
                live_on_hand.set(Some(change.on_hand));
                live_stock.update(|n| *n = n.wrapping_add(1));
            }
            _ if update.touches_product(id) => {
                live_on_hand.set(None);
                live.update(|n| *n = n.wrapping_add(1));
            }
            _ => {}
        }
    });
    let changes = move || {
        (
            live.get(),
            restock.version().get(),
            adjust.version().get(),
            count.version().get(),
            update.version().get(),
            archive.version().get(),
            restore.version().get(),
        )
    };
    let product = Resource::new(
        move || (id.get(), changes()),
        |(id, _)| async move {
            match id {
                Some(id) => get_product(id).await,
                None => Err(crate::error::AppError::NotFound("Product not found.".into())),
            }
        },
    );
    // A reload shows the stored count again (a live count may be older by then).
    Effect::new(move |_| {
        changes();
        live_on_hand.set(None);
    });
    let movements = Resource::new(
        move || (id.get(), changes(), live_stock.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => stock_movements(id, 100).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let choices = Resource::new(|| (), |_| load_catalog_choices());
    let can_stock = role_can(&ctx, Permission::Restock);
    let can_edit = role_can(&ctx, Permission::EditCatalog);
    let can_archive = role_can(&ctx, Permission::ArchiveCatalog);
    let cur = currency_of(&ctx);
    // Each success says what happened and clears its form.
    let state = StockFormState::new();
    Effect::new(move |_| {
        if let Some(Ok(p)) = restock.value().get() {
            // The fields are disabled while pending: they still hold what was sent.
            let added = state.quantity.get_untracked();
            state.status.set(Some(format!(
                "Added {}; on hand now {}.",
                added.trim(),
                p.on_hand
            )));
            state.quantity.set(String::new());
            state.note.set(String::new());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = adjust.value().get() {
            let delta = state.delta.get_untracked();
            state.status.set(Some(format!(
                "Adjusted by {}; on hand now {}.",
                delta.trim(),
                p.on_hand
            )));
            state.delta.set(String::new());
            state.reason.set(String::new());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = count.value().get() {
            state
                .status
                .set(Some(format!("Count recorded; on hand now {}.", p.on_hand)));
            state.counted.set(String::new());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = update.value().get() {
            state
                .status
                .set(Some(format!("Saved the changes to {}.", p.name)));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = archive.value().get() {
            state.status.set(Some(format!("{} archived.", p.name)));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = restore.value().get() {
            state.status.set(Some(format!("{} restored.", p.name)));
        }
    });
    let actions = StockActions {
        restock,
        adjust,
        count,
        update,
        archive,
        restore,
    };
    view! {
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading product…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(p) => view! {
                        <Title text=format!("{} · Shopfloor", p.name) />
                        <div class="space-y-6">
                            <ProductSummary product=p.clone() live_on_hand cur />
                            {move || state.status.get().map(|s| view! {
                                <p role="status" class="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="stock-status">{s}</p>
                            })}
                            {can_stock.then(|| view! { <StockForms product=p.clone() actions state /> })}
                            <Movements movements />
                            {can_edit.then(|| view! { <EditForm product=p.clone() choices update=actions.update /> })}
                            {can_archive.then(|| view! { <ArchiveControls product=p.clone() actions /> })}
                        </div>
                    }
                    .into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct StockActions {
    restock: ServerAction<Restock>,
    adjust: ServerAction<AdjustStock>,
    count: ServerAction<CountStock>,
    update: ServerAction<UpdateProduct>,
    archive: ServerAction<ArchiveProduct>,
    restore: ServerAction<RestoreProduct>,
}

#[component]
fn ProductSummary(
    product: ProductView,
    live_on_hand: RwSignal<Option<i64>>,
    cur: crate::pricing::Currency,
) -> impl IntoView {
    let badge = product.badge();
    view! {
        <div class="flex flex-wrap items-start justify-between gap-4">
            <div>
                <p class="font-mono text-sm text-slate-500">{product.sku.clone()}</p>
                <h1 class="text-2xl font-bold tracking-tight" data-testid="product-name">{product.name.clone()}</h1>
                <p class="text-slate-600">
                    {product.category.clone().unwrap_or_else(|| "No category".into())}
                    {product.supplier.clone().map(|s| format!(" · from {s}"))}
                    {(!product.is_active).then(|| view! { <span class="ml-2 font-semibold text-red-700">"Archived"</span> })}
                </p>
            </div>
            <div class="flex items-center gap-6 text-right">
                <div>
                    <p class="text-sm text-slate-500">"Price"</p>
                    <p class="text-xl font-semibold tabular-nums" data-testid="product-price">{cur.money(product.sale_price)}</p>
                </div>
                <div>
                    <p class="text-sm text-slate-500">{format!("On hand ({})", product.unit)}</p>
                    <p class="text-xl font-semibold tabular-nums" data-testid="on-hand">
                        {move || live_on_hand.get().unwrap_or(product.on_hand)}
                    </p>
                </div>
                <StockBadgeView badge />
            </div>
        </div>
    }
}

const SMALL_INPUT: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

/// What the stock forms hold between submissions and product reloads (the
/// forms are drawn again when the product reloads): their fields, cleared
/// after a success, and what the last change did.
#[derive(Clone, Copy)]
struct StockFormState {
    quantity: RwSignal<String>,
    note: RwSignal<String>,
    delta: RwSignal<String>,
    reason: RwSignal<String>,
    counted: RwSignal<String>,
    status: RwSignal<Option<String>>,
}

impl StockFormState {
    fn new() -> Self {
        StockFormState {
            quantity: RwSignal::new(String::new()),
            note: RwSignal::new(String::new()),
            delta: RwSignal::new(String::new()),
            reason: RwSignal::new(String::new()),
            counted: RwSignal::new(String::new()),
            status: RwSignal::new(None),
        }
    }
}

#[component]
fn StockForms(product: ProductView, actions: StockActions, state: StockFormState) -> impl IntoView {
    let id = product.id;
    // A submission while one is pending (a double click) is ignored: the
    // action's pending count is raised synchronously by `dispatch`.
    let any_pending = move || {
        actions.restock.pending().get_untracked()
            || actions.adjust.pending().get_untracked()
            || actions.count.pending().get_untracked()
    };
    let on_restock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if any_pending() {
            return;
        }
        state.status.set(None);
        actions.restock.dispatch(Restock {
            id,
            quantity: state.quantity.get_untracked(),
            note: state.note.get_untracked(),
        });
    };
    let on_adjust = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if any_pending() {
            return;
        }
        state.status.set(None);
        actions.adjust.dispatch(AdjustStock {
            id,
            delta: state.delta.get_untracked(),
            reason: state.reason.get_untracked(),
        });
    };
    let on_count = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if any_pending() {
            return;
        }
        state.status.set(None);
        actions.count.dispatch(CountStock {
            id,
            counted: state.counted.get_untracked(),
        });
    };
    let pending = Memo::new(move |_| {
        actions.restock.pending().get() || actions.adjust.pending().get() || actions.count.pending().get()
    });
    view! {
        <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
            <form on:submit=on_restock action=Restock::url() method="post" class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"Restock"</h2>
                <input type="hidden" name="id" value=id.to_string() />
                <input name="quantity" type="number" min="1" required placeholder="Quantity received" aria-label="Quantity received" class=SMALL_INPUT
                    prop:value=move || state.quantity.get() on:input=move |ev| state.quantity.set(event_target_value(&ev)) prop:disabled=move || pending.get() />
                <input name="note" placeholder="Delivery note (optional)" aria-label="Delivery note" class=SMALL_INPUT
                    prop:value=move || state.note.get() on:input=move |ev| state.note.set(event_target_value(&ev)) prop:disabled=move || pending.get() />
                <FormError value=actions.restock.value() />
                <SubmitButton label="Add stock" busy_label="Saving…" pending />
            </form>
            <form on:submit=on_adjust action=AdjustStock::url() method="post" class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"Adjust"</h2>
                <input type="hidden" name="id" value=id.to_string() />
                <input name="delta" type="number" required placeholder="Change, e.g. -2" aria-label="Change" class=SMALL_INPUT
                    prop:value=move || state.delta.get() on:input=move |ev| state.delta.set(event_target_value(&ev)) prop:disabled=move || pending.get() />
                <input name="reason" required placeholder="Reason (damaged, found…)" aria-label="Reason" class=SMALL_INPUT
                    prop:value=move || state.reason.get() on:input=move |ev| state.reason.set(event_target_value(&ev)) prop:disabled=move || pending.get() />
                <FormError value=actions.adjust.value() />
                <SubmitButton label="Adjust stock" busy_label="Saving…" pending />
            </form>
            <form on:submit=on_count action=CountStock::url() method="post" class="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"Count"</h2>
                <input type="hidden" name="id" value=id.to_string() />
                <input name="counted" type="number" min="0" required placeholder="Counted on the shelf" aria-label="Counted" class=SMALL_INPUT
                    prop:value=move || state.counted.get() on:input=move |ev| state.counted.set(event_target_value(&ev)) prop:disabled=move || pending.get() />
                <FormError value=actions.count.value() />
                <SubmitButton label="Record count" busy_label="Saving…" pending />
            </form>
        </div>
    }
}

#[component]
fn Movements(movements: Resource<Result<Vec<MovementView>, crate::error::AppError>>) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white">
            <h2 class="border-b border-slate-200 px-4 py-2 font-semibold">"Stock history"</h2>
            <Transition fallback=|| view! { <p class="px-4 py-3 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match movements.await {
                        Ok(list) if list.is_empty() => view! { <p class="px-4 py-3 text-slate-500">"No movements yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <TableBox label="Stock history">
                            <table class="min-w-full text-sm">
                                <thead class="bg-slate-50 text-left text-slate-600">
                                    <tr>
                                        <th class="px-3 py-2 font-medium">"When"</th>
                                        <th class="px-3 py-2 font-medium">"What"</th>
                                        <th class="px-3 py-2 text-right font-medium">"Change"</th>
                                        <th class="px-3 py-2 text-right font-medium">"Balance"</th>
                                        <th class="px-3 py-2 font-medium">"Note"</th>
                                        <th class="px-3 py-2 font-medium">"By"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100" data-testid="movement-rows">
                                    {list.into_iter().map(|m| view! {
                                        <tr>
                                            <td class="px-3 py-1.5 text-slate-600">{m.at}</td>
                                            <td class="px-3 py-1.5">{m.kind.as_str()}</td>
                                            <td class="px-3 py-1.5 text-right tabular-nums">{format!("{:+}", m.quantity)}</td>
                                            <td class="px-3 py-1.5 text-right tabular-nums">{m.balance_after}</td>
                                            <td class="px-3 py-1.5 text-slate-600">{m.reason.or(m.reference).unwrap_or_default()}</td>
                                            <td class="px-3 py-1.5 text-slate-600">{m.actor.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </TableBox>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="px-4 py-3 text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn EditForm(
    product: ProductView,
    choices: Resource<Result<crate::model::CatalogChoices, crate::error::AppError>>,
    update: ServerAction<UpdateProduct>,
) -> impl IntoView {
    let id = product.id.to_string();
    view! {
        <details class="rounded-lg border border-slate-200 bg-white p-4">
            <summary class="cursor-pointer font-semibold">"Edit details"</summary>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || {
                    let product = product.clone();
                    let id = id.clone();
                    Suspend::new(async move {
                        match choices.await {
                            Ok(choices) => view! {
                                <ActionForm action=update attr:class="mt-4 space-y-4">
                                    <input type="hidden" name="id" value=id />
                                    <ProductFields choices product />
                                    <FormError value=update.value() />
                                    <div class="md:w-1/3">
                                        <SubmitButton label="Save changes" busy_label="Saving…" pending=Memo::new(move |_| update.pending().get()) />
                                    </div>
                                </ActionForm>
                            }
                            .into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </details>
    }
}

#[component]
fn ArchiveControls(product: ProductView, actions: StockActions) -> impl IntoView {
    let id = product.id.to_string();
    let name = product.name.clone();
    // Archiving asks first: the first button only shows the question.
    let asking = RwSignal::new(false);
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4">
            {if product.is_active {
                view! {
                    <ActionForm action=actions.archive attr:class="flex flex-wrap items-center gap-3">
                        <input type="hidden" name="id" value=id />
                        <Show
                            when=move || asking.get()
                            fallback=move || view! {
                                <button type="button" class="rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50" on:click=move |_| asking.set(true)>
                                    "Archive product"
                                </button>
                                <span class="text-sm text-slate-500">"Hidden from lists and the till; its history stays."</span>
                            }
                        >
                            <span class="text-sm text-slate-700">{format!("Archive {}? It leaves the lists and the till.", name)}</span>
                            <button type="submit" class="rounded-md bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60" disabled=move || actions.archive.pending().get()>
                                "Yes, archive"
                            </button>
                            <button type="button" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100" on:click=move |_| asking.set(false)>
                                "Cancel"
                            </button>
                        </Show>
                    </ActionForm>
                    <FormError value=actions.archive.value() />
                }
                .into_any()
            } else {
                view! {
                    <ActionForm action=actions.restore attr:class="flex items-center gap-3">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
                            "Restore product"
                        </button>
                    </ActionForm>
                    <FormError value=actions.restore.value() />
                }
                .into_any()
            }}
        </div>
    }
}

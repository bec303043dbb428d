//! `/books/accounts`: the chart of accounts with each balance, and the lock
//! date. Owners add accounts, rename any account and deactivate the ones the
//! automatic postings do not use, and move the lock date; admins read.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::books::{list_accounts, SaveAccount, SetLockDate},
    model::{AccountKind, LedgerAccountView},
    permissions::Permission,
    pricing::Currency,
    ui::{
        components::{
            form::{FormError, SubmitButton},
            layout::TableBox,
        },
        currency_of,
        pages::{
            books::{books_or_denied, BooksNav, INPUT, TD, TH},
            member_only::MemberOnly,
        },
        role_can,
    },
};

const SMALL_BUTTON: &str =
    "whitespace-nowrap rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 disabled:opacity-60";

#[component]
pub fn BooksAccountsPage() -> impl IntoView {
    view! {
        <Title text="Accounts · Books · Shopfloor" />
        <MemberOnly children=|ctx| {
            let cur = currency_of(&ctx);
            let can_manage = role_can(&ctx, Permission::ManageBooks);
            books_or_denied(&ctx, move || view! { <Accounts cur can_manage /> }.into_any())
        } />
    }
}

#[component]
fn Accounts(cur: Currency, can_manage: bool) -> impl IntoView {
    let add = ServerAction::<SaveAccount>::new();
    let edit = ServerAction::<SaveAccount>::new();
    let lock = ServerAction::<SetLockDate>::new();
    let chart = Resource::new(
        move || (add.version().get(), edit.version().get(), lock.version().get()),
        |_| list_accounts(),
    );
    let edit_pending = Memo::new(move |_| edit.pending().get());
    view! {
        <div class="space-y-6" data-testid="accounts">
            <h1 class="text-2xl font-bold tracking-tight">"Chart of accounts"</h1>
            <BooksNav current="/books/accounts" />
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the chart…"</p> }>
                {move || Suspend::new(async move {
                    match chart.await {
                        Ok(chart) => view! {
                            <section class="space-y-2" aria-labelledby="lock-title">
                                <h2 id="lock-title" class="text-lg font-semibold">"Lock date"</h2>
                                <p class="text-sm text-slate-700" data-testid="lock-date">
                                    {match &chart.lock_date {
                                        Some(d) => format!("The books are locked up to {d}: nothing can be posted on or before it."),
                                        None => "The books are not locked: entries can be posted on any date.".to_string(),
                                    }}
                                </p>
                                {can_manage.then(|| view! {
                                    <ActionForm action=lock attr:class="flex flex-wrap items-end gap-2 text-sm print:hidden" attr:data-testid="lock-form">
                                        <label class="space-y-1">
                                            <span class="block text-xs text-slate-500">"Lock up to (empty: unlocked)"</span>
                                            <input type="date" name="date" value=chart.lock_date.clone().unwrap_or_default() class=INPUT data-testid="lock-date-input" />
                                        </label>
                                        <div class="w-40">
                                            <SubmitButton label="Save lock date" busy_label="Saving…" pending=Memo::new(move |_| lock.pending().get()) />
                                        </div>
                                    </ActionForm>
                                    <FormError value=lock.value() />
                                })}
                            </section>
                            <section class="space-y-2" aria-labelledby="chart-title">
                                <h2 id="chart-title" class="text-lg font-semibold">"Accounts"</h2>
                                <p class="text-xs text-slate-500">"Balances are on each account's normal side: debits minus credits for assets and expenses, credits minus debits for the others."</p>
                                {can_manage.then(|| view! { <FormError value=edit.value() /> })}
                                <TableBox label="Chart of accounts">
                                    <table class="min-w-full text-sm" data-testid="accounts-table">
                                        <thead class="bg-slate-100">
                                            <tr>
                                                <th class=TH scope="col">"Kind"</th>
                                                <th class=TH scope="col">"Code"</th>
                                                <th class=TH scope="col">"Name"</th>
                                                <th class=TH scope="col">"Balance"</th>
                                                <th class=TH scope="col">"Active"</th>
                                                {can_manage.then(|| view! { <th class=format!("{TH} print:hidden") scope="col">"Change"</th> })}
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100 bg-white">
                                            {chart.accounts.into_iter().map(|a| view! {
                                                <AccountRow account=a cur can_manage edit pending=edit_pending />
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </TableBox>
                            </section>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            {can_manage.then(|| view! {
                <section class="space-y-2 print:hidden" aria-labelledby="add-title">
                    <h2 id="add-title" class="text-lg font-semibold">"Add an account"</h2>
                    <ActionForm action=add attr:class="flex flex-wrap items-end gap-2 text-sm" attr:data-testid="account-form">
                        <label class="space-y-1">
                            <span class="block text-xs text-slate-500">"Code (3 to 6 digits)"</span>
                            <input name="code" required inputmode="numeric" pattern="[0-9]{3,6}" maxlength="6" class=format!("{INPUT} w-28") data-testid="account-code" />
                        </label>
                        <label class="space-y-1">
                            <span class="block text-xs text-slate-500">"Name"</span>
                            <input name="name" required maxlength="80" class=INPUT data-testid="account-name" />
                        </label>
                        <label class="space-y-1">
                            <span class="block text-xs text-slate-500">"Kind"</span>
                            <select name="kind" required class=INPUT data-testid="account-kind">
                                {AccountKind::ALL
                                    .into_iter()
                                    .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <div class="w-40">
                            <SubmitButton label="Add account" busy_label="Adding…" pending=Memo::new(move |_| add.pending().get()) />
                        </div>
                    </ActionForm>
                    <FormError value=add.value() />
                    {move || matches!(add.value().get(), Some(Ok(_))).then(|| view! {
                        <p role="status" class="text-sm text-emerald-700">"Account added."</p>
                    })}
                </section>
            })}
        </div>
    }
}

#[component]
fn AccountRow(
    account: LedgerAccountView,
    cur: Currency,
    can_manage: bool,
    edit: ServerAction<SaveAccount>,
    pending: Memo<bool>,
) -> impl IntoView {
    let LedgerAccountView {
        code,
        name,
        kind,
        system,
        active,
        balance,
    } = account;
    let guard = move |ev: leptos::ev::MouseEvent| {
        if pending.get_untracked() {
            ev.prevent_default();
        }
    };
    let manage = can_manage.then(|| {
        let (code, name) = (code.clone(), name.clone());
        let toggle = (!system).then(|| {
            let (code, name) = (code.clone(), name.clone());
            view! {
                <ActionForm action=edit>
                    <input type="hidden" name="code" value=code.clone() />
                    <input type="hidden" name="name" value=name />
                    <input type="hidden" name="active" value=(!active).to_string() />
                    <button
                        type="submit"
                        class=SMALL_BUTTON
                        disabled=move || pending.get()
                        on:click=guard
                        aria-label=format!("{} account {code}", if active { "Deactivate" } else { "Reactivate" })
                        data-testid="account-toggle"
                    >
                        {if active { "Deactivate" } else { "Reactivate" }}
                    </button>
                </ActionForm>
            }
        });
        view! {
            <td class="px-3 py-1.5 print:hidden">
                <div class="flex flex-wrap items-center gap-2">
                    <ActionForm action=edit attr:class="flex items-center gap-1">
                        <input type="hidden" name="code" value=code.clone() />
                        <input type="hidden" name="active" value=active.to_string() />
                        <input name="name" required maxlength="80" value=name.clone() class=format!("{INPUT} w-40") aria-label=format!("New name for account {code}") />
                        <button type="submit" class=SMALL_BUTTON disabled=move || pending.get() on:click=guard>"Rename"</button>
                    </ActionForm>
                    {toggle}
                </div>
            </td>
        }
    });
    view! {
        <tr data-testid="account-row" data-code=code.clone() class=if active { "" } else { "text-slate-500" }>
            <td class="px-3 py-1.5 text-left">{kind.label()}</td>
            <td class="px-3 py-1.5 text-left tabular-nums">{code.clone()}</td>
            <th class="px-3 py-1.5 text-left font-normal" scope="row">
                {name.clone()}
                {system.then(|| view! {
                    <span class="ml-2 rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600" title="Used by the automatic postings: it can be renamed, not deactivated">"System"</span>
                })}
            </th>
            <td class=TD>{cur.money(balance)}</td>
            <td class="px-3 py-1.5 text-left">{if active { "Active" } else { "Inactive" }}</td>
            {manage}
        </tr>
    }
}

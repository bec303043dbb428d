//! `/books`: the statements the journal adds up to — trial balance, profit and
//! loss, balance sheet and one account's ledger — for a period in the
//! business's calendar. The choice is a plain GET form, so the page works
//! before (and without) the wasm; tables scroll sideways on a phone; the CSV
//! link downloads exactly what is on screen. Also the books' own tabs
//! (statements, journal, accounts) and the labels the three pages share.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    api::books::{
        list_accounts, report_balance_sheet, report_ledger, report_profit_loss, report_trial_balance,
    },
    error::AppError,
    model::{
        BalanceSheet, LedgerAccountView, LedgerReport, PageContext, ProfitAndLoss, StatementLine,
        TrialBalance,
    },
    permissions::Permission,
    pricing::Currency,
    ui::{components::layout::TableBox, currency_of, pages::member_only::MemberOnly, role_can},
};

pub(crate) const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
pub(crate) const TH: &str = "px-3 py-2 text-left font-semibold";
pub(crate) const TD: &str = "px-3 py-1.5 text-right tabular-nums whitespace-nowrap";
const TD_TEXT: &str = "px-3 py-1.5 text-left";

/// What a member without the books' permission is told.
pub(crate) fn not_for_your_role() -> AnyView {
    view! {
        <p role="alert" class="text-red-700" data-testid="books-denied">
            "The books are not for your role: only admins and owners see them. Ask one of them for the figures you need."
        </p>
    }
    .into_any()
}

/// The page's content when the member may see the books, else the refusal.
pub(crate) fn books_or_denied(ctx: &PageContext, page: impl FnOnce() -> AnyView) -> AnyView {
    if role_can(ctx, Permission::ViewBooks) {
        page()
    } else {
        not_for_your_role()
    }
}

/// The journal's `source` as people say it.
pub(crate) fn source_label(source: &str) -> String {
    match source {
        "sale" => "Sale",
        "credit_note" => "Credit note",
        "shift_cash" => "Cash in/out",
        "shift_close" => "Shift close",
        "stock" => "Stock",
        "cost_change" => "Cost change",
        "opening" => "Opening",
        "manual" => "Manual",
        "reversal" => "Reversal",
        other => return other.replace('_', " "),
    }
    .to_string()
}

/// The books' three pages, as tabs.
#[component]
pub fn BooksNav(current: &'static str) -> impl IntoView {
    view! {
        <nav aria-label="Books" class="flex flex-wrap gap-2 text-sm print:hidden">
            {[("/books", "Statements"), ("/books/journal", "Journal"), ("/books/accounts", "Accounts")]
                .into_iter()
                .map(|(href, label)| {
                    let here = href == current;
                    view! {
                        <a
                            href=href
                            aria-current=here.then_some("page")
                            class=if here {
                                "rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white"
                            } else {
                                "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-100"
                            }
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
pub fn BooksPage() -> impl IntoView {
    view! {
        <Title text="Books · Shopfloor" />
        <MemberOnly children=|ctx| {
            let cur = currency_of(&ctx);
            books_or_denied(&ctx, move || view! { <Statements cur /> }.into_any())
        } />
    }
}

const STATEMENTS: [(&str, &str); 4] = [
    ("trial-balance", "Trial balance"),
    ("profit-loss", "Profit and loss"),
    ("balance-sheet", "Balance sheet"),
    ("ledger", "Account ledger"),
];

/// The statement asked for in the address, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    statement: &'static str,
    account: String,
    from: String,
    to: String,
}

impl Choice {
    fn export_href(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("statement", self.statement);
        if self.statement == "ledger" {
            q.append_pair("account", &self.account);
        }
        if self.statement != "balance-sheet" {
            q.append_pair("from", &self.from);
        }
        q.append_pair("to", &self.to);
        format!("/api/books/export?{}", q.finish())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Loaded {
    TrialBalance(TrialBalance),
    ProfitLoss(ProfitAndLoss),
    BalanceSheet(BalanceSheet),
    Ledger(LedgerReport),
    /// The ledger, before an account is chosen.
    NoAccount,
}

impl Loaded {
    /// The period shown, defaults resolved (`from` empty for the balance sheet).
    fn period(&self) -> Option<(String, String)> {
        match self {
            Loaded::TrialBalance(r) => Some((r.from.clone(), r.to.clone())),
            Loaded::ProfitLoss(r) => Some((r.from.clone(), r.to.clone())),
            Loaded::BalanceSheet(r) => Some((String::new(), r.at.clone())),
            Loaded::Ledger(r) => Some((r.from.clone(), r.to.clone())),
            Loaded::NoAccount => None,
        }
    }
}

async fn load(c: Choice) -> Result<Loaded, AppError> {
    Ok(match c.statement {
        "profit-loss" => Loaded::ProfitLoss(report_profit_loss(c.from, c.to).await?),
        "balance-sheet" => Loaded::BalanceSheet(report_balance_sheet(c.to).await?),
        "ledger" if c.account.trim().is_empty() => Loaded::NoAccount,
        "ledger" => Loaded::Ledger(report_ledger(c.account, c.from, c.to).await?),
        _ => Loaded::TrialBalance(report_trial_balance(c.from, c.to).await?),
    })
}

#[component]
fn Statements(cur: Currency) -> impl IntoView {
    let query = use_query_map();
    let choice = Memo::new(move |_| {
        let q = query.get();
        let get = |k: &str| q.get(k).unwrap_or_default();
        let asked = get("statement");
        let statement = STATEMENTS
            .iter()
            .map(|(v, _)| *v)
            .find(|v| *v == asked)
            .unwrap_or("trial-balance");
        Choice {
            statement,
            account: get("account").trim().to_string(),
            from: get("from"),
            to: get("to"),
        }
    });
    let data = Resource::new(move || choice.get(), load);
    let chart = Resource::new(|| (), |_| list_accounts());
    view! {
        <div class="space-y-4" data-testid="books">
            <h1 class="text-2xl font-bold tracking-tight">"Books"</h1>
            <BooksNav current="/books" />
            <form method="get" action="/books" class="flex flex-wrap items-end gap-2 text-sm print:hidden" aria-label="Choose a statement">
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Statement"</span>
                    <select name="statement" class=INPUT data-testid="books-statement">
                        {STATEMENTS
                            .into_iter()
                            .map(|(v, l)| view! { <option value=v selected=move || choice.get().statement == v>{l}</option> })
                            .collect_view()}
                    </select>
                </label>
                <Transition fallback=|| view! { <AccountSelect accounts=Vec::new() chosen=String::new() /> }>
                    {move || Suspend::new(async move {
                        let accounts = chart.await.map(|c| c.accounts).unwrap_or_default();
                        view! { <AccountSelect accounts chosen=choice.get_untracked().account /> }
                    })}
                </Transition>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"From"</span>
                    <input type="date" name="from" class=INPUT data-testid="books-from" prop:value=move || choice.get().from />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"To"</span>
                    <input type="date" name="to" class=INPUT data-testid="books-to" prop:value=move || choice.get().to />
                </label>
                <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white hover:bg-indigo-700" data-testid="books-show">
                    "Show"
                </button>
            </form>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the statement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(loaded) => {
                            let c = choice.get_untracked();
                            let head = loaded.period().map(|(from, to)| {
                                // The CSV of exactly what is shown (defaults resolved).
                                let shown = Choice { from: from.clone(), to: to.clone(), ..c.clone() };
                                let period = if from.is_empty() {
                                    format!("At the end of {to}")
                                } else {
                                    format!("{from} to {to}")
                                };
                                view! {
                                    <div class="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                                        <p class="text-slate-600" data-testid="books-period">{period}</p>
                                        <a href=shown.export_href() download class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100 print:hidden" data-testid="books-csv">
                                            "Download CSV"
                                        </a>
                                    </div>
                                }
                            });
                            view! { {head} {shown(loaded, cur)} }.into_any()
                        }
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The account for the ledger (every account of the chart, inactive ones too).
#[component]
fn AccountSelect(accounts: Vec<LedgerAccountView>, chosen: String) -> impl IntoView {
    view! {
        <label class="space-y-1">
            <span class="block text-xs text-slate-500">"Account (for the ledger)"</span>
            <select name="account" class=INPUT data-testid="books-account">
                <option value="">"—"</option>
                {accounts
                    .into_iter()
                    .map(|a| {
                        let selected = a.code == chosen;
                        view! { <option value=a.code.clone() selected=selected>{format!("{} · {}", a.code, a.name)}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

fn shown(loaded: Loaded, cur: Currency) -> AnyView {
    match loaded {
        Loaded::TrialBalance(r) => trial_balance(r, cur),
        Loaded::ProfitLoss(r) => profit_and_loss(r, cur),
        Loaded::BalanceSheet(r) => balance_sheet(r, cur),
        Loaded::Ledger(r) => ledger(r, cur),
        Loaded::NoAccount => view! {
            <p class="text-slate-600" data-testid="books-empty">"Choose an account above to see its ledger."</p>
        }
        .into_any(),
    }
}

fn trial_balance(r: TrialBalance, cur: Currency) -> AnyView {
    let money = move |minor: i64| cur.money(minor);
    let balanced = r.total_debit == r.total_credit && r.total_closing == 0;
    view! {
        {r.rows.is_empty().then(|| view! {
            <p class="text-slate-500" data-testid="books-empty">"Nothing is posted up to the end of this period. Choose other dates."</p>
        })}
        <TableBox label="Trial balance">
            <table class="min-w-full text-sm" data-testid="books-table">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH scope="col">"Code"</th>
                        <th class=TH scope="col">"Account"</th>
                        <th class=TH scope="col">"Opening"</th>
                        <th class=TH scope="col">"Debit"</th>
                        <th class=TH scope="col">"Credit"</th>
                        <th class=TH scope="col">"Closing"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white">
                    {r.rows.into_iter().map(|row| view! {
                        <tr data-testid="books-row">
                            <td class=TD_TEXT>{row.code}</td>
                            <th class="px-3 py-1.5 text-left font-normal" scope="row">{row.name}</th>
                            <td class=TD>{money(row.opening)}</td>
                            <td class=TD>{money(row.debit)}</td>
                            <td class=TD>{money(row.credit)}</td>
                            <td class=TD>{money(row.closing)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot class="bg-slate-50 font-semibold">
                    <tr data-testid="books-total">
                        <th class="px-3 py-1.5 text-left" scope="row" colspan="3">"Total"</th>
                        <td class=TD data-testid="tb-total-debit">{money(r.total_debit)}</td>
                        <td class=TD data-testid="tb-total-credit">{money(r.total_credit)}</td>
                        <td class=TD data-testid="tb-total-closing">{money(r.total_closing)}</td>
                    </tr>
                </tfoot>
            </table>
        </TableBox>
        <p class="text-xs text-slate-500">"Opening and closing balances are debits minus credits."</p>
        {if balanced {
            view! {
                <p class="text-sm text-emerald-700" data-testid="books-balanced">
                    {format!("In balance: the debits equal the credits ({}) and the closing balances sum to zero.", money(r.total_debit))}
                </p>
            }
            .into_any()
        } else {
            view! {
                <p role="alert" class="text-sm font-semibold text-red-700" data-testid="books-unbalanced">
                    {format!(
                        "Out of balance: debits {}, credits {}, closing balances sum to {}. Tell your administrator.",
                        money(r.total_debit),
                        money(r.total_credit),
                        money(r.total_closing),
                    )}
                </p>
            }
            .into_any()
        }}
    }
    .into_any()
}

/// A statement's section: a heading row, its accounts, and its total.
fn section(
    title: &'static str,
    lines: Vec<StatementLine>,
    extra: Option<(&'static str, i64)>,
    total_label: &'static str,
    total: i64,
    cur: Currency,
) -> impl IntoView {
    let money = move |minor: i64| cur.money(minor);
    let none = lines.is_empty() && extra.is_none();
    view! {
        <tr class="bg-indigo-50">
            <th class=TH scope="colgroup" colspan="3">{title}</th>
        </tr>
        {lines.into_iter().map(|l| view! {
            <tr data-testid="books-row">
                <td class=TD_TEXT>{l.code}</td>
                <th class="px-3 py-1.5 text-left font-normal" scope="row">{l.name}</th>
                <td class=TD>{money(l.amount)}</td>
            </tr>
        }).collect_view()}
        {extra.map(|(label, amount)| view! {
            <tr data-testid="books-earnings">
                <td class=TD_TEXT></td>
                <th class="px-3 py-1.5 text-left font-normal" scope="row">{label}</th>
                <td class=TD>{money(amount)}</td>
            </tr>
        })}
        {none.then(|| view! {
            <tr>
                <td class=TD_TEXT></td>
                <td class="px-3 py-1.5 text-left text-slate-500" colspan="2">"None"</td>
            </tr>
        })}
        <tr class="bg-slate-50 font-semibold" data-testid="books-subtotal">
            <th class="px-3 py-1.5 text-left" scope="row" colspan="2">{total_label}</th>
            <td class=TD>{money(total)}</td>
        </tr>
    }
}

fn profit_and_loss(r: ProfitAndLoss, cur: Currency) -> AnyView {
    let empty = r.income.is_empty() && r.expenses.is_empty();
    let (label, amount) = if r.profit < 0 {
        ("Loss", -r.profit)
    } else {
        ("Profit", r.profit)
    };
    view! {
        {empty.then(|| view! {
            <p class="text-slate-500" data-testid="books-empty">"No income or expenses in this period. Choose other dates."</p>
        })}
        <TableBox label="Profit and loss">
            <table class="min-w-full text-sm" data-testid="books-table">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH scope="col">"Code"</th>
                        <th class=TH scope="col">"Account"</th>
                        <th class=TH scope="col">"Amount"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white">
                    {section("Income", r.income, None, "Total income", r.total_income, cur)}
                    {section("Expenses", r.expenses, None, "Total expenses", r.total_expenses, cur)}
                </tbody>
                <tfoot class="bg-slate-100 font-bold">
                    <tr data-testid="books-total">
                        <th class="px-3 py-2 text-left" scope="row" colspan="2">{label}</th>
                        <td class=TD data-testid="pl-profit">{cur.money(amount)}</td>
                    </tr>
                </tfoot>
            </table>
        </TableBox>
    }
    .into_any()
}

fn balance_sheet(r: BalanceSheet, cur: Currency) -> AnyView {
    let empty = r.assets.is_empty() && r.liabilities.is_empty() && r.equity.is_empty() && r.earnings == 0;
    let both = r.total_liabilities + r.total_equity;
    let balanced = both == r.total_assets;
    view! {
        {empty.then(|| view! {
            <p class="text-slate-500" data-testid="books-empty">"Nothing is posted up to this day. Choose a later date."</p>
        })}
        <TableBox label="Balance sheet">
            <table class="min-w-full text-sm" data-testid="books-table">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH scope="col">"Code"</th>
                        <th class=TH scope="col">"Account"</th>
                        <th class=TH scope="col">"Amount"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white">
                    {section("Assets", r.assets, None, "Total assets", r.total_assets, cur)}
                    {section("Liabilities", r.liabilities, None, "Total liabilities", r.total_liabilities, cur)}
                    {section("Equity", r.equity, Some(("Earnings to date", r.earnings)), "Total equity", r.total_equity, cur)}
                </tbody>
                <tfoot class="bg-slate-100 font-bold">
                    <tr data-testid="books-total">
                        <th class="px-3 py-2 text-left" scope="row" colspan="2">"Liabilities and equity"</th>
                        <td class=TD>{cur.money(both)}</td>
                    </tr>
                </tfoot>
            </table>
        </TableBox>
        {(!balanced).then(|| view! {
            <p role="alert" class="text-sm font-semibold text-red-700" data-testid="books-unbalanced">
                {format!(
                    "Out of balance: assets {} but liabilities and equity {}. Tell your administrator.",
                    cur.money(r.total_assets),
                    cur.money(both),
                )}
            </p>
        })}
    }
    .into_any()
}

fn ledger(r: LedgerReport, cur: Currency) -> AnyView {
    let money = move |minor: i64| cur.money(minor);
    let side = if r.account.kind.debit_normal() {
        "debits minus credits"
    } else {
        "credits minus debits"
    };
    view! {
        <h2 class="text-lg font-semibold" data-testid="books-ledger-account">
            {format!("{} · {} ({})", r.account.code, r.account.name, r.account.kind.label())}
        </h2>
        <p class="text-xs text-slate-500">{format!("Balances are {side}.")}</p>
        {r.truncated.then(|| view! {
            <p class="text-sm text-amber-800">
                {format!("Only the last {} lines are shown: choose a shorter period to see them all.", LedgerReport::MAX_LINES)}
            </p>
        })}
        {r.lines.is_empty().then(|| view! {
            <p class="text-slate-500" data-testid="books-empty">"No entries on this account in this period. Choose other dates."</p>
        })}
        <TableBox label="Account ledger">
            <table class="min-w-full text-sm" data-testid="books-table">
                <thead class="bg-slate-100">
                    <tr>
                        <th class=TH scope="col">"Date"</th>
                        <th class=TH scope="col">"Source"</th>
                        <th class=TH scope="col">"Memo"</th>
                        <th class=TH scope="col">"Debit"</th>
                        <th class=TH scope="col">"Credit"</th>
                        <th class=TH scope="col">"Balance"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white">
                    <tr class="bg-slate-50">
                        <td class="px-3 py-1.5 whitespace-nowrap">{r.from.clone()}</td>
                        <th class="px-3 py-1.5 text-left font-normal" scope="row" colspan="4">"Opening balance"</th>
                        <td class=TD>{money(r.opening)}</td>
                    </tr>
                    {r.lines.into_iter().map(|l| view! {
                        <tr data-testid="books-row">
                            <td class="px-3 py-1.5 whitespace-nowrap">{l.date}</td>
                            <td class=TD_TEXT>{source_label(&l.source)}</td>
                            <td class=TD_TEXT>{l.memo}</td>
                            <td class=TD>{(l.debit != 0).then(|| money(l.debit))}</td>
                            <td class=TD>{(l.credit != 0).then(|| money(l.credit))}</td>
                            <td class=TD>{money(l.balance)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot class="bg-slate-50 font-semibold">
                    <tr data-testid="books-total">
                        <td class="px-3 py-1.5 whitespace-nowrap">{r.to.clone()}</td>
                        <th class="px-3 py-1.5 text-left" scope="row" colspan="4">"Closing balance"</th>
                        <td class=TD>{money(r.closing)}</td>
                    </tr>
                </tfoot>
            </table>
        </TableBox>
    }
    .into_any()
}

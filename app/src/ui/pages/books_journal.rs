//! `/books/journal`: the journal for a period, newest first, a page at a
//! time: each entry with its lines, where it came from and its memo; admins
//! reverse an entry (once; not a reversal) and post manual entries. The
//! period is a plain GET form; posting and reversing are `ActionForm`s, so
//! they work before the wasm too. The server has no idempotency key for
//! entries: the buttons refuse a second submission while one is pending.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    api::books::{list_accounts, list_journal, PostJournalEntry, ReverseJournalEntry},
    model::{JournalEntryView, JournalPage},
    permissions::Permission,
    pricing::Currency,
    ui::{
        components::form::{FormError, SubmitButton},
        currency_of,
        pages::{
            books::{books_or_denied, source_label, BooksNav, INPUT, TD},
            member_only::MemberOnly,
        },
        role_can,
    },
};

/// Line rows the new-entry form starts with.
const FIRST_ROWS: usize = 4;
/// The most lines an entry may have (the server's limit).
const MAX_ROWS: usize = 40;

#[component]
pub fn BooksJournalPage() -> impl IntoView {
    view! {
        <Title text="Journal · Books · Shopfloor" />
        <MemberOnly children=|ctx| {
            let cur = currency_of(&ctx);
            let can_post = role_can(&ctx, Permission::PostJournal);
            books_or_denied(&ctx, move || view! { <Journal cur can_post /> }.into_any())
        } />
    }
}

/// The period and page asked for in the address.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    from: String,
    to: String,
    page: i64,
}

fn page_href(from: &str, to: &str, page: i64) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("from", from)
        .append_pair("to", to)
        .append_pair("page", &page.to_string());
    format!("/books/journal?{}", q.finish())
}

#[component]
fn Journal(cur: Currency, can_post: bool) -> impl IntoView {
    let query = use_query_map();
    let choice = Memo::new(move |_| {
        let q = query.get();
        Choice {
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.trim().parse().ok()).unwrap_or(1),
        }
    });
    let post = ServerAction::<PostJournalEntry>::new();
    let reverse = ServerAction::<ReverseJournalEntry>::new();
    let journal = Resource::new(
        move || (choice.get(), post.version().get(), reverse.version().get()),
        |(c, _, _)| list_journal(c.from, c.to, Some(c.page)),
    );
    view! {
        <div class="space-y-4" data-testid="journal">
            <h1 class="text-2xl font-bold tracking-tight">"Journal"</h1>
            <BooksNav current="/books/journal" />
            {can_post.then(|| view! { <NewEntry post /> })}
            <form method="get" action="/books/journal" class="flex flex-wrap items-end gap-2 text-sm print:hidden" aria-label="Choose a period">
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"From"</span>
                    <input type="date" name="from" class=INPUT data-testid="journal-from" prop:value=move || choice.get().from />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"To"</span>
                    <input type="date" name="to" class=INPUT data-testid="journal-to" prop:value=move || choice.get().to />
                </label>
                <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white hover:bg-indigo-700" data-testid="journal-show">
                    "Show"
                </button>
            </form>
            <FormError value=reverse.value() />
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the journal…"</p> }>
                {move || Suspend::new(async move {
                    match journal.await {
                        Ok(page) => entries(page, cur, can_post, reverse).into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

fn entries(
    page: JournalPage,
    cur: Currency,
    can_post: bool,
    reverse: ServerAction<ReverseJournalEntry>,
) -> impl IntoView {
    let JournalPage {
        from,
        to,
        entries,
        total,
        page,
        pages,
    } = page;
    let summary = format!(
        "{from} to {to} · {total} {} · page {page} of {pages}",
        if total == 1 { "entry" } else { "entries" }
    );
    let newer = (page > 1).then(|| page_href(&from, &to, page - 1));
    let older = (page < pages).then(|| page_href(&from, &to, page + 1));
    let paging = move || {
        let (newer, older) = (newer.clone(), older.clone());
        (newer.is_some() || older.is_some()).then(|| view! {
            <nav class="flex gap-2 text-sm print:hidden" aria-label="Journal pages">
                {newer.map(|href| view! { <a href=href class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100" data-testid="journal-newer">"← Newer"</a> })}
                {older.map(|href| view! { <a href=href class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100" data-testid="journal-older">"Older →"</a> })}
            </nav>
        })
    };
    view! {
        <p class="text-sm text-slate-600" data-testid="journal-period">{summary}</p>
        {if entries.is_empty() {
            view! {
                <p class="text-slate-500" data-testid="journal-empty">
                    "No entries in this period. Sales, returns, shifts and stock changes are posted here by themselves; choose other dates."
                </p>
            }
            .into_any()
        } else {
            view! {
                <ol class="space-y-3" data-testid="journal-entries">
                    {entries.into_iter().map(|e| view! { <Entry entry=e cur can_post reverse /> }).collect_view()}
                </ol>
            }
            .into_any()
        }}
        {paging()}
    }
}

#[component]
fn Entry(
    entry: JournalEntryView,
    cur: Currency,
    can_post: bool,
    reverse: ServerAction<ReverseJournalEntry>,
) -> impl IntoView {
    let money = move |minor: i64| cur.money(minor);
    let reversal = entry.source == "reversal";
    let reversed = entry.reversed_by.is_some();
    let id = entry.id.to_string();
    let memo = entry.memo.clone();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-3 text-sm" data-testid="journal-entry" data-source=entry.source.clone() data-id=entry.id.to_string()>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0 space-y-0.5">
                    <p class="flex flex-wrap items-center gap-2">
                        <span class="font-semibold tabular-nums">{entry.date.clone()}</span>
                        <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-testid="journal-source">
                            {source_label(&entry.source)}
                        </span>
                        {reversed.then(|| view! {
                            <span class="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800" data-testid="journal-reversed">"Reversed"</span>
                        })}
                    </p>
                    <p class="break-words text-slate-800" data-testid="journal-memo">{entry.memo.clone()}</p>
                    {entry.posted_by.clone().map(|by| view! { <p class="text-xs text-slate-500">{format!("Posted by {by}")}</p> })}
                </div>
                {(can_post && !reversal && !reversed).then(|| view! {
                    <ActionForm action=reverse attr:class="print:hidden">
                        <input type="hidden" name="id" value=id.clone() />
                        <button
                            type="submit"
                            class="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-60"
                            aria-label=format!("Reverse the entry of {}: {memo}", entry.date)
                            data-testid="journal-reverse"
                            disabled=move || reverse.pending().get()
                            on:click=move |ev| {
                                if reverse.pending().get_untracked() {
                                    ev.prevent_default();
                                }
                            }
                        >
                            "Reverse"
                        </button>
                    </ActionForm>
                })}
            </div>
            <div class="mt-2 overflow-x-auto">
                <table class="min-w-full text-sm" data-testid="journal-lines">
                    <thead class="text-xs text-slate-500">
                        <tr>
                            <th class="px-2 py-1 text-left font-medium" scope="col">"Account"</th>
                            <th class="px-2 py-1 text-right font-medium" scope="col">"Debit"</th>
                            <th class="px-2 py-1 text-right font-medium" scope="col">"Credit"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {entry.lines.into_iter().map(|l| view! {
                            <tr data-testid="journal-line" data-account=l.account_code.clone()>
                                <td class="px-2 py-1">{format!("{} · {}", l.account_code, l.account_name)}</td>
                                <td class=TD data-testid="journal-debit">{(l.debit != 0).then(|| money(l.debit))}</td>
                                <td class=TD data-testid="journal-credit">{(l.credit != 0).then(|| money(l.credit))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </li>
    }
}

/// The new-entry form (admins and owners): a date (today by default), a memo
/// and line rows (an active account and an amount as a debit or a credit).
/// After a posting it starts blank again; after a refusal it keeps what was
/// typed and shows why.
#[component]
fn NewEntry(post: ServerAction<PostJournalEntry>) -> impl IntoView {
    // The active accounts, and today in the business's calendar (the end of
    // the journal's default period).
    let setup = Resource::new(
        || (),
        // Both calls start together: on the server a call made after another's
        // await runs without the request's context.
        |_| async move {
            let (chart, journal) = futures::future::try_join(
                list_accounts(),
                list_journal(String::new(), String::new(), Some(1)),
            )
            .await?;
            let today = journal.to;
            let accounts: Vec<(String, String)> = chart
                .accounts
                .into_iter()
                .filter(|a| a.active)
                .map(|a| (a.code, a.name))
                .collect();
            Ok::<_, crate::error::AppError>((accounts, today))
        },
    );
    // The last entry posted from this form: when it changes, the memo and
    // the rows are drawn blank again (a refusal keeps what was typed).
    let posted = Memo::new(move |last: Option<&Option<Uuid>>| match post.value().get() {
        Some(Ok(entry)) => Some(entry.id),
        _ => last.copied().flatten(),
    });
    // Rows added with "Add a line" since that entry.
    let added = RwSignal::new((None::<Uuid>, 0_usize));
    let rows = move || {
        let (since, n) = added.get();
        FIRST_ROWS + if since == posted.get() { n } else { 0 }
    };
    let add_row = move |_| {
        let since = posted.get_untracked();
        added.update(|(at, n)| {
            if *at != since {
                *at = since;
                *n = 0;
            }
            if FIRST_ROWS + *n < MAX_ROWS {
                *n += 1;
            }
        });
    };
    let pending = Memo::new(move |_| post.pending().get());
    view! {
        <section class="space-y-2 rounded-lg border border-slate-200 bg-white p-4 print:hidden" aria-labelledby="new-entry-title">
            <h2 id="new-entry-title" class="text-lg font-semibold">"New entry"</h2>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the accounts…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok((accounts, today)) => view! {
                            <ActionForm action=post attr:class="space-y-3" attr:data-testid="journal-form">
                                <div class="flex flex-wrap gap-2">
                                    <label class="space-y-1">
                                        <span class="block text-xs text-slate-500">"Date"</span>
                                        <input type="date" name="date" required value=today class=INPUT data-testid="entry-date" />
                                    </label>
                                    // Keyed, so a new posting draws a new (blank) field:
                                    // a re-render would keep the typed text.
                                    <For
                                        each=move || [posted.get()]
                                        key=|since| *since
                                        children=move |_| view! {
                                            <label class="min-w-0 flex-1 space-y-1">
                                                <span class="block text-xs text-slate-500">"Memo"</span>
                                                <input name="memo" required maxlength="300" class=format!("{INPUT} w-full") data-testid="entry-memo" />
                                            </label>
                                        }
                                    />
                                </div>
                                <div class="space-y-2" data-testid="entry-lines">
                                    <div class="grid grid-cols-[minmax(0,1fr)_5.5rem_5.5rem] gap-2 text-xs text-slate-500" aria-hidden="true">
                                        <span>"Account"</span>
                                        <span>"Debit"</span>
                                        <span>"Credit"</span>
                                    </div>
                                    <For
                                        each=move || {
                                            let since = posted.get();
                                            (0..rows()).map(move |i| (since, i)).collect::<Vec<_>>()
                                        }
                                        key=|k| *k
                                        children=move |(_, i)| view! { <LineRow i accounts=accounts.clone() /> }
                                    />
                                </div>
                                <div class="flex flex-wrap items-center gap-2">
                                    <button
                                        type="button"
                                        class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60"
                                        data-testid="entry-add-line"
                                        disabled=move || { rows() >= MAX_ROWS }
                                        on:click=add_row
                                    >
                                        "Add a line"
                                    </button>
                                    <span class="text-xs text-slate-500">"Amounts like 12.50 or 12,50. Empty lines are skipped."</span>
                                </div>
                                <FormError value=post.value() />
                                {move || matches!(post.value().get(), Some(Ok(_))).then(|| view! {
                                    <p role="status" class="text-sm text-emerald-700" data-testid="entry-posted">"Entry posted."</p>
                                })}
                                <div class="sm:w-48" data-testid="entry-post">
                                    <SubmitButton label="Post entry" busy_label="Posting…" pending />
                                </div>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One line of the new entry: `lines[i][account|debit|credit]`.
#[component]
fn LineRow(i: usize, accounts: Vec<(String, String)>) -> impl IntoView {
    let n = i + 1;
    view! {
        <div class="grid grid-cols-[minmax(0,1fr)_5.5rem_5.5rem] gap-2" role="group" aria-label=format!("Line {n}") data-testid="entry-line">
            <select name=format!("lines[{i}][account]") class=format!("{INPUT} w-full min-w-0") aria-label=format!("Line {n}: account")>
                <option value="">"Account…"</option>
                {accounts
                    .into_iter()
                    .map(|(code, name)| view! { <option value=code.clone()>{format!("{code} · {name}")}</option> })
                    .collect_view()}
            </select>
            <input name=format!("lines[{i}][debit]") inputmode="decimal" autocomplete="off" class=format!("{INPUT} w-full min-w-0") aria-label=format!("Line {n}: debit") />
            <input name=format!("lines[{i}][credit]") inputmode="decimal" autocomplete="off" class=format!("{INPUT} w-full min-w-0") aria-label=format!("Line {n}: credit") />
        </div>
    }
}

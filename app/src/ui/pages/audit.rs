//! `/audit`: who did what and when (owners and admins), with a CSV export of
//! exactly what the filters select, and the check of the document chain.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::org::{list_audit, list_audit_actions, list_members, VerifyDocumentChain},
    org::{AuditFilter, ChainReport},
    permissions::Permission,
    ui::{pages::member_only::MemberOnly, role_can},
};

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit trail · Shopfloor" />
        <MemberOnly children=|ctx| {
            if role_can(&ctx, Permission::ViewAudit) {
                view! { <Audit /> }.into_any()
            } else {
                view! { <p role="alert" class="text-red-700">"Only owners and admins can read the audit trail."</p> }.into_any()
            }
        } />
    }
}

/// The export link for the current filters.
fn export_href(f: &AuditFilter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(actor) = f.actor {
        query.append_pair("actor", &actor.to_string());
    }
    for (key, value) in [
        ("action", &f.action),
        ("entity", &f.entity),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if !value.is_empty() {
            query.append_pair(key, value);
        }
    }
    format!("/api/audit/export?{}", query.finish())
}

#[component]
fn Audit() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let entity = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let filter = Memo::new(move |_| AuditFilter {
        actor: uuid::Uuid::parse_str(&actor.get()).ok(),
        action: action.get(),
        entity: entity.get(),
        from: from.get(),
        to: to.get(),
    });
    let rows = Resource::new(move || filter.get(), list_audit);
    // Browser-only choices for the selects: loaded after hydration so the
    // server-rendered selects and the hydrated ones match.
    let people = RwSignal::new(Vec::<(String, String)>::new());
    let actions = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(list) = list_members().await {
                people.set(
                    list.into_iter()
                        .map(|m| (m.user_id.to_string(), m.display_name))
                        .collect(),
                );
            }
            if let Ok(list) = list_audit_actions().await {
                actions.set(list);
            }
        });
    });
    view! {
        <div class="mb-4 flex items-center justify-between gap-3">
            <h1 class="text-2xl font-bold tracking-tight">"Audit trail"</h1>
            <a class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" href=move || export_href(&filter.get()) download data-testid="audit-export">
                "Download CSV"
            </a>
        </div>
        <ChainCheck />
        <div class="mb-3 flex flex-wrap items-end gap-2 text-sm">
            <label class="space-y-1">
                <span class="block text-xs text-slate-500">"Who"</span>
                <select class=INPUT on:change=move |ev| actor.set(event_target_value(&ev))>
                    <option value="">"Anyone"</option>
                    <For each=move || people.get() key=|p| p.0.clone() let((id, name))>
                        <option value=id>{name}</option>
                    </For>
                </select>
            </label>
            <label class="space-y-1">
                <span class="block text-xs text-slate-500">"Action"</span>
                <select class=INPUT aria-label="Action" on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <For each=move || actions.get() key=|a| a.clone() let(a)>
                        <option value=a.clone()>{a.clone()}</option>
                    </For>
                </select>
            </label>
            <label class="space-y-1">
                <span class="block text-xs text-slate-500">"Entity"</span>
                <input class=INPUT placeholder="bill, product…" aria-label="Entity" on:change=move |ev| entity.set(event_target_value(&ev)) />
            </label>
            <label class="space-y-1">
                <span class="block text-xs text-slate-500">"From"</span>
                <input type="date" class=INPUT aria-label="From" on:change=move |ev| from.set(event_target_value(&ev)) />
            </label>
            <label class="space-y-1">
                <span class="block text-xs text-slate-500">"To"</span>
                <input type="date" class=INPUT aria-label="To" on:change=move |ev| to.set(event_target_value(&ev)) />
            </label>
        </div>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(list) if list.is_empty() => view! { <p class="text-slate-500">"Nothing recorded matches."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="overflow-x-auto">
                        <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="audit-rows">
                            <thead class="bg-slate-50 text-left text-xs uppercase text-slate-500">
                                <tr>
                                    <th class="px-3 py-2">"When (UTC)"</th>
                                    <th class="px-3 py-2">"What happened"</th>
                                    <th class="px-3 py-2">"Details"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 align-top">
                                {list.into_iter().map(|r| view! {
                                    <tr>
                                        <td class="whitespace-nowrap px-3 py-2 text-slate-600">{r.at.replace('T', " ").replace('Z', "")}</td>
                                        <td class="min-w-48 px-3 py-2" data-testid="audit-summary">{r.summary}</td>
                                        <td class="px-3 py-2 text-xs text-slate-600">
                                            // The raw entry, for whoever needs the exact record.
                                            <details>
                                                <summary class="cursor-pointer text-indigo-700">"Record"</summary>
                                                <dl class="mt-1 max-w-xs space-y-1 break-all font-mono">
                                                    <div><dt class="inline font-semibold">"who: "</dt><dd class="inline">{r.actor.unwrap_or_else(|| "system".into())}</dd></div>
                                                    <div><dt class="inline font-semibold">"action: "</dt><dd class="inline">{r.action}</dd></div>
                                                    <div><dt class="inline font-semibold">"entity: "</dt><dd class="inline">{format!("{} {}", r.entity, r.entity_id.unwrap_or_default())}</dd></div>
                                                    {r.before.map(|b| view! { <div><dt class="inline font-semibold">"before: "</dt><dd class="inline">{b}</dd></div> })}
                                                    {r.after.map(|a| view! { <div><dt class="inline font-semibold">"after: "</dt><dd class="inline">{a}</dd></div> })}
                                                </dl>
                                            </details>
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
        </Transition>
    }
}

/// The chain of finalized documents (bills, credit notes, Z reports): checked
/// on request, since it recomputes every link.
#[component]
fn ChainCheck() -> impl IntoView {
    let verify = ServerAction::<VerifyDocumentChain>::new();
    view! {
        <section class="mb-4 rounded-lg border border-slate-200 bg-white p-3 text-sm" aria-labelledby="chain-title">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div>
                    <h2 id="chain-title" class="font-semibold">"Document chain"</h2>
                    <p class="text-xs text-slate-500">
                        "Every finalized bill, credit note and Z report is hashed together with the one before it: an edit made behind the app's back breaks the chain."
                    </p>
                </div>
                <ActionForm action=verify>
                    <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100" data-testid="chain-verify">
                        {move || if verify.pending().get() { "Checking…" } else { "Check the chain" }}
                    </button>
                </ActionForm>
            </div>
            {move || verify.value().get().map(|result| match result {
                Ok(report) => chain_verdict(report).into_any(),
                Err(e) => view! { <p role="alert" class="mt-2 text-red-700">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

fn chain_verdict(report: ChainReport) -> impl IntoView {
    match report.broken {
        None => {
            let head = report
                .head
                .map(|h| format!(" Last link {}…", &h[..h.len().min(16)]));
            view! {
                <p class="mt-2 text-emerald-700" role="status" data-testid="chain-result">
                    {format!("The chain is whole: {} documents.{}", report.links, head.unwrap_or_default())}
                </p>
            }
            .into_any()
        }
        Some(link) => {
            let place = link
                .seq
                .map(|s| format!("link {s}"))
                .unwrap_or_else(|| "outside the chain".into());
            let document = link.document.unwrap_or_else(|| "a document".into());
            view! {
                <p class="mt-2 font-medium text-red-700" role="alert" data-testid="chain-result">
                    {format!(
                        "The chain is broken at {place} ({document}): {}. The {} links before it hold.",
                        link.problem, report.links,
                    )}
                </p>
            }
            .into_any()
        }
    }
}

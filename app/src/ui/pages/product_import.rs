//! `/products/import`: CSV import with a dry run, per-row errors and a progress
//! bar; all or nothing.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    model::{ImportEvent, ImportReport},
    ui::{components::layout::TableBox, pages::member_only::MemberOnly},
};

/// The largest file the page sends (the server checks again).
#[cfg(feature = "hydrate")]
const MAX_FILE_BYTES: f64 = 10.0 * 1024.0 * 1024.0;

#[component]
pub fn ImportPage() -> impl IntoView {
    view! {
        <Title text="Import products · Shopfloor" />
        <MemberOnly children=|_| view! { <Importer /> }.into_any() />
    }
}

#[derive(Clone, Default)]
struct ImportState {
    busy: bool,
    done: u64,
    total: u64,
    report: Option<ImportReport>,
    error: Option<String>,
}

#[component]
fn Importer() -> impl IntoView {
    let file_text = RwSignal::new(None::<String>);
    let file_error = RwSignal::new(None::<String>);
    let state = RwSignal::new(ImportState::default());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let on_file = move |ev: leptos::ev::Event| {
        state.set(ImportState::default());
        file_text.set(None);
        file_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            leptos::task::spawn_local(async move {
                match read_file(input).await {
                    Ok(text) => file_text.set(Some(text)),
                    Err(message) => file_error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let run = move |dry_run: bool| {
        let Some(text) = file_text.get_untracked() else {
            return;
        };
        state.set(ImportState {
            busy: true,
            ..Default::default()
        });
        leptos::task::spawn_local(async move {
            use futures::StreamExt;
            match crate::api::catalog::import_catalog(text, dry_run).await {
                Ok(stream) => {
                    let mut stream = stream.into_inner();
                    let mut buffer = String::new();
                    while let Some(chunk) = stream.next().await {
                        match chunk {
                            Ok(text) => {
                                buffer.push_str(&text);
                                while let Some(end) = buffer.find('\n') {
                                    let line: String = buffer.drain(..=end).collect();
                                    match serde_json::from_str::<ImportEvent>(line.trim()) {
                                        Ok(ImportEvent::Progress { done, total }) => state.update(|s| {
                                            s.done = done;
                                            s.total = total;
                                        }),
                                        Ok(ImportEvent::Report(report)) => {
                                            state.update(|s| s.report = Some(report))
                                        }
                                        Err(_) => {}
                                    }
                                }
                            }
                            Err(e) => state.update(|s| s.error = Some(e.to_string())),
                        }
                    }
                }
                Err(e) => state.update(|s| s.error = Some(e.to_string())),
            }
            state.update(|s| {
                s.busy = false;
                if s.report.is_none() && s.error.is_none() {
                    s.error = Some("The import stopped before it finished. Nothing was changed.".into());
                }
            });
        });
    };

    let can_import = move || {
        file_text.with(Option::is_some)
            && !state.with(|s| s.busy)
            && state.with(|s| {
                s.report
                    .as_ref()
                    .is_some_and(|r| r.dry_run && r.errors.is_empty())
            })
    };
    let percent = move || state.with(|s| (s.done * 100).checked_div(s.total).unwrap_or(0).min(100));
    let button = "rounded-md px-4 py-2 font-semibold disabled:opacity-50";
    view! {
        <div class="mx-auto max-w-3xl space-y-4" data-hydrated=move || hydrated.get().to_string()>
            <h1 class="text-2xl font-bold tracking-tight">"Import products"</h1>
            <div class="space-y-3 rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700">
                <p>
                    "A CSV file with a header line. Required columns: "
                    <code>"sku, name, sale_price"</code>". Optional: "
                    <code>"cost_price, barcode, description, category, supplier, unit, reorder_level, stock"</code>"."
                </p>
                <p>
                    "Known SKUs are updated; a stock value that differs from what is on hand is recorded as a count. "
                    "New categories and suppliers are created. Nothing is saved unless every row is good."
                </p>
                <input
                    type="file"
                    accept=".csv,text/csv"
                    aria-label="CSV file"
                    data-testid="import-file"
                    on:change=on_file
                    class="block w-full text-sm"
                />
                {move || file_error.get().map(|e| view! { <p role="alert" class="text-red-700">{e}</p> })}
                <div class="flex gap-3">
                    <button
                        class=format!("{button} border border-slate-300 bg-white hover:bg-slate-100")
                        disabled=move || file_text.with(Option::is_none) || state.with(|s| s.busy)
                        on:click=move |_| run(true)
                    >
                        "Check file"
                    </button>
                    <button
                        class=format!("{button} bg-indigo-600 text-white hover:bg-indigo-700")
                        disabled=move || !can_import()
                        on:click=move |_| run(false)
                    >
                        "Import"
                    </button>
                </div>
                <Show when=move || state.with(|s| s.busy || s.total > 0)>
                    <div class="space-y-1">
                        <div class="h-2 w-full overflow-hidden rounded bg-slate-200">
                            <div
                                class="h-2 bg-indigo-600 transition-all"
                                role="progressbar"
                                aria-valuemin="0"
                                aria-valuemax="100"
                                aria-valuenow=move || percent().to_string()
                                style:width=move || format!("{}%", percent())
                            ></div>
                        </div>
                        <p class="text-xs text-slate-500">
                            {move || state.with(|s| format!("{} of {} rows", s.done, s.total))}
                        </p>
                    </div>
                </Show>
            </div>
            {move || state.with(|s| s.error.clone()).map(|e| view! { <p role="alert" class="text-red-700">{e}</p> })}
            {move || state.with(|s| s.report.clone()).map(|report| view! { <ReportView report /> })}
        </div>
    }
}

#[component]
fn ReportView(report: ImportReport) -> impl IntoView {
    if !report.errors.is_empty() {
        return view! {
            <div class="rounded-lg border border-red-200 bg-white" data-testid="import-errors">
                <p class="border-b border-red-200 bg-red-50 px-4 py-2 font-semibold text-red-800">
                    {format!("{} problem(s) found. Nothing was changed.", report.errors.len())}
                </p>
                <TableBox label="Problems found">
                <table class="min-w-full text-sm">
                    <thead class="text-left text-slate-600">
                        <tr>
                            <th class="px-3 py-2 font-medium">"Line"</th>
                            <th class="px-3 py-2 font-medium">"Column"</th>
                            <th class="px-3 py-2 font-medium">"Problem"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {report.errors.into_iter().map(|e| view! {
                            <tr>
                                <td class="px-3 py-1.5 tabular-nums">{if e.line == 0 { "—".to_string() } else { e.line.to_string() }}</td>
                                <td class="px-3 py-1.5 font-mono">{e.column.unwrap_or_default()}</td>
                                <td class="px-3 py-1.5">{e.message}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </TableBox>
            </div>
        }
        .into_any();
    }
    let headline = if report.committed {
        "Imported.".to_string()
    } else {
        "The file is good. Press Import to save it.".to_string()
    };
    view! {
        <div class="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900" data-testid="import-summary">
            <p class="font-semibold">{headline}</p>
            <p>
                {format!(
                    "{} rows: {} new, {} updated, {} stock changes, {} new categories, {} new suppliers{}.",
                    report.rows, report.created, report.updated, report.stock_changes,
                    report.categories_created, report.suppliers_created,
                    if report.skipped_archived > 0 {
                        format!(", {} archived products left as they are", report.skipped_archived)
                    } else {
                        String::new()
                    }
                )}
            </p>
        </div>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
async fn read_file(input: web_sys::HtmlInputElement) -> Result<String, String> {
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or("Choose a CSV file.")?;
    if file.size() > MAX_FILE_BYTES {
        return Err("The file is larger than 10 MB. Split it into smaller files.".into());
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The file could not be read.".to_string())?;
    text.as_string()
        .ok_or_else(|| "The file could not be read as text.".into())
}

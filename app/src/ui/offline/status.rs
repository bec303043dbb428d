//! What the till shows of its offline state: a banner while offline (what
//! works, what does not), the queue of sales waiting to be sent, and what
//! the last sync did.
use leptos::prelude::*;

use super::OfflineTill;

#[component]
pub fn OfflineStatus(offline: OfflineTill) -> impl IntoView {
    let send_now = move |_| {
        leptos::task::spawn_local(async move { offline.flush().await });
    };
    view! {
        <Show when=move || !offline.online.get()>
            <div role="status" data-testid="offline-banner" class="space-y-1 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
                <p class="font-semibold">"Offline: the server cannot be reached"</p>
                <p>{move || format!(
                    "Selling from the {} products saved on this till. Sales are kept here and sent by themselves when the network is back.",
                    offline.cached.get()
                )}</p>
                <p>"Until then: no customers on sales, no discounts above the cashier limit, no parked sales, refunds, emailed receipts or cashier switches."</p>
            </div>
        </Show>
        <Show when=move || !offline.queue.with(Vec::is_empty)>
            <div data-testid="offline-queue" class="space-y-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
                <div class="flex flex-wrap items-center justify-between gap-2">
                    <p data-testid="offline-pending">{move || match offline.pending() {
                        0 => "No sale waiting to be sent.".to_string(),
                        1 => "1 sale waiting to be sent.".to_string(),
                        n => format!("{n} sales waiting to be sent."),
                    }}</p>
                    <button
                        type="button"
                        class="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 disabled:opacity-50 print:hidden"
                        disabled=move || offline.sending.get() || offline.pending() == 0
                        on:click=send_now
                    >
                        {move || if offline.sending.get() { "Sending…" } else { "Send now" }}
                    </button>
                </div>
                <ul class="text-red-800" data-testid="offline-refused">
                    {move || offline.queue.get().into_iter().filter_map(|s| {
                        s.refused.map(|why| view! {
                            <li>{format!("{}: not recorded: {why} Ask a manager.", s.sale.provisional_number)}</li>
                        })
                    }).collect_view()}
                </ul>
            </div>
        </Show>
        {move || offline.note.get().map(|n| view! {
            <p role="status" data-testid="offline-note" class="text-sm text-emerald-800">{n}</p>
        })}
    }
}

//! "Email receipt": sends a finalized bill's receipt to an address the
//! customer gives. Shown on the till's receipt and on the bill page, only
//! where the server can send email (SMTP configured); never printed.
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::pos::{email_receipts_enabled, EmailReceipt};

#[component]
pub fn EmailReceiptButton(bill_id: Uuid) -> impl IntoView {
    // Asked in the browser only: the button needs the page to be interactive.
    let enabled = RwSignal::new(false);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(yes) = email_receipts_enabled().await {
                enabled.set(yes);
            }
        });
    });
    let open = RwSignal::new(false);
    let address = RwSignal::new(String::new());
    let send = ServerAction::<EmailReceipt>::new();
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(input) = input.get() {
                let _ = input.focus();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            address.set(String::new());
            open.set(false);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if send.pending().get_untracked() {
            return;
        }
        send.dispatch(EmailReceipt {
            bill_id,
            email: address.get_untracked(),
        });
    };
    view! {
        <Show when=move || enabled.get()>
            <div class="mt-2 space-y-2 print:hidden" data-testid="email-receipt">
                <Show
                    when=move || open.get()
                    fallback=move || view! {
                        <button type="button" class="w-full rounded-md border border-slate-300 px-3 py-2 hover:bg-slate-100"
                            on:click=move |_| { open.set(true); }>
                            "Email receipt"
                        </button>
                    }
                >
                    <form on:submit=on_submit class="flex flex-wrap items-end gap-2">
                        <label class="flex-1 text-sm font-medium text-slate-700">
                            "Customer's email"
                            <input type="email" required autocomplete="off" node_ref=input name="email"
                                class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
                                prop:value=move || address.get()
                                on:input=move |ev| address.set(event_target_value(&ev))
                                prop:disabled=move || send.pending().get() />
                        </label>
                        <button type="submit" class="rounded-md bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-60"
                            prop:disabled=move || send.pending().get()>
                            {move || if send.pending().get() { "Sending…" } else { "Send" }}
                        </button>
                        <button type="button" class="rounded-md border border-slate-300 px-3 py-2 hover:bg-slate-100" on:click=move |_| open.set(false)>
                            "Cancel"
                        </button>
                    </form>
                </Show>
                {move || send.value().get().map(|result| match result {
                    Ok(said) => view! {
                        <p role="status" class="text-sm text-green-800" data-testid="email-receipt-sent">{said}</p>
                    }.into_any(),
                    Err(e) => view! {
                        <p role="alert" class="text-sm text-red-700">{e.to_string()}</p>
                    }.into_any(),
                })}
            </div>
        </Show>
    }
}

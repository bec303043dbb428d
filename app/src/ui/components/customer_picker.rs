//! The till's customer picker: a combobox that asks the server
//! (`customers/search`) as the cashier types, a moment after the last
//! keystroke, and never loads the whole customer list. Arrow keys move through
//! the answers, Enter picks the highlighted one, Escape goes back to walk-in.
use std::time::Duration;

use crate::{api::pos::search_customers, model::CustomerOption};
use leptos::{html, prelude::*};

/// How long the picker waits after a keystroke before it asks the server.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// Customers shown at most.
const SHOWN: u32 = 8;

/// `customer` holds the picked customer's id (empty: walk-in) and `name` what
/// the box shows; the till sets both when it resumes a parked sale.
#[component]
pub fn CustomerPicker(
    customer: RwSignal<String>,
    name: RwSignal<String>,
    input_ref: NodeRef<html::Input>,
    /// Shown next to the label, e.g. the shortcut key.
    #[prop(into)]
    shortcut: String,
) -> impl IntoView {
    let options = RwSignal::new(Vec::<CustomerOption>::new());
    let highlight = RwSignal::new(None::<usize>);
    let searching = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    // Each keystroke's number: only the latest one's answer is shown.
    let asked = StoredValue::new(0u64);

    let pick = move |c: CustomerOption| {
        customer.set(c.id.to_string());
        name.set(c.name);
        options.set(Vec::new());
        highlight.set(None);
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        name.set(text.clone());
        // Typing again means a new choice: walk-in until one is picked.
        customer.set(String::new());
        highlight.set(None);
        failed.set(None);
        asked.update_value(|n| *n += 1);
        let ticket = asked.get_value();
        if text.trim().is_empty() {
            options.set(Vec::new());
            return;
        }
        set_timeout(
            move || {
                if asked.get_value() != ticket {
                    return;
                }
                searching.set(true);
                leptos::task::spawn_local(async move {
                    let answer = search_customers(text, SHOWN).await;
                    if asked.get_value() != ticket {
                        return;
                    }
                    searching.set(false);
                    match answer {
                        Ok(list) => options.set(list),
                        Err(e) => failed.set(Some(e.to_string())),
                    }
                });
            },
            DEBOUNCE,
        );
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = options.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if n > 0 => {
                ev.prevent_default();
                let down = ev.key() == "ArrowDown";
                highlight.update(|h| *h = Some(step(*h, n, down)));
            }
            "Enter" => {
                ev.prevent_default();
                let chosen = highlight
                    .get_untracked()
                    .or((n == 1).then_some(0))
                    .and_then(|i| options.with_untracked(|o| o.get(i).cloned()));
                if let Some(c) = chosen {
                    pick(c);
                }
            }
            "Escape" => {
                ev.prevent_default();
                customer.set(String::new());
                name.set(String::new());
                options.set(Vec::new());
                highlight.set(None);
            }
            _ => {}
        }
    };
    let expanded = move || options.with(|o| !o.is_empty());

    view! {
        <div class="space-y-1 text-sm">
            <div class="flex items-center justify-between gap-2">
                <label for="till-customer">"Customer " <kbd class="rounded border border-slate-300 px-1 text-xs text-slate-600">{shortcut}</kbd></label>
                <span class="flex items-center gap-1">
                    <input
                        id="till-customer"
                        node_ref=input_ref
                        type="text"
                        role="combobox"
                        autocomplete="off"
                        aria-autocomplete="list"
                        aria-controls="till-customer-options"
                        aria-expanded=move || expanded().to_string()
                        aria-activedescendant=move || highlight.get().map(|i| format!("till-customer-{i}"))
                        placeholder="Walk-in: name, phone or email"
                        data-testid="customer-search"
                        class="w-48 rounded-md border border-slate-300 px-2 py-1"
                        prop:value=move || name.get()
                        on:input=on_input
                        on:keydown=on_key
                    />
                    <Show when=move || customer.with(|c| !c.is_empty())>
                        <button
                            type="button"
                            aria-label="Walk-in customer"
                            title="Walk-in customer"
                            class="rounded px-1 text-slate-500 hover:text-red-700"
                            on:click=move |_| {
                                customer.set(String::new());
                                name.set(String::new());
                            }
                        >
                            "✕"
                        </button>
                    </Show>
                </span>
            </div>
            <p class="sr-only" aria-live="polite">
                {move || if searching.get() { "Searching customers…".to_string() } else if expanded() { format!("{} customers found", options.with(Vec::len)) } else { String::new() }}
            </p>
            {move || failed.get().map(|m| view! { <p role="alert" class="text-red-700">{m}</p> })}
            <ul
                id="till-customer-options"
                role="listbox"
                aria-label="Customers"
                data-testid="customer-options"
                class="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white"
                class:hidden=move || !expanded()
            >
                {move || options.get().into_iter().enumerate().map(|(i, c)| {
                    let detail = [c.phone.clone(), c.email.clone()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · ");
                    let shown = c.name.clone();
                    view! {
                        <li
                            id=format!("till-customer-{i}")
                            role="option"
                            aria-selected=move || (highlight.get() == Some(i)).to_string()
                            class="cursor-pointer px-2 py-1 hover:bg-indigo-50"
                            class:bg-indigo-100=move || highlight.get() == Some(i)
                            on:mousedown=|ev| ev.prevent_default()
                            on:click=move |_| pick(c.clone())
                        >
                            <span class="font-medium">{shown}</span>
                            <span class="ml-2 text-xs text-slate-500">{detail}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The next highlighted index among `n` options, wrapping around.
pub fn step(current: Option<usize>, n: usize, down: bool) -> usize {
    if n == 0 {
        return 0;
    }
    match (current, down) {
        (None, true) => 0,
        (None, false) => n - 1,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    }
}

#[cfg(test)]
mod tests {
    use super::step;

    #[test]
    fn arrows_wrap_around_the_list() {
        assert_eq!(step(None, 3, true), 0);
        assert_eq!(step(None, 3, false), 2);
        assert_eq!(step(Some(2), 3, true), 0);
        assert_eq!(step(Some(0), 3, false), 2);
        assert_eq!(step(Some(1), 3, true), 2);
    }
}

//! Form pieces shared by the pages.
use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] value: String,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700">
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
            />
            {(!hint.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{hint}</p> })}
        </div>
    }
}

/// Shows the error of the last submission, if any (`value` is an action's
/// `value()`).
#[component]
pub fn FormError<T: Send + Sync + Clone + 'static>(
    value: MappedSignal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    move || {
        value.get().and_then(Result::err).map(|e| {
            view! {
                <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                    {e.to_string()}
                </p>
            }
        })
    }
}

/// A form's submit button, disabled while its action is pending; a click that
/// lands before the `disabled` attribute is drawn is refused as well, so a
/// double click submits once.
#[component]
pub fn SubmitButton(label: &'static str, busy_label: &'static str, pending: Memo<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            on:click=move |ev| {
                if pending.get_untracked() {
                    ev.prevent_default();
                }
            }
            class="w-full rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white shadow-sm hover:bg-indigo-700 disabled:opacity-60"
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// A destructive action asked twice: the first button only shows a question
/// with "Yes, …" and "Cancel"; the action runs on the second.
#[component]
pub fn ConfirmButton(
    /// The first button's text, e.g. "Suspend".
    label: &'static str,
    /// The question shown in place, e.g. "Suspend Acme? Its people are signed out."
    question: String,
    /// The confirming button's text, e.g. "Yes, suspend".
    confirm: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(default = "rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100")]
    class: &'static str,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let yes: NodeRef<leptos::html::Button> = NodeRef::new();
    Effect::new(move |_| {
        if asking.get() {
            if let Some(button) = yes.get() {
                let _ = button.focus();
            }
        }
    });
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! {
                <button type="button" class=class on:click=move |_| asking.set(true)>{label}</button>
            }
        >
            <span class="inline-flex flex-wrap items-center justify-end gap-2 text-xs" role="group" aria-label="Confirm">
                <span class="text-slate-700">{question.clone()}</span>
                <button
                    type="button"
                    node_ref=yes
                    class="rounded-md bg-red-700 px-2 py-1 font-semibold text-white hover:bg-red-800"
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm}
                </button>
                <button type="button" class="rounded-md border border-slate-300 px-2 py-1 hover:bg-slate-100" on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}

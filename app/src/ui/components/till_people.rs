//! The people at the till: "Selling as … · Switch cashier" (a person with a
//! PIN switches in on a till a manager opened; the page then reloads as
//! them), and a manager's PIN approving what a cashier may not do alone.
//! Keyboard-only: every choice is a button, the PIN box takes the focus when
//! a person is chosen, Enter acts, Escape closes; a second press while a
//! request is on its way does nothing.
use leptos::{html, prelude::*};

use crate::{
    api::pins::{pin_approve, pin_people, pin_switch},
    error::AppError,
    model::{PinAction, PinPerson, Role, UserView},
};

const PIN_INPUT: &str = "w-28 rounded-md border border-slate-300 px-2 py-1 text-center tracking-widest";

/// What a refused PIN tells the person at the till.
fn pin_failure(error: &AppError) -> String {
    match error {
        AppError::RateLimited => "Too many wrong PINs: this PIN is locked for 15 minutes. \
                                  Someone else can still use theirs."
            .into(),
        other => other.to_string(),
    }
}

/// The people with a PIN, loaded when a panel opens.
type People = Option<Result<Vec<PinPerson>, AppError>>;

/// Buttons for the people in `people` that `shown` keeps; the chosen one is
/// pressed.
fn people_buttons(
    people: RwSignal<People>,
    chosen: RwSignal<Option<PinPerson>>,
    shown: fn(&PinPerson) -> bool,
    none_text: &'static str,
) -> impl IntoView {
    move || match people.get() {
        None => view! { <p class="text-slate-500">"Loading who has a PIN…"</p> }.into_any(),
        Some(Err(e)) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
        Some(Ok(list)) => {
            let list: Vec<PinPerson> = list.into_iter().filter(shown).collect();
            if list.is_empty() {
                return view! { <p class="text-slate-600">{none_text}</p> }.into_any();
            }
            view! {
                <div class="flex flex-wrap gap-1" role="group" aria-label="People with a PIN">
                    {list
                        .into_iter()
                        .map(|person| {
                            let id = person.id;
                            let label = format!("{} ({})", person.name, person.role.label());
                            view! {
                                <button
                                    type="button"
                                    class=move || {
                                        if chosen.with(|c| c.as_ref().map(|c| c.id)) == Some(id) {
                                            "rounded border border-slate-900 bg-slate-900 px-2 py-1 text-white"
                                        } else {
                                            "rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-100"
                                        }
                                    }
                                    aria-pressed=move || {
                                        (chosen.with(|c| c.as_ref().map(|c| c.id)) == Some(id)).to_string()
                                    }
                                    on:click=move |_| chosen.set(Some(person.clone()))
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
            .into_any()
        }
    }
}

fn load_people(people: RwSignal<People>) {
    people.set(None);
    leptos::task::spawn_local(async move {
        people.set(Some(pin_people().await));
    });
}

/// "Selling as <name> · Switch cashier". `blocked`: when Some, switching is
/// refused with that message (e.g. queued sales still to send).
#[component]
pub fn TillPeople(user: Option<UserView>, blocked: Signal<Option<String>>) -> impl IntoView {
    let name = user
        .map(|u| {
            if u.display_name.trim().is_empty() {
                u.email
            } else {
                u.display_name
            }
        })
        .unwrap_or_default();
    let open = RwSignal::new(false);
    let people = RwSignal::new(None);
    let chosen = RwSignal::new(None::<PinPerson>);
    let pin = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let pin_input: NodeRef<html::Input> = NodeRef::new();
    let toggle_button: NodeRef<html::Button> = NodeRef::new();
    // The PIN box takes the focus once someone is chosen.
    Effect::new(move |_| {
        if chosen.get().is_some() {
            if let Some(input) = pin_input.get() {
                let _ = input.focus();
            }
        }
    });
    let close = move || {
        open.set(false);
        chosen.set(None);
        pin.set(String::new());
        if let Some(button) = toggle_button.get_untracked() {
            let _ = button.focus();
        }
    };
    let toggle = move |_| {
        message.set(None);
        if let Some(why) = blocked.get_untracked() {
            open.set(false);
            message.set(Some(why));
            return;
        }
        if open.get_untracked() {
            close();
        } else {
            chosen.set(None);
            pin.set(String::new());
            open.set(true);
            load_people(people);
        }
    };
    let switch = move || {
        if busy.get_untracked() {
            return;
        }
        if let Some(why) = blocked.get_untracked() {
            message.set(Some(why));
            return;
        }
        let Some(person) = chosen.get_untracked() else {
            message.set(Some("Choose who is switching in.".into()));
            return;
        };
        let typed = pin.get_untracked();
        if typed.trim().is_empty() {
            message.set(Some(format!("{} types their PIN, then Enter.", person.name)));
            return;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            match pin_switch(person.id, typed).await {
                // The whole page is drawn again for the new cashier (busy
                // stays on: nothing more is sent from this page).
                Ok(_) => reload(),
                Err(e) => {
                    pin.set(String::new());
                    message.set(Some(pin_failure(&e)));
                    busy.set(false);
                    if let Some(input) = pin_input.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
        });
    };
    view! {
        <div class="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="till-people">
            <div class="flex flex-wrap items-center gap-2">
                <span>"Selling as " <strong data-testid="selling-as">{name}</strong></span>
                <span aria-hidden="true">"·"</span>
                <button
                    type="button"
                    node_ref=toggle_button
                    class="text-indigo-700 underline"
                    aria-expanded=move || open.get().to_string()
                    on:click=toggle
                >
                    "Switch cashier"
                </button>
            </div>
            <Show when=move || open.get()>
                <div
                    id="switch-cashier"
                    role="group"
                    aria-label="Switch cashier"
                    class="mt-2 space-y-2"
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            close();
                        }
                    }
                >
                    <p class="text-slate-600">"Who is switching in?"</p>
                    {people_buttons(
                        people,
                        chosen,
                        |_| true,
                        "Nobody has a till PIN yet: each person sets theirs on their profile page.",
                    )}
                    {move || chosen.get().map(|person| view! {
                        <div class="flex flex-wrap items-center gap-2">
                            <label class="flex items-center gap-2">
                                <span>{format!("PIN for {}", person.name)}</span>
                                <input
                                    node_ref=pin_input
                                    type="password"
                                    inputmode="numeric"
                                    autocomplete="off"
                                    maxlength="6"
                                    class=PIN_INPUT
                                    data-testid="switch-pin"
                                    prop:value=move || pin.get()
                                    on:input=move |ev| pin.set(event_target_value(&ev))
                                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                        if ev.key() == "Enter" {
                                            ev.prevent_default();
                                            switch();
                                        }
                                    }
                                />
                            </label>
                            <button
                                type="button"
                                class="rounded-md bg-slate-900 px-3 py-1 font-semibold text-white disabled:opacity-50"
                                disabled=move || busy.get()
                                on:click=move |_| switch()
                            >
                                {move || if busy.get() { "Switching…" } else { "Switch" }}
                            </button>
                        </div>
                    })}
                </div>
            </Show>
            {move || message.get().map(|m| view! {
                <p role="alert" class="mt-2 text-red-700" data-testid="switch-error">{m}</p>
            })}
        </div>
    }
}

fn reload() {
    #[cfg(feature = "hydrate")]
    {
        if let Err(error) = window().location().reload() {
            leptos::logging::error!("reload failed: {error:?}");
        }
    }
}

/// A manager approves with their PIN: choose a manager (people with a PIN
/// whose role may approve), type the PIN, Enter. `on_approved` gets the
/// one-time token and the approver's name. `disabled` while the caller is
/// busy.
#[component]
pub fn PinApprove(
    action: PinAction,
    on_approved: Callback<(String, String)>,
    #[prop(into)] disabled: Signal<bool>,
    /// The button's words, e.g. "Approve and pay".
    label: &'static str,
) -> impl IntoView {
    let people = RwSignal::new(None);
    let chosen = RwSignal::new(None::<PinPerson>);
    let pin = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let pin_input: NodeRef<html::Input> = NodeRef::new();
    Effect::new(move |_| load_people(people));
    Effect::new(move |_| {
        if chosen.get().is_some() {
            if let Some(input) = pin_input.get() {
                let _ = input.focus();
            }
        }
    });
    let approve = move || {
        if busy.get_untracked() || disabled.get_untracked() {
            return;
        }
        let Some(person) = chosen.get_untracked() else {
            message.set(Some("Choose the manager who approves.".into()));
            return;
        };
        let typed = pin.get_untracked();
        if typed.trim().is_empty() {
            message.set(Some(format!("{} types their PIN, then Enter.", person.name)));
            return;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let answer = pin_approve(person.id, typed, action.as_str().to_owned()).await;
            pin.set(String::new());
            busy.set(false);
            match answer {
                Ok(approval) => on_approved.run((approval.token, approval.approver)),
                Err(e) => {
                    message.set(Some(pin_failure(&e)));
                    if let Some(input) = pin_input.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
        });
    };
    let may_approve: fn(&PinPerson) -> bool = |p| p.role >= Role::Manager;
    view! {
        <div role="group" aria-label="Approve with a manager's PIN" class="space-y-2" data-testid="pin-approve">
            <p class="font-semibold">"With a manager's PIN"</p>
            {people_buttons(
                people,
                chosen,
                may_approve,
                "No manager has a till PIN yet: use their email and password.",
            )}
            {move || chosen.get().map(|person| view! {
                <div class="flex flex-wrap items-center gap-2">
                    <label class="flex items-center gap-2">
                        <span>{format!("PIN for {}", person.name)}</span>
                        <input
                            node_ref=pin_input
                            type="password"
                            inputmode="numeric"
                            autocomplete="off"
                            maxlength="6"
                            class=PIN_INPUT
                            data-testid="approve-pin"
                            prop:value=move || pin.get()
                            on:input=move |ev| pin.set(event_target_value(&ev))
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" {
                                    ev.prevent_default();
                                    approve();
                                }
                            }
                        />
                    </label>
                    <button
                        type="button"
                        class="rounded-md bg-indigo-700 px-3 py-1 font-semibold text-white hover:bg-indigo-800 disabled:opacity-50"
                        disabled=move || busy.get() || disabled.get()
                        on:click=move |_| approve()
                    >
                        {label}
                    </button>
                </div>
            })}
            {move || message.get().map(|m| view! {
                <p role="alert" class="text-red-700" data-testid="approve-error">{m}</p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_pin_says_so_and_for_how_long() {
        assert!(pin_failure(&AppError::RateLimited).contains("locked for 15 minutes"));
        let wrong = AppError::Invalid("That PIN is not right.".into());
        assert_eq!(pin_failure(&wrong), "That PIN is not right.");
    }
}

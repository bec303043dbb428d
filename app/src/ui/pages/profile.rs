//! `/profile`: the signed-in person's own account (their name, shown in every
//! business they belong to).
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{auth::ChangePassword, pins::SetPin, profile::RenameMe},
    model::PageContext,
    ui::{
        components::form::{Field, FormError, SubmitButton},
        pages::member_only::MemberOnly,
    },
};

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Your profile · Shopfloor" />
        <MemberOnly children=|ctx| view! { <ProfileForm ctx=ctx /> }.into_any() />
    }
}

#[component]
fn ProfileForm(ctx: PageContext) -> impl IntoView {
    let rename = ServerAction::<RenameMe>::new();
    let (name, email) = ctx.user.map(|u| (u.display_name, u.email)).unwrap_or_default();
    view! {
        <div class="mx-auto max-w-md">
            <h1 class="mb-2 text-2xl font-bold">"Your profile"</h1>
            <p class="mb-4 text-slate-600">{format!("Signed in as {email}. Your name is shown in every business you belong to.")}</p>
            <ActionForm action=rename attr:class="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
                <Field label="Your name" name="display_name" autocomplete="name" value=name />
                <FormError value=rename.value() />
                {move || rename.value().get().and_then(Result::ok).map(|saved| view! {
                    <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="profile-saved">
                        {format!("Saved. You are now {saved}.")}
                    </p>
                })}
                <SubmitButton label="Save" busy_label="Saving…" pending=Memo::new(move |_| rename.pending().get()) />
            </ActionForm>
            <PasswordForm />
            <TillPinForm />
        </div>
    }
}

/// Changes the password. The current one is asked for; every other session
/// of the account ends, this one stays. The fields clear after a success.
#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let form: NodeRef<leptos::html::Form> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <h2 class="mb-2 mt-8 text-xl font-semibold">"Password"</h2>
        <ActionForm action=change node_ref=form attr:class="space-y-4 rounded-lg border border-slate-200 bg-white p-6" attr:data-testid="password-form">
            <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" />
            <Field label="New password" name="new_password" kind="password" autocomplete="new-password" hint="At least 10 characters. You stay signed in here; everywhere else you are signed out." />
            <FormError value=change.value() />
            {move || change.value().get().and_then(Result::ok).map(|said| view! {
                <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="password-saved">
                    {said}
                </p>
            })}
            <SubmitButton label="Change password" busy_label="Changing…" pending=Memo::new(move |_| change.pending().get()) />
        </ActionForm>
    }
}

/// Sets or removes the till PIN for this business (4–6 digits; the account
/// password is asked each time). The fields clear after a success.
#[component]
fn TillPinForm() -> impl IntoView {
    let set = ServerAction::<SetPin>::new();
    let remove = ServerAction::<SetPin>::new();
    let set_form: NodeRef<leptos::html::Form> = NodeRef::new();
    let remove_form: NodeRef<leptos::html::Form> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = set.value().get() {
            if let Some(form) = set_form.get() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = remove.value().get() {
            if let Some(form) = remove_form.get() {
                form.reset();
            }
        }
    });
    let saved = |action: ServerAction<SetPin>| {
        move || {
            action.value().get().and_then(Result::ok).map(|said| {
                view! {
                    <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="pin-saved">
                        {said}
                    </p>
                }
            })
        }
    };
    view! {
        <h2 class="mb-2 mt-8 text-xl font-semibold">"Till PIN"</h2>
        <p class="mb-2 text-sm text-slate-600">
            "On a till a manager has opened, you switch in with your PIN; a manager's PIN also approves discounts and refunds there. It works in this business only."
        </p>
        <ActionForm action=set node_ref=set_form attr:class="space-y-4 rounded-lg border border-slate-200 bg-white p-6" attr:data-testid="pin-form">
            <div class="space-y-1">
                <label for="field-pin" class="block text-sm font-medium text-slate-700">"New PIN"</label>
                <input
                    id="field-pin"
                    name="pin"
                    type="password"
                    inputmode="numeric"
                    autocomplete="off"
                    pattern="[0-9]{4,6}"
                    minlength="4"
                    maxlength="6"
                    required
                    class="block w-40 rounded-md border border-slate-300 bg-white px-3 py-2 tracking-widest shadow-sm"
                />
                <p class="text-xs text-slate-500">"4 to 6 digits."</p>
            </div>
            <div class="space-y-1">
                <label for="field-pin-password" class="block text-sm font-medium text-slate-700">"Your password"</label>
                <input
                    id="field-pin-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 shadow-sm"
                />
            </div>
            <FormError value=set.value() />
            {saved(set)}
            <SubmitButton label="Set PIN" busy_label="Saving…" pending=Memo::new(move |_| set.pending().get()) />
        </ActionForm>
        <ActionForm action=remove node_ref=remove_form attr:class="mt-4 space-y-4 rounded-lg border border-slate-200 bg-white p-6" attr:data-testid="pin-remove-form">
            <input type="hidden" name="pin" value="" />
            <div class="space-y-1">
                <label for="field-pin-remove-password" class="block text-sm font-medium text-slate-700">"Your password"</label>
                <input
                    id="field-pin-remove-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 shadow-sm"
                />
            </div>
            <FormError value=remove.value() />
            {saved(remove)}
            <SubmitButton label="Remove my PIN" busy_label="Removing…" pending=Memo::new(move |_| remove.pending().get()) />
        </ActionForm>
    }
}

//! `/forgot`: ask for a password-reset link; `/reset/:token`: choose a new
//! password with it. Both work signed out, on the apex and on a business's host.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::auth::{check_password_reset, RequestPasswordReset, ResetPassword},
    ui::{
        components::form::{Field, FormError, SubmitButton},
        go_to,
    },
};

const BOX: &str = "mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm";

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    view! {
        <Title text="Forgot password · Shopfloor" />
        <div class=BOX>
            <h1 class="mb-2 text-2xl font-bold tracking-tight">"Forgot your password?"</h1>
            <p class="mb-4 text-sm text-slate-600">"Enter your account's email address. We send it a link to choose a new password."</p>
            <ActionForm action=request attr:class="space-y-4">
                <Field label="Email" name="email" kind="email" autocomplete="username" />
                <FormError value=request.value() />
                {move || request.value().get().and_then(Result::ok).map(|said| view! {
                    <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="reset-requested">
                        {said}
                    </p>
                })}
                <SubmitButton label="Send the link" busy_label="Sending…" pending=Memo::new(move |_| request.pending().get()) />
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">
                <A href="/login" attr:class="text-indigo-600 hover:underline">"Back to log in"</A>
            </p>
        </div>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let valid = Resource::new(token, check_password_reset);
    view! {
        <Title text="Choose a new password · Shopfloor" />
        <div class=BOX>
            <h1 class="mb-2 text-2xl font-bold tracking-tight">"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match valid.await {
                        Ok(true) => view! { <ResetForm token=token() /> }.into_any(),
                        Ok(false) => view! {
                            <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-amber-800" data-testid="reset-invalid">
                                "This reset link has expired or was already used. "
                                <A href="/forgot" attr:class="text-indigo-600 underline">"Ask for a new one"</A>
                                "."
                            </p>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn ResetForm(token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = reset.value().get() {
            go_to(&url);
        }
    });
    view! {
        <p class="mb-4 text-sm text-slate-600">"Setting a new password signs this account out everywhere; then log in with it."</p>
        <ActionForm action=reset attr:class="space-y-4">
            <input type="hidden" name="token" value=token />
            <Field label="New password" name="new_password" kind="password" autocomplete="new-password" hint="At least 10 characters." />
            <FormError value=reset.value() />
            <SubmitButton label="Set the password" busy_label="Saving…" pending=Memo::new(move |_| reset.pending().get()) />
        </ActionForm>
    }
}

//! `/invite/:token`: someone invited joins the business (signing in to their
//! account, or creating it with the invited email).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::org::{preview_invitation, AcceptInvitation},
    org::{InvitationPreview, InvitationStatus},
    ui::{
        components::form::{Field, FormError, SubmitButton},
        go_to,
    },
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, preview_invitation);
    view! {
        <Title text="Invitation · Shopfloor" />
        <div class="mx-auto max-w-md">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(p) if p.status == InvitationStatus::Pending => view! { <AcceptForm preview=p token=token() /> }.into_any(),
                        Ok(p) => view! { <Closed status=p.status business=p.business /> }.into_any(),
                        Err(e) => view! {
                            <h1 class="mb-2 text-2xl font-bold">"Invitation"</h1>
                            <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-700">{e.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Closed(status: InvitationStatus, business: String) -> impl IntoView {
    let text = match status {
        InvitationStatus::Accepted => "This invitation was already used. If it was you, log in.",
        InvitationStatus::Revoked => "This invitation was withdrawn. Ask the business for a new one.",
        InvitationStatus::Expired => "This invitation has expired. Ask the business for a new one.",
        InvitationStatus::Pending => "",
    };
    view! {
        <h1 class="mb-2 text-2xl font-bold">{format!("Join {business}")}</h1>
        <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-amber-800" data-testid="invite-closed">{text}</p>
    }
}

#[component]
fn AcceptForm(preview: InvitationPreview, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = accept.value().get() {
            go_to(&url);
        }
    });
    let has_account = preview.has_account;
    view! {
        <h1 class="mb-2 text-2xl font-bold">{format!("Join {}", preview.business)}</h1>
        <p class="mb-4 text-slate-600">
            {format!("You are invited as {} with {}. ", preview.role.label().to_lowercase(), preview.email)}
            {if has_account { "Sign in with that account's password to accept." } else { "Create your account to accept." }}
        </p>
        <ActionForm action=accept attr:class="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
            <input type="hidden" name="token" value=token />
            <Field label="Email" name="email" kind="email" autocomplete="email" value=preview.email.clone() />
            {(!has_account).then(|| view! { <Field label="Your name" name="display_name" autocomplete="name" /> })}
            <Field
                label="Password"
                name="password"
                kind="password"
                autocomplete=if has_account { "current-password" } else { "new-password" }
                hint=if has_account { "" } else { "At least 10 characters." }
            />
            <FormError value=accept.value() />
            <SubmitButton label="Accept and sign in" busy_label="Joining…" pending=Memo::new(move |_| accept.pending().get()) />
        </ActionForm>
    }
}

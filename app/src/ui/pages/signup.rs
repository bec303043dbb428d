//! `/signup` (apex only): a new business, its address and its owner's account.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::auth::Signup,
    model::Site,
    ui::{
        components::form::{Field, FormError, SubmitButton},
        go_to, use_page_context,
    },
};

#[component]
pub fn SignupPage() -> impl IntoView {
    let page_ctx = use_page_context();
    view! {
        <Title text="Start a business · Shopfloor" />
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page_ctx.await {
                    Ok(ctx) => match ctx.site {
                        Site::Apex => view! { <SignupForm /> }.into_any(),
                        Site::Tenant(_) | Site::Platform => view! {
                            <p class="text-slate-700">
                                "New businesses are created on the main site: "
                                <a class="text-indigo-600 hover:underline" href=format!("{}/signup", ctx.apex_origin)>
                                    "start a business there"
                                </a>
                                "."
                            </p>
                        }
                        .into_any(),
                    },
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignupForm() -> impl IntoView {
    let signup = ServerAction::<Signup>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = signup.value().get() {
            go_to(&url);
        }
    });
    view! {
        <div class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h1 class="mb-6 text-2xl font-bold tracking-tight">"Start a business"</h1>
            <ActionForm action=signup attr:class="space-y-4">
                <Field label="Business name" name="business_name" autocomplete="organization" />
                <Field
                    label="Address"
                    name="slug"
                    hint="Your shop's own subdomain: 3–40 lowercase letters, digits or hyphens."
                />
                <Field label="Your name" name="display_name" autocomplete="name" />
                <Field label="Email" name="email" kind="email" autocomplete="email" />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters."
                />
                <FormError value=signup.value() />
                <SubmitButton label="Create business" busy_label="Creating…" pending=Memo::new(move |_| signup.pending().get()) />
            </ActionForm>
        </div>
    }
}

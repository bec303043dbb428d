//! Any path the router does not know.
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Shopfloor" />
        <section class="py-16 text-center">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-3xl font-bold tracking-tight">"Page not found"</h1>
            <p class="mt-4 text-slate-600">"There is no page at this address. Check the link, or go back to the start."</p>
            <a href="/" class="mt-8 inline-block rounded-md bg-indigo-600 px-4 py-2 text-white hover:bg-indigo-700">
                "Go to the start"
            </a>
        </section>
    }
}

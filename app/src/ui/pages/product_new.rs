//! `/products/new`: a product and its opening stock.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::catalog::{load_catalog_choices, CreateProduct},
    ui::{
        components::{
            catalog::ProductFields,
            form::{FormError, SubmitButton},
        },
        pages::member_only::MemberOnly,
    },
};

#[component]
pub fn NewProductPage() -> impl IntoView {
    view! {
        <Title text="New product · Shopfloor" />
        <MemberOnly children=|_| view! { <NewProductForm /> }.into_any() />
    }
}

#[component]
fn NewProductForm() -> impl IntoView {
    let choices = Resource::new(|| (), |_| load_catalog_choices());
    let create = ServerAction::<CreateProduct>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(product)) = create.value().get() {
            navigate(&format!("/products/{}", product.id), Default::default());
        }
    });
    view! {
        <div class="mx-auto max-w-3xl space-y-4">
            <h1 class="text-2xl font-bold tracking-tight">"New product"</h1>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(choices) => view! {
                            <ActionForm action=create attr:class="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                                <ProductFields choices />
                                <div class="space-y-1 md:w-1/2">
                                    <label for="f-initial-stock" class="block text-sm font-medium text-slate-700">"Opening stock"</label>
                                    <input
                                        id="f-initial-stock"
                                        name="initial_stock"
                                        type="number"
                                        min="0"
                                        value="0"
                                        class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
                                    />
                                </div>
                                <FormError value=create.value() />
                                <div class="md:w-1/3">
                                    <SubmitButton label="Create product" busy_label="Creating…" pending=Memo::new(move |_| create.pending().get()) />
                                </div>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

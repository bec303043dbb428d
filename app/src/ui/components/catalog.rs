//! Pieces shared by the catalog pages.
use leptos::prelude::*;

use crate::{
    model::{CatalogChoices, ProductView, StockBadge},
    pricing::format_amount,
};

/// An amount with 2 decimals, without a currency code (pages that know the
/// business's currency use `pricing::Currency` instead).
pub fn money(minor: i64) -> String {
    format_amount(minor, 2)
}

#[component]
pub fn StockBadgeView(badge: StockBadge) -> impl IntoView {
    let (label, class) = match badge {
        StockBadge::InStock => ("In stock", "bg-emerald-50 text-emerald-700"),
        StockBadge::Low => ("Low", "bg-amber-50 text-amber-800"),
        StockBadge::Out => ("Out", "bg-red-50 text-red-700"),
    };
    view! {
        <span data-testid="stock-badge" class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>
            {label}
        </span>
    }
}

fn input_class() -> &'static str {
    "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
}

#[component]
fn TextInput(
    label: &'static str,
    name: &'static str,
    value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let id = format!("f-{}", name.replace(['[', ']'], "-"));
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <input id=id name=name type=kind value=value required=required class=input_class() />
            {(!hint.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{hint}</p> })}
        </div>
    }
}

#[component]
fn Choice(
    label: &'static str,
    name: &'static str,
    selected: Option<uuid::Uuid>,
    options: Vec<(uuid::Uuid, String)>,
) -> impl IntoView {
    let id = format!("f-{}", name.replace(['[', ']'], "-"));
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <select id=id name=name class=input_class()>
                <option value="" selected=selected.is_none()>"—"</option>
                {options
                    .into_iter()
                    .map(|(id, name)| {
                        view! {
                            <option value=id.to_string() selected=selected == Some(id)>{name}</option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The fields of a product form, named for the `product` argument of
/// `products/create` and `products/update`, filled from `product` if given.
#[component]
pub fn ProductFields(
    choices: CatalogChoices,
    #[prop(optional)] product: Option<ProductView>,
) -> impl IntoView {
    let p = product.unwrap_or(ProductView {
        id: uuid::Uuid::nil(),
        sku: String::new(),
        barcode: None,
        name: String::new(),
        description: String::new(),
        category_id: None,
        category: None,
        supplier_id: None,
        supplier: None,
        tax_rate_id: choices.tax_rates.iter().find(|t| t.is_default).map(|t| t.id),
        unit: "each".into(),
        sale_price: 0,
        cost_price: 0,
        reorder_level: 0,
        on_hand: 0,
        is_active: true,
    });
    let categories = choices
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let suppliers = choices.suppliers.iter().map(|s| (s.id, s.name.clone())).collect();
    let tax_rates = choices
        .tax_rates
        .iter()
        .map(|t| (t.id, format!("{} ({})", t.name, t.percent())))
        .collect();
    view! {
        <div class="grid grid-cols-1 gap-4 md:grid-cols-2">
            <TextInput label="Name" name="product[name]" value=p.name required=true />
            <TextInput label="SKU" name="product[sku]" value=p.sku required=true hint="Your own code, unique in your shop." />
            <TextInput label="Barcode" name="product[barcode]" value=p.barcode.unwrap_or_default() />
            <TextInput label="Unit" name="product[unit]" value=p.unit hint="each, kg, box…" />
            <TextInput label="Sale price" name="product[sale_price]" value=money(p.sale_price) required=true />
            <TextInput label="Cost price" name="product[cost_price]" value=money(p.cost_price) />
            <TextInput
                label="Reorder level"
                name="product[reorder_level]"
                value=p.reorder_level.to_string()
                hint="Stock at or below this shows as low."
            />
            <Choice label="Category" name="product[category_id]" selected=p.category_id options=categories />
            <Choice label="Supplier" name="product[supplier_id]" selected=p.supplier_id options=suppliers />
            <Choice label="Tax rate" name="product[tax_rate_id]" selected=p.tax_rate_id options=tax_rates />
            <div class="space-y-1 md:col-span-2">
                <label for="f-product-description" class="block text-sm font-medium text-slate-700">"Description"</label>
                <textarea id="f-product-description" name="product[description]" rows="3" class=input_class()>
                    {p.description}
                </textarea>
            </div>
        </div>
    }
}

//! `/settings`: the business profile and rules (owners and admins).
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        catalog::load_catalog_choices,
        org::{load_business_settings, SaveBusinessSettings},
    },
    model::TaxRateView,
    org::{BusinessSettings, BusinessType, ReceiptPaper, CURRENCIES, SUPPORTED_MINOR_UNITS},
    permissions::Permission,
    pricing::{format_amount, parse_amount, TaxMode},
    ui::{components::form::FormError, pages::member_only::MemberOnly, role_can},
};

const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";
const LABEL: &str = "block space-y-1 text-sm font-medium text-slate-700";

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings · Shopfloor" />
        <MemberOnly children=|ctx| {
            if role_can(&ctx, Permission::ManageSettings) {
                let can_export = role_can(&ctx, Permission::ExportTenant);
                view! {
                    <Settings />
                    {can_export.then(|| view! { <DataDownload /> })}
                }.into_any()
            } else {
                view! { <p role="alert" class="text-red-700">"Only owners and admins can change the settings."</p> }.into_any()
            }
        } />
    }
}

#[component]
fn Settings() -> impl IntoView {
    let loaded = Resource::new(
        || (),
        // Both calls start together: on the server a call made after another's
        // await ran without the request's context ("request context missing").
        |_| async move {
            let (settings, choices) =
                futures::future::try_join(load_business_settings(), load_catalog_choices()).await?;
            Ok::<_, crate::error::AppError>((settings, choices.tax_rates))
        },
    );
    view! {
        <h1 class="mb-4 text-2xl font-bold tracking-tight">"Settings"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((settings, rates)) => view! { <SettingsForm settings rates /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(settings: BusinessSettings, rates: Vec<TaxRateView>) -> impl IntoView {
    let save = ServerAction::<SaveBusinessSettings>::new();
    let name = RwSignal::new(settings.name.clone());
    let business_type = RwSignal::new(settings.business_type.as_str().to_string());
    let currency = RwSignal::new(settings.currency.clone());
    let tax_mode = RwSignal::new(settings.tax_mode);
    let default_rate = RwSignal::new(
        settings
            .default_tax_rate_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );
    let timezone = RwSignal::new(settings.timezone.clone());
    let header = RwSignal::new(settings.receipt_header.clone());
    let footer = RwSignal::new(settings.receipt_footer.clone());
    let paper = RwSignal::new(settings.receipt_paper);
    // The limit is edited as a percentage with two decimals (basis points).
    let limit = RwSignal::new(format_amount(settings.cashier_discount_limit_bp, 2));
    let local_error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let limit_bp = match parse_amount(&limit.get(), 2) {
            Ok(bp) => bp,
            Err(e) => {
                local_error.set(Some(format!(
                    "The discount limit must be a percentage such as 10 or 12.5: {e}"
                )));
                return;
            }
        };
        local_error.set(None);
        save.dispatch(SaveBusinessSettings {
            settings: BusinessSettings {
                name: name.get(),
                business_type: BusinessType::parse(&business_type.get()).unwrap_or(BusinessType::Retail),
                currency: currency.get(),
                tax_mode: tax_mode.get(),
                default_tax_rate_id: uuid::Uuid::parse_str(&default_rate.get()).ok(),
                timezone: timezone.get(),
                receipt_header: header.get(),
                receipt_footer: footer.get(),
                cashier_discount_limit_bp: limit_bp,
                receipt_paper: paper.get(),
            },
        });
    };
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <form on:submit=on_submit class="grid max-w-3xl grid-cols-1 gap-4 rounded-lg border border-slate-200 bg-white p-6 md:grid-cols-2" data-testid="settings-form">
            <label class=LABEL>
                <span>"Business name"</span>
                <input class=INPUT required maxlength="120" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label class=LABEL>
                <span>"Business type"</span>
                <select class=INPUT name="business_type" on:change=move |ev| business_type.set(event_target_value(&ev))>
                    {BusinessType::ALL.into_iter().map(|b| view! {
                        <option value=b.as_str() selected=settings.business_type == b>{b.label()}</option>
                    }).collect_view()}
                </select>
                <span class="block text-xs font-normal text-slate-500">"Decides which parts of Shopfloor the menu shows."</span>
            </label>
            <label class=LABEL>
                <span>"Currency"</span>
                <select class=INPUT name="currency" on:change=move |ev| currency.set(event_target_value(&ev))>
                    {CURRENCIES.iter().filter(|(_, _, minor)| *minor == SUPPORTED_MINOR_UNITS).map(|(code, label, _)| view! {
                        <option value=*code selected=settings.currency == *code>{format!("{code} · {label}")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class=LABEL>
                <span>"Time zone"</span>
                <input class=INPUT required placeholder="Europe/Paris" prop:value=move || timezone.get() on:input=move |ev| timezone.set(event_target_value(&ev)) />
                <span class="block text-xs font-normal text-slate-500">"Where a day starts and ends in reports and filters."</span>
            </label>
            <fieldset class="space-y-1 text-sm">
                <legend class="font-medium text-slate-700">"Prices"</legend>
                <label class="flex items-center gap-2">
                    <input type="radio" name="tax_mode" checked=settings.tax_mode == TaxMode::Inclusive on:change=move |_| tax_mode.set(TaxMode::Inclusive) />
                    "include tax"
                </label>
                <label class="flex items-center gap-2">
                    <input type="radio" name="tax_mode" checked=settings.tax_mode == TaxMode::Exclusive on:change=move |_| tax_mode.set(TaxMode::Exclusive) />
                    "exclude tax (added at the till)"
                </label>
            </fieldset>
            <label class=LABEL>
                <span>"Default tax rate for new products"</span>
                <select class=INPUT name="default_tax_rate" on:change=move |ev| default_rate.set(event_target_value(&ev))>
                    <option value="" selected=settings.default_tax_rate_id.is_none()>"The rate marked default"</option>
                    {rates.into_iter().filter(|r| r.is_active).map(|r| {
                        let id = r.id.to_string();
                        view! {
                            <option value=id.clone() selected=settings.default_tax_rate_id == Some(r.id)>
                                {format!("{} ({}%)", r.name, format_amount(i64::from(r.rate_bp), 2))}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </label>
            <label class=LABEL>
                <span>"Cashier discount limit (%)"</span>
                <input class=INPUT inputmode="decimal" prop:value=move || limit.get() on:input=move |ev| limit.set(event_target_value(&ev)) />
                <span class="block text-xs font-normal text-slate-500">"Managers and above may give more."</span>
            </label>
            <label class=LABEL>
                <span>"Receipt header"</span>
                <textarea class=INPUT rows="3" maxlength="500" placeholder="Address, phone, tax number" prop:value=move || header.get() on:input=move |ev| header.set(event_target_value(&ev))></textarea>
            </label>
            <label class=LABEL>
                <span>"Receipt footer"</span>
                <textarea class=INPUT rows="3" maxlength="500" placeholder="Thank you! Returns within 30 days." prop:value=move || footer.get() on:input=move |ev| footer.set(event_target_value(&ev))></textarea>
            </label>
            <label class=LABEL>
                <span>"Receipt paper"</span>
                <select class=INPUT name="receipt_paper" on:change=move |ev| {
                    if let Some(p) = ReceiptPaper::parse(&event_target_value(&ev)) {
                        paper.set(p);
                    }
                }>
                    {ReceiptPaper::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=settings.receipt_paper == p>{p.label()}</option>
                    }).collect_view()}
                </select>
                <span class="block text-xs font-normal text-slate-500">"What Print lays the receipt out for."</span>
            </label>
            <div class="space-y-2 md:col-span-2">
                {move || local_error.get().map(|e| view! { <p role="alert" class="text-sm text-red-700">{e}</p> })}
                <FormError value=save.value() />
                {move || saved().then(|| view! { <p role="status" class="text-sm text-emerald-700">"Settings saved."</p> })}
                <button type="submit" disabled=move || save.pending().get() class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-60">
                    {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
                </button>
            </div>
        </form>
    }
}

/// The whole-business download (owners): everything the business holds, as
/// JSON lines (`GET /api/export/tenant`).
#[component]
fn DataDownload() -> impl IntoView {
    view! {
        <section class="mt-8 max-w-3xl space-y-2 rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="data-download">
            <h2 id="data-download" class="text-lg font-semibold">"Your data"</h2>
            <p class="text-sm text-slate-600">
                "Download everything this business holds (products, stock history, bills, customers, team and audit log) as one JSON-lines file, for your records or to move elsewhere."
            </p>
            <a href="/api/export/tenant" download rel="external" data-testid="download-business"
                class="inline-block rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100">
                "Download all business data"
            </a>
        </section>
    }
}

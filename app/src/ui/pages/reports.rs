//! `/reports`: sales (by day, hour, weekday, cashier, payment method or
//! customer), products or categories with margin, and tax per rate, for a
//! period. The choice is a plain GET form, so the page works before (and
//! without) the wasm; the chart is SVG drawn on the server; the table scrolls
//! sideways on a phone; the CSV link downloads what is on screen.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    api::reports::{report_products, report_sales, report_tax},
    error::AppError,
    model::{ProductGroup, ProductReport, SalesGroup, SalesReport, TaxReport},
    permissions::Permission,
    pricing::Currency,
    ui::{components::layout::TableBox, currency_of, pages::member_only::MemberOnly, role_can},
};

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports · Shopfloor" />
        <MemberOnly children=|ctx| {
            if role_can(&ctx, Permission::ViewReports) {
                view! { <Reports cur=currency_of(&ctx) /> }.into_any()
            } else {
                view! {
                    <p role="alert" class="text-red-700">
                        "Reports are for managers, admins and owners. Ask one of them for the figures you need."
                    </p>
                }
                .into_any()
            }
        } />
    }
}

/// The report asked for in the address, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    report: &'static str,
    group: String,
    from: String,
    to: String,
}

impl Choice {
    fn export_href(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("report", self.report)
            .append_pair("group", &self.group)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to);
        format!("/api/reports/export?{}", q.finish())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Loaded {
    Sales(SalesReport),
    Products(ProductReport),
    Tax(TaxReport),
}

impl Loaded {
    fn period(&self) -> (String, String) {
        match self {
            Loaded::Sales(r) => (r.from.clone(), r.to.clone()),
            Loaded::Products(r) => (r.from.clone(), r.to.clone()),
            Loaded::Tax(r) => (r.from.clone(), r.to.clone()),
        }
    }
}

async fn load(choice: Choice) -> Result<Loaded, AppError> {
    match choice.report {
        "products" => Ok(Loaded::Products(
            report_products(choice.from, choice.to, choice.group).await?,
        )),
        "tax" => Ok(Loaded::Tax(report_tax(choice.from, choice.to).await?)),
        _ => Ok(Loaded::Sales(
            report_sales(choice.from, choice.to, choice.group).await?,
        )),
    }
}

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const TH: &str = "px-3 py-2 text-left font-semibold";
const TD: &str = "px-3 py-1.5 text-right tabular-nums";

#[component]
fn Reports(cur: Currency) -> impl IntoView {
    let query = use_query_map();
    let choice = Memo::new(move |_| {
        let q = query.get();
        let get = |k: &str| q.get(k).unwrap_or_default();
        let report = match get("report").as_str() {
            "products" => "products",
            "tax" => "tax",
            _ => "sales",
        };
        let group = get("group");
        let group = match report {
            "products" => ProductGroup::parse(&group)
                .unwrap_or_default()
                .as_str()
                .to_string(),
            "tax" => String::new(),
            _ => SalesGroup::parse(&group).unwrap_or_default().as_str().to_string(),
        };
        Choice {
            report,
            group,
            from: get("from"),
            to: get("to"),
        }
    });
    let data = Resource::new(move || choice.get(), load);
    view! {
        <div class="space-y-4" data-testid="reports" data-report="">
            <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
            <form method="get" action="/reports" class="flex flex-wrap items-end gap-2 text-sm print:hidden" aria-label="Choose a report">
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Report"</span>
                    <select name="report" class=INPUT data-testid="report-kind">
                        {[("sales", "Sales"), ("products", "Products and margin"), ("tax", "Tax")]
                            .into_iter()
                            .map(|(v, l)| view! { <option value=v selected=move || choice.get().report == v>{l}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"Group by"</span>
                    <select name="group" class=INPUT data-testid="report-group">
                        <optgroup label="Sales">
                            {SalesGroup::ALL
                                .into_iter()
                                .map(|g| view! { <option value=g.as_str() selected=move || choice.get().group == g.as_str()>{g.label()}</option> })
                                .collect_view()}
                        </optgroup>
                        <optgroup label="Products and margin">
                            <option value="product" selected=move || choice.get().group == "product">"Product"</option>
                            <option value="category" selected=move || choice.get().group == "category">"Category"</option>
                        </optgroup>
                    </select>
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"From"</span>
                    <input type="date" name="from" class=INPUT data-testid="report-from" prop:value=move || choice.get().from />
                </label>
                <label class="space-y-1">
                    <span class="block text-xs text-slate-500">"To"</span>
                    <input type="date" name="to" class=INPUT data-testid="report-to" prop:value=move || choice.get().to />
                </label>
                <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white hover:bg-indigo-700" data-testid="report-show">
                    "Show"
                </button>
            </form>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the report…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(loaded) => {
                            let (from, to) = loaded.period();
                            let mut c = choice.get_untracked();
                            // The CSV of exactly the period shown (defaults resolved).
                            c.from = from.clone();
                            c.to = to.clone();
                            view! {
                                <div class="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                                    <p class="text-slate-600" data-testid="report-period">{format!("{from} to {to}")}</p>
                                    <a href=c.export_href() download class="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100 print:hidden" data-testid="report-csv">
                                        "Download CSV"
                                    </a>
                                </div>
                                {shown(loaded, cur)}
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Our own chart: SVG drawn and escaped on the server (never user markup).
#[component]
pub fn Chart(svg: String, test_id: &'static str) -> impl IntoView {
    (!svg.is_empty()).then(|| {
        view! { <figure class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white p-2" data-testid=test_id inner_html=svg></figure> }
    })
}

fn shown(loaded: Loaded, cur: Currency) -> AnyView {
    let money = move |minor: i64| cur.money(minor);
    match loaded {
        Loaded::Sales(r) => {
            let empty = r.totals.bills == 0 && r.totals.refunds == 0;
            let by = r.group.label();
            view! {
                {if empty {
                    view! { <p class="text-slate-500" data-testid="report-empty">"No sales in this period. Choose other dates."</p> }.into_any()
                } else {
                    view! { <Chart svg=r.chart_svg.clone() test_id="report-chart" /> }.into_any()
                }}
                <TableBox label="Sales report">
                    <table class="min-w-full text-sm" data-testid="report-table">
                        <thead class="bg-slate-100">
                            <tr>
                                <th class=TH scope="col">{by}</th>
                                <th class=TH scope="col">"Bills"</th>
                                <th class=TH scope="col">"Total"</th>
                                <th class=TH scope="col">"Tax"</th>
                                <th class=TH scope="col">"Refunds"</th>
                                <th class=TH scope="col">"After refunds"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100 bg-white">
                            {r.rows.into_iter().chain([r.totals]).map(|row| {
                                let total_row = row.key.is_empty() && row.label == "Total";
                                view! {
                                    <tr class=if total_row { "bg-slate-50 font-semibold" } else { "" }>
                                        <th class="px-3 py-1.5 text-left font-normal" scope="row">{row.label}</th>
                                        <td class=TD>{row.bills}</td>
                                        <td class=TD>{money(row.total)}</td>
                                        <td class=TD>{row.tax.map(money).unwrap_or_else(|| "—".into())}</td>
                                        <td class=TD>{money(row.refunds)}</td>
                                        <td class=TD>{money(row.after_refunds)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </TableBox>
            }
            .into_any()
        }
        Loaded::Products(r) => view! {
            {if r.rows.is_empty() {
                view! { <p class="text-slate-500" data-testid="report-empty">"Nothing was sold in this period. Choose other dates."</p> }.into_any()
            } else {
                view! { <Chart svg=r.chart_svg.clone() test_id="report-chart" /> }.into_any()
            }}
            <TableBox label="Products report">
                <table class="min-w-full text-sm" data-testid="report-table">
                    <thead class="bg-slate-100">
                        <tr>
                            <th class=TH scope="col">{if r.group == ProductGroup::Category { "Category" } else { "Product" }}</th>
                            <th class=TH scope="col">"Sold"</th>
                            <th class=TH scope="col">"Returned"</th>
                            <th class=TH scope="col">"Revenue (net of tax)"</th>
                            <th class=TH scope="col">"Cost"</th>
                            <th class=TH scope="col">"Margin"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 bg-white">
                        {r.rows.into_iter().chain([r.totals]).map(|row| view! {
                            <tr>
                                <th class="px-3 py-1.5 text-left font-normal" scope="row">{row.label}</th>
                                <td class=TD>{row.quantity}</td>
                                <td class=TD>{row.returned}</td>
                                <td class=TD>{money(row.revenue)}</td>
                                <td class=TD>{money(row.cost)}</td>
                                <td class=TD>{money(row.margin)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableBox>
        }
        .into_any(),
        Loaded::Tax(r) => view! {
            {r.rows.is_empty().then(|| view! { <p class="text-slate-500" data-testid="report-empty">"No tax in this period."</p> })}
            <TableBox label="Tax report">
                <table class="min-w-full text-sm" data-testid="report-table">
                    <thead class="bg-slate-100">
                        <tr>
                            <th class=TH scope="col">"Rate"</th>
                            <th class=TH scope="col">"Taxable"</th>
                            <th class=TH scope="col">"Tax"</th>
                            <th class=TH scope="col">"Returned taxable"</th>
                            <th class=TH scope="col">"Returned tax"</th>
                            <th class=TH scope="col">"Tax owed"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 bg-white">
                        {r.rows.into_iter().chain([r.totals]).map(|row| view! {
                            <tr>
                                <th class="px-3 py-1.5 text-left font-normal" scope="row">{row.label}</th>
                                <td class=TD>{money(row.taxable)}</td>
                                <td class=TD>{money(row.tax)}</td>
                                <td class=TD>{money(row.returned_taxable)}</td>
                                <td class=TD>{money(row.returned_tax)}</td>
                                <td class=TD>{money(row.net_tax)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </TableBox>
        }
        .into_any(),
    }
}

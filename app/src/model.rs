//! Data shapes shared by the server and the browser (plain serde structs).
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member's role in a tenant, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cashier,
    Manager,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Manager, Role::Cashier];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Cashier => "cashier",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Cashier => "Cashier",
        }
    }
}

/// Which kind of host served the page: the apex (sign-up, log-in, organization
/// picker) or a tenant's own subdomain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Site {
    Apex,
    Tenant(TenantView),
    /// The platform console (`admin.` host).
    Platform,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantView {
    pub slug: String,
    pub name: String,
    pub business_type: crate::org::BusinessType,
    /// The business's currency code (ISO 4217): every amount a page shows is in it.
    #[serde(default)]
    pub currency: String,
}

/// The signed-in person as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The role in the current tenant (None on the apex domain).
    pub role: Option<Role>,
}

/// Everything the layout needs to draw the header on any page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageContext {
    pub site: Site,
    pub user: Option<UserView>,
    /// The apex origin, e.g. `http://localhost:3000`, for links back to it.
    pub apex_origin: String,
}

/// The answer of `auth/me` (a stable contract for scripts and integrations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub display_name: String,
    pub tenant: Option<String>,
    pub role: Option<Role>,
}

/// One entry of the organization picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub slug: String,
    pub name: String,
    pub role: Role,
    pub suspended: bool,
}

/// Counts read from the tenant's own tables for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCounts {
    pub members: i64,
    pub owners: i64,
    pub audit_events: i64,
    pub recent: Vec<AuditEntryView>,
    /// The getting-started steps while any is open (owners and admins only);
    /// empty once all are done.
    #[serde(default)]
    pub checklist: Vec<ChecklistStep>,
    /// Today's sales, the last 14 days and low stock: for members who may see
    /// reports (managers and above); `None` for others.
    #[serde(default)]
    pub sales: Option<DashboardSales>,
}

/// The dashboard's sales figures (days in the business's time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSales {
    /// Today's bills: how many, their total, and the average basket
    /// (total / count, rounded half up; 0 without bills).
    pub today_bills: i64,
    pub today_total: i64,
    pub average_basket: i64,
    /// Best sellers of the last 14 days by revenue (net of tax), at most 5.
    pub top_products: Vec<ProductReportRow>,
    /// Sales per day of the last 14 days (oldest first, today last), drawn as
    /// an SVG bar chart on the server.
    pub last_days: Vec<SalesRow>,
    pub chart_svg: String,
    /// Active products at or below their reorder level: the first few, and
    /// how many there are in all.
    pub low_stock: Vec<LowStockItem>,
    pub low_stock_count: i64,
    /// The active tills, oldest first, each with its open shift if any.
    #[serde(default)]
    pub tills: Vec<TillView>,
}

/// How the sales report groups bills.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesGroup {
    #[default]
    Day,
    Hour,
    Weekday,
    Cashier,
    PaymentMethod,
    Customer,
}

impl SalesGroup {
    pub const ALL: [SalesGroup; 6] = [
        SalesGroup::Day,
        SalesGroup::Hour,
        SalesGroup::Weekday,
        SalesGroup::Cashier,
        SalesGroup::PaymentMethod,
        SalesGroup::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SalesGroup::Day => "day",
            SalesGroup::Hour => "hour",
            SalesGroup::Weekday => "weekday",
            SalesGroup::Cashier => "cashier",
            SalesGroup::PaymentMethod => "payment_method",
            SalesGroup::Customer => "customer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SalesGroup::Day => "Day",
            SalesGroup::Hour => "Hour of the day",
            SalesGroup::Weekday => "Day of the week",
            SalesGroup::Cashier => "Cashier",
            SalesGroup::PaymentMethod => "Payment method",
            SalesGroup::Customer => "Customer",
        }
    }

    /// `""` is the default (by day).
    pub fn parse(s: &str) -> Option<SalesGroup> {
        match s.trim() {
            "" => Some(SalesGroup::Day),
            s => SalesGroup::ALL.into_iter().find(|g| g.as_str() == s),
        }
    }
}

/// One row of the sales report. Amounts in minor units, tax included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesRow {
    /// What the row groups by, as a stable key: `2026-03-29`, `09` (hour),
    /// `1` (ISO weekday, Monday), a cashier's or customer's id (`""`: no
    /// customer), `cash`/`card`/`other`.
    pub key: String,
    pub label: String,
    /// Bills finalized in the period (for a payment method: bills paid at
    /// least partly with it).
    pub bills: i64,
    /// What they total (for a payment method: what was paid with it).
    pub total: i64,
    /// The tax in `total` (`None` by payment method: a split payment carries
    /// no tax of its own).
    pub tax: Option<i64>,
    /// Credit notes issued in the period (by day, hour and weekday: when they
    /// were issued; by cashier and customer: the original bill's; by payment
    /// method: how the money went back).
    pub refunds: i64,
    /// `total - refunds`.
    pub after_refunds: i64,
}

/// Sales in a period, grouped; `totals` is the whole period (bills counted
/// once, also by payment method).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub group: SalesGroup,
    /// The period, inclusive days in the business's time zone.
    pub from: String,
    pub to: String,
    pub rows: Vec<SalesRow>,
    pub totals: SalesRow,
    /// The rows' `after_refunds` as an SVG bar chart (drawn and escaped on
    /// the server).
    pub chart_svg: String,
}

/// How the product report groups bill lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductGroup {
    #[default]
    Product,
    Category,
}

impl ProductGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductGroup::Product => "product",
            ProductGroup::Category => "category",
        }
    }

    pub fn parse(s: &str) -> Option<ProductGroup> {
        match s.trim() {
            "" | "product" => Some(ProductGroup::Product),
            "category" => Some(ProductGroup::Category),
            _ => None,
        }
    }
}

/// One product (or category) in a period: sold and returned, net of tax, with
/// the cost at the time of sale and the gross margin. Minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReportRow {
    /// The product's or category's id (`""`: no category).
    pub key: String,
    pub label: String,
    pub quantity: i64,
    pub returned: i64,
    /// Sold less returned, net of tax.
    pub revenue: i64,
    /// `unit_cost × quantity` of the sold lines less that of the returned ones.
    pub cost: i64,
    /// `revenue - cost`.
    pub margin: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReport {
    pub group: ProductGroup,
    pub from: String,
    pub to: String,
    pub rows: Vec<ProductReportRow>,
    pub totals: ProductReportRow,
    /// Revenue of the first rows as an SVG bar chart.
    pub chart_svg: String,
}

/// Tax collected at one rate in a period. Minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxReportRow {
    /// Basis points: 2000 is 20 %.
    pub rate_bp: i32,
    pub label: String,
    /// Net of tax, of the lines sold.
    pub taxable: i64,
    /// The sum of the lines' tax.
    pub tax: i64,
    /// The same of what credit notes returned.
    pub returned_taxable: i64,
    pub returned_tax: i64,
    /// `tax - returned_tax`: what is owed for the period.
    pub net_tax: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxReport {
    pub from: String,
    pub to: String,
    pub rows: Vec<TaxReportRow>,
    pub totals: TaxReportRow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub action: String,
    pub actor: Option<String>,
    pub at: String,
    /// The entry in words ("Anna sold INV-000042, 12.40 EUR").
    #[serde(default)]
    pub summary: String,
}

/// One step of a new business's getting-started list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistStep {
    /// `settings`, `products`, `staff`, `sale`.
    pub key: String,
    pub label: String,
    pub hint: String,
    /// Where to do it.
    pub href: String,
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Owner > Role::Admin);
        assert!(Role::Admin > Role::Manager);
        assert!(Role::Manager > Role::Cashier);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

/// Stock state of a product, for badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockBadge {
    InStock,
    Low,
    Out,
}

impl StockBadge {
    pub fn of(on_hand: i64, reorder_level: i64) -> StockBadge {
        if on_hand <= 0 {
            StockBadge::Out
        } else if on_hand <= reorder_level {
            StockBadge::Low
        } else {
            StockBadge::InStock
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub id: Uuid,
    pub sku: String,
    pub barcode: Option<String>,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub category: Option<String>,
    pub supplier_id: Option<Uuid>,
    pub supplier: Option<String>,
    pub tax_rate_id: Option<Uuid>,
    pub unit: String,
    /// Minor units (cents).
    pub sale_price: i64,
    pub cost_price: i64,
    pub reorder_level: i64,
    pub on_hand: i64,
    pub is_active: bool,
}

impl ProductView {
    pub fn badge(&self) -> StockBadge {
        StockBadge::of(self.on_hand, self.reorder_level)
    }
}

/// Which products a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockFilter {
    #[default]
    All,
    Low,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    #[default]
    Name,
    Sku,
    OnHand,
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProductQuery {
    /// Matches name (anywhere), SKU (prefix) or barcode (exact).
    pub search: String,
    pub category_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub stock: StockFilter,
    /// Archived products instead of active ones.
    pub archived: bool,
    pub sort: ProductSort,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    /// The business's currency code, which the prices are in.
    #[serde(default)]
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Initial,
    Restock,
    Sale,
    Return,
    Adjustment,
    Count,
    /// Received on a purchase order.
    Receipt,
    /// Units an offline sale sold that were no longer in stock when it
    /// synced: brings the stock up to what the sale then takes.
    Shortfall,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Initial => "initial",
            MovementKind::Restock => "restock",
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Count => "count",
            MovementKind::Receipt => "receipt",
            MovementKind::Shortfall => "shortfall",
        }
    }

    pub fn parse(s: &str) -> Option<MovementKind> {
        [
            MovementKind::Initial,
            MovementKind::Restock,
            MovementKind::Sale,
            MovementKind::Return,
            MovementKind::Adjustment,
            MovementKind::Count,
            MovementKind::Receipt,
            MovementKind::Shortfall,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementView {
    pub id: Uuid,
    pub product_id: Uuid,
    pub kind: MovementKind,
    pub quantity: i64,
    pub balance_after: i64,
    pub reference: Option<String>,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStockItem {
    pub product: ProductView,
    /// Enough to bring stock to twice the reorder level.
    pub suggested_reorder: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryView {
    pub id: Uuid,
    pub name: String,
    pub is_active: bool,
    pub products: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierView {
    pub id: Uuid,
    pub name: String,
    pub contact: String,
    pub notes: String,
    pub is_active: bool,
    pub products: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRateView {
    pub id: Uuid,
    pub name: String,
    /// Basis points: 2000 = 20.00 %.
    pub rate_bp: i32,
    pub is_default: bool,
    pub is_active: bool,
}

impl TaxRateView {
    pub fn percent(&self) -> String {
        format!("{}.{:02} %", self.rate_bp / 100, self.rate_bp % 100)
    }
}

/// The choices a product form offers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CatalogChoices {
    pub categories: Vec<CategoryView>,
    pub suppliers: Vec<SupplierView>,
    pub tax_rates: Vec<TaxRateView>,
}

/// One problem in an import file, located for the person to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    /// 1-based line in the file (the header is line 1); 0 for the file as a whole.
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the changes were saved (never on a dry run or with errors).
    pub committed: bool,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub stock_changes: u64,
    pub categories_created: u64,
    pub suppliers_created: u64,
    /// Rows with `active = false` (archived products), left as they are.
    #[serde(default)]
    pub skipped_archived: u64,
    pub errors: Vec<ImportIssue>,
}

/// What an import streams back, one JSON object per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImportEvent {
    Progress { done: u64, total: u64 },
    Report(ImportReport),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Other]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A line the POS sends: product, quantity and the line's discount in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: Uuid,
    pub quantity: i64,
    #[serde(default)]
    pub line_discount: i64,
}

/// A payment the POS sends. `tendered` is what the customer handed over (cash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInput {
    pub method: PaymentMethod,
    pub amount: i64,
    #[serde(default)]
    pub tendered: Option<i64>,
}

/// Everything needed to finalize a sale. `idempotency_key` is made by the POS
/// for this sale; sending the same request again returns the same bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleInput {
    pub idempotency_key: String,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub lines: Vec<CartLine>,
    #[serde(default)]
    pub bill_discount: i64,
    pub payments: Vec<PaymentInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLineView {
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub tax_rate_bp: i32,
    /// Everything off this line: its own discount and its share of the bill's.
    pub discount: i64,
    /// The discount given on this line alone.
    #[serde(default)]
    pub line_discount: i64,
    pub tax: i64,
    pub total: i64,
    /// Already returned on credit notes.
    pub credited: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub method: PaymentMethod,
    pub amount: i64,
    pub tendered: i64,
    pub change: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteSummary {
    pub id: Uuid,
    pub number: String,
    pub total: i64,
    pub reason: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillView {
    pub id: Uuid,
    /// `INV-000123`.
    pub number: String,
    pub business: String,
    pub cashier: String,
    pub customer: Option<String>,
    pub currency: String,
    pub tax_mode: crate::pricing::TaxMode,
    pub lines: Vec<BillLineView>,
    pub payments: Vec<PaymentView>,
    pub gross: i64,
    pub discount: i64,
    pub net: i64,
    pub tax: i64,
    pub total: i64,
    pub paid: i64,
    pub change: i64,
    pub finalized_at: String,
    pub credit_notes: Vec<CreditNoteSummary>,
    /// The business's receipt texts (settings), printed above and below.
    #[serde(default)]
    pub receipt_header: String,
    #[serde(default)]
    pub receipt_footer: String,
    /// The paper the receipt is laid out for when printed (settings).
    #[serde(default)]
    pub receipt_paper: crate::org::ReceiptPaper,
    /// A sale a till made offline: the provisional number its receipt was
    /// printed with (`T2-000123`), kept next to the bill's own number.
    #[serde(default)]
    pub provisional_number: Option<String>,
}

impl BillView {
    /// The discount given on the whole bill (the lines' shares of it), as
    /// the receipt shows it below the lines' own discounts.
    pub fn bill_discount(&self) -> i64 {
        self.lines.iter().map(|l| l.discount - l.line_discount).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillSummary {
    pub id: Uuid,
    pub number: String,
    pub customer: Option<String>,
    pub cashier: String,
    pub total: i64,
    /// What credit notes have refunded of this bill so far.
    #[serde(default)]
    pub refunded: i64,
    /// In the business's time zone.
    pub finalized_at: String,
}

/// The whole selection of a bill list (every page): how many bills, their
/// total and what was refunded of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillListTotals {
    pub count: i64,
    pub total: i64,
    pub refunded: i64,
}

/// Which finalized bills to list. Dates are whole days (`2026-01-31`) in the
/// business's time zone; empty means open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillFilter {
    /// A bill number (`INV-000012` or `12`) or part of the customer's name.
    pub search: String,
    pub from: String,
    pub to: String,
    pub cashier: Option<Uuid>,
    pub customer: Option<Uuid>,
}

/// Someone to pick in a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonOption {
    pub id: Uuid,
    pub name: String,
}

/// What the POS needs of a product to sell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosItem {
    pub id: Uuid,
    pub sku: String,
    pub barcode: Option<String>,
    pub name: String,
    pub unit_price: i64,
    pub tax_rate_bp: i32,
    pub on_hand: i64,
}

/// What the POS needs of the business to compute totals exactly as the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosSettings {
    pub business: String,
    pub currency: String,
    pub tax_mode: crate::pricing::TaxMode,
    /// Largest discount a cashier may give, in basis points of the gross.
    pub cashier_discount_limit_bp: i64,
}

pub fn bill_number(number: i64) -> String {
    format!("INV-{number:06}")
}

pub fn credit_note_number(number: i64) -> String {
    format!("CN-{number:06}")
}

/// A customer as the till's picker lists them (no purchase history: cheap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerOption {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// A manager's approval, given on the till, of a discount above the
/// cashier's limit: either their email and password typed there
/// (`{"email", "password"}`), or the one-time token `auth/pin-approve` gave
/// for their PIN (`{"token"}`). Checked by the server only; never stored or
/// logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ManagerApproval {
    Password { email: String, password: String },
    Token { token: String },
}

impl std::fmt::Debug for ManagerApproval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagerApproval::Password { email, .. } => f
                .debug_struct("ManagerApproval")
                .field("email", email)
                .field("password", &"<redacted>")
                .finish(),
            ManagerApproval::Token { .. } => f
                .debug_struct("ManagerApproval")
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

/// What a manager's PIN approves (`auth/pin-approve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinAction {
    /// A discount above the cashier's limit.
    Discount,
    /// A refund (a credit note) by someone who may not issue one alone.
    Refund,
}

impl PinAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PinAction::Discount => "discount",
            PinAction::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<PinAction> {
        match s.trim() {
            "discount" => Some(PinAction::Discount),
            "refund" => Some(PinAction::Refund),
            _ => None,
        }
    }
}

/// A member of this business who has a till PIN (the switch panel lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinPerson {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// Who is signed in on the till after a PIN switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinSwitched {
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
}

/// A manager's PIN approval: a one-time token, valid two minutes, for the
/// member who asked and one action; `approver` is the manager's name.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinApproval {
    pub token: String,
    pub approver: String,
}

impl std::fmt::Debug for PinApproval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinApproval")
            .field("token", &"<redacted>")
            .field("approver", &self.approver)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub tax_id: String,
    pub notes: String,
    pub is_active: bool,
    pub bills: i64,
    pub spent: i64,
}

/// A parked sale, waiting to be resumed at the till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: Uuid,
    pub customer: Option<String>,
    pub lines: i64,
    pub total: i64,
    pub cashier: String,
    pub parked_at: String,
}

/// A line of a resumed sale, with the product as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumedLine {
    pub item: PosItem,
    pub quantity: i64,
    pub line_discount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumedSale {
    pub customer_id: Option<Uuid>,
    /// The customer's name, to show in the till's picker.
    #[serde(default)]
    pub customer_name: Option<String>,
    pub bill_discount: i64,
    pub lines: Vec<ResumedLine>,
}

/// A Z report's number as printed: `Z-000001`.
pub fn z_number(number: i64) -> String {
    format!("Z-{number:06}")
}

/// A till: a named register of the business, with its open shift if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillView {
    pub id: Uuid,
    /// The till's code in its business (`T1`, `T2`, …, in creation order):
    /// the prefix of its provisional receipt numbers.
    #[serde(default)]
    pub code: String,
    pub name: String,
    pub is_active: bool,
    pub open_shift: Option<OpenShift>,
}

/// The shift open on a till: who opened it and when (business time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenShift {
    pub id: Uuid,
    pub cashier_id: Uuid,
    pub cashier: String,
    pub opened_at: String,
}

/// A shift in the list: open ones with their float, closed ones with their Z
/// number, what they sold and how far the count was off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftSummary {
    pub id: Uuid,
    pub till_id: Uuid,
    pub till: String,
    pub cashier: String,
    pub status: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub z_number: Option<String>,
    pub opening_float: i64,
    pub sales_total: Option<i64>,
    /// Counted − expected over every method (closed shifts).
    pub difference: Option<i64>,
}

/// One payment method's figures on a shift report. `expected` for cash is the
/// drawer: float + cash sales − cash refunds + cash in − cash out; for the
/// other methods, sales − refunds. `counted` and `difference` (counted −
/// expected: positive over, negative short) once the shift is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftMethodFigures {
    pub method: PaymentMethod,
    pub sales: i64,
    pub refunds: i64,
    pub expected: i64,
    pub counted: Option<i64>,
    pub difference: Option<i64>,
}

/// Cash put into (`in`) or taken out of (`out`) a drawer during a shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftCashView {
    pub kind: String,
    pub amount: i64,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// An X report (an open shift so far) or a Z report (a closed shift, its
/// figures fixed at close and numbered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftReport {
    pub id: Uuid,
    /// `X` or `Z`.
    pub kind: String,
    pub z_number: Option<String>,
    pub status: String,
    pub business: String,
    pub currency: String,
    pub receipt_paper: crate::org::ReceiptPaper,
    pub till_id: Uuid,
    pub till: String,
    pub cashier_id: Uuid,
    pub cashier: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub opening_float: i64,
    pub bills: i64,
    pub sales_total: i64,
    pub refunds_total: i64,
    pub change_given: i64,
    pub cash_in: i64,
    pub cash_out: i64,
    pub expected_cash: i64,
    pub counted_cash: Option<i64>,
    /// Counted − expected cash: positive over, negative short.
    pub over_short: Option<i64>,
    pub expected_total: i64,
    pub counted_total: Option<i64>,
    pub methods: Vec<ShiftMethodFigures>,
    pub cash: Vec<ShiftCashView>,
    /// A Z's place in the business's document chain and its hash, printed
    /// so a paper copy anchors the chain (`57 · 3fa2b1c4…`); none for an X.
    #[serde(default)]
    pub chain_link: Option<String>,
}

/// What a ledger account holds; decides which side its balance is normally on
/// and which statement shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 5] = [
        AccountKind::Asset,
        AccountKind::Liability,
        AccountKind::Equity,
        AccountKind::Income,
        AccountKind::Expense,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountKind::Asset => "Asset",
            AccountKind::Liability => "Liability",
            AccountKind::Equity => "Equity",
            AccountKind::Income => "Income",
            AccountKind::Expense => "Expense",
        }
    }

    /// Assets and expenses grow with debits; the others with credits.
    pub fn debit_normal(self) -> bool {
        matches!(self, AccountKind::Asset | AccountKind::Expense)
    }
}

/// An account of the chart with its balance (on its normal side: positive
/// is a debit balance for assets and expenses, a credit balance otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAccountView {
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    /// Set on the accounts the automatic postings use (they cannot be
    /// deactivated).
    pub system: bool,
    pub active: bool,
    pub balance: i64,
}

/// One line of a journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalLineView {
    pub account_code: String,
    pub account_name: String,
    pub debit: i64,
    pub credit: i64,
}

/// A journal entry with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntryView {
    pub id: Uuid,
    /// The business day it is dated (YYYY-MM-DD).
    pub date: String,
    /// sale, credit_note, shift_cash, shift_close, stock, cost_change,
    /// opening, manual or reversal.
    pub source: String,
    /// The document it was posted for (a bill's or credit note's id…).
    pub source_id: Option<String>,
    pub memo: String,
    pub posted_by: Option<String>,
    pub reverses: Option<Uuid>,
    pub reversed_by: Option<Uuid>,
    pub lines: Vec<JournalLineView>,
}

/// A page of the journal, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalPage {
    pub from: String,
    pub to: String,
    pub entries: Vec<JournalEntryView>,
    /// Entries in the period (all pages).
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// An account's figures over a period: balance before it, debits and
/// credits in it, balance after it (balances signed debit − credit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialBalanceRow {
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    pub opening: i64,
    pub debit: i64,
    pub credit: i64,
    pub closing: i64,
}

/// Every account with a figure in or before the period. The period's debits
/// equal its credits, and the closing balances sum to zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialBalance {
    pub from: String,
    pub to: String,
    pub rows: Vec<TrialBalanceRow>,
    pub total_debit: i64,
    pub total_credit: i64,
    pub total_closing: i64,
}

/// An amount on a statement, on the account's normal side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub code: String,
    pub name: String,
    pub amount: i64,
}

/// Income less expenses over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfitAndLoss {
    pub from: String,
    pub to: String,
    pub income: Vec<StatementLine>,
    pub expenses: Vec<StatementLine>,
    pub total_income: i64,
    pub total_expenses: i64,
    /// Income − expenses (negative: a loss).
    pub profit: i64,
}

/// What the business has and owes at the end of a day: assets equal
/// liabilities plus equity plus the earnings not yet closed into equity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceSheet {
    pub at: String,
    pub assets: Vec<StatementLine>,
    pub liabilities: Vec<StatementLine>,
    pub equity: Vec<StatementLine>,
    /// Income − expenses of every day up to `at`.
    pub earnings: i64,
    pub total_assets: i64,
    pub total_liabilities: i64,
    /// Equity accounts plus earnings.
    pub total_equity: i64,
}

/// One line of an account's ledger, with the balance after it (on the
/// account's normal side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub entry_id: Uuid,
    pub date: String,
    pub source: String,
    pub memo: String,
    pub debit: i64,
    pub credit: i64,
    pub balance: i64,
}

/// An account's entries over a period (at most [`LedgerReport::MAX_LINES`],
/// the newest kept when there are more; `truncated` says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerReport {
    pub from: String,
    pub to: String,
    pub account: LedgerAccountView,
    pub opening: i64,
    pub lines: Vec<LedgerLine>,
    pub closing: i64,
    pub truncated: bool,
}

impl LedgerReport {
    pub const MAX_LINES: i64 = 2_000;
}

/// A line of a manual entry as typed: an account code and an amount on one
/// side (`100.00` or `100,00`; the other side empty).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ManualLineInput {
    pub account: String,
    #[serde(default)]
    pub debit: String,
    #[serde(default)]
    pub credit: String,
}

/// The chart of accounts and the lock date (nothing is posted on or before it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartOfAccounts {
    pub accounts: Vec<LedgerAccountView>,
    pub lock_date: Option<String>,
}

/// A purchase order's state: draft (editable) → sent → partly received →
/// received, or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseStatus {
    Draft,
    Sent,
    PartlyReceived,
    Received,
    Cancelled,
}

impl PurchaseStatus {
    pub const ALL: [PurchaseStatus; 5] = [
        PurchaseStatus::Draft,
        PurchaseStatus::Sent,
        PurchaseStatus::PartlyReceived,
        PurchaseStatus::Received,
        PurchaseStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseStatus::Draft => "draft",
            PurchaseStatus::Sent => "sent",
            PurchaseStatus::PartlyReceived => "partly_received",
            PurchaseStatus::Received => "received",
            PurchaseStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PurchaseStatus> {
        PurchaseStatus::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            PurchaseStatus::Draft => "Draft",
            PurchaseStatus::Sent => "Sent",
            PurchaseStatus::PartlyReceived => "Partly received",
            PurchaseStatus::Received => "Received",
            PurchaseStatus::Cancelled => "Cancelled",
        }
    }
}

/// `PO-000042`.
pub fn purchase_number(n: i64) -> String {
    format!("PO-{n:06}")
}

/// A line of a purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLineView {
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_cost: i64,
    pub received: i64,
}

/// A purchase order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderView {
    pub id: Uuid,
    pub number: String,
    pub supplier_id: Uuid,
    pub supplier: String,
    pub status: PurchaseStatus,
    pub notes: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub lines: Vec<PurchaseLineView>,
    /// Σ quantity × unit cost.
    pub total: i64,
    /// Σ received × unit cost.
    pub received_total: i64,
}

/// A purchase order in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderSummary {
    pub id: Uuid,
    pub number: String,
    pub supplier: String,
    pub status: PurchaseStatus,
    pub created_at: String,
    pub lines: i64,
    pub total: i64,
}

/// A line of a draft as typed: the product (by id, or by its SKU or barcode
/// as typed or scanned), how many, at what unit cost (`12.50` or `12,50`;
/// empty: the product's cost price).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PurchaseLineInput {
    #[serde(default)]
    pub product_id: Option<Uuid>,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit_cost: String,
}

/// How many of an order's line arrived. `received_before`: how many the
/// line had received when the form was shown; when given and no longer true
/// (a second click, someone else receiving), the delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReceiveLineInput {
    pub line_no: i32,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub received_before: Option<i64>,
}

/// A payment to a supplier and what is still owed to them after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierPaymentView {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub supplier: String,
    pub amount: i64,
    pub method: String,
    pub paid_on: String,
    pub reference: String,
    /// Received from the supplier so far less paid to them (what is owed).
    pub owed: i64,
}

// --- The offline till (issue #15): what a till queues while offline and
// --- what `sync/sales` and `sync/catalog` answer.

/// A line of a sale rung up offline: the cart line plus the price and tax
/// rate the till charged (from its cached catalog), which the receipt printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineLine {
    pub product_id: Uuid,
    pub quantity: i64,
    #[serde(default)]
    pub line_discount: i64,
    pub unit_price: i64,
    pub tax_rate_bp: i32,
}

/// A sale the till made while offline, as queued in the browser (IndexedDB)
/// before anything else happened to it. Sent by `sync/sales`, in the order
/// they were made; `idempotency_key` makes every resend harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSale {
    pub idempotency_key: String,
    /// The till's provisional receipt number, printed on the receipt:
    /// `T2-000123` (the till's code, then its own sequence).
    pub provisional_number: String,
    #[serde(default)]
    pub till_id: Option<Uuid>,
    /// When the till rang it up (the browser's clock, RFC 3339).
    pub sold_at: String,
    pub lines: Vec<OfflineLine>,
    #[serde(default)]
    pub bill_discount: i64,
    pub payments: Vec<PaymentInput>,
}

/// What became of one queued sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedSale {
    pub idempotency_key: String,
    /// Recorded (now or by an earlier send of the same key): the bill.
    #[serde(default)]
    pub bill_id: Option<Uuid>,
    /// `INV-000123` once recorded.
    #[serde(default)]
    pub number: Option<String>,
    /// Units sold that were no longer in stock when the sale arrived: each
    /// recorded as a `shortfall` stock movement for a manager to review.
    #[serde(default)]
    pub shortfall: i64,
    /// Refused for good (the message says why): the till keeps the sale and
    /// shows it; resending it will not help.
    #[serde(default)]
    pub refused: Option<String>,
}

/// The till's cached catalog: a bounded set of what it is likely to sell.
/// `full`: replace the cache with `products`; else apply the changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogDelta {
    /// Opaque: sent back as `cursor` on the next `sync/catalog`.
    pub cursor: String,
    pub full: bool,
    pub products: Vec<PosItem>,
    /// No longer sold (archived) or gone from the set: drop from the cache.
    pub removed: Vec<Uuid>,
    /// The till's code (`T2`) and the highest provisional sequence the server
    /// has recorded for it (a till whose storage was wiped continues after it).
    #[serde(default)]
    pub till_code: Option<String>,
    #[serde(default)]
    pub last_provisional: i64,
}

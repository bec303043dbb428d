//! The organization's shapes shared by the server and the browser: business
//! types and the modules they show, currencies, settings, members,
//! invitations, audit rows and the platform console's tenant overview.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{model::Role, pricing::TaxMode};

/// What kind of business a tenant is; it decides which modules the navigation
/// shows (every route still checks permissions on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    Retail,
    Restaurant,
    Supermarket,
    AutoService,
    Dealership,
}

/// A part of the product with its own navigation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Module {
    Till,
    Bills,
    Customers,
    Products,
    LowStock,
    Lists,
}

impl BusinessType {
    pub const ALL: [BusinessType; 5] = [
        BusinessType::Retail,
        BusinessType::Restaurant,
        BusinessType::Supermarket,
        BusinessType::AutoService,
        BusinessType::Dealership,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessType::Retail => "retail",
            BusinessType::Restaurant => "restaurant",
            BusinessType::Supermarket => "supermarket",
            BusinessType::AutoService => "auto_service",
            BusinessType::Dealership => "dealership",
        }
    }

    pub fn parse(s: &str) -> Option<BusinessType> {
        BusinessType::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BusinessType::Retail => "Retail shop",
            BusinessType::Restaurant => "Restaurant",
            BusinessType::Supermarket => "Supermarket",
            BusinessType::AutoService => "Auto service",
            BusinessType::Dealership => "Dealership",
        }
    }

    /// The modules the navigation shows, in order. A restaurant sells from a
    /// menu to walk-in guests (no customer book, no shelf stock alerts); a
    /// dealership sells a few high-value items to known customers (no stock
    /// alerts); shops, supermarkets and garages use everything.
    pub fn modules(self) -> &'static [Module] {
        use Module::*;
        match self {
            BusinessType::Retail | BusinessType::Supermarket | BusinessType::AutoService => {
                &[Till, Bills, Customers, Products, LowStock, Lists]
            }
            BusinessType::Restaurant => &[Till, Bills, Products, Lists],
            BusinessType::Dealership => &[Till, Bills, Customers, Products, Lists],
        }
    }

    /// What this business calls its catalog.
    pub fn products_label(self) -> &'static str {
        match self {
            BusinessType::Restaurant => "Menu",
            BusinessType::AutoService => "Parts & services",
            BusinessType::Dealership => "Vehicles",
            BusinessType::Retail | BusinessType::Supermarket => "Products",
        }
    }
}

impl Module {
    pub fn href(self) -> &'static str {
        match self {
            Module::Till => "/pos",
            Module::Bills => "/bills",
            Module::Customers => "/customers",
            Module::Products => "/products",
            Module::LowStock => "/stock/low",
            Module::Lists => "/catalog/lists",
        }
    }

    pub fn label(self, business: BusinessType) -> &'static str {
        match self {
            Module::Till => "Till",
            Module::Bills => "Bills",
            Module::Customers => "Customers",
            Module::Products => business.products_label(),
            Module::LowStock => "Low stock",
            Module::Lists => "Lists",
        }
    }
}

/// ISO 4217 currencies offered in the settings, with their minor units.
/// Amounts are stored in minor units; Shopfloor formats with two minor digits
/// today, so only two-digit currencies can be chosen (the others are listed so
/// the refusal can say why).
pub const CURRENCIES: &[(&str, &str, u32)] = &[
    ("AED", "UAE dirham", 2),
    ("ARS", "Argentine peso", 2),
    ("AUD", "Australian dollar", 2),
    ("BHD", "Bahraini dinar", 3),
    ("BRL", "Brazilian real", 2),
    ("CAD", "Canadian dollar", 2),
    ("CHF", "Swiss franc", 2),
    ("CLP", "Chilean peso", 0),
    ("CNY", "Chinese yuan", 2),
    ("COP", "Colombian peso", 2),
    ("CZK", "Czech koruna", 2),
    ("DKK", "Danish krone", 2),
    ("EGP", "Egyptian pound", 2),
    ("EUR", "Euro", 2),
    ("GBP", "Pound sterling", 2),
    ("HKD", "Hong Kong dollar", 2),
    ("HUF", "Hungarian forint", 2),
    ("IDR", "Indonesian rupiah", 2),
    ("ILS", "Israeli new shekel", 2),
    ("INR", "Indian rupee", 2),
    ("JPY", "Japanese yen", 0),
    ("KES", "Kenyan shilling", 2),
    ("KRW", "South Korean won", 0),
    ("KWD", "Kuwaiti dinar", 3),
    ("MAD", "Moroccan dirham", 2),
    ("MXN", "Mexican peso", 2),
    ("MYR", "Malaysian ringgit", 2),
    ("NGN", "Nigerian naira", 2),
    ("NOK", "Norwegian krone", 2),
    ("NZD", "New Zealand dollar", 2),
    ("OMR", "Omani rial", 3),
    ("PHP", "Philippine peso", 2),
    ("PKR", "Pakistani rupee", 2),
    ("PLN", "Polish złoty", 2),
    ("RON", "Romanian leu", 2),
    ("SAR", "Saudi riyal", 2),
    ("SEK", "Swedish krona", 2),
    ("SGD", "Singapore dollar", 2),
    ("THB", "Thai baht", 2),
    ("TND", "Tunisian dinar", 3),
    ("TRY", "Turkish lira", 2),
    ("TWD", "New Taiwan dollar", 2),
    ("UAH", "Ukrainian hryvnia", 2),
    ("USD", "US dollar", 2),
    ("VND", "Vietnamese đồng", 0),
    ("ZAR", "South African rand", 2),
];

/// The minor units of an ISO 4217 code we know.
pub fn currency_minor_units(code: &str) -> Option<u32> {
    CURRENCIES.iter().find(|(c, _, _)| *c == code).map(|(_, _, m)| *m)
}

/// The minor units every amount is formatted with.
pub const SUPPORTED_MINOR_UNITS: u32 = 2;

/// The business profile and rules an owner or admin sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessSettings {
    pub name: String,
    pub business_type: BusinessType,
    pub currency: String,
    pub tax_mode: TaxMode,
    /// The tax rate new products start with (None: the first one listed).
    pub default_tax_rate_id: Option<Uuid>,
    /// IANA time zone (e.g. `Europe/Paris`): day boundaries of reports and filters.
    pub timezone: String,
    pub receipt_header: String,
    pub receipt_footer: String,
    /// Largest discount a cashier may give, in basis points of the gross.
    pub cashier_discount_limit_bp: i64,
    /// The paper receipts are printed on.
    #[serde(default)]
    pub receipt_paper: ReceiptPaper,
}

/// The paper a receipt is laid out for when printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptPaper {
    /// 80 mm thermal roll (the common till printer).
    #[default]
    #[serde(rename = "80mm")]
    Thermal80,
    /// 58 mm thermal roll.
    #[serde(rename = "58mm")]
    Thermal58,
    /// A4 sheet.
    #[serde(rename = "a4")]
    A4,
}

impl ReceiptPaper {
    pub const ALL: [ReceiptPaper; 3] = [ReceiptPaper::Thermal80, ReceiptPaper::Thermal58, ReceiptPaper::A4];

    /// The stored value (`tenants.receipt_paper`), also the receipt's `data-paper`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptPaper::Thermal80 => "80mm",
            ReceiptPaper::Thermal58 => "58mm",
            ReceiptPaper::A4 => "a4",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ReceiptPaper::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReceiptPaper::Thermal80 => "80 mm thermal roll",
            ReceiptPaper::Thermal58 => "58 mm thermal roll",
            ReceiptPaper::A4 => "A4 sheet",
        }
    }
}

/// A new business's settings (the columns' defaults).
impl Default for BusinessSettings {
    fn default() -> Self {
        BusinessSettings {
            name: String::new(),
            business_type: BusinessType::Retail,
            currency: "USD".into(),
            tax_mode: TaxMode::Inclusive,
            default_tax_rate_id: None,
            timezone: "UTC".into(),
            receipt_header: String::new(),
            receipt_footer: String::new(),
            cashier_discount_limit_bp: 1000,
            receipt_paper: ReceiptPaper::Thermal80,
        }
    }
}

impl BusinessSettings {
    /// The minor digits of the business's currency (2 for an unknown code,
    /// which settings validation never lets in).
    pub fn minor_digits(&self) -> u32 {
        currency_minor_units(&self.currency).unwrap_or(SUPPORTED_MINOR_UNITS)
    }

    /// An amount in minor units as the business writes it: `12.40 EUR`.
    pub fn money(&self, minor: i64) -> String {
        format!(
            "{} {}",
            crate::pricing::format_amount(minor, self.minor_digits()),
            self.currency
        )
    }

    /// An amount in minor units without the currency code: `12.40`.
    pub fn amount(&self, minor: i64) -> String {
        crate::pricing::format_amount(minor, self.minor_digits())
    }
}

/// The columns of `tenants` that [`BusinessSettings::from_row`] decodes, for
/// `SELECT {SETTINGS_COLUMNS} FROM tenants`.
#[cfg(feature = "ssr")]
pub const SETTINGS_COLUMNS: &str = "name, business_type, currency, tax_mode, default_tax_rate_id, timezone, \
     receipt_header, receipt_footer, cashier_discount_limit_bp, receipt_paper";

#[cfg(feature = "ssr")]
impl BusinessSettings {
    /// The one place a tenant's settings are decoded from its row (the columns
    /// in [`SETTINGS_COLUMNS`]); the database's CHECKs keep them valid.
    pub fn from_row(row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        let decode = |column: &str, what: &str| sqlx::Error::ColumnDecode {
            index: column.into(),
            source: format!("unknown {what}").into(),
        };
        let business_type: String = row.try_get("business_type")?;
        let tax_mode: String = row.try_get("tax_mode")?;
        let receipt_paper: String = row.try_get("receipt_paper")?;
        Ok(BusinessSettings {
            name: row.try_get("name")?,
            business_type: BusinessType::parse(&business_type)
                .ok_or_else(|| decode("business_type", "business type"))?,
            currency: row.try_get("currency")?,
            tax_mode: match tax_mode.as_str() {
                "inclusive" => TaxMode::Inclusive,
                "exclusive" => TaxMode::Exclusive,
                _ => return Err(decode("tax_mode", "tax mode")),
            },
            default_tax_rate_id: row.try_get("default_tax_rate_id")?,
            timezone: row.try_get("timezone")?,
            receipt_header: row.try_get("receipt_header")?,
            receipt_footer: row.try_get("receipt_footer")?,
            cashier_discount_limit_bp: i64::from(row.try_get::<i32, _>("cashier_discount_limit_bp")?),
            receipt_paper: ReceiptPaper::parse(&receipt_paper)
                .ok_or_else(|| decode("receipt_paper", "receipt paper"))?,
        })
    }
}

/// One member of the team, as the members page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    pub last_seen_at: Option<String>,
    pub joined_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Revoked => "revoked",
            InvitationStatus::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub invited_by: String,
    pub expires_at: String,
    pub created_at: String,
}

/// What the inviter gets back once: the link carries the only copy of the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvitation {
    pub invitation: InvitationView,
    pub link: String,
    /// Whether the link also went out by email (SMTP configured and accepted).
    #[serde(default)]
    pub emailed: bool,
}

/// What the invitation page shows to the person invited (before accepting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub business: String,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    /// Whether an account exists for the email: sign in rather than sign up.
    pub has_account: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
    /// The entry in words ("Anna sold INV-000042, 12.40 EUR").
    #[serde(default)]
    pub summary: String,
}

/// Filters of the audit page and its CSV export (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    /// Exact action, or a prefix ending in `.` (e.g. `bill.`).
    pub action: String,
    pub entity: String,
    /// Inclusive dates (YYYY-MM-DD) in the tenant's time zone.
    pub from: String,
    pub to: String,
}

/// One tenant in the platform console: aggregates only, never contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantOverview {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub business_type: String,
    pub plan: String,
    pub status: String,
    pub max_users: i32,
    pub created_at: String,
    pub member_count: i64,
    pub product_count: i64,
    pub bill_count: i64,
    pub storage_bytes: i64,
    pub last_activity: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_types_round_trip_and_show_the_till() {
        for b in BusinessType::ALL {
            assert_eq!(BusinessType::parse(b.as_str()), Some(b));
            assert!(b.modules().contains(&Module::Till));
            assert!(b.modules().contains(&Module::Bills));
        }
        assert!(!BusinessType::Restaurant.modules().contains(&Module::Customers));
    }

    #[test]
    fn currencies_are_iso_codes_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, minor) in CURRENCIES {
            assert!(
                code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()),
                "{code}"
            );
            assert!(seen.insert(*code), "{code} listed twice");
            assert!(*minor <= 3);
        }
        assert_eq!(currency_minor_units("JPY"), Some(0));
        assert_eq!(currency_minor_units("EUR"), Some(2));
        assert_eq!(currency_minor_units("XXX"), None);
    }
}

/// The business's document chain as checked just now (`chain/verify`): every
/// finalized bill, credit note and Z report is a link (migration 0017).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Links checked, from the first: all of them when the chain is whole,
    /// else those before the first broken one.
    pub links: i64,
    /// The head's hash (hex) when the chain is whole.
    pub head: Option<String>,
    pub broken: Option<BrokenLink>,
}

/// The first link that does not hold, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Its place in the chain (none for a document missing from the chain).
    pub seq: Option<i64>,
    /// The document it is about, as people call it (`INV-000042`), when known.
    pub document: Option<String>,
    pub document_id: Option<Uuid>,
    pub problem: String,
}

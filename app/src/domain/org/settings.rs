//! The business profile and rules: read by everyone in the tenant (the till
//! needs tax mode, currency and the discount limit), changed by owners and
//! admins. Stored on the tenant's own row: `name`, `business_type`, and the
//! `settings` JSON object (keys below), so the till's existing reader keeps
//! working.

use super::OrgError;
use crate::{
    domain::audit::{self, AuditEntry},
    org::{currency_minor_units, BusinessSettings, SUPPORTED_MINOR_UNITS},
    permissions::Permission,
    tenancy::{TenantCtx, TenantTx},
};

const MAX_RECEIPT_TEXT: usize = 500;

/// The tenant's settings (decoded in one place: `BusinessSettings::from_row`).
pub async fn load(tx: &mut TenantCtx<'_>) -> Result<BusinessSettings, OrgError> {
    Ok((*tx.settings().await?).clone())
}

/// Checks and saves the settings; one audit row with before and after.
pub async fn save(tx: &mut TenantCtx<'_>, input: BusinessSettings) -> Result<BusinessSettings, OrgError> {
    tx.require(Permission::ManageSettings)?;
    let clean = validate(tx, input).await?;
    let before = load(tx).await?;
    sqlx::query(
        "UPDATE tenants SET name = $1, business_type = $2, currency = $3, tax_mode = $4, \
                default_tax_rate_id = $5, timezone = $6, receipt_header = $7, receipt_footer = $8, \
                cashier_discount_limit_bp = $9, receipt_paper = $10",
    )
    .bind(&clean.name)
    .bind(clean.business_type.as_str())
    .bind(&clean.currency)
    .bind(clean.tax_mode.as_str())
    .bind(clean.default_tax_rate_id)
    .bind(&clean.timezone)
    .bind(&clean.receipt_header)
    .bind(&clean.receipt_footer)
    .bind(i32::try_from(clean.cashier_discount_limit_bp).unwrap_or(i32::MAX))
    .bind(clean.receipt_paper.as_str())
    .execute(tx.conn())
    .await?;
    tx.settings_changed();
    let tenant_id = tx.tenant_id();
    audit::record(
        tx,
        AuditEntry::new("settings.updated", "tenant")
            .entity_id(tenant_id)
            .before(serde_json::to_value(&before).unwrap_or_default())
            .after(serde_json::to_value(&clean).unwrap_or_default()),
    )
    .await?;
    Ok(clean)
}

async fn validate(tx: &mut TenantTx, input: BusinessSettings) -> Result<BusinessSettings, OrgError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(OrgError::invalid(
            "The business name must be 1 to 120 characters.",
        ));
    }
    let currency = input.currency.trim().to_uppercase();
    match currency_minor_units(&currency) {
        None => {
            return Err(OrgError::invalid(format!(
                "{currency} is not an ISO 4217 currency Shopfloor knows."
            )))
        }
        Some(minor) if minor != SUPPORTED_MINOR_UNITS => {
            return Err(OrgError::invalid(format!(
                "{currency} has {minor} minor digits; Shopfloor supports currencies with {SUPPORTED_MINOR_UNITS} for now."
            )))
        }
        Some(_) => {}
    }
    let timezone = input.timezone.trim().to_owned();
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(&timezone)
        .fetch_one(tx.conn())
        .await?;
    if !known {
        return Err(OrgError::invalid(format!(
            "“{timezone}” is not a time zone (use a name such as Europe/Paris or America/New_York)."
        )));
    }
    if let Some(rate) = input.default_tax_rate_id {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tax_rates WHERE id = $1)")
            .bind(rate)
            .fetch_one(tx.conn())
            .await?;
        if !exists {
            return Err(OrgError::invalid("That default tax rate does not exist."));
        }
    }
    let receipt = |text: &str, what: &str| {
        let text = text.trim().replace("\r\n", "\n");
        if text.chars().count() > MAX_RECEIPT_TEXT {
            Err(OrgError::invalid(format!(
                "The receipt {what} must be at most {MAX_RECEIPT_TEXT} characters."
            )))
        } else {
            Ok(text)
        }
    };
    if !(0..=10_000).contains(&input.cashier_discount_limit_bp) {
        return Err(OrgError::invalid(
            "The cashier discount limit must be between 0% and 100%.",
        ));
    }
    Ok(BusinessSettings {
        name,
        business_type: input.business_type,
        currency,
        tax_mode: input.tax_mode,
        default_tax_rate_id: input.default_tax_rate_id,
        timezone,
        receipt_header: receipt(&input.receipt_header, "header")?,
        receipt_footer: receipt(&input.receipt_footer, "footer")?,
        cashier_discount_limit_bp: input.cashier_discount_limit_bp,
        // A closed set: the type admits only the papers the receipt is laid out for.
        receipt_paper: input.receipt_paper,
    })
}

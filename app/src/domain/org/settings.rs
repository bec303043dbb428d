//! The business profile and rules: read by everyone in the tenant (the till
//! needs tax mode, currency and the discount limit), changed by owners and
//! admins. Stored on the tenant's own row: `name`, `business_type`, and the
//! `settings` JSON object (keys below), so the till's existing reader keeps
//! working.
use serde_json::{json, Value};
use uuid::Uuid;

use super::OrgError;
use crate::{
    domain::audit::{self, AuditEntry},
    org::{currency_minor_units, BusinessSettings, BusinessType, SUPPORTED_MINOR_UNITS},
    permissions::{Actor, Permission},
    pricing::TaxMode,
    tenancy::TenantTx,
};

const MAX_RECEIPT_TEXT: usize = 500;

/// The tenant's settings, with defaults for keys never set.
pub async fn load(tx: &mut TenantTx) -> Result<BusinessSettings, OrgError> {
    let (name, business_type, settings): (String, String, Value) =
        sqlx::query_as("SELECT name, business_type, settings FROM tenants")
            .fetch_one(tx.conn())
            .await?;
    Ok(from_row(name, &business_type, &settings))
}

fn from_row(name: String, business_type: &str, settings: &Value) -> BusinessSettings {
    let text = |key: &str, default: &str| {
        settings
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    BusinessSettings {
        name,
        business_type: BusinessType::parse(business_type).unwrap_or(BusinessType::Retail),
        currency: text("currency", "USD"),
        tax_mode: match settings.get("tax_mode").and_then(Value::as_str) {
            Some("exclusive") => TaxMode::Exclusive,
            _ => TaxMode::Inclusive,
        },
        default_tax_rate_id: settings
            .get("default_tax_rate_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()),
        timezone: text("timezone", "UTC"),
        receipt_header: text("receipt_header", ""),
        receipt_footer: text("receipt_footer", ""),
        cashier_discount_limit_bp: settings
            .get("cashier_discount_limit_bp")
            .and_then(Value::as_i64)
            .unwrap_or(1000),
    }
}

/// Checks and saves the settings; one audit row with before and after.
pub async fn save(
    tx: &mut TenantTx,
    actor: &Actor,
    input: BusinessSettings,
    request_id: Option<&str>,
) -> Result<BusinessSettings, OrgError> {
    actor.require(Permission::ManageSettings)?;
    let clean = validate(tx, input).await?;
    let before = load(tx).await?;
    sqlx::query(
        "UPDATE tenants SET name = $1, business_type = $2, \
                settings = settings || $3::jsonb",
    )
    .bind(&clean.name)
    .bind(clean.business_type.as_str())
    .bind(json!({
        "currency": clean.currency,
        "tax_mode": match clean.tax_mode { TaxMode::Inclusive => "inclusive", TaxMode::Exclusive => "exclusive" },
        "default_tax_rate_id": clean.default_tax_rate_id.map(|id| id.to_string()),
        "timezone": clean.timezone,
        "receipt_header": clean.receipt_header,
        "receipt_footer": clean.receipt_footer,
        "cashier_discount_limit_bp": clean.cashier_discount_limit_bp,
    }))
    .execute(tx.conn())
    .await?;
    let tenant_id = tx.tenant_id();
    audit::record(
        tx,
        AuditEntry::new(Some(actor.user_id), "settings.updated", "tenant")
            .entity_id(tenant_id)
            .before(serde_json::to_value(&before).unwrap_or_default())
            .after(serde_json::to_value(&clean).unwrap_or_default())
            .request_id(request_id),
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_for_an_empty_settings_object() {
        let s = from_row("Acme".into(), "restaurant", &json!({}));
        assert_eq!(s.business_type, BusinessType::Restaurant);
        assert_eq!(s.currency, "USD");
        assert_eq!(s.tax_mode, TaxMode::Inclusive);
        assert_eq!(s.timezone, "UTC");
        assert_eq!(s.cashier_discount_limit_bp, 1000);
    }
}

//! The demo seed: two businesses, their accounts, a catalog and sales for each,
//! and a platform operator,
//! through the same domain functions the app uses. Idempotent.
use super::{
    accounts::{self, AccountError, SignupInput},
    demo_catalog, demo_sales,
    inventory::InventoryError,
    permissions::Actor,
};
use crate::{model::Role, tenancy::Db};

pub const DEMO_PASSWORD: &str = "shopfloor-demo";
/// The demo platform operator (signs in on `admin.<base domain>`).
pub const DEMO_OPERATOR: &str = "operator@shopfloor.test";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Accounts(#[from] AccountError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Billing(#[from] super::billing::BillingError),
    #[error(transparent)]
    Purchase(#[from] super::purchasing::PurchaseError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("demo operator: {0}")]
    Operator(String),
    #[error(transparent)]
    Pin(#[from] super::pins::PinError),
}

pub async fn seed_demo(db: &Db) -> Result<(), SeedError> {
    let acme = ensure_business(db, "Acme Corner Shop", "acme", "Ada Owner", "owner@acme.test").await?;
    accounts::ensure_member_account(
        db,
        acme,
        "cashier@acme.test",
        "Cal Cashier",
        DEMO_PASSWORD,
        Role::Cashier,
    )
    .await?;
    let globex = ensure_business(db, "Globex Market", "globex", "Greta Owner", "owner@globex.test").await?;
    seed_catalog_for(db, acme, "owner@acme.test", &demo_catalog::CORNER_SHOP).await?;
    // A manager, and till PINs, so the demo shows switching cashiers and a
    // manager's PIN approving (README's demo logins list them).
    let manager = accounts::ensure_member_account(
        db,
        acme,
        "manager@acme.test",
        "Mia Manager",
        DEMO_PASSWORD,
        Role::Manager,
    )
    .await?;
    for (email, pin) in DEMO_PINS {
        let user = match email {
            "manager@acme.test" => manager,
            _ => user_id(db, email).await?,
        };
        ensure_pin(db, acme, user, pin).await?;
    }
    seed_catalog_for(db, globex, "owner@globex.test", &demo_catalog::MARKET).await?;
    super::org::platform::create_operator(db, DEMO_OPERATOR, "Olga Operator", DEMO_PASSWORD)
        .await
        .map_err(|e| SeedError::Operator(e.to_string()))?;
    Ok(())
}

/// The demo's till PINs at Acme (see README's demo logins).
pub const DEMO_PINS: [(&str, &str); 3] = [
    ("owner@acme.test", "1111"),
    ("manager@acme.test", "2222"),
    ("cashier@acme.test", "3333"),
];

async fn user_id(db: &Db, email: &str) -> Result<uuid::Uuid, SeedError> {
    let mut tx = db.platform_tx().await?;
    let id = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Gives a demo member a PIN unless they have one (a PIN changed since
/// stays; nothing is hashed when there is nothing to do).
async fn ensure_pin(db: &Db, tenant_id: uuid::Uuid, user_id: uuid::Uuid, pin: &str) -> Result<(), SeedError> {
    let mut tx = db.tenant_tx(tenant_id).await?;
    let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM member_pins WHERE user_id = $1)")
        .bind(user_id)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    if has {
        return Ok(());
    }
    let hash = super::pins::hash_pin(pin).await?;
    let mut tx = db.tenant_tx(tenant_id).await?;
    sqlx::query(
        "INSERT INTO member_pins (tenant_id, user_id, pin_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id)
    .bind(user_id)
    .bind(hash)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn seed_catalog_for(
    db: &Db,
    tenant_id: uuid::Uuid,
    owner_email: &str,
    plan: &demo_catalog::CatalogPlan,
) -> Result<(), SeedError> {
    let mut tx = db.tenant_tx(tenant_id).await?;
    let owner: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(owner_email)
        .fetch_one(tx.conn())
        .await?;
    let actor = Actor {
        user_id: owner,
        role: Role::Owner,
    };
    let created = demo_catalog::seed_catalog(&mut tx.acting(actor), plan).await?;
    let sales = demo_sales::seed_sales(
        &mut tx.acting(actor),
        48,
        plan.sku_prefix.len() as u64 + created as u64,
    )
    .await?;
    if created > 0 {
        demo_purchases(&mut tx.acting(actor)).await?;
    }
    tx.commit().await?;
    if created > 0 || sales > 0 {
        tracing::info!(products = created, bills = sales, "demo catalog and sales loaded");
    }
    Ok(())
}

async fn ensure_business(
    db: &Db,
    name: &str,
    slug: &str,
    owner_name: &str,
    owner_email: &str,
) -> Result<uuid::Uuid, AccountError> {
    let mut tx = db.platform_tx().await?;
    let existing: Option<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_optional(tx.conn())
        .await?;
    tx.commit().await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let signed_up = accounts::sign_up(
        db,
        SignupInput {
            business_name: name.into(),
            slug: slug.into(),
            display_name: owner_name.into(),
            email: owner_email.into(),
            password: DEMO_PASSWORD.into(),
        },
        None,
        None,
    )
    .await?;
    Ok(signed_up.tenant.id)
}

/// A few purchase orders from the low-stock list: the first sent and half
/// received, with a part paid; the others left as drafts.
async fn demo_purchases(tx: &mut crate::tenancy::TenantCtx<'_>) -> Result<(), SeedError> {
    use super::purchasing::{orders, payments, receiving};
    let drafts = orders::drafts_from_low_stock(tx).await?;
    let Some(first) = drafts.first() else {
        return Ok(());
    };
    orders::send_order(tx, first.id).await?;
    let half: Vec<crate::model::ReceiveLineInput> = first
        .lines
        .iter()
        .map(|l| crate::model::ReceiveLineInput {
            line_no: l.line_no,
            quantity: (l.quantity / 2).max(1).to_string(),
            received_before: Some(l.received),
        })
        .collect();
    let received = receiving::receive(tx, first.id, &half).await?;
    let decimals = tx.settings().await?.minor_digits();
    let part = crate::pricing::format_amount(received.received_total / 2, decimals);
    if received.received_total / 2 > 0 {
        payments::pay_supplier(tx, first.supplier_id, &part, "bank", "", "Demo transfer").await?;
    }
    Ok(())
}

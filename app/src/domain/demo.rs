//! The demo seed: two businesses and three accounts, through the same domain
//! functions the app uses. Idempotent.
use super::accounts::{self, AccountError, SignupInput};
use crate::{model::Role, tenancy::Db};

pub const DEMO_PASSWORD: &str = "shopfloor-demo";

pub async fn seed_demo(db: &Db) -> Result<(), AccountError> {
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
    ensure_business(db, "Globex Market", "globex", "Greta Owner", "owner@globex.test").await?;
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
    )
    .await?;
    Ok(signed_up.tenant.id)
}

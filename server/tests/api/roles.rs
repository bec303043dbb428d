//! The role matrix, table-driven: every permission's real action, run as every
//! role, is allowed exactly when `permissions::allows` says so (and
//! docs/roles.md writes down the same table). Each probe runs in its own
//! tenant transaction, rolled back, so probes never see each other's effects.
//! The probe list matches on `Permission`, so a new permission does not
//! compile until it has a probe here.
use app::{
    domain::{
        billing::{credit, finalize},
        inventory::{
            catalog::{self, ProductInput},
            import,
            stock::{self, Reference},
        },
        org::{audit_trail, invitations, members, settings, tenant_export},
        reports,
    },
    error::AppError,
    model::{CartLine, PaymentInput, PaymentMethod, ProductQuery, Role, SaleInput, SalesGroup},
    org::AuditFilter,
    permissions::{allows, Actor, Permission},
};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, PASSWORD};

struct Fixture {
    product: Uuid,
    bill: Uuid,
    cashier: Uuid,
    supplier: Uuid,
}

async fn fixture(app: &TestApp, owner: &Actor) -> Fixture {
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let product = catalog::create_product(
        &mut tx.acting(*owner),
        ProductInput {
            sku: "ROLE-1".into(),
            name: "Role probe".into(),
            sale_price: 1000,
            ..Default::default()
        },
        100,
        &Reference::none(),
    )
    .await
    .unwrap()
    .id;
    let bill = finalize::finalize_sale(&mut tx.acting(*owner), &sale(product, 0))
        .await
        .unwrap();
    let supplier =
        app::domain::inventory::lookups::save_supplier(&mut tx.acting(*owner), None, "Role supplier", "", "")
            .await
            .unwrap();
    tx.commit().await.unwrap();
    Fixture {
        product,
        bill,
        cashier: app.user_id(ACME_CASHIER).await,
        supplier,
    }
}

/// One unit of the product, paid by card; `discount` off the bill.
fn sale(product: Uuid, discount: i64) -> SaleInput {
    SaleInput {
        idempotency_key: format!("role-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: vec![CartLine {
            product_id: product,
            quantity: 1,
            line_discount: 0,
        }],
        bill_discount: discount,
        payments: vec![PaymentInput {
            method: PaymentMethod::Card,
            amount: 1000 - discount,
            tendered: None,
        }],
    }
}

/// Runs the real action that needs `permission` as `actor`, rolled back.
async fn probe(app: &TestApp, f: &Fixture, actor: &Actor, permission: Permission) -> Result<(), AppError> {
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let mut cx = tx.acting(*actor);
    let tx = &mut cx;
    let result: Result<(), AppError> = match permission {
        Permission::ViewCatalog => catalog::browse_products(tx, &ProductQuery::default())
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::EditCatalog => catalog::create_product(
            tx,
            ProductInput {
                sku: "ROLE-NEW".into(),
                name: "New".into(),
                sale_price: 100,
                ..Default::default()
            },
            0,
            &Reference::none(),
        )
        .await
        .map(drop)
        .map_err(Into::into),
        Permission::ArchiveCatalog => catalog::set_product_active(tx, f.product, false)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::Restock => stock::restock(tx, f.product, 5, None)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::AdjustStock => stock::adjust(tx, f.product, -1, "broken")
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::CountStock => stock::count(tx, f.product, 50)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ReturnStock => stock::return_to_stock(tx, f.product, 1, &Reference::none())
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ImportCatalog => {
            let rows = import::parse("sku,name,sale_price\nROLE-IMP,Imported,2.50\n", 2).expect("valid csv");
            match import::apply(tx, &rows, |_| {}).await {
                Ok(_) => Ok(()),
                Err(import::ImportFailure::Refused(e)) => Err(e.into()),
                Err(import::ImportFailure::Row(issue)) => Err(AppError::Invalid(issue.message)),
            }
        }
        // Checked at the download handler: probed over HTTP in the next test.
        Permission::ExportCatalog => unreachable!("skipped by the caller"),
        Permission::Sell => finalize::finalize_sale(tx, &sale(f.product, 0))
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::IssueCreditNote => credit::create_credit_note(
            tx,
            &credit::CreditInput {
                bill_id: f.bill,
                lines: vec![(1, 1)],
                reason: "probe".into(),
                refund_method: PaymentMethod::Card,
                restock: true,
                till_id: None,
            },
        )
        .await
        .map(drop)
        .map_err(Into::into),
        // 50% off: above the cashier limit (10% by default).
        Permission::GiveLargeDiscount => finalize::finalize_sale(tx, &sale(f.product, 500))
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ViewMembers => members::list(tx).await.map(drop).map_err(Into::into),
        Permission::ManageMembers => members::change_role(tx, f.cashier, Role::Cashier)
            .await
            .map_err(Into::into),
        Permission::InviteMembers => invitations::create(tx, "new.person@example.test", Role::Cashier)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ManageSettings => match settings::load(tx).await {
            Ok(current) => settings::save(tx, current).await.map(drop).map_err(Into::into),
            Err(e) => Err(e.into()),
        },
        Permission::ViewAudit => audit_trail::list(tx, &AuditFilter::default())
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ExportTenant => tenant_export::parts(tx).await.map(drop).map_err(Into::into),
        Permission::ManageShifts => app::domain::shifts::tills::save_till(tx, None, "Role till", true)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::ViewReports => match reports::Period::resolve(tx, "", "").await {
            Ok(period) => reports::sales::sales(tx, &period, SalesGroup::Day)
                .await
                .map(drop)
                .map_err(Into::into),
            Err(e) => Err(e.into()),
        },
        Permission::ViewBooks => app::domain::books::statements::trial_balance(tx, "", "")
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::PostJournal => app::domain::books::journal::post_manual(
            tx,
            app::domain::books::journal::ManualEntry {
                date: "2026-01-15".into(),
                memo: "Owner's capital".into(),
                lines: vec![
                    app::model::ManualLineInput {
                        account: "1100".into(),
                        debit: "100.00".into(),
                        credit: String::new(),
                    },
                    app::model::ManualLineInput {
                        account: "3000".into(),
                        debit: String::new(),
                        credit: "100,00".into(),
                    },
                ],
            },
        )
        .await
        .map(drop)
        .map_err(Into::into),
        Permission::ManageBooks => app::domain::books::accounts::save_account(
            tx,
            app::domain::books::accounts::AccountInput {
                code: "6100".into(),
                name: "Rent".into(),
                kind: Some(app::model::AccountKind::Expense),
                active: true,
            },
        )
        .await
        .map(drop)
        .map_err(Into::into),
        Permission::Purchase => app::domain::purchasing::orders::list_orders(tx, None, None)
            .await
            .map(drop)
            .map_err(Into::into),
        Permission::PaySuppliers => {
            app::domain::purchasing::payments::pay_supplier(tx, f.supplier, "10.00", "bank", "", "Probe")
                .await
                .map(drop)
                .map_err(Into::into)
        }
    };
    result
}

#[tokio::test]
async fn every_action_as_every_role_follows_the_matrix() {
    let app = spawn_app().await;
    let owner_id = app.user_id(ACME_OWNER).await;
    let owner = Actor {
        user_id: owner_id,
        role: Role::Owner,
    };
    let f = fixture(&app, &owner).await;
    let mut checked = 0;
    for role in Role::ALL {
        // The owner's account acting with each role: the role alone decides.
        let actor = Actor {
            user_id: owner_id,
            role,
        };
        for permission in Permission::ALL {
            if permission == Permission::ExportCatalog {
                continue;
            }
            let result = probe(&app, &f, &actor, permission).await;
            let expected = allows(role, permission);
            match (&result, expected) {
                (Ok(()), true) => {}
                (Err(AppError::Forbidden | AppError::Denied(_)), false) => {}
                _ => panic!("{role:?} doing {permission:?}: expected allowed = {expected}, got {result:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Role::ALL.len() * (Permission::ALL.len() - 1));
}

/// The downloads check the role at the handler: probed with a real session
/// for each role.
#[tokio::test]
async fn downloads_follow_the_matrix_for_every_role() {
    let app = spawn_app().await;
    let mut sessions = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@acme.test", role.as_str());
        app::domain::accounts::ensure_member_account(&app.db, app.acme, &email, "Probe", PASSWORD, role)
            .await
            .unwrap();
        sessions.push((role, app.login("acme.localhost", &email, PASSWORD).await));
    }
    for (role, cookie) in &sessions {
        for (permission, path) in [
            (Permission::ExportCatalog, "/api/catalog/export"),
            (Permission::ViewAudit, "/api/audit/export"),
            (Permission::ExportTenant, "/api/export/tenant"),
            (Permission::ViewReports, "/api/reports/export?report=tax"),
            (Permission::ViewBooks, "/api/books/export?statement=trial-balance"),
        ] {
            let res = app.get("acme.localhost", path, Some(cookie)).await;
            let expected = if allows(*role, permission) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(res.status, expected, "{role:?} GET {path}: {}", res.body);
        }
    }
}

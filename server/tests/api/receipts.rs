//! Receipts by email: sent through a real SMTP connection (a fake server on a
//! local socket), in the business's currency, audited, bounded, and only for
//! the business's own bills.
use app::{
    domain::{
        billing::finalize,
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::helpers::{
    app_mailing_to, fake_smtp, next_mail, spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER,
    PASSWORD,
};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

/// A finalized cash sale of two "Receipt tea" at 6.20 in `tenant`.
async fn a_bill(app: &TestApp, tenant: Uuid, owner_email: &str) -> Uuid {
    let owner = Actor {
        user_id: app.user_id(owner_email).await,
        role: Role::Owner,
    };
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = ProductInput {
        sku: "MAIL-1".into(),
        name: "Receipt tea".into(),
        sale_price: 620,
        ..Default::default()
    };
    let product = catalog::create_product(&mut tx.acting(owner), input, 10, &Reference::none())
        .await
        .unwrap();
    let sale = SaleInput {
        idempotency_key: format!("mail-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: vec![CartLine {
            product_id: product.id,
            quantity: 2,
            line_discount: 0,
        }],
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: 1240,
            tendered: Some(2000),
        }],
    };
    let bill = finalize::finalize_sale(&mut tx.acting(owner), &sale)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    bill
}

async fn email(
    app: &TestApp,
    host: &str,
    cookie: &str,
    bill: Uuid,
    to: &str,
) -> crate::helpers::TestResponse {
    app.post_form(
        host,
        "/api/bills/email-receipt",
        &[("bill_id", &bill.to_string()), ("email", to)],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn a_receipt_is_emailed_in_the_business_currency_and_audited() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    sqlx::query("UPDATE tenants SET currency = 'EUR' WHERE id = $1")
        .bind(app.acme)
        .execute(&app.admin)
        .await
        .unwrap();
    app.db.tenant_cache().clear();
    let bill = a_bill(&app, app.acme, ACME_OWNER).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let enabled = app
        .post_form(ACME, "/api/bills/email-enabled", &[], Some(&cashier))
        .await;
    assert_eq!(enabled.json(), true);

    let res = email(&app, ACME, &cashier, bill, " Customer@Example.TEST ").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mail = next_mail(&mut mails).await;
    assert!(mail.contains("To: customer@example.test"), "{mail}");
    assert!(mail.contains("INV-000001"), "{mail}");
    assert!(mail.contains("Receipt tea"), "{mail}");
    assert!(
        mail.contains("12.40 EUR") && mail.contains("7.60 EUR"),
        "total and change: {mail}"
    );
    assert!(
        mail.contains("text/plain") && mail.contains("text/html"),
        "{mail}"
    );

    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT after->>'to' FROM audit_log WHERE tenant_id = $1 AND action = 'bill.receipt_emailed'",
    )
    .bind(app.acme)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(audited, ["customer@example.test"]);
}

#[tokio::test]
async fn a_bad_address_or_another_business_bill_is_refused_and_nothing_is_sent() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    let acme_bill = a_bill(&app, app.acme, ACME_OWNER).await;
    let globex_bill = a_bill(&app, app.globex, GLOBEX_OWNER).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;

    for bad in ["", "not an address", "a@b", "x@y.test\r\nBcc: evil@z.test"] {
        let res = email(&app, ACME, &cashier, acme_bill, bad).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            res.body
        );
    }
    let res = email(&app, ACME, &cashier, globex_bill, "customer@example.test").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let res = email(&app, GLOBEX, &globex, acme_bill, "customer@example.test").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form(
            ACME,
            "/api/bills/email-receipt",
            &[
                ("bill_id", &acme_bill.to_string()),
                ("email", "customer@example.test"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // Something sendable goes through, and it is the first mail that arrives.
    let res = email(&app, ACME, &cashier, acme_bill, "ok@example.test").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(next_mail(&mut mails).await.contains("To: ok@example.test"));
}

#[tokio::test]
async fn receipts_per_person_are_bounded() {
    let (port, mut mails) = fake_smtp().await;
    let app = app_mailing_to(port).await;
    let bill = a_bill(&app, app.acme, ACME_OWNER).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let mut refused = false;
    for i in 0..40 {
        let res = email(&app, ACME, &cashier, bill, &format!("c{i}@example.test")).await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            refused = true;
            break;
        }
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        next_mail(&mut mails).await;
    }
    assert!(refused, "40 receipts in a row were all sent");
}

#[tokio::test]
async fn without_smtp_receipts_are_not_offered_and_refused() {
    let app = spawn_app().await;
    let bill = a_bill(&app, app.acme, ACME_OWNER).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let enabled = app
        .post_form(ACME, "/api/bills/email-enabled", &[], Some(&cashier))
        .await;
    assert_eq!(enabled.json(), false);
    let res = email(&app, ACME, &cashier, bill, "customer@example.test").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("not set up"), "{}", res.body);
}

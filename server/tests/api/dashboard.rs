//! The dashboard over HTTP: the getting-started steps follow the business's
//! real data and show to owners and admins only; recent activity is in words.
use app::{
    domain::{
        billing::finalize,
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
        org::{invitations, settings},
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
};
use axum::http::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const GLOBEX: &str = "globex.localhost";

async fn summary(app: &TestApp, host: &str, cookie: &str) -> Value {
    let res = app
        .post_form(host, "/api/dashboard/summary", &[], Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// `key -> done` of the checklist, in order.
fn steps(summary: &Value) -> Vec<(String, bool)> {
    summary["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_owned(),
                s["done"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn done(flags: [bool; 4]) -> Vec<(String, bool)> {
    ["settings", "products", "staff", "sale"]
        .into_iter()
        .zip(flags)
        .map(|(k, d)| (k.to_owned(), d))
        .collect()
}

#[tokio::test]
async fn getting_started_steps_follow_the_business_data_then_disappear() {
    let app = spawn_app().await;
    let cookie = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let owner = Actor {
        user_id: app.user_id(GLOBEX_OWNER).await,
        role: Role::Owner,
    };
    let s = summary(&app, GLOBEX, &cookie).await;
    assert_eq!(steps(&s), done([false, false, false, false]));
    let hrefs: Vec<&str> = s["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["href"].as_str().unwrap())
        .collect();
    assert_eq!(hrefs, ["/settings", "/products/new", "/members", "/pos"]);

    // Settings saved.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let mut cx = tx.acting(owner);
    let current = settings::load(&mut cx).await.unwrap();
    settings::save(&mut cx, current).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        steps(&summary(&app, GLOBEX, &cookie).await),
        done([true, false, false, false])
    );

    // A first product.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let input = ProductInput {
        sku: "LOAF".into(),
        name: "Loaf".into(),
        sale_price: 240,
        ..Default::default()
    };
    let loaf = catalog::create_product(&mut tx.acting(owner), input, 5, &Reference::none())
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    assert_eq!(
        steps(&summary(&app, GLOBEX, &cookie).await),
        done([true, true, false, false])
    );

    // Someone invited.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    invitations::create(&mut tx.acting(owner), "ben@globex.test", Role::Cashier)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        steps(&summary(&app, GLOBEX, &cookie).await),
        done([true, true, true, false])
    );

    // The first sale: all done, no checklist; the sale reads as a sentence.
    let sale = SaleInput {
        idempotency_key: format!("sale-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: vec![CartLine {
            product_id: loaf,
            quantity: 1,
            line_discount: 0,
        }],
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: 240,
            tendered: Some(240),
        }],
    };
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    finalize::finalize_sale(&mut tx.acting(owner), &sale)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let s = summary(&app, GLOBEX, &cookie).await;
    assert_eq!(s["checklist"], serde_json::json!([]));
    let currency: String = sqlx::query_scalar("SELECT currency FROM tenants WHERE id = $1")
        .bind(app.globex)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let words: Vec<&str> = s["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(
        words.contains(&format!("globex owner sold INV-000001, 2.40 {currency}").as_str()),
        "{words:?}"
    );
    assert!(
        words.contains(&"globex owner sold 1 of Loaf (on hand 4)"),
        "{words:?}"
    );
    assert!(
        words.contains(&"globex owner invited ben@globex.test as a cashier"),
        "{words:?}"
    );
    assert!(words.iter().all(|w| !w.contains('{')), "{words:?}");
}

#[tokio::test]
async fn only_owners_and_admins_get_the_getting_started_steps() {
    let app = spawn_app().await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    // acme (in the harness) has two members and nothing else yet.
    assert_eq!(
        steps(&summary(&app, "acme.localhost", &owner).await),
        done([false, false, true, false])
    );
    assert_eq!(
        summary(&app, "acme.localhost", &cashier).await["checklist"],
        serde_json::json!([])
    );
}

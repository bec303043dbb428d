//! The till's search: word prefixes from the terms index, exact codes first,
//! terms kept in step with the product, and each tenant's terms its own.
use app::{
    domain::inventory::{
        catalog::{self, ProductInput},
        stock::Reference,
        till_search,
    },
    model::Role,
    permissions::Actor,
};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

async fn owner(app: &TestApp, email: &str) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role: Role::Owner,
    }
}

async fn add(app: &TestApp, tenant: Uuid, who: &Actor, sku: &str, name: &str, barcode: Option<&str>) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = ProductInput {
        sku: sku.into(),
        name: name.into(),
        barcode: barcode.map(Into::into),
        sale_price: 250,
        ..Default::default()
    };
    let p = catalog::create_product(&mut tx.acting(*who), input, 10, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    p.id
}

async fn names(app: &TestApp, tenant: Uuid, query: &str) -> Vec<String> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let items = till_search::search(&mut tx, query, 0).await.unwrap();
    tx.commit().await.unwrap();
    items.into_iter().map(|i| i.name).collect()
}

#[tokio::test]
async fn words_are_found_by_their_start_and_exact_codes_come_first() {
    let app = spawn_app().await;
    let acme = owner(&app, ACME_OWNER).await;
    add(
        &app,
        app.acme,
        &acme,
        "TS-COLA",
        "Fizzy Cola 330ml",
        Some("5000000000001"),
    )
    .await;
    add(&app, app.acme, &acme, "TS-COCOA", "Cocoa powder", None).await;
    add(
        &app,
        app.acme,
        &acme,
        "TS-CHOC",
        "Chocolate bar (cola flavour)",
        None,
    )
    .await;

    // A word's start, in any position; not the middle of a word.
    assert_eq!(
        names(&app, app.acme, "cola").await,
        ["Chocolate bar (cola flavour)", "Fizzy Cola 330ml"]
    );
    assert_eq!(names(&app, app.acme, "COC").await, ["Cocoa powder"]);
    assert!(names(&app, app.acme, "ola").await.is_empty());
    // Every other word must appear too.
    assert_eq!(names(&app, app.acme, "cola 330").await, ["Fizzy Cola 330ml"]);
    assert_eq!(names(&app, app.acme, "fizzy choc").await, Vec::<String>::new());
    // A scanned barcode, and a SKU typed whole or by its start.
    assert_eq!(names(&app, app.acme, "5000000000001").await, ["Fizzy Cola 330ml"]);
    assert_eq!(
        names(&app, app.acme, "ts-choc").await[0],
        "Chocolate bar (cola flavour)"
    );
    // SKUs starting with the whole token first, then looser word matches.
    assert_eq!(
        names(&app, app.acme, "ts-co").await[..2],
        ["Cocoa powder", "Fizzy Cola 330ml"]
    );
    // Nothing searchable, nothing returned.
    assert!(names(&app, app.acme, " - ").await.is_empty());
}

#[tokio::test]
async fn terms_follow_renames_and_archived_products_are_not_sold() {
    let app = spawn_app().await;
    let acme = owner(&app, ACME_OWNER).await;
    let id = add(&app, app.acme, &acme, "TS-REN", "Ginger beer", None).await;
    assert_eq!(names(&app, app.acme, "ging").await, ["Ginger beer"]);

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let input = ProductInput {
        sku: "TS-REN".into(),
        name: "Lemonade".into(),
        sale_price: 250,
        ..Default::default()
    };
    catalog::update_product(&mut tx.acting(acme), id, input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(names(&app, app.acme, "ging").await.is_empty());
    assert_eq!(names(&app, app.acme, "lemon").await, ["Lemonade"]);

    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    catalog::set_product_active(&mut tx.acting(acme), id, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(names(&app, app.acme, "lemon").await.is_empty());
}

#[tokio::test]
async fn each_tenant_searches_its_own_terms_only() {
    let app = spawn_app().await;
    let acme = owner(&app, ACME_OWNER).await;
    let globex = owner(&app, GLOBEX_OWNER).await;
    add(&app, app.acme, &acme, "TS-A", "Sharedword acme secret", None).await;
    add(&app, app.globex, &globex, "TS-G", "Sharedword globex", None).await;

    assert_eq!(
        names(&app, app.acme, "sharedword").await,
        ["Sharedword acme secret"]
    );
    assert_eq!(names(&app, app.globex, "sharedword").await, ["Sharedword globex"]);
    assert!(names(&app, app.globex, "secret").await.is_empty());

    // Over HTTP as well: globex's till never lists acme's product.
    let cookie = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let res = app
        .post_form(
            GLOBEX,
            "/api/pos/search",
            &[("query", "sharedword")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("Sharedword globex") && !res.body.contains("acme"),
        "{}",
        res.body
    );
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let res = app
        .post_form(
            ACME,
            "/api/pos/search",
            &[("query", &"x".repeat(101))],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // The terms table itself: a tenant session sees and writes its own rows only.
    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM product_search_terms WHERE term = 'secret'")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let acme_product: Uuid = sqlx::query_scalar("SELECT id FROM products WHERE sku = 'TS-A'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let smuggled =
        sqlx::query("INSERT INTO product_search_terms (tenant_id, term, product_id) VALUES ($1, 'x', $2)")
            .bind(app.acme)
            .bind(acme_product)
            .execute(tx.conn())
            .await;
    assert!(smuggled.is_err(), "a globex session wrote an acme term");
}

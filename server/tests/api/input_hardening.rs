//! Hostile input over HTTP: a reused sale key, integers at the edges of i64,
//! spreadsheet formulas in exported cells, and bodies at the size limits.
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestResponse, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";
const MIN: &str = "-9223372036854775808";
const MAX: &str = "9223372036854775807";

/// Creates a product over HTTP (price 2.50, the given stock); returns its id.
async fn product(app: &TestApp, host: &str, cookie: &str, sku: &str, name: &str, stock: &str) -> String {
    let res = app
        .post_form(
            host,
            "/api/products/create",
            &[
                ("product[sku]", sku),
                ("product[name]", name),
                ("product[sale_price]", "2.50"),
                ("initial_stock", stock),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn sale(key: &str, product: &str, quantity: i64, method: &str) -> Value {
    json!({ "sale": {
        "idempotency_key": key,
        "lines": [{ "product_id": product, "quantity": quantity, "line_discount": 0 }],
        "bill_discount": 0,
        "payments": [{ "method": method, "amount": 250 * quantity }],
    }})
}

async fn checkout(app: &TestApp, host: &str, cookie: &str, sale: &Value) -> TestResponse {
    app.post_json(host, "/api/bills/finalize", sale, Some(cookie))
        .await
}

async fn count(app: &TestApp, sql: &str, tenant: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sale_key_reused_with_a_different_cart_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &owner, "TEA-1", "Tea", "10").await;
    let key = "till1-sale-000001";

    let first = checkout(&app, ACME, &owner, &sale(key, &tea, 1, "card")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let bill = first.json()["id"].clone();
    // A retry of the same sale (a lost answer) gets the same bill back.
    let again = checkout(&app, ACME, &owner, &sale(key, &tea, 1, "card")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], bill);

    // The same key with another cart, or another payment, is refused.
    for (different, what) in [
        (sale(key, &tea, 2, "card"), "another quantity"),
        (sale(key, &tea, 1, "cash"), "another payment"),
    ] {
        let res = checkout(&app, ACME, &owner, &different).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{what}: {}", res.body);
        assert!(
            res.body.contains("already used for bill INV-000001"),
            "{what}: {}",
            res.body
        );
    }
    let other = product(&app, ACME, &owner, "COF-1", "Coffee", "10").await;
    let res = checkout(&app, ACME, &owner, &sale(key, &other, 1, "card")).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "another product: {}", res.body);

    // Still one bill and one sale movement, and the stock taken once.
    assert_eq!(
        count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", app.acme).await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM stock_movements WHERE tenant_id = $1 AND kind = 'sale'",
            app.acme
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT on_hand FROM products WHERE tenant_id = $1 AND sku = 'TEA-1'",
            app.acme
        )
        .await,
        9
    );

    // Another business's till may use the same key: its own, independent sale.
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let gtea = product(&app, GLOBEX, &globex, "TEA-1", "Globex tea", "5").await;
    let res = checkout(&app, GLOBEX, &globex, &sale(key, &gtea, 2, "cash")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_ne!(res.json()["id"], bill);
    assert_eq!(res.json()["number"], "INV-000001");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM bills WHERE tenant_id = $1",
            app.globex
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM bills WHERE tenant_id = $1", app.acme).await,
        1
    );
}

/// Sends `form` to `path` and expects a 422 with a message; then the server
/// must still answer.
async fn refused(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) {
    let res = app.post_form(ACME, path, form, Some(cookie)).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path} {form:?}: {}",
        res.body
    );
    assert!(
        res.json()["Invalid"].as_str().is_some_and(|m| !m.is_empty()),
        "{path}: {}",
        res.body
    );
}

#[tokio::test]
async fn integers_at_the_edges_get_a_clear_422_and_never_a_panic() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &owner, "TEA-1", "Tea", "10").await;
    let tea = tea.as_str();
    let huge = "99999999999999999999999";

    for delta in [MIN, MAX, "-1000001", "1000001", huge, "-9223372036854775809"] {
        refused(
            &app,
            &owner,
            "/api/stock/adjust",
            &[("id", tea), ("delta", delta), ("reason", "x")],
        )
        .await;
    }
    for quantity in [MIN, MAX, "0", huge] {
        refused(
            &app,
            &owner,
            "/api/stock/restock",
            &[("id", tea), ("quantity", quantity)],
        )
        .await;
    }
    for counted in [MIN, MAX, huge] {
        refused(
            &app,
            &owner,
            "/api/stock/count",
            &[("id", tea), ("counted", counted)],
        )
        .await;
    }
    for (field, value) in [
        ("initial_stock", MAX),
        ("initial_stock", MIN),
        ("product[reorder_level]", MIN),
        ("product[reorder_level]", MAX),
        ("product[sale_price]", MAX),
        ("product[cost_price]", huge),
    ] {
        let mut form = vec![
            ("product[sku]", "EDGE-1"),
            ("product[name]", "Edge"),
            ("product[sale_price]", "1"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        refused(&app, &owner, "/api/products/create", &form).await;
    }
    refused(&app, &owner, "/api/products/list", &[("page", MAX)]).await;
    refused(
        &app,
        &owner,
        "/api/stock/movements",
        &[("id", tea), ("limit", "-1")],
    )
    .await;
    refused(
        &app,
        &owner,
        "/api/pos/search",
        &[("query", "tea"), ("limit", MIN)],
    )
    .await;
    refused(
        &app,
        &owner,
        "/api/tax_rates/save",
        &[("name", "Huge"), ("rate", MAX)],
    )
    .await;
    refused(&app, &owner, "/api/bills/list", &[("from", "-200000-01-01")]).await;
    refused(&app, &owner, "/api/bills/list", &[("to", "+262143-12-31")]).await;
    // Unsigned limits at their largest are clamped, not refused.
    for (path, form) in [
        (
            "/api/products/list",
            vec![("page", "4294967295"), ("page_size", "4294967295")],
        ),
        ("/api/stock/movements", vec![("id", tea), ("limit", "4294967295")]),
        ("/api/pos/search", vec![("query", "tea"), ("limit", "4294967295")]),
    ] {
        let res = app.post_form(ACME, path, &form, Some(&owner)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }

    // A bill to credit, then credit-note lines at the edges.
    let res = checkout(&app, ACME, &owner, &sale("edge-sale-0001", tea, 1, "card")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let bill = res.json()["id"].as_str().unwrap().to_owned();
    for lines in [
        format!("1:{MAX}"),
        format!("1:{MIN}"),
        format!("{MIN}:1"),
        "2147483648:1".to_owned(),
        format!("1:{huge}"),
    ] {
        refused(
            &app,
            &owner,
            "/api/credit_notes/create",
            &[
                ("bill_id", &bill),
                ("lines", &lines),
                ("reason", "edge"),
                ("refund_method", "card"),
            ],
        )
        .await;
    }

    // JSON sales with every integer at its edges.
    let max = i64::MAX;
    let min = i64::MIN;
    let sales = [
        json!({ "lines": [{ "product_id": tea, "quantity": max }], "payments": [{ "method": "card", "amount": 250 }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": min }], "payments": [{ "method": "card", "amount": 250 }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1, "line_discount": min }], "payments": [{ "method": "card", "amount": 250 }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "bill_discount": max, "payments": [{ "method": "card", "amount": 250 }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "bill_discount": min, "payments": [{ "method": "card", "amount": 250 }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "payments": [{ "method": "card", "amount": max }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "payments": [{ "method": "card", "amount": min }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "payments": [{ "method": "cash", "amount": 250, "tendered": max }] }),
        json!({ "lines": [{ "product_id": tea, "quantity": 1 }], "payments": [
            { "method": "card", "amount": 100_000_000_000i64 }, { "method": "card", "amount": 100_000_000_000i64 },
            { "method": "card", "amount": 100_000_000_000i64 }, { "method": "card", "amount": min + 1 }] }),
        // Beyond i64 altogether: the JSON does not decode.
        serde_json::from_str(&format!(
            r#"{{ "lines": [{{ "product_id": "{tea}", "quantity": 1 }}], "payments": [{{ "method": "card", "amount": {huge} }}] }}"#
        ))
        .unwrap(),
    ];
    for (i, mut body) in sales.into_iter().enumerate() {
        body["idempotency_key"] = json!(format!("edge-json-{i:04}"));
        let res = checkout(&app, ACME, &owner, &json!({ "sale": body })).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "sale {i}: {}",
            res.body
        );
        let park = json!({ "lines": body["lines"], "bill_discount": body.get("bill_discount").unwrap_or(&json!(0)) });
        if i < 5 {
            let res = app.post_json(ACME, "/api/bills/park", &park, Some(&owner)).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "park {i}: {}",
                res.body
            );
        }
    }

    // The settings' discount limit and the audit filter's dates.
    let current = app
        .post_form(ACME, "/api/settings/get", &[], Some(&owner))
        .await
        .json();
    for limit in [min, max, -1, 10_001] {
        let mut settings = current.clone();
        settings["cashier_discount_limit_bp"] = json!(limit);
        let res = app
            .post_json(
                ACME,
                "/api/settings/save",
                &json!({ "settings": settings }),
                Some(&owner),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit {limit}: {}",
            res.body
        );
    }
    let res = app
        .post_json(
            ACME,
            "/api/audit/list",
            &json!({ "filter": { "actor": null, "action": "", "entity": "", "from": "", "to": "+262143-12-31" } }),
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // Nothing was changed by any of it, and the server still answers.
    assert_eq!(
        count(
            &app,
            "SELECT on_hand FROM products WHERE tenant_id = $1 AND sku = 'TEA-1'",
            app.acme
        )
        .await,
        9
    );
    assert_eq!(app.me(ACME, Some(&owner)).await.status, StatusCode::OK);
}

/// Posts a catalog import as the browser does (form-encoded `csv`).
async fn import_raw(app: &TestApp, cookie: &str, csv: &str) -> TestResponse {
    let body = format!("csv={}&dry_run=true", crate::helpers::urlencode(csv));
    let req = Request::post("/api/catalog/import")
        .header(header::HOST, ACME)
        .header(header::ORIGIN, format!("http://{ACME}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// A valid catalog of `rows` rows, each about 4 KB (long descriptions).
fn catalog_of(rows: usize) -> String {
    let description = "d".repeat(4000);
    let mut csv = String::from("sku,name,sale_price,description\n");
    for i in 0..rows {
        csv.push_str(&format!("BIG-{i:05},Big item {i},1.00,{description}\n"));
    }
    csv
}

#[tokio::test]
async fn imports_up_to_ten_megabytes_work_and_larger_ones_get_413() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let limit = app::domain::inventory::import::MAX_IMPORT_BYTES;

    // About 9 MB: checked and applied in full (a dry run).
    let csv = catalog_of(2300);
    assert!(csv.len() > 9_000_000 && csv.len() < limit, "{}", csv.len());
    let res = import_raw(&app, &owner, &csv).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{}",
        &res.body[..res.body.len().min(500)]
    );
    let report: Value = serde_json::from_str(res.body.lines().last().unwrap()).unwrap();
    assert_eq!(report["created"], 2300, "{report}");
    assert_eq!(report["dry_run"], true);

    // Exactly 10 MB is taken (a bad last row makes it quick: a 200 report).
    let mut exact = catalog_of(2700);
    exact.truncate(limit - "\nX,Y,bad".len());
    exact.push_str("\nX,Y,bad");
    assert_eq!(exact.len(), limit);
    let res = import_raw(&app, &owner, &exact).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{}",
        &res.body[..res.body.len().min(500)]
    );
    assert!(
        res.body.contains("\"errors\":[{"),
        "{}",
        &res.body[..res.body.len().min(500)]
    );

    // One byte more, or 11 MB: 413 with a message that says what to do.
    for size in [limit + 1, 11 * 1024 * 1024] {
        let mut csv = catalog_of(3000);
        csv.truncate(size);
        assert_eq!(csv.len(), size);
        let res = import_raw(&app, &owner, &csv).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}: {}", res.body);
        assert!(res.body.contains("larger than 10 MB"), "{size}: {}", res.body);
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM products WHERE tenant_id = $1",
            app.acme
        )
        .await,
        0
    );
    assert_eq!(app.me(ACME, Some(&owner)).await.status, StatusCode::OK);
}

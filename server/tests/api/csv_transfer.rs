//! CSV import (all or nothing, upsert by SKU, progress) and streamed export.
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

/// Posts an import and returns the streamed events.
async fn import(
    app: &TestApp,
    host: &str,
    cookie: &str,
    csv: &str,
    dry_run: bool,
) -> (StatusCode, Vec<Value>) {
    let dry = if dry_run { "true" } else { "false" };
    let res = app
        .post_form(
            host,
            "/api/catalog/import",
            &[("csv", csv), ("dry_run", dry)],
            Some(cookie),
        )
        .await;
    let events = res
        .body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (res.status, events)
}

fn report(events: &[Value]) -> &Value {
    events
        .last()
        .filter(|e| e["type"] == "report")
        .expect("the stream ends with a report")
}

async fn product_count(app: &TestApp, tenant: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM products WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

fn big_file(rows: usize) -> String {
    let mut csv = String::from("sku,name,sale_price,stock,category,supplier\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "BULK-{i:05},Bulk item {i},{}.{:02},{},Bulk {},Supplier {}\n",
            i % 50,
            i % 100,
            i % 20,
            i % 5,
            i % 3
        ));
    }
    csv
}

#[tokio::test]
async fn dry_run_reports_exactly_and_changes_nothing_then_import_applies_all() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let csv = big_file(600);
    let (status, events) = import(&app, ACME, &owner, &csv, true).await;
    assert_eq!(status, StatusCode::OK);
    let progress: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "progress")
        .map(|e| e["done"].as_u64().unwrap())
        .collect();
    assert!(progress.len() >= 6, "progress moves: {progress:?}");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*progress.last().unwrap(), 600);
    let r = report(&events);
    assert_eq!(
        (
            r["dry_run"].as_bool(),
            r["committed"].as_bool(),
            r["created"].as_u64()
        ),
        (Some(true), Some(false), Some(600))
    );
    assert_eq!(r["categories_created"], 5);
    assert_eq!(product_count(&app, app.acme).await, 0, "a dry run saves nothing");

    let (_, events) = import(&app, ACME, &owner, &csv, false).await;
    let r = report(&events);
    assert_eq!(r["committed"], true, "{r}");
    assert_eq!(product_count(&app, app.acme).await, 600);
    let (initial, on_hand): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM stock_movements WHERE kind = 'initial' AND reference_type = 'import'), \
                (SELECT sum(on_hand)::bigint FROM products)",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(initial, 600);
    assert_eq!(on_hand, (0..600).map(|i| (i % 20) as i64).sum::<i64>());
    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(violations, 0);
}

#[tokio::test]
async fn upsert_by_sku_updates_details_and_records_stock_through_a_movement() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,stock\nTEA-1,Tea,2.50,10\n",
        false,
    )
    .await;
    let (_, events) = import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,stock\nTEA-1,Green tea,2.75,7\nTEA-2,Mint tea,3,1\n",
        false,
    )
    .await;
    let r = report(&events);
    assert_eq!(
        (
            r["created"].as_u64(),
            r["updated"].as_u64(),
            r["stock_changes"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{r}"
    );
    let (name, price, on_hand): (String, i64, i64) =
        sqlx::query_as("SELECT name, sale_price, on_hand FROM products WHERE sku = 'TEA-1'")
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!((name.as_str(), price, on_hand), ("Green tea", 275, 7));
    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.kind, m.quantity FROM stock_movements m JOIN products p ON p.id = m.product_id \
         WHERE p.sku = 'TEA-1' ORDER BY m.created_at, m.id",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        vec![("initial".to_string(), 10), ("count".to_string(), -3)]
    );
}

#[tokio::test]
async fn bad_files_get_located_errors_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,barcode\nKEEP-1,Kept,1,40063813\n",
        false,
    )
    .await;
    let cases: Vec<(&str, u64, Option<&str>, &str)> = vec![
        ("sku,title,price\nA,B,1\n", 1, None, "Unknown columns"),
        ("sku,name\nA,B\n", 1, Some("sale_price"), "missing"),
        (
            "sku,name,sale_price\nA-1,Tea,twelve\n",
            2,
            Some("sale_price"),
            "amount",
        ),
        (
            "sku,name,sale_price,stock\nA-1,Tea,1,-4\n",
            2,
            Some("stock"),
            "whole number",
        ),
        (
            "sku,name,sale_price\nA-1,Tea,1\nA-1,Tea,2\n",
            3,
            Some("sku"),
            "also appears on line 2",
        ),
        ("sku,name,sale_price\nA-1,Tea\n", 2, None, "Not valid CSV"),
        ("", 0, None, "empty"),
        ("\u{1}\u{0}\u{2}PK binary junk", 0, None, "not a CSV"),
        // A row that only the database can refuse: the barcode is taken.
        (
            "sku,name,sale_price,barcode\nNEW-1,New,1,\nNEW-2,Newer,1,40063813\n",
            3,
            Some("barcode"),
            "already used",
        ),
    ];
    for (csv, line, column, text) in cases {
        let (status, events) = import(&app, ACME, &owner, csv, false).await;
        assert_eq!(status, StatusCode::OK, "{csv:?}");
        let r = report(&events);
        assert_eq!(r["committed"], false, "{csv:?}");
        let first = &r["errors"][0];
        assert_eq!(first["line"].as_u64(), Some(line), "{csv:?}: {r}");
        assert_eq!(first["column"].as_str(), column, "{csv:?}: {r}");
        assert!(first["message"].as_str().unwrap().contains(text), "{csv:?}: {r}");
    }
    assert_eq!(
        product_count(&app, app.acme).await,
        1,
        "only the first good import"
    );
}

#[tokio::test]
async fn fifty_megabytes_of_junk_is_refused_before_any_work() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let junk = "x".repeat(50 * 1024 * 1024);
    let req = Request::post("/api/catalog/import")
        .header(header::HOST, ACME)
        .header(header::ORIGIN, format!("http://{ACME}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &owner)
        .header(header::CONTENT_LENGTH, (junk.len() + 4).to_string())
        .body(Body::from(format!("csv={junk}")))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(product_count(&app, app.acme).await, 0);
}

#[tokio::test]
async fn cashiers_cannot_import_or_export_and_imports_stay_in_their_tenant() {
    let app = spawn_app().await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    let (status, _) = import(&app, ACME, &cashier, "sku,name,sale_price\nC-1,Nope,1\n", false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = app.get(ACME, "/api/catalog/export", Some(&cashier)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,stock\nSAME-1,Acme tea,1,5\n",
        false,
    )
    .await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let (_, events) = import(
        &app,
        GLOBEX,
        &globex,
        "sku,name,sale_price,stock\nSAME-1,Globex tea,9,1\n",
        false,
    )
    .await;
    assert_eq!(
        report(&events)["created"],
        1,
        "globex gets its own product, not an update of acme's"
    );
    let acme_tea: (String, i64) =
        sqlx::query_as("SELECT name, on_hand FROM products WHERE tenant_id = $1 AND sku = 'SAME-1'")
            .bind(app.acme)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(acme_tea, ("Acme tea".to_string(), 5));
}

#[tokio::test]
async fn export_streams_only_the_tenants_own_rows() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,stock\nEXP-1,\"Tea, green\",2.50,3\nEXP-2,Coffee,4,0\n",
        false,
    )
    .await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    import(
        &app,
        GLOBEX,
        &globex,
        "sku,name,sale_price\nGLOBEX-ONLY,Secret,1\n",
        false,
    )
    .await;

    let res = app
        .get(ACME, "/api/catalog/export?kind=products", Some(&owner))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = res.body.lines().collect();
    assert_eq!(lines[0], "sku,name,barcode,description,category,supplier,unit,sale_price,cost_price,reorder_level,stock,active");
    assert_eq!(lines.len(), 3, "{}", res.body);
    assert!(lines[1].starts_with("EXP-1,\"Tea, green\","), "{}", lines[1]);
    assert!(!res.body.contains("GLOBEX-ONLY"));

    let ledger = app
        .get(ACME, "/api/catalog/export?kind=movements", Some(&owner))
        .await;
    assert_eq!(ledger.body.lines().count(), 3, "{}", ledger.body);
    assert!(
        ledger.body.contains(",EXP-1,initial,3,3,import,"),
        "{}",
        ledger.body
    );

    // The export re-imports as it is (round trip): stock equal, so no changes.
    let (_, events) = import(&app, ACME, &owner, &res.body, true).await;
    let r = report(&events);
    assert_eq!(
        (r["updated"].as_u64(), r["stock_changes"].as_u64()),
        (Some(2), Some(0)),
        "{r}"
    );
}

/// The products of a tenant as (sku, name, is_active), by SKU.
async fn products_of(app: &TestApp, tenant: uuid::Uuid) -> Vec<(String, String, bool)> {
    sqlx::query_as("SELECT sku, name, is_active FROM products WHERE tenant_id = $1 ORDER BY sku")
        .bind(tenant)
        .fetch_all(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn exported_cells_never_start_a_formula_and_the_export_imports_back_unchanged() {
    let app = spawn_app().await;
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let (_, events) = import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,stock,description,category\n\
         F-1,\"=HYPERLINK(\"\"http://x\"\")\",1,5,-1+2,@cat\n\
         F-2,@SUM(1),2,5,+cmd,\n\
         F-4,Old stock,4,0,,\n",
        false,
    )
    .await;
    assert_eq!(report(&events)["committed"], true, "{}", report(&events));
    // A name that really starts with a quote, typed on the product form.
    let res = app
        .post_form(
            ACME,
            "/api/products/create",
            &[
                ("product[sku]", "F-3"),
                ("product[name]", "'=quoted"),
                ("product[sale_price]", "3"),
                ("initial_stock", "5"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let old = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM products WHERE sku = 'F-4'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    // An archived product (exported with active = false) and a negative
    // stock movement whose reason looks like a formula.
    let res = app
        .post_form(
            ACME,
            "/api/products/archive",
            &[("id", &old.to_string())],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let f1 = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM products WHERE sku = 'F-1'")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let res = app
        .post_form(
            ACME,
            "/api/stock/adjust",
            &[("id", &f1.to_string()), ("delta", "-2"), ("reason", "=1+2")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let before = products_of(&app, app.acme).await;

    let export = app
        .get(ACME, "/api/catalog/export?kind=products", Some(&owner))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let body = &export.body;
    assert!(body.contains("F-1,\"'=HYPERLINK(\"\"http://x\"\")\","), "{body}");
    assert!(body.contains("F-2,'@SUM(1),"), "{body}");
    assert!(
        body.contains("F-3,''=quoted,"),
        "a quote of its own is kept apart: {body}"
    );
    assert!(body.contains(",'-1+2,'@cat,"), "{body}");
    assert!(body.contains(",'+cmd,"), "{body}");
    for raw in [",=", ",+", ",@", ",\"=", ",\"+", ",\"@", ",-1+2"] {
        assert!(!body.contains(raw), "{raw} written raw: {body}");
    }
    // Numbers stay numbers, negative ones included.
    let ledger = app
        .get(ACME, "/api/catalog/export?kind=movements", Some(&owner))
        .await;
    assert!(
        ledger.body.contains(",F-1,adjustment,-2,3,,,'=1+2,"),
        "{}",
        ledger.body
    );

    // The audit CSV too: a request id is whatever the client sent.
    let settings = app
        .post_form(ACME, "/api/settings/get", &[], Some(&owner))
        .await
        .json();
    let req = Request::post("/api/settings/save")
        .header(header::HOST, ACME)
        .header(header::ORIGIN, format!("http://{ACME}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &owner)
        .header("x-request-id", "=cmd|' /C calc'!A0")
        .body(Body::from(
            serde_json::json!({ "settings": settings }).to_string(),
        ))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let audit = app.get(ACME, "/api/audit/export", Some(&owner)).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains(",'=cmd|' /C calc'!A0"), "{}", audit.body);
    assert!(!audit.body.contains(",=cmd"), "{}", audit.body);

    // The export, untouched, imports back: nothing changes, names included,
    // and the archived product is left as it is.
    let (_, events) = import(&app, ACME, &owner, body, false).await;
    let r = report(&events);
    assert_eq!(r["committed"], true, "{r}");
    assert_eq!(
        (
            r["updated"].as_u64(),
            r["stock_changes"].as_u64(),
            r["skipped_archived"].as_u64()
        ),
        (Some(3), Some(0), Some(1)),
        "{r}"
    );
    assert_eq!(products_of(&app, app.acme).await, before);
    assert_eq!(
        before[..3].iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        ["=HYPERLINK(\"http://x\")", "@SUM(1)", "'=quoted"]
    );

    // Moved to another business (globex), the same file creates its products.
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let (_, events) = import(&app, GLOBEX, &globex, body, false).await;
    assert_eq!(report(&events)["created"], 3, "{}", report(&events));
    let moved: Vec<String> = products_of(&app, app.globex)
        .await
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(moved, ["=HYPERLINK(\"http://x\")", "@SUM(1)", "'=quoted"]);

    // An import does not archive: active = false on a product on sale is refused.
    let (_, events) = import(
        &app,
        ACME,
        &owner,
        "sku,name,sale_price,active\nF-2,Sum,2,false\n",
        false,
    )
    .await;
    let r = report(&events);
    assert_eq!(r["committed"], false, "{r}");
    assert_eq!(r["errors"][0]["column"], "active", "{r}");
}

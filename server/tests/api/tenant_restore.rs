//! Backing up a business and restoring it into another database, through the
//! operator commands of the server binary (`shopfloor admin export-tenant`,
//! `shopfloor admin import-tenant`): the same business row for row, a working
//! business afterwards, and a refusal that changes nothing when it collides.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Duration,
};

use app::domain::org::platform;
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_empty_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";

/// What a run of the server binary printed.
struct Run {
    ok: bool,
    stderr: String,
}

/// Runs `shopfloor admin <args>` against `app`'s database (its superuser is
/// the owner role), within a minute.
async fn admin(app: &TestApp, args: &[&str]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("admin")
        .args(args)
        .env("DATABASE_URL", app.database_url())
        .env("RUST_LOG", "warn")
        .env_remove("SHOPFLOOR_OWNER_DATABASE_URL")
        .env_remove("SENTRY_DSN")
        .env_remove("SHOPFLOOR_METRICS_ADDR");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || command.output()),
    )
    .await
    .expect("the admin command ends within a minute")
    .expect("the admin command's thread")
    .expect("the server binary runs");
    Run {
        ok: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A file name in the temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(what: &str) -> Self {
        TempFile(std::env::temp_dir().join(format!(
            "shopfloor-{what}-{}.jsonl",
            uuid::Uuid::new_v4().simple()
        )))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn backup(app: &TestApp, slug: &str, file: &TempFile) {
    let run = admin(app, &["export-tenant", slug, "--output", file.path()]).await;
    assert!(run.ok, "export-tenant failed: {}", run.stderr);
}

/// The header and the rows per table (each row as its JSON text, sorted).
fn read(path: &Path) -> (Value, BTreeMap<String, Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("the backup was written");
    let mut lines = text.lines();
    let head: Value = serde_json::from_str(lines.next().expect("a header")).unwrap();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(table) = v["table"].as_str() {
            tables
                .entry(table.to_owned())
                .or_default()
                .push(v["row"].to_string());
        }
    }
    for rows in tables.values_mut() {
        rows.sort();
    }
    (head, tables)
}

async fn post(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let res = app.post_form(ACME, path, form, Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    res.json()
}

async fn sell(app: &TestApp, host: &str, cookie: &str, sale: Value) -> Value {
    let res = app
        .post_json(
            host,
            "/api/bills/finalize",
            &json!({ "sale": sale }),
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn product(app: &TestApp, host: &str, cookie: &str, fields: &[(&str, &str)]) -> String {
    let res = app
        .post_form(host, "/api/products/create", fields, Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn cash(key: &str, lines: Value, amount: i64, customer: Option<&str>) -> Value {
    json!({
        "idempotency_key": key,
        "customer_id": customer,
        "lines": lines,
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": amount, "tendered": amount + 50 }],
    })
}

/// A business with a bit of everything, made through the API as its people
/// would; globex trades too, on the same database.
async fn busy_acme(app: &TestApp) {
    let owner = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let cashier = app.login(ACME, ACME_CASHIER, PASSWORD).await;
    // A till PIN, and a PIN approval the cashier asked the owner for.
    post(
        app,
        &owner,
        "/api/auth/pin-set",
        &[("pin", "1111"), ("password", PASSWORD)],
    )
    .await;
    let owner_id = app.user_id(ACME_OWNER).await.to_string();
    post(
        app,
        &cashier,
        "/api/auth/pin-approve",
        &[("user_id", &owner_id), ("pin", "1111"), ("action", "refund")],
    )
    .await;
    let category = post(app, &owner, "/api/categories/save", &[("name", "Drinks")]).await;
    let supplier = post(
        app,
        &owner,
        "/api/suppliers/save",
        &[("name", "Leaf & Co"), ("contact", "leaf@example.test")],
    )
    .await;
    let rate = post(
        app,
        &owner,
        "/api/tax_rates/save",
        &[("name", "Reduced"), ("rate", "7.5"), ("is_default", "on")],
    )
    .await;
    let (category, supplier, rate) = (
        category.as_str().unwrap().to_owned(),
        supplier.as_str().unwrap().to_owned(),
        rate.as_str().unwrap().to_owned(),
    );
    let tea = product(
        app,
        ACME,
        &owner,
        &[
            ("product[sku]", "TEA-1"),
            ("product[name]", "Green Tea Leaves"),
            ("product[sale_price]", "2.50"),
            ("product[barcode]", "4006381333931"),
            ("product[category_id]", &category),
            ("product[supplier_id]", &supplier),
            ("product[tax_rate_id]", &rate),
            ("initial_stock", "40"),
        ],
    )
    .await;
    let cake = product(
        app,
        ACME,
        &owner,
        &[
            ("product[sku]", "CAKE"),
            ("product[name]", "Lemon Cake"),
            ("product[sale_price]", "4.00"),
            ("initial_stock", "6"),
        ],
    )
    .await;
    let old = product(
        app,
        ACME,
        &owner,
        &[
            ("product[sku]", "OLD"),
            ("product[name]", "Discontinued Mug"),
            ("product[sale_price]", "9.00"),
            ("initial_stock", "0"),
        ],
    )
    .await;
    // Buying: an order sent, partly received, partly paid (and so in the books).
    let order = post(
        app,
        &owner,
        "/api/purchases/save",
        &[
            ("supplier_id", &supplier),
            ("lines[0][product_id]", &tea),
            ("lines[0][quantity]", "10"),
            ("lines[0][unit_cost]", "1.10"),
        ],
    )
    .await;
    let order = order[0]["id"].as_str().unwrap().to_owned();
    post(app, &owner, "/api/purchases/send", &[("id", &order)]).await;
    post(
        app,
        &owner,
        "/api/purchases/receive",
        &[
            ("id", &order),
            ("lines[0][line_no]", "1"),
            ("lines[0][quantity]", "4"),
        ],
    )
    .await;
    post(
        app,
        &owner,
        "/api/supplier_payments/create",
        &[("supplier_id", &supplier), ("amount", "2.00")],
    )
    .await;
    post(app, &owner, "/api/products/archive", &[("id", &old)]).await;
    post(
        app,
        &owner,
        "/api/stock/restock",
        &[("id", &tea), ("quantity", "12"), ("note", "weekly")],
    )
    .await;
    post(
        app,
        &owner,
        "/api/stock/adjust",
        &[("id", &cake), ("delta", "-1"), ("reason", "dropped")],
    )
    .await;
    let customer = post(
        app,
        &owner,
        "/api/customers/save",
        &[
            ("name", "Ann Example"),
            ("phone", "+44 20 7946 0000"),
            ("email", "ann@example.test"),
        ],
    )
    .await;
    let customer = customer.as_str().unwrap().to_owned();

    let first = sell(
        app,
        ACME,
        &cashier,
        cash(
            "restore-sale-0001",
            json!([{ "product_id": tea, "quantity": 3, "line_discount": 0 },
                   { "product_id": cake, "quantity": 1, "line_discount": 0 }]),
            1150,
            Some(&customer),
        ),
    )
    .await;
    sell(
        app,
        ACME,
        &cashier,
        cash(
            "restore-sale-0002",
            json!([{ "product_id": tea, "quantity": 2, "line_discount": 0 }]),
            500,
            None,
        ),
    )
    .await;
    let bill = first["id"].as_str().unwrap().to_owned();
    post(
        app,
        &owner,
        "/api/credit_notes/create",
        &[
            ("bill_id", &bill),
            ("lines", "1:1"),
            ("reason", "Torn packet"),
            ("refund_method", "cash"),
            ("restock", "on"),
        ],
    )
    .await;
    // A day on a till: a shift opened with a float, a sale and a cash out
    // on it, closed with a Z report; then the till is archived (sales
    // without a till go through again).
    let till = post(app, &owner, "/api/tills/save", &[("name", "Till 1")]).await;
    let till = till.as_str().unwrap().to_owned();
    let shift = post(
        app,
        &cashier,
        "/api/shifts/open",
        &[("till_id", &till), ("opening_float", "100.00")],
    )
    .await;
    let shift = shift["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            ACME,
            "/api/bills/finalize",
            &json!({
                "sale": cash(
                    "restore-sale-0003",
                    json!([{ "product_id": tea, "quantity": 1, "line_discount": 0 }]),
                    250,
                    None,
                ),
                "till_id": till,
            }),
            Some(&cashier),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    post(
        app,
        &cashier,
        "/api/shifts/cash",
        &[
            ("shift_id", &shift),
            ("kind", "out"),
            ("amount", "20"),
            ("reason", "Bank"),
        ],
    )
    .await;
    post(
        app,
        &cashier,
        "/api/shifts/close",
        &[("shift_id", &shift), ("counted_cash", "82.50")],
    )
    .await;
    post(
        app,
        &owner,
        "/api/tills/save",
        &[("id", &till), ("name", "Till 1"), ("active", "false")],
    )
    .await;
    // A parked sale (a draft bill with its lines).
    let park =
        json!({ "lines": [{ "product_id": cake, "quantity": 2, "line_discount": 0 }], "bill_discount": 0 });
    let res = app
        .post_json(ACME, "/api/bills/park", &park, Some(&cashier))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A pending invitation and a sign-in hand-off from the apex.
    post(
        app,
        &owner,
        "/api/invites/create",
        &[("email", "new.hire@example.test"), ("role", "manager")],
    )
    .await;
    let apex = app.login("localhost", ACME_OWNER, PASSWORD).await;
    let opened = app
        .post_form(
            "localhost",
            "/api/auth/open-org",
            &[("slug", "acme")],
            Some(&apex),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    // An operator suspends and reactivates it: the audit log then names an
    // account that is not a member.
    let operator = platform::create_operator(&app.db, "ops@platform.test", "Ops", "operator-password-1")
        .await
        .unwrap();
    platform::set_status(&app.db, operator, app.acme, true)
        .await
        .unwrap();
    platform::set_status(&app.db, operator, app.acme, false)
        .await
        .unwrap();

    // Globex trades on the same database.
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let widget = product(
        app,
        GLOBEX,
        &globex,
        &[
            ("product[sku]", "WIDGET"),
            ("product[name]", "Globex Widget"),
            ("product[sale_price]", "3.00"),
            ("initial_stock", "5"),
        ],
    )
    .await;
    sell(
        app,
        GLOBEX,
        &globex,
        cash(
            "globex-sale-0001",
            json!([{ "product_id": widget, "quantity": 1, "line_discount": 0 }]),
            300,
            None,
        ),
    )
    .await;
}

/// Every table with a `tenant_id`, read from the catalog by the test itself.
async fn tenant_tables(app: &TestApp) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT c.table_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE c.column_name = 'tenant_id' AND c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Rows of `inventory_violations()` and `accounting_violations()` (the books
/// come across whole too).
async fn violations(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM inventory_violations()) + (SELECT count(*) FROM accounting_violations())",
    )
        .fetch_one(&app.admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_restored_business_is_the_same_row_for_row_and_keeps_trading() {
    let source = spawn_app().await;
    busy_acme(&source).await;
    let first = TempFile::new("acme");
    backup(&source, "acme", &first).await;
    let (head, rows) = read(&first.0);

    // Every table of a business is in the backup, with rows: a table added
    // later fails here until this test gives it rows and the restore carries them.
    let tables = tenant_tables(&source).await;
    let listed: BTreeSet<String> = head["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed, tables,
        "the backup's tables are the catalog's tenant tables"
    );
    for table in tables.iter().map(String::as_str).chain(["tenants", "users"]) {
        assert!(
            rows.get(table).is_some_and(|r| !r.is_empty()),
            "no {table} rows in the backup: give the test business some"
        );
    }
    // Only acme: globex's id and people appear nowhere.
    let text = std::fs::read_to_string(&first.0).unwrap();
    assert!(!text.contains(&source.globex.to_string()));
    assert!(!text.contains(GLOBEX_OWNER));
    // Accounts carry their password hashes, never the operator flag.
    assert!(rows["users"]
        .iter()
        .all(|u| u.contains("password_hash") && !u.contains("is_platform_operator")));

    // Restored into a fresh install, then backed up again from there.
    let target = spawn_empty_app().await;
    let run = admin(&target, &["import-tenant", first.path()]).await;
    assert!(run.ok, "import-tenant failed: {}", run.stderr);
    let second = TempFile::new("acme-restored");
    backup(&target, "acme", &second).await;
    let (head_again, rows_again) = read(&second.0);
    assert_eq!(head_again, head);
    assert_eq!(
        rows_again.keys().collect::<Vec<_>>(),
        rows.keys().collect::<Vec<_>>()
    );
    for (table, expected) in &rows {
        assert_eq!(
            &rows_again[table], expected,
            "table {table} differs after the round trip"
        );
    }
    assert_eq!(violations(&target).await, 0);

    // The restored business works: its owner signs in with their password and
    // the next sale takes the next number.
    let owner = target.login(ACME, ACME_OWNER, PASSWORD).await;
    let products = target
        .post_form(ACME, "/api/products/list", &[("search", "TEA-1")], Some(&owner))
        .await;
    assert_eq!(products.status, StatusCode::OK, "{}", products.body);
    let tea = products.json()["items"][0]["id"].as_str().unwrap().to_owned();
    let bill = sell(
        &target,
        ACME,
        &owner,
        cash(
            "after-restore-0001",
            json!([{ "product_id": tea, "quantity": 1, "line_discount": 0 }]),
            250,
            None,
        ),
    )
    .await;
    assert_eq!(bill["number"], "INV-000004", "{bill}");
    assert_eq!(violations(&target).await, 0);
    let numbers: Vec<i64> =
        sqlx::query_scalar("SELECT number FROM bills WHERE number IS NOT NULL ORDER BY number")
            .fetch_all(&target.admin)
            .await
            .unwrap();
    assert_eq!(numbers, vec![1, 2, 3, 4]);
    // The Z counter came along: the next Z report follows the restored one.
    let till: String = sqlx::query_scalar("SELECT id::text FROM tills WHERE name = 'Till 1'")
        .fetch_one(&target.admin)
        .await
        .unwrap();
    let cookie = target.login(ACME, ACME_OWNER, PASSWORD).await;
    post(
        &target,
        &cookie,
        "/api/tills/save",
        &[("id", &till), ("name", "Till 1")],
    )
    .await;
    let shift = post(
        &target,
        &cookie,
        "/api/shifts/open",
        &[("till_id", &till), ("opening_float", "0")],
    )
    .await;
    let shift = shift["id"].as_str().unwrap().to_owned();
    let z = post(
        &target,
        &cookie,
        "/api/shifts/close",
        &[("shift_id", &shift), ("counted_cash", "0")],
    )
    .await;
    assert_eq!(z["z_number"], "Z-000002", "{z}");
    // The cashier's account came along too; the operator named in the audit
    // log is an account there, but no operator.
    target.login(ACME, ACME_CASHIER, PASSWORD).await;
    let operator: bool =
        sqlx::query_scalar("SELECT is_platform_operator FROM users WHERE email = 'ops@platform.test'")
            .fetch_one(&target.admin)
            .await
            .unwrap();
    assert!(!operator);
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users), (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap()
}

#[tokio::test]
async fn restoring_over_an_existing_business_or_a_taken_email_is_refused_and_changes_nothing() {
    let source = spawn_app().await;
    let owner = source.login(ACME, ACME_OWNER, PASSWORD).await;
    post(&source, &owner, "/api/customers/save", &[("name", "Bo Buyer")]).await;
    let file = TempFile::new("acme-twice");
    backup(&source, "acme", &file).await;

    // Twice into the same database: the second is refused, nothing changes.
    let target = spawn_empty_app().await;
    let run = admin(&target, &["import-tenant", file.path()]).await;
    assert!(run.ok, "{}", run.stderr);
    let before = counts(&target).await;
    let again = admin(&target, &["import-tenant", file.path()]).await;
    assert!(!again.ok, "a second restore must be refused");
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(counts(&target).await, before);

    // Into the source itself (the business is live there): refused too.
    let live = admin(&source, &["import-tenant", file.path()]).await;
    assert!(
        !live.ok && live.stderr.contains("already exists"),
        "{}",
        live.stderr
    );

    // An email that is another account's in the target database.
    let elsewhere = spawn_empty_app().await;
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash) \
         VALUES (gen_random_uuid(), $1, 'Someone Else', 'x')",
    )
    .bind(ACME_CASHIER)
    .execute(&elsewhere.admin)
    .await
    .unwrap();
    let before = counts(&elsewhere).await;
    let taken = admin(&elsewhere, &["import-tenant", file.path()]).await;
    assert!(!taken.ok, "a taken email must be refused");
    assert!(
        taken.stderr.contains(ACME_CASHIER) && taken.stderr.contains("another account"),
        "{}",
        taken.stderr
    );
    assert_eq!(counts(&elsewhere).await, before);

    // A cut-off file is refused before anything is written.
    let text = std::fs::read_to_string(&file.0).unwrap();
    let cut = TempFile::new("acme-cut");
    let keep = text.lines().count() - 1;
    std::fs::write(&cut.0, text.lines().take(keep).collect::<Vec<_>>().join("\n")).unwrap();
    let fresh = spawn_empty_app().await;
    let run = admin(&fresh, &["import-tenant", cut.path()]).await;
    assert!(!run.ok && run.stderr.contains("cut off"), "{}", run.stderr);
    assert_eq!(counts(&fresh).await, (0, 0, 0));

    // A row pointing at an account the file does not hold: the foreign-key
    // check refuses it (the inserts ran with triggers off), nothing is written.
    let dangling = TempFile::new("acme-dangling");
    let mut changed = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["table"] == "memberships" && !changed {
                v["row"]["user_id"] = json!(uuid::Uuid::new_v4());
                changed = true;
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&dangling.0, lines.join("\n")).unwrap();
    let run = admin(&fresh, &["import-tenant", dangling.path()]).await;
    assert!(!run.ok, "a dangling reference must be refused");
    assert!(
        run.stderr.contains("fails a check") && run.stderr.contains("memberships"),
        "{}",
        run.stderr
    );
    assert_eq!(counts(&fresh).await, (0, 0, 0));

    // A file that claims an account is a platform operator makes no operator.
    let tampered = TempFile::new("acme-operator");
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["table"] == "users" {
                v["row"]["is_platform_operator"] = json!(true);
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&tampered.0, lines.join("\n")).unwrap();
    let run = admin(&fresh, &["import-tenant", tampered.path()]).await;
    assert!(run.ok, "{}", run.stderr);
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE is_platform_operator")
        .fetch_one(&fresh.admin)
        .await
        .unwrap();
    assert_eq!(operators, 0);
}

/// A business table this code has never heard of, as a later migration
/// would add it (referring to products, so it must be restored after them).
async fn add_a_later_table(app: &TestApp) {
    sqlx::raw_sql(
        "CREATE TABLE loyalty_stamps ( \
             tenant_id  uuid NOT NULL REFERENCES tenants (id), \
             id         uuid NOT NULL, \
             product_id uuid NOT NULL, \
             stamped_at timestamptz NOT NULL DEFAULT now(), \
             PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id))",
    )
    .execute(&app.admin)
    .await
    .unwrap();
}

#[tokio::test]
async fn two_businesses_sharing_a_person_move_into_one_database_one_after_the_other() {
    // Acme's cashier also works at globex.
    let source = spawn_app().await;
    app::domain::accounts::ensure_member_account(
        &source.db,
        source.globex,
        ACME_CASHIER,
        "Cal Cashier",
        PASSWORD,
        app::model::Role::Cashier,
    )
    .await
    .unwrap();
    busy_acme(&source).await;
    add_a_later_table(&source).await;
    let stamped = sqlx::query(
        "INSERT INTO loyalty_stamps (tenant_id, id, product_id) \
         SELECT tenant_id, gen_random_uuid(), id FROM products WHERE tenant_id = $1",
    )
    .bind(source.acme)
    .execute(&source.admin)
    .await
    .unwrap()
    .rows_affected();
    assert!(stamped > 0);
    let (acme_file, globex_file) = (TempFile::new("move-acme"), TempFile::new("move-globex"));
    backup(&source, "acme", &acme_file).await;
    backup(&source, "globex", &globex_file).await;

    // Globex first, then acme arrives on a database where globex is live and
    // the cashier's account already exists (the same account: kept as it is).
    let target = spawn_empty_app().await;
    add_a_later_table(&target).await;
    let run = admin(&target, &["import-tenant", globex_file.path()]).await;
    assert!(run.ok, "{}", run.stderr);
    let run = admin(&target, &["import-tenant", acme_file.path()]).await;
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("1 accounts already here"), "{}", run.stderr);

    for (slug, file) in [("acme", &acme_file), ("globex", &globex_file)] {
        let again = TempFile::new("moved");
        backup(&target, slug, &again).await;
        let ((head, rows), (head_again, rows_again)) = (read(&file.0), read(&again.0));
        assert_eq!(head_again, head, "{slug}");
        for (table, expected) in &rows {
            assert_eq!(
                &rows_again[table], expected,
                "{slug}: table {table} differs after the move"
            );
        }
        assert_eq!(rows_again.len(), rows.len(), "{slug}");
    }
    let moved: i64 = sqlx::query_scalar("SELECT count(*) FROM loyalty_stamps")
        .fetch_one(&target.admin)
        .await
        .unwrap();
    assert_eq!(moved as u64, stamped, "the later table's rows moved too");
    assert_eq!(violations(&target).await, 0);
    // One account, both businesses, the same password.
    for (host, slug) in [(ACME, "acme"), (GLOBEX, "globex")] {
        let cashier = target.login(host, ACME_CASHIER, PASSWORD).await;
        let me = target.me(host, Some(&cashier)).await.json();
        assert_eq!(
            (me["tenant"].as_str(), me["role"].as_str()),
            (Some(slug), Some("cashier"))
        );
    }
}

//! The read replica (`SHOPFLOOR_REPLICA_URL`) against a real streaming
//! standby: a primary cluster of this test's own, a standby made from it with
//! `pg_basebackup -R`, the app's `Db` given both. Bill lists and their totals,
//! and the whole-business export, read from the standby, in the tenant's own
//! read-only transaction (row-level security holds there as on the primary);
//! writes and the bill page stay on the primary; a stopped standby sends reads
//! back to the primary.
use std::path::PathBuf;

use app::tenancy::Db;
use http::StatusCode;
use serde_json::{json, Value};
use server::{
    database::{
        connect_admin_pool, connect_pool, ensure_app_login_role, ensure_database, replica_pool,
        APP_LOGIN_ROLE, MIGRATOR,
    },
    embedded::{EmbeddedPostgres, SUPERUSER},
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    helpers::{spawn_app_on, wait_until, TestApp, ACME_OWNER, GLOBEX_OWNER, PASSWORD},
    processes::{Http, ServerProcess},
};

const ACME: &str = "acme.localhost";
const GLOBEX: &str = "globex.localhost";
const DATABASE: &str = "shopfloor";

/// A primary and its standby, both of this test's own, stopped and removed
/// when the test ends.
struct Pair {
    primary: Option<EmbeddedPostgres>,
    standby: Option<EmbeddedPostgres>,
    dir: PathBuf,
}

impl Pair {
    async fn start() -> Pair {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/test-replica")
            .join(Uuid::new_v4().simple().to_string());
        let primary_dir = dir.join("primary");
        let primary = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&primary_dir))
            .await
            .unwrap()
            .expect("start the primary");
        ensure_database(primary.connect_options(SUPERUSER, "postgres"), DATABASE)
            .await
            .unwrap();
        let owner = connect_admin_pool(primary.connect_options(SUPERUSER, DATABASE), 2)
            .await
            .unwrap();
        MIGRATOR.run(&owner).await.expect("migrate the primary");
        ensure_app_login_role(&owner).await.unwrap();
        owner.close().await;
        let standby_dir = dir.join("standby");
        let (primary, standby) = tokio::task::spawn_blocking(move || {
            let standby = primary.start_standby(&standby_dir);
            (primary, standby)
        })
        .await
        .unwrap();
        let mut pair = Pair {
            primary: Some(primary),
            standby: None,
            dir,
        };
        pair.standby = Some(standby.expect("start a streaming standby of the primary"));
        pair
    }

    fn primary(&self) -> &EmbeddedPostgres {
        self.primary.as_ref().expect("the primary runs")
    }

    fn standby(&self) -> &EmbeddedPostgres {
        self.standby.as_ref().expect("the standby runs")
    }

    async fn stop_standby(&mut self) {
        let standby = self.standby.take().expect("the standby runs");
        tokio::task::spawn_blocking(move || standby.stop()).await.unwrap();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for pg in [self.standby.take(), self.primary.take()].into_iter().flatten() {
            let data = pg.data_dir().parent().map(PathBuf::from);
            pg.stop();
            if let Some(data) = data {
                let _ = std::fs::remove_dir_all(data);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until the standby has replayed everything the primary wrote so far.
async fn caught_up(primary: &PgPool, standby: &PgPool) {
    let target: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary)
        .await
        .unwrap();
    wait_until("the standby to replay the primary's writes", || async {
        sqlx::query_scalar::<_, Option<bool>>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
            .bind(&target)
            .fetch_one(standby)
            .await
            .unwrap()
            .unwrap_or(false)
    })
    .await;
}

/// A product over HTTP (2.50, deep stock); its id.
async fn product(app: &TestApp, host: &str, cookie: &str) -> String {
    let res = app
        .post_form(
            host,
            "/api/products/create",
            &[
                ("product[sku]", "TEA"),
                ("product[name]", "Tea"),
                ("product[sale_price]", "2.50"),
                ("initial_stock", "100"),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// Sells one tea over HTTP; the bill's id.
async fn sell(app: &TestApp, host: &str, cookie: &str, product: &str) -> String {
    let body = json!({ "sale": {
        "idempotency_key": Uuid::new_v4().to_string(),
        "lines": [{ "product_id": product, "quantity": 1, "line_discount": 0 }],
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": 250 }],
    }});
    let res = app
        .post_json(host, "/api/bills/finalize", &body, Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// The ids `bills/list` answers with.
async fn listed(app: &TestApp, host: &str, cookie: &str) -> Vec<String> {
    let res = app.post_form(host, "/api/bills/list", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let ids: Vec<String> = res
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    ids
}

async fn totals(app: &TestApp, host: &str, cookie: &str) -> Value {
    let res = app.post_form(host, "/api/bills/totals", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// How many sale rows the stock-ledger CSV export holds.
async fn sale_movements(app: &TestApp, cookie: &str) -> usize {
    let res = app
        .get(ACME, "/api/catalog/export?kind=movements", Some(cookie))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body
        .lines()
        .filter(|line| line.split(',').nth(2) == Some("sale"))
        .count()
}

/// What a read transaction answers: whether it runs on a standby, the bills it
/// sees, and the SQLSTATE of a write tried in it.
async fn read_path(db: &Db, tenant: Uuid) -> (bool, i64, Option<String>) {
    let mut tx = db.tenant_read_tx(tenant).await.unwrap();
    let (standby, bills): (bool, i64) =
        sqlx::query_as("SELECT pg_is_in_recovery(), (SELECT count(*) FROM bills)")
            .fetch_one(tx.conn())
            .await
            .unwrap();
    let write = sqlx::query("UPDATE products SET name = name || '!'")
        .execute(tx.conn())
        .await;
    let refused = write.err().map(|e| {
        e.as_database_error()
            .and_then(|d| d.code().map(|c| c.into_owned()))
            .unwrap_or_else(|| e.to_string())
    });
    tx.rollback().await.ok();
    (standby, bills, refused)
}

const READ_ONLY_SQL_TRANSACTION: &str = "25006";

/// A free port in 3500–3599 (the range this module's processes keep to).
fn replica_test_port() -> u16 {
    (3500..3600)
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port in 3500-3599")
}

/// Replay paused on the standby (waits until it is).
async fn pause_replay(standby: &PgPool) {
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(standby)
        .await
        .unwrap();
    wait_until("the standby's replay to pause", || async {
        sqlx::query_scalar::<_, String>("SELECT pg_get_wal_replay_pause_state()")
            .fetch_one(standby)
            .await
            .unwrap()
            == "paused"
    })
    .await;
}

async fn resume_replay(standby: &PgPool) {
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(standby)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_lists_read_from_the_replica_per_tenant_and_fall_back_to_the_primary() {
    let _turn = crate::one_at_a_time().await;
    let mut pair = Pair::start().await;
    let owner_opts = pair.primary().connect_options(SUPERUSER, DATABASE);
    let tenant_login = pair.primary().connect_options(APP_LOGIN_ROLE, DATABASE);
    let db = Db::new(
        connect_pool(tenant_login.clone(), 5).await.unwrap(),
        connect_pool(owner_opts.clone(), 5).await.unwrap(),
    )
    .with_replica(replica_pool(
        pair.standby().connect_options(APP_LOGIN_ROLE, DATABASE),
    ));
    let admin = connect_admin_pool(owner_opts, 2).await.unwrap();
    let standby_admin = connect_admin_pool(pair.standby().connect_options(SUPERUSER, DATABASE), 2)
        .await
        .unwrap();
    let app = spawn_app_on(db, admin.clone(), tenant_login.clone()).await;

    // Two businesses sell on the primary: acme twice, globex once.
    let acme = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let globex = app.login(GLOBEX, GLOBEX_OWNER, PASSWORD).await;
    let acme_tea = product(&app, ACME, &acme).await;
    let globex_tea = product(&app, GLOBEX, &globex).await;
    let mut acme_bills = vec![
        sell(&app, ACME, &acme, &acme_tea).await,
        sell(&app, ACME, &acme, &acme_tea).await,
    ];
    let globex_bills = vec![sell(&app, GLOBEX, &globex, &globex_tea).await];
    caught_up(&admin, &standby_admin).await;

    // The read path runs on the standby, as the tenant: each sees its own
    // bills only (row-level security on the replica), and writing is refused.
    let (on_standby, seen, refused) = read_path(&app.db, app.acme).await;
    assert!(on_standby, "the read transaction ran on the primary");
    assert_eq!(seen, 2);
    assert_eq!(refused.as_deref(), Some(READ_ONLY_SQL_TRANSACTION));
    let (on_standby, seen, _) = read_path(&app.db, app.globex).await;
    assert!(on_standby);
    assert_eq!(seen, 1);
    // Without a replica the read path is on the primary, read-only all the same.
    let primary_only = Db::new(
        connect_pool(tenant_login.clone(), 1).await.unwrap(),
        connect_pool(pair.primary().connect_options(SUPERUSER, DATABASE), 1)
            .await
            .unwrap(),
    );
    let (on_standby, seen, refused) = read_path(&primary_only, app.acme).await;
    assert!(!on_standby);
    assert_eq!(seen, 2);
    assert_eq!(refused.as_deref(), Some(READ_ONLY_SQL_TRANSACTION));
    primary_only.close().await;

    let mut mine = listed(&app, ACME, &acme).await;
    mine.sort();
    acme_bills.sort();
    assert_eq!(mine, acme_bills);
    assert_eq!(listed(&app, GLOBEX, &globex).await, globex_bills);
    assert_eq!(totals(&app, GLOBEX, &globex).await["count"], 1);

    // With the standby's replay paused, a new bill is on the primary only: its
    // own page (primary) shows it at once; the list and the totals (replica)
    // do not have it yet, nor does the export; once replay resumes, they do.
    pause_replay(&standby_admin).await;
    let late = sell(&app, ACME, &acme, &acme_tea).await;
    let page = app
        .post_form(ACME, "/api/bills/get", &[("id", &late)], Some(&acme))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.json()["id"], late.as_str());
    assert!(
        !listed(&app, ACME, &acme).await.contains(&late),
        "the bill list did not come from the (paused) replica"
    );
    assert_eq!(totals(&app, ACME, &acme).await["count"], 2);
    let export = app.get(ACME, "/api/export/tenant", Some(&acme)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    assert!(export.body.contains(&acme_bills[0]), "{}", export.body);
    assert!(
        !export.body.contains(&late),
        "the export did not come from the replica"
    );
    assert!(
        !export.body.contains(&globex_bills[0]),
        "another business's bill in the export"
    );
    // The CSV exports too: the stock ledger and the audit trail have the two
    // earlier sales only.
    assert_eq!(sale_movements(&app, &acme).await, 2);
    let audit = app.get(ACME, "/api/audit/export", Some(&acme)).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    assert_eq!(audit.body.matches("bill.finalized").count(), 2, "{}", audit.body);
    // The export's audit entry is a write: made on the primary.
    let exported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'tenant.exported'",
    )
    .bind(app.acme)
    .fetch_one(&admin)
    .await
    .unwrap();
    assert_eq!(exported, 1);

    resume_replay(&standby_admin).await;
    wait_until("the bill list (replica) to show the new bill", || async {
        listed(&app, ACME, &acme).await.contains(&late)
    })
    .await;
    assert_eq!(totals(&app, ACME, &acme).await["count"], 3);
    assert_eq!(sale_movements(&app, &acme).await, 3);
    assert!(!listed(&app, GLOBEX, &globex).await.contains(&late));

    // The standby stops: lists keep answering, from the primary.
    standby_admin.close().await;
    pair.stop_standby().await;
    let another = sell(&app, ACME, &acme, &acme_tea).await;
    let after = listed(&app, ACME, &acme).await;
    assert!(after.contains(&another), "{after:?}");
    assert_eq!(after.len(), 4);
    assert_eq!(totals(&app, ACME, &acme).await["count"], 4);
    assert_eq!(listed(&app, GLOBEX, &globex).await, globex_bills);
    let (on_standby, _, refused) = read_path(&app.db, app.acme).await;
    assert!(!on_standby);
    // The replica's pool is in the pool metrics.
    let metrics = server::metrics::Metrics::new().render(&app.db);
    assert!(
        metrics.contains("shopfloor_db_pool_connections{pool=\"replica\",state=\"open\"}"),
        "{metrics}"
    );
    assert_eq!(refused.as_deref(), Some(READ_ONLY_SQL_TRANSACTION));

    app.db.close().await;
    admin.close().await;
}

/// The server binary reads `SHOPFLOOR_REPLICA_URL`: its bill list comes from
/// the standby (a bill sold while replay is paused is not listed until it
/// resumes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_binary_reads_bill_lists_from_shopfloor_replica_url() {
    let _turn = crate::one_at_a_time().await;
    let pair = Pair::start().await;
    let owner_opts = pair.primary().connect_options(SUPERUSER, DATABASE);
    let tenant_login = pair.primary().connect_options(APP_LOGIN_ROLE, DATABASE);
    let db = Db::new(
        connect_pool(tenant_login.clone(), 2).await.unwrap(),
        connect_pool(owner_opts.clone(), 2).await.unwrap(),
    );
    let admin = connect_admin_pool(owner_opts, 2).await.unwrap();
    let standby_admin = connect_admin_pool(pair.standby().connect_options(SUPERUSER, DATABASE), 2)
        .await
        .unwrap();
    // The businesses and a product, made in-process on the primary.
    let app = spawn_app_on(db, admin.clone(), tenant_login).await;
    let cookie = app.login(ACME, ACME_OWNER, PASSWORD).await;
    let tea = product(&app, ACME, &cookie).await;
    let first = sell(&app, ACME, &cookie, &tea).await;
    app.db.close().await;

    let replica_url = pair.standby().url(APP_LOGIN_ROLE, DATABASE);
    let server = ServerProcess::start_with(
        "replica",
        &pair.primary().url(APP_LOGIN_ROLE, DATABASE),
        &pair.primary().url(SUPERUSER, DATABASE),
        replica_test_port(),
        &[("SHOPFLOOR_REPLICA_URL", replica_url.as_str())],
    )
    .await;
    assert!(
        server.log_contains("read from the read replica"),
        "{}",
        server.log_tail()
    );
    let http = Http::new();
    let till = http
        .login(server.port, ACME, ACME_OWNER, PASSWORD)
        .await
        .session_cookie()
        .expect("a session");
    let listed = || async {
        let answer = http
            .post_form(server.port, ACME, "/api/bills/list", &[], Some(&till))
            .await
            .expect("bills/list answers");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    };
    caught_up(&admin, &standby_admin).await;
    assert!(listed().await.contains(&first));

    pause_replay(&standby_admin).await;
    let sale = json!({ "sale": {
        "idempotency_key": Uuid::new_v4().to_string(),
        "lines": [{ "product_id": tea, "quantity": 1, "line_discount": 0 }],
        "bill_discount": 0,
        "payments": [{ "method": "cash", "amount": 250 }],
    }});
    let sold = http
        .post_json(server.port, ACME, "/api/bills/finalize", &sale, Some(&till))
        .await
        .expect("the sale answers");
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    let late = sold.json()["id"].as_str().unwrap().to_owned();
    assert!(
        !listed().await.contains(&late),
        "the server's bill list did not come from the (paused) replica"
    );
    resume_replay(&standby_admin).await;
    wait_until("the server's bill list to show the new bill", || async {
        listed().await.contains(&late)
    })
    .await;
    drop(server);
    standby_admin.close().await;
    admin.close().await;
}

//! The document chain (migration 0017): every finalized bill and credit note is
//! a link of its business's hash chain, appended at the commit that numbers
//! it; `chain/verify` recomputes the chain and finds an edit made behind the
//! app's back.
use app::{
    domain::{
        billing::{credit, finalize, BillingError},
        inventory::{
            catalog::{self, ProductInput},
            stock::Reference,
        },
    },
    model::{CartLine, PaymentInput, PaymentMethod, Role, SaleInput},
    permissions::Actor,
};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER, PASSWORD};

async fn actor(app: &TestApp, email: &str, role: Role) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role,
    }
}

async fn product(app: &TestApp, tenant: Uuid, owner: &Actor, sku: &str, stock: i64) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = ProductInput {
        sku: sku.into(),
        name: format!("Item {sku}"),
        sale_price: 250,
        ..Default::default()
    };
    let p = catalog::create_product(&mut tx.acting(*owner), input, stock, &Reference::none())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    p.id
}

fn sale(product_id: Uuid, quantity: i64) -> SaleInput {
    SaleInput {
        idempotency_key: format!("chain-{}", Uuid::new_v4().simple()),
        customer_id: None,
        lines: vec![CartLine {
            product_id,
            quantity,
            line_discount: 0,
        }],
        bill_discount: 0,
        payments: vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: 250 * quantity,
            tendered: None,
        }],
    }
}

async fn sell(app: &TestApp, tenant: Uuid, who: &Actor, product_id: Uuid, quantity: i64) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let id = finalize::finalize_sale(&mut tx.acting(*who), &sale(product_id, quantity))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn refund_one(app: &TestApp, tenant: Uuid, who: &Actor, bill: Uuid) -> Result<Uuid, BillingError> {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let input = credit::CreditInput {
        bill_id: bill,
        lines: vec![(1, 1)],
        reason: "Returned".into(),
        refund_method: PaymentMethod::Cash,
        restock: true,
        till_id: None,
    };
    let id = credit::create_credit_note(&mut tx.acting(*who), &input).await?;
    tx.commit().await.unwrap();
    Ok(id)
}

/// `chain/verify` over HTTP as `cookie` on `host`.
async fn verify(app: &TestApp, host: &str, cookie: &str) -> serde_json::Value {
    let res = app.post_form(host, "/api/chain/verify", &[], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// A stored link: seq, kind, document, prev_hash, hash, and the content the
/// database chained for it.
type Link = (i64, String, Uuid, Vec<u8>, Vec<u8>, Option<String>);

/// The business's links in order, each checked against the one before it and
/// against an independent hash of the content the database says it chained.
async fn links_follow_each_other(app: &TestApp, tenant: Uuid) -> Vec<(i64, String, Uuid)> {
    let rows: Vec<Link> = sqlx::query_as(
        "SELECT seq, kind, document_id, prev_hash, hash, chain_document_content(kind, tenant_id, document_id) \
         FROM document_chain WHERE tenant_id = $1 ORDER BY seq",
    )
    .bind(tenant)
    .fetch_all(&app.admin)
    .await
    .unwrap();
    let mut prev = vec![0u8; 32];
    for (i, (seq, kind, _, prev_hash, hash, content)) in rows.iter().enumerate() {
        assert_eq!(*seq, i as i64 + 1, "gapless");
        assert_eq!(prev_hash, &prev, "link {seq} follows the one before it");
        let content = content.as_deref().expect("the chained document exists");
        let mut hasher = Sha256::new();
        hasher.update(prev_hash);
        hasher.update(content.as_bytes());
        assert_eq!(
            hash.as_slice(),
            hasher.finalize().as_slice(),
            "link {seq} ({kind})"
        );
        prev = hash.clone();
    }
    rows.into_iter()
        .map(|(seq, kind, id, ..)| (seq, kind, id))
        .collect()
}

#[tokio::test]
async fn every_bill_and_credit_note_is_a_link_and_each_business_has_its_own_chain() {
    let app = spawn_app().await;
    let acme_owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let a = product(&app, app.acme, &acme_owner, "CH-A", 50).await;
    let g = product(&app, app.globex, &globex_owner, "CH-G", 50).await;

    let first = sell(&app, app.acme, &acme_owner, a, 2).await;
    let second = sell(&app, app.acme, &acme_owner, a, 1).await;
    let credit_note = refund_one(&app, app.acme, &acme_owner, first).await.unwrap();
    let theirs = sell(&app, app.globex, &globex_owner, g, 1).await;

    let acme_links = links_follow_each_other(&app, app.acme).await;
    assert_eq!(
        acme_links,
        vec![
            (1, "bill".to_string(), first),
            (2, "bill".to_string(), second),
            (3, "credit_note".to_string(), credit_note),
        ]
    );
    let globex_links = links_follow_each_other(&app, app.globex).await;
    assert_eq!(globex_links, vec![(1, "bill".to_string(), theirs)]);

    let acme = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let report = verify(&app, "acme.localhost", &acme).await;
    assert_eq!(report["links"], 3, "{report}");
    assert!(report["broken"].is_null(), "{report}");
    let head: String =
        sqlx::query_scalar("SELECT encode(hash, 'hex') FROM document_chain WHERE tenant_id = $1 AND seq = 3")
            .bind(app.acme)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(report["head"], head.as_str());

    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let report = verify(&app, "globex.localhost", &globex).await;
    assert_eq!(report["links"], 1, "{report}");

    // Cashiers do not read the chain; a link is never changed or removed, and
    // only the chaining moves the head, whoever asks.
    let cashier = app.login("acme.localhost", ACME_CASHIER, PASSWORD).await;
    let res = app
        .post_form("acme.localhost", "/api/chain/verify", &[], Some(&cashier))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    for statement in [
        "UPDATE document_chain SET hash = prev_hash",
        "DELETE FROM document_chain",
        "UPDATE document_chain_heads SET seq = 0",
        "DELETE FROM document_chain_heads",
    ] {
        let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
        let result = sqlx::query(statement).execute(tx.conn()).await;
        assert!(result.is_err(), "{statement} was allowed");
    }
}

#[tokio::test]
async fn an_edit_made_with_triggers_disabled_is_found_at_its_link() {
    let app = spawn_app().await;
    let acme_owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let a = product(&app, app.acme, &acme_owner, "TAMPER-A", 50).await;
    let g = product(&app, app.globex, &globex_owner, "TAMPER-G", 50).await;
    let mut bills = Vec::new();
    for _ in 0..4 {
        bills.push(sell(&app, app.acme, &acme_owner, a, 1).await);
    }
    sell(&app, app.globex, &globex_owner, g, 1).await;
    let acme = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    assert!(verify(&app, "acme.localhost", &acme).await["broken"].is_null());

    // A superuser lowers the third bill's line price and total, every trigger
    // off: the database's own guards never see it.
    let mut conn = app.admin.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE bill_lines SET unit_price = 1, net = 1, total = 1 WHERE bill_id = $1")
        .bind(bills[2])
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE bills SET net = 1, total = 1, paid = 1 WHERE id = $1")
        .bind(bills[2])
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    let report = verify(&app, "acme.localhost", &acme).await;
    assert_eq!(report["links"], 2, "the two links before it hold: {report}");
    assert_eq!(report["broken"]["seq"], 3, "{report}");
    assert_eq!(report["broken"]["document"], "INV-000003", "{report}");
    assert_eq!(
        report["broken"]["problem"],
        "document changed after it was chained"
    );

    // The other business's chain is its own, and whole.
    let globex = app.login("globex.localhost", GLOBEX_OWNER, PASSWORD).await;
    let theirs = verify(&app, "globex.localhost", &globex).await;
    assert!(theirs["broken"].is_null(), "{theirs}");
}

#[tokio::test]
async fn a_removed_link_and_an_unchained_bill_are_found() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let a = product(&app, app.acme, &owner, "GONE-A", 50).await;
    for _ in 0..3 {
        sell(&app, app.acme, &owner, a, 1).await;
    }
    let acme = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;

    // The last link removed, the head put back: the bill is outside the chain.
    let mut conn = app.admin.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    let prev: Vec<u8> =
        sqlx::query_scalar("DELETE FROM document_chain WHERE tenant_id = $1 AND seq = 3 RETURNING prev_hash")
            .bind(app.acme)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    sqlx::query("UPDATE document_chain_heads SET seq = 2, hash = $2 WHERE tenant_id = $1")
        .bind(app.acme)
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
    let report = verify(&app, "acme.localhost", &acme).await;
    assert_eq!(
        report["broken"]["problem"], "document not in the chain",
        "{report}"
    );
    assert_eq!(report["broken"]["document"], "INV-000003", "{report}");

    // A link removed from the middle.
    sqlx::query("DELETE FROM document_chain WHERE tenant_id = $1 AND seq = 1")
        .bind(app.acme)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
    let report = verify(&app, "acme.localhost", &acme).await;
    assert_eq!(report["broken"]["seq"], 1, "{report}");
    assert_eq!(report["broken"]["problem"], "link missing", "{report}");
}

#[tokio::test]
async fn the_chain_stays_linear_and_gapless_under_two_hundred_concurrent_sales() {
    let app = spawn_app().await;
    let acme_owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex_owner = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let a = product(&app, app.acme, &acme_owner, "RUSH-A", 1000).await;
    let g = product(&app, app.globex, &globex_owner, "RUSH-G", 1000).await;
    // Bills to refund while the sales run: credit notes join the same chain.
    let mut to_refund = Vec::new();
    for _ in 0..10 {
        to_refund.push(sell(&app, app.acme, &acme_owner, a, 1).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let db = app.db.clone();
        let (tenant, who, p) = if i % 4 == 3 {
            (app.globex, globex_owner, g)
        } else {
            (app.acme, acme_owner, a)
        };
        tasks.spawn(async move {
            let mut tx = db.tenant_tx(tenant).await.unwrap();
            finalize::finalize_sale(&mut tx.acting(who), &sale(p, 1))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        });
    }
    for bill in to_refund {
        let (db, acme) = (app.db.clone(), app.acme);
        tasks.spawn(async move {
            let mut tx = db.tenant_tx(acme).await.unwrap();
            let input = credit::CreditInput {
                bill_id: bill,
                lines: vec![(1, 1)],
                reason: "Returned".into(),
                refund_method: PaymentMethod::Card,
                restock: true,
                till_id: None,
            };
            credit::create_credit_note(&mut tx.acting(acme_owner), &input)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }

    let acme_links = links_follow_each_other(&app, app.acme).await;
    assert_eq!(acme_links.len(), 10 + 150 + 10, "every bill and credit note once");
    let bills = acme_links.iter().filter(|(_, kind, _)| kind == "bill").count();
    let credit_notes = acme_links
        .iter()
        .filter(|(_, kind, _)| kind == "credit_note")
        .count();
    assert_eq!((bills, credit_notes), (160, 10));
    assert_eq!(links_follow_each_other(&app, app.globex).await.len(), 50);

    let acme = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let report = verify(&app, "acme.localhost", &acme).await;
    assert_eq!(report["links"], 170, "{report}");
    assert!(report["broken"].is_null(), "{report}");
}

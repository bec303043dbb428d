//! Stock is conserved and never negative, per tenant, under concurrency.
use std::collections::HashMap;

use app::{
    domain::{
        inventory::{
            catalog::{self, ProductInput},
            stock::{self, Reference, SaleLine},
            InventoryError,
        },
        permissions::Actor,
    },
    model::{ProductQuery, Role, StockFilter},
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, ACME_CASHIER, ACME_OWNER, GLOBEX_OWNER};

async fn actor(app: &TestApp, email: &str, role: Role) -> Actor {
    Actor {
        user_id: app.user_id(email).await,
        role,
    }
}

fn product(sku: &str, name: &str) -> ProductInput {
    ProductInput {
        sku: sku.into(),
        name: name.into(),
        sale_price: 199,
        cost_price: 120,
        reorder_level: 5,
        ..Default::default()
    }
}

async fn create(app: &TestApp, tenant: Uuid, actor: &Actor, sku: &str, stock: i64) -> Uuid {
    let mut tx = app.db.tenant_tx(tenant).await.unwrap();
    let p = catalog::create_product(
        &mut tx.acting(*actor),
        product(sku, &format!("Product {sku}")),
        stock,
        &Reference::none(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p.id
}

/// Every product's on_hand against its ledger, across all tenants (owner view).
async fn assert_conserved(app: &TestApp) {
    let violations: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_violations()")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(violations, 0, "inventory_violations() must be empty");
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products p WHERE p.on_hand <> \
           (SELECT coalesce(sum(quantity), 0) FROM stock_movements m WHERE m.tenant_id = p.tenant_id AND m.product_id = p.id)",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
}

#[tokio::test]
async fn random_mix_of_movements_conserves_every_unit() {
    let app = spawn_app().await;
    let acme = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let mut products: Vec<(Uuid, Actor, Uuid)> = Vec::new();
    for i in 0..4 {
        products.push((
            app.acme,
            acme,
            create(&app, app.acme, &acme, &format!("A-{i}"), 10).await,
        ));
        products.push((
            app.globex,
            globex,
            create(&app, app.globex, &globex, &format!("G-{i}"), 10).await,
        ));
    }
    let mut expected: HashMap<Uuid, i64> = products.iter().map(|p| (p.2, 10)).collect();
    let mut rng = StdRng::seed_from_u64(20261124);
    for _ in 0..300 {
        let (tenant, who, id) = products[rng.gen_range(0..products.len())];
        let mut tx = app.db.tenant_tx(tenant).await.unwrap();
        let qty = rng.gen_range(1..=8);
        let current = expected[&id];
        let result: Result<i64, InventoryError> = match rng.gen_range(0..5) {
            0 => stock::restock(&mut tx.acting(who), id, qty, None)
                .await
                .map(|_| current + qty),
            1 => stock::sell(
                &mut tx.acting(who),
                &[SaleLine {
                    product_id: id,
                    quantity: qty,
                }],
                &Reference::none(),
            )
            .await
            .map(|_| current - qty),
            2 => stock::return_to_stock(&mut tx.acting(who), id, qty, &Reference::none())
                .await
                .map(|_| current + qty),
            3 => {
                let delta = if rng.gen_bool(0.5) { qty } else { -qty };
                stock::adjust(&mut tx.acting(who), id, delta, "shelf check")
                    .await
                    .map(|_| current + delta)
            }
            _ => stock::count(&mut tx.acting(who), id, qty).await.map(|_| qty),
        };
        match result {
            Ok(new) => {
                tx.commit().await.unwrap();
                expected.insert(id, new);
            }
            Err(InventoryError::OutOfStock { available, .. }) => {
                assert_eq!(available, current);
                assert!(qty > current);
            }
            Err(InventoryError::Invalid(m)) if m.contains("below zero") => assert!(qty > current),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    for (id, want) in expected {
        let on_hand: i64 = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = $1")
            .bind(id)
            .fetch_one(&app.admin)
            .await
            .unwrap();
        assert_eq!(on_hand, want);
    }
    assert_conserved(&app).await;
}

#[tokio::test]
async fn fifty_terminals_selling_the_last_ten_units_never_oversell() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let id = create(&app, app.acme, &owner, "LAST-10", 10).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let db = app.db.clone();
        let acme = app.acme;
        tasks.push(tokio::spawn(async move {
            let mut tx = db.tenant_tx(acme).await.unwrap();
            let sold = stock::sell(
                &mut tx.acting(cashier),
                &[SaleLine {
                    product_id: id,
                    quantity: 1,
                }],
                &Reference::none(),
            )
            .await;
            match sold {
                Ok(_) => {
                    tx.commit().await.unwrap();
                    true
                }
                Err(InventoryError::OutOfStock { available: 0, .. }) => false,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() {
            ok += 1;
        }
    }
    assert_eq!(ok, 10, "exactly the ten units were sold");
    let on_hand: i64 = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = $1")
        .bind(id)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(on_hand, 0);
    let sales: i64 =
        sqlx::query_scalar("SELECT count(*) FROM stock_movements WHERE product_id = $1 AND kind = 'sale'")
            .bind(id)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!(sales, 10);
    assert_conserved(&app).await;
}

#[tokio::test]
async fn multi_line_sales_in_opposite_order_neither_deadlock_nor_oversell() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let a = create(&app, app.acme, &owner, "PAIR-A", 15).await;
    let b = create(&app, app.acme, &owner, "PAIR-B", 15).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let db = app.db.clone();
        let acme = app.acme;
        let lines = if i % 2 == 0 {
            [
                SaleLine {
                    product_id: a,
                    quantity: 1,
                },
                SaleLine {
                    product_id: b,
                    quantity: 1,
                },
            ]
        } else {
            [
                SaleLine {
                    product_id: b,
                    quantity: 1,
                },
                SaleLine {
                    product_id: a,
                    quantity: 1,
                },
            ]
        };
        tasks.push(tokio::spawn(async move {
            let mut tx = db.tenant_tx(acme).await.unwrap();
            // Hold the first row a moment so the two orders really overlap.
            let result = stock::sell(&mut tx.acting(owner), &lines, &Reference::none()).await;
            match result {
                Ok(_) => {
                    sqlx::query("SELECT pg_sleep(0.01)")
                        .execute(tx.conn())
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                    true
                }
                Err(InventoryError::OutOfStock { .. }) => false,
                Err(other) => panic!("deadlock or worse: {other:?}"),
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() {
            ok += 1;
        }
    }
    assert_eq!(ok, 15);
    let left: Vec<i64> = sqlx::query_scalar("SELECT on_hand FROM products WHERE id = ANY($1) ORDER BY sku")
        .bind(vec![a, b])
        .fetch_all(&app.admin)
        .await
        .unwrap();
    assert_eq!(left, vec![0, 0]);
    assert_conserved(&app).await;
}

#[tokio::test]
async fn stock_cannot_change_without_its_ledger_row() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let id = create(&app, app.acme, &owner, "GUARDED", 3).await;
    // A buggy query bumps stock with no movement: the commit is refused.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    sqlx::query("UPDATE products SET on_hand = on_hand + 5 WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(err.to_string().contains("ledger"), "{err}");
    // Nor by moving the running ledger total along with it.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err =
        sqlx::query("UPDATE products SET on_hand = on_hand + 5, ledger_sum = ledger_sum + 5 WHERE id = $1")
            .bind(id)
            .execute(tx.conn())
            .await
            .unwrap_err();
    assert!(
        err.to_string().contains("moves only with a stock movement"),
        "{err}"
    );
    drop(tx);
    // Stock can't go negative even by hand.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query("UPDATE products SET on_hand = -1 WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("check constraint"), "{err}");
    drop(tx);
    // The ledger can't be rewritten.
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let err = sqlx::query("UPDATE stock_movements SET quantity = 100")
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let err = sqlx::query("DELETE FROM stock_movements")
        .execute(&app.admin)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_conserved(&app).await;
}

#[tokio::test]
async fn tenant_b_cannot_reach_tenant_a_products_and_skus_do_not_collide() {
    let app = spawn_app().await;
    let acme = actor(&app, ACME_OWNER, Role::Owner).await;
    let globex = actor(&app, GLOBEX_OWNER, Role::Owner).await;
    let acme_product = create(&app, app.acme, &acme, "SHARED-SKU", 4).await;
    // The same SKU in another tenant is fine.
    let globex_product = create(&app, app.globex, &globex, "SHARED-SKU", 9).await;
    assert_ne!(acme_product, globex_product);

    let mut tx = app.db.tenant_tx(app.globex).await.unwrap();
    assert!(matches!(
        catalog::get_product(&mut tx, acme_product).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        stock::restock(&mut tx.acting(globex), acme_product, 5, None).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        stock::sell(
            &mut tx.acting(globex),
            &[SaleLine {
                product_id: acme_product,
                quantity: 1
            }],
            &Reference::none()
        )
        .await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        stock::count(&mut tx.acting(globex), acme_product, 0).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        catalog::set_product_active(&mut tx.acting(globex), acme_product, false).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        catalog::update_product(
            &mut tx.acting(globex),
            acme_product,
            product("HIJACK", "Hijacked")
        )
        .await,
        Err(InventoryError::NotFound(_))
    ));
    let listed = catalog::list_products(
        &mut tx,
        &ProductQuery {
            search: "shared".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].id, globex_product);
    tx.commit().await.unwrap();

    let (name, on_hand, active): (String, i64, bool) =
        sqlx::query_as("SELECT name, on_hand, is_active FROM products WHERE id = $1")
            .bind(acme_product)
            .fetch_one(&app.admin)
            .await
            .unwrap();
    assert_eq!((name.as_str(), on_hand, active), ("Product SHARED-SKU", 4, true));
}

#[tokio::test]
async fn a_cashier_cannot_restock_adjust_count_edit_or_archive() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let cashier = actor(&app, ACME_CASHIER, Role::Cashier).await;
    let id = create(&app, app.acme, &owner, "ROLE-1", 5).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert!(matches!(
        stock::restock(&mut tx.acting(cashier), id, 1, None).await,
        Err(InventoryError::Forbidden(_))
    ));
    assert!(matches!(
        stock::adjust(&mut tx.acting(cashier), id, -1, "x").await,
        Err(InventoryError::Forbidden(_))
    ));
    assert!(matches!(
        stock::count(&mut tx.acting(cashier), id, 1).await,
        Err(InventoryError::Forbidden(_))
    ));
    assert!(matches!(
        catalog::set_product_active(&mut tx.acting(cashier), id, false).await,
        Err(InventoryError::Forbidden(_))
    ));
    assert!(matches!(
        catalog::create_product(
            &mut tx.acting(cashier),
            product("NEW", "New"),
            0,
            &Reference::none()
        )
        .await,
        Err(InventoryError::Forbidden(_))
    ));
    // A manager may restock but not archive.
    let manager = Actor {
        role: Role::Manager,
        ..owner
    };
    assert!(stock::restock(&mut tx.acting(manager), id, 1, None).await.is_ok());
    assert!(matches!(
        catalog::set_product_active(&mut tx.acting(manager), id, false).await,
        Err(InventoryError::Forbidden(_))
    ));
    // A cashier sells.
    assert!(stock::sell(
        &mut tx.acting(cashier),
        &[SaleLine {
            product_id: id,
            quantity: 1
        }],
        &Reference::none()
    )
    .await
    .is_ok());
    tx.commit().await.unwrap();
    assert_conserved(&app).await;
}

#[tokio::test]
async fn bad_quantities_and_unknown_ids_change_nothing() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let id = create(&app, app.acme, &owner, "BAD-1", 5).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    for qty in [0, -1, i64::MIN, 1_000_001, i64::MAX] {
        assert!(
            matches!(
                stock::restock(&mut tx.acting(owner), id, qty, None).await,
                Err(InventoryError::Invalid(_))
            ),
            "{qty}"
        );
        assert!(matches!(
            stock::sell(
                &mut tx.acting(owner),
                &[SaleLine {
                    product_id: id,
                    quantity: qty
                }],
                &Reference::none()
            )
            .await,
            Err(InventoryError::Invalid(_))
        ));
    }
    assert!(matches!(
        stock::adjust(&mut tx.acting(owner), id, -1, "   ").await,
        Err(InventoryError::Invalid(_))
    ));
    assert!(matches!(
        stock::adjust(&mut tx.acting(owner), id, 0, "why").await,
        Err(InventoryError::Invalid(_))
    ));
    assert!(matches!(
        stock::adjust(&mut tx.acting(owner), id, -6, "too many").await,
        Err(InventoryError::Invalid(_))
    ));
    assert!(matches!(
        stock::count(&mut tx.acting(owner), id, -1).await,
        Err(InventoryError::Invalid(_))
    ));
    assert!(matches!(
        stock::restock(&mut tx.acting(owner), Uuid::now_v7(), 1, None).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        catalog::create_product(
            &mut tx.acting(owner),
            product("BAD-1", "Duplicate"),
            0,
            &Reference::none()
        )
        .await,
        Err(InventoryError::SkuTaken(_))
    ));
    drop(tx);
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let bad_ref = ProductInput {
        category_id: Some(Uuid::now_v7()),
        ..product("BAD-2", "Bad ref")
    };
    assert!(matches!(
        catalog::create_product(&mut tx.acting(owner), bad_ref, 0, &Reference::none()).await,
        Err(InventoryError::Invalid(_))
    ));
    let p = catalog::get_product(&mut tx, id).await.unwrap();
    assert_eq!(p.on_hand, 5);
    let movements = stock::movements(&mut tx, id, 50).await.unwrap();
    assert_eq!(movements.len(), 1, "only the opening balance");
}

#[tokio::test]
async fn archived_products_leave_lists_keep_history_and_free_their_barcode() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let with_barcode = ProductInput {
        barcode: Some("4006381333931".into()),
        ..product("OLD-1", "Old pen")
    };
    let old = catalog::create_product(&mut tx.acting(owner), with_barcode.clone(), 2, &Reference::none())
        .await
        .unwrap();
    catalog::set_product_active(&mut tx.acting(owner), old.id, false)
        .await
        .unwrap();
    let listed = catalog::list_products(&mut tx, &ProductQuery::default())
        .await
        .unwrap();
    assert!(listed.items.iter().all(|p| p.id != old.id));
    let archived = catalog::list_products(
        &mut tx,
        &ProductQuery {
            archived: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(archived.items.len(), 1);
    // The barcode may be reused by a new product...
    let new_input = ProductInput {
        sku: "NEW-1".into(),
        ..with_barcode
    };
    let new = catalog::create_product(&mut tx.acting(owner), new_input, 0, &Reference::none())
        .await
        .unwrap();
    assert_eq!(new.barcode.as_deref(), Some("4006381333931"));
    // ...and then restoring the old one says why it cannot.
    tx.commit().await.unwrap();
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert!(matches!(
        catalog::set_product_active(&mut tx.acting(owner), old.id, true).await,
        Err(InventoryError::BarcodeTaken(_))
    ));
    drop(tx);
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    assert_eq!(
        stock::movements(&mut tx, old.id, 10).await.unwrap().len(),
        1,
        "history kept"
    );
    // Sales of archived products are refused.
    assert!(matches!(
        stock::sell(
            &mut tx.acting(owner),
            &[SaleLine {
                product_id: old.id,
                quantity: 1
            }],
            &Reference::none()
        )
        .await,
        Err(InventoryError::Invalid(_))
    ));
}

#[tokio::test]
async fn search_finds_by_name_sku_and_barcode_and_filters_low_stock() {
    let app = spawn_app().await;
    let owner = actor(&app, ACME_OWNER, Role::Owner).await;
    let mut tx = app.db.tenant_tx(app.acme).await.unwrap();
    let items = [
        ("TEA-001", "Green tea 100g", Some("5012345678900"), 3),
        ("TEA-002", "Black tea 250g", None, 50),
        ("COF-001", "Coffee beans", None, 0),
        ("PCT-50", "50% off voucher", None, 10),
    ];
    for (sku, name, barcode, stock) in items {
        let input = ProductInput {
            barcode: barcode.map(str::to_owned),
            ..product(sku, name)
        };
        catalog::create_product(&mut tx.acting(owner), input, stock, &Reference::none())
            .await
            .unwrap();
    }
    let find = |search: &str| ProductQuery {
        search: search.into(),
        ..Default::default()
    };
    let names = |page: app::model::ProductPage| page.items.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(
        names(catalog::list_products(&mut tx, &find("TEA")).await.unwrap()),
        ["Black tea 250g", "Green tea 100g"]
    );
    assert_eq!(
        names(catalog::list_products(&mut tx, &find("cof-")).await.unwrap()),
        ["Coffee beans"]
    );
    assert_eq!(
        names(
            catalog::list_products(&mut tx, &find("5012345678900"))
                .await
                .unwrap()
        ),
        ["Green tea 100g"]
    );
    assert_eq!(
        names(catalog::list_products(&mut tx, &find("50%")).await.unwrap()),
        ["50% off voucher"]
    );
    assert_eq!(
        names(catalog::list_products(&mut tx, &find("%")).await.unwrap()),
        ["50% off voucher"]
    );
    let low = ProductQuery {
        stock: StockFilter::Low,
        ..Default::default()
    };
    assert_eq!(
        names(catalog::list_products(&mut tx, &low).await.unwrap()),
        ["Green tea 100g"]
    );
    let out = ProductQuery {
        stock: StockFilter::Out,
        ..Default::default()
    };
    assert_eq!(
        names(catalog::list_products(&mut tx, &out).await.unwrap()),
        ["Coffee beans"]
    );
    let reorder = catalog::low_stock(&mut tx).await.unwrap();
    assert_eq!(reorder.len(), 2);
    assert_eq!(reorder[0].product.name, "Coffee beans");
    assert_eq!(reorder[0].suggested_reorder, 10);
    let paged = catalog::list_products(
        &mut tx,
        &ProductQuery {
            page_size: 3,
            page: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((paged.total, paged.items.len()), (4, 1));
}

#[tokio::test]
async fn demo_seed_loads_a_catalog_per_tenant_once() {
    let app = spawn_app().await;
    app::domain::demo::seed_demo(&app.db).await.unwrap();
    app::domain::demo::seed_demo(&app.db).await.unwrap();
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT t.slug, count(p.id), count(DISTINCT left(p.sku, 2)) FROM tenants t \
         JOIN products p ON p.tenant_id = t.id GROUP BY t.slug ORDER BY t.slug",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(counts.len(), 2);
    let (acme, globex) = (&counts[0], &counts[1]);
    assert!(acme.1 >= 200 && globex.1 >= 100, "{counts:?}");
    assert_eq!((acme.2, globex.2), (1, 1), "one SKU prefix each");
    let shared: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products a JOIN products b ON a.sku = b.sku AND a.tenant_id <> b.tenant_id",
    )
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(shared, 0, "the two catalogs use different SKUs");
    let bills: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT count(*), max(number), count(DISTINCT customer_id) FROM bills GROUP BY tenant_id ORDER BY tenant_id",
    )
    .fetch_all(&app.admin)
    .await
    .unwrap();
    assert_eq!(bills.len(), 2, "both tenants have sales history");
    for (count, max, customers) in bills {
        assert_eq!((count, max), (48, 48), "numbered 1..48 without gaps");
        assert!(customers >= 2);
    }
    let credit_notes: i64 = sqlx::query_scalar("SELECT count(*) FROM credit_notes")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert!(credit_notes >= 4, "{credit_notes}");
    assert_conserved(&app).await;
}

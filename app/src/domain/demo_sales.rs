//! A few weeks of demo sales, through the real finalize path (stock, numbers,
//! payments, audit), with customers, split payments and some credit notes.
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::billing::{
    credit::{self, CreditInput},
    customers::{self, CustomerInput},
    finalize, BillingError,
};
use crate::{
    model::{CartLine, PaymentInput, PaymentMethod, SaleInput},
    permissions::Actor,
    pricing::{bill_totals, LineInput},
    tenancy::TenantCtx,
};

const CUSTOMERS: &[(&str, &str)] = &[
    ("Maria Lopez", "+1 555 0101"),
    ("Tom Becker", "+1 555 0102"),
    ("Aiko Tanaka", "+1 555 0103"),
    ("Lena Novak", "+1 555 0104"),
    ("Sam Okafor", "+1 555 0105"),
    ("Priya Nair", "+1 555 0106"),
];

/// Seeds `bills` sales over the last 21 days unless the tenant already has bills.
pub async fn seed_sales(tx: &mut TenantCtx<'_>, bills: usize, seed: u64) -> Result<usize, BillingError> {
    let owner = &tx.actor();
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM bills")
        .fetch_one(tx.conn())
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    // The business's cashiers ring up every other sale (when it has any), so
    // the bill list's cashier filter has something to show.
    let cashiers: Vec<Actor> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE role = 'cashier' AND is_active ORDER BY user_id",
    )
    .fetch_all(tx.conn())
    .await?
    .into_iter()
    .map(|user_id| Actor {
        user_id,
        role: crate::model::Role::Cashier,
    })
    .collect();
    let mut customer_ids = Vec::new();
    for (name, phone) in CUSTOMERS {
        let input = CustomerInput {
            name: (*name).into(),
            phone: (*phone).into(),
            ..Default::default()
        };
        customer_ids.push(customers::save_customer(tx, None, &input).await?);
    }
    let products: Vec<(Uuid, i64, i32)> = sqlx::query_as(
        "SELECT p.id, p.sale_price, coalesce(t.rate_bp, 0) FROM products p \
         LEFT JOIN tax_rates t ON t.tenant_id = p.tenant_id AND t.id = p.tax_rate_id \
         WHERE p.is_active AND p.on_hand >= 10 ORDER BY p.sku LIMIT 60",
    )
    .fetch_all(tx.conn())
    .await?;
    if products.is_empty() {
        return Ok(0);
    }
    let settings = finalize::pos_settings(tx).await?;
    let mut state = seed;
    let mut next = move |modulo: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % modulo
    };
    let start = Utc::now() - Duration::days(21);
    let mut made = 0;
    for i in 0..bills {
        let mut lines: Vec<CartLine> = Vec::new();
        for _ in 0..1 + next(4) {
            let (id, _, _) = products[next(products.len() as u64) as usize];
            if !lines.iter().any(|l| l.product_id == id) {
                lines.push(CartLine {
                    product_id: id,
                    quantity: 1 + next(2) as i64,
                    line_discount: 0,
                });
            }
        }
        let inputs: Vec<LineInput> = lines
            .iter()
            .map(|l| {
                let (_, price, rate) = products
                    .iter()
                    .find(|p| p.0 == l.product_id)
                    .copied()
                    .unwrap_or_default();
                LineInput {
                    unit_price: price,
                    quantity: l.quantity,
                    tax_rate_bp: rate as i64,
                    line_discount: 0,
                }
            })
            .collect();
        let Ok(totals) = bill_totals(&inputs, 0, settings.tax_mode) else {
            continue;
        };
        let total = totals.total;
        let payments = match next(3) {
            0 => vec![PaymentInput {
                method: PaymentMethod::Card,
                amount: total,
                tendered: None,
            }],
            1 if total > 200 => vec![
                PaymentInput {
                    method: PaymentMethod::Card,
                    amount: total / 2,
                    tendered: None,
                },
                PaymentInput {
                    method: PaymentMethod::Cash,
                    amount: total - total / 2,
                    tendered: None,
                },
            ],
            _ => {
                // Cash, handed over rounded up to the next 5.00.
                let handed = (total + 499) / 500 * 500;
                vec![PaymentInput {
                    method: PaymentMethod::Cash,
                    amount: total,
                    tendered: Some(handed.max(total)),
                }]
            }
        };
        let sale = SaleInput {
            idempotency_key: format!("demo-{seed}-{i:05}"),
            customer_id: (next(2) == 0).then(|| customer_ids[next(customer_ids.len() as u64) as usize]),
            lines,
            bill_discount: 0,
            payments,
        };
        let at = start + Duration::minutes((i as i64 * 21 * 24 * 60) / bills as i64 + next(50) as i64);
        let seller = match cashiers.len() {
            0 => owner,
            n if i % 2 == 1 => &cashiers[(i / 2) % n],
            _ => owner,
        };
        let owner_again = tx.switch_actor(*seller);
        let sold = finalize::finalize_sale_at(tx, &sale, Some(at), None).await;
        tx.switch_actor(owner_again);
        let bill_id = sold?;
        made += 1;
        if i % 12 == 5 {
            let credit = CreditInput {
                bill_id,
                lines: vec![(1, 1)],
                reason: "Customer changed their mind".into(),
                refund_method: PaymentMethod::Cash,
                restock: true,
                till_id: None,
            };
            credit::create_credit_note(tx, &credit).await?;
        }
    }
    Ok(made)
}

//! A few weeks of demo sales, through the real finalize path (stock, numbers,
//! payments, audit), with customers, split payments and some credit notes,
//! rung up on the business's tills in daily shifts closed with Z reports (a
//! few over or short); Till 1 has a shift open today, so the till sells at once.
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    billing::{
        credit::{self, CreditInput},
        customers::{self, CustomerInput},
        finalize, BillingError,
    },
    shifts::{
        report,
        shift::{self, CashKind, Counted},
        tills, ShiftError,
    },
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
    let till = demo_tills(tx).await?;
    let mut state = seed;
    let mut next = move |modulo: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % modulo
    };
    let start = Utc::now() - Duration::days(21);
    let mut made = 0;
    // The shift open on Till 1: its id, its day, the time of its last sale.
    let mut open: Option<(Uuid, chrono::NaiveDate, DateTime<Utc>)> = None;
    let mut days = 0u64;
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
        // One shift a day: the day's first sale opens it, the next day's
        // first sale closes the one before.
        let shift = match open {
            Some((id, day, _)) if day == at.date_naive() => id,
            previous => {
                if let Some((id, _, last)) = previous {
                    days += 1;
                    close_demo_shift(tx, id, last + Duration::minutes(25), days).await?;
                }
                // Opened a little before the day's first sale, never on the
                // day before (a shift belongs to its day).
                let day_start = at.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                let opened = (at - Duration::minutes(20)).max(day_start);
                shift::open_shift_at(tx, till, 15_000, Some(opened))
                    .await
                    .map_err(shift_error)?
            }
        };
        open = Some((shift, at.date_naive(), at));
        let seller = match cashiers.len() {
            0 => owner,
            n if i % 2 == 1 => &cashiers[(i / 2) % n],
            _ => owner,
        };
        let owner_again = tx.switch_actor(*seller);
        let sold = finalize::finalize_sale_at(tx, &sale, Some(at), Some(till)).await;
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
                till_id: Some(till),
            };
            credit::create_credit_note(tx, &credit).await?;
        }
    }
    // The last day's shift stays open when it is today's; else it is closed
    // and today's is opened now.
    if let Some((id, day, last)) = open {
        if day != Utc::now().date_naive() {
            close_demo_shift(tx, id, last + Duration::minutes(25), days + 1).await?;
            shift::open_shift(tx, till, 15_000).await.map_err(shift_error)?;
        }
    }
    Ok(made)
}

/// The demo tills ("Till 1" first, then "Till 2"), unless the business has
/// tills already; the one the history is sold on (the oldest active).
async fn demo_tills(tx: &mut TenantCtx<'_>) -> Result<Uuid, BillingError> {
    let existing = tills::list_tills(tx, false).await.map_err(shift_error)?;
    if let Some(first) = existing.first() {
        return Ok(first.id);
    }
    let first = tills::save_till(tx, None, "Till 1", true)
        .await
        .map_err(shift_error)?;
    tills::save_till(tx, None, "Till 2", true)
        .await
        .map_err(shift_error)?;
    Ok(first)
}

/// Closes a demo day: now and then cash goes to the bank first, and every
/// few days the count is a little over or short.
async fn close_demo_shift(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    at: DateTime<Utc>,
    day: u64,
) -> Result<(), BillingError> {
    if day % 3 == 0 {
        shift::record_cash_at(tx, id, CashKind::Out, 5_000, "Bank deposit", Some(at))
            .await
            .map_err(shift_error)?;
    }
    let expected = report::figures(tx, id).await?.expected_cash();
    let off = match day % 7 {
        2 => -300,
        5 => 150,
        6 => -50,
        _ => 0,
    };
    let counted = Counted {
        cash: (expected + off).max(0),
        card: None,
        other: None,
    };
    shift::close_shift_at(tx, id, counted, Some(at))
        .await
        .map_err(shift_error)?;
    Ok(())
}

fn shift_error(e: ShiftError) -> BillingError {
    match e {
        ShiftError::Db(e) => BillingError::Db(e),
        ShiftError::Forbidden(f) => BillingError::Forbidden(f),
        other => BillingError::invalid(other.to_string()),
    }
}

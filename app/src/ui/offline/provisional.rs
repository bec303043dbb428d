//! A sale made while the till is offline: what is queued for `sync/sales`
//! and the provisional receipt printed at once, computed by the same
//! `pricing` code the server finalizes with.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    model::{
        BillLineView, BillView, OfflineLine, OfflineSale, PaymentInput, PaymentView, PosItem, PosSettings,
    },
    pricing::{bill_totals, LineInput, TotalsError},
};

/// What the till keeps in its queue for one offline sale: the sale as it
/// will be sent and who sold it (a queue is sent only by the member who made
/// it: the server records the sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedSale {
    pub sale: OfflineSale,
    pub sold_by: Uuid,
    /// Set when the server refused the sale for good (the till shows it).
    #[serde(default)]
    pub refused: Option<String>,
}

/// `T2-000123`: the till's code and its own sequence.
pub fn provisional_number(till_code: &str, seq: i64) -> String {
    format!("{till_code}-{seq:06}")
}

/// The sequence of a provisional number made by [`provisional_number`].
pub fn provisional_seq(number: &str) -> Option<i64> {
    number.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}

/// A cart line as the till rang it up: the item as cached, how many, and
/// the line's own discount (minor units).
#[derive(Debug, Clone)]
pub struct RungLine {
    pub item: PosItem,
    pub quantity: i64,
    pub discount: i64,
}

/// Everything about the sale but its number and time.
#[derive(Debug, Clone)]
pub struct RungSale {
    pub idempotency_key: String,
    pub till_id: Option<Uuid>,
    pub lines: Vec<RungLine>,
    pub bill_discount: i64,
    pub payments: Vec<PaymentInput>,
}

/// The queued sale and its receipt (shown and printed at once). `sold_at` is RFC 3339 (sent), `shown_at`
/// the time as the receipt prints it.
pub fn queue_entry(
    rung: &RungSale,
    number: String,
    sold_at: String,
    shown_at: String,
    settings: &PosSettings,
    cashier: (Uuid, &str),
) -> Result<(QueuedSale, BillView), TotalsError> {
    let inputs: Vec<LineInput> = rung
        .lines
        .iter()
        .map(|l| LineInput {
            unit_price: l.item.unit_price,
            quantity: l.quantity,
            tax_rate_bp: l.item.tax_rate_bp as i64,
            line_discount: l.discount,
        })
        .collect();
    let totals = bill_totals(&inputs, rung.bill_discount, settings.tax_mode)?;
    let sale = OfflineSale {
        idempotency_key: rung.idempotency_key.clone(),
        provisional_number: number.clone(),
        till_id: rung.till_id,
        sold_at,
        lines: rung
            .lines
            .iter()
            .map(|l| OfflineLine {
                product_id: l.item.id,
                quantity: l.quantity,
                line_discount: l.discount,
                unit_price: l.item.unit_price,
                tax_rate_bp: l.item.tax_rate_bp,
            })
            .collect(),
        bill_discount: rung.bill_discount,
        payments: rung.payments.clone(),
    };
    let payments: Vec<PaymentView> = rung
        .payments
        .iter()
        .map(|p| {
            let tendered = p.tendered.unwrap_or(p.amount).max(p.amount);
            PaymentView {
                method: p.method,
                amount: p.amount,
                tendered,
                change: tendered - p.amount,
            }
        })
        .collect();
    let receipt = BillView {
        id: Uuid::nil(),
        number: number.clone(),
        business: settings.business.clone(),
        cashier: cashier.1.to_owned(),
        customer: None,
        currency: settings.currency.clone(),
        tax_mode: settings.tax_mode,
        lines: rung
            .lines
            .iter()
            .zip(&totals.lines)
            .enumerate()
            .map(|(i, (l, t))| BillLineView {
                line_no: i as i32 + 1,
                product_id: l.item.id,
                sku: l.item.sku.clone(),
                name: l.item.name.clone(),
                unit_price: l.item.unit_price,
                quantity: l.quantity,
                tax_rate_bp: l.item.tax_rate_bp,
                discount: t.line_discount + t.bill_discount,
                line_discount: t.line_discount,
                tax: t.tax,
                total: t.total,
                credited: 0,
            })
            .collect(),
        paid: payments.iter().map(|p| p.amount).sum(),
        change: payments.iter().map(|p| p.change).sum(),
        payments,
        gross: totals.gross,
        discount: totals.discount,
        net: totals.net,
        tax: totals.tax,
        total: totals.total,
        finalized_at: shown_at,
        credit_notes: Vec::new(),
        receipt_header: String::new(),
        receipt_footer: String::new(),
        receipt_paper: Default::default(),
        provisional_number: Some(number.clone()),
    };
    Ok((
        QueuedSale {
            sale,
            sold_by: cashier.0,
            refused: None,
        },
        receipt,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{model::PaymentMethod, pricing::TaxMode};

    fn settings(tax_mode: TaxMode) -> PosSettings {
        PosSettings {
            business: "Acme".into(),
            currency: "EUR".into(),
            tax_mode,
            cashier_discount_limit_bp: 1000,
        }
    }

    #[test]
    fn numbers_are_the_till_code_and_six_digits() {
        assert_eq!(provisional_number("T2", 123), "T2-000123");
        assert_eq!(provisional_seq("T2-000123"), Some(123));
        assert_eq!(provisional_seq("T12-1234567"), Some(1_234_567));
        assert_eq!(provisional_seq("nonsense"), None);
    }

    #[test]
    fn the_queued_sale_carries_the_prices_charged_and_the_receipt_adds_up() {
        let item = |price, rate| PosItem {
            id: Uuid::new_v4(),
            sku: "S".into(),
            barcode: None,
            name: "N".into(),
            unit_price: price,
            tax_rate_bp: rate,
            on_hand: 0,
        };
        let rung = RungSale {
            idempotency_key: "pos-abc12345".into(),
            till_id: Some(Uuid::new_v4()),
            lines: vec![
                RungLine {
                    item: item(199, 1900),
                    quantity: 3,
                    discount: 7,
                },
                RungLine {
                    item: item(1000, 700),
                    quantity: 1,
                    discount: 0,
                },
            ],
            bill_discount: 50,
            payments: vec![PaymentInput {
                method: PaymentMethod::Cash,
                amount: 1540,
                tendered: Some(2000),
            }],
        };
        for mode in [TaxMode::Inclusive, TaxMode::Exclusive] {
            let mut rung = rung.clone();
            let total = {
                let (_, receipt) = queue_entry(
                    &rung,
                    "T1-000001".into(),
                    "x".into(),
                    "y".into(),
                    &settings(mode),
                    (Uuid::nil(), "Ann"),
                )
                .unwrap();
                receipt.total
            };
            rung.payments[0].amount = total;
            let (q, r) = queue_entry(
                &rung,
                "T1-000001".into(),
                "2026-12-03T10:00:00Z".into(),
                "2026-12-03 11:00".into(),
                &settings(mode),
                (Uuid::nil(), "Ann"),
            )
            .unwrap();
            assert_eq!(q.sale.lines[0].unit_price, 199);
            assert_eq!(q.sale.lines[1].tax_rate_bp, 700);
            assert_eq!(q.sale.provisional_number, "T1-000001");
            assert_eq!(r.provisional_number.as_deref(), Some("T1-000001"));
            assert_eq!(r.lines.iter().map(|l| l.total).sum::<i64>(), r.total);
            assert_eq!(r.lines.iter().map(|l| l.tax).sum::<i64>(), r.tax);
            assert_eq!(r.discount, 57);
            assert_eq!(r.bill_discount(), 50);
            assert_eq!(r.change, 2000 - total);
            assert_eq!(r.paid, total);
        }
    }
}

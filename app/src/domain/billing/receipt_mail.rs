//! Receipts by email: a finalized bill as plain text with a simple HTML
//! alternative, amounts in the bill's currency written the business's way.
//! Sending is bounded per person and per business (the log-in throttle's
//! counters, on keys of their own) and every receipt sent is audited.
use serde_json::json;
use uuid::Uuid;

use super::{read, BillingError};
use crate::{
    domain::{
        audit::{self, AuditEntry},
        throttle::{self, ThrottleKey},
    },
    model::BillView,
    org::BusinessSettings,
    permissions::Permission,
    tenancy::{Db, TenantCtx},
};

/// A receipt ready to send.
#[derive(Debug, Clone)]
pub struct ReceiptMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Reads a finalized bill for emailing (anyone who may sell may send its
/// receipt) and renders it.
pub async fn prepare(tx: &mut TenantCtx<'_>, bill_id: Uuid) -> Result<(BillView, ReceiptMail), BillingError> {
    tx.require(Permission::Sell)?;
    let bill = read::get_bill(tx, bill_id).await?;
    let settings = tx.settings().await?;
    let mail = render(&bill, &settings);
    Ok((bill, mail))
}

/// Notes a receipt sent, in the bill's business.
pub async fn record_sent(tx: &mut TenantCtx<'_>, bill: &BillView, to: &str) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        AuditEntry::new("bill.receipt_emailed", "bill")
            .entity_id(bill.id)
            .after(json!({ "number": bill.number, "to": to })),
    )
    .await
}

/// Reserves one receipt email: at most 30 per person and 300 per business in
/// a 15-minute window (then paused, like log-in guesses). False when refused.
pub async fn reserve_send(db: &Db, tenant_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let keys = [
        ThrottleKey {
            key: format!("receipt-user:{tenant_id}|{user_id}"),
            threshold: 30,
        },
        ThrottleKey {
            key: format!("receipt-tenant:{tenant_id}"),
            threshold: 300,
        },
    ];
    let mut tx = db.platform_tx().await?;
    if !throttle::reserve(tx.conn(), &keys).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The receipt's subject, text and HTML. Amounts use the business's way of
/// writing money in the currency the bill was made in.
pub fn render(bill: &BillView, settings: &BusinessSettings) -> ReceiptMail {
    let settings = BusinessSettings {
        currency: bill.currency.clone(),
        ..settings.clone()
    };
    let money = |minor: i64| settings.money(minor);
    let minus = |minor: i64| format!("-{}", settings.money(minor));

    // (label, amount, emphasis) rows after the lines.
    let mut rows: Vec<(String, String, bool)> = Vec::new();
    if bill.bill_discount() > 0 {
        rows.push(("Bill discount".into(), minus(bill.bill_discount()), false));
    }
    rows.push(("Tax".into(), money(bill.tax), false));
    rows.push(("Total".into(), money(bill.total), true));
    for p in &bill.payments {
        rows.push((format!("Paid by {}", p.method.as_str()), money(p.tendered), false));
    }
    rows.push(("Change".into(), money(bill.change), false));
    for c in &bill.credit_notes {
        rows.push((
            format!("Credit note {} ({})", c.number, c.reason),
            minus(c.total),
            false,
        ));
    }

    let mut text = String::new();
    text.push_str(&format!("{}\n", bill.business));
    if !bill.receipt_header.is_empty() {
        text.push_str(&format!("{}\n", bill.receipt_header));
    }
    text.push_str(&format!("\nReceipt {}, {}\n", bill.number, bill.finalized_at));
    text.push_str(&format!("Served by {}\n", bill.cashier));
    if let Some(c) = &bill.customer {
        text.push_str(&format!("Customer: {c}\n"));
    }
    text.push('\n');
    for l in &bill.lines {
        text.push_str(&line(
            &format!("{} x {}", l.quantity, l.name),
            &money(l.unit_price * l.quantity),
        ));
        if l.line_discount > 0 {
            text.push_str(&line("  Discount", &minus(l.line_discount)));
        }
    }
    text.push_str(&format!("{}\n", "-".repeat(48)));
    for (label, amount, _) in &rows {
        text.push_str(&line(label, amount));
    }
    if !bill.receipt_footer.is_empty() {
        text.push_str(&format!("\n{}\n", bill.receipt_footer));
    }

    let e = escape_html;
    let mut html = String::new();
    html.push_str("<!DOCTYPE html><html><body style=\"font-family:sans-serif;max-width:28rem;margin:auto\">");
    html.push_str(&format!(
        "<h1 style=\"font-size:1.2rem;text-align:center\">{}</h1>",
        e(&bill.business)
    ));
    if !bill.receipt_header.is_empty() {
        html.push_str(&format!(
            "<p style=\"text-align:center;white-space:pre-line\">{}</p>",
            e(&bill.receipt_header)
        ));
    }
    html.push_str(&format!(
        "<p style=\"text-align:center\">Receipt {} &middot; {}<br>Served by {}{}</p>",
        e(&bill.number),
        e(&bill.finalized_at),
        e(&bill.cashier),
        bill.customer
            .as_deref()
            .map(|c| format!("<br>Customer: {}", e(c)))
            .unwrap_or_default()
    ));
    html.push_str("<table style=\"width:100%;border-collapse:collapse\">");
    let cell = "padding:2px 0";
    for l in &bill.lines {
        html.push_str(&format!(
            "<tr><td style=\"{cell}\">{} &times; {}</td><td style=\"{cell};text-align:right\">{}</td></tr>",
            l.quantity,
            e(&l.name),
            e(&money(l.unit_price * l.quantity))
        ));
        if l.line_discount > 0 {
            html.push_str(&format!(
                "<tr><td style=\"{cell};padding-left:1rem\">Discount</td><td style=\"{cell};text-align:right\">{}</td></tr>",
                e(&minus(l.line_discount))
            ));
        }
    }
    for (label, amount, strong) in &rows {
        let weight = if *strong { ";font-weight:bold" } else { "" };
        html.push_str(&format!(
            "<tr style=\"border-top:1px solid #ddd\"><td style=\"{cell}{weight}\">{}</td>\
             <td style=\"{cell};text-align:right{weight}\">{}</td></tr>",
            e(label),
            e(amount)
        ));
    }
    html.push_str("</table>");
    if !bill.receipt_footer.is_empty() {
        html.push_str(&format!(
            "<p style=\"text-align:center;white-space:pre-line\">{}</p>",
            e(&bill.receipt_footer)
        ));
    }
    html.push_str("</body></html>");

    ReceiptMail {
        subject: format!("Your receipt {} from {}", bill.number, bill.business),
        text,
        html,
    }
}

/// A text row: the label, then the amount right-aligned to 48 columns.
fn line(label: &str, amount: &str) -> String {
    let used = label.chars().count() + amount.chars().count();
    let pad = 48usize.saturating_sub(used).max(1);
    format!("{label}{}{amount}\n", " ".repeat(pad))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BillLineView, PaymentMethod, PaymentView};

    fn bill() -> BillView {
        BillView {
            id: Uuid::nil(),
            number: "INV-000042".into(),
            business: "Acme <Corner> Shop".into(),
            cashier: "anna@acme.test".into(),
            customer: None,
            currency: "EUR".into(),
            tax_mode: crate::pricing::TaxMode::Inclusive,
            lines: vec![BillLineView {
                line_no: 1,
                product_id: Uuid::nil(),
                sku: "A-1".into(),
                name: "Tea & biscuits".into(),
                unit_price: 620,
                quantity: 2,
                tax_rate_bp: 0,
                discount: 100,
                line_discount: 100,
                tax: 0,
                total: 1140,
                credited: 0,
            }],
            payments: vec![PaymentView {
                method: PaymentMethod::Cash,
                amount: 1140,
                tendered: 2000,
                change: 860,
            }],
            gross: 1240,
            discount: 100,
            net: 1140,
            tax: 0,
            total: 1140,
            paid: 1140,
            change: 860,
            finalized_at: "2026-12-03 09:30".into(),
            credit_notes: Vec::new(),
            receipt_header: String::new(),
            receipt_footer: "Thank you!".into(),
            receipt_paper: Default::default(),
            provisional_number: None,
        }
    }

    #[test]
    fn the_receipt_shows_amounts_in_the_currency_and_escapes_html() {
        let mail = render(&bill(), &BusinessSettings::default());
        assert!(mail.subject.contains("INV-000042"));
        assert!(mail.text.contains("2 x Tea & biscuits"), "{}", mail.text);
        assert!(mail.text.contains("12.40 EUR") && mail.text.contains("-1.00 EUR"));
        assert!(mail.text.contains("11.40 EUR") && mail.text.contains("8.60 EUR"));
        assert!(mail.text.contains("Thank you!"));
        assert!(mail.html.contains("Acme &lt;Corner&gt; Shop"), "{}", mail.html);
        assert!(mail.html.contains("Tea &amp; biscuits"));
        assert!(!mail.html.contains("<Corner>"));
    }
}

//! The audit trail in words: "Anna sold INV-000042, 12.40 EUR", "Ben added 5
//! of Milk (on hand 12)". One sentence per recorded action, amounts in the
//! business's currency; the raw before/after stay available beside it.
use serde_json::Value;

use crate::{
    model::{bill_number, Role},
    pricing::Currency,
};

/// One audit row as the sentence needs it. `actor` is the person's name (or
/// email); `subject` the current name of the row the action was about (a
/// product, a person, a customer, …), when it still exists.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub actor: Option<&'a str>,
    pub subject: Option<&'a str>,
    /// The number of the bill a credit note is against.
    pub related_bill: Option<i64>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// The sentence for one audit row.
pub fn describe(f: &AuditFacts<'_>, cur: Currency) -> String {
    let who = f.actor.filter(|a| !a.trim().is_empty()).unwrap_or("The system");
    let after = |key: &str| f.after.and_then(|v| v.get(key));
    let before = |key: &str| f.before.and_then(|v| v.get(key));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let int = |v: Option<&Value>| v.and_then(Value::as_i64);
    let money = |v: Option<&Value>| int(v).map(|m| cur.money(m));
    let role = |v: Option<&Value>| {
        text(v)
            .map(|r| Role::parse(&r).map(|r| r.label().to_lowercase()).unwrap_or(r))
            .unwrap_or_else(|| "member".into())
    };
    // The row's name: what it is called now, else what the entry recorded.
    let subject = || {
        f.subject
            .map(str::to_owned)
            .or_else(|| text(after("name")))
            .or_else(|| text(before("name")))
            .or_else(|| text(after("email")))
            .or_else(|| text(before("email")))
            .unwrap_or_else(|| format!("a {}", f.entity.replace('_', " ")))
    };
    match f.action {
        "auth.login" => format!("{who} signed in"),
        "tenant.created" => format!(
            "{who} opened the business {}",
            text(after("name")).unwrap_or_else(|| "here".into())
        ),
        "tenant.exported" => format!("{who} downloaded the whole business"),
        "settings.updated" => {
            let changed = changed_keys(f.before, f.after);
            if changed.is_empty() {
                format!("{who} saved the settings")
            } else {
                format!(
                    "{who} changed the settings: {}",
                    changed
                        .iter()
                        .map(|k| setting_label(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        "profile.renamed" => format!(
            "{who} changed their name from “{}” to “{}”",
            text(before("display_name")).unwrap_or_default(),
            text(after("display_name")).unwrap_or_default()
        ),
        "member.role_changed" => format!(
            "{who} made {} {} (was {})",
            subject(),
            article(&role(after("role"))),
            role(before("role"))
        ),
        "member.deactivated" => format!("{who} deactivated {}", subject()),
        "member.reactivated" => format!("{who} reactivated {}", subject()),
        "member.joined" => format!("{who} joined as {}", article(&role(after("role")))),
        "member.added" => format!("{} was added as {}", subject(), article(&role(after("role")))),
        "invitation.created" => format!(
            "{who} invited {} as {}",
            text(after("email")).unwrap_or_else(|| "someone".into()),
            article(&role(after("role")))
        ),
        "invitation.revoked" => format!(
            "{who} revoked the invitation of {}",
            text(before("email")).unwrap_or_else(|| "someone".into())
        ),
        "bill.finalized" => {
            let number = text(after("number")).unwrap_or_else(|| "a bill".into());
            match money(after("total")) {
                Some(total) => format!("{who} sold {number}, {total}"),
                None => format!("{who} sold {number}"),
            }
        }
        "bill.parked" => match money(after("total")) {
            Some(total) => format!("{who} parked a sale of {total}"),
            None => format!("{who} parked a sale"),
        },
        "bill.resumed" => format!("{who} resumed a parked sale"),
        // Recorded under the cashier; the approving manager is in the entry.
        "bill.discount_approved" => {
            let number = text(after("number")).unwrap_or_else(|| "a bill".into());
            let approver = text(after("approver")).unwrap_or_else(|| "a manager".into());
            match money(after("discount")) {
                Some(discount) => {
                    format!("{approver} approved a discount of {discount} on {number} for {who}")
                }
                None => format!("{approver} approved a discount on {number} for {who}"),
            }
        }
        "bill.receipt_emailed" => format!(
            "{who} emailed the receipt of {} to {}",
            text(after("number")).unwrap_or_else(|| "a bill".into()),
            text(after("to")).unwrap_or_else(|| "a customer".into())
        ),
        "profile.password_changed" => format!("{who} changed their password"),
        "credit_note.created" => {
            let number = text(after("number")).unwrap_or_else(|| "a credit note".into());
            let against = f
                .related_bill
                .map(|n| format!(" on {}", bill_number(n)))
                .unwrap_or_default();
            match money(after("total")) {
                Some(total) => format!("{who} refunded {total} with {number}{against}"),
                None => format!("{who} issued {number}{against}"),
            }
        }
        "till.created" => format!("{who} added the till {}", subject()),
        "shift.opened" => {
            let till = text(after("till")).unwrap_or_else(|| "a till".into());
            match money(after("opening_float")) {
                Some(float) => format!("{who} opened a shift on {till} with a float of {float}"),
                None => format!("{who} opened a shift on {till}"),
            }
        }
        "shift.cash_in" | "shift.cash_out" => {
            let amount = money(after("amount")).unwrap_or_else(|| "cash".into());
            let reason = text(after("reason"))
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            if f.action == "shift.cash_in" {
                format!("{who} put {amount} into the drawer{reason}")
            } else {
                format!("{who} took {amount} out of the drawer{reason}")
            }
        }
        "shift.closed" => {
            let number = text(after("number")).unwrap_or_else(|| "a shift".into());
            match int(after("over_short")) {
                Some(0) | None => format!("{who} closed {number}, the drawer as expected"),
                Some(d) if d < 0 => format!("{who} closed {number}, {} short", cur.money(-d)),
                Some(d) => format!("{who} closed {number}, {} over", cur.money(d)),
            }
        }
        "account.created" => format!(
            "{who} added the account {} {}",
            text(after("code")).unwrap_or_default(),
            text(after("name")).unwrap_or_default()
        ),
        "account.updated" => format!(
            "{who} updated the account {}: {}{}",
            text(after("code")).unwrap_or_default(),
            text(after("name")).unwrap_or_default(),
            if after("active").and_then(Value::as_bool) == Some(false) {
                " (inactive)"
            } else {
                ""
            }
        ),
        "journal.posted" => format!(
            "{who} posted a journal entry of {} dated {}: {}",
            money(after("amount")).unwrap_or_default(),
            text(after("date")).unwrap_or_default(),
            text(after("memo")).unwrap_or_default()
        ),
        "journal.reversed" => format!(
            "{who} reversed a journal entry dated {}",
            text(after("reversed_date")).unwrap_or_default()
        ),
        "purchase.saved" => format!(
            "{who} saved the purchase order {}",
            text(after("number")).unwrap_or_default()
        ),
        "purchase.sent" => format!(
            "{who} sent the purchase order {}",
            text(after("number")).unwrap_or_default()
        ),
        "purchase.cancelled" => {
            format!(
                "{who} cancelled the purchase order {}",
                text(after("number")).unwrap_or_default()
            )
        }
        "purchase.received" => format!(
            "{who} received {} on {}",
            money(after("total")).unwrap_or_default(),
            text(after("number")).unwrap_or_default()
        ),
        "supplier.paid" => format!(
            "{who} paid {} to {}",
            money(after("amount")).unwrap_or_default(),
            text(after("supplier")).unwrap_or_default()
        ),
        "books.locked" => match text(after("lock_date")) {
            Some(day) => format!("{who} locked the books up to {day}"),
            None => format!("{who} unlocked the books"),
        },
        "customer.saved" if f.before.is_some() => format!("{who} updated the customer {}", subject()),
        "customer.saved" => format!("{who} added the customer {}", subject()),
        "tax_rate.saved" => match int(after("rate_bp")) {
            Some(bp) => format!(
                "{who} saved the tax rate {} ({}%)",
                subject(),
                crate::pricing::format_amount(bp, 2)
            ),
            None => format!("{who} saved the tax rate {}", subject()),
        },
        "category.saved" | "supplier.saved" => {
            format!("{who} saved the {} {}", noun(f.entity), subject())
        }
        "product.created" => {
            let sku = text(after("sku")).map(|s| format!(" ({s})")).unwrap_or_default();
            let stock = int(after("on_hand"))
                .map(|n| format!(", on hand {n}"))
                .unwrap_or_default();
            format!("{who} added the product {}{sku}{stock}", subject())
        }
        "product.updated" => {
            let changes = product_changes(f.before, f.after, cur);
            if changes.is_empty() {
                format!("{who} saved {} unchanged", subject())
            } else {
                format!("{who} changed {}: {}", subject(), changes.join(", "))
            }
        }
        "catalog.imported" => format!(
            "{who} imported a catalog: {} rows, {} new, {} updated, {} stock changes",
            int(after("rows")).unwrap_or(0),
            int(after("created")).unwrap_or(0),
            int(after("updated")).unwrap_or(0),
            int(after("stock_changes")).unwrap_or(0)
        ),
        action if action.starts_with("stock.") => {
            let kind = &action["stock.".len()..];
            let q = int(after("quantity")).unwrap_or(0);
            let on_hand = int(after("on_hand"))
                .map(|n| format!(" (on hand {n})"))
                .unwrap_or_default();
            let reason = text(after("reason"))
                .filter(|r| !r.trim().is_empty())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let product = subject();
            match kind {
                "restock" => format!("{who} added {q} of {product}{on_hand}{reason}"),
                "sale" => format!("{who} sold {} of {product}{on_hand}", q.abs()),
                "return" => format!("{who} took back {} of {product}{on_hand}", q.abs()),
                "adjustment" => format!("{who} adjusted {product} by {}{on_hand}{reason}", signed(q)),
                "count" => format!("{who} counted {product}, {} off{on_hand}", signed(q)),
                "initial" => format!("{who} set the opening stock of {product}{on_hand}"),
                "receipt" => format!("{who} received {q} of {product}{on_hand}{reason}"),
                "shortfall" => {
                    format!("{who} sold {q} of {product} offline that were no longer in stock{on_hand}")
                }
                _ => format!("{who} changed the stock of {product}{on_hand}"),
            }
        }
        action => {
            // archived / restored rows of any kind, then anything newer than
            // this list: still words, never JSON.
            let (entity, verb) = action.split_once('.').unwrap_or((action, ""));
            match verb {
                "archived" | "restored" => format!("{who} {verb} the {} {}", noun(entity), subject()),
                _ => format!("{who}: {} {}", noun(entity), verb.replace('_', " "))
                    .trim_end()
                    .to_owned(),
            }
        }
    }
}

fn noun(entity: &str) -> String {
    match entity {
        "tax_rate" => "tax rate".into(),
        "credit_note" => "credit note".into(),
        other => other.replace('_', " "),
    }
}

fn article(role: &str) -> String {
    match role.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {role}"),
        _ => format!("a {role}"),
    }
}

fn signed(q: i64) -> String {
    if q > 0 {
        format!("+{q}")
    } else {
        format!("−{}", q.unsigned_abs())
    }
}

/// The top-level keys whose values differ, in the order of `after`.
fn changed_keys(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let (Some(Value::Object(after)), before) = (after, before) else {
        return Vec::new();
    };
    after
        .iter()
        .filter(|(k, v)| before.and_then(|b| b.get(k.as_str())) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

fn setting_label(key: &str) -> String {
    match key {
        "name" => "name".into(),
        "business_type" => "business type".into(),
        "tax_mode" => "tax mode".into(),
        "default_tax_rate_id" => "default tax rate".into(),
        "timezone" => "time zone".into(),
        "receipt_header" => "receipt header".into(),
        "receipt_footer" => "receipt footer".into(),
        "cashier_discount_limit_bp" => "cashier discount limit".into(),
        "receipt_paper" => "receipt paper".into(),
        other => other.replace('_', " "),
    }
}

/// What changed on a product, in words: `price 1.20 EUR → 1.50 EUR`.
fn product_changes(before: Option<&Value>, after: Option<&Value>, cur: Currency) -> Vec<String> {
    const ORDER: [&str; 10] = [
        "name",
        "sku",
        "barcode",
        "unit",
        "sale_price",
        "cost_price",
        "reorder_level",
        "category_id",
        "supplier_id",
        "tax_rate_id",
    ];
    let mut keys = changed_keys(before, after);
    keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    keys.into_iter()
        .map(|key| {
            let old = before.and_then(|b| b.get(&key));
            let new = after.and_then(|a| a.get(&key));
            let shown = |v: Option<&Value>| match v {
                Some(Value::Number(n)) if key.ends_with("_price") => {
                    n.as_i64().map(|m| cur.money(m)).unwrap_or_default()
                }
                Some(Value::String(s)) => format!("“{s}”"),
                Some(Value::Number(n)) => n.to_string(),
                _ => "none".into(),
            };
            match key.as_str() {
                "sale_price" => format!("price {} → {}", shown(old), shown(new)),
                "cost_price" => format!("cost {} → {}", shown(old), shown(new)),
                "reorder_level" => format!("reorder level {} → {}", shown(old), shown(new)),
                "name" | "sku" | "barcode" | "unit" => format!("{key} {} → {}", shown(old), shown(new)),
                "category_id" => "category".into(),
                "supplier_id" => "supplier".into(),
                "tax_rate_id" => "tax rate".into(),
                other => other.replace('_', " "),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eur() -> Currency {
        Currency::new("EUR")
    }

    #[test]
    fn approvals_emailed_receipts_and_passwords_in_words() {
        assert_eq!(
            say(
                "bill.discount_approved",
                "bill",
                None,
                None,
                Some(json!({"number": "INV-000042", "discount": 250, "approver": "Mo Manager"}))
            ),
            "Mo Manager approved a discount of 2.50 EUR on INV-000042 for Anna"
        );
        assert_eq!(
            say(
                "bill.receipt_emailed",
                "bill",
                None,
                None,
                Some(json!({"number": "INV-000042", "to": "dora@example.test"}))
            ),
            "Anna emailed the receipt of INV-000042 to dora@example.test"
        );
        assert_eq!(
            say("profile.password_changed", "user", None, None, None),
            "Anna changed their password"
        );
    }

    #[test]
    fn shifts_in_words() {
        assert_eq!(
            say(
                "shift.opened",
                "shift",
                None,
                None,
                Some(json!({"till": "Till 1", "opening_float": 15000}))
            ),
            "Anna opened a shift on Till 1 with a float of 150.00 EUR"
        );
        assert_eq!(
            say(
                "shift.cash_out",
                "shift",
                None,
                None,
                Some(json!({"amount": 5000, "reason": "Bank deposit"}))
            ),
            "Anna took 50.00 EUR out of the drawer: Bank deposit"
        );
        assert_eq!(
            say(
                "shift.closed",
                "shift",
                None,
                None,
                Some(json!({"number": "Z-000003", "over_short": -300}))
            ),
            "Anna closed Z-000003, 3.00 EUR short"
        );
    }

    fn say(
        action: &str,
        entity: &str,
        subject: Option<&str>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> String {
        describe(
            &AuditFacts {
                action,
                entity,
                actor: Some("Anna"),
                subject,
                related_bill: None,
                before: before.as_ref(),
                after: after.as_ref(),
            },
            eur(),
        )
    }

    #[test]
    fn a_sale_names_the_bill_and_its_total_in_the_currency() {
        let s = say(
            "bill.finalized",
            "bill",
            None,
            None,
            Some(json!({"number": "INV-000042", "total": 1240})),
        );
        assert_eq!(s, "Anna sold INV-000042, 12.40 EUR");
        let jpy = describe(
            &AuditFacts {
                action: "bill.finalized",
                entity: "bill",
                actor: Some("Anna"),
                after: Some(&json!({"number": "INV-000001", "total": 1500})),
                ..Default::default()
            },
            Currency::new("JPY"),
        );
        assert_eq!(jpy, "Anna sold INV-000001, 1500 JPY");
    }

    #[test]
    fn stock_movements_name_the_product_and_the_balance() {
        let after = json!({"quantity": 5, "on_hand": 12, "reason": null});
        assert_eq!(
            say("stock.restock", "product", Some("Milk"), None, Some(after)),
            "Anna added 5 of Milk (on hand 12)"
        );
        let sale = json!({"quantity": -2, "on_hand": 10, "reason": null});
        assert_eq!(
            say("stock.sale", "product", Some("Milk"), None, Some(sale)),
            "Anna sold 2 of Milk (on hand 10)"
        );
        let back = json!({"quantity": 1, "on_hand": 11});
        assert_eq!(
            say("stock.return", "product", Some("Milk"), None, Some(back)),
            "Anna took back 1 of Milk (on hand 11)"
        );
        let adj = json!({"quantity": -3, "on_hand": 8, "reason": "broken"});
        assert_eq!(
            say("stock.adjustment", "product", Some("Milk"), None, Some(adj)),
            "Anna adjusted Milk by −3 (on hand 8): broken"
        );
        let count = json!({"quantity": 2, "on_hand": 10, "reason": null});
        assert_eq!(
            say("stock.count", "product", Some("Milk"), None, Some(count)),
            "Anna counted Milk, +2 off (on hand 10)"
        );
    }

    #[test]
    fn products_say_what_changed_with_prices_formatted() {
        let created = json!({"sku": "MILK-1", "name": "Milk", "on_hand": 12});
        assert_eq!(
            say("product.created", "product", Some("Milk"), None, Some(created)),
            "Anna added the product Milk (MILK-1), on hand 12"
        );
        let before = json!({"name": "Milk", "sale_price": 120, "cost_price": 80, "category_id": null});
        let after = json!({"name": "Milk", "sale_price": 150, "cost_price": 80, "category_id": "x"});
        assert_eq!(
            say(
                "product.updated",
                "product",
                Some("Milk"),
                Some(before),
                Some(after)
            ),
            "Anna changed Milk: price 1.20 EUR → 1.50 EUR, category"
        );
        assert_eq!(
            say("product.archived", "product", Some("Milk"), None, None),
            "Anna archived the product Milk"
        );
        assert_eq!(
            say("product.restored", "product", Some("Milk"), None, None),
            "Anna restored the product Milk"
        );
    }

    #[test]
    fn refunds_name_the_note_the_bill_and_the_amount() {
        let s = describe(
            &AuditFacts {
                action: "credit_note.created",
                entity: "credit_note",
                actor: Some("Ben"),
                related_bill: Some(42),
                after: Some(&json!({"number": "CN-000003", "total": 200, "bill_id": "x"})),
                ..Default::default()
            },
            eur(),
        );
        assert_eq!(s, "Ben refunded 2.00 EUR with CN-000003 on INV-000042");
    }

    #[test]
    fn parked_and_resumed_sales() {
        assert_eq!(
            say("bill.parked", "bill", None, None, Some(json!({"total": 990}))),
            "Anna parked a sale of 9.90 EUR"
        );
        assert_eq!(
            say("bill.resumed", "bill", None, None, None),
            "Anna resumed a parked sale"
        );
    }

    #[test]
    fn people_and_invitations() {
        assert_eq!(
            say(
                "member.role_changed",
                "membership",
                Some("Ben"),
                Some(json!({"role": "cashier"})),
                Some(json!({"role": "admin"}))
            ),
            "Anna made Ben an admin (was cashier)"
        );
        assert_eq!(
            say("member.deactivated", "membership", Some("Ben"), None, None),
            "Anna deactivated Ben"
        );
        assert_eq!(
            say("member.reactivated", "membership", Some("Ben"), None, None),
            "Anna reactivated Ben"
        );
        assert_eq!(
            say(
                "member.joined",
                "membership",
                Some("Anna"),
                None,
                Some(json!({"email": "a@x", "role": "cashier"}))
            ),
            "Anna joined as a cashier"
        );
        assert_eq!(
            describe(
                &AuditFacts {
                    action: "member.added",
                    entity: "membership",
                    subject: Some("Carl"),
                    after: Some(&json!({"email": "c@x", "role": "manager"})),
                    ..Default::default()
                },
                eur()
            ),
            "Carl was added as a manager"
        );
        assert_eq!(
            say(
                "invitation.created",
                "invitation",
                None,
                None,
                Some(json!({"email": "ben@x", "role": "manager", "expires_in_days": 7}))
            ),
            "Anna invited ben@x as a manager"
        );
        assert_eq!(
            say(
                "invitation.revoked",
                "invitation",
                None,
                Some(json!({"email": "ben@x", "role": "manager"})),
                None
            ),
            "Anna revoked the invitation of ben@x"
        );
        assert_eq!(
            say(
                "profile.renamed",
                "user",
                None,
                Some(json!({"display_name": "A"})),
                Some(json!({"display_name": "Anna"}))
            ),
            "Anna changed their name from “A” to “Anna”"
        );
    }

    #[test]
    fn business_level_actions() {
        assert_eq!(say("auth.login", "user", None, None, None), "Anna signed in");
        assert_eq!(
            say(
                "tenant.created",
                "tenant",
                None,
                None,
                Some(json!({"slug": "x", "name": "Corner Shop"}))
            ),
            "Anna opened the business Corner Shop"
        );
        assert_eq!(
            say("tenant.exported", "tenant", None, None, None),
            "Anna downloaded the whole business"
        );
        assert_eq!(
            say(
                "settings.updated",
                "tenant",
                None,
                Some(json!({"name": "A", "currency": "EUR", "timezone": "UTC"})),
                Some(json!({"name": "A", "currency": "USD", "timezone": "Europe/Paris"}))
            ),
            "Anna changed the settings: currency, time zone"
        );
        assert_eq!(
            say(
                "settings.updated",
                "tenant",
                None,
                Some(json!({"name": "A"})),
                Some(json!({"name": "A"}))
            ),
            "Anna saved the settings"
        );
        assert_eq!(
            say(
                "catalog.imported",
                "catalog",
                None,
                None,
                Some(json!({"rows": 3, "created": 2, "updated": 1, "stock_changes": 3}))
            ),
            "Anna imported a catalog: 3 rows, 2 new, 1 updated, 3 stock changes"
        );
    }

    #[test]
    fn customers_and_lists() {
        assert_eq!(
            say(
                "customer.saved",
                "customer",
                Some("Dora"),
                None,
                Some(json!({"name": "Dora"}))
            ),
            "Anna added the customer Dora"
        );
        assert_eq!(
            say(
                "customer.saved",
                "customer",
                Some("Dora"),
                Some(json!({"name": "D"})),
                Some(json!({"name": "Dora"}))
            ),
            "Anna updated the customer Dora"
        );
        assert_eq!(
            say("customer.archived", "customer", Some("Dora"), None, None),
            "Anna archived the customer Dora"
        );
        assert_eq!(
            say(
                "category.saved",
                "category",
                None,
                None,
                Some(json!({"name": "Dairy"}))
            ),
            "Anna saved the category Dairy"
        );
        assert_eq!(
            say("supplier.archived", "supplier", Some("Farm"), None, None),
            "Anna archived the supplier Farm"
        );
        assert_eq!(
            say(
                "tax_rate.saved",
                "tax_rate",
                None,
                None,
                Some(json!({"name": "Reduced", "rate_bp": 550, "is_default": false}))
            ),
            "Anna saved the tax rate Reduced (5.50%)"
        );
        assert_eq!(
            say("tax_rate.restored", "tax_rate", Some("Reduced"), None, None),
            "Anna restored the tax rate Reduced"
        );
    }

    #[test]
    fn unknown_actions_are_words_not_json() {
        let s = say(
            "discount.approved",
            "bill",
            None,
            None,
            Some(json!({"amount": 500})),
        );
        assert_eq!(s, "Anna: discount approved");
        assert!(!s.contains('{'));
        let nobody = describe(
            &AuditFacts {
                action: "auth.login",
                entity: "user",
                ..Default::default()
            },
            eur(),
        );
        assert_eq!(nobody, "The system signed in");
    }
}

//! `pos/*`, `bills/*`, `credit_notes/*`: the till and its bills.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{
        BillListTotals, BillSummary, BillView, CustomerOption, ManagerApproval, PersonOption, PosItem,
        PosSettings, SaleInput,
    },
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::billing::{credit, finalize, read};

/// What the POS needs of the business (tax mode, currency, discount limit).
#[server(endpoint = "pos/settings", prefix = "/api")]
pub async fn load_pos_settings() -> Result<PosSettings, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| finalize::pos_settings(tx).await.map_err(super::context::db_error))
                .await
        }
        .await,
    )
}

/// Items for the till: an exact barcode or SKU first, then products with a
/// word starting with what was typed. Never the whole catalog: at most
/// `limit` (≤ 50) items, from indexes alone.
#[server(endpoint = "pos/search", prefix = "/api")]
pub async fn pos_search(query: String, #[server(default)] limit: u32) -> Result<Vec<PosItem>, AppError> {
    use crate::domain::inventory::till_search::{self, TillSearchError};
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    till_search::search(tx, &query, limit).await.map_err(|e| match e {
                        TillSearchError::TooLong => AppError::invalid(e.to_string()),
                        TillSearchError::Db(e) => super::context::db_error(e),
                    })
                })
                .await
        }
        .await,
    )
}

/// Finalizes a sale (JSON body). Idempotent on `sale.idempotency_key`.
///
/// `approval` (optional), for a discount above the cashier's limit: a
/// manager's email and password typed on the till (`{"email", "password"}`),
/// checked the way log-in does (the same throttle and capped password
/// verifier, the same answer for an unknown email and a wrong password); or
/// the one-time token of a manager's PIN approval (`{"token"}`, from
/// `auth/pin-approve`), used up in the sale's own transaction. Either way, in
/// this business, the approver must be an active member whose role may give
/// the discount.
#[server(endpoint = "bills/finalize", prefix = "/api", input = server_fn::codec::Json)]
pub async fn finalize_sale(
    sale: SaleInput,
    #[server(default)] approval: Option<ManagerApproval>,
    #[server(default)] till_id: Option<Uuid>,
) -> Result<BillView, AppError> {
    finish(
        async {
            let ctx = RequestCtx::load()?;
            // Credentials are checked only for a signed-in member of this business.
            ctx.actor()?;
            let approval = match approval {
                Some(ManagerApproval::Password { email, password }) => Some(finalize::Approval::Verified(
                    verify_approver(&ctx, &email, &password).await?,
                )),
                Some(ManagerApproval::Token { token }) => Some(finalize::Approval::Token(token)),
                None => None,
            };
            ctx.in_tenant(async |tx| {
                Ok(finalize::finalize_sale_receipt_approved(tx, &sale, approval.clone(), till_id).await?)
            })
            .await
        }
        .await,
    )
}

/// Checks an approver's credentials (throttled, before any tenant work: no
/// transaction is held while the password hashes).
#[cfg(feature = "ssr")]
async fn verify_approver(ctx: &RequestCtx, email: &str, password: &str) -> Result<Uuid, AppError> {
    use crate::domain::{accounts, billing::BillingError};
    accounts::authenticate(&ctx.state.db, email, password, ctx.client_addr.as_deref())
        .await
        .map_err(|e| match e {
            accounts::AccountError::BadCredentials => BillingError::ApprovalRefused.into(),
            other => other.into(),
        })
}

#[server(endpoint = "bills/get", prefix = "/api")]
pub async fn get_bill(id: Uuid) -> Result<BillView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(read::get_bill(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Finalized bills, newest first, each with what credit notes refunded of it:
/// `search` is a number (`INV-000012` or `12`) or part of a customer's name;
/// `from` and `to` are days (`2026-01-31`, inclusive) in the business's time
/// zone; `cashier` and `customer` are ids. Page `page` (from 0) of `page_size`
/// bills (1 to 200; 0 or absent: 200).
#[server(endpoint = "bills/list", prefix = "/api")]
pub async fn list_bills(
    #[server(default)] search: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] cashier: Option<Uuid>,
    #[server(default)] customer: Option<Uuid>,
    #[server(default)] page: u32,
    #[server(default)] page_size: u32,
) -> Result<Vec<BillSummary>, AppError> {
    let filter = crate::model::BillFilter {
        search,
        from,
        to,
        cashier,
        customer,
    };
    let size = if page_size == 0 {
        200
    } else {
        i64::from(page_size.min(200))
    };
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(read::list_bills(tx, &filter, size, page).await?))
                .await
        }
        .await,
    )
}

/// How many bills the same filter as `bills/list` selects (all pages), their
/// total and what was refunded of them.
#[server(endpoint = "bills/totals", prefix = "/api")]
pub async fn bills_totals(
    #[server(default)] search: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] cashier: Option<Uuid>,
    #[server(default)] customer: Option<Uuid>,
) -> Result<BillListTotals, AppError> {
    let filter = crate::model::BillFilter {
        search,
        from,
        to,
        cashier,
        customer,
    };
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(read::bill_list_totals(tx, &filter).await?))
                .await
        }
        .await,
    )
}

/// The business's people, for the bill list's cashier filter.
#[server(endpoint = "bills/cashiers", prefix = "/api")]
pub async fn list_bill_cashiers() -> Result<Vec<PersonOption>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(read::cashiers(tx).await?))
                .await
        }
        .await,
    )
}

/// Issues a credit note against a bill (manager and above). `lines` is
/// `line_no:quantity` pairs separated by commas, e.g. `1:2,3:1`. Someone who
/// may not issue credit notes alone (a cashier) may with `approval_token`: a
/// manager's PIN approval of a refund for them (`auth/pin-approve`, action
/// `refund`), used once.
#[server(endpoint = "credit_notes/create", prefix = "/api")]
pub async fn create_credit_note(
    bill_id: Uuid,
    lines: String,
    reason: String,
    refund_method: String,
    #[server(default)] restock: Option<String>,
    #[server(default)] till_id: Option<Uuid>,
    #[server(default)] approval_token: String,
) -> Result<BillView, AppError> {
    finish(
        async {
            let mut parsed = Vec::new();
            for pair in lines.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (line, qty) = pair
                    .split_once(':')
                    .ok_or_else(|| AppError::invalid("Lines: use line:quantity pairs."))?;
                let line: i32 = line
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("Lines: use line:quantity pairs."))?;
                let qty: i64 = qty
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("Lines: use line:quantity pairs."))?;
                parsed.push((line, qty));
            }
            let refund_method = crate::model::PaymentMethod::parse(&refund_method)
                .ok_or_else(|| AppError::invalid("Refund method: cash, card or other."))?;
            let input = credit::CreditInput {
                bill_id,
                lines: parsed,
                reason,
                refund_method,
                restock: restock.is_some_and(|r| r == "on" || r == "true"),
                till_id,
            };
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    let token = Some(approval_token.trim()).filter(|t| !t.is_empty());
                    credit::create_credit_note_approved(tx, &input, token).await?;
                    Ok(read::get_bill(tx, bill_id).await?)
                })
                .await
        }
        .await,
    )
}

#[server(endpoint = "customers/list", prefix = "/api")]
pub async fn list_customers(
    #[server(default)] search: String,
    #[server(default)] archived: bool,
) -> Result<Vec<crate::model::CustomerView>, AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(customers::list_customers(tx, &search, archived).await?))
                .await
        }
        .await,
    )
}

/// Customers for the till's picker: at most `limit` (1 to 20; 0: 8) active
/// customers with a word of the name, the email or the phone number's digits
/// starting with what was typed. An index range per keystroke, never the
/// whole list and never their bill history.
#[server(endpoint = "customers/search", prefix = "/api")]
pub async fn search_customers(
    query: String,
    #[server(default)] limit: u32,
) -> Result<Vec<CustomerOption>, AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(customers::search_customers(tx, &query, limit).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "customers/get", prefix = "/api")]
pub async fn get_customer(id: Uuid) -> Result<crate::model::CustomerView, AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(customers::get_customer(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Creates a customer, or updates one when `id` is given (anyone at the till).
#[server(endpoint = "customers/save", prefix = "/api")]
pub async fn save_customer(
    #[server(default)] id: Option<Uuid>,
    name: String,
    #[server(default)] phone: String,
    #[server(default)] email: String,
    #[server(default)] tax_id: String,
    #[server(default)] notes: String,
) -> Result<Uuid, AppError> {
    use crate::domain::billing::customers::{self, CustomerInput};
    finish(
        async {
            let input = CustomerInput {
                name,
                phone,
                email,
                tax_id,
                notes,
            };
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(customers::save_customer(tx, id, &input).await?))
                .await
        }
        .await,
    )
}

/// Archives or restores a customer (admins and owners); their bills stay.
#[server(endpoint = "customers/set-active", prefix = "/api")]
pub async fn set_customer_active(id: Uuid, active: bool) -> Result<(), AppError> {
    use crate::domain::billing::customers;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(customers::set_customer_active(tx, id, active).await?))
                .await
        }
        .await,
    )
}

/// Parks the cart (JSON body: `{"lines": [...], "bill_discount": 0, "customer_id": null}`).
#[server(endpoint = "bills/park", prefix = "/api", input = server_fn::codec::Json)]
pub async fn park_sale(
    lines: Vec<crate::model::CartLine>,
    #[server(default)] bill_discount: i64,
    #[server(default)] customer_id: Option<Uuid>,
) -> Result<Uuid, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(drafts::park_sale(tx, &lines, bill_discount, customer_id).await?))
                .await
        }
        .await,
    )
}

#[server(endpoint = "bills/drafts", prefix = "/api")]
pub async fn list_drafts() -> Result<Vec<crate::model::DraftSummary>, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(drafts::list_drafts(tx).await?))
                .await
        }
        .await,
    )
}

/// Takes a parked sale back into the till and removes the draft.
#[server(endpoint = "bills/resume", prefix = "/api")]
pub async fn resume_draft(id: Uuid) -> Result<crate::model::ResumedSale, AppError> {
    use crate::domain::billing::drafts;
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(drafts::resume_draft(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Whether receipts can be emailed here (SMTP is configured): the till and
/// the bill page show the email button only then.
#[server(endpoint = "bills/email-enabled", prefix = "/api")]
pub async fn email_receipts_enabled() -> Result<bool, AppError> {
    finish((|| {
        let ctx = RequestCtx::load()?;
        ctx.actor()?;
        Ok(ctx.state.mailer.enabled())
    })())
}

/// Emails a finalized bill's receipt (plain text and HTML) to `email`. Anyone
/// who may sell may send one; at most 30 per person and 300 per business in
/// 15 minutes. Each receipt sent is audited. Without SMTP: refused (422).
#[server(endpoint = "bills/email-receipt", prefix = "/api")]
pub async fn email_receipt(bill_id: Uuid, email: String) -> Result<String, AppError> {
    use crate::domain::{accounts::normalize_email, billing::receipt_mail};
    finish(
        async {
            let ctx = RequestCtx::load()?;
            let (tenant_id, actor) = ctx.actor()?;
            if !ctx.state.mailer.enabled() {
                return Err(AppError::invalid(
                    "Email is not set up for this shop, so receipts cannot be emailed. Print it instead.",
                ));
            }
            let to = normalize_email(&email).map_err(AppError::from)?;
            let (bill, mail) = ctx
                .in_tenant(async |tx| Ok(receipt_mail::prepare(tx, bill_id).await?))
                .await?;
            if !receipt_mail::reserve_send(&ctx.state.db, tenant_id, actor.user_id)
                .await
                .map_err(super::context::db_error)?
            {
                return Err(AppError::RateLimited);
            }
            if let Err(error) = ctx
                .state
                .mailer
                .send_receipt(&to, mail.subject, mail.text, mail.html)
                .await
            {
                tracing::warn!(bill = %bill.number, %error, "receipt email not sent");
                return Err(AppError::invalid(
                    "The receipt could not be sent. Check the address, or try again in a moment.",
                ));
            }
            ctx.in_tenant(async |tx| {
                receipt_mail::record_sent(tx, &bill, &to)
                    .await
                    .map_err(super::context::db_error)
            })
            .await?;
            tracing::info!(bill = %bill.number, "receipt emailed");
            Ok(format!("Receipt {} sent to {to}.", bill.number))
        }
        .await,
    )
}

//! `accounts/*`, `journal/*`, the books' statements under `reports/*` and
//! `settings/lock-date`: the chart of accounts, the journal the database
//! posts, manual entries and reversals, and the statements. Reads run on a
//! read-only transaction (the replica's when one is configured). `GET
//! /api/books/export` answers any statement as CSV.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{
        BalanceSheet, ChartOfAccounts, JournalEntryView, JournalPage, LedgerAccountView, LedgerReport,
        ManualLineInput, ProfitAndLoss, TrialBalance,
    },
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::books::{accounts, journal, statements};

/// The chart of accounts with each account's balance, and the lock date
/// (admins and owners).
#[server(endpoint = "accounts/list", prefix = "/api")]
pub async fn list_accounts() -> Result<ChartOfAccounts, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| {
                    Ok(ChartOfAccounts {
                        accounts: accounts::list_accounts(tx).await?,
                        lock_date: journal::lock_date(tx).await?,
                    })
                })
                .await
        }
        .await,
    )
}

/// Adds the account `code` (with `kind`: asset, liability, equity, income or
/// expense; a code in use is refused, 409), or, without `kind`, renames it and
/// (de)activates it (`active`, default true) (owners).
#[server(endpoint = "accounts/save", prefix = "/api")]
pub async fn save_account(
    code: String,
    name: String,
    #[server(default)] kind: Option<String>,
    #[server(default)] active: Option<bool>,
) -> Result<LedgerAccountView, AppError> {
    finish(
        async {
            let kind = match kind.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(k) => Some(crate::model::AccountKind::parse(k).ok_or_else(|| {
                    AppError::invalid("Kind: asset, liability, equity, income or expense.")
                })?),
            };
            let input = accounts::AccountInput {
                code,
                name,
                kind,
                active: active.unwrap_or(true),
            };
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(accounts::save_account(tx, input).await?))
                .await
        }
        .await,
    )
}

/// The journal for the days `from`..=`to` (default: the last 30 days), newest
/// first, 50 entries a page.
#[server(endpoint = "journal/list", prefix = "/api")]
pub async fn list_journal(
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: Option<i64>,
) -> Result<JournalPage, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(
                    async |tx| Ok(journal::list_entries(tx, &from, &to, page.unwrap_or(1)).await?),
                )
                .await
        }
        .await,
    )
}

/// One journal entry with its lines.
#[server(endpoint = "journal/get", prefix = "/api")]
pub async fn get_journal_entry(id: Uuid) -> Result<JournalEntryView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(journal::get_entry(tx, id).await?))
                .await
        }
        .await,
    )
}

/// Posts a manual entry dated `date` (admins): `lines` each name an account
/// code and an amount as a debit or a credit (`100.00` or `100,00`); blank
/// lines are skipped; the debits must equal the credits.
#[server(endpoint = "journal/post", prefix = "/api")]
pub async fn post_journal_entry(
    date: String,
    memo: String,
    #[server(default)] lines: Vec<ManualLineInput>,
) -> Result<JournalEntryView, AppError> {
    finish(
        async {
            let entry = journal::ManualEntry { date, memo, lines };
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(journal::post_manual(tx, entry).await?))
                .await
        }
        .await,
    )
}

/// Posts the reverse of entry `id` (admins), dated `date` (default: the
/// entry's own date); an entry is reversed at most once.
#[server(endpoint = "journal/reverse", prefix = "/api")]
pub async fn reverse_journal_entry(
    id: Uuid,
    #[server(default)] date: String,
) -> Result<JournalEntryView, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(journal::reverse_entry(tx, id, &date).await?))
                .await
        }
        .await,
    )
}

/// Every account's balance before the period, its debits and credits in it
/// and its balance after (debits − credits; the totals balance).
#[server(endpoint = "reports/trial-balance", prefix = "/api")]
pub async fn report_trial_balance(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<TrialBalance, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(statements::trial_balance(tx, &from, &to).await?))
                .await
        }
        .await,
    )
}

/// Income and expenses over the period, and the profit.
#[server(endpoint = "reports/profit-loss", prefix = "/api")]
pub async fn report_profit_loss(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<ProfitAndLoss, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(statements::profit_and_loss(tx, &from, &to).await?))
                .await
        }
        .await,
    )
}

/// Assets, liabilities and equity at the end of the day `to` (default today).
#[server(endpoint = "reports/balance-sheet", prefix = "/api")]
pub async fn report_balance_sheet(#[server(default)] to: String) -> Result<BalanceSheet, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(statements::balance_sheet(tx, &to).await?))
                .await
        }
        .await,
    )
}

/// One account's lines over the period with the running balance.
#[server(endpoint = "reports/ledger", prefix = "/api")]
pub async fn report_ledger(
    account: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<LedgerReport, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant_read(async |tx| Ok(statements::ledger(tx, &account, &from, &to).await?))
                .await
        }
        .await,
    )
}

/// Sets the lock date (owners): nothing can be posted on it or before. Empty
/// unlocks. It must be before today. Answers the lock date now in force.
#[server(endpoint = "settings/lock-date", prefix = "/api")]
pub async fn set_lock_date(#[server(default)] date: String) -> Result<Option<String>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(journal::set_lock_date(tx, &date).await?))
                .await
        }
        .await,
    )
}

/// `GET /api/books/export?statement=trial-balance|profit-loss|balance-sheet|ledger&account=…&from=…&to=…`:
/// a statement as CSV (amounts in major units; the header row first).
#[cfg(feature = "ssr")]
pub mod export {
    use axum::{
        extract::{Query, State},
        response::Response,
        Extension,
    };
    use serde::Deserialize;

    use super::statements;
    use crate::{
        api::reports::export::answer_csv,
        error::AppError,
        permissions::Permission,
        state::AppState,
        tenancy::{CurrentUser, SiteCtx, TenantCtx},
    };

    #[derive(Debug, Default, Deserialize)]
    pub struct ExportQuery {
        #[serde(default)]
        statement: String,
        #[serde(default)]
        account: String,
        #[serde(default)]
        from: String,
        #[serde(default)]
        to: String,
    }

    pub async fn export_csv(
        State(state): State<AppState>,
        Extension(site): Extension<SiteCtx>,
        user: Option<Extension<CurrentUser>>,
        Query(query): Query<ExportQuery>,
    ) -> Response {
        answer_csv(&state, &site, user, Permission::ViewBooks, async |cx| {
            records(cx, &query).await
        })
        .await
    }

    fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
        cells.map(String::from).to_vec()
    }

    /// The statement as CSV records and its file name.
    pub async fn records(
        cx: &mut TenantCtx<'_>,
        q: &ExportQuery,
    ) -> Result<(String, Vec<Vec<String>>), AppError> {
        let settings = cx.settings().await.map_err(crate::api::context::db_error)?;
        let money = |minor: i64| settings.amount(minor);
        let mut out = Vec::new();
        let name = match q.statement.trim() {
            "" | "trial-balance" => {
                let r = statements::trial_balance(cx, &q.from, &q.to).await?;
                out.push(row([
                    "code", "account", "kind", "opening", "debit", "credit", "closing",
                ]));
                for l in &r.rows {
                    out.push(vec![
                        l.code.clone(),
                        l.name.clone(),
                        l.kind.as_str().into(),
                        money(l.opening),
                        money(l.debit),
                        money(l.credit),
                        money(l.closing),
                    ]);
                }
                out.push(vec![
                    String::new(),
                    "Total".into(),
                    String::new(),
                    String::new(),
                    money(r.total_debit),
                    money(r.total_credit),
                    money(r.total_closing),
                ]);
                format!("trial-balance-{}-{}", r.from, r.to)
            }
            "profit-loss" => {
                let r = statements::profit_and_loss(cx, &q.from, &q.to).await?;
                out.push(row(["section", "code", "account", "amount"]));
                for (section, lines) in [("income", &r.income), ("expenses", &r.expenses)] {
                    for l in lines {
                        out.push(vec![
                            section.into(),
                            l.code.clone(),
                            l.name.clone(),
                            money(l.amount),
                        ]);
                    }
                }
                out.push(vec![
                    "total income".into(),
                    String::new(),
                    String::new(),
                    money(r.total_income),
                ]);
                out.push(vec![
                    "total expenses".into(),
                    String::new(),
                    String::new(),
                    money(r.total_expenses),
                ]);
                out.push(vec![
                    "profit".into(),
                    String::new(),
                    String::new(),
                    money(r.profit),
                ]);
                format!("profit-and-loss-{}-{}", r.from, r.to)
            }
            "balance-sheet" => {
                let r = statements::balance_sheet(cx, &q.to).await?;
                out.push(row(["section", "code", "account", "amount"]));
                for (section, lines) in [
                    ("assets", &r.assets),
                    ("liabilities", &r.liabilities),
                    ("equity", &r.equity),
                ] {
                    for l in lines {
                        out.push(vec![
                            section.into(),
                            l.code.clone(),
                            l.name.clone(),
                            money(l.amount),
                        ]);
                    }
                }
                out.push(vec![
                    "equity".into(),
                    String::new(),
                    "Earnings to date".into(),
                    money(r.earnings),
                ]);
                out.push(vec![
                    "total assets".into(),
                    String::new(),
                    String::new(),
                    money(r.total_assets),
                ]);
                out.push(vec![
                    "total liabilities".into(),
                    String::new(),
                    String::new(),
                    money(r.total_liabilities),
                ]);
                out.push(vec![
                    "total equity".into(),
                    String::new(),
                    String::new(),
                    money(r.total_equity),
                ]);
                format!("balance-sheet-{}", r.at)
            }
            "ledger" => {
                let r = statements::ledger(cx, &q.account, &q.from, &q.to).await?;
                out.push(row(["date", "source", "memo", "debit", "credit", "balance"]));
                out.push(vec![
                    r.from.clone(),
                    String::new(),
                    "Opening balance".into(),
                    String::new(),
                    String::new(),
                    money(r.opening),
                ]);
                for l in &r.lines {
                    out.push(vec![
                        l.date.clone(),
                        l.source.clone(),
                        l.memo.clone(),
                        money(l.debit),
                        money(l.credit),
                        money(l.balance),
                    ]);
                }
                format!("ledger-{}-{}-{}", r.account.code, r.from, r.to)
            }
            _ => {
                return Err(AppError::invalid(
                    "statement must be trial-balance, profit-loss, balance-sheet or ledger.",
                ))
            }
        };
        Ok((name, out))
    }
}

//! The statements, read from the journal for days in the business's calendar
//! (an entry is dated the business day it happened): the trial balance, profit
//! and loss, the balance sheet and one account's ledger.
use super::{accounts, BooksError};
use crate::{
    domain::reports::Period,
    model::{
        AccountKind, BalanceSheet, LedgerLine, LedgerReport, ProfitAndLoss, StatementLine, TrialBalance,
        TrialBalanceRow,
    },
    permissions::Permission,
    tenancy::TenantCtx,
};

/// Per account: debit − credit before the period, the period's debits and
/// credits. Accounts with nothing before or in the period are left out.
async fn figures(tx: &mut TenantCtx<'_>, period: &Period) -> Result<Vec<TrialBalanceRow>, BooksError> {
    let rows: Vec<(String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT a.code, a.name, a.kind, \
                coalesce(sum(l.debit - l.credit) FILTER (WHERE e.entry_date < $1), 0)::bigint, \
                coalesce(sum(l.debit) FILTER (WHERE e.entry_date BETWEEN $1 AND $2), 0)::bigint, \
                coalesce(sum(l.credit) FILTER (WHERE e.entry_date BETWEEN $1 AND $2), 0)::bigint \
         FROM journal_lines l \
         JOIN journal_entries e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id \
         JOIN ledger_accounts a ON a.tenant_id = l.tenant_id AND a.code = l.account_code \
         WHERE e.entry_date <= $2 \
         GROUP BY a.code, a.name, a.kind ORDER BY a.code",
    )
    .bind(period.from)
    .bind(period.to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, kind, opening, debit, credit)| TrialBalanceRow {
            code,
            name,
            kind: AccountKind::parse(&kind).unwrap_or(AccountKind::Asset),
            opening,
            debit,
            credit,
            closing: opening + debit - credit,
        })
        .collect())
}

pub async fn trial_balance(tx: &mut TenantCtx<'_>, from: &str, to: &str) -> Result<TrialBalance, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let period = Period::resolve(tx, from, to).await?;
    let rows = figures(tx, &period).await?;
    Ok(TrialBalance {
        from: period.from.to_string(),
        to: period.to.to_string(),
        total_debit: rows.iter().map(|r| r.debit).sum(),
        total_credit: rows.iter().map(|r| r.credit).sum(),
        total_closing: rows.iter().map(|r| r.closing).sum(),
        rows,
    })
}

fn line(row: &TrialBalanceRow, amount: i64) -> StatementLine {
    StatementLine {
        code: row.code.clone(),
        name: row.name.clone(),
        amount,
    }
}

pub async fn profit_and_loss(
    tx: &mut TenantCtx<'_>,
    from: &str,
    to: &str,
) -> Result<ProfitAndLoss, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let period = Period::resolve(tx, from, to).await?;
    let rows = figures(tx, &period).await?;
    let of_kind = |kind: AccountKind| -> Vec<StatementLine> {
        rows.iter()
            .filter(|r| r.kind == kind && (r.debit != 0 || r.credit != 0))
            .map(|r| line(r, accounts::normal_side(kind, r.debit - r.credit)))
            .collect()
    };
    let income = of_kind(AccountKind::Income);
    let expenses = of_kind(AccountKind::Expense);
    let total_income: i64 = income.iter().map(|l| l.amount).sum();
    let total_expenses: i64 = expenses.iter().map(|l| l.amount).sum();
    Ok(ProfitAndLoss {
        from: period.from.to_string(),
        to: period.to.to_string(),
        income,
        expenses,
        total_income,
        total_expenses,
        profit: total_income - total_expenses,
    })
}

/// The balance sheet at the end of `to` (empty: today).
pub async fn balance_sheet(tx: &mut TenantCtx<'_>, to: &str) -> Result<BalanceSheet, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let end = Period::resolve(tx, "", to).await?.to;
    // Everything up to `end` (a start before any business's first day, in
    // PostgreSQL's range of dates).
    let all = Period {
        from: chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
        to: end,
        timezone: String::new(),
    };
    let rows = figures(tx, &all).await?;
    let of_kind = |kind: AccountKind| -> Vec<StatementLine> {
        rows.iter()
            .filter(|r| r.kind == kind && r.closing != 0)
            .map(|r| line(r, accounts::normal_side(kind, r.closing)))
            .collect()
    };
    let assets = of_kind(AccountKind::Asset);
    let liabilities = of_kind(AccountKind::Liability);
    let equity = of_kind(AccountKind::Equity);
    let earnings: i64 = rows
        .iter()
        .filter(|r| matches!(r.kind, AccountKind::Income | AccountKind::Expense))
        .map(|r| -r.closing)
        .sum();
    let total_assets = assets.iter().map(|l| l.amount).sum();
    let total_liabilities = liabilities.iter().map(|l| l.amount).sum();
    let total_equity = equity.iter().map(|l| l.amount).sum::<i64>() + earnings;
    Ok(BalanceSheet {
        at: end.to_string(),
        assets,
        liabilities,
        equity,
        earnings,
        total_assets,
        total_liabilities,
        total_equity,
    })
}

/// One account's lines over the period, with the running balance.
pub async fn ledger(
    tx: &mut TenantCtx<'_>,
    code: &str,
    from: &str,
    to: &str,
) -> Result<LedgerReport, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let account = accounts::get_account(tx, code).await?;
    let period = Period::resolve(tx, from, to).await?;
    let opening: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(l.debit - l.credit), 0)::bigint FROM journal_lines l \
         JOIN journal_entries e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id \
         WHERE l.account_code = $1 AND e.entry_date < $2",
    )
    .bind(&account.code)
    .bind(period.from)
    .fetch_one(tx.conn())
    .await?;
    let rows: Vec<(uuid::Uuid, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT e.id, e.entry_date::text, e.source, e.memo, l.debit, l.credit FROM journal_lines l \
         JOIN journal_entries e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id \
         WHERE l.account_code = $1 AND e.entry_date BETWEEN $2 AND $3 \
         ORDER BY e.entry_date, e.posted_at, e.id, l.line_no",
    )
    .bind(&account.code)
    .bind(period.from)
    .bind(period.to)
    .fetch_all(tx.conn())
    .await?;
    let kind = account.kind;
    let mut running = opening;
    let mut lines: Vec<LedgerLine> = rows
        .into_iter()
        .map(|(entry_id, date, source, memo, debit, credit)| {
            running += debit - credit;
            LedgerLine {
                entry_id,
                date,
                source,
                memo,
                debit,
                credit,
                balance: accounts::normal_side(kind, running),
            }
        })
        .collect();
    let truncated = lines.len() as i64 > LedgerReport::MAX_LINES;
    if truncated {
        lines.drain(..lines.len() - LedgerReport::MAX_LINES as usize);
    }
    Ok(LedgerReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        opening: accounts::normal_side(kind, opening),
        closing: accounts::normal_side(kind, running),
        account,
        lines,
        truncated,
    })
}

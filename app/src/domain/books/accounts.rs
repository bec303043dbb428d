//! The chart of accounts: listed with balances; owners add accounts, rename
//! any (system accounts included) and deactivate their own. Codes and kinds
//! never change once an account exists (the journal refers to them).
use serde_json::json;

use super::BooksError;
use crate::{
    domain::audit::{self, AuditEntry},
    model::{AccountKind, LedgerAccountView},
    permissions::Permission,
    tenancy::TenantCtx,
};

/// Every account, by code, with its balance over the whole journal.
pub async fn list_accounts(tx: &mut TenantCtx<'_>) -> Result<Vec<LedgerAccountView>, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let rows: Vec<(String, String, String, bool, bool, i64)> = sqlx::query_as(
        "SELECT a.code, a.name, a.kind, a.system_key IS NOT NULL, a.is_active, \
                coalesce(b.balance, 0)::bigint \
         FROM ledger_accounts a \
         LEFT JOIN (SELECT account_code, sum(debit - credit) AS balance FROM journal_lines \
                    GROUP BY account_code) b ON b.account_code = a.code \
         ORDER BY a.code",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(view).collect())
}

/// One account, or `NotFound`.
pub async fn get_account(tx: &mut TenantCtx<'_>, code: &str) -> Result<LedgerAccountView, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let row: Option<(String, String, String, bool, bool, i64)> = sqlx::query_as(
        "SELECT a.code, a.name, a.kind, a.system_key IS NOT NULL, a.is_active, \
                coalesce((SELECT sum(debit - credit) FROM journal_lines l WHERE l.account_code = a.code), 0)::bigint \
         FROM ledger_accounts a WHERE a.code = $1",
    )
    .bind(code.trim())
    .fetch_optional(tx.conn())
    .await?;
    row.map(view).ok_or(BooksError::NotFound("Account"))
}

/// A row as read above; the balance turned to the account's normal side.
fn view(
    (code, name, kind, system, active, debit_minus_credit): (String, String, String, bool, bool, i64),
) -> LedgerAccountView {
    let kind = AccountKind::parse(&kind).unwrap_or(AccountKind::Asset);
    LedgerAccountView {
        code,
        name,
        kind,
        system,
        active,
        balance: normal_side(kind, debit_minus_credit),
    }
}

/// A debit − credit figure as the account's kind reads it.
pub fn normal_side(kind: AccountKind, debit_minus_credit: i64) -> i64 {
    if kind.debit_normal() {
        debit_minus_credit
    } else {
        -debit_minus_credit
    }
}

/// What the account form sends.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub code: String,
    pub name: String,
    /// Required for a new account; an existing account keeps its kind.
    pub kind: Option<AccountKind>,
    pub active: bool,
}

/// Creates the account `input.code` (with a kind; a code already in use is
/// refused), or renames / (de)activates it (without a kind). Returns it as it
/// now is.
pub async fn save_account(
    tx: &mut TenantCtx<'_>,
    input: AccountInput,
) -> Result<LedgerAccountView, BooksError> {
    tx.require(Permission::ManageBooks)?;
    let code = input.code.trim().to_string();
    if !(3..=6).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(BooksError::invalid("Code: 3 to 6 digits, like 6100."));
    }
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(BooksError::invalid("Name: 1 to 80 characters."));
    }
    let existing: Option<(String, bool, bool)> = sqlx::query_as(
        "SELECT name, system_key IS NOT NULL, is_active FROM ledger_accounts WHERE code = $1 FOR UPDATE",
    )
    .bind(&code)
    .fetch_optional(tx.conn())
    .await?;
    match existing {
        None => {
            let kind = input
                .kind
                .ok_or_else(|| BooksError::invalid("Kind: asset, liability, equity, income or expense."))?;
            let tenant_id = tx.tenant_id();
            sqlx::query("INSERT INTO ledger_accounts (tenant_id, code, name, kind, is_active) VALUES ($1, $2, $3, $4, $5)")
                .bind(tenant_id)
                .bind(&code)
                .bind(&name)
                .bind(kind.as_str())
                .bind(input.active)
                .execute(tx.conn())
                .await
                .map_err(BooksError::from_db)?;
            audit::record(
                tx,
                AuditEntry::new("account.created", "ledger_account")
                    .entity_id(&code)
                    .after(
                        json!({ "code": code, "name": name, "kind": kind.as_str(), "active": input.active }),
                    ),
            )
            .await?;
        }
        Some(_) if input.kind.is_some() => {
            // A kind is given only when adding: the code is someone else's.
            return Err(BooksError::Conflict(format!(
                "An account with the code {code} already exists: choose another code, or rename that one."
            )));
        }
        Some((old_name, system, was_active)) => {
            if system && !input.active {
                return Err(BooksError::Conflict(
                    "This account is used by the automatic postings: it can be renamed, not deactivated."
                        .into(),
                ));
            }
            sqlx::query("UPDATE ledger_accounts SET name = $2, is_active = $3 WHERE code = $1")
                .bind(&code)
                .bind(&name)
                .bind(input.active)
                .execute(tx.conn())
                .await
                .map_err(BooksError::from_db)?;
            audit::record(
                tx,
                AuditEntry::new("account.updated", "ledger_account")
                    .entity_id(&code)
                    .before(json!({ "name": old_name, "active": was_active }))
                    .after(json!({ "code": code, "name": name, "active": input.active })),
            )
            .await?;
        }
    }
    get_account(tx, &code).await
}

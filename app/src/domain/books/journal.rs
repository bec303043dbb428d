//! The journal: entries listed by period, one entry, manual entries posted by
//! admins, reversals, and the lock date. The database checks what must hold
//! (balance at commit, the lock date, nothing ever changed); this module
//! checks the input first so a person gets a precise message.
use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::BooksError;
use crate::{
    domain::{
        audit::{self, AuditEntry},
        reports::Period,
    },
    model::{JournalEntryView, JournalLineView, JournalPage, ManualLineInput},
    permissions::Permission,
    pricing::MAX_AMOUNT_MINOR,
    tenancy::TenantCtx,
};

/// Entries per page of the journal.
pub const PAGE_SIZE: i64 = 50;

/// The most lines a manual entry may have.
pub const MAX_LINES: usize = 40;

/// The period's entries, newest first, a page at a time (`page` from 1).
pub async fn list_entries(
    tx: &mut TenantCtx<'_>,
    from: &str,
    to: &str,
    page: i64,
) -> Result<JournalPage, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let period = Period::resolve(tx, from, to).await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM journal_entries WHERE entry_date BETWEEN $1 AND $2")
            .bind(period.from)
            .bind(period.to)
            .fetch_one(tx.conn())
            .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM journal_entries WHERE entry_date BETWEEN $1 AND $2 \
         ORDER BY entry_date DESC, posted_at DESC, id DESC LIMIT $3 OFFSET $4",
    )
    .bind(period.from)
    .bind(period.to)
    .bind(PAGE_SIZE)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(tx.conn())
    .await?;
    let entries = entries_by_id(tx, &ids).await?;
    Ok(JournalPage {
        from: period.from.to_string(),
        to: period.to.to_string(),
        entries,
        total,
        page,
        pages,
    })
}

/// One entry with its lines.
pub async fn get_entry(tx: &mut TenantCtx<'_>, id: Uuid) -> Result<JournalEntryView, BooksError> {
    tx.require(Permission::ViewBooks)?;
    entries_by_id(tx, &[id])
        .await?
        .pop()
        .ok_or(BooksError::NotFound("Journal entry"))
}

type EntryRow = (
    Uuid,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<Uuid>,
    Option<Uuid>,
);

/// The entries `ids`, in that order, with their lines (two queries).
async fn entries_by_id(tx: &mut TenantCtx<'_>, ids: &[Uuid]) -> Result<Vec<JournalEntryView>, BooksError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT e.id, e.entry_date::text, e.source, e.source_id, e.memo, \
                (SELECT coalesce(nullif(u.display_name, ''), u.email) FROM users u WHERE u.id = e.posted_by), \
                e.reverses, (SELECT r.id FROM journal_entries r WHERE r.reverses = e.id) \
         FROM journal_entries e WHERE e.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let lines: Vec<(Uuid, String, String, i64, i64)> = sqlx::query_as(
        "SELECT l.entry_id, l.account_code, a.name, l.debit, l.credit \
         FROM journal_lines l JOIN ledger_accounts a ON a.code = l.account_code \
         WHERE l.entry_id = ANY($1) ORDER BY l.entry_id, l.line_no",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    let mut by_entry: HashMap<Uuid, Vec<JournalLineView>> = HashMap::new();
    for (entry, account_code, account_name, debit, credit) in lines {
        by_entry.entry(entry).or_default().push(JournalLineView {
            account_code,
            account_name,
            debit,
            credit,
        });
    }
    let mut found: HashMap<Uuid, JournalEntryView> = rows
        .into_iter()
        .map(
            |(id, date, source, source_id, memo, posted_by, reverses, reversed_by)| {
                let lines = by_entry.remove(&id).unwrap_or_default();
                (
                    id,
                    JournalEntryView {
                        id,
                        date,
                        source,
                        source_id,
                        memo,
                        posted_by,
                        reverses,
                        reversed_by,
                        lines,
                    },
                )
            },
        )
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A manual entry as typed: the day, a memo and the lines.
#[derive(Debug, Clone, Default)]
pub struct ManualEntry {
    pub date: String,
    pub memo: String,
    pub lines: Vec<ManualLineInput>,
}

/// A checked line: the account and its amount on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedLine {
    pub account: String,
    pub debit: i64,
    pub credit: i64,
}

/// Checks a manual entry's lines (blank rows are skipped): each names an
/// account and has an amount on exactly one side, and the debits equal the
/// credits. `decimals` is the currency's minor digits.
pub fn check_lines(lines: &[ManualLineInput], decimals: u32) -> Result<Vec<CheckedLine>, BooksError> {
    let mut checked = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let row = n + 1;
        let (account, debit, credit) = (line.account.trim(), line.debit.trim(), line.credit.trim());
        if account.is_empty() && debit.is_empty() && credit.is_empty() {
            continue;
        }
        if account.is_empty() {
            return Err(BooksError::invalid(format!("Line {row}: choose an account.")));
        }
        let amount = |text: &str| -> Result<i64, BooksError> {
            if text.is_empty() {
                return Ok(0);
            }
            let minor = crate::pricing::parse_amount(text, decimals)
                .map_err(|e| BooksError::invalid(format!("Line {row}: {e}")))?;
            if minor > MAX_AMOUNT_MINOR {
                return Err(BooksError::invalid(format!(
                    "Line {row}: that amount is too large."
                )));
            }
            Ok(minor)
        };
        let (debit, credit) = (amount(debit)?, amount(credit)?);
        if (debit > 0) == (credit > 0) {
            return Err(BooksError::invalid(format!(
                "Line {row}: enter an amount as a debit or as a credit, not both and not zero."
            )));
        }
        checked.push(CheckedLine {
            account: account.to_string(),
            debit,
            credit,
        });
    }
    if checked.len() < 2 {
        return Err(BooksError::invalid("An entry needs at least two lines."));
    }
    if checked.len() > MAX_LINES {
        return Err(BooksError::invalid(format!(
            "An entry has at most {MAX_LINES} lines."
        )));
    }
    let debits: i64 = checked.iter().map(|l| l.debit).sum();
    let credits: i64 = checked.iter().map(|l| l.credit).sum();
    if debits != credits {
        let amount = |minor: i64| crate::pricing::format_amount(minor, decimals);
        return Err(BooksError::invalid(format!(
            "The entry does not balance: the debits ({}) must equal the credits ({}).",
            amount(debits),
            amount(credits)
        )));
    }
    Ok(checked)
}

/// Posts a manual entry; returns it as stored.
pub async fn post_manual(tx: &mut TenantCtx<'_>, entry: ManualEntry) -> Result<JournalEntryView, BooksError> {
    let actor = tx.require(Permission::PostJournal)?;
    let decimals = tx.settings().await?.minor_digits();
    let date = parse_day(&entry.date, "Date")?;
    let memo = entry.memo.trim().to_string();
    if memo.is_empty() || memo.chars().count() > 300 {
        return Err(BooksError::invalid(
            "Memo: say what the entry is for (at most 300 characters).",
        ));
    }
    let lines = check_lines(&entry.lines, decimals)?;
    let codes: Vec<String> = lines.iter().map(|l| l.account.clone()).collect();
    let known: Vec<(String, bool)> =
        sqlx::query_as("SELECT code, is_active FROM ledger_accounts WHERE code = ANY($1)")
            .bind(&codes)
            .fetch_all(tx.conn())
            .await?;
    for code in &codes {
        match known.iter().find(|(c, _)| c == code) {
            None => return Err(BooksError::invalid(format!("There is no account {code}."))),
            Some((_, false)) => return Err(BooksError::invalid(format!("The account {code} is inactive."))),
            Some(_) => {}
        }
    }
    let id = Uuid::now_v7();
    insert_entry(tx, id, date, "manual", None, &memo, actor.user_id, &lines).await?;
    let amount: i64 = lines.iter().map(|l| l.debit).sum();
    audit::record(
        tx,
        AuditEntry::new("journal.posted", "journal_entry")
            .entity_id(id)
            .after(json!({ "date": date.to_string(), "memo": memo, "amount": amount })),
    )
    .await?;
    get_entry(tx, id).await
}

/// Posts the reverse of entry `id` (every line on the other side), dated
/// `date` (empty: the entry's own date). An entry is reversed at most once,
/// and a reversal is not reversed again.
pub async fn reverse_entry(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    date: &str,
) -> Result<JournalEntryView, BooksError> {
    let actor = tx.require(Permission::PostJournal)?;
    let original = get_entry(tx, id).await?;
    if original.source == "reversal" {
        return Err(BooksError::Conflict(
            "A reversal cannot be reversed: post a new entry instead.".into(),
        ));
    }
    if original.reversed_by.is_some() {
        return Err(BooksError::Conflict(
            "That entry has already been reversed.".into(),
        ));
    }
    let date = if date.trim().is_empty() {
        parse_day(&original.date, "Date")?
    } else {
        parse_day(date, "Date")?
    };
    let lines: Vec<CheckedLine> = original
        .lines
        .iter()
        .map(|l| CheckedLine {
            account: l.account_code.clone(),
            debit: l.credit,
            credit: l.debit,
        })
        .collect();
    let memo: String = format!("Reversal of: {}", original.memo)
        .chars()
        .take(300)
        .collect();
    let new_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO journal_entries (tenant_id, id, entry_date, source, source_id, memo, reverses, posted_by) \
         VALUES ($1, $2, $3, 'reversal', $4, $5, $6, $7)",
    )
    .bind(tx.tenant_id())
    .bind(new_id)
    .bind(date)
    .bind(id.to_string())
    .bind(&memo)
    .bind(id)
    .bind(actor.user_id)
    .execute(tx.conn())
    .await
    .map_err(BooksError::from_db)?;
    insert_lines(tx, new_id, &lines).await?;
    audit::record(
        tx,
        AuditEntry::new("journal.reversed", "journal_entry")
            .entity_id(new_id)
            .after(json!({ "reverses": id, "reversed_date": original.date, "date": date.to_string() })),
    )
    .await?;
    get_entry(tx, new_id).await
}

#[allow(clippy::too_many_arguments)]
async fn insert_entry(
    tx: &mut TenantCtx<'_>,
    id: Uuid,
    date: NaiveDate,
    source: &str,
    source_id: Option<&str>,
    memo: &str,
    posted_by: Uuid,
    lines: &[CheckedLine],
) -> Result<(), BooksError> {
    sqlx::query(
        "INSERT INTO journal_entries (tenant_id, id, entry_date, source, source_id, memo, posted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tx.tenant_id())
    .bind(id)
    .bind(date)
    .bind(source)
    .bind(source_id)
    .bind(memo)
    .bind(posted_by)
    .execute(tx.conn())
    .await
    .map_err(BooksError::from_db)?;
    insert_lines(tx, id, lines).await
}

/// The lines of entry `id`, in one statement.
async fn insert_lines(tx: &mut TenantCtx<'_>, id: Uuid, lines: &[CheckedLine]) -> Result<(), BooksError> {
    sqlx::query(
        "INSERT INTO journal_lines (tenant_id, entry_id, line_no, account_code, debit, credit) \
         SELECT $1, $2, l.n, l.code, l.debit, l.credit \
         FROM unnest($3::int[], $4::text[], $5::bigint[], $6::bigint[]) AS l (n, code, debit, credit)",
    )
    .bind(tx.tenant_id())
    .bind(id)
    .bind((1..=lines.len() as i32).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.account.clone()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.debit).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.credit).collect::<Vec<_>>())
    .execute(tx.conn())
    .await
    .map_err(BooksError::from_db)?;
    // The balance is checked at commit; checked here too, so the refusal
    // is typed in this request rather than a failed commit.
    sqlx::query("SET CONSTRAINTS journal_entries_balanced IMMEDIATE")
        .execute(tx.conn())
        .await?;
    sqlx::query("SET CONSTRAINTS journal_entries_balanced DEFERRED")
        .execute(tx.conn())
        .await?;
    Ok(())
}

fn parse_day(text: &str, what: &str) -> Result<NaiveDate, BooksError> {
    let range = crate::domain::dates::DayRange::parse(text, "")
        .map_err(|_| BooksError::invalid(format!("{what} must look like 2026-01-31.")))?;
    range
        .from
        .ok_or_else(|| BooksError::invalid(format!("{what}: enter a date.")))
}

/// The lock date: nothing can be posted on it or before (`None`: unlocked).
pub async fn lock_date(tx: &mut TenantCtx<'_>) -> Result<Option<String>, BooksError> {
    tx.require(Permission::ViewBooks)?;
    let day: Option<NaiveDate> = sqlx::query_scalar("SELECT books_lock_date FROM tenants")
        .fetch_one(tx.conn())
        .await?;
    Ok(day.map(|d| d.to_string()))
}

/// Sets the lock date (empty: unlocks). It must be before today in the
/// business's time zone: today's sales are posted today.
pub async fn set_lock_date(tx: &mut TenantCtx<'_>, date: &str) -> Result<Option<String>, BooksError> {
    tx.require(Permission::ManageBooks)?;
    let day = if date.trim().is_empty() {
        None
    } else {
        Some(parse_day(date, "Lock date")?)
    };
    let timezone = tx.settings().await?.timezone.clone();
    let today: NaiveDate = sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
        .bind(&timezone)
        .fetch_one(tx.conn())
        .await?;
    if day.is_some_and(|d| d >= today) {
        return Err(BooksError::invalid(
            "The lock date must be before today: today's sales and returns are posted today.",
        ));
    }
    let before: Option<NaiveDate> = sqlx::query_scalar("SELECT books_lock_date FROM tenants")
        .fetch_one(tx.conn())
        .await?;
    sqlx::query("UPDATE tenants SET books_lock_date = $1")
        .bind(day)
        .execute(tx.conn())
        .await?;
    tx.settings_changed();
    audit::record(
        tx,
        AuditEntry::new("books.locked", "tenant")
            .before(json!({ "lock_date": before.map(|d| d.to_string()) }))
            .after(json!({ "lock_date": day.map(|d| d.to_string()) })),
    )
    .await?;
    Ok(day.map(|d| d.to_string()))
}

//! `tills/*`, `shifts/*`: the business's tills and the cash shifts on them,
//! with their X and Z reports.
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{ShiftReport, ShiftSummary, TillView},
};

#[cfg(feature = "ssr")]
use super::context::{finish, RequestCtx};
#[cfg(feature = "ssr")]
use crate::domain::shifts::{report, shift, tills};

/// The tills, oldest first, each with its open shift (anyone who sells);
/// archived ones too with `archived`.
#[server(endpoint = "tills/list", prefix = "/api")]
pub async fn list_tills(#[server(default)] archived: bool) -> Result<Vec<TillView>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(tills::list_tills(tx, archived).await?))
                .await
        }
        .await,
    )
}

/// Creates a till (no `id`), or renames, archives (`active=false`) or
/// restores one (managers and above). Returns its id.
#[server(endpoint = "tills/save", prefix = "/api")]
pub async fn save_till(
    #[server(default)] id: Option<Uuid>,
    name: String,
    #[server(default)] active: Option<bool>,
) -> Result<Uuid, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(tills::save_till(tx, id, &name, active.unwrap_or(true)).await?))
                .await
        }
        .await,
    )
}

/// Opens a shift on a till with `opening_float` in the drawer (an amount
/// like `100.00` or `100,00`); answers its X report.
#[server(endpoint = "shifts/open", prefix = "/api")]
pub async fn open_shift(till_id: Uuid, opening_float: String) -> Result<ShiftReport, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    let digits = tx
                        .settings()
                        .await
                        .map_err(super::context::db_error)?
                        .minor_digits();
                    let float = crate::domain::shifts::parse_money(&opening_float, digits, "Float")?;
                    let id = shift::open_shift(tx, till_id, float).await?;
                    Ok(report::shift_report(tx, id).await?)
                })
                .await
        }
        .await,
    )
}

/// Cash put into (`kind=in`) or taken out of (`kind=out`) an open shift's
/// drawer, with a reason; answers the shift's X report.
#[server(endpoint = "shifts/cash", prefix = "/api")]
pub async fn shift_cash(
    shift_id: Uuid,
    kind: String,
    amount: String,
    reason: String,
) -> Result<ShiftReport, AppError> {
    finish(
        async {
            let kind = shift::CashKind::parse(&kind)
                .ok_or_else(|| AppError::invalid("Kind: in (cash put in) or out (cash taken out)."))?;
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    let digits = tx
                        .settings()
                        .await
                        .map_err(super::context::db_error)?
                        .minor_digits();
                    let amount = crate::domain::shifts::parse_money(&amount, digits, "Amount")?;
                    shift::record_cash(tx, shift_id, kind, amount, &reason).await?;
                    Ok(report::shift_report(tx, shift_id).await?)
                })
                .await
        }
        .await,
    )
}

/// The X report of the shift open on a till, or `null` when none is.
#[server(endpoint = "shifts/current", prefix = "/api")]
pub async fn current_shift(till_id: Uuid) -> Result<Option<ShiftReport>, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(report::current_shift(tx, till_id).await?))
                .await
        }
        .await,
    )
}

/// Closes a shift with the amounts counted (`counted_cash` required;
/// `counted_card` and `counted_other` default to what was expected); answers
/// its Z report.
#[server(endpoint = "shifts/close", prefix = "/api")]
pub async fn close_shift(
    shift_id: Uuid,
    counted_cash: String,
    #[server(default)] counted_card: String,
    #[server(default)] counted_other: String,
) -> Result<ShiftReport, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| {
                    let digits = tx
                        .settings()
                        .await
                        .map_err(super::context::db_error)?
                        .minor_digits();
                    let optional = |text: &str, what: &str| {
                        if text.trim().is_empty() {
                            Ok(None)
                        } else {
                            crate::domain::shifts::parse_money(text, digits, what).map(Some)
                        }
                    };
                    let counted = shift::Counted {
                        cash: crate::domain::shifts::parse_money(&counted_cash, digits, "Counted cash")?,
                        card: optional(&counted_card, "Counted card")?,
                        other: optional(&counted_other, "Counted other")?,
                    };
                    shift::close_shift(tx, shift_id, counted).await?;
                    Ok(report::shift_report(tx, shift_id).await?)
                })
                .await
        }
        .await,
    )
}

/// Shifts, newest first: `till`, `status` (`open`, `closed`), `from`, `to`
/// (days opened, in the business's time zone), `page`, `page_size` (1–200;
/// 0: 50). Managers see every shift, cashiers their own.
#[server(endpoint = "shifts/list", prefix = "/api")]
pub async fn list_shifts(
    #[server(default)] till: Option<Uuid>,
    #[server(default)] status: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: u32,
    #[server(default)] page_size: u32,
) -> Result<Vec<ShiftSummary>, AppError> {
    let filter = report::ShiftFilter {
        till,
        status,
        from,
        to,
    };
    let size = if page_size == 0 {
        50
    } else {
        i64::from(page_size.min(200))
    };
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(report::list_shifts(tx, &filter, size, page).await?))
                .await
        }
        .await,
    )
}

/// A shift's report: X (figures so far) while open, Z once closed.
#[server(endpoint = "shifts/get", prefix = "/api")]
pub async fn get_shift(id: Uuid) -> Result<ShiftReport, AppError> {
    finish(
        async {
            RequestCtx::load()?
                .in_tenant(async |tx| Ok(report::shift_report(tx, id).await?))
                .await
        }
        .await,
    )
}

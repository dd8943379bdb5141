//! Paid vs. granted vs. realised vs. remaining, per proeftuin and per year, exactly.

use std::collections::BTreeMap;

use entity::{finance_payment, settlement};
use serde::Serialize;

use super::readable;
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::Principal;
use crate::service::monitoring::{self as mon, Proeftuin};
use crate::store::finance as db;
use crate::store::monitoring::{parse_date, parse_money};

pub mod payment_kind {
    pub const ADVANCE: &str = "advance";
    pub const SETTLEMENT: &str = "settlement";
    pub const REPAYMENT: &str = "repayment";
    pub const ALL: [&str; 3] = [ADVANCE, SETTLEMENT, REPAYMENT];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearFinance {
    pub year: i32,
    /// The grant part of the year's accepted annual plan, if there is one.
    pub budgeted: Option<Money>,
    /// Costs realised in the year's accepted progress reports.
    pub realised: Money,
    /// Paid in the year (advances and settlement payments, less repayments).
    pub paid: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinanceFigures {
    pub proeftuin_id: i32,
    pub proeftuin_ref: String,
    pub name: String,
    pub call_id: Option<i32>,
    pub granted: Money,
    /// The advances decided.
    pub advanced: Money,
    /// Paid, less repayments.
    pub paid: Money,
    pub realised: Money,
    /// The amount of the settlement in force (the last revision), once settled.
    pub settled: Option<Money>,
    /// `(settled, else granted) − paid`: still to pay; negative when more was paid.
    pub remaining: Money,
    pub years: Vec<YearFinance>,
}

/// The signed amount of a payment row: a repayment counts against what was paid.
pub(crate) fn signed_amount(p: &finance_payment::Model) -> Result<Money, DomainError> {
    let a = parse_money(&p.amount)?;
    Ok(if p.kind == payment_kind::REPAYMENT { Money::ZERO - a } else { a })
}

/// The settlement in force: the last of the original and its revisions.
pub(crate) fn in_force(rows: &[settlement::Model]) -> Option<&settlement::Model> {
    rows.iter().max_by_key(|s| s.number)
}

/// The figures of a proeftuin the caller may read.
#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn finance_figures(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<FinanceFigures, DomainError> {
    readable(&state.db, who, id).await?;
    let p = mon::get(state, who, id).await?;
    let spending = mon::spending(state, who, id).await?;
    figures_of(state, &p, &spending).await
}

pub(crate) async fn figures_of(
    state: &AppState,
    p: &Proeftuin,
    spending: &crate::domain::monitoring::Spending,
) -> Result<FinanceFigures, DomainError> {
    let mut years: BTreeMap<i32, YearFinance> = BTreeMap::new();
    for y in &spending.years {
        years.insert(
            y.year,
            YearFinance {
                year: y.year,
                budgeted: y.budgeted,
                realised: y.realised,
                paid: Money::ZERO,
            },
        );
    }
    let mut paid = Money::ZERO;
    for row in db::payments(&state.db, Some(p.id)).await? {
        let a = signed_amount(&row)?;
        let year = chrono::Datelike::year(&parse_date(&row.paid_on)?);
        let e = years.entry(year).or_insert(YearFinance {
            year,
            budgeted: None,
            realised: Money::ZERO,
            paid: Money::ZERO,
        });
        e.paid = e.paid + a;
        paid = paid + a;
    }
    let advanced: Money = db::advances(&state.db, Some(p.id))
        .await?
        .iter()
        .map(|a| parse_money(&a.amount))
        .sum::<Result<Money, DomainError>>()?;
    let settlements = db::settlements(&state.db, Some(p.id)).await?;
    let settled = in_force(&settlements).map(|s| parse_money(&s.settled)).transpose()?;
    Ok(FinanceFigures {
        proeftuin_id: p.id,
        proeftuin_ref: p.r#ref.clone(),
        name: p.name.clone(),
        call_id: p.call_id,
        granted: p.grant_total,
        advanced,
        paid,
        realised: spending.total.realised,
        settled,
        remaining: settled.unwrap_or(p.grant_total) - paid,
        years: years.into_values().collect(),
    })
}

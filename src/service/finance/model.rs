//! The stored decisions as the service reads them: an advance, and a settlement with its
//! computation.

use chrono::NaiveDate;
use entity::{advance, settlement};
use serde::Serialize;

use crate::domain::finance::{self as f, LoweringGround, Settlement, SettlementYear};
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::store::finance as db;
use crate::store::monitoring::{parse_date, parse_money};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advance {
    pub id: i32,
    pub proeftuin_id: i32,
    pub number: i32,
    pub amount: Money,
    pub against_period: Option<String>,
    pub description: String,
    pub overdue_reason: Option<String>,
    pub decided_on: NaiveDate,
}

pub(crate) fn advance_of(a: advance::Model) -> Result<Advance, DomainError> {
    Ok(Advance {
        id: a.id,
        proeftuin_id: a.proeftuin_id,
        number: a.number,
        amount: parse_money(&a.amount)?,
        against_period: a.against_period,
        description: a.description,
        overdue_reason: a.overdue_reason,
        decided_on: parse_date(&a.decided_on)?,
    })
}

/// A settlement decision as stored, with its computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettlementDecision {
    pub id: i32,
    pub proeftuin_id: i32,
    /// 1 for the settlement; 2, … for its revisions.
    pub number: i32,
    pub revises_id: Option<i32>,
    pub reason: Option<String>,
    pub decided_on: NaiveDate,
    pub revisable_until: NaiveDate,
    pub figures: Settlement,
}

pub(crate) fn decision_of(
    s: settlement::Model,
    original_on: NaiveDate,
) -> Result<SettlementDecision, DomainError> {
    let years: Vec<SettlementYear> =
        serde_json::from_str(&s.years).map_err(DomainError::internal)?;
    let grounds: Vec<LoweringGround> =
        serde_json::from_str(&s.grounds).map_err(DomainError::internal)?;
    let figures = f::settle(f::SettlementInput {
        grant: parse_money(&s.grant_amount)?,
        years,
        own_contribution: parse_money(&s.own_contribution)?,
        grounds,
        paid: db::parse_signed(&s.paid)?,
    })
    .map_err(|_| DomainError::internal("a stored settlement does not compute"))?;
    if figures.settled.to_string() != s.settled || figures.balance.to_string() != s.balance {
        return Err(DomainError::internal("a stored settlement differs from its computation"));
    }
    Ok(SettlementDecision {
        id: s.id,
        proeftuin_id: s.proeftuin_id,
        number: s.number,
        revises_id: s.revises_id,
        reason: s.reason,
        decided_on: parse_date(&s.decided_on)?,
        revisable_until: f::revisable_until(original_on),
        figures,
    })
}

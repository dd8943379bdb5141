//! Figures rolled up per period, and spending against the grant.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::progress_report;
use sea_orm::ConnectionTrait;

use super::super::AppState;
use super::access::visible;
use super::catalogue::{Catalogue, catalogue_of};
use super::proeftuinen::{Proeftuin, proeftuin_of};
use super::reports::period_of;
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Period, RolledUp, Spending};
use crate::error::DomainError;
use crate::service::auth::Principal;
use crate::store::monitoring as db;

/// The accepted reports of a proeftuin with their counts and costs.
pub(super) async fn accepted<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<(i32, Period, BTreeMap<String, i64>, Money)>, DomainError> {
    let rows: Vec<progress_report::Model> = db::reports(db, proeftuin_id)
        .await?
        .into_iter()
        .filter(|r| m::is(&r.status, m::Status::Accepted))
        .collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut figures = db::figures(db, &ids).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.proeftuin_id,
                period_of(r)?,
                figures.remove(&r.id).unwrap_or_default(),
                db::parse_money(&r.costs_realised)?,
            ))
        })
        .collect()
}

/// The figures of any period, rolled up from the accepted reports inside it.
#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn figures(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
    period: &str,
) -> Result<(RolledUp, Catalogue), DomainError> {
    visible(&state.db, who, proeftuin_id).await?;
    let period =
        Period::parse(period).ok_or_else(|| DomainError::invalid("period", m::PERIOD_FORMAT))?;
    let catalogue = catalogue_of(&state.db).await?;
    let reports: Vec<(Period, BTreeMap<String, i64>)> = accepted(&state.db, Some(proeftuin_id))
        .await?
        .into_iter()
        .map(|(_, p, f, _)| (p, f))
        .collect();
    let life = proeftuin_of(
        &state.db,
        db::proeftuin(&state.db, proeftuin_id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("proeftuin {proeftuin_id}")))?,
    )
    .await?
    .life();
    Ok((m::roll_up(&catalogue.all(), &reports, period).within(&life), catalogue))
}

/// What every proeftuin's spending needs, read at once: accepted reports, accepted plans and
/// their grant totals.
pub(super) struct SpendingFacts {
    accepted: Vec<(i32, Period, BTreeMap<String, i64>, Money)>,
    plan_budgets: std::collections::HashMap<i32, BTreeMap<i32, Money>>,
}

impl SpendingFacts {
    /// Three queries for the whole programme.
    pub(super) async fn load<C: ConnectionTrait>(db: &C) -> Result<SpendingFacts, DomainError> {
        let accepted = accepted(db, None).await?;
        let plans: Vec<_> = db::all_plans(db)
            .await?
            .into_iter()
            .filter(|x| m::is(&x.status, m::Status::Accepted))
            .collect();
        let ids: Vec<i32> = plans.iter().map(|p| p.id).collect();
        let totals = db::plan_grant_totals(db, &ids).await?;
        let mut plan_budgets: std::collections::HashMap<i32, BTreeMap<i32, Money>> =
            std::collections::HashMap::new();
        for plan in plans {
            let total = totals.get(&plan.id).copied().unwrap_or(Money::ZERO);
            plan_budgets.entry(plan.proeftuin_id).or_default().insert(plan.year, total);
        }
        Ok(SpendingFacts { accepted, plan_budgets })
    }

    /// The accepted reports, of every proeftuin.
    pub(super) fn accepted(&self) -> &[(i32, Period, BTreeMap<String, i64>, Money)] {
        &self.accepted
    }

    /// A proeftuin's spending until a day (as [`spending_of`]).
    pub(super) fn spending(&self, p: &Proeftuin, until: Option<NaiveDate>) -> Spending {
        let mut realised: BTreeMap<i32, Money> = BTreeMap::new();
        for (_, period, _, costs) in self.accepted.iter().filter(|r| r.0 == p.id) {
            if until.is_some_and(|u| period.end() > u) {
                continue;
            }
            let e = realised.entry(period.year()).or_insert(Money::ZERO);
            *e = *e + *costs;
        }
        let budgets = self.plan_budgets.get(&p.id).cloned().unwrap_or_default();
        m::spending(p.grant_total, &budgets, &realised)
    }
}

pub(super) async fn spending_of<C: ConnectionTrait>(
    db: &C,
    p: &Proeftuin,
    until: Option<NaiveDate>,
) -> Result<Spending, DomainError> {
    let mut realised: BTreeMap<i32, Money> = BTreeMap::new();
    for (_, period, _, costs) in accepted(db, Some(p.id)).await? {
        if until.is_some_and(|u| period.end() > u) {
            continue;
        }
        let e = realised.entry(period.year()).or_insert(Money::ZERO);
        *e = *e + costs;
    }
    let mut budgets = BTreeMap::new();
    for plan in
        db::plans(db, p.id).await?.into_iter().filter(|x| m::is(&x.status, m::Status::Accepted))
    {
        let lines = db::plan_lines(db, plan.id).await?;
        budgets.insert(plan.year, lines.iter().map(|l| l.grant).sum::<Money>());
    }
    Ok(m::spending(p.grant_total, &budgets, &realised))
}

#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn spending(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
) -> Result<Spending, DomainError> {
    let p = proeftuin_of(&state.db, visible(&state.db, who, proeftuin_id).await?).await?;
    spending_of(&state.db, &p, None).await
}

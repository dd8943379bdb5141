//! The programme overview of a period.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::AppState;
use super::catalogue::{Catalogue, catalogue_of};
use super::proeftuinen::{Proeftuin, proeftuinen_of};
use super::rollup::SpendingFacts;
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Balance, Period, RolledUp};
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::store::monitoring as db;

#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    pub proeftuin: Proeftuin,
    pub figures: RolledUp,
    /// Grant vs. costs realised in accepted reports up to the end of the period.
    pub balance: Balance,
    /// The reports of the proeftuin inside the period, with their status.
    pub reports: Vec<(Period, m::Status)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub period: Period,
    pub catalogue: Catalogue,
    pub rows: Vec<OverviewRow>,
    /// The programme's totals: counts of all proeftuinen added up, shares recomputed.
    pub totals: BTreeMap<String, m::FigureValue>,
    pub balance: Balance,
}

#[tracing::instrument(skip_all)]
pub async fn overview(
    state: &AppState,
    who: &Principal,
    period: &str,
) -> Result<Overview, DomainError> {
    who.require(&[Role::Staff])?;
    let period =
        Period::parse(period).ok_or_else(|| DomainError::invalid("period", m::PERIOD_FORMAT))?;
    let catalogue = catalogue_of(&state.db).await?;
    // A fixed number of queries for the whole programme, none per proeftuin.
    let facts = SpendingFacts::load(&state.db).await?;
    let every_report = db::reports(&state.db, None).await?;
    let mut rows = Vec::new();
    let mut total_counts: BTreeMap<String, i64> = BTreeMap::new();
    let all = facts.accepted();
    for p in proeftuinen_of(&state.db, db::proeftuinen(&state.db, None).await?).await? {
        let mine: Vec<(Period, BTreeMap<String, i64>)> =
            all.iter().filter(|r| r.0 == p.id).map(|r| (r.1, r.2.clone())).collect();
        let rolled = m::roll_up(&catalogue.all(), &mine, period).within(&p.life());
        for (k, v) in &rolled.counts {
            *total_counts.entry(k.clone()).or_insert(0) += v;
        }
        let spending = facts.spending(&p, Some(period.end()));
        let reports = every_report
            .iter()
            .filter(|r| r.proeftuin_id == p.id)
            .filter_map(|r| {
                let status = m::Status::parse(&r.status)?;
                Period::parse(&r.period).filter(|x| x.within(&period)).map(|x| (x, status))
            })
            .collect();
        rows.push(OverviewRow { proeftuin: p, figures: rolled, balance: spending.total, reports });
    }
    let granted: Money = rows.iter().map(|r| r.balance.granted).sum();
    let realised: Money = rows.iter().map(|r| r.balance.realised).sum();
    Ok(Overview {
        period,
        totals: m::figures_of(&catalogue.all(), &total_counts),
        catalogue,
        rows,
        balance: Balance::new(granted, realised),
    })
}

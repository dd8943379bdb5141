//! The finance export per call and year: granted, budgeted, paid, realised and settled per
//! proeftuin, as JSON rows and as CSV.

use chrono::Datelike;
use serde::Serialize;

use super::figures::{in_force, signed_amount};
use crate::domain::money::Money;
use crate::error::{DomainError, FieldError};
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::service::monitoring as mon;
use crate::store::{self, finance as db, monitoring::parse_date, monitoring::parse_money};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinanceExportRow {
    pub call_code: String,
    pub year: i32,
    pub proeftuin_id: i32,
    pub proeftuin_ref: String,
    pub proeftuin_name: String,
    pub region_name: String,
    /// Grants granted in the year.
    pub granted: Money,
    /// The grant part of the year's accepted annual plan.
    pub budgeted: Money,
    /// Advances decided in the year.
    pub advanced: Money,
    /// Paid in the year, less repayments received in it.
    pub paid: Money,
    /// Costs realised in the year's accepted reports.
    pub realised: Money,
    /// The settled amount, in the year the settlement in force was decided.
    pub settled: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinanceExport {
    pub call_id: i32,
    pub call_code: String,
    pub year: Option<i32>,
    pub rows: Vec<FinanceExportRow>,
}

type Years = std::collections::BTreeMap<i32, FinanceExportRow>;

fn row<'a>(
    years: &'a mut Years,
    p: &mon::Proeftuin,
    code: &str,
    y: i32,
) -> &'a mut FinanceExportRow {
    years.entry(y).or_insert_with(|| FinanceExportRow {
        call_code: code.to_string(),
        year: y,
        proeftuin_id: p.id,
        proeftuin_ref: p.r#ref.clone(),
        proeftuin_name: p.name.clone(),
        region_name: p.region_name.clone(),
        granted: Money::ZERO,
        budgeted: Money::ZERO,
        advanced: Money::ZERO,
        paid: Money::ZERO,
        realised: Money::ZERO,
        settled: Money::ZERO,
    })
}

fn add(m: &mut Money, a: Money) {
    *m = *m + a;
}

/// One row per proeftuin of the call and year (every year with a figure when `year` is none).
// Long: gathers five kinds of figures per proeftuin into its year rows.
pub async fn finance_export(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    year: Option<i32>,
) -> Result<FinanceExport, DomainError> {
    who.require(&[Role::Staff])?;
    if let Some(y) = year.filter(|y| !(2000..=2100).contains(y)) {
        return Err(DomainError::Validation(vec![FieldError::new(
            "year",
            format!("a year from 2000 to 2100, not {y}"),
        )]));
    }
    let call = store::calls::by_id(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    let code = call.definition.code.clone();
    let mut rows = Vec::new();
    for p in mon::list(state, who).await?.into_iter().filter(|p| p.call_id == Some(call_id)) {
        let mut years: Years = Default::default();
        for g in &p.grants {
            add(&mut row(&mut years, &p, &code, g.granted_on.year()).granted, g.amount);
        }
        for y in mon::spending(state, who, p.id).await?.years {
            let r = row(&mut years, &p, &code, y.year);
            add(&mut r.budgeted, y.budgeted.unwrap_or(Money::ZERO));
            add(&mut r.realised, y.realised);
        }
        for a in db::advances(&state.db, Some(p.id)).await? {
            add(
                &mut row(&mut years, &p, &code, parse_date(&a.decided_on)?.year()).advanced,
                parse_money(&a.amount)?,
            );
        }
        for x in db::payments(&state.db, Some(p.id)).await? {
            add(
                &mut row(&mut years, &p, &code, parse_date(&x.paid_on)?.year()).paid,
                signed_amount(&x)?,
            );
        }
        let settlements = db::settlements(&state.db, Some(p.id)).await?;
        if let Some(s) = in_force(&settlements) {
            add(
                &mut row(&mut years, &p, &code, parse_date(&s.decided_on)?.year()).settled,
                parse_money(&s.settled)?,
            );
        }
        rows.extend(years.into_values().filter(|r| year.is_none_or(|y| r.year == y)));
    }
    rows.sort_by(|a, b| (a.year, &a.proeftuin_ref).cmp(&(b.year, &b.proeftuin_ref)));
    Ok(FinanceExport { call_id, call_code: code, year, rows })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The export as CSV (comma-separated, a header line, amounts with two decimals).
pub fn finance_export_csv(e: &FinanceExport) -> String {
    let mut out = String::from(
        "call,year,proeftuin_ref,proeftuin,region,granted,budgeted,advanced,paid,realised,settled\n",
    );
    for r in &e.rows {
        let fields = [
            csv_field(&r.call_code),
            r.year.to_string(),
            csv_field(&r.proeftuin_ref),
            csv_field(&r.proeftuin_name),
            csv_field(&r.region_name),
            r.granted.to_string(),
            r.budgeted.to_string(),
            r.advanced.to_string(),
            r.paid.to_string(),
            r.realised.to_string(),
            r.settled.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

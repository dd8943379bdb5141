//! The programme overview PDF with the finance figures of each proeftuin up to the end of the
//! period (the overview itself comes from monitoring).

use super::figures::{in_force, signed_amount};
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::Principal;
use crate::service::monitoring::{self as mon, pdf::FinanceLine};
use crate::store::finance as db;
use crate::store::monitoring::{parse_date, parse_money};

/// The overview of `period` as a PDF (staff), with grant finance; returns the file name too.
pub async fn overview_pdf(
    state: &AppState,
    who: &Principal,
    period: &str,
) -> Result<(String, Vec<u8>), DomainError> {
    let o = mon::overview(state, who, period).await?;
    let until = o.period.end();
    let mut lines = Vec::new();
    for r in &o.rows {
        let id = r.proeftuin.id;
        let mut advanced = Money::ZERO;
        for a in db::advances(&state.db, Some(id)).await? {
            if parse_date(&a.decided_on)? <= until {
                advanced = advanced + parse_money(&a.amount)?;
            }
        }
        let mut paid = Money::ZERO;
        for p in db::payments(&state.db, Some(id)).await? {
            if parse_date(&p.paid_on)? <= until {
                paid = paid + signed_amount(&p)?;
            }
        }
        let mut decided = Vec::new();
        for s in db::settlements(&state.db, Some(id)).await? {
            if parse_date(&s.decided_on)? <= until {
                decided.push(s);
            }
        }
        let settled = in_force(&decided)
            .map(|s| Ok::<_, DomainError>((parse_money(&s.settled)?, parse_date(&s.decided_on)?)))
            .transpose()?;
        lines.push(FinanceLine {
            proeftuin_id: id,
            name: r.proeftuin.region_name.clone(),
            granted: r.balance.granted,
            advanced,
            paid,
            realised: r.balance.realised,
            settled,
            remaining: settled.map_or(r.balance.granted, |s| s.0) - paid,
        });
    }
    let bytes = mon::pdf::overview_with_finance(&o, &lines, state.now())?;
    Ok((format!("monitor-{}.pdf", o.period), bytes))
}

//! Monitoring of the proeftuinen: reporting periods, the metric catalogue and how its figures roll
//! up from finer periods to coarser ones, the workflow of plans and reports, due dates, and
//! spending against the grant. Plain data in, plain data out.
//!
//! Roll-up rule (see README, "Monitoring"): the reports of one proeftuin never overlap. A period is
//! a quarter, a half-year or a year, and these nest (two quarters make a half-year, two
//! half-years a year), so two periods overlap exactly when one contains the other; a report whose
//! period overlaps an existing report of the same proeftuin is refused, whatever its status. The
//! figures of any period are then the roll-up of the accepted reports inside it: `sum` metrics
//! add up, `share` metrics are recomputed from the rolled-up counts (never averaged). Whether the
//! period is fully covered is shown beside the figures.

mod catalogue;
mod due;
mod period;
mod plans;
mod record;
mod rollup;
mod spending;
mod workflow;

pub use catalogue::*;
pub use due::*;
pub use period::*;
pub use plans::*;
pub use record::*;
pub use rollup::*;
pub use spending::*;
pub use workflow::*;

/// What the tests of the parts share: a period by its name, a small catalogue, counts.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use super::{Metric, Period, RollUp};

    pub fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    pub fn catalogue() -> Vec<Metric> {
        let sum = |k: &str| Metric {
            key: k.into(),
            label_nl: k.into(),
            unit: "count".into(),
            rollup: RollUp::Sum,
        };
        vec![
            sum("cases_discussed"),
            sum("households_without_children"),
            sum("registrations"),
            Metric {
                key: "share".into(),
                label_nl: "Aandeel".into(),
                unit: "percent".into(),
                rollup: RollUp::Share {
                    numerator: "households_without_children".into(),
                    denominator: "registrations".into(),
                },
            },
        ]
    }

    pub fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }
}

//! The settlement (*vaststelling*, Awb art. 4:42-4:49): the realised eligible costs per year
//! against the budget, less the own contribution, capped at the grant, lowered only on a
//! recorded ground of art. 4:46 (each with its amount and reason); the balance against what was
//! paid follows. A settled grant is revised (art. 4:49) only by a new decision within five years.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::money::Money;
use crate::error::FieldError;

/// The grounds on which a grant may be settled lower than granted (art. 4:46, second paragraph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroundKind {
    /// a. the activities were not (fully) carried out
    ActivitiesNotCarriedOut,
    /// b. the obligations attached to the grant were not met
    ObligationsNotMet,
    /// c. the applicant gave incorrect or incomplete information
    IncorrectInformation,
    /// d. the grant was wrongly granted and the applicant knew or should have known (here: costs
    /// that were not reasonable)
    UnreasonableCosts,
}

impl GroundKind {
    pub const ALL: [GroundKind; 4] = [
        GroundKind::ActivitiesNotCarriedOut,
        GroundKind::ObligationsNotMet,
        GroundKind::IncorrectInformation,
        GroundKind::UnreasonableCosts,
    ];
    pub const NAMES: [&'static str; 4] = [
        "activities_not_carried_out",
        "obligations_not_met",
        "incorrect_information",
        "unreasonable_costs",
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            GroundKind::ActivitiesNotCarriedOut => Self::NAMES[0],
            GroundKind::ObligationsNotMet => Self::NAMES[1],
            GroundKind::IncorrectInformation => Self::NAMES[2],
            GroundKind::UnreasonableCosts => Self::NAMES[3],
        }
    }

    pub fn parse(s: &str) -> Option<GroundKind> {
        GroundKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the ground says, in Dutch, with its article.
    pub fn label_nl(&self) -> &'static str {
        match self {
            GroundKind::ActivitiesNotCarriedOut => {
                "de activiteiten zijn niet of niet geheel verricht (artikel 4:46, tweede lid, \
                 onder a, Awb)"
            }
            GroundKind::ObligationsNotMet => {
                "niet is voldaan aan de aan de subsidie verbonden verplichtingen (artikel 4:46, \
                 tweede lid, onder b, Awb)"
            }
            GroundKind::IncorrectInformation => {
                "er zijn onjuiste of onvolledige gegevens verstrekt (artikel 4:46, tweede lid, \
                 onder c, Awb)"
            }
            GroundKind::UnreasonableCosts => {
                "kosten zijn niet redelijkerwijs noodzakelijk gemaakt (artikel 4:46, tweede lid, \
                 onder d, Awb)"
            }
        }
    }
}

/// A recorded ground to settle lower, with its amount and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoweringGround {
    pub kind: GroundKind,
    pub amount: Money,
    pub reason: String,
}

/// One year of the spending period: the grant part of the year's budget and the realised costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementYear {
    pub year: i32,
    pub budgeted: Option<Money>,
    pub realised: Money,
}

#[derive(Debug, Clone)]
pub struct SettlementInput {
    pub grant: Money,
    pub years: Vec<SettlementYear>,
    /// The applicant's own contribution to the realised costs: not paid from the grant.
    pub own_contribution: Money,
    pub grounds: Vec<LoweringGround>,
    /// What was paid before the settlement (the advances).
    pub paid: Money,
}

/// The computed settlement; `balance` is `settled − paid`: positive to pay, negative to reclaim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub grant: Money,
    pub years: Vec<SettlementYear>,
    pub realised: Money,
    pub own_contribution: Money,
    /// `realised − own contribution`, never below zero.
    pub eligible: Money,
    /// The eligible costs were above the grant: the grant is the ceiling.
    pub capped: bool,
    /// `min(eligible, grant)`: the amount before the grounds.
    pub before_grounds: Money,
    pub grounds: Vec<LoweringGround>,
    pub lowered_by: Money,
    pub settled: Money,
    pub paid: Money,
    pub balance: Money,
}

impl Settlement {
    /// What is still to be paid, or zero.
    pub fn to_pay(&self) -> Money {
        if self.balance.is_negative() { Money::ZERO } else { self.balance }
    }

    /// What is reclaimed, or zero.
    pub fn to_reclaim(&self) -> Money {
        if self.balance.is_negative() { Money::ZERO - self.balance } else { Money::ZERO }
    }
}

/// Computes the settlement, or every problem of the grounds at once.
pub fn settle(input: SettlementInput) -> Result<Settlement, Vec<FieldError>> {
    let realised: Money = input.years.iter().map(|y| y.realised).sum();
    let eligible = if input.own_contribution > realised {
        Money::ZERO
    } else {
        realised - input.own_contribution
    };
    let capped = eligible > input.grant;
    let before_grounds = if capped { input.grant } else { eligible };
    let mut errors = Vec::new();
    for (i, g) in input.grounds.iter().enumerate() {
        if g.amount.is_zero() {
            errors.push(FieldError::new(format!("grounds[{i}].amount"), "more than zero"));
        }
        if g.reason.trim().is_empty() {
            errors.push(FieldError::new(
                format!("grounds[{i}].reason"),
                "say why the grant is lowered on this ground",
            ));
        }
    }
    let lowered_by: Money = input.grounds.iter().map(|g| g.amount).sum();
    if lowered_by > before_grounds {
        errors.push(FieldError::new(
            "grounds",
            format!("the grounds lower by {lowered_by}, more than the {before_grounds} to settle"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let settled = before_grounds - lowered_by;
    Ok(Settlement {
        grant: input.grant,
        years: input.years,
        realised,
        own_contribution: input.own_contribution,
        eligible,
        capped,
        before_grounds,
        grounds: input.grounds,
        lowered_by,
        settled,
        paid: input.paid,
        balance: settled - input.paid,
    })
}

/// The last day a settlement decided on `decided_on` may be revised (art. 4:49, third
/// paragraph: five years).
pub fn revisable_until(decided_on: NaiveDate) -> NaiveDate {
    decided_on.checked_add_months(Months::new(60)).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn input(realised: [&str; 2], own: &str, grounds: Vec<LoweringGround>) -> SettlementInput {
        SettlementInput {
            grant: m("1000000.00"),
            years: vec![
                SettlementYear {
                    year: 2023,
                    budgeted: Some(m("500000.00")),
                    realised: m(realised[0]),
                },
                SettlementYear { year: 2024, budgeted: None, realised: m(realised[1]) },
            ],
            own_contribution: m(own),
            grounds,
            paid: m("800000.00"),
        }
    }

    #[test]
    fn realised_at_the_grant_settles_at_the_grant_and_pays_the_rest() {
        let s = settle(input(["500000.00", "500000.00"], "0", vec![])).unwrap();
        assert_eq!((s.settled, s.balance, s.capped), (m("1000000.00"), m("200000.00"), false));
        assert_eq!(s.to_pay(), m("200000.00"));
    }

    #[test]
    fn overspending_is_capped_at_the_grant() {
        let s = settle(input(["600000.00", "550000.01"], "0", vec![])).unwrap();
        assert!(s.capped);
        assert_eq!(s.settled, m("1000000.00"));
    }

    #[test]
    fn underspending_less_own_contribution_reclaims() {
        let s = settle(input(["300000.00", "350000.50"], "20000.25", vec![])).unwrap();
        assert_eq!(s.eligible, m("630000.25"));
        assert_eq!(s.settled, m("630000.25"));
        assert_eq!(s.to_reclaim(), m("169999.75"));
        assert_eq!(s.to_pay(), Money::ZERO);
    }

    #[test]
    fn a_ground_lowers_with_its_amount_and_needs_a_reason() {
        let g = |amount: &str, reason: &str| LoweringGround {
            kind: GroundKind::ActivitiesNotCarriedOut,
            amount: m(amount),
            reason: reason.into(),
        };
        let s = settle(input(["500000.00", "500000.00"], "0", vec![g("12500.50", "Geen RVT")]))
            .unwrap();
        assert_eq!(s.settled, m("987499.50"));
        let e = settle(input(["500000.00", "500000.00"], "0", vec![g("1.00", " ")])).unwrap_err();
        assert_eq!(e[0].field, "grounds[0].reason");
        let e = settle(input(["1.00", "0"], "0", vec![g("2.00", "x")])).unwrap_err();
        assert_eq!(e[0].field, "grounds");
    }

    #[test]
    fn revision_within_five_years() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(revisable_until(d), NaiveDate::from_ymd_opt(2030, 3, 31).unwrap());
        assert_eq!(GroundKind::parse("obligations_not_met"), Some(GroundKind::ObligationsNotMet));
    }
}

//! The request and answer bodies of the finance API, and their conversions.

use chrono::NaiveDate;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, payload::Binary, payload::PlainText};

use crate::api::types::{DecimalInput, SignedMoney};
use crate::domain::finance::{GroundKind, LoweringGround, Settlement};
use crate::domain::money::Money;
use crate::error::{DomainError, FieldError};
use crate::service::finance::{
    Advance, FinanceExport, FinanceFigures, Instalment, Payment, Schedule, SettleInput,
    SettlementDecision,
};

#[derive(Object, Debug, Clone)]
pub struct YearFinanceView {
    pub year: i32,
    #[oai(skip_serializing_if_is_none)]
    pub budgeted: Option<Money>,
    pub realised: Money,
    /// Paid in the year, less repayments received in it (negative in a year of a repayment).
    pub paid: SignedMoney,
}

/// Paid vs. granted vs. realised vs. remaining, over the grant and per year.
#[derive(Object, Debug, Clone)]
pub struct FinanceFiguresView {
    pub proeftuin_id: i32,
    pub proeftuin_ref: String,
    pub name: String,
    pub granted: Money,
    /// The advances decided.
    pub advanced: Money,
    /// Paid, less repayments.
    pub paid: SignedMoney,
    pub realised: Money,
    /// The settled amount in force, once settled.
    #[oai(skip_serializing_if_is_none)]
    pub settled: Option<Money>,
    /// `(settled, else granted) − paid`; negative when more was paid than is due.
    pub remaining: SignedMoney,
    pub years: Vec<YearFinanceView>,
}

pub fn figures_view(f: FinanceFigures) -> FinanceFiguresView {
    FinanceFiguresView {
        proeftuin_id: f.proeftuin_id,
        proeftuin_ref: f.proeftuin_ref,
        name: f.name,
        granted: f.granted,
        advanced: f.advanced,
        paid: SignedMoney(f.paid),
        realised: f.realised,
        settled: f.settled,
        remaining: SignedMoney(f.remaining),
        years: f
            .years
            .into_iter()
            .map(|y| YearFinanceView {
                year: y.year,
                budgeted: y.budgeted,
                realised: y.realised,
                paid: SignedMoney(y.paid),
            })
            .collect(),
    }
}

#[derive(Object, Debug, Clone)]
pub struct InstalmentView {
    pub due_on: NaiveDate,
    pub amount: Money,
    #[oai(skip_serializing_if_is_none)]
    pub against_period: Option<String>,
}

#[derive(Object, Debug, Clone)]
pub struct ScheduleView {
    pub proeftuin_id: i32,
    /// The share of the grant that may be advanced before the settlement, in percent.
    pub max_share_percent: u32,
    /// That share as an amount (rounded down to cents).
    pub limit: Money,
    pub instalments: Vec<InstalmentView>,
    /// `false` while the default (80%) applies.
    pub set: bool,
}

pub fn schedule_view(s: Schedule) -> ScheduleView {
    ScheduleView {
        proeftuin_id: s.proeftuin_id,
        max_share_percent: s.max_share_percent,
        limit: s.limit,
        instalments: s
            .instalments
            .into_iter()
            .map(|i| InstalmentView {
                due_on: i.due_on,
                amount: i.amount,
                against_period: i.against_period,
            })
            .collect(),
        set: s.set,
    }
}

#[derive(Object, Debug, Clone)]
pub struct InstalmentInput {
    pub due_on: NaiveDate,
    pub amount: DecimalInput,
    /// The report period whose acceptance the instalment waits for, e.g. `2023-H1`.
    #[oai(skip_serializing_if_is_none)]
    pub against_period: Option<String>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ScheduleInput {
    /// 1 to 100: the share of the grant that may be advanced before the settlement.
    pub max_share_percent: u32,
    pub instalments: Vec<InstalmentInput>,
}

impl Example for ScheduleInput {
    fn example() -> Self {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        ScheduleInput {
            max_share_percent: 80,
            instalments: vec![
                InstalmentInput {
                    due_on: d(2023, 1, 15),
                    amount: DecimalInput::from_text("400000.00"),
                    against_period: None,
                },
                InstalmentInput {
                    due_on: d(2023, 9, 1),
                    amount: DecimalInput::from_text("400000.00"),
                    against_period: Some("2023-H1".into()),
                },
            ],
        }
    }
}

pub fn instalments_in(input: Vec<InstalmentInput>) -> Result<Vec<Instalment>, DomainError> {
    let mut errors = Vec::new();
    let out: Vec<Instalment> = input
        .into_iter()
        .enumerate()
        .filter_map(|(i, x)| {
            let amount = x.amount.money(&format!("instalments[{i}].amount"), &mut errors)?;
            Some(Instalment { due_on: x.due_on, amount, against_period: x.against_period })
        })
        .collect();
    if errors.is_empty() { Ok(out) } else { Err(DomainError::Validation(errors)) }
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AdvanceInput {
    pub amount: DecimalInput,
    /// The report period the advance is paid against, e.g. `2023-H1`; when that report is
    /// overdue, `overdue_reason` is required.
    #[oai(skip_serializing_if_is_none)]
    pub against_period: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub overdue_reason: Option<String>,
}

impl Example for AdvanceInput {
    fn example() -> Self {
        AdvanceInput {
            amount: DecimalInput::from_text("400000.00"),
            against_period: None,
            description: Some("Eerste voorschot bij de start".into()),
            overdue_reason: None,
        }
    }
}

#[derive(Object, Debug, Clone)]
pub struct AdvanceView {
    pub id: i32,
    pub proeftuin_id: i32,
    pub number: i32,
    pub amount: Money,
    #[oai(skip_serializing_if_is_none)]
    pub against_period: Option<String>,
    pub description: String,
    #[oai(skip_serializing_if_is_none)]
    pub overdue_reason: Option<String>,
    pub decided_on: NaiveDate,
}

pub fn advance_view(a: Advance) -> AdvanceView {
    AdvanceView {
        id: a.id,
        proeftuin_id: a.proeftuin_id,
        number: a.number,
        amount: a.amount,
        against_period: a.against_period,
        description: a.description,
        overdue_reason: a.overdue_reason,
        decided_on: a.decided_on,
    }
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct PaymentInput {
    /// `advance` (an advance paid), `settlement` (a settlement's balance paid) or `repayment`
    /// (a reclaimed balance received).
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
    pub advance_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub settlement_id: Option<i32>,
    pub amount: DecimalInput,
    pub paid_on: NaiveDate,
    /// The bank's reference of the transfer.
    pub bank_reference: String,
}

impl Example for PaymentInput {
    fn example() -> Self {
        PaymentInput {
            kind: "advance".into(),
            advance_id: Some(1),
            settlement_id: None,
            amount: DecimalInput::from_text("400000.00"),
            paid_on: NaiveDate::from_ymd_opt(2023, 1, 20).unwrap_or_default(),
            bank_reference: "NL-2023-000417".into(),
        }
    }
}

#[derive(Object, Debug, Clone)]
pub struct PaymentView {
    pub id: i32,
    pub proeftuin_id: i32,
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
    pub advance_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub settlement_id: Option<i32>,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

pub fn payment_view(p: Payment) -> PaymentView {
    PaymentView {
        id: p.id,
        proeftuin_id: p.proeftuin_id,
        kind: p.kind,
        advance_id: p.advance_id,
        settlement_id: p.settlement_id,
        amount: p.amount,
        paid_on: p.paid_on,
        bank_reference: p.bank_reference,
    }
}

#[derive(Object, Debug, Clone)]
pub struct GroundInput {
    /// The ground of art. 4:46 Awb: `activities_not_carried_out`, `obligations_not_met`,
    /// `incorrect_information` or `unreasonable_costs`.
    pub kind: String,
    pub amount: DecimalInput,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct SettlementInput {
    /// The applicant's own contribution to the realised costs (default 0).
    #[oai(skip_serializing_if_is_none)]
    pub own_contribution: Option<DecimalInput>,
    /// The grounds to settle lower than the eligible costs, each with its amount and reason.
    pub grounds: Vec<GroundInput>,
}

impl Example for SettlementInput {
    fn example() -> Self {
        SettlementInput {
            own_contribution: Some(DecimalInput::from_text("0.00")),
            grounds: vec![GroundInput {
                kind: "activities_not_carried_out".into(),
                amount: DecimalInput::from_text("25000.00"),
                reason: "Het regionale veiligheidsteam is in 2024 niet gestart.".into(),
            }],
        }
    }
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RevisionInput {
    /// Why the settlement is revised (art. 4:49 Awb).
    pub reason: String,
    #[oai(skip_serializing_if_is_none)]
    pub own_contribution: Option<DecimalInput>,
    pub grounds: Vec<GroundInput>,
}

impl Example for RevisionInput {
    fn example() -> Self {
        RevisionInput {
            reason: "Bij controle bleek dat de kosten van 2024 deels dubbel zijn opgegeven.".into(),
            own_contribution: None,
            grounds: vec![GroundInput {
                kind: "incorrect_information".into(),
                amount: DecimalInput::from_text("10000.00"),
                reason: "Kosten van 2024 zijn dubbel opgegeven.".into(),
            }],
        }
    }
}

pub fn settle_input(
    own: Option<DecimalInput>,
    grounds: Vec<GroundInput>,
) -> Result<SettleInput, DomainError> {
    let mut errors = Vec::new();
    let own = match own {
        Some(o) => o.money("own_contribution", &mut errors).unwrap_or(Money::ZERO),
        None => Money::ZERO,
    };
    let mut out = Vec::new();
    for (i, g) in grounds.into_iter().enumerate() {
        let kind = GroundKind::parse(&g.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                format!("grounds[{i}].kind"),
                format!("one of {}", GroundKind::NAMES.join(", ")),
            ));
        }
        let amount = g.amount.money(&format!("grounds[{i}].amount"), &mut errors);
        if let (Some(kind), Some(amount)) = (kind, amount) {
            out.push(LoweringGround { kind, amount, reason: g.reason });
        }
    }
    if errors.is_empty() {
        Ok(SettleInput { own_contribution: own, grounds: out })
    } else {
        Err(DomainError::Validation(errors))
    }
}

#[derive(Object, Debug, Clone)]
pub struct GroundView {
    pub kind: String,
    /// The ground in Dutch, with its article.
    pub label_nl: String,
    pub amount: Money,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
pub struct SettlementYearView {
    pub year: i32,
    #[oai(skip_serializing_if_is_none)]
    pub budgeted: Option<Money>,
    pub realised: Money,
}

/// The computation of a settlement.
#[derive(Object, Debug, Clone)]
pub struct SettlementFiguresView {
    pub grant: Money,
    pub years: Vec<SettlementYearView>,
    pub realised: Money,
    pub own_contribution: Money,
    /// `realised − own contribution`, never below zero.
    pub eligible: Money,
    /// The eligible costs were above the grant.
    pub capped: bool,
    pub before_grounds: Money,
    pub grounds: Vec<GroundView>,
    pub lowered_by: Money,
    pub settled: Money,
    pub paid: Money,
    /// `settled − paid`: positive to pay, negative to reclaim.
    pub balance: SignedMoney,
    pub to_pay: Money,
    pub to_reclaim: Money,
}

pub fn settlement_figures_view(s: Settlement) -> SettlementFiguresView {
    SettlementFiguresView {
        to_pay: s.to_pay(),
        to_reclaim: s.to_reclaim(),
        grant: s.grant,
        years: s
            .years
            .into_iter()
            .map(|y| SettlementYearView {
                year: y.year,
                budgeted: y.budgeted,
                realised: y.realised,
            })
            .collect(),
        realised: s.realised,
        own_contribution: s.own_contribution,
        eligible: s.eligible,
        capped: s.capped,
        before_grounds: s.before_grounds,
        grounds: s
            .grounds
            .into_iter()
            .map(|g| GroundView {
                kind: g.kind.as_str().into(),
                label_nl: g.kind.label_nl().into(),
                amount: g.amount,
                reason: g.reason,
            })
            .collect(),
        lowered_by: s.lowered_by,
        settled: s.settled,
        paid: s.paid,
        balance: SignedMoney(s.balance),
    }
}

#[derive(Object, Debug, Clone)]
pub struct SettlementView {
    pub id: i32,
    pub proeftuin_id: i32,
    /// 1 for the settlement; 2, … for its revisions.
    pub number: i32,
    #[oai(skip_serializing_if_is_none)]
    pub revises_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    pub decided_on: NaiveDate,
    /// Until when it can be revised (five years after the original settlement).
    pub revisable_until: NaiveDate,
    pub figures: SettlementFiguresView,
}

pub fn settlement_view(d: SettlementDecision) -> SettlementView {
    SettlementView {
        id: d.id,
        proeftuin_id: d.proeftuin_id,
        number: d.number,
        revises_id: d.revises_id,
        reason: d.reason,
        decided_on: d.decided_on,
        revisable_until: d.revisable_until,
        figures: settlement_figures_view(d.figures),
    }
}

#[derive(Object, Debug, Clone)]
pub struct FinanceExportRowView {
    pub call_code: String,
    pub year: i32,
    pub proeftuin_id: i32,
    pub proeftuin_ref: String,
    pub proeftuin_name: String,
    pub region_name: String,
    pub granted: Money,
    pub budgeted: Money,
    pub advanced: Money,
    /// Paid in the year, less repayments received in it.
    pub paid: SignedMoney,
    pub realised: Money,
    pub settled: Money,
}

#[derive(Object, Debug, Clone)]
pub struct FinanceExportView {
    pub call_id: i32,
    pub call_code: String,
    #[oai(skip_serializing_if_is_none)]
    pub year: Option<i32>,
    pub rows: Vec<FinanceExportRowView>,
}

pub fn export_view(e: FinanceExport) -> FinanceExportView {
    FinanceExportView {
        call_id: e.call_id,
        call_code: e.call_code,
        year: e.year,
        rows: e
            .rows
            .into_iter()
            .map(|r| FinanceExportRowView {
                call_code: r.call_code,
                year: r.year,
                proeftuin_id: r.proeftuin_id,
                proeftuin_ref: r.proeftuin_ref,
                proeftuin_name: r.proeftuin_name,
                region_name: r.region_name,
                granted: r.granted,
                budgeted: r.budgeted,
                advanced: r.advanced,
                paid: SignedMoney(r.paid),
                realised: r.realised,
                settled: r.settled,
            })
            .collect(),
    }
}

#[derive(ApiResponse)]
pub enum FinancePdfAnswer {
    /// The letter (PDF).
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum FinanceCsvAnswer {
    /// One row per proeftuin and year.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum GivingAnswer {
    /// A 360Giving data package (JSON, package schema 1.4).
    #[oai(status = 200, content_type = "application/json")]
    Ok(GivingPackage, #[oai(header = "Content-Disposition")] String),
}

/// A 360Giving package as the service wrote it: JSON text whose amounts are exact decimals, which
/// a `serde_json::Value` would turn into floats. The spec declares it as the object it is.
pub struct GivingPackage(pub String);

impl poem_openapi::payload::Payload for GivingPackage {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        let object = |description| {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: Some(description),
                ..MetaSchema::new("object")
            }))
        };
        let text = |description| {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: Some(description),
                ..MetaSchema::new("string")
            }))
        };
        let grants = MetaSchema {
            description: Some("One grant per award (360Giving grant schema), at least one."),
            items: Some(Box::new(object("A grant: id, title, amounts, recipient, funder."))),
            min_items: Some(1),
            ..MetaSchema::new("array")
        };
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("A 360Giving data package (package schema 1.4)."),
            required: vec!["version", "title", "identifier", "publisher", "license", "grants"],
            properties: vec![
                ("version", text("The package schema's version: 1.4.")),
                ("title", text("The call's title with `: toekenningen`.")),
                ("description", text("What the package holds, in Dutch.")),
                ("issued", text("The day the package was made (YYYY-MM-DD).")),
                ("identifier", text("The package's identifier, from the call's code.")),
                ("publisher", object("The issuing body: name and identifier.")),
                ("license", text("The licence's URL (CC BY 4.0).")),
                ("grants", MetaSchemaRef::Inline(Box::new(grants))),
            ],
            ..MetaSchema::new("object")
        }))
    }
}

impl poem::IntoResponse for GivingPackage {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(<Self as poem_openapi::payload::Payload>::CONTENT_TYPE)
            .body(self.0)
    }
}

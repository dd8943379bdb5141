//! The request examples the OpenAPI document shows for every JSON body (`#[oai(example)]`).
//! The call, region and user examples are valid as they stand: a test posts them.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use poem_openapi::types::Example;
use serde_json::json;

use super::applicant::{ApplicantDto, PostalAddressDto};
use super::applications::{
    BudgetInput, BudgetLineInputDto, CommitmentInputDto, ContactDto, FormInputDto, ScaleInputDto,
};
use super::assessment::{
    AllocationInput, ConflictInput, CorrectionInput, KnockoutDecisionInput, NoteInput, SheetDto,
    TieDecisionInput, WhatIfInput,
};
use super::call_assessors::AssignmentInput;
use super::calls::{
    AmendmentInput, CallInput, KnockoutCriterionDto, RemindersDto, SpendingPeriodDto, StageDto,
    WeightedCriterionDto,
};
use super::letters::{
    InterviewDto, InterviewInput, LetterCorrectionInput, LetterSettingsDto, LetterSettingsInput,
    TemplateInput,
};
use super::monitoring::{
    MetricInput, MonitoringSettingsDto, ProeftuinGrantInput, ProeftuinRegisterInput,
    ProeftuinUpdateInput, RecordDto, RecordMunicipalityDto,
};
use super::monitoring_reports::{
    AnnualPlanInput, MonitoringStepInput, NarrativeDto, PlanLineInput, ProgressReportInput,
};
use super::regions::{LeadApplicantDto, MunicipalityDto, RegionInput};
use super::types::DecimalInput;
use super::users::UserInput;

fn s(v: &str) -> String {
    v.to_string()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A moment in Dutch local time (CEST, +02:00).
fn at(y: i32, m: u32, d: u32, h: u32, min: u32, sec: u32) -> Option<DateTime<FixedOffset>> {
    let cest = FixedOffset::east_opt(2 * 3600)?;
    date(y, m, d).and_hms_opt(h, min, sec)?.and_local_timezone(cest).single()
}

fn amount(v: &str) -> DecimalInput {
    DecimalInput::from_text(v)
}

fn stage(kind: &str, label_nl: &str, at: Option<DateTime<FixedOffset>>) -> StageDto {
    StageDto {
        kind: s(kind),
        label_nl: s(label_nl),
        at,
        until: None,
        starts_on: None,
        ends_on: None,
    }
}

impl Example for CallInput {
    fn example() -> Self {
        CallInput {
            code: s("proeftuinen-tranche-3-2027"),
            title: s("Leidraad proeftuinen derde tranche"),
            programme: s("Toekomstscenario kind- en gezinsbescherming"),
            currency: s("EUR"),
            budget_ceiling: amount("3000000.00"),
            spending_period: SpendingPeriodDto { from: date(2027, 1, 1), to: date(2028, 12, 31) },
            max_awards: 3,
            interview_threshold: amount("50"),
            total_points: Some(100),
            min_sheets_per_application: Some(2),
            disagreement_spread: Some(15),
            score_rounding: Some(s("mean of assessor totals, half-up to 2 decimals")),
            allocation_policy: Some(s("pro_rata_whole_euros")),
            stages: vec![
                stage("publication", "Publicatie leidraad", at(2027, 5, 31, 9, 0, 0)),
                stage("submission_deadline", "Indienen plannen", at(2027, 7, 15, 23, 59, 59)),
                stage(
                    "first_assessment",
                    "Eerste beoordeling en selectie",
                    at(2027, 8, 5, 12, 0, 0),
                ),
                stage("addendum_deadline", "Aanleveren addendum", at(2027, 9, 7, 23, 59, 59)),
                stage("final_decision", "Definitieve besluitvorming", at(2027, 9, 15, 12, 0, 0)),
            ],
            reminders: Some(RemindersDto {
                submission_deadline_days_before: vec![14, 3],
                addendum_deadline_days_before: vec![3],
            }),
            required_partner_roles: vec![s("municipality"), s("local_team"), s("veilig_thuis")],
            knockout_criteria: vec![KnockoutCriterionDto {
                id: s("ko_local_teams"),
                label_nl: s("Lokale wijkteams zijn voldoende sterk"),
                label_en: Some(s("Local teams are strong enough")),
            }],
            weighted_criteria: vec![
                WeightedCriterionDto {
                    id: s("w_plan"),
                    label_nl: s("Kwaliteit van het plan"),
                    label_en: Some(s("Quality of the plan")),
                    kind: s("scale"),
                    min: 0,
                    max: 80,
                    points_per_item: None,
                    items: None,
                },
                WeightedCriterionDto {
                    id: s("w_project_lead"),
                    label_nl: s("Projectleider aangesteld"),
                    label_en: Some(s("A project leader is appointed")),
                    kind: s("boolean"),
                    min: 0,
                    max: 20,
                    points_per_item: None,
                    items: None,
                },
            ],
        }
    }
}

impl Example for AmendmentInput {
    fn example() -> Self {
        let mut call = CallInput::example();
        call.budget_ceiling = amount("3500000.00");
        AmendmentInput { reason: s("Het plafond is verhoogd bij besluit van 1 juni."), call }
    }
}

impl Example for RegionInput {
    fn example() -> Self {
        RegionInput {
            reference: s("gelderland-zuid"),
            name: s("Gelderland-Zuid"),
            lead_applicant: LeadApplicantDto {
                name: s("J. de Vries"),
                email: s("penvoerder@nijmegen.example"),
                municipality: s("Nijmegen"),
            },
            municipalities: vec![
                MunicipalityDto { name: s("Nijmegen"), inhabitants: 179_000 },
                MunicipalityDto { name: s("Tiel"), inhabitants: 42_000 },
            ],
        }
    }
}

impl Example for UserInput {
    fn example() -> Self {
        UserInput {
            name: s("Gelderland-Zuid (systeem)"),
            email: s("koppeling@gelderland-zuid.example"),
            role: s("region"),
            organisation: Some(s("Gemeente Nijmegen")),
            reference: None,
            region: Some(s("gelderland-zuid")),
        }
    }
}

impl Example for FormInputDto {
    fn example() -> Self {
        FormInputDto {
            title: Some(s("Samen veilig opgroeien in Gelderland-Zuid")),
            summary: Some(s(
                "Eén regionaal veiligheidsteam met de lokale teams, Veilig Thuis en de GI.",
            )),
            contact: Some(ContactDto {
                name: s("J. de Vries"),
                email: s("penvoerder@nijmegen.example"),
                phone: Some(s("+31 24 000 0000")),
                function: Some(s("beleidsadviseur Jeugd")),
            }),
            applicant: Some(ApplicantDto {
                organisation: s("Gemeente Nijmegen"),
                address: PostalAddressDto {
                    street: s("Postbus 9105"),
                    postcode: s("6500 HG"),
                    city: s("Nijmegen"),
                },
                kvk_number: None,
                oin: None,
            }),
            scale: Some(ScaleInputDto {
                municipalities: vec![
                    MunicipalityDto { name: s("Nijmegen"), inhabitants: 179_000 },
                    MunicipalityDto { name: s("Tiel"), inhabitants: 42_000 },
                ],
                inhabitants: None,
                districts: vec![s("Nijmegen-Oost")],
            }),
        }
    }
}

impl Example for BudgetInput {
    fn example() -> Self {
        let line =
            |year, description: &str, total: &str, own: &str, requested: &str| BudgetLineInputDto {
                year,
                description: s(description),
                total_cost: amount(total),
                own_contribution: amount(own),
                requested: amount(requested),
            };
        BudgetInput {
            lines: vec![
                line(2027, "Projectleiding en kwartiermaker", "150000.00", "50000.00", "100000.00"),
                line(2028, "Regionaal veiligheidsteam", "300000.00", "100000.00", "200000.00"),
            ],
        }
    }
}

impl Example for CommitmentInputDto {
    fn example() -> Self {
        CommitmentInputDto {
            organisation: s("Veilig Thuis Gelderland-Zuid"),
            signed_by: s("A. Jansen, directeur"),
            signed_on: date(2027, 6, 20),
            document_id: Some(12),
        }
    }
}

impl Example for AssignmentInput {
    fn example() -> Self {
        AssignmentInput { user_id: None, reference: Some(s("B-03")) }
    }
}

impl Example for ConflictInput {
    fn example() -> Self {
        ConflictInput {
            assessor_id: 4,
            application_id: 7,
            reason: s("Was tot 2026 werkzaam bij de penvoerder."),
        }
    }
}

impl Example for SheetDto {
    fn example() -> Self {
        SheetDto {
            knockout: BTreeMap::from([(s("ko_local_teams"), true)]),
            knockout_motivations: BTreeMap::new(),
            scores: BTreeMap::from([(s("w_plan"), json!(64)), (s("w_project_lead"), json!(20))]),
            motivations: BTreeMap::from([(
                s("w_plan"),
                s("Helder plan; de rol van de GI blijft vaag."),
            )]),
            motivation: Some(s("Sterk regionaal draagvlak.")),
        }
    }
}

impl Example for CorrectionInput {
    fn example() -> Self {
        CorrectionInput {
            reason: s("Score voor het plan verkeerd overgenomen."),
            sheet: SheetDto::example(),
        }
    }
}

impl Example for KnockoutDecisionInput {
    fn example() -> Self {
        KnockoutDecisionInput {
            verdict: s("passed"),
            reason: s("De lokale teams voldoen volgens de toelichting in bijlage 2."),
        }
    }
}

impl Example for TieDecisionInput {
    fn example() -> Self {
        TieDecisionInput {
            award: vec![7],
            not_award: vec![9],
            reason: s("Grotere regionale spreiding."),
        }
    }
}

impl Example for AllocationInput {
    fn example() -> Self {
        AllocationInput {
            amounts: Some(BTreeMap::from([
                (s("7"), amount("950000.00")),
                (s("9"), amount("1050000.00")),
            ])),
            reason: s("Besluit van de stuurgroep van 14 september."),
        }
    }
}

impl Example for NoteInput {
    fn example() -> Self {
        NoteInput {
            round: s("first"),
            note: s("Na overleg: plan scoort 60, beide beoordelaars akkoord."),
        }
    }
}

impl Example for WhatIfInput {
    fn example() -> Self {
        WhatIfInput {
            application: s("gelderland-zuid"),
            assessor: s("B-03"),
            round: s("final"),
            sheet: SheetDto::example(),
        }
    }
}

impl Example for LetterCorrectionInput {
    fn example() -> Self {
        LetterCorrectionInput { reason: s("Het bedrag in de tweede alinea was onjuist.") }
    }
}

impl Example for LetterSettingsInput {
    fn example() -> Self {
        LetterSettingsInput {
            settings: Some(LetterSettingsDto {
                issuing_body: s("De Minister voor Rechtsbescherming"),
                legal_basis: s("Kaderregeling subsidies OCW, SZW en VWS"),
                objection_address: s("Postbus 20301, 2500 EH Den Haag"),
                awb_articles: s("artikelen 4:23, 4:29 en 4:30 van de Algemene wet bestuursrecht"),
                signatory: s("mr. A. de Boer"),
                signatory_function: s("programmadirecteur Toekomstscenario"),
                return_address: s("Postbus 20301, 2500 EH Den Haag"),
                contact_name: s("M. Jansen"),
                contact_email: s("programmabureau@minjenv.example"),
                contact_phone: s("070 000 0000"),
                advance_percent: 80,
                report_weeks: 6,
                settlement_weeks: 22,
            }),
        }
    }
}

impl Example for InterviewInput {
    fn example() -> Self {
        InterviewInput {
            interview: Some(InterviewDto {
                date: NaiveDate::from_ymd_opt(2026, 9, 14).unwrap_or_default(),
                time: s("10:00"),
                place: Some(s("Ministerie van Justitie en Veiligheid, Turfmarkt 147, Den Haag")),
                video_link: None,
            }),
        }
    }
}

impl Example for TemplateInput {
    fn example() -> Self {
        TemplateInput { text: Some(s("Wij kennen u een subsidie toe van {amount}.")) }
    }
}

fn record() -> RecordDto {
    RecordDto {
        municipalities: vec![RecordMunicipalityDto {
            name: s("Nijmegen"),
            inhabitants: Some(179_000),
        }],
        districts: vec![s("Nijmegen-Oost")],
        project_leader: Some(s("J. de Vries")),
        programme_contact: None,
        contact_email: Some(s("proeftuin@nijmegen.example")),
        emphasis: Some(s("voluntary_framework")),
        rvt_partners: vec![s("Veilig Thuis"), s("Raad voor de Kinderbescherming")],
        focus_points: vec![],
    }
}

impl Example for ProeftuinRegisterInput {
    fn example() -> Self {
        ProeftuinRegisterInput {
            reference: s("gelderland-zuid"),
            name: s("Proeftuin Gelderland-Zuid"),
            region_id: 3,
            call_id: None,
            tranche: Some(1),
            started_on: date(2021, 10, 1),
            ends_on: Some(date(2028, 12, 31)),
            reporting: None,
            record: record(),
            grant: Some(amount("1000000.00")),
            grant_description: Some(s("Eerste tranche")),
        }
    }
}

impl Example for ProeftuinUpdateInput {
    fn example() -> Self {
        ProeftuinUpdateInput {
            name: s("Proeftuin Gelderland-Zuid"),
            ends_on: Some(date(2027, 12, 31)),
            reporting: None,
            record: record(),
        }
    }
}

impl Example for ProeftuinGrantInput {
    fn example() -> Self {
        ProeftuinGrantInput {
            amount: amount("250000.00"),
            description: s("Verlenging 2027"),
            granted_on: date(2026, 11, 1),
            call_id: None,
        }
    }
}

impl Example for MetricInput {
    fn example() -> Self {
        MetricInput {
            key: s("expert_meetings"),
            label_nl: s("Inzet ervaringsdeskundigen"),
            unit: s("count"),
            rollup: s("sum"),
            numerator: None,
            denominator: None,
            retired: false,
        }
    }
}

impl Example for MonitoringSettingsDto {
    fn example() -> Self {
        MonitoringSettingsDto {
            annual_plan_due: s("12-01"),
            report_due_weeks: 6,
            reminder_days_before: 14,
        }
    }
}

impl Example for AnnualPlanInput {
    fn example() -> Self {
        AnnualPlanInput {
            year: 2027,
            goals: vec![s("Uitbreiden naar meer postcodegebieden")],
            activities: BTreeMap::from([(
                s("regional_safety_team"),
                s("Wekelijks casusoverleg in het RVT."),
            )]),
            team: vec![s("Projectleider"), s("Gedragswetenschapper")],
            partners: vec![s("Veilig Thuis")],
            focus_points: vec![],
            lines: vec![PlanLineInput {
                description: s("Regionaal veiligheidsteam"),
                total_cost: amount("300000.00"),
                own_contribution: amount("100000.00"),
                grant: amount("200000.00"),
            }],
        }
    }
}

impl Example for MonitoringStepInput {
    fn example() -> Self {
        MonitoringStepInput { comments: Some(s("Graag de begroting per activiteit uitsplitsen.")) }
    }
}

impl Example for ProgressReportInput {
    fn example() -> Self {
        ProgressReportInput {
            period: s("2027-H1"),
            figures: BTreeMap::from([
                (s("cases_discussed"), json!(42)),
                (s("registrations"), json!(120)),
            ]),
            narrative: NarrativeDto {
                principles: BTreeMap::from([(
                    s("family_oriented"),
                    s("Gezinnen voelen zich gehoord."),
                )]),
                core_elements: BTreeMap::new(),
                lessons: s("Vroeg samen beginnen werkt."),
                obstacles: s("Wachttijden bij de GI."),
            },
            costs_realised: Some(amount("140000.00")),
        }
    }
}

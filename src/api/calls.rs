use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::ApiTags;
use super::responses::{Action, Create, Created, Open, ReadAny, Roles, Write};
use super::security::TokenAuth;
use super::types::DecimalInput;
use crate::domain::call::{
    AllocationPolicy, CallDefinition, CriterionKind, DEFAULT_DISAGREEMENT_SPREAD,
    DEFAULT_MIN_SHEETS, DEFAULT_TOTAL_POINTS, KnockoutCriterion, Reminders, SpendingPeriod, Stage,
    WeightedCriterion,
};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::error::{DomainError, FieldError};
use crate::service::auth::Role;
use crate::service::records::StoredCall;
use crate::service::{AppState, calls, templates};

pub struct CallsApi {
    pub state: AppState,
}

/// The period in which the grant may be spent; budget lines name years inside it.
#[derive(Object, Debug, Clone)]
pub struct SpendingPeriodDto {
    /// First day (`YYYY-MM-DD`), inclusive.
    pub from: NaiveDate,
    /// Last day (`YYYY-MM-DD`), inclusive; not before `from`.
    pub to: NaiveDate,
}

/// A moment or period in the call's timeline. Five kinds drive the service and are required once
/// each, with `at`, in this order: `publication` (the call opens; before it the call is a draft),
/// `submission_deadline` (the last second applications are accepted, inclusive),
/// `first_assessment` (first-round outcome), `addendum_deadline`, `final_decision`. Any other kind
/// (e.g. `consultation_hour`, `interviews`) is a milestone shown to applicants.
#[derive(Object, Debug, Clone)]
pub struct StageDto {
    /// e.g. `publication`, `submission_deadline`, `first_assessment`, `addendum_deadline`,
    /// `final_decision` (each required once, in that order, with `at`), or any other milestone.
    pub kind: String,
    /// The stage's name as applicants see it, in Dutch.
    pub label_nl: String,
    /// The moment, RFC 3339 with its offset (e.g. `2027-07-15T23:59:59+02:00`).
    #[oai(skip_serializing_if_is_none)]
    pub at: Option<DateTime<FixedOffset>>,
    /// For a stage with a duration: when it ends; not before `at`.
    #[oai(skip_serializing_if_is_none)]
    pub until: Option<DateTime<FixedOffset>>,
    /// For a stage of whole days: its first day (`YYYY-MM-DD`).
    #[oai(skip_serializing_if_is_none)]
    pub starts_on: Option<NaiveDate>,
    /// For a stage of whole days: its last day; not before `starts_on`.
    #[oai(skip_serializing_if_is_none)]
    pub ends_on: Option<NaiveDate>,
}

/// When the service emails reminders before a deadline, in whole days before it.
#[derive(Object, Debug, Clone, Default)]
pub struct RemindersDto {
    /// Days before the submission deadline a region with an unsubmitted draft is reminded, e.g.
    /// `[14, 3]`; each at least 1, no day twice. Empty: no reminders.
    #[oai(default)]
    pub submission_deadline_days_before: Vec<u32>,
    /// Days before the addendum deadline an invited region is reminded; same rules.
    #[oai(default)]
    pub addendum_deadline_days_before: Vec<u32>,
}

/// A yes/no condition an application must meet; an application that fails one is not scored
/// further.
#[derive(Object, Debug, Clone)]
pub struct KnockoutCriterionDto {
    /// Unique among all the call's criteria (knock-out and weighted), e.g. `ko_local_teams`;
    /// sheets name criteria by it.
    pub id: String,
    /// The criterion as assessors and letters show it, in Dutch.
    pub label_nl: String,
    /// Optional English label.
    #[oai(skip_serializing_if_is_none)]
    pub label_en: Option<String>,
}

/// A scored criterion. The maxima of all weighted criteria add up to the call's `total_points`.
#[derive(Object, Debug, Clone)]
pub struct WeightedCriterionDto {
    /// Unique among all the call's criteria, e.g. `w_plan`; sheets name criteria by it.
    pub id: String,
    /// The criterion as assessors and letters show it, in Dutch.
    pub label_nl: String,
    /// Optional English label.
    #[oai(skip_serializing_if_is_none)]
    pub label_en: Option<String>,
    /// `scale` (an integer in [min, max]), `boolean` (0 or max) or `per_item`
    pub kind: String,
    /// Lowest score in points, at least 0.
    pub min: i64,
    /// Highest score in points, at least 1 and not below `min`.
    pub max: i64,
    /// For `per_item` only: points for each item the assessor ticks, at least 1.
    #[oai(skip_serializing_if_is_none)]
    pub points_per_item: Option<i64>,
    /// For `per_item` only: the items that can be ticked; distinct and not empty.
    #[oai(skip_serializing_if_is_none)]
    pub items: Option<Vec<String>>,
}

/// A call (*oproep*, *leidraad*) as staff define it: the money, the timeline, the partners every
/// application needs, and the criteria assessors score. Every rule is checked at once; each problem
/// is reported in `errors` under its field (e.g. `weighted_criteria[1].max`). Amounts and scores
/// are JSON strings (`"4000000.00"`), never numbers.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct CallInput {
    /// A unique short name: lowercase letters, digits and hyphens, 1 to 80 characters
    /// (e.g. `proeftuinen-tranche-3-2027`). A code that is taken answers 409.
    pub code: String,
    /// The call's title, not empty.
    pub title: String,
    /// The programme the call belongs to; it appears in letters.
    pub programme: String,
    /// Only `EUR`.
    pub currency: String,
    /// The budget ceiling (*subsidieplafond*) in euros, more than zero, e.g. `"4000000.00"`.
    pub budget_ceiling: DecimalInput,
    /// The period the grants may be spent in.
    pub spending_period: SpendingPeriodDto,
    /// How many applications can be awarded at most; at least 1.
    pub max_awards: i64,
    /// First-round score in points needed for the interview round, e.g. `"50"`; not above
    /// `total_points`.
    pub interview_threshold: DecimalInput,
    /// What the weighted criteria's maxima add up to; 100 unless set.
    pub total_points: Option<i64>,
    /// Submitted sheets an application needs before a round can close; 2 unless set.
    pub min_sheets_per_application: Option<i64>,
    /// Assessor totals further apart than this flag an application for a consensus talk; 15 unless
    /// set.
    pub disagreement_spread: Option<i64>,
    /// How round scores are rounded, in words (shown in results and letters), e.g.
    /// `mean of assessor totals, half-up to 2 decimals`.
    pub score_rounding: Option<String>,
    /// `pro_rata_whole_euros` (default: each awarded application gets its request if all fit under
    /// the ceiling, otherwise a pro-rata share in whole euros, floored) or `manual` (staff set the
    /// amounts).
    pub allocation_policy: Option<String>,
    /// The timeline; see `StageDto` for the five required kinds and their order.
    pub stages: Vec<StageDto>,
    /// Reminder emails before the deadlines; none unless set.
    pub reminders: Option<RemindersDto>,
    /// The partners every application needs a signed commitment from, each at most once:
    /// `municipality`, `local_team`, `veilig_thuis`, `certified_institution`,
    /// `child_protection_board`.
    pub required_partner_roles: Vec<String>,
    /// Yes/no conditions; may be empty.
    pub knockout_criteria: Vec<KnockoutCriterionDto>,
    /// Scored criteria; at least one, their maxima adding up to `total_points`.
    pub weighted_criteria: Vec<WeightedCriterionDto>,
}

#[derive(Object, Debug, Clone)]
pub struct CallView {
    pub id: i32,
    /// `draft` before the publication moment, `published` from then on.
    pub status: String,
    pub code: String,
    pub title: String,
    pub programme: String,
    pub currency: String,
    pub budget_ceiling: Money,
    pub spending_period: SpendingPeriodDto,
    pub max_awards: u32,
    pub interview_threshold: Points,
    pub total_points: u32,
    pub min_sheets_per_application: u32,
    pub disagreement_spread: i64,
    #[oai(skip_serializing_if_is_none)]
    pub score_rounding: Option<String>,
    pub allocation_policy: String,
    pub stages: Vec<StageDto>,
    pub reminders: RemindersDto,
    pub required_partner_roles: Vec<String>,
    pub knockout_criteria: Vec<KnockoutCriterionDto>,
    pub weighted_criteria: Vec<WeightedCriterionDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AmendmentInput {
    /// Why the published call changes; kept in the audit trail.
    pub reason: String,
    pub call: CallInput,
}

#[derive(Object, Debug, Clone)]
pub struct CallTemplate {
    pub code: String,
    pub title: String,
}

impl CallInput {
    /// Parses every field and checks every rule, listing all problems at once.
    pub fn into_definition(self) -> Result<CallDefinition, DomainError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let ceiling = self.budget_ceiling.money("budget_ceiling", &mut errors);
        let threshold = self.interview_threshold.points("interview_threshold", &mut errors);
        let max_awards = count(Some(self.max_awards), 1, "max_awards", &mut errors);
        let total_points =
            count(self.total_points, DEFAULT_TOTAL_POINTS, "total_points", &mut errors);
        let min_sheets = count(
            self.min_sheets_per_application,
            DEFAULT_MIN_SHEETS,
            "min_sheets_per_application",
            &mut errors,
        );
        let allocation_policy =
            allocation_policy_of(self.allocation_policy.as_deref(), &mut errors);
        let weighted_criteria = weighted_criteria_of(self.weighted_criteria, &mut errors);
        let reminders = self.reminders.unwrap_or_default();
        // Run the cross-field rules even when a scalar failed to parse (with a stand-in value),
        // so the client hears about every problem in one answer.
        let def = CallDefinition {
            code: self.code,
            title: self.title,
            programme: self.programme,
            currency: self.currency,
            budget_ceiling: ceiling.unwrap_or(Money::from_whole_euros(1)),
            spending_period: SpendingPeriod {
                from: self.spending_period.from,
                to: self.spending_period.to,
            },
            max_awards,
            interview_threshold: threshold.unwrap_or(Points::ZERO),
            total_points,
            min_sheets_per_application: min_sheets,
            disagreement_spread: self.disagreement_spread.unwrap_or(DEFAULT_DISAGREEMENT_SPREAD),
            score_rounding: self.score_rounding,
            allocation_policy,
            stages: self.stages.into_iter().map(stage_of).collect(),
            reminders: Reminders {
                submission_deadline_days_before: reminders.submission_deadline_days_before,
                addendum_deadline_days_before: reminders.addendum_deadline_days_before,
            },
            required_partner_roles: self.required_partner_roles,
            knockout_criteria: self
                .knockout_criteria
                .into_iter()
                .map(|k| KnockoutCriterion { id: k.id, label_nl: k.label_nl, label_en: k.label_en })
                .collect(),
            weighted_criteria,
        };
        match CallDefinition::new(def) {
            Ok(def) if errors.is_empty() => Ok(def),
            Ok(_) => Err(DomainError::Validation(errors)),
            Err(rule_errors) => {
                for e in rule_errors {
                    if !errors.iter().any(|known| known.field == e.field) {
                        errors.push(e);
                    }
                }
                Err(DomainError::Validation(errors))
            }
        }
    }
}

/// A count from the input (`None`: the default); a negative or too large one is a field error.
fn count(v: Option<i64>, default: u32, field: &str, errors: &mut Vec<FieldError>) -> u32 {
    match v {
        None => default,
        Some(n) => u32::try_from(n).unwrap_or_else(|_| {
            errors.push(FieldError::new(field, "must be a whole number from 0 up"));
            default
        }),
    }
}

fn allocation_policy_of(p: Option<&str>, errors: &mut Vec<FieldError>) -> AllocationPolicy {
    match p {
        None => AllocationPolicy::ProRataWholeEuros,
        Some(p) => AllocationPolicy::parse(p).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "allocation_policy",
                "the policy is pro_rata_whole_euros or manual",
            ));
            AllocationPolicy::ProRataWholeEuros
        }),
    }
}

fn weighted_criteria_of(
    list: Vec<WeightedCriterionDto>,
    errors: &mut Vec<FieldError>,
) -> Vec<WeightedCriterion> {
    list.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = match c.kind.as_str() {
                "scale" => CriterionKind::Scale,
                "boolean" => CriterionKind::Boolean,
                "per_item" => CriterionKind::PerItem,
                _ => {
                    errors.push(FieldError::new(
                        format!("weighted_criteria[{i}].kind"),
                        "the kind is scale, boolean or per_item",
                    ));
                    CriterionKind::Scale
                }
            };
            WeightedCriterion {
                id: c.id,
                label_nl: c.label_nl,
                label_en: c.label_en,
                kind,
                min: c.min,
                max: c.max,
                points_per_item: c.points_per_item,
                items: c.items,
            }
        })
        .collect()
}

fn stage_of(s: StageDto) -> Stage {
    Stage {
        kind: s.kind,
        label_nl: s.label_nl,
        at: s.at,
        until: s.until,
        starts_on: s.starts_on,
        ends_on: s.ends_on,
    }
}

pub fn call_view(call: StoredCall, now: DateTime<Utc>) -> CallView {
    let d = call.definition;
    CallView {
        id: call.id,
        status: if d.is_published(now) { "published" } else { "draft" }.to_string(),
        code: d.code,
        title: d.title,
        programme: d.programme,
        currency: d.currency,
        budget_ceiling: d.budget_ceiling,
        spending_period: SpendingPeriodDto {
            from: d.spending_period.from,
            to: d.spending_period.to,
        },
        max_awards: d.max_awards,
        interview_threshold: d.interview_threshold,
        total_points: d.total_points,
        min_sheets_per_application: d.min_sheets_per_application,
        disagreement_spread: d.disagreement_spread,
        score_rounding: d.score_rounding,
        allocation_policy: d.allocation_policy.as_str().to_string(),
        stages: d
            .stages
            .into_iter()
            .map(|s| StageDto {
                kind: s.kind,
                label_nl: s.label_nl,
                at: s.at,
                until: s.until,
                starts_on: s.starts_on,
                ends_on: s.ends_on,
            })
            .collect(),
        reminders: RemindersDto {
            submission_deadline_days_before: d.reminders.submission_deadline_days_before,
            addendum_deadline_days_before: d.reminders.addendum_deadline_days_before,
        },
        required_partner_roles: d.required_partner_roles,
        knockout_criteria: d
            .knockout_criteria
            .into_iter()
            .map(|k| KnockoutCriterionDto { id: k.id, label_nl: k.label_nl, label_en: k.label_en })
            .collect(),
        weighted_criteria: d
            .weighted_criteria
            .into_iter()
            .map(|c| WeightedCriterionDto {
                id: c.id,
                label_nl: c.label_nl,
                label_en: c.label_en,
                kind: match c.kind {
                    CriterionKind::Scale => "scale",
                    CriterionKind::Boolean => "boolean",
                    CriterionKind::PerItem => "per_item",
                }
                .to_string(),
                min: c.min,
                max: c.max,
                points_per_item: c.points_per_item,
                items: c.items,
            })
            .collect(),
        created_at: call.created_at,
        updated_at: call.updated_at,
    }
}

#[OpenApi(tag = "ApiTags::Calls")]
impl CallsApi {
    /// Defines a new call (staff)
    ///
    /// Creates a call (*oproep*) from its whole definition: budget ceiling, spending period, stages
    /// with their moments, required partner roles, knock-out and weighted criteria. Every rule is
    /// checked at once and every problem is listed in `errors` by field (422). The call is a
    /// `draft` until its `publication` moment and `published` from then on; regions can start
    /// applications only on a published call before its `submission_deadline`. Answers 201 with the
    /// call's path in `Location`.
    #[oai(path = "/calls", method = "post")]
    async fn create(
        &self,
        auth: TokenAuth,
        body: Json<CallInput>,
    ) -> Result<Created<CallView>, Create> {
        auth.0.require(&[Role::Staff])?;
        let def = body.0.into_definition()?;
        let call = calls::create(&self.state, &auth.0.actor(), def).await?;
        Ok(Created::at(format!("/calls/{}", call.id), call_view(call, self.state.now())))
    }

    /// Lists the calls, oldest first
    ///
    /// Every call with its definition and its status (`draft` or `published`, judged at the
    /// service's clock). Staff and the call's assessors see every call; others see a call only from
    /// its publication on: a region's system uses this to find the open call and its deadline.
    #[oai(path = "/calls", method = "get")]
    async fn list(&self, auth: TokenAuth) -> Result<Json<Vec<CallView>>, Open> {
        let now = self.state.now();
        Ok(Json(
            calls::list_for(&self.state, &auth.0)
                .await?
                .into_iter()
                .map(|c| call_view(c, now))
                .collect(),
        ))
    }

    /// Reads one call
    ///
    /// The call's whole definition as staff set it, with its status at the service's clock. A call
    /// not yet published exists only for staff and its assessors (others get 404, as for an unknown
    /// id).
    #[oai(path = "/calls/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<CallView>, ReadAny> {
        Ok(Json(call_view(calls::get_for(&self.state, &auth.0, id.0).await?, self.state.now())))
    }

    /// Rewrites a call before its publication (staff)
    ///
    /// Replaces the whole definition of a call that is not yet published, with the same rules as
    /// creating one. Once the publication moment has passed the call answers 409: a published call
    /// changes only through an amendment, which records its reason.
    #[oai(path = "/calls/:id", method = "put")]
    async fn replace(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<CallInput>,
    ) -> Result<Json<CallView>, Write> {
        auth.0.require(&[Role::Staff])?;
        let def = body.0.into_definition()?;
        let call = calls::replace(&self.state, &auth.0.actor(), id.0, def).await?;
        Ok(Json(call_view(call, self.state.now())))
    }

    /// Amends a call, with the reason recorded in the audit trail (staff)
    ///
    /// Replaces the definition of a call, published or not, and keeps the before and after with the
    /// reason in the audit trail. Field errors are reported under `call.`, e.g.
    /// `call.budget_ceiling`.
    #[oai(path = "/calls/:id/amendments", method = "post")]
    async fn amend(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AmendmentInput>,
    ) -> Result<Json<CallView>, Write> {
        auth.0.require(&[Role::Staff])?;
        let AmendmentInput { reason, call } = body.0;
        let def = call.into_definition().map_err(|e| match e {
            DomainError::Validation(fields) => DomainError::Validation(
                fields
                    .into_iter()
                    .map(|f| FieldError::new(format!("call.{}", f.field), f.message))
                    .collect(),
            ),
            other => other,
        })?;
        let call = calls::amend(&self.state, &auth.0.actor(), id.0, def, &reason).await?;
        Ok(Json(call_view(call, self.state.now())))
    }

    /// Lists the built-in call templates (staff)
    ///
    /// The codes and titles of the call definitions that ship with the service; create a call from
    /// one with `POST /call-templates/{code}/calls`.
    #[oai(path = "/call-templates", method = "get")]
    async fn templates(&self, auth: TokenAuth) -> Result<Json<Vec<CallTemplate>>, Roles> {
        auth.0.require(&[Role::Staff])?;
        let mut out = Vec::new();
        for code in templates::codes() {
            let def = templates::call(code)?;
            out.push(CallTemplate { code: def.code, title: def.title });
        }
        Ok(Json(out))
    }

    /// Creates a call from a built-in template (staff)
    ///
    /// Defines a new call with a template's definition. An unknown template code answers 404; a
    /// call with the same code that exists already answers 409. Answers 201 with the call's path in
    /// `Location`.
    #[oai(path = "/call-templates/:code/calls", method = "post")]
    // The method name is the operation id (`from_template`) clients use.
    #[allow(clippy::wrong_self_convention)]
    async fn from_template(
        &self,
        auth: TokenAuth,
        code: Path<String>,
    ) -> Result<Created<CallView>, Action> {
        auth.0.require(&[Role::Staff])?;
        let call = calls::create_from_template(&self.state, &auth.0.actor(), &code.0).await?;
        Ok(Created::at(format!("/calls/{}", call.id), call_view(call, self.state.now())))
    }
}

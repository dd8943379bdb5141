//! The HTTP interface: thin poem-openapi handlers, one API struct per tag. Handlers parse the
//! input into domain types, call a use case in `service`, and shape the answer.

pub mod access_log;
pub mod applicant;
pub mod applications;
pub mod applications_model;
pub mod assessment;
pub mod audit;
pub mod breaker;
pub mod call_assessors;
pub mod calls;
pub mod demo;
pub mod examples;
pub mod finance;
pub mod guard;
pub mod health;
pub mod letters;
pub mod monitoring;
pub mod monitoring_reports;
pub mod outbox;
pub mod problem;
pub mod regions;
pub mod responses;
pub mod security;
pub mod sign_in;
pub mod standards;
pub mod strict;
pub mod strict_rules;
pub mod types;
pub mod users;

use poem_openapi::{ContactObject, OpenApiService, ServerObject, Tags};

use crate::service::AppState;

#[derive(Tags)]
pub enum ApiTags {
    /// Is the service up, and its database
    Health,
    /// Calls (leidraad): ceilings, criteria, stages
    Calls,
    /// Regions (regionaal verband) and their lead applicants
    Regions,
    /// Users, roles and tokens
    Users,
    /// Applications: drafts, form, budget, partner commitments, documents, submission
    Applications,
    /// Assessors (beoordelaars) assigned to a call
    Assessors,
    /// Scoring sheets, rounds, decisions, results and their explanation
    Assessment,
    /// The append-only audit trail
    Audit,
    /// Monitoring the proeftuinen: records, grants, metric catalogue, annual plans, progress
    /// reports, figures, spending, overview, exports
    Monitoring,
    /// Decision letters (PDF): previews, issued letters, corrections, letter settings and templates
    Letters,
    /// The email outbox, its delivery, and the scheduler that queues reminders
    Outbox,
    /// Grant finance: advances, payments, the settlement (vaststelling) and its revisions,
    /// finance figures and exports (CSV, JSON, 360Giving)
    Finance,
}

pub type Apis = (
    health::HealthApi,
    calls::CallsApi,
    regions::RegionsApi,
    users::UsersApi,
    applications::ApplicationsApi,
    call_assessors::CallAssessorsApi,
    assessment::AssessmentApi,
    assessment::ExplainApi,
    letters::LettersApi,
    monitoring::MonitoringApi,
    monitoring_reports::MonitoringReportsApi,
    finance::FinanceApi,
    audit::AuditApi,
    outbox::OutboxApi,
);

pub fn service(state: AppState) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi { state: state.clone() },
            calls::CallsApi { state: state.clone() },
            regions::RegionsApi { state: state.clone() },
            users::UsersApi { state: state.clone() },
            applications::ApplicationsApi { state: state.clone() },
            call_assessors::CallAssessorsApi { state: state.clone() },
            assessment::AssessmentApi { state: state.clone() },
            assessment::ExplainApi { state: state.clone() },
            letters::LettersApi { state: state.clone() },
            monitoring::MonitoringApi { state: state.clone() },
            monitoring_reports::MonitoringReportsApi { state: state.clone() },
            finance::FinanceApi { state: state.clone() },
            audit::AuditApi { state: state.clone() },
            outbox::OutboxApi { state },
        ),
        "Tuinier",
        standards::API_VERSION,
    )
    .server(
        ServerObject::new(standards::BASE_PATH)
            .description("This server: version 1 of the API (relative to where it runs)"),
    )
    .contact(
        ContactObject::new()
            .name(standards::CONTACT_NAME)
            .url(standards::CONTACT_URL)
            .email(standards::CONTACT_EMAIL),
    )
    .description(
        "Grant and programme administration for the proeftuinen of the Toekomstscenario kind- en \
         gezinsbescherming: calls, applications, assessment, decisions and monitoring.\n\n\
         The API follows the NL GOV API Design Rules: it is served under `/v1` (the paths below \
         are relative to it; `/health` and `/openapi.json` answer at the root too), and every \
         response carries the full version in the `API-Version` header.\n\n\
         Every operation but `/health` needs a bearer token (`Authorization: Bearer <token>`); the \
         token's user has one role (staff, assessor or region) and `GET /me` says which. Amounts are \
         JSON strings with two decimals (`\"1027020.00\"`), never numbers; moments are RFC 3339 with \
         their offset. An operation that creates something answers `201 Created` with the new \
         object's path in `Location`.\n\n\
         Errors are `application/problem+json` (RFC 9457): each operation lists the statuses it can \
         give; `default` covers 500 and 503. A 422 lists every field at fault at once in `errors`.\n\n\
         A region's system typically: finds the open call (`GET /calls`), starts its draft \
         (`POST /calls/{call_id}/applications`), fills in the form, the budget and the partner \
         commitments (`PUT /applications/{id}/form`, `/budget`, `/commitments/{role}`), uploads its \
         plan (`POST /applications/{id}/documents?kind=plan&filename=plan.pdf`), checks `missing` on \
         `GET /applications/{id}`, and submits (`POST /applications/{id}/submit`) before the \
         submission deadline.",
    )
}

/// The OpenAPI document, as served at `/v1/openapi.json` (and `/openapi.json`) and committed in
/// `openapi/openapi.json`.
pub fn spec_json(state: AppState) -> String {
    let mut spec = serde_json::to_string_pretty(&spec_value(state)).unwrap_or_default();
    spec.push('\n');
    spec
}

/// The OpenAPI document as a value, refined by [`strict::refine`]: what the request guard enforces.
pub fn spec_value(state: AppState) -> serde_json::Value {
    let mut spec: serde_json::Value =
        serde_json::from_str(&service(state).spec()).unwrap_or_default();
    strict::refine(&mut spec);
    standards::refine(&mut spec);
    spec
}

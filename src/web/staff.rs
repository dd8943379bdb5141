//! Programme staff, per call: the stages as a timeline with today marked, the applications,
//! round progress per assessor, disagreement flags and pending decisions with their forms, and
//! closing a round. Results, publication, outbox and letters are in `staff_results`.

use std::collections::{BTreeMap, BTreeSet};

use maud::{Markup, html};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::{date_nl, day_nl, notice, page, round_state_nl, see_other, status_nl, th};
use super::refusal;
use super::session::{field, require, require_post};
use crate::domain::round::Round;
use crate::domain::selection::{Pending, SelectionResult};
use crate::service::AppState;
use crate::service::applications::{self, ListQuery};
use crate::service::assessment::{self, AppRow};
use crate::service::auth::Role;
use crate::service::records::StoredCall;
use crate::service::web_sessions::Session;
use crate::service::{call_assessors, calls};

pub(super) const STAFF: &[Role] = &[Role::Staff];

/// `GET /programma`: the calls.
#[handler]
pub async fn calls_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let calls = match calls::list_for(state, &s.who).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let proeftuinen = crate::service::monitoring::list(state, &s.who).await.unwrap_or_default();
    let body = html! {
        h1.utrecht-heading-1 { "Programmabureau" }
        section.tuinier-card {
            h2.utrecht-heading-2 { "Oproepen" }
            ul.utrecht-unordered-list {
                @for c in &calls {
                    li { a.utrecht-link href=(format!("/programma/oproepen/{}", c.id)) { (c.definition.title) } " (" (c.definition.code) ")" }
                }
            }
            @if calls.is_empty() { p.utrecht-paragraph { "Nog geen oproepen." } }
        }
        section.tuinier-card {
            h2.utrecht-heading-2 { "Proeftuinen" }
            ul.utrecht-unordered-list {
                @for p in &proeftuinen {
                    li { a.utrecht-link href=(format!("/monitoring/proeftuinen/{}", p.id)) { (p.name) } " (" (p.region_name) ")" }
                }
            }
            @if proeftuinen.is_empty() { p.utrecht-paragraph { "Nog geen proeftuinen." } }
        }
        section.tuinier-card {
            h2.utrecht-heading-2 { "Post" }
            p.utrecht-paragraph { a.utrecht-link href="/programma/uitgaand" { "Uitgaande e-mail (outbox)" } }
        }
    };
    page("Programmabureau", Some(&s), body)
}

fn timeline(call: &StoredCall, now: chrono::DateTime<chrono::Utc>) -> Markup {
    let today = now.date_naive();
    html! {
        h2.utrecht-heading-2 #tijdlijn { "Tijdlijn" }
        p.utrecht-paragraph { "Vandaag: " strong { (day_nl(today)) } }
        ol.tuinier-timeline aria-labelledby="tijdlijn" {
            @for st in &call.definition.stages {
                @let start = st.at.map(|a| a.date_naive()).or(st.starts_on);
                @let end = st.until.map(|a| a.date_naive()).or(st.ends_on).or(start);
                @let current = start.is_some_and(|a| a <= today) && end.is_some_and(|e| today <= e);
                @let past = end.is_some_and(|e| e < today);
                li class=(if current { "tuinier-today" } else if past { "tuinier-past" } else { "" })
                    aria-current=[current.then_some("date")] {
                    (st.label_nl) br;
                    @if let Some(a) = st.at { span.tuinier-muted { (date_nl(a.with_timezone(&chrono::Utc))) } }
                    @else if let Some(d) = st.starts_on { span.tuinier-muted { (day_nl(d)) } }
                    @if current { br; span { "← vandaag" } }
                }
            }
        }
    }
}

/// Sheets in and missing per assessor in a round (conflicted applications do not count).
async fn progress(
    state: &AppState,
    s: &Session,
    call: &StoredCall,
    apps: &[AppRow],
    round: Round,
) -> Markup {
    let assessors = call_assessors::list(state, call.id).await.unwrap_or_default();
    let conflicts: BTreeSet<(i32, i32)> = assessment::conflicts(state, &s.who, call.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c.assessor_id, c.application_id))
        .collect();
    let mut submitted: BTreeSet<(i32, i32)> = BTreeSet::new();
    let mut drafts: BTreeSet<(i32, i32)> = BTreeSet::new();
    for a in apps {
        for sh in assessment::sheets(state, &s.who, a.id, round).await.unwrap_or_default() {
            match sh.sheet.status.as_str() {
                "submitted" => submitted.insert((sh.sheet.assessor_id, a.id)),
                "draft" => drafts.insert((sh.sheet.assessor_id, a.id)),
                _ => false,
            };
        }
    }
    html! {
        table.utrecht-table.tuinier-table {
            caption.utrecht-table__caption { "Beoordelingen per beoordelaar: ingediend, concept en nog te doen" }
            thead.utrecht-table__header { tr.utrecht-table__row {
                (th("Beoordelaar")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Ingediend" } th.utrecht-table__header-cell.tuinier-num scope="col" { "Concept" } th.utrecht-table__header-cell.tuinier-num scope="col" { "Nog te doen" }
            } }
            tbody.utrecht-table__body {
                @for (_, u) in &assessors {
                    @let todo: Vec<&AppRow> = apps.iter().filter(|a| !conflicts.contains(&(u.id, a.id))).collect();
                    @let done = todo.iter().filter(|a| submitted.contains(&(u.id, a.id))).count();
                    @let draft = todo.iter().filter(|a| drafts.contains(&(u.id, a.id))).count();
                    tr.utrecht-table__row {
                        th.utrecht-table__header-cell scope="row" { (u.name) }
                        td.utrecht-table__cell.tuinier-num { (done) " van " (todo.len()) }
                        td.utrecht-table__cell.tuinier-num { (draft) }
                        td.utrecht-table__cell.tuinier-num { (todo.len() - done) }
                    }
                }
            }
        }
    }
}

fn reason_field(id: &str) -> Markup {
    html! {
        div.utrecht-form-field.utrecht-form-field--textarea {
            div.utrecht-form-field__label { label.utrecht-form-label for=(id) { "Reden (verplicht)" } }
            div.utrecht-form-field__input {
                textarea.utrecht-textarea.utrecht-textarea--html-textarea #(id) name="reden" rows="2" aria-required="true" {}
            }
        }
    }
}

// Long: one form per pending decision (knock-out verdicts and ties), each with a reason.
fn pending_forms(
    s: &Session,
    call: &StoredCall,
    result: &SelectionResult,
    apps: &[AppRow],
    first_published: bool,
) -> Markup {
    let id_of = |r: &str| apps.iter().find(|a| a.region_ref == r).map(|a| a.id);
    let name_of = |r: &str| {
        apps.iter()
            .find(|a| a.region_ref == r)
            .map(|a| a.region_name.clone())
            .unwrap_or_else(|| r.to_string())
    };
    let pending: Vec<&Pending> = if first_published {
        result.final_pending.iter().collect()
    } else {
        result.first_round_pending.iter().collect()
    };
    html! {
        h2.utrecht-heading-2 #besluiten { "Besluiten die wachten" }
        @if pending.is_empty() { p.utrecht-paragraph { "Er wacht geen besluit." } }
        @for p in pending {
            @match p {
                Pending::KnockoutDecision(r) => {
                    @if let Some(id) = id_of(r) {
                        form.tuinier-card.tuinier-form method="post" action=(format!("/programma/aanvragen/{id}/knock-out")) {
                            input type="hidden" name="csrf" value=(s.csrf);
                            fieldset.utrecht-form-fieldset {
                                legend.utrecht-form-fieldset__legend { "Knock-out " (name_of(r)) ": de beoordelaars zijn het oneens" }
                                @let split = result.applications.iter().find(|l| &l.r#ref == r).and_then(|l| l.knockout.as_ref()).map(|k| k.split_criteria.iter().map(|c| call.definition.knockout_criteria.iter().find(|x| &x.id == c).map_or(c.clone(), |x| x.label_nl.clone())).collect::<Vec<_>>().join("; ")).unwrap_or_default();
                                @if !split.is_empty() { p.utrecht-paragraph { "Oneens over: " (split) } }
                                div.tuinier-choices {
                                    label.tuinier-choice { input.tuinier-radio type="radio" name="oordeel" value="passed" required; " Voldoet" }
                                    label.tuinier-choice { input.tuinier-radio type="radio" name="oordeel" value="failed"; " Voldoet niet" }
                                }
                                (reason_field(&format!("reden-ko-{id}")))
                                button.utrecht-button.utrecht-button--primary-action type="submit" { "Besluit vastleggen" }
                            }
                        }
                    }
                }
                Pending::TieDecision(refs) => {
                    form.tuinier-card.tuinier-form method="post" action=(format!("/programma/oproepen/{}/gelijke-stand", call.id)) {
                        input type="hidden" name="csrf" value=(s.csrf);
                        fieldset.utrecht-form-fieldset {
                            legend.utrecht-form-fieldset__legend { "Gelijke stand op de laatste plaats: wie krijgt subsidie?" }
                            div.tuinier-choices {
                                @for r in refs {
                                    @if let Some(id) = id_of(r) {
                                        label.tuinier-choice { input.utrecht-checkbox type="checkbox" name="toekennen" value=(id); " " (name_of(r)) }
                                    }
                                }
                            }
                            (reason_field("reden-gelijk"))
                            button.utrecht-button.utrecht-button--primary-action type="submit" { "Besluit vastleggen" }
                        }
                    }
                }
                Pending::FinalScore(r) => { p.utrecht-paragraph { "Nog geen eindscore voor " (name_of(r)) "." } }
                Pending::ManualAllocation => { p.utrecht-paragraph { "De verdeling van het budget moet met de hand worden vastgesteld." } }
            }
        }
    }
}

fn applications_table(
    call_id: i32,
    items: &[applications::ApplicationSummary],
    result: &SelectionResult,
) -> Markup {
    html! {
        table.utrecht-table.tuinier-table {
            caption.utrecht-table__caption { "Status en gevraagd bedrag per regio" }
            thead.utrecht-table__header { tr.utrecht-table__row {
                (th("Regio")) (th("Status")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Gevraagd" } (th("Signaal"))
            } }
            tbody.utrecht-table__body {
                @for a in items {
                    @let line = result.applications.iter().find(|l| l.r#ref == a.region_ref);
                    @let flagged = line.and_then(|l| l.first_round.as_ref().or(l.final_round.as_ref())).is_some_and(|f| f.disagreement);
                    tr.utrecht-table__row {
                        td.utrecht-table__cell { a.utrecht-link href=(format!("/programma/oproepen/{call_id}/uitslag#r-{}", a.region_ref)) { (a.region_name) } }
                        td.utrecht-table__cell { (status_nl(&a.application.status)) }
                        td.utrecht-table__cell.tuinier-num { (a.requested_total.to_dutch()) }
                        td.utrecht-table__cell { @if flagged { span.tuinier-tag.tuinier-tag--busy { "Oneens: consensusoverleg" } } }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Done {
    gedaan: Option<String>,
}

fn done_text(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "gesloten" => Some("De ronde is gesloten."),
        "besluit" => Some("Het besluit is vastgelegd."),
        "gepubliceerd" => Some("De uitslag is gepubliceerd; de e-mails staan klaar in de outbox."),
        _ => None,
    }
}

// Long: the staff dashboard of one call, put together from the service's reads.
/// `GET /programma/oproepen/:id`: the dashboard of a call.
#[handler]
pub async fn dashboard(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Query(done): Query<Done>,
) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let (call, outcome, apps) = match assessment::results(state, &s.who, id).await {
        Ok(r) => r,
        Err(e) => return refusal(Some(&s), &e),
    };
    let result = &outcome.result;
    let now = state.now();
    let q = ListQuery { status: None, region: None, limit: 500, offset: 0 };
    let items = applications::list_for_call(state, &s.who, id, q)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let mut rounds = BTreeMap::new();
    for round in [Round::First, Round::Final] {
        let st = assessment::round_state_of(state, &call, round, now).await.unwrap_or("not_open");
        rounds.insert(round.as_str(), st);
    }
    let first = rounds.get("first").copied().unwrap_or("not_open");
    let fin = rounds.get("final").copied().unwrap_or("not_open");
    let active = if fin != "not_open" { Round::Final } else { Round::First };
    let in_round: Vec<AppRow> = apps
        .iter()
        .filter(|a| {
            active == Round::First
                || matches!(a.status.as_str(), "invited_to_interview" | "awarded" | "not_awarded")
        })
        .cloned()
        .collect();
    let submitted: Vec<&applications::ApplicationSummary> =
        items.iter().filter(|a| a.application.status != "draft").collect();
    let drafts = items.len() - submitted.len();
    let requested: rust_decimal::Decimal =
        submitted.iter().map(|a| a.requested_total.as_decimal()).sum();
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" { a.utrecht-link href="/programma" { "Programmabureau" } " › " (call.definition.code) }
        h1.utrecht-heading-1 { (call.definition.title) }
        @if let Some(n) = done_text(done.gedaan.as_deref()) { (notice(n)) }
        div.tuinier-kpis {
            div.tuinier-kpi { "Ingediende aanvragen" strong { (submitted.len()) } @if drafts > 0 { span.tuinier-muted { (drafts) " in concept" } } }
            div.tuinier-kpi { "Gevraagd (ingediend)" strong { (crate::domain::money::Money::from_decimal(requested).map(|m| m.to_dutch()).unwrap_or_default()) } }
            div.tuinier-kpi { "Budgetplafond" strong { (call.definition.budget_ceiling.to_dutch()) } }
            div.tuinier-kpi { "Eerste ronde" strong { (round_state_nl(first)) } }
            div.tuinier-kpi { "Tweede ronde" strong { (round_state_nl(fin)) } }
        }
        section.tuinier-card { (timeline(&call, now)) }
        section.tuinier-card aria-labelledby="voortgang" {
            h2.utrecht-heading-2 #voortgang { "Voortgang " (if active == Round::First { "eerste ronde" } else { "tweede ronde" }) }
            (progress(state, &s, &call, &in_round, active).await)
            @let open_round = [(Round::First, first), (Round::Final, fin)].into_iter().find(|(_, st)| *st == "open");
            @if let Some((round, _)) = open_round {
                form method="post" action=(format!("/programma/oproepen/{id}/rondes/{}/sluiten", round.as_str())) {
                    input type="hidden" name="csrf" value=(s.csrf);
                    button.utrecht-button.utrecht-button--primary-action type="submit" { "Ronde sluiten" }
                }
            }
        }
        section.tuinier-card { (pending_forms(&s, &call, result, &apps, first == "published")) }
        section.tuinier-card aria-labelledby="aanvragen-titel" {
            h2.utrecht-heading-2 #aanvragen-titel { "Aanvragen" }
            (applications_table(id, &items, result))
        }
        section.tuinier-card {
            h2.utrecht-heading-2 { "Verder" }
            ul.utrecht-unordered-list {
                li { a.utrecht-link href=(format!("/programma/oproepen/{id}/uitslag")) { "Uitslag en kalibratie" } }
                @if first == "closed" { li { a.utrecht-link href=(format!("/programma/oproepen/{id}/publiceren/first")) { "Uitslag eerste ronde publiceren" } } }
                @if fin == "closed" { li { a.utrecht-link href=(format!("/programma/oproepen/{id}/publiceren/final")) { "Besluit publiceren" } } }
                li { a.utrecht-link href=(format!("/programma/oproepen/{id}/brieven")) { "Brieven" } }
                li { a.utrecht-link href="/programma/uitgaand" { "Uitgaande e-mail" } }
            }
        }
    };
    page(&call.definition.title, Some(&s), body)
}

fn round_of(s: &str) -> Option<Round> {
    match s {
        "first" => Some(Round::First),
        "final" => Some(Round::Final),
        _ => None,
    }
}

/// `POST /programma/oproepen/:id/rondes/:round/sluiten`.
#[handler]
pub async fn close_round(
    req: &Request,
    Data(state): Data<&AppState>,
    Path((id, round)): Path<(i32, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = match require_post(req, state, STAFF, &form).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let Some(round) = round_of(&round) else {
        return refusal(Some(&s), &crate::error::DomainError::NotFound(round));
    };
    match assessment::close_round(state, &s.who, id, round).await {
        Ok(()) => see_other(&format!("/programma/oproepen/{id}?gedaan=gesloten")),
        Err(e) => refusal(Some(&s), &e),
    }
}

/// `POST /programma/aanvragen/:id/knock-out`: records a split knock-out verdict.
#[handler]
pub async fn knockout(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = match require_post(req, state, STAFF, &form).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let verdict = field(&form, "oordeel").unwrap_or_default();
    let reason = field(&form, "reden").unwrap_or_default();
    match assessment::decide_knockout(state, &s.who, id, verdict, reason).await {
        Ok(call_id) => see_other(&format!("/programma/oproepen/{call_id}?gedaan=besluit")),
        Err(e) => refusal(Some(&s), &e),
    }
}

/// `POST /programma/oproepen/:id/gelijke-stand`: settles a tie at the last award place.
#[handler]
pub async fn tie(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = match require_post(req, state, STAFF, &form).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let (_, outcome, apps) = match assessment::results(state, &s.who, id).await {
        Ok(r) => r,
        Err(e) => return refusal(Some(&s), &e),
    };
    let result = &outcome.result;
    let award: Vec<i32> =
        form.iter().filter(|(k, _)| k == "toekennen").filter_map(|(_, v)| v.parse().ok()).collect();
    let tied: Vec<i32> = result
        .final_pending
        .iter()
        .filter_map(|p| if let Pending::TieDecision(r) = p { Some(r) } else { None })
        .flatten()
        .filter_map(|r| apps.iter().find(|a| &a.region_ref == r).map(|a| a.id))
        .collect();
    let not_award: Vec<i32> = tied.into_iter().filter(|i| !award.contains(i)).collect();
    let reason = field(&form, "reden").unwrap_or_default();
    match assessment::settle_tie(state, &s.who, id, &award, &not_award, reason).await {
        Ok(()) => see_other(&format!("/programma/oproepen/{id}?gedaan=besluit")),
        Err(e) => refusal(Some(&s), &e),
    }
}

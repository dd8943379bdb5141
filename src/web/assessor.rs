//! The assessor's pages: "mijn werk" (the applications to score per call and round), one
//! application with its documents and the scoring form, and after submitting the other assessors'
//! sheets side by side.

use std::collections::BTreeMap;

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::{date_nl, notice, page, page_with, see_other};
use super::refusal;
use super::session::{self, require, require_post};
use super::sheet_form::{self, Typed};
use crate::domain::call::CallDefinition;
use crate::domain::points::Points;
use crate::domain::round::Round;
use crate::service::AppState;
use crate::service::applications::{self, ListQuery};
use crate::service::assessment::{self, SheetView};
use crate::service::auth::{Principal, Role};
use crate::service::calls;
use crate::service::records::StoredCall;

const ASSESSOR: &[Role] = &[Role::Assessor];

/// The round an assessor scores in now: the open one (first before final), if any.
async fn open_round(state: &AppState, call: &StoredCall) -> Option<Round> {
    let now = state.now();
    for round in [Round::First, Round::Final] {
        if assessment::round_state_of(state, call, round, now).await.ok() == Some("open") {
            return Some(round);
        }
    }
    None
}

fn round_nl(round: Round) -> &'static str {
    match round {
        Round::First => "eerste ronde",
        Round::Final => "tweede ronde (na de gesprekken)",
    }
}

/// Until when a round's sheets are expected: the stage at which staff close it.
fn round_deadline(call: &CallDefinition, round: Round) -> Option<chrono::DateTime<chrono::Utc>> {
    match round {
        Round::First => call.moment("first_assessment"),
        Round::Final => call.moment("final_decision"),
    }
}

/// This assessor's own sheet on an application in a round, if any.
async fn own_sheet(state: &AppState, who: &Principal, id: i32, round: Round) -> Option<SheetView> {
    let sheets = assessment::sheets(state, who, id, round).await.ok()?;
    sheets.into_iter().find(|s| s.sheet.assessor_id == who.user_id)
}

fn state_tag(sheet: Option<&SheetView>) -> Markup {
    let (class, text) = match sheet.map(|s| s.sheet.status.as_str()) {
        Some("submitted") => ("tuinier-tag tuinier-tag--ok", "Ingediend"),
        Some("draft") => ("tuinier-tag tuinier-tag--busy", "Concept"),
        _ => ("tuinier-tag tuinier-tag--todo", "Te doen"),
    };
    html! { span class=(class) { (text) } }
}

/// `GET /beoordelen`: per call and open round, the applications to score with their state.
#[handler]
pub async fn my_work(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = match require(req, state, ASSESSOR).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let calls = match calls::list_for(state, &s.who).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let mut sections = Vec::new();
    for call in calls {
        let Some(round) = open_round(state, &call).await else {
            sections.push(html! {
                section.tuinier-card {
                    h2.utrecht-heading-2 { (call.definition.title) }
                    p.utrecht-paragraph { "Er is nu geen beoordelingsronde open." }
                }
            });
            continue;
        };
        let q = ListQuery { status: None, region: None, limit: 500, offset: 0 };
        let apps = match applications::list_for_call(state, &s.who, call.id, q).await {
            Ok(p) => p.items,
            Err(_) => continue,
        };
        let mut rows = Vec::new();
        for a in apps {
            if round == Round::Final
                && !matches!(a.application.status.as_str(), "invited_to_interview")
            {
                continue;
            }
            let sheet = own_sheet(state, &s.who, a.application.id, round).await;
            rows.push((a, sheet));
        }
        let done = rows
            .iter()
            .filter(|(_, sh)| sh.as_ref().is_some_and(|x| x.sheet.status == "submitted"))
            .count();
        let deadline = round_deadline(&call.definition, round);
        sections.push(html! {
            section.tuinier-card aria-labelledby=(format!("oproep-{}", call.id)) {
                h2.utrecht-heading-2 #(format!("oproep-{}", call.id)) { (call.definition.title) }
                p.utrecht-paragraph {
                    "Beoordeling " (round_nl(round)) ". "
                    @if let Some(d) = deadline { "Graag ingediend vóór " strong { (date_nl(d)) } ". " }
                    (done) " van " (rows.len()) " ingediend."
                }
                table.utrecht-table.tuinier-table {
                    caption.utrecht-table__caption { "Aanvragen om te beoordelen" }
                    thead.utrecht-table__header { tr.utrecht-table__row {
                        th.utrecht-table__header-cell scope="col" { "Regio" }
                        th.utrecht-table__header-cell scope="col" { "Titel" }
                        th.utrecht-table__header-cell scope="col" { "Uw beoordeling" }
                    } }
                    tbody.utrecht-table__body {
                        @for (a, sheet) in &rows {
                            tr.utrecht-table__row {
                                td.utrecht-table__cell {
                                    a.utrecht-link href=(format!("/beoordelen/aanvragen/{}", a.application.id)) { (a.region_name) }
                                }
                                td.utrecht-table__cell { (a.application.title.clone().unwrap_or_default()) }
                                td.utrecht-table__cell { (state_tag(sheet.as_ref())) }
                            }
                        }
                    }
                }
            }
        });
    }
    let body = html! {
        h1.utrecht-heading-1 { "Mijn werk" }
        p.utrecht-paragraph { "Aanvragen waarbij u een belangenconflict heeft gemeld, staan hier niet." }
        @if sections.is_empty() { p.utrecht-paragraph { "U bent nog niet aan een oproep toegewezen." } }
        @for sec in sections { (sec) }
    };
    page("Mijn werk", Some(&s), body)
}

#[derive(Deserialize)]
pub struct Done {
    gedaan: Option<String>,
}

fn documents_list(id: i32, docs: &[crate::service::records::DocumentMeta]) -> Markup {
    html! {
        h3.utrecht-heading-3 { "Documenten" }
        @if docs.is_empty() { p.utrecht-paragraph { "Geen documenten." } }
        ul.utrecht-unordered-list {
            @for d in docs {
                li {
                    a.utrecht-link href=(format!("/beoordelen/aanvragen/{id}/documenten/{}", d.id)) {
                        (match d.kind.as_str() { "plan" => "Plan", "addendum" => "Addendum", "commitment" => "Partnerverklaring", _ => "Bijlage" })
                        ": " (d.filename)
                    }
                    " (" (d.size_bytes / 1024 + 1) " kB)"
                }
            }
        }
    }
}

fn others_side_by_side(call: &CallDefinition, sheets: &[SheetView]) -> Markup {
    let submitted: Vec<&SheetView> =
        sheets.iter().filter(|s| s.sheet.status == "submitted").collect();
    let total =
        |s: &SheetView| Points::from_decimal(s.points.values().map(Points::as_decimal).sum());
    html! {
        h2.utrecht-heading-2 #naast-elkaar { "Beoordelingen naast elkaar" }
        div.tuinier-scroll tabindex="0" role="region" aria-labelledby="naast-elkaar" {
            table.utrecht-table.tuinier-table {
                caption.utrecht-table__caption { "Ingediende beoordelingen: punten per criterium" }
                thead.utrecht-table__header { tr.utrecht-table__row {
                    th.utrecht-table__header-cell scope="col" { "Criterium" }
                    @for s in &submitted { th.utrecht-table__header-cell scope="col" { (s.assessor_name) } }
                } }
                tbody.utrecht-table__body {
                    @for c in &call.weighted_criteria {
                        tr.utrecht-table__row {
                            th.utrecht-table__header-cell scope="row" { (c.label_nl) }
                            @for s in &submitted {
                                td.utrecht-table__cell.tuinier-num { (s.points.get(&c.id).map(|p| p.to_dutch()).unwrap_or_default()) }
                            }
                        }
                    }
                    tr.utrecht-table__row.tuinier-total-row {
                        th.utrecht-table__header-cell scope="row" { "Totaal" }
                        @for s in &submitted { td.utrecht-table__cell.tuinier-num { strong { (total(s).to_dutch()) } } }
                    }
                }
            }
        }
    }
}

struct Shown<'a> {
    typed: Typed,
    errors: BTreeMap<String, String>,
    notice: Option<&'a str>,
}

// Long: the page of one application: its facts, documents, and the form or the sheets.
async fn application_page(
    state: &AppState,
    s: &crate::service::web_sessions::Session,
    id: i32,
    shown: Option<Shown<'_>>,
) -> Response {
    let detail = match applications::get(state, &s.who, id).await {
        Ok(d) => d,
        Err(e) => return refusal(Some(s), &e),
    };
    let call = match calls::get_for(state, &s.who, detail.application.call_id).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(s), &e),
    };
    let round = open_round(state, &call).await.unwrap_or(Round::First);
    let sheets = match assessment::sheets(state, &s.who, id, round).await {
        Ok(sh) => sh,
        Err(e) => return refusal(Some(s), &e),
    };
    let own = sheets.iter().find(|x| x.sheet.assessor_id == s.who.user_id);
    let submitted = own.is_some_and(|o| o.sheet.status == "submitted");
    let title = detail.application.title.clone().unwrap_or_else(|| detail.region.name.clone());
    let status = if shown.as_ref().is_some_and(|x| !x.errors.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let shown = shown.unwrap_or_else(|| Shown {
        typed: own.map(|o| Typed::from_input(&call.definition, &o.input)).unwrap_or_default(),
        errors: BTreeMap::new(),
        notice: None,
    });
    let points = own.map(|o| o.points.clone()).unwrap_or_default();
    let info = html! {
        section.tuinier-card aria-labelledby="aanvraag" {
            h2.utrecht-heading-2 #aanvraag { "De aanvraag" }
            @if let Some(sum) = &detail.application.summary { p.utrecht-paragraph { (sum) } }
            p.utrecht-paragraph { "Gevraagd bedrag: " strong { (detail.requested_total.to_dutch()) } }
            (documents_list(id, &detail.documents))
        }
    };
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" { a.utrecht-link href="/beoordelen" { "Mijn werk" } " › " (detail.region.name) }
        h1.utrecht-heading-1 { (title) }
        @if let Some(n) = shown.notice { (notice(n)) }
        p.utrecht-paragraph { "Regio " strong { (detail.region.name) } " · " (call.definition.title) " · " (round_nl(round)) }
        @if submitted {
            (info)
            (notice("U heeft deze aanvraag beoordeeld; uw beoordeling telt mee."))
            (others_side_by_side(&call.definition, &sheets))
        } @else {
            div.tuinier-form-with-aside {
                div {
                    h2.utrecht-heading-2 { "Uw beoordeling" }
                    (sheet_form::form(&format!("/beoordelen/aanvragen/{id}"), &s.csrf, &call.definition, &shown.typed, &shown.errors, &points))
                }
                aside.tuinier-aside aria-labelledby="aanvraag" { (info) }
            }
        }
    };
    page_with(status, &title, Some(s), body)
}

/// `GET /beoordelen/aanvragen/:id`.
#[handler]
pub async fn application(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Query(done): Query<Done>,
) -> Response {
    let s = match require(req, state, ASSESSOR).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let n = match done.gedaan.as_deref() {
        Some("concept") => Some("Uw concept is bewaard."),
        Some("ingediend") => Some("Uw beoordeling is ingediend."),
        _ => None,
    };
    let shown =
        n.map(|n| Shown { typed: Typed::default(), errors: BTreeMap::new(), notice: Some(n) });
    match shown {
        Some(mut sh) => {
            // Show the saved values, not an empty form.
            if let Ok(d) = applications::get(state, &s.who, id).await
                && let Ok(call) = calls::get_for(state, &s.who, d.application.call_id).await
            {
                let round = open_round(state, &call).await.unwrap_or(Round::First);
                if let Some(o) = own_sheet(state, &s.who, id, round).await {
                    sh.typed = Typed::from_input(&call.definition, &o.input);
                }
            }
            application_page(state, &s, id, Some(sh)).await
        }
        None => application_page(state, &s, id, None).await,
    }
}

/// `POST /beoordelen/aanvragen/:id`: saves the draft (`actie=concept`) or submits (`indienen`).
#[handler]
pub async fn save(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let s = match require_post(req, state, ASSESSOR, &pairs).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let detail = match applications::get(state, &s.who, id).await {
        Ok(d) => d,
        Err(e) => return refusal(Some(&s), &e),
    };
    let call = match calls::get_for(state, &s.who, detail.application.call_id).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let round = open_round(state, &call).await.unwrap_or(Round::First);
    let submit = session::field(&pairs, "actie") == Some("indienen");
    let typed = Typed { pairs };
    let result = match sheet_form::read(&call.definition, &typed) {
        Err(errors) => Err(crate::error::DomainError::Validation(errors)),
        Ok(input) if submit => {
            assessment::submit_sheet(state, &s.who, id, round, Some(input)).await
        }
        Ok(input) => assessment::save_sheet(state, &s.who, id, round, input).await,
    };
    match result {
        Ok(_) => {
            let done = if submit { "ingediend" } else { "concept" };
            see_other(&format!("/beoordelen/aanvragen/{id}?gedaan={done}"))
        }
        Err(crate::error::DomainError::Validation(errors)) => {
            let errors = errors
                .iter()
                .map(|e| {
                    (
                        sheet_form::control_id(&e.field),
                        sheet_form::message_nl(&call.definition, &typed, e),
                    )
                })
                .collect();
            application_page(state, &s, id, Some(Shown { typed, errors, notice: None })).await
        }
        Err(e) => refusal(Some(&s), &e),
    }
}

/// `GET /beoordelen/aanvragen/:id/documenten/:doc`: a document to open (as the API serves it).
#[handler]
pub async fn document(
    req: &Request,
    Data(state): Data<&AppState>,
    Path((id, doc)): Path<(i32, i32)>,
) -> Response {
    let s = match require(req, state, &[Role::Assessor, Role::Staff, Role::Region]).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    match applications::document_content(state, &s.who, id, doc).await {
        Ok(d) => Response::builder()
            .content_type(d.media_type.clone())
            .header(
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", d.filename.replace('"', "")),
            )
            .header(header::CACHE_CONTROL, "private, no-store")
            .body(d.content),
        Err(e) => refusal(Some(&s), &e),
    }
}

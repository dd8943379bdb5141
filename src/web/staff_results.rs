//! Programme staff: the results table with the calibration, publishing a round (what will be
//! sent, then a confirmation), the letters and the outbox.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use rust_decimal::Decimal;

use super::charts;
use super::layout::{date_nl, page, page_with, see_other, status_nl, th};
use super::refusal;
use super::session::{field, require, require_post};
use super::staff::STAFF;
use crate::domain::round::Round;
use crate::domain::selection::SelectionResult;
use crate::service::AppState;
use crate::service::assessment::{self, AppRow};
use crate::service::records::StoredCall;
use crate::service::web_sessions::Session;
use crate::service::{letters, outbox, publication};

fn decision_of(l: &crate::domain::selection::ApplicationResult) -> String {
    if let Some(d) = l.decision {
        return status_nl(d.as_str()).to_string();
    }
    l.first_round_decision.map(|d| status_nl(d.as_str()).to_string()).unwrap_or_else(|| "–".into())
}

/// The results table: score per criterion, rank, decision and allocation; the web test compares
/// it with the API's results (cells carry `data-` values in the API's notation).
pub fn results_table(call: &StoredCall, result: &SelectionResult, apps: &[AppRow]) -> Markup {
    let name_of = |r: &str| {
        apps.iter()
            .find(|a| a.region_ref == r)
            .map(|a| a.region_name.clone())
            .unwrap_or_else(|| r.to_string())
    };
    html! {
        div.tuinier-scroll role="region" aria-labelledby="uitslag-titel" tabindex="0" {
            table.utrecht-table.tuinier-table #uitslag {
                caption.utrecht-table__caption #uitslag-titel { "Uitslag per aanvraag (gemiddelde punten per criterium)" }
                thead.utrecht-table__header { tr.utrecht-table__row {
                    (th("Regio"))
                    @for c in &call.definition.weighted_criteria { th.utrecht-table__header-cell.tuinier-num scope="col" { (c.label_nl) } }
                    th.utrecht-table__header-cell.tuinier-num scope="col" { "Eerste ronde" }
                    th.utrecht-table__header-cell.tuinier-num scope="col" { "Tweede ronde" }
                    th.utrecht-table__header-cell.tuinier-num scope="col" { "Rang" }
                    (th("Besluit"))
                    th.utrecht-table__header-cell.tuinier-num scope="col" { "Toegekend" }
                } }
                tbody.utrecht-table__body {
                    @for l in &result.applications {
                        @let figures = l.final_round.as_ref().or(l.first_round.as_ref());
                        tr.utrecht-table__row #(format!("r-{}", l.r#ref)) data-ref=(l.r#ref) {
                            th.utrecht-table__header-cell scope="row" { (name_of(&l.r#ref)) }
                            @for c in &call.definition.weighted_criteria {
                                td.utrecht-table__cell.tuinier-num { (figures.and_then(|f| f.criteria.get(c.id.as_str())).map(|s| s.mean.to_dutch()).unwrap_or_default()) }
                            }
                            td.utrecht-table__cell.tuinier-num data-first=[l.first_round.as_ref().map(|f| f.score.to_two_decimals())] { (l.first_round.as_ref().map(|f| f.score.to_dutch()).unwrap_or_default()) }
                            td.utrecht-table__cell.tuinier-num data-final=[l.final_round.as_ref().map(|f| f.score.to_two_decimals())] { (l.final_round.as_ref().map(|f| f.score.to_dutch()).unwrap_or_default()) }
                            td.utrecht-table__cell.tuinier-num data-rank=[l.rank] { (l.rank.map(|r| r.to_string()).unwrap_or_default()) }
                            td.utrecht-table__cell data-decision=[l.decision.map(|d| d.as_str()).or(l.first_round_decision.map(|d| d.as_str()))] { (decision_of(l)) }
                            td.utrecht-table__cell.tuinier-num data-allocated=[l.allocated.map(|m| m.to_string())] { (l.allocated.map(|m| m.to_dutch()).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        p.utrecht-paragraph { "Toegekend totaal: " (result.allocated_total.to_dutch()) "; niet verdeeld: " (result.unallocated.to_dutch()) "." }
    }
}

fn allocation_preview(result: &SelectionResult, apps: &[AppRow]) -> Markup {
    let name_of = |r: &str| {
        apps.iter()
            .find(|a| a.region_ref == r)
            .map(|a| a.region_name.clone())
            .unwrap_or_else(|| r.to_string())
    };
    html! {
        @if let Some(pro) = &result.pro_rata_preview {
            table.utrecht-table.tuinier-table {
                caption.utrecht-table__caption { "Verdeling: met de hand naast naar rato" }
                thead.utrecht-table__header { tr.utrecht-table__row { (th("Regio")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Met de hand" } th.utrecht-table__header-cell.tuinier-num scope="col" { "Naar rato" } } }
                tbody.utrecht-table__body {
                    @for (r, amount) in &pro.amounts {
                        @let manual = result.applications.iter().find(|l| &l.r#ref == r).and_then(|l| l.allocated);
                        tr.utrecht-table__row {
                            th.utrecht-table__header-cell scope="row" { (name_of(r)) }
                            td.utrecht-table__cell.tuinier-num { (manual.map(|m| m.to_dutch()).unwrap_or_default()) }
                            td.utrecht-table__cell.tuinier-num { (amount.to_dutch()) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /programma/oproepen/:id/uitslag`: the results, the allocation and the calibration.
#[handler]
pub async fn results(req: &Request, Data(state): Data<&AppState>, Path(id): Path<i32>) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let (call, outcome, apps) = match assessment::results(state, &s.who, id).await {
        Ok(r) => r,
        Err(e) => return refusal(Some(&s), &e),
    };
    let result = &outcome.result;
    let deviations = assessment::assessor_deviations(state, &s.who, id).await.unwrap_or_default();
    let rows: Vec<(String, Decimal)> = deviations
        .iter()
        .filter(|((round, _), _)| round == "first")
        .map(|((_, who), d)| (who.clone(), d.as_decimal()))
        .collect();
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" {
            a.utrecht-link href="/programma" { "Programmabureau" } " › "
            a.utrecht-link href=(format!("/programma/oproepen/{id}")) { (call.definition.code) } " › Uitslag"
        }
        h1.utrecht-heading-1 { "Uitslag " (call.definition.title) }
        (results_table(&call, result, &apps))
        (allocation_preview(result, &apps))
        section.tuinier-card aria-labelledby="kalibratie" {
            h2.utrecht-heading-2 #kalibratie { "Kalibratie eerste ronde" }
            p.utrecht-paragraph { "Gemiddelde afwijking van elke beoordelaar ten opzichte van de anderen, op dezelfde aanvragen (punten)." }
            div.tuinier-columns {
                div { (charts::deviation_bars("Afwijking per beoordelaar", &rows)) }
                table.utrecht-table.tuinier-table {
                    caption.utrecht-table__caption { "Afwijking per beoordelaar" }
                    thead.utrecht-table__header { tr.utrecht-table__row { (th("Beoordelaar")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Afwijking" } } }
                    tbody.utrecht-table__body {
                        @for (who, d) in &rows {
                            tr.utrecht-table__row { th.utrecht-table__header-cell scope="row" { (who) } td.utrecht-table__cell.tuinier-num { (d.round_dp(2).to_string().replace('.', ",")) } }
                        }
                    }
                }
            }
        }
    };
    page("Uitslag", Some(&s), body)
}

fn round_of(s: &str) -> Option<Round> {
    match s {
        "first" => Some(Round::First),
        "final" => Some(Round::Final),
        _ => None,
    }
}

// Long: what a publication will send, per application, with the confirmation form.
async fn publish_page(
    state: &AppState,
    s: &Session,
    id: i32,
    round: Round,
    error: Option<&str>,
) -> Response {
    let (call, outcome, apps) = match assessment::results(state, &s.who, id).await {
        Ok(r) => r,
        Err(e) => return refusal(Some(s), &e),
    };
    let result = &outcome.result;
    let pending =
        if round == Round::First { &result.first_round_pending } else { &result.final_pending };
    let what = if round == Round::First { "de uitslag van de eerste ronde" } else { "het besluit" };
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" {
            a.utrecht-link href=(format!("/programma/oproepen/{id}")) { (call.definition.code) } " › Publiceren"
        }
        h1.utrecht-heading-1 { "Publiceren: " (what) }
        @if let Some(e) = error {
            div.utrecht-alert.utrecht-alert--error role="alert" #foutoverzicht tabindex="-1" {
                ul { li { a.utrecht-link href="#bevestig" { (e) } } }
            }
        }
        @if !pending.is_empty() {
            div.utrecht-alert.utrecht-alert--warning role="status" {
                p.utrecht-paragraph { "Er wachten nog " (pending.len()) " besluiten; publiceren kan pas als die zijn vastgelegd. " a.utrecht-link href=(format!("/programma/oproepen/{id}#besluiten")) { "Naar de besluiten" } }
            }
        }
        p.utrecht-paragraph { "Dit wordt verstuurd: per aanvraag een brief (PDF) als bijlage bij een e-mail aan de penvoerder. Bekijk de brieven voordat u publiceert." }
        table.utrecht-table.tuinier-table #verzending {
            caption.utrecht-table__caption { "Wat wordt verstuurd" }
            thead.utrecht-table__header { tr.utrecht-table__row { (th("Regio")) (th("Besluit")) (th("E-mail aan")) (th("Brief")) } }
            tbody.utrecht-table__body {
                @for l in &result.applications {
                    @if let Some(a) = apps.iter().find(|a| a.region_ref == l.r#ref) {
                        tr.utrecht-table__row {
                            th.utrecht-table__header-cell scope="row" { (a.region_name) }
                            td.utrecht-table__cell { (decision_of(l)) }
                            td.utrecht-table__cell { (a.lead_applicant_email) }
                            td.utrecht-table__cell { a.utrecht-link href=(preview_link(a.id, round, l)) { "Voorbeeld (PDF) " span.tuinier-visually-hidden { "voor " (a.region_name) } } }
                        }
                    }
                }
            }
        }
        form.tuinier-form method="post" action=(format!("/programma/oproepen/{id}/publiceren/{}", round.as_str())) {
            input type="hidden" name="csrf" value=(s.csrf);
            div.utrecht-form-field.utrecht-form-field--checkbox.utrecht-form-field--invalid[error.is_some()] {
                @if let Some(e) = error { p.utrecht-form-field-error-message #bevestig-fout { (e) } }
                label.tuinier-choice for="bevestig" {
                    input.utrecht-checkbox #bevestig type="checkbox" name="bevestig" value="ja"
                        aria-describedby=[error.map(|_| "bevestig-fout")];
                    " Ik heb gecontroleerd wat er wordt verstuurd. Publiceren kan niet ongedaan worden gemaakt."
                }
            }
            div.tuinier-buttons {
                button.utrecht-button.utrecht-button--primary-action type="submit" { "Publiceren en versturen" }
                a.utrecht-link href=(format!("/programma/oproepen/{id}")) { "Annuleren" }
            }
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page_with(status, "Publiceren", Some(s), body)
}

/// `GET /programma/oproepen/:id/publiceren/:round`: what will be sent, and the confirmation.
#[handler]
pub async fn publish_preview(
    req: &Request,
    Data(state): Data<&AppState>,
    Path((id, round)): Path<(i32, String)>,
) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let Some(round) = round_of(&round) else {
        return refusal(Some(&s), &crate::error::DomainError::NotFound(round));
    };
    publish_page(state, &s, id, round, None).await
}

/// `POST /programma/oproepen/:id/publiceren/:round`: publishes once confirmed.
#[handler]
pub async fn publish(
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
    if field(&form, "bevestig") != Some("ja") {
        let e = "Bevestig dat u hebt gecontroleerd wat er wordt verstuurd.";
        return publish_page(state, &s, id, round, Some(e)).await;
    }
    let done = match round {
        Round::First => publication::publish_first_round(state, &s.who, id).await,
        Round::Final => publication::publish_final(state, &s.who, id).await,
    };
    match done {
        Ok(_) => see_other(&format!("/programma/oproepen/{id}?gedaan=gepubliceerd")),
        Err(e) => refusal(Some(&s), &e),
    }
}

/// The letter a publication of `round` sends this application (an invitation is asked for by
/// its kind; the others follow from the decision).
fn preview_link(id: i32, round: Round, l: &crate::domain::selection::ApplicationResult) -> String {
    if round == Round::First && l.invited() {
        format!("/programma/aanvragen/{id}/briefvoorbeeld?soort=interview_invitation")
    } else {
        format!("/programma/aanvragen/{id}/briefvoorbeeld")
    }
}

#[derive(serde::Deserialize)]
pub struct Kind {
    soort: Option<String>,
}

fn pdf(filename: &str, bytes: Vec<u8>) -> Response {
    Response::builder()
        .content_type("application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", filename.replace('"', "")),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(bytes)
}

/// `GET /programma/aanvragen/:id/briefvoorbeeld`: the letter as it would be issued now.
#[handler]
pub async fn letter_preview(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    poem::web::Query(kind): poem::web::Query<Kind>,
) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    match letters::preview(state, &s.who, id, kind.soort.as_deref()).await {
        Ok((filename, bytes, _)) => pdf(&format!("voorbeeld-{filename}"), bytes),
        Err(e) => refusal(Some(&s), &e),
    }
}

/// `GET /programma/oproepen/:id/brieven`: the issued letters of a call.
#[handler]
pub async fn letters_page(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let list = match letters::of_call(state, &s.who, id).await {
        Ok(l) => l,
        Err(e) => return refusal(Some(&s), &e),
    };
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" { a.utrecht-link href=(format!("/programma/oproepen/{id}")) { "Oproep" } " › Brieven" }
        h1.utrecht-heading-1 { "Brieven" }
        @if list.is_empty() { p.utrecht-paragraph { "Er zijn nog geen brieven verstuurd." } }
        @else {
            table.utrecht-table.tuinier-table {
                caption.utrecht-table__caption { "Verstuurde brieven" }
                thead.utrecht-table__header { tr.utrecht-table__row { (th("Kenmerk")) (th("Soort")) (th("Datum")) (th("Bestand")) } }
                tbody.utrecht-table__body {
                    @for l in &list {
                        tr.utrecht-table__row {
                            td.utrecht-table__cell { (l.reference) }
                            td.utrecht-table__cell { (l.kind) }
                            td.utrecht-table__cell { (date_nl(l.issued_at)) }
                            td.utrecht-table__cell { a.utrecht-link href=(format!("/brieven/{}", l.id)) { (l.filename) } }
                        }
                    }
                }
            }
        }
    };
    page("Brieven", Some(&s), body)
}

/// `GET /brieven/:id`: one issued letter (staff, and the application's own region).
#[handler]
pub async fn letter(req: &Request, Data(state): Data<&AppState>, Path(id): Path<i32>) -> Response {
    let s = match require(
        req,
        state,
        &[crate::service::auth::Role::Staff, crate::service::auth::Role::Region],
    )
    .await
    {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    match letters::content(state, &s.who, id).await {
        // `content` renders a pending letter first, so it is always there.
        Ok(entity::letter::Model { filename, content: Some(bytes), .. }) => pdf(&filename, bytes),
        Ok(_) => {
            refusal(Some(&s), &crate::error::DomainError::internal("a letter without content"))
        }
        Err(e) => refusal(Some(&s), &e),
    }
}

/// `GET /programma/uitgaand`: the outbox, newest first as the service lists it.
#[handler]
pub async fn outbox_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = match require(req, state, STAFF).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let q =
        outbox::ListQuery { kind: None, status: None, application_id: None, limit: 200, offset: 0 };
    let (mails, total) = match outbox::list(state, &s.who, q).await {
        Ok(m) => m,
        Err(e) => return refusal(Some(&s), &e),
    };
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" { a.utrecht-link href="/programma" { "Programmabureau" } " › Uitgaande e-mail" }
        h1.utrecht-heading-1 { "Uitgaande e-mail" }
        p.utrecht-paragraph { (total) " e-mails in totaal." }
        table.utrecht-table.tuinier-table #outbox {
            caption.utrecht-table__caption { "E-mails" }
            thead.utrecht-table__header { tr.utrecht-table__row { (th("Aan")) (th("Onderwerp")) (th("Status")) (th("Aangemaakt")) (th("Bijlage")) } }
            tbody.utrecht-table__body {
                @for m in &mails {
                    tr.utrecht-table__row {
                        td.utrecht-table__cell { (m.recipient) }
                        td.utrecht-table__cell { (m.subject) }
                        td.utrecht-table__cell { (match m.status.as_str() { "pending" => "wacht", "sent" => "verzonden", "failed" => "mislukt", o => o }) }
                        td.utrecht-table__cell { (date_nl(m.created_at)) }
                        td.utrecht-table__cell { (m.attachment_filename.clone().unwrap_or_default()) }
                    }
                }
            }
        }
    };
    page("Uitgaande e-mail", Some(&s), body)
}

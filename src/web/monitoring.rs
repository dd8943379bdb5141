//! Monitoring a proeftuin: its annual plans and progress reports with state and due dates, and
//! a chart per metric over the periods (SVG drawn on the server) with a table beside it; for the
//! region, a form to fill a report (kept as a draft, submitted through the same use cases).

use std::collections::BTreeMap;

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::charts;
use super::layout::{day_nl, notice, page, page_with, see_other, th};
use super::refusal;
use super::session::{field, require, require_post};
use crate::domain::money::Money;
use crate::service::AppState;
use crate::service::auth::Role;
use crate::service::monitoring::{self, Narrative, ProgressReport, ReportInput};
use crate::service::web_sessions::Session;

const READERS: &[Role] = &[Role::Staff, Role::Region];

fn state_nl(status: &str) -> (&'static str, &'static str) {
    match status {
        "draft" => ("Concept", "tuinier-tag tuinier-tag--busy"),
        "submitted" => ("Ingediend", "tuinier-tag tuinier-tag--info"),
        "accepted" => ("Goedgekeurd", "tuinier-tag tuinier-tag--ok"),
        "returned" => ("Teruggestuurd", "tuinier-tag tuinier-tag--todo"),
        _ => ("Onbekend", "tuinier-tag"),
    }
}

fn tag(status: &str) -> Markup {
    let (text, class) = state_nl(status);
    html! { span class=(class) { (text) } }
}

fn metric_charts(reports: &[ProgressReport], catalogue: &monitoring::Catalogue) -> Markup {
    let mut sorted: Vec<&ProgressReport> =
        reports.iter().filter(|r| r.status.as_str() != "draft").collect();
    sorted.sort_by_key(|r| r.period.sort_key());
    html! {
        @for (i, m) in catalogue.active().iter().filter(|m| m.is_reported()).enumerate() {
            @let points: Vec<(String, Decimal)> = sorted.iter().map(|r| (r.period.to_string(), Decimal::from(r.counts.get(&m.key).copied().unwrap_or(0)))).collect();
            section.tuinier-card aria-labelledby=(format!("metriek-{i}")) {
                h3.utrecht-heading-3 #(format!("metriek-{i}")) { (m.label_nl) }
                div.tuinier-columns {
                    div aria-hidden="true" { (charts::line_chart(&m.label_nl, &points)) }
                    table.utrecht-table.tuinier-table {
                        caption.utrecht-table__caption { (m.label_nl) " per periode" }
                        thead.utrecht-table__header { tr.utrecht-table__row { (th("Periode")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Aantal" } } }
                        tbody.utrecht-table__body {
                            @for r in &sorted {
                                tr.utrecht-table__row {
                                    th.utrecht-table__header-cell scope="row" { (r.period.label_nl()) }
                                    td.utrecht-table__cell.tuinier-num { (r.counts.get(&m.key).copied().unwrap_or(0)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if sorted.is_empty() { p.utrecht-paragraph { "Nog geen ingediende rapportages: er is nog niets te tonen." } }
    }
}

#[derive(Deserialize)]
pub struct Done {
    gedaan: Option<String>,
}

// Long: the monitoring page of one proeftuin, from the service's reads.
/// `GET /monitoring/proeftuinen/:id`.
#[handler]
pub async fn proeftuin(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Query(done): Query<Done>,
) -> Response {
    let s = match require(req, state, READERS).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let p = match monitoring::get(state, &s.who, id).await {
        Ok(p) => p,
        Err(e) => return refusal(Some(&s), &e),
    };
    let plans = monitoring::plans(state, &s.who, id).await.unwrap_or_default();
    let reports = monitoring::reports(state, &s.who, id).await.unwrap_or_default();
    let catalogue = match monitoring::catalogue(state, &s.who).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let back = if s.who.role == Role::Staff { "/programma" } else { "/regio" };
    let body = html! {
        nav.tuinier-breadcrumb aria-label="Kruimelpad" { a.utrecht-link href=(back) { "Start" } " › " (p.name) }
        h1.utrecht-heading-1 { (p.name) }
        @if done.gedaan.as_deref() == Some("rapportage") { (notice("De rapportage is bewaard als concept.")) }
        div.tuinier-kpis {
            div.tuinier-kpi { "Regio" strong { (p.region_name) } }
            div.tuinier-kpi { "Gestart" strong { (day_nl(p.started_on)) } }
            div.tuinier-kpi { "Subsidie totaal" strong { (p.grant_total.to_dutch()) } }
            div.tuinier-kpi { "Rapportages" strong { (reports.len()) } }
        }
        div.tuinier-columns {
            section.tuinier-card aria-labelledby="plannen" {
                h2.utrecht-heading-2 #plannen { "Jaarplannen" }
                table.utrecht-table.tuinier-table {
                    caption.utrecht-table__caption { "Jaarplannen met status en uiterste datum" }
                    thead.utrecht-table__header { tr.utrecht-table__row { (th("Jaar")) (th("Status")) (th("Uiterlijk")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Subsidie" } } }
                    tbody.utrecht-table__body {
                        @for pl in &plans {
                            tr.utrecht-table__row {
                                th.utrecht-table__header-cell scope="row" { (pl.year) }
                                td.utrecht-table__cell { (tag(pl.status.as_str())) }
                                td.utrecht-table__cell.tuinier-nowrap { (day_nl(pl.due_on)) }
                                td.utrecht-table__cell.tuinier-num { (pl.grant.to_dutch()) }
                            }
                        }
                    }
                }
                @if plans.is_empty() { p.utrecht-paragraph { "Nog geen jaarplannen." } }
            }
            section.tuinier-card aria-labelledby="rapportages" {
                h2.utrecht-heading-2 #rapportages { "Voortgangsrapportages" }
                table.utrecht-table.tuinier-table #rapportagetabel {
                    caption.utrecht-table__caption { "Rapportages met status en uiterste datum" }
                    thead.utrecht-table__header { tr.utrecht-table__row { (th("Periode")) (th("Status")) (th("Uiterlijk")) th.utrecht-table__header-cell.tuinier-num scope="col" { "Kosten" } } }
                    tbody.utrecht-table__body {
                        @for r in &reports {
                            tr.utrecht-table__row {
                                th.utrecht-table__header-cell scope="row" { (r.period.label_nl()) }
                                td.utrecht-table__cell { (tag(r.status.as_str())) }
                                td.utrecht-table__cell.tuinier-nowrap { (day_nl(r.due_on)) }
                                td.utrecht-table__cell.tuinier-num { (r.costs_realised.to_dutch()) }
                            }
                        }
                    }
                }
                @if s.who.role == Role::Region {
                    p.utrecht-paragraph { a.utrecht-link href=(format!("/regio/proeftuinen/{id}/rapportage")) { "Een rapportage invullen" } }
                }
            }
        }
        h2.utrecht-heading-2 { "Cijfers per periode" }
        p.utrecht-paragraph { "Uit de ingediende en goedgekeurde rapportages. Elke grafiek heeft een tabel ernaast met dezelfde cijfers." }
        (metric_charts(&reports, &catalogue))
    };
    page(&p.name, Some(&s), body)
}

fn report_form(
    s: &Session,
    id: i32,
    catalogue: &monitoring::Catalogue,
    typed: &[(String, String)],
    errors: &BTreeMap<String, String>,
) -> Markup {
    let value = |name: &str| field(typed, name).unwrap_or_default().to_string();
    let input = |id: &str, name: &str, label: &str, hint: &str| {
        let err = errors.get(id);
        html! {
            div.utrecht-form-field.utrecht-form-field--text.utrecht-form-field--invalid[err.is_some()] {
                div.utrecht-form-field__label { label.utrecht-form-label for=(id) { (label) } }
                div.utrecht-form-field__description #(format!("{id}-uitleg")) { (hint) }
                @if let Some(e) = err { p.utrecht-form-field-error-message #(format!("{id}-fout")) { (e) } }
                div.utrecht-form-field__input {
                    input.utrecht-textbox.utrecht-textbox--html-input #(id) name=(name) type="text" value=(value(name))
                        aria-invalid=[err.map(|_| "true")]
                        aria-describedby=(if err.is_some() { format!("{id}-uitleg {id}-fout") } else { format!("{id}-uitleg") });
                }
            }
        }
    };
    html! {
        @if !errors.is_empty() {
            div.utrecht-alert.utrecht-alert--error role="alert" #foutoverzicht tabindex="-1" {
                h2.utrecht-heading-2 { "De rapportage heeft " (errors.len()) " fout" @if errors.len() != 1 { "en" } }
                ul { @for (fid, m) in errors { li { a.utrecht-link href=(format!("#{fid}")) { (m) } } } }
            }
        }
        form.tuinier-form method="post" action=(format!("/regio/proeftuinen/{id}/rapportage")) novalidate {
            input type="hidden" name="csrf" value=(s.csrf);
            (input("periode", "periode", "Periode", "Bijvoorbeeld 2025-H1 (halfjaar) of 2025-Q1 (kwartaal)."))
            @for m in catalogue.active().iter().filter(|m| m.is_reported()) {
                (input(&format!("f-{}", m.key), &format!("f.{}", m.key), &m.label_nl, "Een heel getal, 0 of meer."))
            }
            (input("kosten", "kosten", "Gerealiseerde kosten (euro)", "Bijvoorbeeld 125000.00"))
            div.utrecht-form-field.utrecht-form-field--textarea {
                div.utrecht-form-field__label { label.utrecht-form-label for="lessen" { "Lessen" } }
                div.utrecht-form-field__input { textarea.utrecht-textarea.utrecht-textarea--html-textarea #lessen name="lessen" rows="3" { (value("lessen")) } }
            }
            div.tuinier-buttons { button.utrecht-button.utrecht-button--primary-action type="submit" { "Bewaren als concept" } }
        }
    }
}

/// `GET /regio/proeftuinen/:id/rapportage`: the form for a new progress report.
#[handler]
pub async fn report_page(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
) -> Response {
    let s = match require(req, state, &[Role::Region]).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let (p, catalogue) = match (
        monitoring::get(state, &s.who, id).await,
        monitoring::catalogue(state, &s.who).await,
    ) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(e), _) | (_, Err(e)) => return refusal(Some(&s), &e),
    };
    let body = html! {
        h1.utrecht-heading-1 { "Rapportage " (p.name) }
        (report_form(&s, id, &catalogue, &[], &BTreeMap::new()))
    };
    page("Rapportage invullen", Some(&s), body)
}

/// The service's field of a report (`figures.x`, `period`, `costs_realised`) as the form's control.
fn control(field: &str) -> String {
    match field.split_once('.') {
        Some(("figures", k)) => format!("f-{k}"),
        _ if field == "period" => "periode".into(),
        _ if field == "costs_realised" => "kosten".into(),
        _ => "lessen".into(),
    }
}

/// `POST /regio/proeftuinen/:id/rapportage`: creates the report as a draft.
#[handler]
pub async fn save_report(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = match require_post(req, state, &[Role::Region], &form).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let catalogue = match monitoring::catalogue(state, &s.who).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let mut figures = BTreeMap::new();
    let mut input_errors = Vec::new();
    for (k, v) in form.iter().filter_map(|(k, v)| Some((k.strip_prefix("f.")?, v.trim()))) {
        match v.parse::<i64>() {
            Ok(n) => {
                figures.insert(k.to_string(), serde_json::json!(n));
            }
            Err(_) if v.is_empty() => {}
            Err(_) => input_errors.push(crate::error::FieldError::new(
                format!("figures.{k}"),
                "Vul een heel getal in.",
            )),
        }
    }
    let costs = field(&form, "kosten").unwrap_or_default().trim().replace(',', ".");
    let costs_realised = Money::parse(&costs).ok();
    if costs_realised.is_none() {
        input_errors.push(crate::error::FieldError::new(
            "costs_realised",
            "Vul een bedrag in, zoals 125000.00.",
        ));
    }
    let narrative = Narrative {
        lessons: field(&form, "lessen").unwrap_or_default().to_string(),
        ..Narrative::default()
    };
    let input = ReportInput {
        period: field(&form, "periode").unwrap_or_default().trim().to_string(),
        figures,
        narrative,
        costs_realised,
        input_errors,
    };
    match monitoring::create_report(state, &s.who, id, input).await {
        Ok(_) => see_other(&format!("/monitoring/proeftuinen/{id}?gedaan=rapportage")),
        Err(crate::error::DomainError::Validation(errs)) => {
            let errors: BTreeMap<String, String> =
                errs.iter().map(|e| (control(&e.field), e.message.clone())).collect();
            let body = html! {
                h1.utrecht-heading-1 { "Rapportage invullen" }
                (report_form(&s, id, &catalogue, &form, &errors))
            };
            page_with(StatusCode::UNPROCESSABLE_ENTITY, "Rapportage invullen", Some(&s), body)
        }
        Err(e) => refusal(Some(&s), &e),
    }
}

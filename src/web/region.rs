//! The region's start page: its applications per call with their state and a countdown to the
//! submission deadline, its letters, and its proeftuinen (to monitoring).

use maud::html;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::layout::{date_nl, page, status_nl, th};
use super::refusal;
use super::session::require;
use crate::service::AppState;
use crate::service::applications::{self, ListQuery};
use crate::service::auth::Role;
use crate::service::{calls, letters, monitoring};

/// "nog 3 dagen en 4 uur", or that the moment has passed.
pub fn countdown(
    now: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> String {
    let left = until - now;
    if left <= chrono::TimeDelta::zero() {
        return "verstreken".into();
    }
    let days = left.num_days();
    let hours = left.num_hours() - days * 24;
    match days {
        0 => format!("nog {hours} uur"),
        1 => format!("nog 1 dag en {hours} uur"),
        d => format!("nog {d} dagen en {hours} uur"),
    }
}

// Long: the region's start page, from the service's reads.
/// `GET /regio`.
#[handler]
pub async fn home(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = match require(req, state, &[Role::Region]).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let calls = match calls::list_for(state, &s.who).await {
        Ok(c) => c,
        Err(e) => return refusal(Some(&s), &e),
    };
    let now = state.now();
    let mut rows = Vec::new();
    for call in &calls {
        let q = ListQuery { status: None, region: None, limit: 50, offset: 0 };
        let apps = applications::list_for_call(state, &s.who, call.id, q)
            .await
            .map(|p| p.items)
            .unwrap_or_default();
        let deadline = call.definition.moment("submission_deadline");
        for a in apps {
            let sent =
                letters::of_application(state, &s.who, a.application.id).await.unwrap_or_default();
            rows.push((call, a, deadline, sent));
        }
    }
    let proeftuinen = monitoring::list(state, &s.who).await.unwrap_or_default();
    let body = html! {
        h1.utrecht-heading-1 { "Uw regio" }
        section.tuinier-card aria-labelledby="aanvragen" {
            h2.utrecht-heading-2 #aanvragen { "Aanvragen" }
            @if rows.is_empty() { p.utrecht-paragraph { "Uw regio heeft nog geen aanvraag. Aanvragen dient u in via het systeem van uw regio (de API)." } }
            @else {
                table.utrecht-table.tuinier-table {
                    caption.utrecht-table__caption { "Aanvragen met status en termijn" }
                    thead.utrecht-table__header { tr.utrecht-table__row { (th("Oproep")) (th("Status")) (th("Indienen uiterlijk")) (th("Brieven")) } }
                    tbody.utrecht-table__body {
                        @for (call, a, deadline, sent) in &rows {
                            tr.utrecht-table__row {
                                th.utrecht-table__header-cell scope="row" { (call.definition.title) }
                                td.utrecht-table__cell { (status_nl(&a.application.status)) }
                                td.utrecht-table__cell {
                                    @if let Some(d) = deadline {
                                        (date_nl(*d)) br;
                                        @if a.application.status == "draft" { strong { (countdown(now, *d)) } }
                                    }
                                }
                                td.utrecht-table__cell {
                                    @for l in sent { a.utrecht-link href=(format!("/brieven/{}", l.id)) { (l.filename) } br; }
                                    @if sent.is_empty() { "–" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.tuinier-card aria-labelledby="proeftuinen" {
            h2.utrecht-heading-2 #proeftuinen { "Proeftuinen" }
            @if proeftuinen.is_empty() { p.utrecht-paragraph { "Nog geen proeftuin." } }
            ul.utrecht-unordered-list {
                @for p in &proeftuinen {
                    li { a.utrecht-link href=(format!("/monitoring/proeftuinen/{}", p.id)) { (p.name) } }
                }
            }
        }
    };
    page("Uw regio", Some(&s), body)
}

//! The web pages for assessors, programme staff and regions: server-rendered HTML in Dutch with
//! the NL Design System's CSS, sessions and a form token on every POST. The pages call the same
//! use cases in `service` as the API; no rule lives here.

pub mod assessor;
pub mod charts;
pub mod layout;
pub mod monitoring;
pub mod region;
pub mod session;
pub mod sheet_form;
pub mod staff;
pub mod staff_results;

use poem::http::StatusCode;
use poem::{Response, Route, get, post};

use crate::error::DomainError;
use crate::service::web_sessions::Session;

pub use session::{Gate, SignInGate};

/// Adds the pages to the root route (the API stays under `/v1`).
pub fn mount(route: Route) -> Route {
    route
        .at("/static/:version/:name", get(layout::static_file))
        .at("/start", get(session::home))
        .at("/inloggen", get(session::sign_in_page).post(session::sign_in))
        .at("/uitloggen", post(session::sign_out))
        .at("/beoordelen", get(assessor::my_work))
        .at("/beoordelen/aanvragen/:id", get(assessor::application).post(assessor::save))
        .at("/beoordelen/aanvragen/:id/documenten/:doc", get(assessor::document))
        .at("/programma", get(staff::calls_page))
        .at("/programma/oproepen/:id", get(staff::dashboard))
        .at("/programma/oproepen/:id/rondes/:round/sluiten", post(staff::close_round))
        .at("/programma/oproepen/:id/gelijke-stand", post(staff::tie))
        .at("/programma/aanvragen/:id/knock-out", post(staff::knockout))
        .at("/programma/oproepen/:id/uitslag", get(staff_results::results))
        .at(
            "/programma/oproepen/:id/publiceren/:round",
            get(staff_results::publish_preview).post(staff_results::publish),
        )
        .at("/programma/aanvragen/:id/briefvoorbeeld", get(staff_results::letter_preview))
        .at("/programma/oproepen/:id/brieven", get(staff_results::letters_page))
        .at("/programma/uitgaand", get(staff_results::outbox_page))
        .at("/brieven/:id", get(staff_results::letter))
        .at("/regio", get(region::home))
        .at("/monitoring/proeftuinen/:id", get(monitoring::proeftuin))
        .at(
            "/regio/proeftuinen/:id/rapportage",
            get(monitoring::report_page).post(monitoring::save_report),
        )
}

/// The page for a use case's refusal.
pub fn refusal(session: Option<&Session>, err: &DomainError) -> Response {
    let (status, detail) = match err {
        DomainError::NotFound(_) => (StatusCode::NOT_FOUND, None),
        DomainError::Forbidden(d) => (StatusCode::FORBIDDEN, Some(d.clone())),
        DomainError::Conflict(d) | DomainError::DeadlinePassed(d) => {
            (StatusCode::CONFLICT, Some(d.clone()))
        }
        DomainError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        _ => {
            tracing::error!(error = %err, "web page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, None)
        }
    };
    layout::error_page(session, status, detail.as_deref())
}

/// Whether a request asks for a page (a browser) rather than JSON.
pub fn wants_html(req: &poem::Request) -> bool {
    req.headers()
        .get(poem::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

//! The frame of every page: `lang="nl"`, a skip link, the header with the signed-in person and
//! the sign-out button, one `main` landmark and the footer; the error pages; the static files.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use poem::http::{StatusCode, header};
use poem::{Response, handler, web::Path};

use crate::service::auth::Role;
use crate::service::web_sessions::Session;

/// The NL Design System CSS (see `static/vendor/README.md`) and the pages' own layout rules.
const UTRECHT_CSS: &[u8] = include_bytes!("../../static/vendor/utrecht/index.css");
const THEME_CSS: &[u8] = include_bytes!("../../static/vendor/voorbeeld/theme.css");
const OWN_CSS: &[u8] = include_bytes!("../../static/tuinier.css");
const OWN_JS: &[u8] = include_bytes!("../../static/tuinier.js");

/// The version in the static paths: a new build gets new URLs, so the files may be cached long.
const STATIC_VERSION: &str = env!("CARGO_PKG_VERSION");

fn asset(name: &str) -> String {
    format!("/static/{STATIC_VERSION}/{name}")
}

/// `/static/:version/:name`: the CSS and the small script, cached for a year.
#[handler]
pub fn static_file(Path((_version, name)): Path<(String, String)>) -> Response {
    let (bytes, kind) = match name.as_str() {
        "utrecht.css" => (UTRECHT_CSS, "text/css; charset=utf-8"),
        "theme.css" => (THEME_CSS, "text/css; charset=utf-8"),
        "tuinier.css" => (OWN_CSS, "text/css; charset=utf-8"),
        "tuinier.js" => (OWN_JS, "text/javascript; charset=utf-8"),
        _ => return error_page(None, StatusCode::NOT_FOUND, None),
    };
    Response::builder()
        .content_type(kind)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(bytes.to_vec())
}

/// The Dutch name of a role, for the header.
pub fn role_nl(role: Role) -> &'static str {
    match role {
        Role::Staff => "programmabureau",
        Role::Assessor => "beoordelaar",
        Role::Region => "regio",
    }
}

/// Where a role starts.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Staff => "/programma",
        Role::Assessor => "/beoordelen",
        Role::Region => "/regio",
    }
}

fn header_bar(session: Option<&Session>) -> Markup {
    html! {
        header.tuinier-header {
            div.tuinier-header__inner {
                a.tuinier-logo href="/" { span.tuinier-logo__mark aria-hidden="true" { "T" } " Tuinier" }
                @if let Some(s) = session {
                    nav.tuinier-nav aria-label="Hoofdmenu" {
                        a.utrecht-link href=(home_of(s.who.role)) { "Start" }
                    }
                    div.tuinier-user {
                        span { (s.who.name) " (" (role_nl(s.who.role)) ")" }
                        form method="post" action="/uitloggen" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button.utrecht-button.utrecht-button--secondary-action type="submit" {
                                "Uitloggen"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A whole page with `status`.
pub fn page_with(
    status: StatusCode,
    title: &str,
    session: Option<&Session>,
    body: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="nl" class="voorbeeld-theme" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Tuinier" }
                link rel="stylesheet" href=(asset("utrecht.css"));
                link rel="stylesheet" href=(asset("theme.css"));
                link rel="stylesheet" href=(asset("tuinier.css"));
                script src=(asset("tuinier.js")) defer {}
            }
            body.utrecht-document.utrecht-document--surface {
                a.tuinier-skip href="#inhoud" { "Naar de inhoud" }
                (header_bar(session))
                main #inhoud .tuinier-main tabindex="-1" { (body) }
                footer.tuinier-footer {
                    div.tuinier-footer__inner {
                        p { "Tuinier – subsidies en monitoring van de proeftuinen, Toekomstscenario kind- en gezinsbescherming." }
                        p { "Vragen? Neem contact op met het programmabureau." }
                    }
                }
            }
        }
    };
    html_response(status, markup)
}

pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Frame-Options", "DENY")
        .header("Referrer-Policy", "same-origin")
        .body(markup.into_string())
}

/// A page with 200.
pub fn page(title: &str, session: Option<&Session>, body: Markup) -> Response {
    page_with(StatusCode::OK, title, session, body)
}

/// An error page in Dutch; `detail` is what the service said, shown as an explanation.
pub fn error_page(session: Option<&Session>, status: StatusCode, detail: Option<&str>) -> Response {
    let (title, text) = match status.as_u16() {
        400 => ("Verzoek niet begrepen", "Het formulier kwam niet goed aan. Probeer het opnieuw."),
        403 => ("Geen toegang", "U heeft geen toegang tot deze pagina."),
        404 => (
            "Pagina niet gevonden",
            "Deze pagina bestaat niet (meer), of u heeft er geen toegang toe.",
        ),
        409 => {
            ("Dat kan nu niet", "Deze stap kan in de huidige stand van zaken niet worden gezet.")
        }
        429 => (
            "Even wachten",
            "Te veel mislukte pogingen om in te loggen. Probeer het over een paar minuten opnieuw.",
        ),
        _ => ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    };
    let body = html! {
        h1.utrecht-heading-1 { (title) }
        p.utrecht-paragraph { (text) }
        @if let Some(d) = detail {
            div.utrecht-alert.utrecht-alert--warning role="status" {
                p.utrecht-paragraph { "Toelichting: " (d) }
            }
        }
        p.utrecht-paragraph { a.utrecht-link href="/" { "Naar de startpagina" } }
    };
    page_with(status, title, session, body)
}

/// A redirect after a form (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, to).finish()
}

/// A short confirmation at the top of a page (after a redirect: `?gedaan=...`).
pub fn notice(text: &str) -> Markup {
    html! {
        div.utrecht-alert.utrecht-alert--ok role="status" {
            p.utrecht-paragraph { (text) }
        }
    }
}

/// Dates and moments the Dutch way, in Amsterdam time.
pub fn date_nl(at: chrono::DateTime<chrono::Utc>) -> String {
    let off = crate::domain::dutch::amsterdam_offset(at);
    let local = at.with_timezone(&off);
    format!("{} {}", local.format("%d-%m-%Y"), local.format("%H:%M"))
}

pub fn day_nl(d: chrono::NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// Inline SVG or other ready markup.
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}

/// An application's state in Dutch.
pub fn status_nl(status: &str) -> &str {
    match status {
        "draft" => "Concept",
        "submitted" => "Ingediend",
        "invited_to_interview" => "Uitgenodigd voor gesprek",
        "rejected_knockout" => "Afgewezen (knock-out)",
        "rejected_below_threshold" => "Afgewezen (onder de drempel)",
        "awarded" => "Toegekend",
        "not_awarded" => "Niet toegekend",
        "tie_needs_decision" => "Gelijke stand: besluit nodig",
        other => other,
    }
}

/// A round's state in Dutch.
pub fn round_state_nl(state: &str) -> &str {
    match state {
        "not_open" => "nog niet open",
        "open" => "open",
        "closed" => "gesloten",
        "published" => "gepubliceerd",
        other => other,
    }
}

/// The table helpers every page uses: a header cell and a caption.
pub fn th(text: &str) -> Markup {
    html! { th.utrecht-table__header-cell scope="col" { (text) } }
}

//! Signing in and out, the session cookie and the form token (CSRF) every POST carries.
//!
//! The cookie is `HttpOnly`, `SameSite=Strict`, and `Secure` unless the page is served from the
//! machine itself (localhost); it holds a random secret of which only the hash is stored. The
//! sign-in form counts failed tokens in the same throttle as the API's bearer tokens.

use std::net::IpAddr;
use std::sync::Arc;

use maud::html;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::layout::{self, error_page, page, page_with, see_other};
use crate::service::AppState;
use crate::service::auth::Role;
use crate::service::web_sessions::{self, Session};

const COOKIE: &str = "tuinier_sessie";

/// The sign-in throttle the API uses (`api::sign_in`), as the pages see it; `startup` hands the
/// same one to both.
pub trait SignInGate: Send + Sync {
    /// `Err(seconds to wait)` while this client has used up its failed attempts.
    fn check(&self, client: IpAddr) -> Result<(), u64>;
    /// Counts a failed attempt; answers how many this client made.
    fn failed(&self, client: IpAddr) -> u64;
}

pub type Gate = Arc<dyn SignInGate>;

fn cookie_secret(req: &Request) -> Option<String> {
    let cookies = req.headers().get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_string())
    })
}

fn on_localhost(req: &Request) -> bool {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

fn set_cookie(req: &Request, value: &str, max_age: i64) -> String {
    let secure = if on_localhost(req) { "" } else { "; Secure" };
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The session of this request, if it carries a live one.
pub async fn current(req: &Request, state: &AppState) -> Option<Session> {
    let secret = cookie_secret(req)?;
    web_sessions::resume(state, &secret).await.ok().flatten()
}

/// The session, if its person has one of `roles`; otherwise the answer to give instead (to the
/// sign-in page without a session, 403 with the wrong role).
pub async fn require(req: &Request, state: &AppState, roles: &[Role]) -> Result<Session, Response> {
    match current(req, state).await {
        None => Err(see_other("/inloggen")),
        Some(s) if roles.contains(&s.who.role) => Ok(s),
        Some(s) => Err(error_page(Some(&s), StatusCode::FORBIDDEN, None)),
    }
}

/// Compares the form's token with the session's, without an early exit.
pub fn csrf_ok(session: &Session, sent: Option<&str>) -> bool {
    let Some(sent) = sent else { return false };
    let (a, b) = (session.csrf.as_bytes(), sent.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of a form field.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A POST's session with its form token checked: the answer to give instead when either fails.
pub async fn require_post(
    req: &Request,
    state: &AppState,
    roles: &[Role],
    form: &[(String, String)],
) -> Result<Session, Response> {
    let s = require(req, state, roles).await?;
    if !csrf_ok(&s, field(form, "csrf")) {
        return Err(error_page(
            Some(&s),
            StatusCode::FORBIDDEN,
            Some("het formulier is verlopen of komt niet van deze site; laad de pagina opnieuw"),
        ));
    }
    Ok(s)
}

/// `/`: the landing page of the signed-in person's role, or the sign-in page.
#[handler]
pub async fn home(req: &Request, Data(state): Data<&AppState>) -> Response {
    match current(req, state).await {
        Some(s) => see_other(layout::home_of(s.who.role)),
        None => see_other("/inloggen"),
    }
}

fn sign_in_form(error: Option<&str>) -> maud::Markup {
    html! {
        h1.utrecht-heading-1 { "Inloggen" }
        p.utrecht-paragraph {
            "Log in met de toegangscode die u van het programmabureau heeft gekregen. "
            "U blijft " (web_sessions::SESSION_HOURS) " uur ingelogd."
        }
        @if let Some(e) = error {
            div.utrecht-alert.utrecht-alert--error role="alert" #fouten {
                h2.utrecht-heading-2 { "Inloggen lukte niet" }
                ul { li { a.utrecht-link href="#token" { (e) } } }
            }
        }
        form.tuinier-form method="post" action="/inloggen" {
            div.utrecht-form-field.utrecht-form-field--text[error.is_some()]
                .utrecht-form-field--invalid[error.is_some()] {
                div.utrecht-form-field__label {
                    label.utrecht-form-label for="token" { "Toegangscode" }
                }
                div.utrecht-form-field__description #token-uitleg {
                    "Begint met tnr_. U vindt hem in de uitnodiging van het programmabureau."
                }
                @if let Some(e) = error {
                    div.utrecht-form-field-error-message #token-fout { (e) }
                }
                div.utrecht-form-field__input {
                    input.utrecht-textbox.utrecht-textbox--html-input #token name="token"
                        type="password" autocomplete="current-password" required
                        aria-invalid=[error.map(|_| "true")]
                        aria-describedby=(if error.is_some() { "token-uitleg token-fout" } else { "token-uitleg" });
                }
            }
            button.utrecht-button.utrecht-button--primary-action type="submit" { "Inloggen" }
        }
    }
}

/// `GET /inloggen`.
#[handler]
pub async fn sign_in_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    if let Some(s) = current(req, state).await {
        return see_other(layout::home_of(s.who.role));
    }
    page("Inloggen", None, sign_in_form(None))
}

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    token: String,
}

/// `POST /inloggen`: a valid token starts a session; a wrong one counts as a failed attempt.
#[handler]
pub async fn sign_in(
    req: &Request,
    Data(state): Data<&AppState>,
    Data(gate): Data<&Gate>,
    Form(form): Form<SignIn>,
) -> Response {
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
    if let Some(ip) = client
        && let Err(wait) = gate.check(ip)
    {
        tracing::warn!(target: "tuinier::auth", client = %ip, retry_after = wait, "web.sign_in.throttled");
        let mut resp = error_page(None, StatusCode::TOO_MANY_REQUESTS, None);
        if let Ok(v) = wait.to_string().parse() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    match web_sessions::start(state, &form.token).await {
        Ok(Some((secret, session))) => {
            tracing::info!(target: "tuinier::auth", user_id = session.who.user_id, "web.sign_in");
            let mut resp = see_other(layout::home_of(session.who.role));
            let max_age = web_sessions::SESSION_HOURS * 3600;
            if let Ok(v) = set_cookie(req, &secret, max_age).parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(None) => {
            if let Some(ip) = client {
                let count = gate.failed(ip);
                tracing::warn!(target: "tuinier::auth", client = %ip, failures = count, "web.sign_in.failed");
            }
            let msg =
                "Deze toegangscode kennen we niet. Controleer de code en probeer het opnieuw.";
            page_with(StatusCode::UNAUTHORIZED, "Inloggen", None, sign_in_form(Some(msg)))
        }
        Err(_) => error_page(None, StatusCode::INTERNAL_SERVER_ERROR, None),
    }
}

/// `POST /uitloggen`: ends the session and clears the cookie.
#[handler]
pub async fn sign_out(
    req: &Request,
    Data(state): Data<&AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s =
        match require_post(req, state, &[Role::Staff, Role::Assessor, Role::Region], &form).await {
            Ok(s) => s,
            Err(resp) => return resp,
        };
    if let Some(secret) = cookie_secret(req) {
        let _ = web_sessions::end(state, &secret).await;
    }
    tracing::info!(target: "tuinier::auth", user_id = s.who.user_id, "web.sign_out");
    let body = html! {
        h1.utrecht-heading-1 { "U bent uitgelogd" }
        p.utrecht-paragraph { a.utrecht-link href="/inloggen" { "Opnieuw inloggen" } }
    };
    let mut resp = page("Uitgelogd", None, body);
    if let Ok(v) = set_cookie(req, "", 0).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

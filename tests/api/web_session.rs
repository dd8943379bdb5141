//! The web pages' session (issue 16): the cookie's flags, the form token on every POST, signing
//! out, expiry, and a page for a browser at `/` while the API's clients keep their answers.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::common::spawn_app;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the form; answers the cookie (`name=value`) and the whole `Set-Cookie`.
async fn sign_in(root: &str, token: &str) -> (String, String) {
    let resp = no_redirects()
        .post(format!("{root}/inloggen"))
        .form_of(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/programma");
    let set = resp.headers()[SET_COOKIE].to_str().unwrap().to_string();
    (set.split(';').next().unwrap().to_string(), set)
}

/// A form body (the values here are tokens: letters, digits and `_`, nothing to escape).
trait FormBody {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.header("content-type", "application/x-www-form-urlencoded").body(body.join("&"))
    }
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form token on the page") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn the_session_cookie_is_strict_and_every_post_needs_the_form_token() {
    let app = spawn_app().await;
    let root = &app.root;
    let c = no_redirects();

    // `/`: a browser is led to the pages, an API client to the documentation.
    let page = c.get(format!("{root}/")).header(ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(
        page.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string()),
        Some("/start".to_string()),
        "{:?} {:?}",
        page.status(),
        page.headers()
    );
    let api = c.get(format!("{root}/")).send().await.unwrap();
    assert_eq!(api.headers()[LOCATION], "/docs");
    let start = c.get(format!("{root}/start")).send().await.unwrap();
    assert_eq!(start.headers()[LOCATION], "/inloggen", "without a session: the sign-in page");

    // A wrong token: 401 with the form again, no cookie.
    let wrong = c.post(format!("{root}/inloggen")).form_of(&[("token", "tnr_nope")]).send().await;
    let wrong = wrong.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.text().await.unwrap().contains("lang=\"nl\""));

    let (cookie, set) = sign_in(root, &app.staff_token).await;
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains("Secure"), "no Secure flag on localhost: {set}");
    assert!(!set.contains(&app.staff_token), "the cookie is not the token");
    let home = c.get(format!("{root}/programma")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("Programmabureau"));
    let csrf = csrf_of(&html);

    // Outside localhost the cookie is Secure.
    let far = no_redirects()
        .post(format!("{root}/inloggen"))
        .header("Host", "tuinier.example")
        .form_of(&[("token", app.staff_token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(far.headers()[SET_COOKIE].to_str().unwrap().contains("; Secure"));

    // A POST without the form token, or with another, is refused and changes nothing.
    for token in [None, Some("0".repeat(64))] {
        let mut form: Vec<(&str, &str)> = vec![];
        if let Some(t) = &token {
            form.push(("csrf", t.as_str()));
        }
        let out = c
            .post(format!("{root}/uitloggen"))
            .header(COOKIE, &cookie)
            .form_of(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::FORBIDDEN);
    }
    let still = c.get(format!("{root}/programma")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK);

    // Signing out ends the session.
    let out = c
        .post(format!("{root}/uitloggen"))
        .header(COOKIE, &cookie)
        .form_of(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert!(out.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let gone = c.get(format!("{root}/programma")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(gone.headers()[LOCATION], "/inloggen");

    // An expired session is no session.
    let (cookie, _) = sign_in(root, &app.staff_token).await;
    for row in entity::web_session::Entity::find().all(&app.state.db).await.unwrap() {
        let mut row: entity::web_session::ActiveModel = row.into();
        row.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
        row.update(&app.state.db).await.unwrap();
    }
    let expired = c.get(format!("{root}/programma")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(expired.headers()[LOCATION], "/inloggen");

    // A role's pages are closed to another role; an unknown page is a Dutch 404 for a browser.
    let (cookie, _) = sign_in(root, &app.staff_token).await;
    let other = c.get(format!("{root}/regio")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let missing = c.get(format!("{root}/nergens")).header(ACCEPT, "text/html").send().await;
    let missing = missing.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Pagina niet gevonden"));
    let css = c.get(format!("{root}/static/0/utrecht.css")).send().await.unwrap();
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"));
}

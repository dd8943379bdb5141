//! Issue 15, publication that scales: the final decision commits with its letters pending; the
//! letters are rendered afterwards, one at a time, while a region and an assessor go on writing;
//! each letter's bytes and SHA-256 are fixed at its first render; every decision email leaves
//! with its letter.

// The SMTP sink, as `mail_delivery` uses it (a module of its own there).
#[allow(clippy::duplicate_mod)]
#[path = "../common/smtp.rs"]
mod smtp;

use std::sync::Arc;

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use smtp::{SmtpServer, base64_decode};
use tuinier::mail::worker::{Settings, SmtpTransport, Worker};
use tuinier::scenario::{Rehearsal, relabel};
use tuinier::service::letters;

use crate::common::*;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The attachment of a received message: (file name, bytes).
fn attachment_of(data: &str) -> Option<(String, Vec<u8>)> {
    let start = data.find("Content-Disposition: attachment")?;
    let part = &data[start..];
    let body_start = part.find("\r\n\r\n")? + 4;
    let head = part[..body_start].replace("\r\n ", " ").replace("\r\n\t", " ");
    let filename: String = head
        .lines()
        .next()?
        .split(';')
        .map(str::trim)
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k == "filename" || k.starts_with("filename*"))
        .map(|(_, v)| v.trim_matches('"').to_string())
        .collect();
    let body = &part[body_start..];
    let body = &body[..body.find("\r\n--").unwrap_or(body.len())];
    Some((filename, base64_decode(body)))
}

async fn pending(app: &TestApp) -> u64 {
    entity::letter::Entity::find()
        .filter(entity::letter::Column::Sha256.is_null())
        .count(&app.state.db)
        .await
        .unwrap()
}

// Long: one story from publication to delivery, checked at each step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_commits_first_letters_render_after_it_while_writes_go_on_and_each_email_carries_its_letter()
 {
    let scenario = load_scenario();
    let opening = at(scenario["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "publication")
        .unwrap()["at"]
        .as_str()
        .unwrap());
    let app = spawn_app_at(opening - Duration::days(1)).await;
    let rehearsal =
        |s: &Value| Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), s);
    let mut a = rehearsal(&scenario);
    // A second call of the same programme, in its first round while the first is decided.
    let other = relabel(&scenario, "-b");
    let mut b = rehearsal(&other);
    a.setup().await.expect("setup");
    b.setup().await.expect("setup b");
    // The other call first: the first's intake ends past the deadline (its refused inputs).
    b.intake().await.expect("intake b");
    a.intake().await.expect("intake");
    a.first_round().await.expect("first round");
    a.publish_first_round().await.expect("first publication");
    a.final_round().await.expect("final round");
    let t0 = std::time::Instant::now();
    a.publish_final().await.expect("final publication");
    eprintln!("publish_final answered in {:?}", t0.elapsed());
    let call = a.call_id();

    // The decision is there, its letters are pending: listed with their state, no hash yet.
    let page = app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await;
    let page = page.ok().clone();
    let listed = page["items"].as_array().unwrap().clone();
    assert_eq!(page["total"].as_u64(), Some(u64::try_from(listed.len()).unwrap()), "one page");
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|l| l["state"] == "pending" && l.get("sha256").is_none()));
    let before = pending(&app).await;
    assert_eq!(before, u64::try_from(listed.len()).unwrap());
    let emails = tuinier::mail::outbox::of_kind(&app.state.db, "award_letter").await.unwrap();
    assert!(!emails.is_empty());
    assert!(
        emails.iter().all(|e| e.attachment_filename.is_some() && e.attachment_content.is_none()),
        "an award email waits for its letter"
    );

    // The worker renders, one letter at a time; meanwhile an assessor of the other call saves a
    // sheet and an awarded region writes: none of them waits for the whole publication.
    let state = app.state.clone();
    let worker = tokio::spawn(async move { letters::render_pending(&state, 1).await });
    assert!(pending(&app).await > 0, "letters are pending while the writes go on");
    let score = &other["first_round_scores"][0];
    let target = score["application"].as_str().unwrap();
    let (_, assessor) = b.assessor(score["assessor"].as_str().unwrap()).unwrap();
    let id = b.application_id(target).unwrap();
    let sheet = json!({"knockout": score["knockout"], "scores": score["scores"], "motivation": score["motivation"]});
    let t1 = std::time::Instant::now();
    app.put(&format!("/applications/{id}/sheets/first/draft"), &assessor, &sheet).await.ok();
    eprintln!("a sheet saved in {:?} while letters render", t1.elapsed());
    // A region's write: the awarded region starts its first progress report.
    let awarded = listed.iter().find(|l| l["kind"] == "award").unwrap();
    let region_app = awarded["application_id"].as_i64().unwrap();
    let region_ref = scenario["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ref"].as_str().unwrap())
        .find(|r| a.application_id(r).ok() == Some(region_app))
        .unwrap();
    let region = a.region_token(region_ref).unwrap();
    let t2 = std::time::Instant::now();
    let proeftuinen = app.get("/proeftuinen", &region).await.ok().clone();
    let proeftuin = proeftuinen.as_array().and_then(|p| p.first()).cloned().unwrap_or_default();
    let started = proeftuin["started_on"].as_str().unwrap_or("2023-01-01").to_string();
    let month: u32 = started[5..7].parse().unwrap();
    let period = format!("{}-Q{}", &started[..4], (month - 1) / 3 + 1);
    // The proeftuin's first quarter has begun (the letters keep the date of the decision).
    let begun = at(&format!("{started}T12:00:00+01:00"));
    if begun > app.clock_now() {
        app.clock.set(begun);
    }
    let created = app
        .post(
            &format!("/proeftuinen/{}/progress-reports", proeftuin["id"]),
            &region,
            &json!({"period": period}),
        )
        .await;
    eprintln!("a region's write answered {} in {:?}", created.status, t2.elapsed());
    assert!(created.status.is_success(), "{}", created.body);
    let rendered = worker.await.unwrap().expect("render");
    assert!(rendered > 0 && u64::try_from(rendered).unwrap() <= before);
    assert_eq!(pending(&app).await, 0, "every letter is rendered");

    // Each letter as stored: its hash is that of its bytes; the list says rendered.
    let listed = app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await;
    let listed = listed.ok()["items"].clone();
    assert_eq!(listed.as_array().unwrap().len(), usize::try_from(before).unwrap());
    for l in listed.as_array().unwrap() {
        assert_eq!(l["state"], "rendered");
        let bytes = app.get(l["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(l["sha256"], sha256_hex(&bytes).as_str());
    }

    // Rendered twice, the same letter: made pending again and rendered anew, the same bytes; and
    // a second render never overwrites the first.
    let first = &listed.as_array().unwrap()[0];
    let letter_id = i32::try_from(first["id"].as_i64().unwrap()).unwrap();
    let stored = letters::rendered(&app.state, letter_id).await.unwrap();
    entity::letter::Entity::update_many()
        .col_expr(entity::letter::Column::Content, Expr::value(Option::<Vec<u8>>::None))
        .col_expr(entity::letter::Column::Sha256, Expr::value(Option::<String>::None))
        .filter(entity::letter::Column::Id.eq(letter_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let again = letters::rendered(&app.state, letter_id).await.unwrap();
    assert_eq!(again.content, stored.content, "rendered twice, the same bytes");
    assert_eq!(again.sha256, stored.sha256);
    let overwritten =
        tuinier::store::letters::fix_content(&app.state.db, letter_id, b"%PDF-other", "0")
            .await
            .unwrap();
    assert!(!overwritten, "the first render stands");
    assert_eq!(letters::rendered(&app.state, letter_id).await.unwrap().content, stored.content);

    // Delivered: each decision email carries its letter, byte for byte.
    let server = SmtpServer::start().await;
    let transport = SmtpTransport::from_url(&server.url()).expect("SMTP URL");
    let worker = Worker::new(app.state.clone(), Arc::new(transport), Settings::default()).unwrap();
    worker.drain().await.expect("deliver");
    let received = server.messages();
    let mut carried = 0;
    for kind in ["award_letter", "rejection_final", "rejection_first_round"] {
        for e in tuinier::mail::outbox::of_kind(&app.state.db, kind).await.unwrap() {
            assert_eq!(e.status, "sent", "{kind} {}", e.id);
            let m = received
                .iter()
                .find(|m| m.header("Message-ID").as_deref() == Some(e.message_id.as_str()))
                .unwrap_or_else(|| panic!("{kind} {} arrived", e.id));
            let (filename, bytes) = attachment_of(&m.data).expect("with its letter");
            assert_eq!(Some(filename.as_str()), e.attachment_filename.as_deref());
            let application = tuinier::mail::outbox::application_of_target(&e.target).unwrap();
            let letter =
                tuinier::store::letters::by_filename(&app.state.db, application, &filename)
                    .await
                    .unwrap()
                    .expect("its letter");
            assert_eq!(Some(sha256_hex(&bytes)), letter.sha256, "{kind} {}", e.id);
            carried += 1;
        }
    }
    let attached =
        listed.as_array().unwrap().iter().filter(|l| l["kind"] != "interview_invitation").count();
    assert_eq!(carried, attached, "one email per decision letter, each with it");
    let report = tuinier::service::verify::run(&app.state.db).await.unwrap();
    assert!(report.differences.is_empty(), "{:#?}", report.differences);
}

/// The public scenario with every application `copies` times (refs, regions, emails and
/// municipalities made distinct), room for every finalist among the awards and under the ceiling,
/// so that no tie or ceiling needs a decision by hand.
fn scaled(s: &Value, copies: usize) -> Value {
    let mut out = s.clone();
    let suffixed = |v: &Value, j: usize| Value::String(format!("{}-{j}", v.as_str().unwrap()));
    let mut apps = Vec::new();
    let (mut first, mut last, mut conflicts, mut knockouts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for j in 0..copies {
        for a in s["applications"].as_array().unwrap() {
            let mut a = a.clone();
            a["ref"] = suffixed(&a["ref"], j);
            a["region"] = format!("{} {j}", a["region"].as_str().unwrap()).into();
            let email =
                a["penvoerder"]["email"].as_str().unwrap().replacen('@', &format!("+{j}@"), 1);
            a["penvoerder"]["email"] = email.into();
            for m in a["municipalities"].as_array_mut().unwrap() {
                m["name"] = format!("{} {j}", m["name"].as_str().unwrap()).into();
            }
            a["penvoerder"]["municipality"] = a["municipalities"][0]["name"].clone();
            apps.push(a);
        }
        for (key, into) in [
            ("first_round_scores", &mut first),
            ("final_round_scores", &mut last),
            ("conflicts_of_interest", &mut conflicts),
        ] {
            for x in s[key].as_array().unwrap() {
                let mut x = x.clone();
                x["application"] = suffixed(&x["application"], j);
                into.push(x);
            }
        }
        for k in s["decisions"]["knockout"].as_array().unwrap() {
            let mut k = k.clone();
            k["application"] = suffixed(&k["application"], j);
            knockouts.push(k);
        }
    }
    out["applications"] = apps.into();
    out["first_round_scores"] = first.into();
    out["final_round_scores"] = last.into();
    out["conflicts_of_interest"] = conflicts.into();
    out["decisions"]["knockout"] = knockouts.into();
    out["call"]["max_awards"] =
        (s["call"]["max_awards"].as_u64().unwrap() * 10 * copies as u64).into();
    out["call"]["budget_ceiling"] = "900000000.00".into();
    if let Some(o) = out.as_object_mut() {
        o.remove("rejected_inputs");
        o.remove("expected");
    }
    out
}

/// What a publication costs at a size: `TUINIER_SCALE_COPIES` copies of the public scenario
/// (9 applications each). Prints the time of each publication request and of rendering its
/// letters. `cargo test --release --test api -- --ignored publication_at_scale --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run it by hand"]
async fn publication_at_scale() {
    let copies: usize =
        std::env::var("TUINIER_SCALE_COPIES").ok().and_then(|c| c.parse().ok()).unwrap_or(23);
    let s = scaled(&load_scenario(), copies);
    let opening = at(s["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "publication")
        .unwrap()["at"]
        .as_str()
        .unwrap());
    let app = spawn_app_at(opening - Duration::days(1)).await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    let n = s["applications"].as_array().unwrap().len();
    let t = std::time::Instant::now();
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    eprintln!("{n} applications: setup, intake and first round in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    r.publish_first_round().await.expect("first publication");
    eprintln!(
        "{n} applications: first-round publication (with its interview settings) {:?}",
        t.elapsed()
    );
    let pending_first = pending(&app).await;
    let t = std::time::Instant::now();
    let rendered = letters::render_pending(&app.state, 50).await.expect("render");
    eprintln!(
        "{n} applications: {rendered} first-round letters rendered in {:?} ({pending_first} pending)",
        t.elapsed()
    );
    r.final_round().await.expect("final round");
    let decision = at(s["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "final_decision")
        .unwrap()["at"]
        .as_str()
        .unwrap());
    if decision > app.clock_now() {
        app.clock.set(decision);
    }
    let t = std::time::Instant::now();
    let call = r.call_id();
    app.post(&format!("/calls/{call}/rounds/final/publish"), &app.staff_token, &json!({}))
        .await
        .ok();
    eprintln!("{n} applications: POST /calls/{{id}}/rounds/final/publish took {:?}", t.elapsed());
    let pending_final = pending(&app).await;
    let t = std::time::Instant::now();
    let rendered = letters::render_pending(&app.state, 50).await.expect("render");
    eprintln!(
        "{n} applications: {rendered} final letters rendered in {:?} ({pending_final} pending)",
        t.elapsed()
    );
    assert_eq!(pending(&app).await, 0);
}

/// The SQL statements of the final publication's request, on a service of its own whose
/// connection counts every statement it runs.
async fn publication_statements(copies: usize) -> (usize, usize, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let s = scaled(&load_scenario(), copies);
    let opening = at(s["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "publication")
        .unwrap()["at"]
        .as_str()
        .unwrap());
    let (url, _dir) = fresh_database().await;
    let clock = tuinier::clock::SettableClock::new(opening - Duration::days(1));
    let count = Arc::new(AtomicUsize::new(0));
    let mut db = tuinier::store::connect(&url).await.unwrap();
    let counter = count.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    tuinier::store::migrate(&db).await.unwrap();
    let state = tuinier::service::AppState::new(db, Arc::new(clock.clone()));
    let staff = tuinier::service::users::add(
        &state,
        &tuinier::service::Actor::system("test"),
        tuinier::service::users::NewUser {
            name: "Programmabureau".into(),
            email: "staff@tuinier.example".into(),
            role: "staff".into(),
            organisation: None,
            reference: None,
            region: None,
        },
    )
    .await
    .unwrap();
    let server =
        tuinier::startup::spawn(state.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{}/v1", server.addr);
    let mut r = Rehearsal::new(base.clone(), staff.token.clone(), clock.clone(), &s);
    r.setup().await.unwrap();
    r.intake().await.unwrap();
    r.first_round().await.unwrap();
    r.publish_first_round().await.unwrap();
    r.final_round().await.unwrap();
    let decision = at(s["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "final_decision")
        .unwrap()["at"]
        .as_str()
        .unwrap());
    {
        use tuinier::clock::Clock;
        if decision > clock.now() {
            clock.set(decision);
        }
    }
    let before = count.load(Ordering::Relaxed);
    let answer = reqwest::Client::new()
        .post(format!("{base}/calls/{}/rounds/final/publish", r.call_id()))
        .bearer_auth(&staff.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let statements = count.load(Ordering::Relaxed) - before;
    let awards = entity::proeftuin::Entity::find().count(&state.db).await.unwrap();
    server.stop().await;
    (s["applications"].as_array().unwrap().len(), statements, usize::try_from(awards).unwrap())
}

/// The final publication's statements do not grow with the call beyond what each award's
/// proeftuin costs (monitoring): the statuses, letters, emails and audit lines of all the
/// applications go in a few multi-row statements.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_publications_statements_do_not_grow_per_application() {
    let (small, at_small, awards_small) = publication_statements(1).await;
    let (large, at_large, awards_large) = publication_statements(4).await;
    eprintln!(
        "final publication: {small} applications ({awards_small} awards) {at_small} statements; \
         {large} applications ({awards_large} awards) {at_large} statements"
    );
    // Per 100 applications more (whole numbers: these are counts).
    let growth = (at_large - at_small) * 100 / (large - small);
    let per_award = (at_large - at_small) / (awards_large - awards_small).max(1);
    eprintln!("growth: {growth} statements per 100 applications; {per_award} per award");
    // Each award becomes a proeftuin (monitoring: a few statements each, bounded by the call's
    // awards); beyond that, nothing grows with the number of applications.
    let beyond_awards = (at_large - at_small).saturating_sub(8 * (awards_large - awards_small));
    assert!(
        beyond_awards <= 12,
        "{beyond_awards} statements more for {} more applications, beyond their awards",
        large - small
    );
}

/// A fresh server with the scenario's first round submitted and closed and its knock-out
/// decisions recorded (each answered 200).
struct Closed {
    app: TestApp,
    r: Rehearsal,
    call: tuinier::store::calls::StoredCall,
    /// Each knock-out decision with the path it was posted to.
    decided: Vec<(Value, String)>,
}

/// Publishes the first round through the service, as the staff user; the outcome it published.
async fn publish_first_round(
    app: &TestApp,
    call_id: i32,
) -> Arc<tuinier::service::outcome_cache::CallOutcome> {
    let staff = tuinier::service::auth::authenticate(&app.state, &app.staff_token)
        .await
        .unwrap()
        .expect("the staff user");
    tuinier::service::publication::publish_first_round(&app.state, &staff, call_id).await.unwrap()
}

async fn closed_with_knockouts() -> Closed {
    let (app, r, s) = first_round_in().await;
    let call_id = r.call_id();
    app.clock.set(crate::intake::stage_at(&s["call"], "first_assessment"));
    let close = format!("/calls/{call_id}/rounds/first/close");
    assert_eq!(app.post(&close, &app.staff_token, &json!({})).await.status, 200);
    let mut decided = Vec::new();
    for d in s["decisions"]["knockout"].as_array().cloned().unwrap_or_default() {
        let id = r.application_id(d["application"].as_str().unwrap()).unwrap();
        let path = format!("/applications/{id}/knockout-decision");
        let body = json!({"verdict": d["verdict"], "reason": d["reason"]});
        assert_eq!(app.post(&path, &app.staff_token, &body).await.status, 200);
        decided.push((d, path));
    }
    let id = i32::try_from(call_id).unwrap();
    let call = tuinier::store::calls::call_of(&app.state.db, id).await.unwrap();
    Closed { app, r, call, decided }
}

/// A publication takes the outcome the reads keep when nothing changed since it was computed (the
/// close answered with it): the same one, not computed again; and the reads after the commit find
/// it kept under the new key.
#[tokio::test]
async fn a_publication_takes_the_outcome_the_reads_keep() {
    use tuinier::service::outcome_cache::call_outcome;

    let Closed { app, mut r, call, .. } = closed_with_knockouts().await;
    r.plan_interviews().await.expect("interview details");
    let state = &app.state;
    let kept = call_outcome(state, &call).await.unwrap();
    assert!(Arc::ptr_eq(&kept, &call_outcome(state, &call).await.unwrap()), "kept");

    let published = publish_first_round(&app, call.id).await;
    assert!(Arc::ptr_eq(&kept, &published), "the publication took the kept outcome");
    let after = call_outcome(state, &call).await.unwrap();
    assert!(Arc::ptr_eq(&kept, &after), "the reads after the commit find it kept");
    let answer = app.get(&format!("/calls/{}/results?limit=500", call.id), &app.staff_token).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

/// Closing a round changes none of the outcome's inputs: the outcome staff read before closing is
/// the one the close answers with, not computed again; a later write lets it go.
#[tokio::test]
async fn closing_a_round_keeps_the_outcome_read_before_it() {
    use tuinier::service::outcome_cache::call_outcome;

    let (app, r, s) = first_round_in().await;
    let call_id = i32::try_from(r.call_id()).unwrap();
    let call = tuinier::store::calls::call_of(&app.state.db, call_id).await.unwrap();
    app.clock.set(crate::intake::stage_at(&s["call"], "first_assessment"));
    let results = format!("/calls/{call_id}/results?limit=500");
    let before = app.get(&results, &app.staff_token).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let kept = call_outcome(&app.state, &call).await.unwrap();

    let close = format!("/calls/{call_id}/rounds/first/close");
    let closed = app.post(&close, &app.staff_token, &json!({})).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let after = call_outcome(&app.state, &call).await.unwrap();
    assert!(Arc::ptr_eq(&kept, &after), "the close kept the outcome read before it");
    assert_eq!(closed.body["applications"], before.body["applications"], "the same lines");
    assert_eq!(before.body["first_round"], "open");
    assert_eq!(closed.body["first_round"], "closed", "the round's state is read anew");

    // A write that does not say it left the inputs alone lets it go (a consensus note).
    let id = closed.body["applications"][0]["application_id"].as_i64().expect("an application id");
    let note = json!({"round": "first", "note": "Na de sluiting besproken"});
    let path = format!("/applications/{id}/consensus-notes");
    assert_eq!(app.post(&path, &app.staff_token, &note).await.status, 200);
    let later = call_outcome(&app.state, &call).await.unwrap();
    assert!(!Arc::ptr_eq(&kept, &later), "a later write let the outcome go");
}

/// Planning the interviews changes none of the outcome's inputs: the outcome kept before them is
/// still the call's after them, and the publication takes it (at 10,000 applications it would
/// otherwise compute it again, a second of its time). A write that does change an input (a
/// knock-out decision) still lets it go.
#[tokio::test]
async fn the_interviews_keep_the_outcome_and_a_decision_lets_it_go() {
    use tuinier::service::outcome_cache::call_outcome;

    let Closed { app, mut r, call, decided } = closed_with_knockouts().await;
    let (first, path) = decided.first().expect("the scenario decides a knock-out");
    let state = &app.state;
    let kept = call_outcome(state, &call).await.unwrap();

    r.plan_interviews().await.expect("interview details");
    let after_interviews = call_outcome(state, &call).await.unwrap();
    assert!(Arc::ptr_eq(&kept, &after_interviews), "the interviews kept the outcome");
    drop(after_interviews);

    let reason = "Opnieuw beoordeeld na de gesprekken.";
    let body = json!({"verdict": first["verdict"], "reason": reason});
    assert_eq!(app.post(path, &app.staff_token, &body).await.status, 200);
    let after_decision = call_outcome(state, &call).await.unwrap();
    assert!(!Arc::ptr_eq(&kept, &after_decision), "a knock-out decision let the outcome go");

    r.plan_interviews().await.expect("interview details again");
    let published = publish_first_round(&app, call.id).await;
    assert!(Arc::ptr_eq(&after_decision, &published), "the publication took the kept outcome");
}

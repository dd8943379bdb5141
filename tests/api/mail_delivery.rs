//! Issue 6: delivery. A real SMTP server on 127.0.0.1 inside the test receives a whole scenario;
//! faults (refusal, server down, a worker dying between sending and marking); two workers on one
//! PostgreSQL database.

#[path = "../common/smtp.rs"]
mod smtp;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use entity::outbox as row;
use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
use smtp::{Mode, SmtpServer, base64_decode, decode_header};
use tuinier::mail::outbox::{self, NewEmail};
use tuinier::mail::worker::{Settings, SmtpTransport, Transport, Worker};
use tuinier::scenario::Rehearsal;
use tuinier::scheduler::BoxFuture;

use crate::common::*;

const DUTCH_SUBJECTS: [&str; 5] =
    ["Herinnering", "Ontvangstbevestiging", "Uitnodiging", "Besluit", "Addendum"];

async fn rows(app: &TestApp) -> Vec<row::Model> {
    row::Entity::find().order_by_asc(row::Column::Id).all(&app.state.db).await.expect("outbox rows")
}

fn smtp_worker(app: &TestApp, server: &SmtpServer) -> Worker {
    let transport = SmtpTransport::from_url(&server.url()).expect("SMTP URL");
    Worker::new(app.state.clone(), Arc::new(transport), Settings::default()).expect("worker")
}

/// The decoded content of the attachment part of a received message, and its filename.
fn attachment_of(data: &str) -> Option<(String, Vec<u8>)> {
    let start = data.find("Content-Disposition: attachment")?;
    let part = &data[start..];
    let body_start = part.find("\r\n\r\n")? + 4;
    // The part's headers, unfolded; the filename may be split in RFC 2231 pieces (`filename*0=`).
    let head = part[..body_start].replace("\r\n ", " ").replace("\r\n\t", " ");
    let disposition = head.lines().next()?;
    let filename: String = disposition
        .split(';')
        .map(str::trim)
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k == "filename" || k.starts_with("filename*"))
        .map(|(_, v)| v.trim_matches('"').to_string())
        .collect();
    assert!(
        head.contains("Content-Transfer-Encoding: base64"),
        "attachments go base64, byte for byte"
    );
    let body = &part[body_start..];
    let body = &body[..body.find("\r\n--").unwrap_or(body.len())];
    Some((filename, base64_decode(body)))
}

/// Every row that is not cancelled arrived exactly `times[id]` times (default once): right
/// recipient, its Message-ID, a Dutch subject equal to the row's, and its attachment.
fn check_arrivals(rows: &[row::Model], received: &[smtp::Received], times: &HashMap<i32, usize>) {
    let mut by_id: BTreeMap<String, Vec<&smtp::Received>> = BTreeMap::new();
    for m in received {
        by_id.entry(m.header("Message-ID").expect("a Message-ID")).or_default().push(m);
    }
    let live: Vec<&row::Model> = rows.iter().filter(|r| r.status != "cancelled").collect();
    for r in &live {
        let got = by_id.get(&r.message_id).map(Vec::len).unwrap_or(0);
        assert_eq!(
            got,
            times.get(&r.id).copied().unwrap_or(1),
            "row {} ({} to {}) arrived {got} times",
            r.id,
            r.kind,
            r.recipient
        );
        for m in by_id.get(&r.message_id).into_iter().flatten() {
            assert_eq!(m.to, vec![r.recipient.clone()], "recipient of row {}", r.id);
            let subject = decode_header(&m.header("Subject").expect("subject"));
            assert_eq!(subject, r.subject, "subject of row {}", r.id);
            assert!(
                DUTCH_SUBJECTS.iter().any(|p| subject.starts_with(p)),
                "not a Dutch subject: {subject}"
            );
            assert!(
                m.data.contains("text/plain") && m.data.contains("text/html"),
                "plain text and HTML alternative"
            );
            match (&r.attachment_filename, &r.attachment_content) {
                (Some(name), Some(content)) => {
                    let (filename, bytes) = attachment_of(&m.data).unwrap_or_else(|| {
                        panic!(
                            "row {} arrived without its attachment:\n{}",
                            r.id,
                            m.data.lines().filter(|l| l.len() < 70).collect::<Vec<_>>().join("\n")
                        )
                    });
                    assert_eq!(&filename, name);
                    assert_eq!(&bytes, content, "the attachment of row {} arrived intact", r.id);
                    assert!(bytes.starts_with(b"%PDF-"));
                }
                _ => assert!(attachment_of(&m.data).is_none(), "row {} has no attachment", r.id),
            }
        }
    }
    let known: usize = live.iter().map(|r| times.get(&r.id).copied().unwrap_or(1)).sum();
    assert_eq!(received.len(), known, "no message arrived that is not in the outbox");
}

#[tokio::test]
async fn a_whole_scenario_arrives_over_smtp_once_each_with_dutch_subjects_and_attachments() {
    let scenario = load_scenario();
    let publication = at(scenario["call"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["kind"] == "publication")
        .expect("publication")["at"]
        .as_str()
        .expect("at"));
    let app = spawn_app_at(publication - Duration::days(1)).await;
    let mut r =
        Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &scenario);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");

    let server = SmtpServer::start().await;
    let pass = smtp_worker(&app, &server).drain().await.expect("deliver");
    let mut rows = rows(&app).await;
    // A decision email keeps no copy of its letter: what must arrive is the stored letter.
    for r in &mut rows {
        if let (None, Some(filename), Some(application)) = (
            &r.attachment_content,
            r.attachment_filename.as_deref(),
            outbox::application_of_target(&r.target),
        ) {
            r.attachment_content =
                tuinier::store::letters::content_by_filename(&app.state.db, application, filename)
                    .await
                    .unwrap();
            assert!(r.attachment_content.is_some(), "row {}: its letter is stored", r.id);
        }
    }
    let expected = scenario["expected"]["emails"].as_array().expect("emails").len();
    assert_eq!(rows.len(), expected, "the outbox holds every expected email");
    assert_eq!(pass.sent, expected);
    assert!(
        rows.iter().all(|r| r.status == "sent" && r.sent_at.is_some()),
        "every row is marked sent"
    );
    check_arrivals(&rows, &server.messages(), &HashMap::new());
    // The decision emails carry their letters (issue 7), exactly where the scenario expects a PDF.
    let with_pdf = scenario["expected"]["emails"]
        .as_array()
        .expect("emails")
        .iter()
        .filter(|e| e["attachment"] == "pdf")
        .count();
    assert_eq!(rows.iter().filter(|r| r.attachment_content.is_some()).count(), with_pdf);
    // A second worker finds nothing left to send.
    assert_eq!(smtp_worker(&app, &server).drain().await.expect("again").claimed, 0);
}

fn new_email(i: usize, now: chrono::DateTime<chrono::Utc>) -> NewEmail {
    NewEmail {
        kind: "submission_receipt".into(),
        target: format!("application:{}", 10_000 + i),
        occasion: "submission".into(),
        recipient: format!("penvoerder{i}@regio.example"),
        subject: format!("Ontvangstbevestiging aanvraag {i}"),
        body_text: format!("Beste penvoerder,\n\nWij hebben aanvraag {i} ontvangen.\n"),
        at: now,
        attachment: None,
    }
}

#[tokio::test]
async fn refused_or_down_nothing_is_lost_and_each_arrives_once_and_a_crash_resends_with_the_same_message_id()
 {
    let scenario = load_scenario();
    let publication = at(scenario["call"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["kind"] == "publication")
        .expect("publication")["at"]
        .as_str()
        .expect("at"));
    let app = spawn_app_at(publication - Duration::days(1)).await;
    let mut r =
        Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &scenario);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    let queued = rows(&app).await.len();
    assert!(queued > 10, "intake queued reminders and receipts");

    // 1. The server refuses (451): every attempt fails, is recorded, and is retried later.
    let mut server = SmtpServer::start().await;
    server.set_mode(Mode::RefuseTemporarily);
    let worker = smtp_worker(&app, &server);
    let pass = worker.drain().await.expect("pass");
    assert_eq!((pass.claimed, pass.retried, pass.sent), (queued, queued, 0));
    for r in rows(&app).await {
        assert_eq!((r.status.as_str(), r.attempts), ("queued", 1));
        assert!(r.last_error.as_deref().is_some_and(|e| e.contains("451")), "{:?}", r.last_error);
        assert!(r.next_attempt_at > app.clock_now(), "backoff");
    }
    // Not due yet: the backoff holds.
    assert_eq!(worker.drain().await.expect("pass").claimed, 0);

    // 2. The server is down: connection refused, retried again with a longer wait.
    server.stop().await;
    app.clock.set(app.clock_now() + Duration::minutes(2));
    let pass = worker.drain().await.expect("pass");
    assert_eq!((pass.retried, pass.sent), (queued, 0));
    assert!(rows(&app).await.iter().all(|r| r.attempts == 2 && r.status == "queued"));
    assert!(server.messages().is_empty());

    // 3. Back up: every message arrives exactly once.
    server.restart().await;
    server.set_mode(Mode::Accept);
    app.clock.set(app.clock_now() + Duration::minutes(5));
    let pass = smtp_worker(&app, &server).drain().await.expect("pass");
    assert_eq!(pass.sent, queued);
    let all = rows(&app).await;
    assert!(all.iter().all(|r| r.status == "sent"));
    check_arrivals(&all, &server.messages(), &HashMap::new());

    // 4. A worker dies after the server accepted a message and before it marked the row.
    let now = app.clock_now();
    for i in 0..3 {
        assert!(outbox::enqueue(&app.state.db, new_email(i, now)).await.expect("queue"));
    }
    let dying = smtp_worker(&app, &server).crash_after_send(Arc::new(|_: &row::Model| true));
    let pass = dying.run_once().await.expect("pass");
    assert!(pass.crashed);
    let crashed: Vec<row::Model> =
        rows(&app).await.into_iter().filter(|r| r.status == "sending").collect();
    assert_eq!(
        crashed.len(),
        3,
        "the dead worker's claim holds all three rows until its lease runs out"
    );
    // Another worker leaves them alone while the lease holds...
    assert_eq!(smtp_worker(&app, &server).drain().await.expect("pass").claimed, 0);
    // ...and takes them over after it: what went out already goes out again, with the same
    // Message-ID (at-least-once; the receiver can deduplicate). The dying worker had all three
    // on the wire at once (a worker sends a few at a time), so each arrives twice.
    app.clock.set(app.clock_now() + Settings::default().lease + Duration::seconds(1));
    let pass = smtp_worker(&app, &server).drain().await.expect("pass");
    assert_eq!(pass.sent, 3);
    let all = rows(&app).await;
    assert!(all.iter().all(|r| r.status == "sent"));
    for c in &crashed {
        let sent_twice = all.iter().find(|r| r.id == c.id).expect("row");
        let copies: Vec<_> = server
            .messages()
            .into_iter()
            .filter(|m| m.header("Message-ID").as_deref() == Some(sent_twice.message_id.as_str()))
            .collect();
        assert_eq!(copies.len(), 2, "row {}", c.id);
        for h in ["Message-ID", "To", "Subject"] {
            assert_eq!(copies[0].header(h), copies[1].header(h), "{h} of the re-sent copy");
        }
    }
    let twice: HashMap<i32, usize> = crashed.iter().map(|r| (r.id, 2)).collect();
    check_arrivals(&all, &server.messages(), &twice);
}

/// Records the Message-IDs it "sends", and which worker sent them.
struct Recorder {
    name: &'static str,
    sent: Arc<Mutex<Vec<(String, &'static str)>>>,
}

impl Transport for Recorder {
    fn send<'a>(
        &'a self,
        r: &'a row::Model,
        _: &'a lettre::Message,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            // A little latency, so the two workers overlap.
            tokio::time::sleep(std::time::Duration::from_micros(200)).await;
            self.sent.lock().expect("lock").push((r.message_id.clone(), self.name));
            Ok(())
        })
    }
}

#[tokio::test]
async fn two_workers_on_one_postgresql_database_deliver_500_messages_each_exactly_once() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        eprintln!(
            "skipped: the concurrency test needs PostgreSQL (set TUINIER_TEST_DATABASE_URL); SQLite runs one worker"
        );
        return;
    }
    let now = app.clock_now();
    let txn = app.state.db.begin().await.expect("txn");
    for i in 0..500 {
        outbox::enqueue(&txn, new_email(i, now)).await.expect("queue");
    }
    txn.commit().await.expect("commit");
    // Two service instances: each its own state (pool) on the same database.
    let other = tuinier::startup::prepare(&app.database_url, Arc::new(app.clock.clone()))
        .await
        .expect("second instance");
    let sent = Arc::new(Mutex::new(Vec::new()));
    let settings = Settings { batch: 10, ..Settings::default() };
    let w1 = Worker::new(
        app.state.clone(),
        Arc::new(Recorder { name: "one", sent: sent.clone() }),
        settings.clone(),
    )
    .expect("worker");
    let w2 = Worker::new(other, Arc::new(Recorder { name: "two", sent: sent.clone() }), settings)
        .expect("worker");
    let started = std::time::Instant::now();
    loop {
        let (a, b) = tokio::join!(w1.drain(), w2.drain());
        let (a, b) = (a.expect("worker one"), b.expect("worker two"));
        if a.claimed + b.claimed == 0 {
            break;
        }
    }
    let sent = sent.lock().expect("lock").clone();
    let mut ids: Vec<&String> = sent.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(sent.len(), 500, "every message sent once");
    assert_eq!(ids.len(), 500, "no message sent twice");
    let by_one = sent.iter().filter(|(_, w)| *w == "one").count();
    assert!(by_one > 0 && by_one < 500, "both workers delivered ({by_one} and {})", 500 - by_one);
    assert!(rows(&app).await.iter().all(|r| r.status == "sent"));
    eprintln!(
        "500 messages by two workers in {:?} ({by_one} and {})",
        started.elapsed(),
        500 - by_one
    );
}

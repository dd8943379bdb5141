//! Issue 15: the SMTP transport keeps Nagle off on its sockets (else every message waits for the
//! server's delayed ACK, ~40 ms) and keeps its connections between messages, dropping one that
//! failed; the worker marks a pass's outcomes in one write transaction, in the order claimed.

// The same test server as `mail_delivery` (each test file its own copy, to keep merges easy).
#[allow(clippy::duplicate_mod)]
#[path = "../common/smtp.rs"]
mod smtp;

use std::sync::Arc;

use entity::outbox as row;
use sea_orm::{EntityTrait, QueryOrder};
use smtp::{Mode, SmtpServer};
use tuinier::mail::outbox::{self, NewEmail};
use tuinier::mail::worker::{Settings, SmtpTransport, Transport, Worker};
use tuinier::scheduler::BoxFuture;

use crate::common::*;

fn email(i: usize, now: chrono::DateTime<chrono::Utc>) -> NewEmail {
    NewEmail {
        kind: "submission_receipt".into(),
        target: format!("application:{}", 20_000 + i),
        occasion: "submission".into(),
        recipient: format!("penvoerder{i}@regio.example"),
        subject: format!("Ontvangstbevestiging aanvraag {i}"),
        body_text: format!("Beste penvoerder,\n\nWij hebben aanvraag {i} ontvangen.\n"),
        at: now,
        attachment: None,
    }
}

/// Queues the emails numbered `from..to` (a number queues once: the outbox is idempotent).
async fn queue(app: &TestApp, from: usize, to: usize) {
    let now = app.clock_now();
    for i in from..to {
        assert!(outbox::enqueue(&app.state.db, email(i, now)).await.expect("queue"));
    }
}

async fn rows(app: &TestApp) -> Vec<row::Model> {
    row::Entity::find().order_by_asc(row::Column::Id).all(&app.state.db).await.expect("outbox rows")
}

#[tokio::test]
async fn smtp_sockets_have_nagle_off_and_connections_are_kept_until_one_fails() {
    let app = spawn_app().await;
    let server = SmtpServer::start().await;
    let transport = Arc::new(SmtpTransport::from_url(&server.url()).expect("SMTP URL"));
    assert!(transport.idle_nodelay().is_empty(), "no connection before the first message");
    queue(&app, 0, 12).await;
    let worker =
        Worker::new(app.state.clone(), transport.clone(), Settings::default()).expect("worker");
    assert_eq!(worker.drain().await.expect("pass").sent, 12);
    assert_eq!(server.messages().len(), 12);

    // Nagle off: read back from each kept socket (`TcpStream::nodelay`).
    let kept = transport.idle_nodelay();
    assert!(!kept.is_empty(), "the connections are kept for the next messages");
    assert!(kept.iter().all(|&nodelay| nodelay), "TCP_NODELAY on every socket: {kept:?}");
    // Kept, not one per message: a few (one per message on the wire at once), reused next time.
    assert!(kept.len() < 12, "{} connections for 12 messages", kept.len());
    queue(&app, 12, 24).await;
    assert_eq!(worker.drain().await.expect("pass").sent, 12);
    assert_eq!(transport.idle_nodelay().len(), kept.len(), "the same connections again");

    // A refusal: the attempt is recorded for a retry and its connection is not kept.
    server.set_mode(Mode::RefuseTemporarily);
    queue(&app, 24, 27).await;
    let pass = worker.drain().await.expect("pass");
    assert_eq!((pass.retried, pass.sent), (3, 0));
    assert!(transport.idle_nodelay().len() < kept.len(), "a failed connection is dropped");
    assert_eq!(server.messages().len(), 24);
}

/// Refuses the rows whose recipient is in `refuse`, accepts the others.
struct Picky {
    refuse: Vec<String>,
}

impl Transport for Picky {
    fn send<'a>(
        &'a self,
        r: &'a row::Model,
        _: &'a lettre::Message,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            if self.refuse.contains(&r.recipient) {
                Err("451 4.3.0 Try again later".to_string())
            } else {
                Ok(())
            }
        })
    }
}

#[tokio::test]
async fn a_pass_marks_its_outcomes_in_one_write_transaction_in_claim_order_up_to_a_crash() {
    let app = spawn_app().await;
    queue(&app, 0, 10).await;
    let ids: Vec<i32> = rows(&app).await.iter().map(|r| r.id).collect();
    let refuse: Vec<String> =
        [1, 4].iter().map(|i| format!("penvoerder{i}@regio.example")).collect();
    let picky = Worker::new(app.state.clone(), Arc::new(Picky { refuse }), Settings::default())
        .expect("worker");

    // One pass over ten rows: sent and to-retry alike are marked, by one commit.
    let before = app.state.writes.generation();
    let pass = picky.run_once().await.expect("pass");
    // A commit counts twice (before and after, see `store::tx`): one write transaction.
    assert_eq!(app.state.writes.generation() - before, 2, "one write transaction for the pass");
    assert_eq!((pass.claimed, pass.sent, pass.retried, pass.lost), (10, 8, 2, 0));
    let all = rows(&app).await;
    let status: Vec<&str> = all.iter().map(|r| r.status.as_str()).collect();
    let expected =
        ["sent", "queued", "sent", "sent", "queued", "sent", "sent", "sent", "sent", "sent"];
    assert_eq!(status, expected);
    assert!(all.iter().filter(|r| r.status == "queued").all(|r| r.last_error.is_some()));

    // A worker that dies after sending the third of five rows: the two before it are marked,
    // it and the rest stay leased (`sending`) for a later resend.
    queue(&app, 100, 105).await;
    let fresh: Vec<i32> =
        rows(&app).await.iter().map(|r| r.id).filter(|id| !ids.contains(id)).collect();
    let third = fresh[2];
    let dying =
        Worker::new(app.state.clone(), Arc::new(Picky { refuse: vec![] }), Settings::default())
            .expect("worker")
            .crash_after_send(Arc::new(move |r: &row::Model| r.id == third));
    let pass = dying.run_once().await.expect("pass");
    assert!(pass.crashed);
    assert_eq!((pass.claimed, pass.sent), (5, 2));
    let status: Vec<String> =
        rows(&app).await.into_iter().filter(|r| fresh.contains(&r.id)).map(|r| r.status).collect();
    assert_eq!(status, ["sent", "sent", "sending", "sending", "sending"]);
}

#[tokio::test]
async fn a_drain_marks_each_pass_in_turn_while_the_next_is_sent_and_stops_at_a_crash() {
    let app = spawn_app().await;
    queue(&app, 0, 10).await;
    let ids: Vec<i32> = rows(&app).await.iter().map(|r| r.id).collect();
    let refuse = [1, 4].iter().map(|i| format!("penvoerder{i}@regio.example")).collect();
    let eighth = ids[7];
    // Passes of three: [0 1 2] [3 4 5] [6 7 8]; the worker dies after sending row 7.
    let settings = Settings { batch: 3, ..Settings::default() };
    let dying = Worker::new(app.state.clone(), Arc::new(Picky { refuse }), settings)
        .expect("worker")
        .crash_after_send(Arc::new(move |r: &row::Model| r.id == eighth));
    let pass = dying.drain().await.expect("drain");
    assert!(pass.crashed);
    assert_eq!((pass.claimed, pass.sent, pass.retried, pass.lost), (9, 5, 2, 0));
    let status: Vec<String> = rows(&app).await.into_iter().map(|r| r.status).collect();
    let expected = [
        "sent", "queued", "sent", "sent", "queued", "sent", "sent", "sending", "sending", "queued",
    ];
    assert_eq!(status, expected);
}

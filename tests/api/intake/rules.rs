//! The rules of intake: when drafts may be created, what a budget must be, what submission needs,
//! the deadline to the second, immutability after submission, the audit trail and the outbox.

use chrono::Duration;
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn drafts_open_at_publication_close_at_the_deadline_and_come_one_per_region() {
    let t = Intake::start().await;
    let a = t.scenario["applications"][0].clone();
    let token = t.region(&region_of(&a)).await;
    let path = format!("/calls/{}/applications", t.call_id);
    let publication = stage_at(&t.call, "publication");
    let deadline = stage_at(&t.call, "submission_deadline");

    t.set(publication - Duration::seconds(1));
    t.app.post(&path, &token, &json!({})).await.problem(409);
    t.set(deadline + Duration::seconds(1));
    let late = t.app.post(&path, &token, &json!({})).await;
    late.problem(422);
    assert_eq!(late.body["type"], "urn:tuinier:problem:deadline-passed");
    assert!(
        t.app.get(&path, &t.app.staff_token).await.ok()["items"].as_array().unwrap().is_empty(),
        "nothing created"
    );

    t.set(publication);
    let id = t.create_draft(&token).await;
    t.app.post(&path, &token, &json!({})).await.problem(409);
    // Only region users apply.
    t.app.post(&path, &t.app.staff_token, &json!({})).await.problem(403);
    let assessor = t.app.user("assessor", "b@vng.example", None).await;
    t.app.post(&path, &assessor, &json!({})).await.problem(403);
    t.app.post("/calls/999/applications", &token, &json!({})).await.problem(404);

    let read = t.read(&token, id).await;
    assert_eq!(read["status"], "draft");
    assert_eq!(read["region"]["ref"], a["ref"]);
    assert_eq!(read["requested_total"], "0.00");
    assert_eq!(at(read["created_at"].as_str().unwrap()), publication);
    assert!(read.get("submitted_at").is_none());
}

#[tokio::test]
async fn an_empty_draft_lists_every_missing_part_at_once() {
    let t = Intake::start().await;
    let token = t.region(&region_of(&t.scenario["applications"][0])).await;
    t.open();
    let id = t.create_draft(&token).await;
    let before = t.read(&token, id).await;
    let a = t.submit(&token, id).await;
    a.problem(422);
    let mut want: Vec<String> =
        ["form.title", "form.summary", "form.contact", "form.applicant", "form.scale", "budget"]
            .map(String::from)
            .to_vec();
    for role in t.call["required_partner_roles"].as_array().unwrap() {
        want.push(format!("commitments.{}", role.as_str().unwrap()));
    }
    want.push("plan".into());
    assert_eq!(a.error_fields(), want);
    // The draft says the same, before any attempt.
    let missing: Vec<String> = before["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(missing, want);
    assert_eq!(t.read(&token, id).await, before);
    assert!(t.receipts().await.is_empty());
}

#[tokio::test]
async fn a_budget_reports_every_problem_by_field_and_computes_the_requested_total() {
    let t = Intake::start().await;
    let token = t.region(&region_of(&t.scenario["applications"][0])).await;
    t.open();
    let id = t.create_draft(&token).await;
    let path = format!("/applications/{id}/budget");
    let bad = json!({"lines": [
        {"year": 2021, "description": "te vroeg", "total_cost": "100.00", "own_contribution": "0.00", "requested": "100.00"},
        {"year": 2022, "description": "x", "total_cost": 100, "own_contribution": "-1.00", "requested": "0.001"},
        {"year": 2023, "description": " ", "total_cost": "100.00", "own_contribution": "40.00", "requested": "60.01"},
        {"year": 2022, "description": "x", "total_cost": "10.00", "own_contribution": "10.01", "requested": "0"},
    ]});
    let a = t.app.put(&path, &token, &bad).await;
    a.problem(422);
    let mut fields = a.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "lines[0].year",
            "lines[1].own_contribution",
            "lines[1].requested",
            "lines[1].total_cost",
            "lines[2].description",
            "lines[2].requested",
            "lines[3].own_contribution",
        ]
    );
    assert_eq!(t.read(&token, id).await["budget_lines"], json!([]), "nothing stored");

    // Exact sums, two decimals; equality total = own + requested is allowed.
    let good = json!({"lines": [
        {"year": 2022, "description": "Projectleiding", "total_cost": "0.30", "own_contribution": "0.00", "requested": "0.10"},
        {"year": 2023, "description": "Scholing", "total_cost": "1027020.2", "own_contribution": "0", "requested": "1027020.20"},
        {"year": 2023, "description": "Monitoring", "total_cost": "0.20", "own_contribution": "0.00", "requested": "0.20"},
    ]});
    let read = t.app.put(&path, &token, &good).await.ok().clone();
    assert_eq!(read["requested_total"], "1027020.50");
    assert_eq!(read["budget_lines"][1]["total_cost"], "1027020.20");
    assert_eq!(read["budget_lines"][1]["own_contribution"], "0.00");
    assert_eq!(read["budget_lines"].as_array().unwrap().len(), 3);
    // A client-sent total is not a field of the budget; the service computes it.
    let read = t
        .app
        .put(&path, &token, &json!({"lines": [good["lines"][0]], "requested_total": "999.00"}))
        .await;
    assert_eq!(read.ok()["requested_total"], "0.10", "a full replace, total computed");
    // And the amounts are stored exactly, as text.
    let rows = entity::budget_line::Entity::find().all(&t.app.state.db).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.requested.as_str()).collect::<Vec<_>>(), ["0.10"]);
    // Empty clears the budget.
    assert_eq!(
        t.app.put(&path, &token, &json!({"lines": []})).await.ok()["requested_total"],
        "0.00"
    );
}

#[tokio::test]
async fn the_form_and_commitments_are_checked() {
    let t = Intake::start().await;
    let a = t.scenario["applications"][0].clone();
    let token = t.region(&region_of(&a)).await;
    t.open();
    let id = t.create_draft(&token).await;
    let bad = json!({"title": "T", "contact": {"name": "", "email": "geen-adres"}, "scale": {"municipalities": []}});
    let r = t.app.put(&format!("/applications/{id}/form"), &token, &bad).await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["contact.name", "contact.email", "scale.municipalities"]);

    let form = form_of(&a);
    let read = t.app.put(&format!("/applications/{id}/form"), &token, &form).await.ok().clone();
    assert_eq!(read["form"]["title"], a["title"]);
    assert_eq!(read["form"]["contact"], form["contact"]);
    assert_eq!(
        read["form"]["applicant"], form["applicant"],
        "the applying municipality with its postal address"
    );
    assert_eq!(read["form"]["scale"]["municipalities"], a["municipalities"]);
    let sum: u64 = a["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["inhabitants"].as_u64().unwrap())
        .sum();
    assert_eq!(read["form"]["scale"]["inhabitants"], sum);

    let c = json!({"organisation": "Politie", "signed_by": "X", "signed_on": "2022-07-01"});
    let r = t.app.put(&format!("/applications/{id}/commitments/police"), &token, &c).await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["role"]);
    let r = t
        .app
        .put(
            &format!("/applications/{id}/commitments/municipality"),
            &token,
            &json!({"organisation": " ", "signed_by": "", "signed_on": "2022-07-01"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["organisation", "signed_by"]);
    // Signing a role again replaces its commitment.
    let p = &a["partners"][0];
    let role = p["role"].as_str().unwrap();
    let first = json!({"organisation": "Eerst", "signed_by": "A", "signed_on": "2022-06-01"});
    t.app.put(&format!("/applications/{id}/commitments/{role}"), &token, &first).await.ok();
    let body = json!({"organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": p["signed_on"]});
    let read = t
        .app
        .put(&format!("/applications/{id}/commitments/{role}"), &token, &body)
        .await
        .ok()
        .clone();
    assert_eq!(
        read["commitments"],
        json!([{"role": role, "organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": p["signed_on"]}])
    );
}

#[tokio::test]
async fn a_submission_at_the_deadline_second_is_accepted_and_one_second_later_refused() {
    let t = Intake::start().await;
    let first = t.scenario["applications"][0].clone();
    let second = t.scenario["applications"][1].clone();
    let (tok1, tok2) = (t.region(&region_of(&first)).await, t.region(&region_of(&second)).await);
    t.open();
    let id1 = t.create_draft(&tok1).await;
    t.fill(&tok1, id1, &first, &[]).await;
    let id2 = t.create_draft(&tok2).await;
    t.fill(&tok2, id2, &second, &[]).await;

    let deadline = stage_at(&t.call, "submission_deadline");
    t.set(deadline);
    let a = t.submit(&tok1, id1).await;
    assert_eq!(a.ok()["status"], "submitted");
    assert_eq!(at(a.body["submitted_at"].as_str().unwrap()), deadline);

    t.set(deadline + Duration::seconds(1));
    let before = t.read(&tok2, id2).await;
    let a = t.submit(&tok2, id2).await;
    a.problem(422);
    assert_eq!(a.body["type"], "urn:tuinier:problem:deadline-passed");
    assert_eq!(t.read(&tok2, id2).await, before, "the draft stays as it was");
    // Nor can the late draft still be edited.
    let r = t.app.put(&format!("/applications/{id2}/form"), &tok2, &form_of(&second)).await;
    r.problem(422);
    assert_eq!(r.body["type"], "urn:tuinier:problem:deadline-passed");
    assert_eq!(t.read(&tok2, id2).await, before);

    let receipts = t.receipts().await;
    assert_eq!(receipts, [(id1, first["penvoerder"]["email"].as_str().unwrap().to_string())]);
}

#[tokio::test]
async fn a_submitted_application_is_immutable_and_fully_audited() {
    let t = Intake::start().await;
    let a = t.scenario["applications"][0].clone();
    let token = t.region(&region_of(&a)).await;
    t.open();
    let id = t.create_draft(&token).await;
    t.fill(&token, id, &a, &[]).await;
    let doc = t.read(&token, id).await["documents"][0]["id"].as_i64().unwrap();
    t.submit(&token, id).await.ok();
    let after_submit = t.read(&token, id).await;
    assert_eq!(after_submit["missing"], json!([]));

    let p = &a["partners"][0];
    let commitment = json!({"organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": p["signed_on"]});
    let edits: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PUT, format!("/applications/{id}/form"), Some(form_of(&a))),
        (Method::PUT, format!("/applications/{id}/budget"), Some(json!({"lines": a["budget"]}))),
        (
            Method::PUT,
            format!("/applications/{id}/commitments/{}", p["role"].as_str().unwrap()),
            Some(commitment),
        ),
        (Method::DELETE, format!("/applications/{id}/documents/{doc}"), None),
        (Method::POST, format!("/applications/{id}/submit"), None),
    ];
    for (method, path, body) in &edits {
        let r = t.app.request(method.clone(), path, Some(&token), body.as_ref()).await;
        r.problem(409);
    }
    upload(&t.app, &token, id, "attachment", "laat.pdf", pdf("laat"), "application/pdf")
        .await
        .problem(409);
    assert_eq!(t.read(&token, id).await, after_submit, "nothing changed");
    assert_eq!(t.receipts().await.len(), 1, "no second receipt");

    // Every change is in the audit trail, in order, by the region user.
    let trail = t
        .app
        .get(&format!("/audit?entityType=application&entityId={id}"), &t.app.staff_token)
        .await;
    let entries = trail.ok().as_array().unwrap().clone();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    let partners = a["partners"].as_array().unwrap().len();
    let mut want =
        vec!["application.created", "application.form_updated", "application.budget_updated"];
    want.extend(std::iter::repeat_n("application.commitment_signed", partners));
    want.extend(["application.document_uploaded", "application.submitted"]);
    assert_eq!(actions, want);
    assert!(entries.iter().all(|e| e["actor"].as_str().unwrap().starts_with("region:")));
    let submitted = entries.last().unwrap();
    assert_eq!(submitted["details"]["requested_total"], after_submit["requested_total"]);
    let uploaded = &entries[entries.len() - 2];
    assert_eq!(uploaded["details"]["sha256"], after_submit["documents"][0]["sha256"]);
}

#[tokio::test]
async fn the_outbox_queues_an_email_once_per_kind_target_and_occasion() {
    let t = Intake::start().await;
    let db = &t.app.state.db;
    let email = tuinier::mail::outbox::NewEmail {
        kind: "submission_reminder".into(),
        target: "application:1".into(),
        occasion: "days_before:14".into(),
        recipient: "penvoerder@regio.example".into(),
        subject: "Herinnering".into(),
        body_text: "Nog 14 dagen.".into(),
        at: at("2022-07-01T23:59:59+02:00"),
        attachment: None,
    };
    assert!(tuinier::mail::outbox::enqueue(db, email.clone()).await.unwrap(), "queued");
    let mut again = email.clone();
    again.subject = "Andere tekst".into();
    assert!(
        !tuinier::mail::outbox::enqueue(db, again).await.unwrap(),
        "a second enqueue is a no-op"
    );
    let mut other = email.clone();
    other.occasion = "days_before:3".into();
    assert!(
        tuinier::mail::outbox::enqueue(db, other).await.unwrap(),
        "another occasion is another email"
    );
    let rows = tuinier::mail::outbox::for_target(db, "application:1").await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].subject, "Herinnering", "the first one stays as it was");
    assert_eq!(rows[0].status, "queued");
    assert_eq!(rows[0].attempts, 0);
    assert_ne!(rows[0].message_id, rows[1].message_id);

    // Inside a transaction the no-op leaves the transaction usable (PostgreSQL aborts on errors).
    use sea_orm::TransactionTrait;
    let txn = db.begin().await.unwrap();
    assert!(!tuinier::mail::outbox::enqueue(&txn, email.clone()).await.unwrap());
    let mut third = email;
    third.occasion = "days_before:1".into();
    assert!(tuinier::mail::outbox::enqueue(&txn, third).await.unwrap());
    txn.commit().await.unwrap();
    assert_eq!(entity::outbox::Entity::find().count(db).await.unwrap(), 3);
}

#[tokio::test]
async fn the_receipt_is_dutch_and_names_call_region_and_moment() {
    let t = Intake::start().await;
    let a = t.scenario["applications"][0].clone();
    let token = t.region(&region_of(&a)).await;
    t.open();
    let id = t.create_draft(&token).await;
    t.fill(&token, id, &a, &[]).await;
    t.app.set_time("2022-07-13T16:34:00+02:00");
    t.submit(&token, id).await.ok();
    let rows = tuinier::mail::outbox::for_target(&t.app.state.db, &format!("application:{id}"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let mail = &rows[0];
    assert_eq!(mail.kind, "submission_receipt");
    assert_eq!(mail.recipient, a["penvoerder"]["email"].as_str().unwrap());
    assert!(mail.subject.contains(a["region"].as_str().unwrap()));
    assert!(mail.body_text.contains("woensdag 13 juli 2022, 16.34 uur"), "{}", mail.body_text);
    assert!(mail.body_text.contains(t.call["title"].as_str().unwrap()));
    assert!(
        mail.body_text.contains(&format!("Beste {},", a["penvoerder"]["name"].as_str().unwrap()))
    );
    assert_eq!(at(&mail.created_at.to_rfc3339()), at("2022-07-13T16:34:00+02:00"));
}

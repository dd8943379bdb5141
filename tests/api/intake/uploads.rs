//! Documents: type judged from the content, at most 25 MB, stored with SHA-256, downloaded
//! byte for byte by those who may read the application.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use super::*;

const MAX: usize = 25 * 1024 * 1024;
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A ZIP with stored entries (CRC left zero: the service does not inflate, it only looks).
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let mut h = Vec::new();
        h.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&h);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\x00");
        central.extend_from_slice(&h);
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

async fn stored_documents(t: &Intake) -> u64 {
    entity::document::Entity::find().count(&t.app.state.db).await.unwrap()
}

async fn draft(t: &Intake, index: usize) -> (String, i64) {
    let a = t.scenario["applications"][index].clone();
    let token = t.region(&region_of(&a)).await;
    t.open();
    let id = t.create_draft(&token).await;
    (token, id)
}

#[tokio::test]
async fn a_pdf_is_stored_with_its_sha256_and_downloads_byte_identical() {
    let t = Intake::start().await;
    let (token, id) = draft(&t, 0).await;
    let bytes = pdf("Plan van aanpak");
    let a = upload(
        &t.app,
        &token,
        id,
        "plan",
        "Plan van aanpak (definitief).pdf",
        bytes.clone(),
        "application/octet-stream",
    )
    .await;
    let doc = a.ok().clone();
    assert_eq!(doc["kind"], "plan");
    assert_eq!(doc["filename"], "Plan van aanpak (definitief).pdf");
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["size_bytes"], bytes.len());
    assert_eq!(doc["sha256"], sha256_hex(&bytes));
    let doc_id = doc["id"].as_i64().unwrap();

    let listed = t.app.get(&format!("/applications/{id}/documents"), &token).await;
    assert_eq!(listed.ok(), &Value::Array(vec![doc.clone()]));
    let read = t.read(&token, id).await;
    assert_eq!(read["documents"], Value::Array(vec![doc.clone()]));
    assert!(
        !read["missing"].as_array().unwrap().iter().any(|m| m["field"] == "plan"),
        "the plan is there"
    );

    for who in [&token, &t.app.staff_token] {
        let got = t.app.get(&format!("/applications/{id}/documents/{doc_id}/content"), who).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.content_type, "application/pdf");
        assert_eq!(got.bytes, bytes, "byte-identical");
    }
    // The stored row holds the same bytes and hash.
    let row = entity::document::Entity::find_by_id(doc_id as i32)
        .one(&t.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.content, bytes);
    assert_eq!(row.sha256, sha256_hex(&bytes));

    // A DOCX and an ODT are recognised from their content, whatever they are called.
    let docx =
        zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]);
    let a =
        upload(&t.app, &token, id, "attachment", "begroting.bin", docx.clone(), "text/plain").await;
    assert_eq!(a.ok()["media_type"], DOCX);
    let got =
        t.app.get(&format!("/applications/{id}/documents/{}/content", a.body["id"]), &token).await;
    assert_eq!(got.content_type, DOCX);
    assert_eq!(got.bytes, docx);
    let odt =
        zip(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]);
    let a = upload(&t.app, &token, id, "commitment", "brief.odt", odt, "application/octet-stream")
        .await;
    assert_eq!(a.ok()["media_type"], "application/vnd.oasis.opendocument.text");
    assert_eq!(stored_documents(&t).await, 3);
}

#[tokio::test]
async fn a_text_file_named_pdf_and_a_file_over_25_mb_are_refused_and_nothing_is_stored() {
    let t = Intake::start().await;
    let (token, id) = draft(&t, 0).await;
    let before = t.read(&token, id).await;

    let text = b"Dit is een tekstbestand, geen PDF.\n".to_vec();
    let a = upload(&t.app, &token, id, "plan", "plan.pdf", text, "application/pdf").await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["body"]);
    // A spreadsheet in a ZIP is no DOCX either.
    let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]);
    upload(&t.app, &token, id, "plan", "plan.docx", xlsx, DOCX).await.problem(422);

    // One byte over the limit, a valid PDF otherwise: 413 as problem+json, not a reset connection.
    let mut big = pdf("groot");
    big.resize(MAX + 1, b' ');
    let a = upload(&t.app, &token, id, "plan", "groot.pdf", big, "application/pdf").await;
    a.problem(413);
    assert_eq!(a.body["type"], "urn:tuinier:problem:too-large");

    assert_eq!(t.read(&token, id).await, before, "nothing changed");
    assert_eq!(stored_documents(&t).await, 0, "nothing stored");

    // Exactly at the limit is accepted.
    let mut fits = pdf("precies");
    fits.resize(MAX, b' ');
    let a =
        upload(&t.app, &token, id, "plan", "precies.pdf", fits.clone(), "application/pdf").await;
    assert_eq!(a.ok()["size_bytes"], MAX);
    assert_eq!(a.body["sha256"], sha256_hex(&fits));
    let got =
        t.app.get(&format!("/applications/{id}/documents/{}/content", a.body["id"]), &token).await;
    assert_eq!(got.bytes.len(), MAX);
    assert!(got.bytes == fits);
}

#[tokio::test]
async fn upload_parameters_are_checked() {
    let t = Intake::start().await;
    let (token, id) = draft(&t, 0).await;
    let a =
        upload(&t.app, &token, id, "addendum", "addendum.pdf", pdf("a"), "application/pdf").await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["kind"], "the addendum belongs to the final round");
    let a = upload(&t.app, &token, id, "poster", "../", pdf("a"), "application/pdf").await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["kind", "filename"]);
    // A path in the name is reduced to the name.
    let a = upload(
        &t.app,
        &token,
        id,
        "attachment",
        "C:\\stukken\\bijlage.pdf",
        pdf("a"),
        "application/pdf",
    )
    .await;
    assert_eq!(a.ok()["filename"], "bijlage.pdf");
    assert_eq!(stored_documents(&t).await, 1);
}

#[tokio::test]
async fn documents_are_read_by_the_region_staff_and_assigned_assessors_after_submission_only() {
    let t = Intake::start().await;
    let a = t.application(t.scenario["applications"][0]["ref"].as_str().unwrap());
    let other = t.scenario["applications"][1].clone();
    let token = t.region(&region_of(&a)).await;
    let other_token = t.region(&region_of(&other)).await;
    let assigned = t.app.user("assessor", "beoordelaar@vng.example", None).await;
    let unassigned = t.app.user("assessor", "ander@vws.example", None).await;
    let me = t.app.get("/me", &assigned).await.ok()["id"].as_i64().unwrap();
    t.app
        .post(
            &format!("/calls/{}/assessors", t.call_id),
            &t.app.staff_token,
            &serde_json::json!({"user_id": me}),
        )
        .await
        .ok();

    t.open();
    let id = t.create_draft(&token).await;
    t.fill(&token, id, &a, &[]).await;
    let doc = t.read(&token, id).await["documents"][0]["id"].as_i64().unwrap();
    let content = format!("/applications/{id}/documents/{doc}/content");
    let list = format!("/applications/{id}/documents");

    // While a draft: the region and staff; not another region, not assessors.
    for (who, status) in [
        (&token, 200),
        (&t.app.staff_token, 200),
        (&other_token, 404),
        (&assigned, 404),
        (&unassigned, 404),
    ] {
        for path in [&content, &list] {
            let r = t.app.get(path, who).await;
            if status == 200 {
                r.ok();
            } else {
                r.problem(status);
            }
        }
    }
    t.submit(&token, id).await.ok();
    for (who, status) in [
        (&token, 200),
        (&t.app.staff_token, 200),
        (&other_token, 404),
        (&assigned, 200),
        (&unassigned, 404),
    ] {
        for path in [&content, &list, &format!("/applications/{id}")] {
            let r = t.app.get(path, who).await;
            if status == 200 {
                r.ok();
            } else {
                r.problem(status);
            }
        }
    }
    // A document of another application is not reachable through this one.
    let other_id = t.create_draft(&other_token).await;
    let a =
        upload(&t.app, &other_token, other_id, "plan", "p.pdf", pdf("x"), "application/pdf").await;
    let other_doc = a.ok()["id"].as_i64().unwrap();
    t.app
        .get(&format!("/applications/{id}/documents/{other_doc}/content"), &token)
        .await
        .problem(404);
    t.app
        .get(&format!("/applications/{id}/documents/{other_doc}/content"), &t.app.staff_token)
        .await
        .problem(404);
}

#[tokio::test]
async fn a_draft_document_can_be_removed_but_not_a_signed_commitment_copy() {
    let t = Intake::start().await;
    let (token, id) = draft(&t, 0).await;
    let wrong = upload(&t.app, &token, id, "plan", "verkeerd.pdf", pdf("oud"), "application/pdf")
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let letter =
        upload(&t.app, &token, id, "commitment", "raad.pdf", pdf("brief"), "application/pdf")
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
    let commitment = serde_json::json!({"organisation": "Raad", "signed_by": "B", "signed_on": "2022-07-01", "document_id": letter});
    t.app
        .put(&format!("/applications/{id}/commitments/child_protection_board"), &token, &commitment)
        .await
        .ok();
    let after = t
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/applications/{id}/documents/{wrong}"),
            Some(&token),
            None,
        )
        .await;
    let docs: Vec<i64> = after.ok()["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(docs, [letter]);
    assert!(
        after.body["missing"].as_array().unwrap().iter().any(|m| m["field"] == "plan"),
        "the plan is missing again"
    );
    t.app
        .request(
            reqwest::Method::DELETE,
            &format!("/applications/{id}/documents/{letter}"),
            Some(&token),
            None,
        )
        .await
        .problem(409);
    t.app
        .request(
            reqwest::Method::DELETE,
            &format!("/applications/{id}/documents/{wrong}"),
            Some(&token),
            None,
        )
        .await
        .problem(404);
    // A commitment may point only to this application's commitment documents.
    let plan = upload(&t.app, &token, id, "plan", "plan.pdf", pdf("p"), "application/pdf")
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let mut bad = commitment.clone();
    bad["document_id"] = plan.into();
    let a = t.app.put(&format!("/applications/{id}/commitments/veilig_thuis"), &token, &bad).await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["document_id"]);
}

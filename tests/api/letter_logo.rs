//! Issue 13, item 5: a call's letterhead logo. Staff upload a PNG with its alternative text; the
//! call's letters (the preview too) draw it at the top of the first page as a tagged figure; a
//! body that is not such a PNG is refused and stores nothing; only staff may touch it.

use std::process::Command;

use reqwest::Method;
use tuinier::scenario::Rehearsal;

use crate::common::*;

/// A PNG written by hand: 2×2 RGBA, rows filtered with Sub and Up (as in `pdf::letterhead`'s
/// own tests).
pub fn tiny_png() -> Vec<u8> {
    let rows: Vec<u8> = vec![
        1, 255, 0, 0, 128, 1, 1, 0, 127, // Sub
        2, 0, 0, 255, 0, 0, 0, 255, 0, // Up
    ];
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut chunk = |kind: &[u8], body: &[u8]| {
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(body);
        png.extend_from_slice(&[0, 0, 0, 0]); // CRC, not checked
    };
    chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
    chunk(b"IDAT", &compressed);
    chunk(b"IEND", &[]);
    png
}

/// Sends `body` as `content_type` and answers status, content type and bytes.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    answer_of(req.send().await.expect("request sent")).await
}

/// The images of a PDF (`pdfimages -list`, soft masks left out), or `None` without poppler.
fn images(pdf: &[u8]) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = match Command::new("pdfimages").arg("-list").arg(&path).output() {
        Ok(o) => o,
        Err(_) => {
            eprintln!("SKIPPED: pdfimages (poppler-utils) is not installed");
            return None;
        }
    };
    assert!(out.status.success(), "pdfimages failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(text.lines().skip(2).filter(|l| l.split_whitespace().nth(2) == Some("image")).count())
}

fn tagged(pdf: &[u8]) -> Option<bool> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfinfo").arg(&path).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(text.lines().any(|l| l.starts_with("Tagged:") && l.ends_with("yes")))
}

fn has_image_xobject(pdf: &[u8]) -> bool {
    pdf.windows(b"/Subtype /Image".len()).any(|w| w == b"/Subtype /Image")
        || pdf.windows(b"/Subtype/Image".len()).any(|w| w == b"/Subtype/Image")
}

#[tokio::test]
async fn a_calls_logo_heads_its_letters_and_only_staff_set_it() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = r.call_id();
    // A region rejected in the first round: its letter can be previewed after the first round.
    let target = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            matches!(e["decision"].as_str(), Some("rejected_knockout" | "rejected_below_threshold"))
        })
        .expect("a first-round rejection in the scenario")["ref"]
        .as_str()
        .unwrap()
        .to_string();
    let id = r.application_id(&target).unwrap();
    let logo = format!("/calls/{call}/letter-logo");
    let staff = app.staff_token.clone();

    // Without a logo: none to download, and the letter has no image.
    app.get(&logo, &staff).await.problem(404);
    let before = app.get(&format!("/applications/{id}/letter-preview"), &staff).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(!has_image_xobject(&before.bytes), "no image without a logo");

    // Not a PNG (an SVG, say): 422, nothing stored.
    let svg = send(
        &app,
        Method::PUT,
        &format!("{logo}?alt=Logo"),
        Some(&staff),
        "image/png",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
    )
    .await;
    svg.problem(422);
    assert_eq!(svg.error_fields(), ["body"]);
    app.get(&logo, &staff).await.problem(404);
    // A PNG with 16 bits per channel is not supported either.
    let mut deep = tiny_png();
    deep[24] = 16;
    send(&app, Method::PUT, &format!("{logo}?alt=Logo"), Some(&staff), "image/png", deep)
        .await
        .problem(422);
    // The alternative text is required.
    let no_alt =
        send(&app, Method::PUT, &format!("{logo}?alt=%20"), Some(&staff), "image/png", tiny_png())
            .await;
    no_alt.problem(422);
    assert_eq!(no_alt.error_fields(), ["alt"]);
    // More than 1 MB: 413.
    send(
        &app,
        Method::PUT,
        &format!("{logo}?alt=Logo"),
        Some(&staff),
        "image/png",
        vec![0u8; 1024 * 1024 + 1],
    )
    .await
    .problem(413);
    app.get(&logo, &staff).await.problem(404);

    // Other roles may not set, read or remove it; no token is 401.
    let region = r.region_token(&target).unwrap();
    let (_, assessor) = r.assessor("vng-1").unwrap();
    for token in [&region, &assessor] {
        send(&app, Method::PUT, &format!("{logo}?alt=Logo"), Some(token), "image/png", tiny_png())
            .await
            .problem(403);
        app.get(&logo, token).await.problem(403);
        app.request(Method::DELETE, &logo, Some(token), None).await.problem(403);
    }
    send(&app, Method::PUT, &format!("{logo}?alt=Logo"), None, "image/png", tiny_png())
        .await
        .problem(401);
    app.request(Method::GET, &logo, None, None).await.problem(401);
    app.request(Method::DELETE, &logo, None, None).await.problem(401);
    app.get(&logo, &staff).await.problem(404);

    // Staff upload it; it reads back byte for byte.
    let set = send(
        &app,
        Method::PUT,
        &format!("{logo}?alt=Logo%20van%20het%20ministerie"),
        Some(&staff),
        "image/png",
        tiny_png(),
    )
    .await;
    let view = set.ok()["logo"].clone();
    assert_eq!(view["alt"], "Logo van het ministerie");
    assert_eq!((view["width"].as_u64(), view["height"].as_u64()), (Some(2), Some(2)));
    assert_eq!(view["bytes"].as_u64(), Some(tiny_png().len() as u64));
    let got = app.get(&logo, &staff).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.content_type, "image/png");
    assert_eq!(got.bytes, tiny_png());

    // The preview draws it: one image, still a tagged PDF, with the alternative text.
    let with = app.get(&format!("/applications/{id}/letter-preview"), &staff).await;
    assert_eq!(with.status, 200, "{}", with.body);
    assert!(has_image_xobject(&with.bytes), "an image XObject in the letter");
    if let Some(n) = images(&with.bytes) {
        assert_eq!(n, 1, "pdfimages lists the logo");
        assert_eq!(images(&before.bytes), Some(0));
    }
    if let Some(t) = tagged(&with.bytes) {
        assert!(t, "pdfinfo: still Tagged: yes");
    }

    // Removed: the letters are as before, byte for byte.
    let removed = app.request(Method::DELETE, &logo, Some(&staff), None).await;
    assert!(removed.ok()["logo"].is_null());
    app.get(&logo, &staff).await.problem(404);
    let after = app.get(&format!("/applications/{id}/letter-preview"), &staff).await;
    assert_eq!(after.bytes, before.bytes, "without a logo the letter is unchanged");

    // Set again, the letters issued at publication carry it: stored with their SHA-256, as drawn.
    send(&app, Method::PUT, &format!("{logo}?alt=Logo"), Some(&staff), "image/png", tiny_png())
        .await
        .ok();
    r.publish_first_round().await.expect("first publication");
    let issued = app.get(&format!("/applications/{id}/letters"), &staff).await;
    let url = issued.ok()[0]["content_url"].as_str().unwrap().to_string();
    let letter = app.get(&url, &staff).await;
    assert_eq!(letter.status, 200);
    assert!(has_image_xobject(&letter.bytes), "the issued letter has the logo");
    if let Some(n) = images(&letter.bytes) {
        assert_eq!(n, 1);
    }

    // Every change is in the audit trail; the refused uploads are not.
    let trail = app.get(&format!("/audit?entityType=call&entityId={call}&limit=500"), &staff).await;
    let actions: Vec<String> = trail
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("letter_logo."))
        .map(str::to_string)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "letter_logo.set").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "letter_logo.removed").count(), 1, "{actions:?}");
}

//! Who sees which applications: listing with filters and pages, regions, assessors.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

fn refs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["region"]["ref"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn staff_list_with_filters_and_pages_regions_see_their_own_assessors_the_submitted_of_their_calls()
 {
    let t = Intake::start().await;
    let apps: Vec<Value> =
        t.scenario["applications"].as_array().unwrap().iter().take(4).cloned().collect();
    let mut tokens = Vec::new();
    for a in &apps {
        tokens.push(t.region(&region_of(a)).await);
    }
    t.open();
    let mut ids = Vec::new();
    for (a, token) in apps.iter().zip(&tokens) {
        let id = t.create_draft(token).await;
        t.fill(token, id, a, &[]).await;
        ids.push(id);
    }
    // The first and third submit.
    for i in [0, 2] {
        t.submit(&tokens[i], ids[i]).await.ok();
    }
    let base = format!("/calls/{}/applications", t.call_id);
    let staff = &t.app.staff_token;

    let all = t.app.get(&base, staff).await;
    let all = all.ok();
    assert_eq!(all["total"], 4);
    assert_eq!(all["limit"], 100);
    assert_eq!(
        refs(all),
        apps.iter().map(|a| a["ref"].as_str().unwrap().to_string()).collect::<Vec<_>>(),
        "by id, as created"
    );
    for (item, a) in all["items"].as_array().unwrap().iter().zip(&apps) {
        let expected = t.scenario["expected"]["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["ref"] == a["ref"])
            .unwrap();
        assert_eq!(item["requested_total"], expected["requested_total"]);
        assert_eq!(item["title"], a["title"]);
    }
    let submitted = t.app.get(&format!("{base}?status=submitted"), staff).await;
    assert_eq!(
        refs(submitted.ok()),
        [apps[0]["ref"].as_str().unwrap(), apps[2]["ref"].as_str().unwrap()]
    );
    assert_eq!(submitted.body["items"][0]["status"], "submitted");
    let one =
        t.app.get(&format!("{base}?region={}", apps[1]["ref"].as_str().unwrap()), staff).await;
    assert_eq!(refs(one.ok()), [apps[1]["ref"].as_str().unwrap()]);
    assert_eq!(t.app.get(&format!("{base}?region=nergens"), staff).await.ok()["total"], 0);
    let page = t.app.get(&format!("{base}?limit=2&offset=1"), staff).await;
    assert_eq!(page.ok()["total"], 4, "the total ignores the page");
    assert_eq!(
        refs(&page.body),
        [apps[1]["ref"].as_str().unwrap(), apps[2]["ref"].as_str().unwrap()]
    );
    assert_eq!(t.app.get(&format!("{base}?offset=4"), staff).await.ok()["items"], json!([]));
    for bad in ["limit=0", "limit=501"] {
        let r = t.app.get(&format!("{base}?{bad}"), staff).await;
        r.problem(422);
        assert_eq!(r.error_fields(), ["limit"]);
    }
    t.app.get("/calls/999/applications", staff).await.problem(404);

    // A region sees its own only, whatever it asks.
    let own = t.app.get(&base, &tokens[1]).await;
    assert_eq!(refs(own.ok()), [apps[1]["ref"].as_str().unwrap()]);
    let other =
        t.app.get(&format!("{base}?region={}", apps[0]["ref"].as_str().unwrap()), &tokens[1]).await;
    assert_eq!(other.ok()["items"], json!([]));

    // An assessor: 403 until assigned, then the submitted ones only.
    let assessor = t.app.user("assessor", "beoordelaar@vws.example", None).await;
    t.app.get(&base, &assessor).await.problem(403);
    t.app.get(&format!("/applications/{}", ids[0]), &assessor).await.problem(404);
    let me = t.app.get("/me", &assessor).await.ok()["id"].as_i64().unwrap();
    t.app
        .post(&format!("/calls/{}/assessors", t.call_id), staff, &json!({"user_id": me}))
        .await
        .ok();
    let seen = t.app.get(&base, &assessor).await;
    assert_eq!(
        refs(seen.ok()),
        [apps[0]["ref"].as_str().unwrap(), apps[2]["ref"].as_str().unwrap()]
    );
    assert_eq!(t.app.get(&format!("{base}?status=draft"), &assessor).await.ok()["total"], 0);
    t.app.get(&format!("/applications/{}", ids[0]), &assessor).await.ok();
    t.app.get(&format!("/applications/{}", ids[1]), &assessor).await.problem(404);
    // Assessors and staff read but never act for a region.
    for who in [&assessor, staff] {
        t.app
            .put(&format!("/applications/{}/form", ids[1]), who, &form_of(&apps[1]))
            .await
            .problem(403);
        t.app
            .request(Method::POST, &format!("/applications/{}/submit", ids[1]), Some(who), None)
            .await
            .problem(403);
    }
}

#[tokio::test]
async fn staff_assign_assessors_to_a_call_by_id_or_ref() {
    let t = Intake::start().await;
    let staff = &t.app.staff_token;
    let path = format!("/calls/{}/assessors", t.call_id);
    let by_ref = json!({"name": "VNG 1", "email": "vng-1@vng.example", "role": "assessor", "ref": "vng-1", "organisation": "VNG"});
    let created = t.app.post("/users", staff, &by_ref).await.ok()["user"]["id"].as_i64().unwrap();
    let second = t.app.user("assessor", "vws-1@vws.example", None).await;
    let second_id = t.app.get("/me", &second).await.ok()["id"].as_i64().unwrap();

    let listed = t.app.post(&path, staff, &json!({"ref": "vng-1"})).await;
    assert_eq!(listed.ok()[0]["user_id"], created);
    assert_eq!(listed.body[0]["ref"], "vng-1");
    let listed = t.app.post(&path, staff, &json!({"user_id": second_id})).await;
    let ids: Vec<i64> =
        listed.ok().as_array().unwrap().iter().map(|a| a["user_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [created, second_id]);
    assert_eq!(t.app.get(&path, staff).await.ok(), &listed.body);

    t.app.post(&path, staff, &json!({"user_id": second_id})).await.problem(409);
    let region_user = t.region(&region_of(&t.scenario["applications"][0])).await;
    let region_user_id = t.app.get("/me", &region_user).await.ok()["id"].as_i64().unwrap();
    let r = t.app.post(&path, staff, &json!({"user_id": region_user_id})).await;
    r.problem(422);
    assert_eq!(r.error_fields(), ["user_id"]);
    t.app.post(&path, staff, &json!({"ref": "onbekend"})).await.problem(422);
    t.app.post(&path, staff, &json!({})).await.problem(422);
    t.app.post(&path, staff, &json!({"user_id": second_id, "ref": "vng-1"})).await.problem(422);
    t.app.post("/calls/999/assessors", staff, &json!({"user_id": second_id})).await.problem(404);
    for who in [&second, &region_user] {
        t.app.post(&path, who, &json!({"user_id": second_id})).await.problem(403);
        t.app.get(&path, who).await.problem(403);
    }
    let trail = t
        .app
        .get(
            &format!("/audit?entityType=call&entityId={}&action=call.assessor_assigned", t.call_id),
            staff,
        )
        .await;
    assert_eq!(trail.ok().as_array().unwrap().len(), 2);
}

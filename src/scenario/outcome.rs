//! What a run leaves behind: the outcome in the shape of the scenario's `expected`, and the
//! letters as issued.

use super::*;

impl Run {
    /// The outcome in the shape of the scenario's `expected`.
    pub(super) fn outcome(&self, results: &Value, emails: Vec<Value>) -> Value {
        let mut apps = Vec::new();
        for a in self.scenario["applications"].as_array().into_iter().flatten() {
            let Some(line) = results["applications"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["ref"] == a["ref"]))
            else {
                apps.push(json!({"ref": a["ref"]}));
                continue;
            };
            let mut o = json!({
                "ref": line["ref"],
                "requested_total": line["requested_total"],
                "knockout": line["knockout"],
                "first_round_score": line["first_round_score"],
                "invited_to_interview": line["invited_to_interview"],
                "decision": line["decision"],
            });
            if !line["knockout_decided"].is_null() {
                o["knockout_decided"] = line["knockout_decided"].clone();
            }
            if line["invited_to_interview"] == true {
                o["final_score"] = line["final_score"].clone();
                o["rank"] = line["rank"].clone();
            }
            if line["tie_pending_before_decision"] == true {
                o["tie_pending_before_decision"] = true.into();
            }
            if line["decision"] == "awarded" {
                o["allocated"] = line["allocated"].clone();
            }
            apps.push(o);
        }
        json!({
            "applications": apps,
            "awarded_in_rank_order": results["awarded_in_rank_order"],
            "allocated_total": results["allocated_total"],
            "unallocated": results["unallocated"],
            "emails": emails,
            "rejected_inputs": self.rejected,
        })
    }

    /// Writes every issued letter (the latest number of each) to `dir/{application}-{kind}.pdf`.
    pub(super) async fn write_letters(&self, dir: &Path) -> Result<()> {
        let staff = self.staff();
        // Page by page: a call's letters are listed 500 at a time at most.
        let mut letters = Vec::new();
        loop {
            let path =
                format!("/calls/{}/letters?limit=500&offset={}", self.call_id, letters.len());
            let page = self.c.get(&path, &staff).await?.expect(200)?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or_default();
            let done = items.is_empty();
            letters.extend(items);
            if done || letters.len() as u64 >= total {
                break;
            }
        }
        let refs: BTreeMap<i64, &str> = self
            .regions
            .iter()
            .filter_map(|(r, x)| x.application_id.map(|id| (id, r.as_str())))
            .collect();
        let mut latest: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for l in &letters {
            let Some(r) = l["application_id"].as_i64().and_then(|id| refs.get(&id)) else {
                continue;
            };
            let key = (r.to_string(), l["kind"].as_str().unwrap_or_default().to_string());
            let (number, id) =
                (l["number"].as_i64().unwrap_or_default(), l["id"].as_i64().unwrap_or_default());
            if latest.get(&key).is_none_or(|(n, _)| number > *n) {
                latest.insert(key, (number, id));
            }
        }
        std::fs::create_dir_all(dir).map_err(Failure::io)?;
        for ((r, kind), (_, id)) in latest {
            let bytes = self.c.get_bytes(&format!("/letters/{id}/content"), &staff).await?;
            std::fs::write(dir.join(format!("{r}-{kind}.pdf")), bytes).map_err(Failure::io)?;
        }
        Ok(())
    }
}

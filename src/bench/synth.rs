//! The synthetic call, generated on the fly from a seed: the 2022 call's definition (the built-in
//! template) with its dates moved to today, and its regions, applications and sheets, one at a time
//! from their index (nothing of size N is ever held).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

pub const TEMPLATE: &str = "proeftuinen-tranche-2-2022";

const ROLES: [(&str, &str, &str); 5] = [
    ("municipality", "Gemeente", "wethouder Jeugd"),
    ("local_team", "Lokaal team", "directeur"),
    ("veilig_thuis", "Veilig Thuis", "directeur-bestuurder"),
    ("certified_institution", "Jeugdbescherming", "bestuurder"),
    ("child_protection_board", "Raad voor de Kinderbescherming, regio", "regiodirecteur"),
];

/// A small deterministic mixer (splitmix64): the same seed and index give the same numbers.
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed
        .wrapping_add(a.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The call: the template with another code and title, every stage moved by whole days so that it
/// was published two days before `now` (the deadline then lies weeks ahead), and the spending period
/// moved by whole years with the programme's start. Also the first year of the spending period.
pub fn call(template: &Value, code: &str, now: DateTime<Utc>) -> Option<(Value, i32)> {
    let mut call = template.clone();
    let moment = |kind: &str| -> Option<DateTime<chrono::FixedOffset>> {
        template["stages"]
            .as_array()?
            .iter()
            .find(|s| s["kind"] == kind)
            .and_then(|s| s["at"].as_str())
            .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
    };
    let published = moment("publication")?;
    let start = moment("programme_start")?;
    let days = (now - Duration::days(2)).date_naive().signed_duration_since(published.date_naive());
    let days = Duration::days(days.num_days());
    for s in call["stages"].as_array_mut()? {
        for key in ["at", "until"] {
            if let Some(t) = s[key].as_str().and_then(|a| DateTime::parse_from_rfc3339(a).ok()) {
                s[key] = (t + days).to_rfc3339().into();
            }
        }
        for key in ["starts_on", "ends_on"] {
            if let Some(d) = s[key].as_str().and_then(|d| d.parse::<NaiveDate>().ok()) {
                s[key] = (d + days).to_string().into();
            }
        }
    }
    let years = (start + days).year() - start.year();
    let mut first_year = 0;
    for key in ["from", "to"] {
        let d = call["spending_period"][key].as_str()?.parse::<NaiveDate>().ok()?;
        let moved = d.with_year(d.year() + years)?;
        if key == "from" {
            first_year = moved.year();
        }
        call["spending_period"][key] = moved.to_string().into();
    }
    call["code"] = code.into();
    call["title"] = format!("Synthetische oproep ({code})").into();
    Some((call, first_year))
}

pub fn region_ref(i: usize) -> String {
    format!("regio-{i:05}")
}

/// Region `i` as `POST /regions` takes it.
pub fn region(i: usize) -> Value {
    let r = region_ref(i);
    json!({
        "ref": r,
        "name": format!("Regio {i:05}"),
        "lead_applicant": {
            "name": format!("Penvoerder {i:05}"),
            "email": format!("penvoerder@{r}.example"),
            "municipality": format!("Gemeente {i:05}"),
        },
        "municipalities": [{"name": format!("Gemeente {i:05}"), "inhabitants": 20_000 + i % 500 * 300}],
    })
}

/// The region's user, as `POST /users` takes it.
pub fn region_user(i: usize) -> Value {
    let r = region_ref(i);
    json!({"name": format!("Penvoerder {i:05}"), "email": format!("{r}@regio.bench.example"), "role": "region", "region": r})
}

pub fn assessor_user(k: usize) -> Value {
    json!({
        "name": format!("Beoordelaar {}", k + 1),
        "email": format!("beoordelaar{}@bench.example", k + 1),
        "role": "assessor",
        "organisation": "VNG",
        "ref": format!("bench-{}", k + 1),
    })
}

/// The application's form (`PUT /applications/{id}/form`).
pub fn form(i: usize) -> Value {
    let inhabitants = 20_000 + i % 500 * 300;
    json!({
        "title": format!("Proeftuin regio {i:05}"),
        "summary": format!("Plan van aanpak van regio {i:05}"),
        "contact": {"name": format!("Penvoerder {i:05}"), "email": format!("penvoerder@{}.example", region_ref(i)), "function": "beleidsadviseur Jeugd"},
        "scale": {"municipalities": [{"name": format!("Gemeente {i:05}"), "inhabitants": inhabitants}], "inhabitants": inhabitants, "districts": []},
        "applicant": {"organisation": format!("Gemeente {i:05}"), "address": {"street": "Postbus 100", "postcode": "1000 AA", "city": format!("Gemeente {i:05}")}},
    })
}

/// Two budget lines, one per year, a fifth of each paid by the region.
pub fn budget(seed: u64, i: usize, first_year: i32) -> Value {
    let lines: Vec<Value> = (0..2)
        .map(|y| {
            let total = 400_000 + (mix(seed, i as u64, 100 + y) % 200) * 1_000;
            let own = total / 5;
            json!({
                "year": first_year + y as i32,
                "description": if y == 0 { "Projectleiding en scholing" } else { "Formatie en monitoring" },
                "total_cost": format!("{total}.00"),
                "own_contribution": format!("{own}.00"),
                "requested": format!("{}.00", total - own),
            })
        })
        .collect();
    json!({"lines": lines})
}

/// The five partner commitments: (role, body).
pub fn commitments(i: usize, signed_on: NaiveDate) -> impl Iterator<Item = (&'static str, Value)> {
    ROLES.iter().map(move |(role, org, signer)| {
        (
            *role,
            json!({
                "organisation": format!("{org} {i:05}"),
                "signed_by": format!("A. Jansen, {signer}"),
                "signed_on": signed_on.to_string(),
            }),
        )
    })
}

/// Whether application `i` passes the first round (one in ten, and at least the first five):
/// its first-round sheets total well above the threshold of 50, the others well below.
pub fn invited(i: usize) -> bool {
    i.is_multiple_of(10) || i < 5
}

/// A sheet for `round` on application `i` by assessor `k`, every knock-out criterion met.
/// First round: totals near 70-90 for an invited application, near 20-40 for the others. Final
/// round: the same from every assessor, so the mean is exact; the invited applications in the
/// order of their index get 100, 99, 98, 97 and then at most 90, so no tie falls at the last of
/// the four award places (`final_rank` is the position among the invited).
pub fn sheet(
    template: &Value,
    seed: u64,
    round: &str,
    i: usize,
    k: usize,
    final_rank: usize,
) -> Value {
    let level: f64 = if round == "final" {
        if final_rank < 4 { 1.0 } else { 0.5 + (mix(seed, i as u64, 7) % 40) as f64 / 100.0 }
    } else {
        let jitter = (mix(seed, i as u64, k as u64) % 20) as f64 / 100.0;
        if invited(i) { 0.7 + jitter } else { 0.2 + jitter }
    };
    let mut scores = serde_json::Map::new();
    let mut motivations = serde_json::Map::new();
    for c in template["weighted_criteria"].as_array().into_iter().flatten() {
        let id = c["id"].as_str().unwrap_or_default().to_string();
        let (min, max) = (c["min"].as_i64().unwrap_or(0), c["max"].as_i64().unwrap_or(0));
        let value = match c["kind"].as_str() {
            Some("boolean") => json!(if level >= 0.5 { max } else { min }),
            Some("per_item") => {
                let items = c["items"].as_array().cloned().unwrap_or_default();
                let n = ((items.len() as f64) * level).round() as usize;
                Value::Array(items.into_iter().take(n).collect())
            }
            _ => {
                let mut v = (min as f64 + (max - min) as f64 * level).round() as i64;
                if round == "final" && final_rank < 4 && id == "w_general_impression" {
                    v = max - final_rank as i64;
                }
                json!(v.clamp(min, max))
            }
        };
        scores.insert(id.clone(), value);
        motivations.insert(id, "Voldoende onderbouwd met voorbeelden uit de regio.".into());
    }
    let knockout: serde_json::Map<String, Value> = template["knockout_criteria"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(|id| (id.to_string(), Value::Bool(true))))
        .collect();
    json!({
        "knockout": knockout,
        "scores": scores,
        "motivation": "Een aanvraag die op de meeste onderdelen overtuigt.",
        "motivations": motivations,
    })
}

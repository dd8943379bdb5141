//! Issue 17, the finance exports and the overview PDF for the 2022 scenario: every amount in the
//! CSV and JSON export per call and year, in the 360Giving package and on the programme
//! overview PDF equals the figure this test computes from its own inputs.
//!
//! With `TUINIER_WRITE_360GIVING=FILE` the test writes the 360Giving package there (for
//! `scripts/check-360giving`); with `TUINIER_WRITE_FINANCE_OVERVIEW_PDF=FILE` the overview PDF.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::*;
use crate::finance::{Plan, d, decided, dutch, m, plans, run_finance};
use crate::monitoring::pdf_text;

/// Pays or receives each settlement's balance on 2025-03-20.
async fn close(app: &TestApp, plans: &[Plan], settled: &BTreeMap<i64, Value>) {
    app.set_time("2025-03-20T10:00:00+01:00");
    for p in plans {
        let (kind, amount) = if p.balance() < Decimal::ZERO {
            ("repayment", -p.balance())
        } else {
            ("settlement", p.balance())
        };
        if amount.is_zero() {
            continue;
        }
        let body = json!({"kind": kind, "settlement_id": settled[&p.id]["id"], "amount": m(amount), "paid_on": "2025-03-20", "bank_reference": format!("S-{}", p.id)});
        assert_eq!(
            app.post(&format!("/proeftuinen/{}/payments", p.id), &app.staff_token, &body)
                .await
                .status,
            201
        );
    }
}

/// What the test expects in the export row of `p` for `year`: (advanced, paid, realised, settled).
fn expected(p: &Plan, year: i32) -> [Decimal; 4] {
    match year {
        2023 => [p.paid_before(), p.paid_before(), p.realised_in(2023), Decimal::ZERO],
        2024 => [Decimal::ZERO, Decimal::ZERO, p.realised_in(2024), Decimal::ZERO],
        2025 => [Decimal::ZERO, p.balance(), Decimal::ZERO, p.settled()],
        _ => [Decimal::ZERO; 4],
    }
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect()).collect()
}

/// The proeftuin's own page of the overview (with its reports): it names that proeftuin and no
/// other.
fn own_page<'a>(pages: &[&'a str], plans: &[Plan], p: &Plan) -> &'a str {
    pages
        .iter()
        .find(|pg| {
            pg.contains("Rapportages in deze periode")
                && pg.contains(p.name.as_str())
                && plans.iter().all(|o| o.id == p.id || !pg.contains(o.name.as_str()))
        })
        .unwrap_or_else(|| panic!("a page for {}", p.name))
}

#[tokio::test]
async fn exports_360giving_and_the_overview_pdf_carry_the_computed_figures() {
    let (app, r, list) = decided().await;
    let plans = plans(&list);
    let settled = run_finance(&app, &r, &plans).await;
    close(&app, &plans, &settled).await;
    let call = r.call_id();

    // The export per call and year, JSON and CSV.
    let mut granted_total: BTreeMap<i64, Decimal> = BTreeMap::new();
    for year in [2022, 2023, 2024, 2025] {
        let e = app
            .get(&format!("/calls/{call}/finance/export.json?year={year}"), &app.staff_token)
            .await;
        let rows = e.ok()["rows"].as_array().unwrap().clone();
        let csv = app
            .get(&format!("/calls/{call}/finance/export.csv?year={year}"), &app.staff_token)
            .await;
        assert_eq!(csv.status, 200);
        let csv = csv_rows(&String::from_utf8(csv.bytes.clone()).unwrap());
        assert_eq!(csv.len(), rows.len(), "{year}");
        for p in &plans {
            let row = rows.iter().find(|x| x["proeftuin_id"] == p.id);
            let [advanced, paid, realised, settled_amount] = expected(p, year);
            let Some(row) = row else {
                assert!(
                    [advanced, paid, realised, settled_amount].iter().all(|x| x.is_zero()),
                    "{year} {:?}",
                    p.case
                );
                continue;
            };
            assert_eq!(row["year"], year);
            assert_eq!(row["advanced"], m(advanced), "{year} {:?}", p.case);
            assert_eq!(row["paid"], m(paid), "{year} {:?}", p.case);
            assert_eq!(row["realised"], m(realised), "{year} {:?}", p.case);
            assert_eq!(row["settled"], m(settled_amount), "{year} {:?}", p.case);
            *granted_total.entry(p.id).or_default() += d(row["granted"].as_str().unwrap());
            let c = csv
                .iter()
                .find(|c| c["proeftuin_ref"] == row["proeftuin_ref"].as_str().unwrap())
                .unwrap();
            for k in ["granted", "advanced", "paid", "realised", "settled"] {
                assert_eq!(c[k], row[k].as_str().unwrap(), "CSV {k} {year}");
            }
            assert_eq!(c["year"], year.to_string());
        }
    }
    for p in &plans {
        assert_eq!(granted_total[&p.id], p.grant, "granted over the years, {:?}", p.case);
    }
    app.get(
        &format!("/calls/{call}/finance/export.json"),
        &r.region_token(&plans[0].region_ref).unwrap(),
    )
    .await
    .problem(403);

    // 360Giving: one grant per award, amounts awarded and disbursed.
    let g = app.get(&format!("/calls/{call}/finance/360giving.json"), &app.staff_token).await;
    assert_eq!(g.status, 200);
    assert!(g.content_type.starts_with("application/json"), "{}", g.content_type);
    let text = String::from_utf8(g.bytes.clone()).unwrap();
    if let Ok(path) = std::env::var("TUINIER_WRITE_360GIVING") {
        std::fs::write(path, &text).unwrap();
    }
    let package: Value = serde_json::from_str(&text).unwrap();
    let grants = package["grants"].as_array().unwrap();
    assert_eq!(grants.len(), plans.len());
    for p in &plans {
        let application =
            list.iter().find(|x| x["id"] == p.id).unwrap()["application_id"].as_i64().unwrap();
        let id = format!("360G-tkg-TKG-{call:03}-{application:05}");
        let grant = grants
            .iter()
            .find(|x| x["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} in {text}"));
        assert_eq!(d(&grant["amountAwarded"].to_string()), p.grant);
        assert_eq!(d(&grant["amountDisbursed"].to_string()), p.settled(), "{:?}", p.case);
        assert_eq!(grant["currency"], "EUR");
        // The exact amount is in the text as written, two decimals.
        assert!(text.contains(&format!("\"amountAwarded\": {}", m(p.grant))), "{text}");
    }

    // The overview PDF of 2024 (advances paid, not settled) and of 2025 (settled, closed).
    let pdf = app.get("/monitoring/overview.pdf?period=2024", &app.staff_token).await;
    assert_eq!(pdf.status, 200);
    let text = pdf_text(&pdf.bytes);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(text.contains("Voorschotten, betalingen en vaststelling"), "{text}");
    for p in &plans {
        let page = own_page(&pages, &plans, p);
        let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&format!("Voorschotten {}", dutch(p.paid_before()))), "{flat}");
        assert!(flat.contains(&format!("Betaald {}", dutch(p.paid_before()))), "{flat}");
        assert!(flat.contains("Vastgesteld nog niet"), "{flat}");
        assert!(
            flat.contains(&format!("Nog te betalen {}", dutch(p.grant - p.paid_before()))),
            "{flat}"
        );
        assert!(flat.contains(&dutch(p.realised())), "realised up to 2024 in {flat}");
    }
    let total_grant: Decimal = plans.iter().map(|p| p.grant).sum();
    let total_paid: Decimal = plans.iter().map(|p| p.paid_before()).sum();
    let summary = text
        .lines()
        .find(|l| l.trim_start().starts_with("Totaal") && l.contains(&dutch(total_paid)))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(summary.contains(&dutch(total_grant)), "{summary}");

    let pdf = app.get("/monitoring/overview.pdf?period=2025", &app.staff_token).await;
    if let Ok(path) = std::env::var("TUINIER_WRITE_FINANCE_OVERVIEW_PDF") {
        std::fs::write(path, &pdf.bytes).unwrap();
    }
    let text = pdf_text(&pdf.bytes);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    for p in &plans {
        let page = own_page(&pages, &plans, p);
        let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!("Vastgesteld {} op 3 maart 2025", dutch(p.settled()))),
            "{flat}"
        );
        assert!(flat.contains(&format!("Betaald {}", dutch(p.settled()))), "{flat}");
        assert!(flat.contains(&format!("Nog te betalen {}", dutch(Decimal::ZERO))), "{flat}");
    }
    let total_settled: Decimal = plans.iter().map(|p| p.settled()).sum();
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Totaal") && l.contains(&dutch(total_settled))),
        "{text}"
    );
}

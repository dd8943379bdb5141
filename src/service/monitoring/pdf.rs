//! The monitoring documents, in Dutch: one progress report (figures per period of its year with
//! the year-to-date total, then the narrative), one annual plan, and the programme overview of a
//! period (a summary table of all proeftuinen, then a page per proeftuin). Typeset with the
//! shared document builder in `crate::pdf`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    AnnualPlan, Catalogue, CatalogueMetric, Overview, OverviewRow, Proeftuin, ProgressReport,
};
use crate::domain::dutch;
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Balance, FigureValue, Period, Status};
use crate::error::DomainError;
use crate::pdf::{Column, Document, Settings, Table, format};

use super::pdf_finance;
pub use super::pdf_finance::FinanceLine;

const PROGRAMME: &str = "Toekomstscenario kind- en gezinsbescherming";

fn pdf_error(e: crate::pdf::PdfError) -> DomainError {
    DomainError::internal(e.to_string())
}

fn document(title: &str, footer: &str, now: DateTime<Utc>) -> Result<Document, DomainError> {
    let mut doc = Document::new(Settings {
        title: title.to_string(),
        header_left: PROGRAMME.to_string(),
        header_right: "Monitoring proeftuinen".to_string(),
        footer_left: footer.to_string(),
    })
    .map_err(pdf_error)?;
    doc.set_author(&format!("Programma {PROGRAMME}"));
    doc.set_created_at(now);
    Ok(doc)
}

fn value_nl(v: Option<&FigureValue>) -> String {
    match v {
        Some(FigureValue::Count(n)) => format::integer(*n),
        Some(FigureValue::Share(Some(d))) => format::percent(*d),
        Some(FigureValue::Share(None)) | None => "–".into(),
    }
}

fn remaining_nl(b: &Balance) -> String {
    if b.overspent {
        format!(
            "{} (overschrijding {})",
            format::amount(b.remaining),
            format::amount(b.overspend().unwrap_or(Money::ZERO))
        )
    } else {
        format::amount(b.remaining)
    }
}

fn proeftuin_facts(doc: &mut Document, p: &Proeftuin) {
    let mut rows: Vec<(String, String)> = vec![("Regio".into(), p.region_name.clone())];
    if let Some(t) = p.tranche {
        rows.push(("Tranche".into(), format!("{t}e tranche")));
    }
    rows.push(("Gestart".into(), format::date(p.started_on)));
    if !p.record.municipalities.is_empty() {
        let list: Vec<String> = p
            .record
            .municipalities
            .iter()
            .map(|mu| match mu.inhabitants {
                Some(n) => format!("{} ({} inwoners)", mu.name, format::integer(n as i64)),
                None => mu.name.clone(),
            })
            .collect();
        rows.push(("Gemeenten".into(), list.join(", ")));
    }
    if !p.record.districts.is_empty() {
        rows.push(("Wijken / postcodegebieden".into(), p.record.districts.join(", ")));
    }
    if let Some(v) = &p.record.project_leader {
        rows.push(("Projectleider".into(), v.clone()));
    }
    if let Some(v) = &p.record.programme_contact {
        rows.push(("Contactpersoon programma".into(), v.clone()));
    }
    if let Some(e) = &p.record.emphasis {
        let label = m::EMPHASES.iter().find(|(k, _)| k == e).map_or(e.as_str(), |(_, l)| *l);
        rows.push(("Accent werkwijze".into(), label.to_string()));
    }
    if !p.record.rvt_partners.is_empty() {
        rows.push(("Partners in het RVT".into(), p.record.rvt_partners.join(", ")));
    }
    if !p.record.focus_points.is_empty() {
        rows.push(("Aandachtspunten".into(), p.record.focus_points.join("; ")));
    }
    rows.push(("Subsidie".into(), format::amount(p.grant_total)));
    doc.key_values(&rows, 150.0);
}

/// One progress report: its figures beside those of the other reports of the same year up to it
/// (accepted ones, and this one), with the total of those periods; then the narrative.
#[tracing::instrument(skip_all, fields(proeftuin_id = p.id, report_id = r.id))]
pub fn progress_report(
    p: &Proeftuin,
    r: &ProgressReport,
    all: &[ProgressReport],
    catalogue: &Catalogue,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DomainError> {
    let mut doc = document(
        &format!("Voortgangsrapportage {} {}", p.name, r.period),
        &format!("{} · {} · rapportage {}", p.r#ref, r.period, r.id),
        now,
    )?;
    doc.title(&format!("Voortgangsrapportage {}", r.period.label_nl()));
    doc.subtitle(&p.name, 12.0, 8.0);
    doc.key_values(
        &[
            (
                "Periode".into(),
                format!("{} t/m {}", format::date(r.period.start()), format::date(r.period.end())),
            ),
            ("Status".into(), r.status.label_nl().into()),
            ("Uiterlijk in te dienen".into(), format::date(r.due_on)),
            ("Gerealiseerde kosten".into(), format::amount(r.costs_realised)),
            ("Opgesteld".into(), dutch::date_time(now)),
        ],
        150.0,
    );
    if let Some(c) = &r.comments {
        doc.paragraph(&format!("Opmerkingen bij terugsturen: {c}"));
    }

    report_figures(&mut doc, r, all, catalogue);
    narrative(&mut doc, r);
    doc.finish().map_err(pdf_error)
}

/// The figures table of a progress report: the reports of the same year up to this one, finest
/// first, and their total.
fn report_figures(
    doc: &mut Document,
    r: &ProgressReport,
    all: &[ProgressReport],
    catalogue: &Catalogue,
) {
    // The columns: the reports of the same year up to this one, finest first.
    let mut periods: Vec<&ProgressReport> = all
        .iter()
        .filter(|o| {
            o.period.year() == r.period.year()
                && o.period.end() <= r.period.end()
                && (o.id == r.id || o.status == Status::Accepted)
        })
        .collect();
    periods.sort_by_key(|o| o.period.sort_key());
    let metrics = catalogue.all();
    let reports: Vec<(Period, BTreeMap<String, i64>)> =
        periods.iter().map(|o| (o.period, o.counts.clone())).collect();
    let span = Period::Year(r.period.year());
    let total = m::roll_up(&metrics, &reports, span);
    doc.heading("Cijfers");
    let mut columns = vec![Column::left("Onderdeel", 3.2)];
    for o in &periods {
        columns.push(Column::right(o.period.short_nl(), 1.0));
    }
    let total_title = if total.complete {
        format!("Totaal {}", span)
    } else {
        format!("Totaal t/m {}", r.period.short_nl())
    };
    columns.push(Column::right(total_title, 1.3));
    let mut rows = Vec::new();
    for c in catalogue
        .metrics
        .iter()
        .filter(|c| !c.retired || periods.iter().any(|o| o.figures.contains_key(&c.metric.key)))
    {
        let key = &c.metric.key;
        if periods.iter().all(|o| !o.figures.contains_key(key)) {
            continue;
        }
        let mut row = vec![c.metric.label_nl.clone()];
        for o in &periods {
            row.push(value_nl(o.figures.get(key)));
        }
        row.push(value_nl(total.figures.get(key)));
        rows.push(row);
    }
    if rows.is_empty() {
        doc.paragraph("Deze rapportage bevat geen cijfers.");
    } else {
        doc.table(&Table::new(columns, rows));
        if !total.complete {
            doc.text(
                &format!(
                    "Het totaal telt de periodes in de tabel; nog niet gerapporteerd in {}: {}.",
                    span,
                    total
                        .missing_quarters
                        .iter()
                        .map(|q| q.short_nl())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                crate::pdf::Style { size: 8.0, bold: false, indent: 0.0, after: 6.0 },
            );
        }
    }
}

/// The narrative of a progress report: principles, core elements, lessons and obstacles.
fn narrative(doc: &mut Document, r: &ProgressReport) {
    doc.heading("Basisprincipes");
    let mut any = false;
    for (key, label) in m::PRINCIPLES {
        if let Some(t) = r.narrative.principles.get(key).filter(|t| !t.trim().is_empty()) {
            doc.text(label, crate::pdf::Style::bold());
            doc.paragraph(t);
            any = true;
        }
    }
    if !any {
        doc.paragraph("Niet ingevuld.");
    }
    doc.heading("Kernelementen");
    any = false;
    for (key, label) in m::CORE_ELEMENTS {
        if let Some(t) = r.narrative.core_elements.get(key).filter(|t| !t.trim().is_empty()) {
            doc.text(label, crate::pdf::Style::bold());
            doc.paragraph(t);
            any = true;
        }
    }
    if !any {
        doc.paragraph("Niet ingevuld.");
    }
    doc.heading("Geleerde lessen");
    doc.paragraph(if r.narrative.lessons.trim().is_empty() {
        "Niet ingevuld."
    } else {
        &r.narrative.lessons
    });
    doc.heading("Knelpunten");
    doc.paragraph(if r.narrative.obstacles.trim().is_empty() {
        "Niet ingevuld."
    } else {
        &r.narrative.obstacles
    });
}

/// One annual plan: goals, activities per core element, team and partners, focus points, budget.
#[tracing::instrument(skip_all, fields(proeftuin_id = p.id, plan_id = plan.id))]
pub fn annual_plan(
    p: &Proeftuin,
    plan: &AnnualPlan,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DomainError> {
    let mut doc = document(
        &format!("Jaarplan {} {}", p.name, plan.year),
        &format!("{} · jaarplan {} · {}", p.r#ref, plan.year, plan.id),
        now,
    )?;
    doc.title(&format!("Jaarplan {}", plan.year));
    doc.subtitle(&p.name, 12.0, 8.0);
    doc.key_values(
        &[
            ("Status".into(), plan.status.label_nl().into()),
            ("Uiterlijk in te dienen".into(), format::date(plan.due_on)),
            ("Opgesteld".into(), dutch::date_time(now)),
        ],
        150.0,
    );
    proeftuin_facts(&mut doc, p);
    if let Some(c) = &plan.comments {
        doc.paragraph(&format!("Opmerkingen bij terugsturen: {c}"));
    }
    doc.heading("Doelen");
    if plan.content.goals.is_empty() {
        doc.paragraph("Geen doelen opgegeven.");
    }
    for g in &plan.content.goals {
        doc.bullet(g);
    }
    doc.heading("Activiteiten per kernelement");
    for (key, label) in m::CORE_ELEMENTS {
        let text = plan
            .content
            .activities
            .get(key)
            .map(String::as_str)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("Geen activiteiten opgegeven.");
        doc.text(label, crate::pdf::Style::bold());
        doc.paragraph(text);
    }
    for (title, list) in [
        ("Team", &plan.content.team),
        ("Partners", &plan.content.partners),
        ("Aandachtspunten", &plan.content.focus_points),
    ] {
        if !list.is_empty() {
            doc.heading(title);
            for item in list {
                doc.bullet(item);
            }
        }
    }
    plan_budget(&mut doc, plan);
    doc.finish().map_err(pdf_error)
}

/// The budget table of an annual plan, with its total.
fn plan_budget(doc: &mut Document, plan: &AnnualPlan) {
    doc.heading(&format!("Begroting {}", plan.year));
    let mut rows: Vec<Vec<String>> = plan
        .lines
        .iter()
        .map(|l| {
            vec![
                l.description.clone(),
                format::amount(l.total_cost),
                format::amount(l.own_contribution),
                format::amount(l.grant),
            ]
        })
        .collect();
    rows.push(vec![
        "Totaal".into(),
        format::amount(plan.total_cost),
        format::amount(plan.own_contribution),
        format::amount(plan.grant),
    ]);
    doc.table(
        &Table::new(
            vec![
                Column::left("Post", 3.0),
                Column::right("Kosten", 1.4),
                Column::right("Eigen bijdrage", 1.4),
                Column::right("Subsidie", 1.4),
            ],
            rows,
        )
        .with_total_row(),
    );
}

/// The programme overview of one period: a summary table of every proeftuin's figures and
/// spending, then one page per proeftuin.
#[tracing::instrument(skip_all, fields(period = %o.period))]
pub fn overview(o: &Overview, now: DateTime<Utc>) -> Result<Vec<u8>, DomainError> {
    overview_with_finance(o, &[], now)
}

/// The overview with the grant-finance figures of each proeftuin (issue 17).
pub fn overview_with_finance(
    o: &Overview,
    finance: &[FinanceLine],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DomainError> {
    let mut doc = document(
        &format!("Monitor proeftuinen {}", o.period),
        &format!("Monitor proeftuinen · {}", o.period),
        now,
    )?;
    doc.title(&format!("Monitor proeftuinen — {}", o.period.label_nl()));
    doc.text(
        &format!("Cijfers uit de geaccepteerde voortgangsrapportages, opgeteld per proeftuin. Opgesteld {}.", dutch::date_time(now)),
        crate::pdf::Style { size: 9.0, bold: false, indent: 0.0, after: 8.0 },
    );

    // Summary: metrics as rows, proeftuinen as columns, programme total last.
    let metrics: Vec<&CatalogueMetric> =
        o.catalogue.metrics.iter().filter(|c| !c.retired).collect();
    overview_figures(&mut doc, o, &metrics);
    overview_spending(&mut doc, o);
    if !finance.is_empty() {
        pdf_finance::finance_table(&mut doc, finance, o.period.end());
    }
    for r in &o.rows {
        let line = finance.iter().find(|f| f.proeftuin_id == r.proeftuin.id);
        overview_page(&mut doc, o, r, &metrics, line);
    }
    doc.finish().map_err(pdf_error)
}

/// The summary: metrics as rows, proeftuinen as columns, programme total last.
fn overview_figures(doc: &mut Document, o: &Overview, metrics: &[&CatalogueMetric]) {
    doc.heading("Cijfers per proeftuin");
    // At most three proeftuinen beside each other, spread evenly over the tables (four: two and
    // two), so that a region's name fits its column header.
    let chunk = o.rows.len().div_ceil(o.rows.len().div_ceil(3).max(1)).max(1);
    let rows_list: Vec<&OverviewRow> = o.rows.iter().collect();
    if rows_list.is_empty() {
        doc.paragraph("Er zijn nog geen proeftuinen.");
    }
    let n_chunks = rows_list.len().div_ceil(chunk);
    for (i, group) in rows_list.chunks(chunk).enumerate() {
        let last = i + 1 == n_chunks;
        let mut columns = vec![Column::left("Onderdeel", 3.2)];
        for r in group {
            columns.push(Column::right(r.proeftuin.region_name.clone(), 1.75));
        }
        if last {
            columns.push(Column::right("Programma", 1.2));
        }
        let mut rows = Vec::new();
        for c in metrics {
            let mut row = vec![c.metric.label_nl.clone()];
            for r in group {
                row.push(value_nl(r.figures.figures.get(&c.metric.key)));
            }
            if last {
                row.push(value_nl(o.totals.get(&c.metric.key)));
            }
            rows.push(row);
        }
        let mut complete = vec!["Periode volledig gerapporteerd".to_string()];
        for r in group {
            complete.push(if r.figures.complete { "ja".into() } else { "nee".into() });
        }
        if last {
            complete.push(String::new());
        }
        rows.push(complete);
        doc.table(&Table::new(columns, rows));
    }
}

/// Grant and spending of every proeftuin and of the programme.
fn overview_spending(doc: &mut Document, o: &Overview) {
    doc.heading("Subsidie en besteding");
    let mut rows: Vec<Vec<String>> = o
        .rows
        .iter()
        .map(|r| {
            vec![
                r.proeftuin.region_name.clone(),
                format::amount(r.balance.granted),
                format::amount(r.balance.realised),
                format::amount(r.balance.remaining),
                r.balance.overspend().map(format::amount).unwrap_or_else(|| "–".into()),
            ]
        })
        .collect();
    rows.push(vec![
        "Totaal".into(),
        format::amount(o.balance.granted),
        format::amount(o.balance.realised),
        format::amount(o.balance.remaining),
        o.rows
            .iter()
            .filter_map(|r| r.balance.overspend())
            .reduce(|a, b| a + b)
            .map(format::amount)
            .unwrap_or_else(|| "–".into()),
    ]);
    doc.table(
        &Table::new(
            vec![
                Column::left("Proeftuin", 1.8),
                Column::right("Toegekend", 1.4),
                Column::right("Gerealiseerd", 1.4),
                Column::right("Resterend", 1.4),
                Column::right("Overschrijding", 1.55),
            ],
            rows,
        )
        .with_total_row(),
    );
    let over: Vec<&str> =
        o.rows.iter().filter(|r| r.balance.overspent).map(|r| r.proeftuin.name.as_str()).collect();
    if !over.is_empty() {
        doc.paragraph(&format!("Overschrijding van de subsidie: {}.", over.join(", ")));
    }
}

/// One proeftuin's page of the overview: its facts, figures, reports and spending.
fn overview_page(
    doc: &mut Document,
    o: &Overview,
    r: &OverviewRow,
    metrics: &[&CatalogueMetric],
    finance: Option<&FinanceLine>,
) {
    doc.page_break();
    doc.subtitle(&r.proeftuin.name, 14.0, 6.0);
    proeftuin_facts(doc, &r.proeftuin);
    doc.heading(&format!("Cijfers {}", o.period.label_nl()));
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|c| vec![c.metric.label_nl.clone(), value_nl(r.figures.figures.get(&c.metric.key))])
        .collect();
    doc.table(&Table::new(
        vec![Column::left("Onderdeel", 3.0), Column::right(o.period.short_nl(), 1.2)],
        rows,
    ));
    let reports: Vec<String> =
        r.reports.iter().map(|(p, s)| format!("{} ({})", p.short_nl(), s.label_nl())).collect();
    doc.paragraph(&format!(
        "Rapportages in deze periode: {}. {}",
        if reports.is_empty() { "geen".to_string() } else { reports.join(", ") },
        if r.figures.complete {
            "De periode is volledig gerapporteerd.".to_string()
        } else {
            format!(
                "Nog niet geaccepteerd: {}.",
                r.figures
                    .missing_quarters
                    .iter()
                    .map(|q| q.short_nl())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    doc.heading("Subsidie en besteding");
    doc.key_values(
        &[
            ("Toegekend".into(), format::amount(r.balance.granted)),
            (
                format!("Gerealiseerd t/m {}", o.period.short_nl()),
                format::amount(r.balance.realised),
            ),
            ("Resterend".into(), remaining_nl(&r.balance)),
        ],
        150.0,
    );
    if let Some(f) = finance {
        doc.heading("Voorschotten, betalingen en vaststelling");
        doc.key_values(&pdf_finance::finance_rows(f), 150.0);
    }
}

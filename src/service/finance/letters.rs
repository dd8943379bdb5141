//! The finance letters (PDF, Dutch), in the house style of the award letter: the same
//! letterhead, logo, signatory and objection clause from the call's letter settings and
//! templates (read only). An advance and a settlement are decisions (*beschikkingen*): each
//! letter states the legal basis, every deciding figure and the objection clause.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::proeftuin;
use sea_orm::ConnectionTrait;

use super::model::{Advance, SettlementDecision, advance_of};
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::pdf::letterhead::Logo;
use crate::pdf::{self, Block, Column, Document, Line, Settings, Table, format};
use crate::service::letters::compose::LetterSettings;
use crate::service::letters::{self as letters, templates};
use crate::store::{self, finance as db, monitoring as mdb};

const PROGRAMME: &str = "Toekomstscenario kind- en gezinsbescherming";

/// Who and what a finance letter is about, and the call's house style.
pub struct LetterContext {
    pub settings: LetterSettings,
    pub objection: String,
    pub logo: Option<Logo>,
    pub programme: String,
    pub call_title: String,
    pub proeftuin_name: String,
    pub region_name: String,
    pub lead_name: String,
    pub lead_municipality: String,
    pub grant: Money,
    /// `TKG-<call>-P<proeftuin>`
    pub reference: String,
}

pub(crate) async fn context<C: ConnectionTrait>(
    db: &C,
    p: &proeftuin::Model,
) -> Result<LetterContext, DomainError> {
    let (_, region) = store::regions::by_id(db, p.region_id)
        .await?
        .ok_or_else(|| DomainError::internal("proeftuin without region"))?;
    let (settings, tpl, logo, programme, call_title) = match p.call_id {
        Some(call_id) => {
            let resolved = letters::resolve(db, call_id).await?;
            let call = store::calls::by_id(db, call_id).await?;
            let (programme, title) = call
                .map(|c| (c.definition.programme, c.definition.title))
                .unwrap_or_else(|| (PROGRAMME.to_string(), String::new()));
            let logo = letters::logo::for_letters(db, call_id).await?;
            (resolved.settings, resolved.templates, logo, programme, title)
        }
        None => (
            letters::programme_settings(),
            letters::default_templates(),
            None,
            PROGRAMME.to_string(),
            String::new(),
        ),
    };
    let grant = mdb::grants(db, p.id)
        .await?
        .iter()
        .map(|g| mdb::parse_money(&g.amount))
        .sum::<Result<Money, DomainError>>()?;
    let objection = tpl
        .get("objection")
        .cloned()
        .or_else(|| templates::default_text("objection").map(str::to_string))
        .unwrap_or_default();
    Ok(LetterContext {
        settings,
        objection,
        logo,
        programme,
        call_title,
        proeftuin_name: p.name.clone(),
        region_name: region.name,
        lead_name: region.lead_applicant.name,
        lead_municipality: region.lead_applicant.municipality,
        grant,
        reference: format!("TKG-{:03}-P{:04}", p.call_id.unwrap_or(0), p.id),
    })
}

/// The parts of a letter: its subject, our reference, the date, and the body paragraphs (with
/// `{table}` where the figures go).
struct Letter<'a> {
    subject: String,
    reference: String,
    decided_on: NaiveDate,
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    ctx: &'a LetterContext,
}

fn objection_text(ctx: &LetterContext, reference: &str) -> String {
    let s = &ctx.settings;
    let values: BTreeMap<&str, String> = [
        (
            "objection_address",
            s.objection_address.lines().map(str::trim).collect::<Vec<_>>().join(", "),
        ),
        ("reference", reference.to_string()),
        ("contact_name", s.contact_name.trim().to_string()),
        ("contact_email", s.contact_email.trim().to_string()),
        ("contact_phone", s.contact_phone.trim().to_string()),
    ]
    .into_iter()
    .collect();
    templates::fill(&ctx.objection, &values, &[]).0
}

fn render(l: Letter<'_>) -> Result<Vec<u8>, DomainError> {
    let ctx = l.ctx;
    let s = &ctx.settings;
    let mut doc = Document::new(Settings {
        title: format!("{} – {}", l.subject, ctx.region_name),
        header_left: ctx.programme.clone(),
        header_right: letters::compose::first_line(&s.issuing_body),
        footer_left: format!("Ons kenmerk {}", l.reference),
    })
    .map_err(DomainError::internal)?;
    doc.set_created_on(l.decided_on);
    if let Some(logo) = &ctx.logo {
        doc.logo(logo, 0.0, pdf::mm(40.0));
        doc.space(12.0);
    }
    letterhead(&mut doc, ctx, &l.reference, l.decided_on);
    doc.space(18.0);
    doc.key_values(
        &[("Betreft".to_string(), format!("{} – {}", l.subject, ctx.proeftuin_name))],
        pdf::mm(22.0),
    );
    doc.space(6.0);
    doc.paragraph("Geachte heer/mevrouw,");
    for p in &l.paragraphs {
        if let Some(t) = p.strip_prefix("{table:").and_then(|t| t.strip_suffix('}')) {
            if let Some(table) = t.parse::<usize>().ok().and_then(|i| l.tables.get(i)) {
                doc.table(table);
                doc.space(4.0);
            }
        } else if let Some(h) = p.strip_prefix("# ") {
            doc.heading(h);
        } else if let Some(b) = p.strip_prefix("- ") {
            doc.bullet(b);
        } else {
            doc.paragraph(p);
        }
    }
    for para in objection_text(ctx, &l.reference).split("\n\n") {
        let mut lines = para.lines();
        if let Some(first) = lines.next() {
            match first.strip_prefix("# ") {
                Some(h) => {
                    doc.heading(h.trim());
                    let rest: Vec<&str> = lines.collect();
                    if !rest.is_empty() {
                        doc.paragraph(&rest.join(" "));
                    }
                }
                None => doc.paragraph(&para.lines().collect::<Vec<_>>().join(" ")),
            }
        }
    }
    signature(&mut doc, s);
    doc.finish().map_err(DomainError::internal)
}

fn letterhead(doc: &mut Document, ctx: &LetterContext, reference: &str, on: NaiveDate) {
    let s = &ctx.settings;
    let address = vec![
        Line::label(format!("Retouradres {}", s.return_address.trim())),
        Line::gap(),
        Line::plain(format!("Gemeente {}", ctx.lead_municipality)),
        Line::plain(format!("namens het samenwerkingsverband {}", ctx.region_name)),
        Line::plain(format!("t.a.v. {}", ctx.lead_name)),
    ];
    let mut sender: Vec<Line> =
        s.issuing_body.lines().map(|l| Line::small_bold(l.trim())).collect();
    sender.push(Line::small(ctx.programme.clone()));
    sender.push(Line::gap());
    sender.push(Line::label("Contactpersoon"));
    sender.push(Line::small(s.contact_name.trim()));
    sender.push(Line::small(s.contact_email.trim()));
    sender.push(Line::small(s.contact_phone.trim()));
    sender.push(Line::label("Ons kenmerk"));
    sender.push(Line::small(reference));
    sender.push(Line::label("Datum"));
    sender.push(Line::small(format::date(on)));
    doc.blocks(&[
        Block { x: 0.0, width: pdf::mm(92.0), lines: address },
        Block { x: pdf::mm(104.0), width: pdf::mm(61.0), lines: sender },
    ]);
}

fn signature(doc: &mut Document, s: &LetterSettings) {
    doc.ensure(110.0);
    doc.space(6.0);
    doc.paragraph("Met vriendelijke groet,");
    let tight = pdf::Style { after: 0.0, ..pdf::Style::body() };
    doc.text(&format!("{},", letters::compose::first_line(&s.issuing_body)), tight);
    doc.text("namens deze,", tight);
    doc.space(34.0);
    doc.text(s.signatory.trim(), pdf::Style { after: 0.0, ..pdf::Style::bold() });
    for l in s.signatory_function.lines() {
        doc.text(l.trim(), tight);
    }
}

fn legal_basis(s: &LetterSettings) -> String {
    let awb = if s.awb_articles.trim().is_empty() {
        String::new()
    } else {
        format!(" en {}", s.awb_articles.trim())
    };
    format!("{}{awb}", s.legal_basis.trim())
}

fn row(label: &str, amount: Money) -> Vec<String> {
    vec![label.to_string(), format::amount(amount)]
}

/// The letter deciding an advance: the amount, the grant, what was advanced before and after,
/// and the limit before the settlement.
pub fn advance_letter_pdf(
    ctx: &LetterContext,
    a: &Advance,
    advanced_before: Money,
    limit: Money,
) -> Result<Vec<u8>, DomainError> {
    let reference = format!("{}-V{}", ctx.reference, a.number);
    let after = advanced_before + a.amount;
    let mut paragraphs = [
        format!(
            "Bij beschikking tot subsidieverlening is aan {} een subsidie verleend van {}. Ik heb besloten u een voorschot te verlenen van {}.",
            ctx.region_name,
            ctx.grant.to_dutch(),
            a.amount.to_dutch()
        ),
        format!("# Wat ik besluit\n{}", a.description),
    ]
    .to_vec();
    paragraphs.push("{table:0}".into());
    paragraphs.push(format!(
        "Met dit voorschot komt het totaal aan voorschotten op {}. Dat is binnen de subsidie van {} en binnen het deel dat vóór de vaststelling als voorschot mag worden betaald ({}).",
        after.to_dutch(),
        ctx.grant.to_dutch(),
        limit.to_dutch()
    ));
    if let Some(reason) = &a.overdue_reason {
        paragraphs.push(format!(
            "De voortgangsrapportage waarvan dit voorschot afhangt, is te laat. Ik verleen het voorschot toch, om deze reden: {reason}"
        ));
    }
    paragraphs.push(format!(
        "# Grondslag\nDit besluit berust op {} en op artikel 4:95 van de Algemene wet bestuursrecht. Het voorschot wordt verrekend bij de vaststelling van de subsidie (artikel 4:97 Awb).",
        legal_basis(&ctx.settings)
    ));
    let paragraphs = lines(paragraphs);
    let table = Table::new(
        vec![Column::left("Omschrijving", 5.0), Column::right("Bedrag", 2.0)],
        vec![
            row("Verleende subsidie", ctx.grant),
            row("Eerder verleende voorschotten", advanced_before),
            row(&format!("Voorschot {}", a.number), a.amount),
            row("Totaal aan voorschotten na dit besluit", after),
        ],
    )
    .with_total_row();
    render(Letter {
        subject: format!("Besluit voorschot {}", a.number),
        reference,
        decided_on: a.decided_on,
        paragraphs,
        tables: vec![table],
        ctx,
    })
}

/// Paragraphs with a heading line split off (`"# Kop\ntekst"`).
fn lines(paragraphs: Vec<String>) -> Vec<String> {
    paragraphs
        .into_iter()
        .flat_map(|p| p.split('\n').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// The balance sentence: what is paid or reclaimed, and how.
fn balance_sentence(d: &SettlementDecision) -> String {
    let f = &d.figures;
    if f.balance.is_zero() {
        format!(
            "U heeft {} aan voorschotten ontvangen; dat is gelijk aan het vastgestelde bedrag. Er is geen saldo te betalen of terug te vorderen.",
            f.paid.to_dutch()
        )
    } else if f.balance.is_negative() {
        format!(
            "U heeft {} aan voorschotten ontvangen, meer dan het vastgestelde bedrag. Het verschil van {} vorder ik van u terug (artikel 4:57 Awb). U betaalt dit bedrag binnen zes weken na de datum van deze beschikking terug, onder vermelding van het kenmerk.",
            f.paid.to_dutch(),
            d.figures.to_reclaim().to_dutch()
        )
    } else {
        format!(
            "U heeft {} aan voorschotten ontvangen. Het saldo van {} betaal ik binnen vier weken na de datum van deze beschikking aan u uit.",
            f.paid.to_dutch(),
            d.figures.to_pay().to_dutch()
        )
    }
}

/// The settlement letter (or a revision of it): the figures per year, the computation, each
/// ground with its amount and reason, the balance, the legal basis and the objection clause.
// Long: the letter's text, one paragraph after another.
pub fn settlement_letter_pdf(
    ctx: &LetterContext,
    d: &SettlementDecision,
    revised: Option<(&str, NaiveDate)>,
) -> Result<Vec<u8>, DomainError> {
    let f = &d.figures;
    let reference = format!("{}-S{}", ctx.reference, d.number);
    let mut paragraphs = Vec::new();
    if let (Some((old_reference, old_on)), Some(reason)) = (revised, &d.reason) {
        paragraphs.push(format!(
            "Met deze beschikking herzie ik de vaststelling van {} met kenmerk {} (artikel 4:49 Awb). Reden van de herziening: {reason} Het eerdere besluit blijft bestaan; dit besluit stelt de subsidie opnieuw vast.",
            format::date(old_on),
            old_reference
        ));
    }
    paragraphs.push(format!(
        "U heeft verantwoording afgelegd over de besteding van de subsidie van {} voor {}. Ik stel de subsidie vast op {}.",
        ctx.grant.to_dutch(),
        ctx.proeftuin_name,
        f.settled.to_dutch()
    ));
    paragraphs.push("# Gerealiseerde kosten per jaar".into());
    paragraphs.push("{table:0}".into());
    paragraphs.push("# Berekening".into());
    paragraphs.push("{table:1}".into());
    if f.capped {
        paragraphs.push(format!(
            "De subsidiabele kosten ({}) zijn hoger dan de verleende subsidie. De subsidie wordt niet hoger vastgesteld dan het verleende bedrag van {} (artikel 4:46, eerste lid, Awb).",
            f.eligible.to_dutch(),
            f.grant.to_dutch()
        ));
    } else if f.eligible < f.grant {
        paragraphs.push(format!(
            "De subsidiabele kosten ({}) zijn lager dan de verleende subsidie ({}). De subsidie wordt vastgesteld op de subsidiabele kosten.",
            f.eligible.to_dutch(),
            f.grant.to_dutch()
        ));
    }
    if !f.grounds.is_empty() {
        paragraphs.push("# Lager vastgesteld".into());
        paragraphs.push("Ik stel de subsidie lager vast op de volgende grond(en):".into());
        for g in &f.grounds {
            paragraphs.push(format!(
                "- {}: {} lager. Reden: {}",
                capital(g.kind.label_nl()),
                g.amount.to_dutch(),
                g.reason.trim()
            ));
        }
    }
    paragraphs.push("# Saldo".into());
    paragraphs.push(balance_sentence(d));
    paragraphs.push(format!(
        "# Grondslag\nDit besluit berust op {} en op de artikelen 4:42, 4:44 en 4:46{} van de Algemene wet bestuursrecht.",
        legal_basis(&ctx.settings),
        if revised.is_some() { " en 4:49" } else { "" }
    ));
    let years = f
        .years
        .iter()
        .map(|y| {
            vec![
                y.year.to_string(),
                y.budgeted.map_or_else(|| "geen jaarplan".to_string(), format::amount),
                format::amount(y.realised),
            ]
        })
        .chain(std::iter::once(vec!["Totaal".into(), String::new(), format::amount(f.realised)]))
        .collect();
    let years = Table::new(
        vec![
            Column::left("Jaar", 2.0),
            Column::right("Begroot (subsidie)", 2.5),
            Column::right("Gerealiseerd", 2.5),
        ],
        years,
    )
    .with_total_row();
    let mut rows = vec![
        row("Verleende subsidie", f.grant),
        row("Gerealiseerde kosten", f.realised),
        row("Eigen bijdrage", f.own_contribution),
        row("Subsidiabele kosten", f.eligible),
        row("Vast te stellen vóór verlaging (ten hoogste de subsidie)", f.before_grounds),
    ];
    for g in &f.grounds {
        rows.push(vec![
            format!("Verlaging: {}", short(g.kind)),
            format!("− {}", format::amount(g.amount)),
        ]);
    }
    rows.push(row("Vastgesteld bedrag", f.settled));
    rows.push(row("Betaalde voorschotten", f.paid));
    if f.balance.is_negative() {
        rows.push(row("Terug te vorderen", f.to_reclaim()));
    } else {
        rows.push(row("Nog te betalen", f.to_pay()));
    }
    let sums =
        Table::new(vec![Column::left("Omschrijving", 5.0), Column::right("Bedrag", 2.0)], rows)
            .with_total_row();
    let subject = if revised.is_some() {
        "Herziening vaststelling subsidie"
    } else {
        "Beschikking tot vaststelling van de subsidie"
    };
    render(Letter {
        subject: subject.to_string(),
        reference,
        decided_on: d.decided_on,
        paragraphs: lines(paragraphs),
        tables: vec![years, sums],
        ctx,
    })
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn short(kind: crate::domain::finance::GroundKind) -> &'static str {
    use crate::domain::finance::GroundKind::*;
    match kind {
        ActivitiesNotCarriedOut => "activiteiten niet verricht",
        ObligationsNotMet => "verplichtingen niet nagekomen",
        IncorrectInformation => "onjuiste gegevens",
        UnreasonableCosts => "onredelijke kosten",
    }
}

pub(crate) async fn advance_letter_of<C: ConnectionTrait>(
    db: &C,
    a: Advance,
) -> Result<(String, Vec<u8>), DomainError> {
    let p = mdb::proeftuin(db, a.proeftuin_id)
        .await?
        .ok_or_else(|| DomainError::internal("advance without proeftuin"))?;
    let ctx = context(db, &p).await?;
    let before: Money = db::advances(db, Some(p.id))
        .await?
        .into_iter()
        .map(advance_of)
        .filter(|x| x.as_ref().is_ok_and(|x| x.number < a.number))
        .map(|x| x.map(|x| x.amount))
        .sum::<Result<Money, DomainError>>()?;
    let percent = db::schedule(db, p.id)
        .await?
        .map_or(crate::domain::finance::DEFAULT_MAX_SHARE_PERCENT, |s| {
            s.max_share_percent.clamp(0, 100) as u32
        });
    let limit = crate::domain::finance::advance_limit(ctx.grant, percent);
    let bytes = advance_letter_pdf(&ctx, &a, before, limit)?;
    Ok((format!("besluit-voorschot-{}-V{}.pdf", ctx.reference, a.number), bytes))
}

pub(crate) async fn settlement_letter_of<C: ConnectionTrait>(
    db: &C,
    d: &SettlementDecision,
) -> Result<(String, Vec<u8>), DomainError> {
    let p = mdb::proeftuin(db, d.proeftuin_id)
        .await?
        .ok_or_else(|| DomainError::internal("settlement without proeftuin"))?;
    let ctx = context(db, &p).await?;
    let revised = match d.revises_id {
        Some(id) => db::settlement(db, id)
            .await?
            .map(|s| {
                Ok::<_, DomainError>((
                    format!("{}-S{}", ctx.reference, s.number),
                    mdb::parse_date(&s.decided_on)?,
                ))
            })
            .transpose()?,
        None => None,
    };
    let bytes = settlement_letter_pdf(&ctx, d, revised.as_ref().map(|(r, on)| (r.as_str(), *on)))?;
    Ok((format!("besluit-vaststelling-{}-S{}.pdf", ctx.reference, d.number), bytes))
}

//! The floors: the same rows written by plain SQL (raw statements, one connection, into a scratch
//! database of the same kind opened as the service opens its own), one `GROUP BY` over the sheets'
//! totals, and a one-page PDF with the letters' font.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};

use super::synth;

type R<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    format!("floor: {e}")
}

pub struct Floor {
    db: DatabaseConnection,
    backend: DbBackend,
    seed: u64,
    template: serde_json::Value,
    first_year: i32,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE applications (id ID, call_id INTEGER, region_id INTEGER, status TEXT, title TEXT, summary TEXT, contact TEXT, applicant TEXT, scale TEXT, created_at TEXT, updated_at TEXT, submitted_at TEXT)",
    "CREATE TABLE budget_lines (id ID, application_id INTEGER, year INTEGER, description TEXT, total_cost TEXT, own_contribution TEXT, requested TEXT)",
    "CREATE TABLE documents (id ID, application_id INTEGER, kind TEXT, filename TEXT, content BYTES, sha256 TEXT, created_at TEXT)",
    "CREATE TABLE commitments (id ID, application_id INTEGER, role TEXT, organisation TEXT, signed_by TEXT, signed_on TEXT)",
    "CREATE TABLE audit (id ID, at TEXT, action TEXT, entity_id TEXT, details TEXT)",
    "CREATE TABLE outbox (id ID, kind TEXT, recipient TEXT, application_id INTEGER, status TEXT, created_at TEXT)",
    "CREATE TABLE sheets (id ID, application_id INTEGER, assessor INTEGER, round TEXT, body TEXT, total INTEGER, submitted_at TEXT)",
];

impl Floor {
    pub async fn open(
        url: &str,
        seed: u64,
        template: serde_json::Value,
        first_year: i32,
    ) -> R<Floor> {
        let db = crate::store::connect(url).await.map_err(err)?;
        let backend = db.get_database_backend();
        let (id, bytes) = match backend {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
            _ => ("INTEGER PRIMARY KEY", "BLOB"),
        };
        for s in SCHEMA {
            db.execute_unprepared(&s.replace("ID,", &format!("{id},")).replace("BYTES", bytes))
                .await
                .map_err(err)?;
        }
        Ok(Floor { db, backend, seed, template, first_year })
    }

    /// `?` placeholders, numbered for PostgreSQL.
    fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = if self.backend == DbBackend::Postgres {
            let mut out = String::new();
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        } else {
            sql.to_string()
        };
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    /// One write and its audit row, in one transaction.
    async fn audited(&self, sql: &str, values: Vec<Value>, action: &str, id: i64) -> R<()> {
        let txn = self.db.begin().await.map_err(err)?;
        txn.execute_raw(self.stmt(sql, values)).await.map_err(err)?;
        self.audit(&txn, action, id).await?;
        txn.commit().await.map_err(err)
    }

    async fn audit(&self, c: &impl ConnectionTrait, action: &str, id: i64) -> R<()> {
        let now = chrono::Utc::now().to_rfc3339();
        c.execute_raw(self.stmt(
            "INSERT INTO audit (at, action, entity_id, details) VALUES (?, ?, ?, ?)",
            vec![now.into(), action.into(), id.to_string().into(), "{}".into()],
        ))
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Intake of applications `0..count` as the client's ten requests each do it: ten transactions.
    pub async fn intake(&self, count: usize) -> R<Duration> {
        let pdf = crate::scenario::sample_pdf("Plan van aanpak");
        let start = Instant::now();
        for i in 0..count {
            let now = chrono::Utc::now().to_rfc3339();
            let txn = self.db.begin().await.map_err(err)?;
            let row = txn
                .query_one_raw(self.stmt(
                    "INSERT INTO applications (call_id, region_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    vec![1i64.into(), (i as i64).into(), "draft".into(), now.clone().into(), now.clone().into()],
                ))
                .await
                .map_err(err)?
                .ok_or("floor: no id")?;
            let id: i64 = row.try_get_by_index(0).map_err(err)?;
            self.audit(&txn, "application.created", id).await?;
            txn.commit().await.map_err(err)?;
            let f = synth::form(i);
            self.audited(
                "UPDATE applications SET title = ?, summary = ?, contact = ?, applicant = ?, scale = ?, updated_at = ? WHERE id = ?",
                vec![f["title"].to_string().into(), f["summary"].to_string().into(), f["contact"].to_string().into(), f["applicant"].to_string().into(), f["scale"].to_string().into(), now.clone().into(), id.into()],
                "application.form", id,
            ).await?;
            let txn = self.db.begin().await.map_err(err)?;
            txn.execute_raw(
                self.stmt("DELETE FROM budget_lines WHERE application_id = ?", vec![id.into()]),
            )
            .await
            .map_err(err)?;
            for l in synth::budget(self.seed, i, self.first_year)["lines"]
                .as_array()
                .into_iter()
                .flatten()
            {
                txn.execute_raw(self.stmt(
                    "INSERT INTO budget_lines (application_id, year, description, total_cost, own_contribution, requested) VALUES (?, ?, ?, ?, ?, ?)",
                    vec![id.into(), l["year"].as_i64().into(), l["description"].to_string().into(), l["total_cost"].to_string().into(), l["own_contribution"].to_string().into(), l["requested"].to_string().into()],
                )).await.map_err(err)?;
            }
            self.audit(&txn, "application.budget", id).await?;
            txn.commit().await.map_err(err)?;
            let sha = crate::domain::digest::hex(&<sha2::Sha256 as sha2::Digest>::digest(&pdf));
            self.audited(
                "INSERT INTO documents (application_id, kind, filename, content, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                vec![id.into(), "plan".into(), "plan.pdf".into(), pdf.clone().into(), sha.into(), now.clone().into()],
                "document.added", id,
            ).await?;
            let signed_on = chrono::Utc::now().date_naive();
            for (role, c) in synth::commitments(i, signed_on) {
                self.audited(
                    "INSERT INTO commitments (application_id, role, organisation, signed_by, signed_on) VALUES (?, ?, ?, ?, ?)",
                    vec![id.into(), role.into(), c["organisation"].to_string().into(), c["signed_by"].to_string().into(), c["signed_on"].to_string().into()],
                    "commitment.set", id,
                ).await?;
            }
            let txn = self.db.begin().await.map_err(err)?;
            txn.execute_raw(self.stmt(
                "UPDATE applications SET status = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
                vec!["submitted".into(), now.clone().into(), now.clone().into(), id.into()],
            ))
            .await
            .map_err(err)?;
            txn.execute_raw(self.stmt(
                "INSERT INTO outbox (kind, recipient, application_id, status, created_at) VALUES (?, ?, ?, ?, ?)",
                vec!["submission_receipt".into(), format!("penvoerder{i}@bench.example").into(), id.into(), "queued".into(), now.into()],
            ))
            .await
            .map_err(err)?;
            self.audit(&txn, "application.submitted", id).await?;
            txn.commit().await.map_err(err)?;
        }
        Ok(start.elapsed())
    }

    /// `count` first-round sheets over `applications` by `assessors`, one transaction per sheet.
    pub async fn sheets(&self, applications: usize, assessors: usize, count: usize) -> R<Duration> {
        let start = Instant::now();
        for n in 0..count {
            let (i, k) = (n / assessors.max(1), n % assessors.max(1));
            let body =
                synth::sheet(&self.template, self.seed, "first", i % applications.max(1), k, 0);
            let total = total_of(&body);
            self.audited(
                "INSERT INTO sheets (application_id, assessor, round, body, total, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
                vec![(i as i64).into(), (k as i64).into(), "first".into(), body.to_string().into(), total.into(), chrono::Utc::now().to_rfc3339().into()],
                "sheet.submitted", i as i64,
            ).await?;
        }
        Ok(start.elapsed())
    }

    /// Tops the sheets up to `applications × assessors` (in one transaction, not timed), then one
    /// `GROUP BY` over their totals; the time of the query and the rows it gave.
    pub async fn close(
        &self,
        applications: usize,
        assessors: usize,
        have: usize,
    ) -> R<(Duration, usize)> {
        let txn = self.db.begin().await.map_err(err)?;
        for n in have..applications * assessors {
            let (i, k) = (n / assessors.max(1), n % assessors.max(1));
            let total = total_of(&synth::sheet(&self.template, self.seed, "first", i, k, 0));
            txn.execute_raw(self.stmt(
                "INSERT INTO sheets (application_id, assessor, round, body, total, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
                vec![(i as i64).into(), (k as i64).into(), "first".into(), "{}".into(), total.into(), "".into()],
            ))
            .await
            .map_err(err)?;
        }
        txn.commit().await.map_err(err)?;
        let start = Instant::now();
        let rows = self
            .db
            .query_all_raw(self.stmt(
                "SELECT application_id, AVG(total), COUNT(*) FROM sheets WHERE round = ? GROUP BY application_id ORDER BY application_id",
                vec!["first".into()],
            ))
            .await
            .map_err(err)?;
        Ok((start.elapsed(), rows.len()))
    }

    /// The same sheets brought into the program a row at a time, as anything computed outside
    /// the database must read them (the service reads a sheet's stamp: seven columns): the time,
    /// and the rows. A bound on the close, not a floor: no computation is done.
    pub async fn read_sheets(&self) -> R<(Duration, usize)> {
        let start = Instant::now();
        let rows = self
            .db
            .query_all_raw(self.stmt(
                "SELECT application_id, assessor, round, total, submitted_at FROM sheets WHERE round = ? ORDER BY application_id, assessor",
                vec!["first".into()],
            ))
            .await
            .map_err(err)?;
        let mut read = 0usize;
        for row in &rows {
            // INTEGER columns: 32 bits on PostgreSQL.
            let application: i32 = row.try_get_by_index(0).map_err(err)?;
            let assessor: i32 = row.try_get_by_index(1).map_err(err)?;
            let round: String = row.try_get_by_index(2).map_err(err)?;
            let total: i32 = row.try_get_by_index(3).map_err(err)?;
            let at: String = row.try_get_by_index(4).map_err(err)?;
            std::hint::black_box((application, assessor, round, total, at));
            read += 1;
        }
        Ok((start.elapsed(), read))
    }
}

/// A sheet's total: the points of every weighted criterion (two per item of a list).
fn total_of(sheet: &serde_json::Value) -> i64 {
    sheet["scores"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v.as_i64().unwrap_or_else(|| v.as_array().map_or(0, |a| 2 * a.len() as i64)))
        .sum()
}

/// One plain A4 page with the letters' font, `count` times (after one to warm up); the time.
pub fn plain_pages(count: usize) -> R<Duration> {
    plain_documents(count, 0)
}

/// A plain document with the letters' font, `count` times (after one to warm up); the time. With
/// `full_pages` 0 it is one page with one paragraph (the letters' floor); otherwise that many
/// pages filled with paragraphs, as long as a letter but without its tags, tables and letterhead
/// (what bounds the letters' rate).
pub fn plain_documents(count: usize, full_pages: usize) -> R<Duration> {
    let start_document = || {
        crate::pdf::Document::new(crate::pdf::Settings {
            title: "Basis".into(),
            header_left: "Toekomstscenario kind- en gezinsbescherming".into(),
            ..Default::default()
        })
        .map_err(err)
    };
    // How many paragraphs fill the pages: the one that would open a page more is left out.
    let mut fill = 0;
    if full_pages > 0 {
        let mut d = start_document()?;
        while d.page_count() <= full_pages {
            fill += 1;
            d.paragraph(&format!("{fill}. {FILLER}"));
        }
        fill -= 1;
    }
    let document = || -> R<Vec<u8>> {
        let mut d = start_document()?;
        if full_pages == 0 {
            d.paragraph(
                "Een gewone pagina met één alinea tekst, als maat voor de kosten van een PDF.",
            );
        }
        for i in 1..=fill {
            d.paragraph(&format!("{i}. {FILLER}"));
        }
        d.finish().map_err(err)
    };
    document()?;
    let start = Instant::now();
    for _ in 0..count {
        std::hint::black_box(document()?);
    }
    Ok(start.elapsed())
}

/// A paragraph of ordinary Dutch text, as much as a letter's (written for this measure).
const FILLER: &str = "De aanvraag is beoordeeld op de criteria van de leidraad. Per criterium \
    staat hieronder hoeveel punten zij kreeg, met de motivering van de beoordelaars en het \
    gemiddelde over alle beoordelingen. Het totaal bepaalt of de regio wordt uitgenodigd voor \
    een gesprek, en daarna of de subsidie wordt verleend en tot welk bedrag.";

//! A sheet's submission in few statements (issue 15): everything its checks read, in one
//! statement before the write lock; under the lock, one write made only while what those checks
//! found still holds (no conflict declared, the round open, the sheet as it was read).

use chrono::{DateTime, Utc};
use entity::{call, sheet};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, QueryResult, Statement, Value};

/// What a sheet's submission checks, read at one moment.
#[derive(Debug, Clone)]
pub struct ScoringFacts {
    pub call_id: i32,
    /// `None` when the application's call row is missing.
    pub call: Option<call::Model>,
    /// The application's status.
    pub status: String,
    /// The assessor is assigned to the application's call.
    pub assigned: bool,
    /// The assessor declared a conflict of interest on the application.
    pub conflict: bool,
    /// The round's row: closed, published.
    pub closed: bool,
    pub published: bool,
    /// The first round's outcome is published (what opens the final round).
    pub first_published: bool,
    /// The assessor's name and reference (empty and `None` without a user row).
    pub assessor_name: String,
    pub assessor_ref: Option<String>,
    /// The newest version of the assessor's sheet in the round.
    pub latest: Option<sheet::Model>,
}

/// `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend != DbBackend::Postgres {
        return Statement::from_sql_and_values(backend, sql, values);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    Statement::from_sql_and_values(backend, out, values)
}

const SHEET_COLUMNS: &str = "id, application_id, assessor_id, round, version, status, content, \
     total, correction_reason, created_at, updated_at, submitted_at";

const FACTS: &str = "SELECT a.call_id AS app_call_id, a.status AS app_status, \
     c.id AS c_id, c.code AS c_code, c.title AS c_title, c.budget_ceiling AS c_budget_ceiling, \
     c.definition AS c_definition, c.created_by AS c_created_by, c.created_at AS c_created_at, \
     c.updated_at AS c_updated_at, \
     (SELECT COUNT(*) FROM call_assessors ca WHERE ca.call_id = a.call_id AND ca.user_id = ?) AS n_assigned, \
     (SELECT COUNT(*) FROM conflicts x WHERE x.assessor_id = ? AND x.application_id = a.id) AS n_conflicts, \
     (SELECT COUNT(*) FROM rounds r WHERE r.call_id = a.call_id AND r.round = ? AND r.closed_at IS NOT NULL) AS n_closed, \
     (SELECT COUNT(*) FROM rounds r WHERE r.call_id = a.call_id AND r.round = ? AND r.published_at IS NOT NULL) AS n_published, \
     (SELECT COUNT(*) FROM rounds r WHERE r.call_id = a.call_id AND r.round = 'first' AND r.published_at IS NOT NULL) AS n_first_published, \
     u.name AS u_name, u.reference AS u_reference, \
     s.id AS s_id, s.application_id AS s_application_id, s.assessor_id AS s_assessor_id, \
     s.round AS s_round, s.version AS s_version, s.status AS s_status, s.content AS s_content, \
     s.total AS s_total, s.correction_reason AS s_correction_reason, \
     s.created_at AS s_created_at, s.updated_at AS s_updated_at, s.submitted_at AS s_submitted_at \
     FROM applications a \
     JOIN regions g ON g.id = a.region_id \
     LEFT JOIN calls c ON c.id = a.call_id \
     LEFT JOIN users u ON u.id = ? \
     LEFT JOIN sheets s ON s.application_id = a.id AND s.assessor_id = ? AND s.round = ? \
     AND NOT EXISTS (SELECT 1 FROM sheets s2 WHERE s2.application_id = s.application_id \
     AND s2.assessor_id = s.assessor_id AND s2.round = s.round AND s2.version > s.version) \
     WHERE a.id = ?";

/// The facts of `assessor`'s sheet on the application in `round`, in one statement; `None` when
/// there is no such application (or its region is missing).
pub async fn scoring_facts<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    assessor: i32,
    round: &str,
) -> Result<Option<ScoringFacts>, DbErr> {
    let values: Vec<Value> = vec![
        assessor.into(),
        assessor.into(),
        round.into(),
        round.into(),
        assessor.into(),
        assessor.into(),
        round.into(),
        application_id.into(),
    ];
    let Some(row) = db.query_one_raw(statement(db.get_database_backend(), FACTS, values)).await?
    else {
        return Ok(None);
    };
    facts_of(&row).map(Some)
}

fn facts_of(row: &QueryResult) -> Result<ScoringFacts, DbErr> {
    let count = |col: &str| row.try_get::<i64>("", col).map(|n| n > 0);
    Ok(ScoringFacts {
        call_id: row.try_get("", "app_call_id")?,
        call: call::Model::from_query_result_optional(row, "c_")?,
        status: row.try_get("", "app_status")?,
        assigned: count("n_assigned")?,
        conflict: count("n_conflicts")?,
        closed: count("n_closed")?,
        published: count("n_published")?,
        first_published: count("n_first_published")?,
        assessor_name: row.try_get::<Option<String>>("", "u_name")?.unwrap_or_default(),
        assessor_ref: row.try_get("", "u_reference")?,
        latest: sheet::Model::from_query_result_optional(row, "s_")?,
    })
}

/// The conditions a submission is written under, checked by the database inside the write.
pub struct StillOpen<'a> {
    pub call_id: i32,
    pub application_id: i32,
    pub assessor: i32,
    pub round: &'a str,
    /// The final round: also the first round's outcome published.
    pub needs_first_published: bool,
}

impl StillOpen<'_> {
    /// `AND ...` of the conditions, and their values in order.
    fn clause(&self) -> (String, Vec<Value>) {
        let mut sql = String::from(
            " AND NOT EXISTS (SELECT 1 FROM conflicts WHERE assessor_id = ? AND application_id = ?) \
             AND NOT EXISTS (SELECT 1 FROM rounds WHERE call_id = ? AND round = ? \
             AND (closed_at IS NOT NULL OR published_at IS NOT NULL))",
        );
        let mut values: Vec<Value> = vec![
            self.assessor.into(),
            self.application_id.into(),
            self.call_id.into(),
            self.round.into(),
        ];
        if self.needs_first_published {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM rounds WHERE call_id = ? AND round = 'first' \
                 AND published_at IS NOT NULL)",
            );
            values.push(self.call_id.into());
        }
        (sql, values)
    }
}

/// Stores version 1 of the assessor's sheet as submitted, if the assessor still has no sheet in
/// the round and `open` still holds; `None` (nothing written) otherwise.
pub async fn insert_submitted_if<C: ConnectionTrait>(
    db: &C,
    open: &StillOpen<'_>,
    content: String,
    total: String,
    now: DateTime<Utc>,
) -> Result<Option<sheet::Model>, DbErr> {
    let (conditions, more) = open.clause();
    let sql = format!(
        "INSERT INTO sheets (application_id, assessor_id, round, version, status, content, total, \
         correction_reason, created_at, updated_at, submitted_at) \
         SELECT ?, ?, ?, 1, 'submitted', ?, ?, NULL, ?, ?, ? \
         WHERE NOT EXISTS (SELECT 1 FROM sheets WHERE application_id = ? AND assessor_id = ? \
         AND round = ?){conditions} RETURNING {SHEET_COLUMNS}"
    );
    let mut values: Vec<Value> = vec![
        open.application_id.into(),
        open.assessor.into(),
        open.round.into(),
        content.into(),
        total.into(),
        now.into(),
        now.into(),
        now.into(),
        open.application_id.into(),
        open.assessor.into(),
        open.round.into(),
    ];
    values.extend(more);
    written(db, &sql, values).await
}

/// Submits the draft `id` with `content`, if it is still a draft (with `draft_content`, when
/// given: what was read of it) and `open` still holds; `None` (nothing written) otherwise.
pub async fn submit_draft_if<C: ConnectionTrait>(
    db: &C,
    open: &StillOpen<'_>,
    id: i32,
    draft_content: Option<&str>,
    content: String,
    total: String,
    now: DateTime<Utc>,
) -> Result<Option<sheet::Model>, DbErr> {
    let (conditions, more) = open.clause();
    let same = if draft_content.is_some() { " AND content = ?" } else { "" };
    let sql = format!(
        "UPDATE sheets SET content = ?, updated_at = ?, status = 'submitted', total = ?, \
         submitted_at = ? WHERE id = ? AND status = 'draft'{same}{conditions} \
         RETURNING {SHEET_COLUMNS}"
    );
    let mut values: Vec<Value> =
        vec![content.into(), now.into(), total.into(), now.into(), id.into()];
    if let Some(d) = draft_content {
        values.push(d.into());
    }
    values.extend(more);
    written(db, &sql, values).await
}

async fn written<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<sheet::Model>, DbErr> {
    let row = db.query_one_raw(statement(db.get_database_backend(), sql, values)).await?;
    row.map(|r| sheet::Model::from_query_result(&r, "")).transpose()
}

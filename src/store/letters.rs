//! Issued letters and the per-call letter settings. Listings never load a letter's content.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{letter, letter_batch, letter_setting};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// A letter without its content.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LetterMeta {
    pub id: i32,
    pub call_id: i32,
    pub application_id: i32,
    pub kind: String,
    pub number: i32,
    pub reference: String,
    pub filename: String,
    /// None while the letter is pending (see [`pending`]).
    pub sha256: Option<String>,
    pub correction_reason: Option<String>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTime<Utc>,
    pub batch_id: Option<i32>,
}

impl LetterMeta {
    /// `pending` (not rendered yet) or `rendered`.
    pub fn state(&self) -> &'static str {
        if self.sha256.is_some() { RENDERED } else { PENDING }
    }
}

pub const PENDING: &str = "pending";
pub const RENDERED: &str = "rendered";

pub struct NewLetter {
    pub call_id: i32,
    pub application_id: i32,
    pub kind: String,
    pub number: i32,
    pub reference: String,
    pub filename: String,
    /// Both none for a pending letter.
    pub sha256: Option<String>,
    pub content: Option<Vec<u8>>,
    pub correction_reason: Option<String>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTime<Utc>,
    pub batch_id: Option<i32>,
}

fn active(l: NewLetter) -> letter::ActiveModel {
    letter::ActiveModel {
        call_id: Set(l.call_id),
        application_id: Set(l.application_id),
        kind: Set(l.kind),
        number: Set(l.number),
        reference: Set(l.reference),
        filename: Set(l.filename),
        sha256: Set(l.sha256),
        content: Set(l.content),
        correction_reason: Set(l.correction_reason),
        issued_by: Set(l.issued_by),
        issued_at: Set(l.issued_at),
        batch_id: Set(l.batch_id),
        ..Default::default()
    }
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on bound values.
pub const CHUNK: usize = 500;

/// Inserts many letters in a few multi-row statements (a publication's pending letters).
pub async fn insert_many<C: ConnectionTrait>(db: &C, rows: Vec<NewLetter>) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<letter::ActiveModel> = rows.by_ref().take(CHUNK).map(active).collect();
        letter::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

pub async fn insert<C: ConnectionTrait>(db: &C, l: NewLetter) -> Result<LetterMeta, DbErr> {
    let meta = LetterMeta {
        id: 0,
        call_id: l.call_id,
        application_id: l.application_id,
        kind: l.kind.clone(),
        number: l.number,
        reference: l.reference.clone(),
        filename: l.filename.clone(),
        sha256: l.sha256.clone(),
        correction_reason: l.correction_reason.clone(),
        issued_by: l.issued_by,
        issued_at: l.issued_at,
        batch_id: l.batch_id,
    };
    let inserted = letter::Entity::insert(active(l)).exec(db).await?;
    Ok(LetterMeta { id: inserted.last_insert_id, ..meta })
}

fn meta() -> sea_orm::Select<letter::Entity> {
    letter::Entity::find().select_only().columns([
        letter::Column::Id,
        letter::Column::CallId,
        letter::Column::ApplicationId,
        letter::Column::Kind,
        letter::Column::Number,
        letter::Column::Reference,
        letter::Column::Filename,
        letter::Column::Sha256,
        letter::Column::CorrectionReason,
        letter::Column::IssuedBy,
        letter::Column::IssuedAt,
        letter::Column::BatchId,
    ])
}

/// Up to `limit` pending letters (not rendered yet) after the letter `after` (0: from the first),
/// oldest first.
pub async fn pending<C: ConnectionTrait>(
    db: &C,
    after: i32,
    limit: u64,
) -> Result<Vec<LetterMeta>, DbErr> {
    meta()
        .filter(letter::Column::Sha256.is_null())
        .filter(letter::Column::Id.gt(after))
        .order_by_asc(letter::Column::Id)
        .limit(limit)
        .into_model::<LetterMeta>()
        .all(db)
        .await
}

/// One letter without its content.
pub async fn meta_by_id<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<LetterMeta>, DbErr> {
    meta().filter(letter::Column::Id.eq(id)).into_model::<LetterMeta>().one(db).await
}

/// The letter of an application with this file name (what its decision email attaches).
pub async fn by_filename<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    filename: &str,
) -> Result<Option<LetterMeta>, DbErr> {
    meta()
        .filter(letter::Column::ApplicationId.eq(application_id))
        .filter(letter::Column::Filename.eq(filename))
        .into_model::<LetterMeta>()
        .one(db)
        .await
}

/// The bytes of an application's rendered letter with this file name (what its decision email
/// attaches when it is delivered); none while it is pending.
pub async fn content_by_filename<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    filename: &str,
) -> Result<Option<Vec<u8>>, DbErr> {
    let row: Option<Option<Vec<u8>>> = letter::Entity::find()
        .select_only()
        .column(letter::Column::Content)
        .filter(letter::Column::ApplicationId.eq(application_id))
        .filter(letter::Column::Filename.eq(filename))
        .filter(letter::Column::Content.is_not_null())
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.flatten())
}

/// The bytes of the rendered letters among these (application, file name) pairs, in one
/// statement per slice (the mail worker reads a claim's attachments at once); pending ones are
/// absent.
pub async fn contents_by_filenames<C: ConnectionTrait>(
    db: &C,
    wanted: &[(i32, String)],
) -> Result<HashMap<(i32, String), Vec<u8>>, DbErr> {
    let mut out = HashMap::new();
    // In slices: a bind list stays well under the databases' parameter limits.
    for slice in wanted.chunks(500) {
        let ids: HashSet<i32> = slice.iter().map(|(id, _)| *id).collect();
        let keys: HashSet<&(i32, String)> = slice.iter().collect();
        let rows: Vec<(i32, String, Option<Vec<u8>>)> = letter::Entity::find()
            .select_only()
            .column(letter::Column::ApplicationId)
            .column(letter::Column::Filename)
            .column(letter::Column::Content)
            .filter(letter::Column::ApplicationId.is_in(ids))
            .filter(letter::Column::Filename.is_in(slice.iter().map(|(_, f)| f.clone())))
            .filter(letter::Column::Content.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        for (id, filename, content) in rows {
            let key = (id, filename);
            if let Some(content) = content
                && keys.contains(&key)
            {
                out.insert(key, content);
            }
        }
    }
    Ok(out)
}

/// Fixes a pending letter's bytes and hash; `false` when it was rendered already (then nothing
/// changes: the first render stands).
pub async fn fix_content<C: ConnectionTrait>(
    db: &C,
    id: i32,
    content: &[u8],
    sha256: &str,
) -> Result<bool, DbErr> {
    let r = letter::Entity::update_many()
        .col_expr(letter::Column::Content, Expr::value(content.to_vec()))
        .col_expr(letter::Column::Sha256, Expr::value(sha256.to_string()))
        .filter(letter::Column::Id.eq(id))
        .filter(letter::Column::Content.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// What one publication's letters are rendered from (see `entity::letter_batch`).
pub struct NewBatch {
    pub call_id: i32,
    pub stage: String,
    pub settings: String,
    pub templates: String,
    pub logo: Option<(Vec<u8>, String)>,
    pub published_by: Option<i32>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub async fn insert_batch<C: ConnectionTrait>(db: &C, b: NewBatch) -> Result<i32, DbErr> {
    let (logo_png, logo_alt) = b.logo.map_or((None, None), |(png, alt)| (Some(png), Some(alt)));
    let inserted = letter_batch::Entity::insert(letter_batch::ActiveModel {
        call_id: Set(b.call_id),
        stage: Set(b.stage),
        settings: Set(b.settings),
        templates: Set(b.templates),
        logo_png: Set(logo_png),
        logo_alt: Set(logo_alt),
        published_by: Set(b.published_by),
        actor: Set(b.actor),
        created_at: Set(b.at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

pub async fn batch<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<letter_batch::Model>, DbErr> {
    letter_batch::Entity::find_by_id(id).one(db).await
}

pub async fn of_application<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Vec<LetterMeta>, DbErr> {
    meta()
        .filter(letter::Column::ApplicationId.eq(application_id))
        .order_by_asc(letter::Column::Id)
        .into_model::<LetterMeta>()
        .all(db)
        .await
}

/// What a page of a call's letters is filtered by.
pub struct CallFilter<'a> {
    /// [`PENDING`] or [`RENDERED`].
    pub state: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub limit: u64,
    pub offset: u64,
}

/// A page of a call's letters (by id) and how many match in all: two statements whatever the
/// call's size (a call of 10,000 applications has over 10,000 letters).
pub async fn page_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    f: &CallFilter<'_>,
) -> Result<(Vec<LetterMeta>, u64), DbErr> {
    let mut q = meta().filter(letter::Column::CallId.eq(call_id));
    match f.state {
        Some(PENDING) => q = q.filter(letter::Column::Sha256.is_null()),
        Some(_) => q = q.filter(letter::Column::Sha256.is_not_null()),
        None => {}
    }
    if let Some(k) = f.kind {
        q = q.filter(letter::Column::Kind.eq(k));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(letter::Column::Id)
        .offset(f.offset)
        .limit(f.limit)
        .into_model::<LetterMeta>()
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn of_call<C: ConnectionTrait>(db: &C, call_id: i32) -> Result<Vec<LetterMeta>, DbErr> {
    meta()
        .filter(letter::Column::CallId.eq(call_id))
        .order_by_asc(letter::Column::Id)
        .into_model::<LetterMeta>()
        .all(db)
        .await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<letter::Model>, DbErr> {
    letter::Entity::find_by_id(id).one(db).await
}

pub async fn settings<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Option<letter_setting::Model>, DbErr> {
    letter_setting::Entity::find().filter(letter_setting::Column::CallId.eq(call_id)).one(db).await
}

/// Creates or replaces the call's row.
pub async fn save_settings<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    settings: Option<String>,
    templates: String,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    match settings_row(db, call_id).await? {
        Some(id) => {
            letter_setting::Entity::update(letter_setting::ActiveModel {
                id: Set(id),
                call_id: Set(call_id),
                settings: Set(settings),
                templates: Set(templates),
                updated_at: Set(at),
            })
            .exec(db)
            .await?;
        }
        None => {
            letter_setting::Entity::insert(letter_setting::ActiveModel {
                call_id: Set(call_id),
                settings: Set(settings),
                templates: Set(templates),
                updated_at: Set(at),
                ..Default::default()
            })
            .exec(db)
            .await?;
        }
    }
    Ok(())
}

async fn settings_row<C: ConnectionTrait>(db: &C, call_id: i32) -> Result<Option<i32>, DbErr> {
    Ok(settings(db, call_id).await?.map(|r| r.id))
}

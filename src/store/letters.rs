//! Issued letters and the per-call letter settings. Listings never load a letter's content.

use chrono::{DateTime, Utc};
use entity::{letter, letter_setting};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
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
    pub sha256: String,
    pub correction_reason: Option<String>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTime<Utc>,
}

pub struct NewLetter {
    pub call_id: i32,
    pub application_id: i32,
    pub kind: String,
    pub number: i32,
    pub reference: String,
    pub filename: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub correction_reason: Option<String>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, l: NewLetter) -> Result<LetterMeta, DbErr> {
    let inserted = letter::Entity::insert(letter::ActiveModel {
        call_id: Set(l.call_id),
        application_id: Set(l.application_id),
        kind: Set(l.kind.clone()),
        number: Set(l.number),
        reference: Set(l.reference.clone()),
        filename: Set(l.filename.clone()),
        sha256: Set(l.sha256.clone()),
        content: Set(l.content),
        correction_reason: Set(l.correction_reason.clone()),
        issued_by: Set(l.issued_by),
        issued_at: Set(l.issued_at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(LetterMeta {
        id: inserted.last_insert_id,
        call_id: l.call_id,
        application_id: l.application_id,
        kind: l.kind,
        number: l.number,
        reference: l.reference,
        filename: l.filename,
        sha256: l.sha256,
        correction_reason: l.correction_reason,
        issued_by: l.issued_by,
        issued_at: l.issued_at,
    })
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
    ])
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

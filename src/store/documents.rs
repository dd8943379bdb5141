//! Documents of applications. The content stays in the database; listings never load it.

use chrono::{DateTime, Utc};
use entity::document;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// A document without its content.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct DocumentMeta {
    pub id: i32,
    pub application_id: i32,
    pub kind: String,
    pub filename: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: DateTime<Utc>,
}

pub struct NewDocument {
    pub application_id: i32,
    pub kind: String,
    pub filename: String,
    pub media_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, d: NewDocument) -> Result<DocumentMeta, DbErr> {
    let size_bytes = i64::try_from(d.content.len()).map_err(|e| DbErr::Custom(e.to_string()))?;
    // Insert without reading the row back: the content may be megabytes.
    let inserted = document::Entity::insert(document::ActiveModel {
        application_id: Set(d.application_id),
        kind: Set(d.kind.clone()),
        filename: Set(d.filename.clone()),
        media_type: Set(d.media_type.clone()),
        size_bytes: Set(size_bytes),
        sha256: Set(d.sha256.clone()),
        content: Set(d.content),
        uploaded_by: Set(d.uploaded_by),
        uploaded_at: Set(d.uploaded_at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(DocumentMeta {
        id: inserted.last_insert_id,
        application_id: d.application_id,
        kind: d.kind,
        filename: d.filename,
        media_type: d.media_type,
        size_bytes,
        sha256: d.sha256,
        uploaded_by: d.uploaded_by,
        uploaded_at: d.uploaded_at,
    })
}

fn meta_query() -> sea_orm::Select<document::Entity> {
    document::Entity::find().select_only().columns([
        document::Column::Id,
        document::Column::ApplicationId,
        document::Column::Kind,
        document::Column::Filename,
        document::Column::MediaType,
        document::Column::SizeBytes,
        document::Column::Sha256,
        document::Column::UploadedBy,
        document::Column::UploadedAt,
    ])
}

/// An application's documents, oldest first, without content.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Vec<DocumentMeta>, DbErr> {
    meta_query()
        .filter(document::Column::ApplicationId.eq(application_id))
        .order_by_asc(document::Column::Id)
        .into_model::<DocumentMeta>()
        .all(db)
        .await
}

/// The moment of the latest upload of a kind, per application of these (one query).
pub async fn latest_uploads<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
    kind: &str,
) -> Result<std::collections::HashMap<i32, DateTime<Utc>>, DbErr> {
    let mut latest = std::collections::HashMap::new();
    if application_ids.is_empty() {
        return Ok(latest);
    }
    let rows: Vec<(i32, DateTime<Utc>)> = document::Entity::find()
        .select_only()
        .columns([document::Column::ApplicationId, document::Column::UploadedAt])
        .filter(document::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .filter(document::Column::Kind.eq(kind))
        .into_tuple()
        .all(db)
        .await?;
    for (id, at) in rows {
        let e = latest.entry(id).or_insert(at);
        *e = (*e).max(at);
    }
    Ok(latest)
}

/// One document of an application, without content; `None` if it belongs to another.
pub async fn meta<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    id: i32,
) -> Result<Option<DocumentMeta>, DbErr> {
    meta_query()
        .filter(document::Column::Id.eq(id))
        .filter(document::Column::ApplicationId.eq(application_id))
        .into_model::<DocumentMeta>()
        .one(db)
        .await
}

/// One document of an application with its content; `None` if it belongs to another.
pub async fn with_content<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    id: i32,
) -> Result<Option<document::Model>, DbErr> {
    document::Entity::find()
        .filter(document::Column::Id.eq(id))
        .filter(document::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}

pub async fn has_kind<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    kind: &str,
) -> Result<bool, DbErr> {
    let n = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(application_id))
        .filter(document::Column::Kind.eq(kind))
        .count(db)
        .await?;
    Ok(n > 0)
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    document::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

//! A call's letterhead logo: one row per call, replaced on upload.

use chrono::{DateTime, Utc};
use entity::letter_logo;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

pub async fn of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Option<letter_logo::Model>, DbErr> {
    letter_logo::Entity::find().filter(letter_logo::Column::CallId.eq(call_id)).one(db).await
}

/// Creates or replaces the call's logo.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    content: Vec<u8>,
    sha256: String,
    alt: String,
    at: DateTime<Utc>,
) -> Result<letter_logo::Model, DbErr> {
    delete(db, call_id).await?;
    letter_logo::Entity::insert(letter_logo::ActiveModel {
        call_id: Set(call_id),
        content: Set(content),
        sha256: Set(sha256),
        alt: Set(alt),
        uploaded_at: Set(at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    of_call(db, call_id).await?.ok_or_else(|| DbErr::RecordNotFound("letter logo".into()))
}

/// Removes the call's logo; whether there was one.
pub async fn delete<C: ConnectionTrait>(db: &C, call_id: i32) -> Result<bool, DbErr> {
    let r = letter_logo::Entity::delete_many()
        .filter(letter_logo::Column::CallId.eq(call_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: Option<String>,
    pub reference: Option<String>,
    pub region_id: Option<i32>,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, u: NewUser) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        name: Set(u.name),
        email: Set(u.email),
        role: Set(u.role),
        organisation: Set(u.organisation),
        reference: Set(u.reference),
        region_id: Set(u.region_id),
        token_hash: Set(u.token_hash),
        created_at: Set(u.created_at),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn by_token_hash<C: ConnectionTrait>(
    db: &C,
    hash: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::TokenHash.eq(hash)).one(db).await
}

pub async fn by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    role: Option<&str>,
) -> Result<Vec<user::Model>, DbErr> {
    let mut q = user::Entity::find();
    if let Some(r) = role {
        q = q.filter(user::Column::Role.eq(r));
    }
    q.order_by_asc(user::Column::Id).all(db).await
}

pub async fn set_token_hash<C: ConnectionTrait>(
    db: &C,
    id: i32,
    hash: String,
) -> Result<(), DbErr> {
    user::ActiveModel { id: Set(id), token_hash: Set(hash), ..Default::default() }
        .update(db)
        .await?;
    Ok(())
}

/// These users, in one query.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[i32]) -> Result<Vec<user::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await
}

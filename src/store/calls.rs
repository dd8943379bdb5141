use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use entity::call;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::domain::call::CallDefinition;
use crate::domain::money::Money;
use crate::error::DomainError;

/// A stored call: its id, the definition and when it was created.
#[derive(Debug, Clone)]
pub struct StoredCall {
    pub id: i32,
    pub definition: CallDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Code, title and ceiling live in their own columns (the ceiling as exact text); the rest of the
/// definition is a JSON document. Each value has exactly one home.
const COLUMN_KEYS: [&str; 3] = ["code", "title", "budget_ceiling"];

fn document(def: &CallDefinition) -> Result<String, DomainError> {
    let mut value = serde_json::to_value(def).map_err(DomainError::internal)?;
    if let Some(map) = value.as_object_mut() {
        for k in COLUMN_KEYS {
            map.remove(k);
        }
    }
    Ok(value.to_string())
}

/// Parsed definitions by call id, with the row they were parsed from: a request that reads the
/// call finds its definition here while the row is unchanged, instead of parsing it again.
static PARSED: LazyLock<Mutex<HashMap<i32, (call::Model, StoredCall)>>> =
    LazyLock::new(Mutex::default);

fn from_row(m: call::Model) -> Result<StoredCall, DomainError> {
    {
        let parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((row, stored)) = parsed.get(&m.id)
            && *row == m
        {
            return Ok(stored.clone());
        }
    }
    let stored = parse_row(m.clone())?;
    let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    parsed.insert(m.id, (m, stored.clone()));
    Ok(stored)
}

/// The stored call of a row read elsewhere (in a join, say): parsed once per row as it stands.
pub fn from_model(m: call::Model) -> Result<StoredCall, DomainError> {
    from_row(m)
}

fn parse_row(m: call::Model) -> Result<StoredCall, DomainError> {
    let mut value: serde_json::Value =
        serde_json::from_str(&m.definition).map_err(DomainError::internal)?;
    let ceiling = Money::parse(&m.budget_ceiling).map_err(DomainError::internal)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("code".into(), m.code.into());
        map.insert("title".into(), m.title.into());
        map.insert("budget_ceiling".into(), ceiling.to_string().into());
    }
    let definition: CallDefinition =
        serde_json::from_value(value).map_err(DomainError::internal)?;
    Ok(StoredCall { id: m.id, definition, created_at: m.created_at, updated_at: m.updated_at })
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    def: &CallDefinition,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<StoredCall, DomainError> {
    let row = call::ActiveModel {
        code: Set(def.code.clone()),
        title: Set(def.title.clone()),
        budget_ceiling: Set(def.budget_ceiling.to_string()),
        definition: Set(document(def)?),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    from_row(row)
}

pub async fn replace<C: ConnectionTrait>(
    db: &C,
    id: i32,
    def: &CallDefinition,
    now: DateTime<Utc>,
) -> Result<StoredCall, DomainError> {
    let row = call::ActiveModel {
        id: Set(id),
        code: Set(def.code.clone()),
        title: Set(def.title.clone()),
        budget_ceiling: Set(def.budget_ceiling.to_string()),
        definition: Set(document(def)?),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    from_row(row)
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<StoredCall>, DomainError> {
    call::Entity::find_by_id(id).one(db).await?.map(from_row).transpose()
}

pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<StoredCall>, DomainError> {
    call::Entity::find()
        .filter(call::Column::Code.eq(code))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<StoredCall>, DomainError> {
    call::Entity::find()
        .order_by_asc(call::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// The call, or `NotFound` naming it.
pub async fn call_of<C: ConnectionTrait>(db: &C, id: i32) -> Result<StoredCall, DomainError> {
    by_id(db, id).await?.ok_or_else(|| DomainError::NotFound(format!("call {id}")))
}

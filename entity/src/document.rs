use sea_orm::entity::prelude::*;

/// An uploaded file of an application, kept in the database with its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    /// `plan`, `attachment`, `commitment` or `addendum`
    pub kind: String,
    pub filename: String,
    /// From the content, not from the name or the upload's header.
    pub media_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    #[sea_orm(column_type = "Blob")]
    pub content: Vec<u8>,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

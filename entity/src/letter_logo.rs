use sea_orm::entity::prelude::*;

/// A call's letterhead logo: a PNG with its alternative text, drawn at the top of the first
/// page of the call's letters. A call without a row has letters without a logo.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_logos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub call_id: i32,
    #[sea_orm(column_type = "Blob")]
    pub content: Vec<u8>,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    #[sea_orm(column_type = "Text")]
    pub alt: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

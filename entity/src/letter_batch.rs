use sea_orm::entity::prelude::*;

/// What one publication's letters are rendered from beyond the frozen outcome: the call's letter
/// settings, templates and logo as they stood at publication, and who published.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    /// `first_round` or `final`: the frozen outcome (`outcome_snapshot.stage`) they come from.
    pub stage: String,
    /// JSON: the letter settings.
    #[sea_orm(column_type = "Text")]
    pub settings: String,
    /// JSON: template name → text, every template.
    #[sea_orm(column_type = "Text")]
    pub templates: String,
    #[sea_orm(column_type = "Blob", nullable)]
    pub logo_png: Option<Vec<u8>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub logo_alt: Option<String>,
    pub published_by: Option<i32>,
    /// The publisher as the audit trail names them.
    pub actor: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A proeftuin's plan for one calendar year (*projectplan*); one per (proeftuin, year).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    pub year: i32,
    /// `draft`, `submitted`, `accepted` or `returned`
    pub status: String,
    /// JSON: goals, activities per core element, team, partners, focus points.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// `YYYY-MM-DD`
    pub due_on: String,
    /// The comments of the last return.
    #[sea_orm(column_type = "Text", nullable)]
    pub comments: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A proeftuin's progress report on one period (`2024-Q1`, `2024-H1`, `2024`); one per
/// (proeftuin, period), and never two whose periods overlap.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    pub period: String,
    /// `YYYY-MM-DD`, first and last day of the period.
    pub period_start: String,
    pub period_end: String,
    /// `draft`, `submitted`, `accepted` or `returned`
    pub status: String,
    /// JSON: narrative per basic principle and per core element, lessons, obstacles.
    #[sea_orm(column_type = "Text")]
    pub narrative: String,
    /// Costs realised in the period, canonical decimal text.
    pub costs_realised: String,
    /// The catalogue version the figures were checked against.
    pub catalogue_version: i32,
    /// `YYYY-MM-DD`
    pub due_on: String,
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

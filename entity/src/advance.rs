use sea_orm::entity::prelude::*;

/// An advance (*voorschot*): a decision of its own. The amount is canonical decimal text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    /// 1, 2, … per proeftuin.
    pub number: i32,
    pub amount: String,
    /// The report period the advance was paid against, e.g. `2023-H1`.
    pub against_period: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Why it was decided although a report it depends on was overdue.
    #[sea_orm(column_type = "Text", nullable)]
    pub overdue_reason: Option<String>,
    /// `YYYY-MM-DD`
    pub decided_on: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

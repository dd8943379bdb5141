use sea_orm::entity::prelude::*;

/// A settlement decision (*vaststelling*); a revision is a new row that `revises_id` the one
/// before, which stays. Amounts are canonical decimal text (`balance` may be negative).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    /// 1 for the settlement, 2, … for its revisions.
    pub number: i32,
    pub revises_id: Option<i32>,
    /// The reason of a revision.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub grant_amount: String,
    pub realised: String,
    pub own_contribution: String,
    pub settled: String,
    pub paid: String,
    pub balance: String,
    /// JSON: `[{year, budgeted, realised}]`.
    #[sea_orm(column_type = "Text")]
    pub years: String,
    /// JSON: `[{kind, amount, reason}]`.
    #[sea_orm(column_type = "Text")]
    pub grounds: String,
    /// `YYYY-MM-DD`
    pub decided_on: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

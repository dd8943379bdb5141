use sea_orm::entity::prelude::*;

/// A payment made or received: an advance paid, a settlement balance paid, or a repayment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finance_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    /// `advance`, `settlement` or `repayment`
    pub kind: String,
    pub advance_id: Option<i32>,
    pub settlement_id: Option<i32>,
    pub amount: String,
    /// `YYYY-MM-DD`
    pub paid_on: String,
    pub bank_reference: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Per call: when annual plans and progress reports of its proeftuinen are due.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitoring_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_id: i32,
    /// `MM-DD` in the year before the plan's year (default `12-01`).
    pub annual_plan_due: String,
    /// Weeks after the end of a period (default 6).
    pub report_due_weeks: i32,
    /// Days before the due date a reminder goes out (default 14).
    pub reminder_days_before: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

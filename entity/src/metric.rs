use sea_orm::entity::prelude::*;

/// One version of a metric of the monitoring catalogue. A change adds a version; the highest
/// version of a key is the one in force. Reports store figures by key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub key: String,
    pub version: i32,
    pub label_nl: String,
    /// e.g. `count`, `percent`
    pub unit: String,
    /// `sum` or `share`
    pub rollup: String,
    /// For `share`: the metric counted over ...
    pub numerator: Option<String>,
    /// ... the metric it is a share of.
    pub denominator: Option<String>,
    /// Order in tables.
    pub position: i32,
    pub retired: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

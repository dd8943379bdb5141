use sea_orm::entity::prelude::*;

/// A decision letter as issued: generated once, stored with its SHA-256 and never regenerated
/// differently. A correction is a new row with the next `number` and a reason. A letter issued
/// at publication is `pending` (no content, no SHA-256) until the letter worker renders it from
/// its batch (`letter_batch`); both are fixed at that first render.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    pub application_id: i32,
    /// `award`, `rejection_first_round` or `rejection_final`
    pub kind: String,
    pub number: i32,
    /// The reference number printed on the letter (*kenmerk*).
    pub reference: String,
    pub filename: String,
    pub sha256: Option<String>,
    #[sea_orm(column_type = "Blob", nullable)]
    pub content: Option<Vec<u8>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub correction_reason: Option<String>,
    pub issued_by: Option<i32>,
    pub issued_at: DateTimeUtc,
    /// The publication it was issued by (what it is rendered from); none for a correction.
    pub batch_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

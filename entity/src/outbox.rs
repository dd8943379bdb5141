use sea_orm::entity::prelude::*;

/// The transactional outbox: an email is written here in the transaction of the change that
/// causes it, and a worker delivers it. Unique per (kind, target, occasion), so it is queued once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// e.g. `submission_receipt`, `submission_reminder`
    pub kind: String,
    /// What it is about, e.g. `application:12`.
    pub target: String,
    /// Why now, e.g. `submission` or `days_before:14`.
    pub occasion: String,
    pub recipient: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    /// `queued`, `sending` (claimed by a worker until `lease_until`), `sent`, `failed` or
    /// `cancelled`
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Fixed at queueing, so a retried delivery carries the same Message-ID.
    pub message_id: String,
    pub attachment_filename: Option<String>,
    pub attachment_media_type: Option<String>,
    #[sea_orm(column_type = "Blob", nullable)]
    pub attachment_content: Option<Vec<u8>>,
    /// The HTML alternative of `body_text` as rows queued before 2026-12 kept it; newer rows leave
    /// it empty and the HTML is made from the subject and text when sent (`templates::html_of`).
    #[sea_orm(column_type = "Text", nullable)]
    pub body_html: Option<String>,
    /// The `From` the message went out with (set when it is sent).
    pub sent_from: Option<String>,
    /// While `sending`: until when the claiming worker owns the row; after that another may take
    /// it.
    pub lease_until: Option<DateTimeUtc>,
    /// The claim (worker id and a random token) that owns the row while `sending`.
    pub leased_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

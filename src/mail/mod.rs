//! Email: Dutch templates, and the transactional outbox they are queued in. A use case queues
//! an email in the same transaction as the change that causes it; delivery is a separate worker
//! (`worker`) that sends through a `transport` (SMTP, or `.eml` files).

pub mod bulk;
pub mod decisions;
pub mod finance;
pub mod monitoring;
pub mod outbox;
mod smtp;
pub mod templates;
pub mod transport;
pub mod worker;

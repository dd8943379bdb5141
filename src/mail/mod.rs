//! Email: Dutch templates, and the transactional outbox they are queued in. A use case queues
//! an email in the same transaction as the change that causes it; delivery is a separate worker.

pub mod decisions;
pub mod outbox;
pub mod templates;

//! The one error type of the service, by meaning. The API maps it to problem+json in one place
//! (`api::problem`); nothing else decides status codes.

use std::fmt;

/// One problem with one input field, e.g. `weighted_criteria[3].max`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("no valid credentials")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the input is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    DeadlinePassed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    BadRequest(String),
    /// The database is busy or unreachable for a moment; the client may try again (503 with
    /// `Retry-After`). Never a lost change: the transaction was rolled back.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke that the client cannot fix; the cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl DomainError {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        DomainError::Internal(cause.into())
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<sea_orm::DbErr> for DomainError {
    fn from(e: sea_orm::DbErr) -> Self {
        if is_unreachable(&e) {
            tracing::warn!(error = %e, "database unreachable");
            return DomainError::Unavailable(
                "the database cannot be reached; try again shortly".into(),
            );
        }
        if is_transient(&e) {
            tracing::warn!(error = %e, "database busy");
            return DomainError::Unavailable("the service is busy; try again shortly".into());
        }
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            tracing::info!(error = %e, "unique constraint: a concurrent change came first");
            return DomainError::Conflict(
                "this was changed at the same time by another request; reload and try again".into(),
            );
        }
        DomainError::Internal(Box::new(e))
    }
}

/// The driver error inside a `DbErr`, when there is one.
fn sqlx_error(e: &sea_orm::DbErr) -> Option<&sea_orm::sqlx::Error> {
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => Some(s.as_ref()),
        _ => None,
    }
}

/// The database server cannot be reached or went away (connection refused, closed, pool timed out).
pub fn is_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as S;
    if matches!(e, sea_orm::DbErr::ConnectionAcquire(_)) {
        return true;
    }
    match sqlx_error(e) {
        Some(
            S::Io(_)
            | S::Tls(_)
            | S::Protocol(_)
            | S::PoolTimedOut
            | S::PoolClosed
            | S::WorkerCrashed,
        ) => true,
        // PostgreSQL: connection exceptions (08…), shutting down / cannot connect now (57P…).
        Some(S::Database(d)) => {
            d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
        }
        _ => false,
    }
}

/// A failure that the same transaction, run again, can get past: SQLite busy or locked (5, 6 and
/// their extended codes such as 517 `SQLITE_BUSY_SNAPSHOT`), PostgreSQL serialization failure
/// (40001), deadlock (40P01), lock timeout (55P03), or an unreachable server.
pub fn is_transient(e: &sea_orm::DbErr) -> bool {
    if is_unreachable(e) {
        return true;
    }
    let Some(sea_orm::sqlx::Error::Database(d)) = sqlx_error(e) else {
        return false;
    };
    let Some(code) = d.code() else {
        return false;
    };
    match code.parse::<i64>() {
        // SQLite: the primary result code is the low byte of the extended one.
        Ok(n) if d.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() => {
            matches!(n & 0xff, 5 | 6)
        }
        _ => matches!(code.as_ref(), "40001" | "40P01" | "55P03"),
    }
}

impl From<sea_orm::TransactionError<DomainError>> for DomainError {
    fn from(e: sea_orm::TransactionError<DomainError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

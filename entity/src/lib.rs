//! Database rows, one module per table. Amounts are canonical decimal text; the service's
//! `store` turns rows into domain types.

pub mod audit_log;
pub mod call;
pub mod region;
pub mod user;

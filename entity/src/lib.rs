//! Database rows, one module per table. Amounts are canonical decimal text; the service's
//! `store` turns rows into domain types.

pub mod application;
pub mod audit_log;
pub mod budget_line;
pub mod call;
pub mod call_assessor;
pub mod conflict;
pub mod consensus_note;
pub mod decision;
pub mod document;
pub mod letter;
pub mod letter_batch;
pub mod letter_logo;
pub mod letter_setting;
pub mod outbox;
pub mod outcome_snapshot;
pub mod partner_commitment;
pub mod region;
pub mod round;
pub mod sheet;
pub mod user;
// Monitoring (issue 8)
pub mod annual_plan;
pub mod annual_plan_line;
pub mod metric;
pub mod monitoring_setting;
pub mod proeftuin;
pub mod proeftuin_grant;
pub mod progress_report;
pub mod report_figure;
// Demo (issue 12)
pub mod demo_database;
// Web pages (issue 16)
pub mod web_session;
// Grant finance (issue 17)
pub mod advance;
pub mod advance_schedule;
pub mod finance_payment;
pub mod settlement;

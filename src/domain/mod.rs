//! Pure rules: money, points, calls, scoring, ranking, allocation, deadlines.
//! No HTTP, no database, no mail: everything here is plain data in, plain data out.

pub mod applicant;
pub mod application;
pub mod call;
pub mod call_lock;
pub mod document;
pub mod dutch;
pub mod money;
pub mod monitoring;
pub mod points;
pub mod region;
pub mod reminders;
pub mod allocation;
pub mod calibration;
pub mod knockout;
pub mod ranking;
pub mod scoring;
pub mod selection;
pub mod grounds;
pub mod numerals;
pub mod workdays;

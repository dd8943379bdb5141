//! Pure rules: money, points, calls, scoring, ranking, allocation, deadlines.
//! No HTTP, no database, no mail: everything here is plain data in, plain data out.

pub mod allocation;
pub mod applicant;
pub mod application;
pub mod calibration;
pub mod call;
pub mod call_lock;
pub mod decision;
pub mod digest;
pub mod document;
pub mod dutch;
pub mod finance;
pub mod grounds;
pub mod knockout;
pub mod money;
pub mod monitoring;
pub mod numerals;
pub mod points;
pub mod ranking;
pub mod region;
pub mod reminders;
pub mod round;
pub mod scoring;
pub mod selection;
pub mod sheet_facts;
pub mod tie;
pub mod user;
pub mod workdays;

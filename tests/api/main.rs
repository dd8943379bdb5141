//! Integration tests through the real HTTP API, in one binary so it links once.

#[path = "../common/mod.rs"]
mod common;

mod apidocs;
mod assessment;
mod auth;
mod authorisation;
mod browser;
mod calls;
mod concurrency;
mod demo;
mod faults;
mod finance;
mod finance_exports;
mod fixtures;
mod foundation;
mod intake;
mod integrity;
mod kept_outcomes;
mod letter_grounds;
mod letter_logo;
mod letters;
mod letters_list;
mod limits;
mod mail;
mod mail_delivery;
mod mail_transport;
mod monitoring;
mod outbox_lookup;
mod outcome_reads;
mod outcome_timing;
mod pdf_archive;
mod publication_fresh;
mod publication_scale;
mod query_counts;
mod scratch;
mod sheet_memo;
mod sheet_write;
mod sign_in;
mod snapshots;
mod stamps_plan;
mod standards;
mod web_session;
mod write_counts;

//! Integration tests through the real HTTP API, in one binary so it links once.

#[path = "../common/mod.rs"]
mod common;

mod apidocs;
mod assessment;
mod auth;
mod authorisation;
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
mod letter_grounds;
mod letter_logo;
mod letters;
mod limits;
mod mail;
mod mail_delivery;
mod monitoring;
mod pdf_archive;
mod sign_in;
mod standards;

//! Integration tests through the real HTTP API, in one binary so it links once.

#[path = "../common/mod.rs"]
mod common;

mod assessment;
mod auth;
mod calls;
mod concurrency;
mod faults;
mod foundation;
mod intake;
mod letters;
mod mail;
mod mail_delivery;
mod monitoring;

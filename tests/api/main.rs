//! Integration tests through the real HTTP API, in one binary so it links once.

#[path = "../common/mod.rs"]
mod common;

mod assessment;
mod auth;
mod calls;
mod foundation;
mod intake;
mod letters;
mod limits;
mod mail;
mod mail_delivery;
mod monitoring;

//! Tuinier: grant and programme administration for the proeftuinen.
//!
//! `domain` holds the pure rules; `service` the use cases (they own transactions); `store` the
//! database access; `api` the HTTP interface; `cli` and `startup` the wiring.

pub mod api;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod mail;
pub mod memory;
pub mod pdf;
pub mod scenario;
pub mod scheduler;
pub mod service;
pub mod startup;
pub mod store;
pub mod web;

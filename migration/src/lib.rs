//! The database schema, one migration per step. Runs on SQLite and PostgreSQL alike.
//! Amounts are stored as canonical decimal text ("1027020.00"), never as REAL: see
//! `../shared/domain/stack-facts.md`.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_intake;
mod m20261122_000003_assessment;
mod m20261122_000004_mail;
mod m20261122_000005_letters;
mod m20261122_000006_monitoring;
mod m20261130_000003_demo;
mod m20261130_000004_applicant;
mod m20261130_000009_letter_logo;
mod m20261201_000010_letter_rendering;
mod m20261201_000020_read_indexes;
mod m20261201_000030_finance;
mod m20261201_000040_web_sessions;
mod m20261201_000050_snapshot_deflated;
mod m20261202_000010_sheet_stamps_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_intake::Migration),
            Box::new(m20261122_000003_assessment::Migration),
            Box::new(m20261122_000004_mail::Migration),
            Box::new(m20261122_000005_letters::Migration),
            Box::new(m20261122_000006_monitoring::Migration),
            Box::new(m20261130_000003_demo::Migration),
            Box::new(m20261130_000004_applicant::Migration),
            Box::new(m20261130_000009_letter_logo::Migration),
            Box::new(m20261201_000010_letter_rendering::Migration),
            Box::new(m20261201_000020_read_indexes::Migration),
            Box::new(m20261201_000030_finance::Migration),
            Box::new(m20261201_000040_web_sessions::Migration),
            Box::new(m20261201_000050_snapshot_deflated::Migration),
            Box::new(m20261202_000010_sheet_stamps_index::Migration),
        ]
    }
}

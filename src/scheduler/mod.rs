//! The scheduler: the background loop of `serve` that runs the deadline tick
//! ([`crate::service::deadlines::tick`]) every 30 s (`--scheduler-interval`), retries a busy
//! database, and stops on shutdown. What is due and how it is queued is the service's business;
//! tests and `tuinier scenario run` tick through `POST /scheduler/run` after moving the clock.

use crate::service::AppState;
// The tick and its sources, where they were before they moved into the service.
pub use crate::service::deadlines::{
    BoxFuture, Queued, ReminderSource, ReportReminders, sources, tick, tick_with,
};

/// The background loop of `serve`: a tick every `interval`, until `stop` changes (or its sender is
/// dropped). A failing tick is logged and retried at the next interval (nothing is lost: the next
/// tick catches up).
pub async fn run_loop(
    state: AppState,
    interval: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut timer = tokio::time::interval(interval);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = timer.tick() => {
                // A tick is idempotent (each email is queued once), so a busy database is met by
                // running it again.
                match crate::service::deadlines::tick_retrying(&state, 3).await {
                    Ok(q) if !q.is_empty() => tracing::info!(queued = q.len(), "scheduler queued reminders"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
                }
                // A tick reads every open call's applications: give their pages back.
                crate::memory::give_back();
            }
            _ = stop.changed() => break,
        }
    }
}

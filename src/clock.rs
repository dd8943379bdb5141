//! The only source of "now". Production reads the system clock; tests and `tuinier scenario run`
//! set it, so deadlines are exercised at exactly the second they fall.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub type SharedClock = Arc<dyn Clock>;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set. Cloning shares the same time.
#[derive(Clone)]
pub struct SettableClock(Arc<Mutex<DateTime<Utc>>>);

impl SettableClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        SettableClock(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }
}

impl Clock for SettableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The demo's rehearsal clock: the real time plus an offset that only grows, so `serve --demo`
/// can walk a call through its stages in minutes (`POST /demo/clock`). Cloning shares the offset.
#[derive(Clone)]
pub struct DemoClock(Arc<Mutex<chrono::TimeDelta>>);

impl DemoClock {
    pub fn new(offset: chrono::TimeDelta) -> Self {
        DemoClock(Arc::new(Mutex::new(offset.max(chrono::TimeDelta::zero()))))
    }

    pub fn offset(&self) -> chrono::TimeDelta {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves the clock to `to` when that is later than now; returns the new offset, or `Err`
    /// with the current now when `to` lies in the past (the clock never goes back).
    pub fn advance_to(&self, to: DateTime<Utc>) -> Result<chrono::TimeDelta, DateTime<Utc>> {
        let mut offset = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let real = Utc::now();
        let now = real + *offset;
        if to < now {
            return Err(now);
        }
        *offset = to - real;
        Ok(*offset)
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

//! Sign-in hygiene: failed token attempts are counted per client address in a token bucket; once
//! a client has used up its burst, its token checks answer 429 (with `Retry-After`) until the
//! bucket refills. Successful requests take nothing from the bucket. Log lines name the client
//! and the count, never the token.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failed attempts a client may make at once, and how fast it earns one back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleSettings {
    pub burst: u32,
    pub refill_every: Duration,
}

impl Default for ThrottleSettings {
    /// 30 failed attempts at once, then one every 2 seconds (30 a minute): nothing a person who
    /// mistypes or a client with an expired token notices; hopeless for guessing 256-bit tokens.
    fn default() -> Self {
        ThrottleSettings { burst: 30, refill_every: Duration::from_secs(2) }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
    failures: u64,
}

/// Above this many tracked clients, full buckets are forgotten (they hold no information).
const MAX_TRACKED: usize = 10_000;

pub struct SignInThrottle {
    settings: ThrottleSettings,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The answer for a client that has to wait: 429 with `Retry-After` in whole seconds.
#[derive(Debug, thiserror::Error)]
#[error("too many failed sign-in attempts from this address; retry after {retry_after} s")]
pub struct Throttled {
    pub retry_after: u64,
}

impl SignInThrottle {
    pub fn new(settings: ThrottleSettings) -> SignInThrottle {
        SignInThrottle {
            settings: ThrottleSettings { burst: settings.burst.max(1), ..settings },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let every = self.settings.refill_every.as_secs_f64();
        let earned = if every > 0.0 {
            now.duration_since(b.at).as_secs_f64() / every
        } else {
            f64::INFINITY
        };
        b.tokens = (b.tokens + earned).min(f64::from(self.settings.burst));
        b.at = now;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        // A panic while holding the lock leaves plain numbers behind: still usable.
        self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Before a token is looked at: refuses a client whose failed attempts used up the burst.
    pub fn check(&self, client: IpAddr) -> Result<(), Throttled> {
        let now = Instant::now();
        let mut buckets = self.lock();
        let Some(b) = buckets.get_mut(&client) else {
            return Ok(());
        };
        self.refill(b, now);
        if b.tokens >= 1.0 {
            return Ok(());
        }
        let wait = (1.0 - b.tokens) * self.settings.refill_every.as_secs_f64();
        Err(Throttled { retry_after: (wait.ceil() as u64).max(1) })
    }

    /// Records a failed attempt; returns how many this client has made (while tracked).
    pub fn failed(&self, client: IpAddr) -> u64 {
        let now = Instant::now();
        let mut buckets = self.lock();
        if buckets.len() >= MAX_TRACKED {
            let burst = f64::from(self.settings.burst);
            let every = self.settings.refill_every.as_secs_f64();
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() / every.max(f64::MIN_POSITIVE)
                    < burst
            });
        }
        let b = buckets.entry(client).or_insert(Bucket {
            tokens: f64::from(self.settings.burst),
            at: now,
            failures: 0,
        });
        self.refill(b, now);
        b.tokens = (b.tokens - 1.0).max(0.0);
        b.failures += 1;
        b.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_429_until_the_bucket_refills_per_client() {
        let t = SignInThrottle::new(ThrottleSettings {
            burst: 3,
            refill_every: Duration::from_millis(200),
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for n in 1..=3 {
            assert!(t.check(a).is_ok());
            assert_eq!(t.failed(a), n);
        }
        let refused = t.check(a).unwrap_err();
        assert_eq!(refused.retry_after, 1);
        assert!(t.check(b).is_ok(), "another client is not affected");
        std::thread::sleep(Duration::from_millis(250));
        assert!(t.check(a).is_ok(), "one attempt earned back");
        assert_eq!(t.failed(a), 4);
        assert!(t.check(a).is_err());
    }
}

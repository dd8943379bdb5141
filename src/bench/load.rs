//! Many reads at once: `connections` clients, each on its own connection, share `requests` GETs;
//! the run stops early after `time_limit` (what did not complete is reported, not waited for).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LoadResult {
    pub requested: u64,
    pub completed: u64,
    pub failed: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Body bytes of the completed answers.
    pub bytes: u64,
}

impl LoadResult {
    pub fn rate(&self) -> f64 {
        self.completed as f64 / self.seconds.max(1e-9)
    }
}

/// `path_of(n)` is the URL of the n-th request.
pub async fn run(
    connections: usize,
    requests: u64,
    time_limit: Duration,
    token: &str,
    path_of: Arc<dyn Fn(u64) -> String + Send + Sync>,
) -> LoadResult {
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let stop_at = start + time_limit;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (next, failed, bytes, path_of) =
            (next.clone(), failed.clone(), bytes.clone(), path_of.clone());
        let token = token.to_string();
        tasks.spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(time_limit)
                .build()
                .unwrap_or_default();
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests || Instant::now() >= stop_at {
                    return latencies;
                }
                let t = Instant::now();
                let left = stop_at.saturating_duration_since(t).max(Duration::from_millis(1));
                let sent = http.get(path_of(n)).bearer_auth(&token).timeout(left).send().await;
                let ok = match sent {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(b) => {
                            bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
                            true
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                if ok {
                    latencies.push(t.elapsed());
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    let mut all = Vec::new();
    while let Some(Ok(l)) = tasks.join_next().await {
        all.extend(l);
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let pick = |q: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * q).ceil() as usize).clamp(1, all.len()) - 1;
        all[i].as_secs_f64() * 1000.0
    };
    LoadResult {
        requested: requests,
        completed: all.len() as u64,
        failed: failed.load(Ordering::Relaxed),
        seconds,
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        bytes: bytes.load(Ordering::Relaxed),
    }
}

//! While the database cannot be reached, answer 503 at once instead of letting every request wait
//! for a pooled connection: a pile of waiters would keep the pool from reconnecting when the
//! database is back. The first 503 opens the breaker; one probe pings the database until it
//! answers, then closes it. `/health` (and `/v1/health`) always asks the database itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use poem::http::StatusCode;
use poem::{Endpoint, EndpointExt, IntoResponse};
use sea_orm::DatabaseConnection;

use super::problem::ApiError;

const PROBE_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Breaker {
    open: AtomicBool,
    /// How often the breaker has closed. A request that waited for a connection through an
    /// outage may time out just after the database is back; its 503 is old news and must not
    /// open the breaker again (that would turn away fresh requests the database can serve).
    closes: AtomicU64,
}

pub fn guard<E: Endpoint + 'static>(ep: E, db: DatabaseConnection) -> impl Endpoint {
    let breaker = Arc::new(Breaker::default());
    ep.around(move |ep, req| {
        let breaker = breaker.clone();
        let db = db.clone();
        async move {
            if breaker.open.load(Ordering::Acquire)
                && super::standards::api_path(req.uri().path()) != Some("/health")
            {
                return Ok(ApiError::unavailable(
                    "the database cannot be reached; try again shortly",
                )
                .into_response());
            }
            let closes_before = breaker.closes.load(Ordering::Acquire);
            let resp = ep.get_response(req).await;
            if resp.status() == StatusCode::SERVICE_UNAVAILABLE
                && breaker.closes.load(Ordering::Acquire) == closes_before
                && !breaker.open.swap(true, Ordering::AcqRel)
            {
                tracing::warn!("database unavailable: answering 503 until it answers again");
                tokio::spawn(probe(breaker, db));
            }
            Ok(resp)
        }
    })
}

async fn probe(breaker: Arc<Breaker>, db: DatabaseConnection) {
    loop {
        tokio::time::sleep(PROBE_INTERVAL).await;
        if db.ping().await.is_ok() {
            breaker.closes.fetch_add(1, Ordering::AcqRel);
            breaker.open.store(false, Ordering::Release);
            tracing::info!("database answers again");
            return;
        }
    }
}

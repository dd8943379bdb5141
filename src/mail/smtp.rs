//! The SMTP client of the delivery worker for a plain `smtp://` relay (no TLS, no AUTH: a relay
//! on the same host or network): lettre's connection, driven over a TCP stream this module opens
//! itself, and a small pool of idle connections kept between messages.
//!
//! Why not lettre's `AsyncSmtpTransport`: lettre 0.11.23 leaves Nagle's algorithm on, so the
//! short `.` that ends a message waits for the server's delayed ACK of the body (about 40 ms on
//! Linux) and a connection delivers at most some 25 messages a second. The fix (lettre PR #1159)
//! is merged but not released; opening the socket here with `TCP_NODELAY` does the same today.
//! A relay with TLS or AUTH (`?tls=...`, a user and password, `smtps://`) stays on lettre's own
//! transport (see `transport.rs`): that is the path lettre tests against TLS servers, and we have
//! no TLS server to test ours against; it keeps Nagle until lettre releases the fix.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

/// A connection idle longer than this is asked `NOOP` before it carries a message (the server
/// may have closed it meanwhile).
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// A connection idle longer than this is closed rather than reused (lettre's pool does the same).
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// Idle connections kept at most (the worker has fewer messages than this on the wire at once).
const MAX_IDLE: usize = 16;

/// An `smtp://` relay: where, how secured, who we are, and the idle connections to it.
pub struct Relay {
    host: String,
    port: u16,
    hello: ClientId,
    timeout: Duration,
    idle: Mutex<Vec<Idle>>,
}

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
    /// `TCP_NODELAY` as read back from the socket when it was opened (for the tests).
    nodelay: bool,
}

impl Relay {
    /// The relay of a plain `smtp://` URL as lettre reads it (port 25 by default, a path for the
    /// EHLO name); `None` for any URL with TLS or AUTH (`?tls=`, a user or password, another
    /// scheme), which lettre's transport serves.
    pub fn from_url(url: &str, timeout: Duration) -> Result<Option<Relay>, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
        if parsed.scheme() != "smtp" {
            return Ok(None);
        }
        let host = parsed.host_str().ok_or("SMTP URL: no host")?.to_string();
        // A bracketed IPv6 host connects without its brackets.
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        if parsed.query_pairs().any(|(k, _)| k == "tls")
            || parsed.password().is_some()
            || !parsed.username().is_empty()
        {
            return Ok(None);
        }
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        Ok(Some(Relay {
            host,
            port: parsed.port().unwrap_or(25),
            hello,
            timeout,
            idle: Mutex::new(Vec::new()),
        }))
    }

    /// Sends one message on an idle connection or a new one; a connection that delivered goes
    /// back to the pool, one that failed is closed (its state is unknown).
    pub async fn send(&self, message: &Message) -> Result<(), String> {
        let raw = message.formatted();
        let attempt = async {
            let (mut conn, nodelay) = self.checkout().await?;
            match conn.send(message.envelope(), &raw).await {
                Ok(_) => {
                    self.checkin(conn, nodelay);
                    Ok(())
                }
                Err(e) => {
                    conn.abort().await;
                    Err(e.to_string())
                }
            }
        };
        // Well below the worker's lease, so a hanging server cannot outlive the claim.
        tokio::time::timeout(self.timeout, attempt)
            .await
            .map_err(|_| format!("SMTP: no answer within {} s", self.timeout.as_secs()))?
    }

    /// `TCP_NODELAY` of each idle connection, as read back from its socket when it was opened.
    pub fn idle_nodelay(&self) -> Vec<bool> {
        self.idle.lock().map(|idle| idle.iter().map(|i| i.nodelay).collect()).unwrap_or_default()
    }

    async fn checkout(&self) -> Result<(AsyncSmtpConnection, bool), String> {
        loop {
            // The lock is never held across an await.
            let Some(idle) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) else {
                return self.connect().await;
            };
            let Idle { mut conn, since, nodelay } = idle;
            let waited = since.elapsed();
            if waited > IDLE_LIMIT {
                conn.abort().await;
            } else if waited <= CHECK_AFTER || conn.test_connected().await {
                return Ok((conn, nodelay));
            }
        }
    }

    fn checkin(&self, conn: AsyncSmtpConnection, nodelay: bool) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(Idle { conn, since: Instant::now(), nodelay });
        }
    }

    /// A new connection: TCP with Nagle off, the greeting and EHLO.
    async fn connect(&self) -> Result<(AsyncSmtpConnection, bool), String> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("SMTP connect {}:{}: {e}", self.host, self.port))?;
        // Without it every message waits for the server's delayed ACK (see the module comment).
        stream.set_nodelay(true).map_err(|e| format!("SMTP TCP_NODELAY: {e}"))?;
        let nodelay = stream.nodelay().unwrap_or(false);
        let conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(|e| e.to_string())?;
        Ok((conn, nodelay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(url: &str) -> Relay {
        Relay::from_url(url, Duration::from_secs(1)).expect("parses").expect("smtp://")
    }

    #[test]
    fn only_a_plain_relay_is_driven_here_and_tls_or_auth_stay_with_lettre() {
        let plain = relay("smtp://127.0.0.1:2525");
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert_eq!(relay("smtp://relay.local").port, 25);
        assert_eq!(relay("smtp://h/relay.example").hello, ClientId::Domain("relay.example".into()));
        assert_eq!(relay("smtp://[::1]:25").host, "::1");
        let lettre =
            |url: &str| Relay::from_url(url, Duration::from_secs(1)).expect("ok").is_none();
        assert!(lettre("smtps://h:465"));
        assert!(lettre("smtp://mail.example?tls=required"));
        assert!(lettre("smtp://mail.example:25?tls=opportunistic"));
        assert!(lettre("smtp://user:secret@mail.example:587?tls=required"));
        assert!(lettre("smtp://user:secret@relay.local"));
        assert!(Relay::from_url("not a url", Duration::from_secs(1)).is_err());
    }
}

//! The SMTP client of the delivery worker for `smtp://` relays (plain or STARTTLS): lettre's
//! connection, driven over a TCP stream this module opens itself, and a small pool of idle
//! connections kept between messages.
//!
//! Why not lettre's `AsyncSmtpTransport`: lettre 0.11.23 leaves Nagle's algorithm on, so the
//! short `.` that ends a message waits for the server's delayed ACK of the body (about 40 ms on
//! Linux) and a connection delivers at most some 25 messages a second. The fix (lettre PR #1159)
//! is merged but not released; opening the socket here with `TCP_NODELAY` does the same today.
//! Implicit TLS (`smtps://`) cannot be driven this way through lettre's public API (its TLS
//! upgrade of a plain stream belongs to a deprecated type), so that case stays on lettre's
//! transport (see `transport.rs`).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
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
    tls: Tls,
    credentials: Option<Credentials>,
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
    /// The relay of an `smtp://` URL as lettre reads it: `?tls=required` or `?tls=opportunistic`
    /// for STARTTLS (port 587 by default), none for a plain relay (port 25), user and password
    /// for AUTH, a path for the EHLO name. `None` for another scheme (`smtps://`).
    pub fn from_url(url: &str, timeout: Duration) -> Result<Option<Relay>, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
        if parsed.scheme() != "smtp" {
            return Ok(None);
        }
        let host = parsed.host_str().ok_or("SMTP URL: no host")?.to_string();
        // A bracketed IPv6 host connects without its brackets.
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let tls_of = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| format!("SMTP URL: TLS: {e}"))
        };
        let query = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
        let (tls, default_port) = match query.as_deref() {
            None => (Tls::None, 25),
            Some("required") => (Tls::Required(tls_of(&host)?), 587),
            Some("opportunistic") => (Tls::Opportunistic(tls_of(&host)?), 587),
            Some(other) => return Err(format!("SMTP URL: unknown tls parameter {other:?}")),
        };
        let credentials = match parsed.password() {
            Some(password) => Some(Credentials::new(
                percent_decode(parsed.username())?,
                percent_decode(password)?,
            )),
            None => None,
        };
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        Ok(Some(Relay {
            host,
            port: parsed.port().unwrap_or(default_port),
            tls,
            credentials,
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

    /// A new connection: TCP with Nagle off, the greeting and EHLO, STARTTLS as configured,
    /// then AUTH if there are credentials (as lettre's transport does it).
    async fn connect(&self) -> Result<(AsyncSmtpConnection, bool), String> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("SMTP connect {}:{}: {e}", self.host, self.port))?;
        // Without it every message waits for the server's delayed ACK (see the module comment).
        stream.set_nodelay(true).map_err(|e| format!("SMTP TCP_NODELAY: {e}"))?;
        let nodelay = stream.nodelay().unwrap_or(false);
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(|e| e.to_string())?;
        match &self.tls {
            Tls::Required(params) => {
                conn.starttls(params.clone(), &self.hello).await.map_err(|e| e.to_string())?
            }
            Tls::Opportunistic(params) if conn.can_starttls() => {
                conn.starttls(params.clone(), &self.hello).await.map_err(|e| e.to_string())?
            }
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await.map_err(|e| e.to_string())?;
        }
        Ok((conn, nodelay))
    }
}

/// `%XX` escapes of a URL's user or password, as lettre decodes them.
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "SMTP URL: the user or password is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(url: &str) -> Relay {
        Relay::from_url(url, Duration::from_secs(1)).expect("parses").expect("smtp://")
    }

    #[test]
    fn the_urls_of_the_transport_read_as_lettre_reads_them() {
        let plain = relay("smtp://127.0.0.1:2525");
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert!(matches!(plain.tls, Tls::None) && plain.credentials.is_none());
        let submission = relay("smtp://us%40er:p%2Fss@mail.example?tls=required");
        assert_eq!((submission.host.as_str(), submission.port), ("mail.example", 587));
        assert!(matches!(submission.tls, Tls::Required(_)));
        let expected = Credentials::new("us@er".into(), "p/ss".into());
        assert_eq!(submission.credentials, Some(expected));
        assert!(matches!(relay("smtp://h:25?tls=opportunistic").tls, Tls::Opportunistic(_)));
        assert_eq!(relay("smtp://h/relay.example").hello, ClientId::Domain("relay.example".into()));
        assert_eq!(relay("smtp://[::1]:25").host, "::1");
        assert!(Relay::from_url("smtps://h:465", Duration::from_secs(1)).expect("ok").is_none());
        assert!(Relay::from_url("smtp://h?tls=maybe", Duration::from_secs(1)).is_err());
        assert!(Relay::from_url("not a url", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn percent_escapes_decode_and_a_stray_percent_stays() {
        assert_eq!(percent_decode("a%20b%").expect("utf-8"), "a b%");
        assert!(percent_decode("%ff").is_err());
    }
}

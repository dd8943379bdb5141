//! How a rendered message leaves the service: over SMTP (lettre), or into a folder of `.eml`
//! files (the default, so the demo needs no mail server).

use std::path::PathBuf;

use entity::outbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp::Relay;

/// A boxed future, so a transport can be a trait object.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Sends one message. An `Err` is retried later by the worker; say what went wrong in it.
pub trait Transport: Send + Sync {
    fn send<'a>(
        &'a self,
        row: &'a outbox::Model,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// SMTP configured by a URL: `smtp://user:pass@host:587?tls=required` (STARTTLS),
/// `smtps://user:pass@host:465` (TLS), `smtp://host:25` (none; only for a local relay).
///
/// A plain `smtp://host:port` relay goes through this service's own client ([`Relay`]: lettre's
/// connection over a socket with Nagle off, connections kept between messages); a relay with TLS
/// or AUTH through lettre's transport and its pool, the path lettre tests against TLS servers
/// (it waits for delayed ACKs until lettre releases PR #1159).
pub struct SmtpTransport {
    inner: Smtp,
}

enum Smtp {
    Relay(Relay),
    Lettre(Box<AsyncSmtpTransport<Tokio1Executor>>),
}

/// Well below the worker's lease, so a hanging server cannot outlive the claim.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl SmtpTransport {
    pub fn from_url(url: &str) -> Result<SmtpTransport, String> {
        if let Some(relay) = Relay::from_url(url, SMTP_TIMEOUT)? {
            return Ok(SmtpTransport { inner: Smtp::Relay(relay) });
        }
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP URL: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(SmtpTransport { inner: Smtp::Lettre(Box::new(inner)) })
    }

    /// `TCP_NODELAY` of each idle connection as read back from its socket (empty for `smtps://`,
    /// whose sockets lettre opens): lets a test see that Nagle stays off.
    pub fn idle_nodelay(&self) -> Vec<bool> {
        match &self.inner {
            Smtp::Relay(relay) => relay.idle_nodelay(),
            Smtp::Lettre(_) => Vec::new(),
        }
    }
}

impl Transport for SmtpTransport {
    fn send<'a>(
        &'a self,
        _row: &'a outbox::Model,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            match &self.inner {
                Smtp::Relay(relay) => relay.send(message).await,
                Smtp::Lettre(inner) => {
                    inner.send(message.clone()).await.map(|_| ()).map_err(|e| e.to_string())
                }
            }
        })
    }
}

/// One `.eml` file per message in a folder. The name is stable per row, so a re-send after a
/// crash overwrites the same file instead of adding a second one.
pub struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    pub fn new(dir: impl Into<PathBuf>) -> FileTransport {
        FileTransport { dir: dir.into() }
    }

    pub fn file_name(row: &outbox::Model) -> String {
        format!("{:05}-{}.eml", row.id, row.kind)
    }
}

impl Transport for FileTransport {
    fn send<'a>(
        &'a self,
        row: &'a outbox::Model,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            tokio::fs::create_dir_all(&self.dir)
                .await
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let path = self.dir.join(Self::file_name(row));
            // Write then rename: a reader never sees half a message.
            let tmp = self.dir.join(format!(".{}.tmp", Self::file_name(row)));
            tokio::fs::write(&tmp, message.formatted())
                .await
                .map_err(|e| format!("{}: {e}", tmp.display()))?;
            tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("{}: {e}", path.display()))
        })
    }
}

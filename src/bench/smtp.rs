//! A local SMTP sink that counts what it receives (the server's mail goes there), and a bare SMTP
//! client that gives the sink's own rate as the floor of delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Counts {
    pub messages: AtomicU64,
    pub bytes: AtomicU64,
    /// Messages with a PDF attached (a letter).
    pub with_pdf: AtomicU64,
}

pub struct Sink {
    pub addr: std::net::SocketAddr,
    pub counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    pub async fn start() -> std::io::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        Ok(Sink { addr, counts, task })
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> u64 {
        self.counts.messages.load(Ordering::Relaxed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, counts: Arc<Counts>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 bench.smtp ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 bench.smtp\r\n"
        } else if upper.starts_with("MAIL FROM:")
            || upper.starts_with("RCPT TO:")
            || upper == "RSET"
            || upper == "NOOP"
        {
            b"250 OK\r\n"
        } else if upper == "DATA" {
            if write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await.is_err() {
                return;
            }
            let (mut bytes, mut pdf) = (0u64, false);
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                bytes += line.len() as u64;
                pdf = pdf || line.to_ascii_lowercase().contains("application/pdf");
            }
            counts.bytes.fetch_add(bytes, Ordering::Relaxed);
            counts.with_pdf.fetch_add(u64::from(pdf), Ordering::Relaxed);
            counts.messages.fetch_add(1, Ordering::Relaxed);
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else {
            b"502 Command not implemented\r\n"
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// Sends `count` messages of about `size` bytes each over one connection, the bare protocol
/// without a library; the time it took.
pub async fn bare_client(
    addr: std::net::SocketAddr,
    count: u64,
    size: usize,
) -> std::io::Result<Duration> {
    let stream = TcpStream::connect(addr).await?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut reply = String::new();
    let mut expect = async |lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>| {
        reply.clear();
        lines.read_line(&mut reply).await.map(|_| ())
    };
    // A body of base64-like lines, as an email with a PDF attached is.
    let mut body = String::from("Subject: vloer\r\nContent-Type: text/plain\r\n\r\n");
    while body.len() < size {
        body.push_str(
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n",
        );
    }
    body.push_str(".\r\n");
    let start = Instant::now();
    expect(&mut lines).await?;
    write.write_all(b"EHLO bench\r\n").await?;
    expect(&mut lines).await?;
    for _ in 0..count {
        write.write_all(b"MAIL FROM:<vloer@bench.example>\r\n").await?;
        expect(&mut lines).await?;
        write.write_all(b"RCPT TO:<sink@bench.example>\r\n").await?;
        expect(&mut lines).await?;
        write.write_all(b"DATA\r\n").await?;
        expect(&mut lines).await?;
        write.write_all(body.as_bytes()).await?;
        expect(&mut lines).await?;
    }
    write.write_all(b"QUIT\r\n").await?;
    expect(&mut lines).await?;
    Ok(start.elapsed())
}

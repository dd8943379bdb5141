//! A small SMTP receiver for tests, on 127.0.0.1: greeting, EHLO/HELO, MAIL, RCPT, DATA until
//! `.`, RSET, NOOP, QUIT. It captures every accepted message; it can refuse (4xx or 5xx) and it
//! can be down (stopped) and come back on the same port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// `451` to MAIL: try again later.
    RefuseTemporarily,
    /// `554` to MAIL.
    RefusePermanently,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The value of a top-level header (unfolded), e.g. `Message-ID`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value
    }
}

struct Shared {
    mode: Mode,
    messages: Vec<Received>,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let mut s = SmtpServer {
            addr: "127.0.0.1:0".parse().expect("addr"),
            shared: Arc::new(Mutex::new(Shared { mode: Mode::Accept, messages: Vec::new() })),
            task: None,
        };
        s.listen().await;
        s
    }

    /// Listens (again) on `addr`; the first time, on a free port.
    async fn listen(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("bind the test SMTP server");
        self.addr = listener.local_addr().expect("local addr");
        let shared = self.shared.clone();
        self.task = Some(tokio::spawn(async move {
            // Connections live in the set: stopping the server drops them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        connections.spawn(session(stream, shared.clone()));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        }));
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().expect("lock").mode = mode;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").messages.clone()
    }

    /// The server goes down: connections are refused.
    pub async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    /// Back up, on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.listen().await;
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 test.smtp ESMTP\r\n").await.is_err() {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let answer: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250 test.smtp\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            match shared.lock().expect("lock").mode {
                Mode::Accept => {
                    from = cmd[10..].trim().to_string();
                    to.clear();
                    "250 OK\r\n".into()
                }
                Mode::RefuseTemporarily => "451 4.3.0 Try again later\r\n".into(),
                Mode::RefusePermanently => "554 5.7.1 Refused\r\n".into(),
            }
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd[8..].trim().trim_start_matches('<').trim_end_matches('>').to_string());
            "250 OK\r\n".into()
        } else if upper == "DATA" {
            if write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            loop {
                let mut l = String::new();
                match lines.read_line(&mut l).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 4.5.2).
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            shared.lock().expect("lock").messages.push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            "250 OK queued\r\n".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 OK\r\n".into()
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else {
            "502 Command not implemented\r\n".into()
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Decodes standard base64 (with or without line breaks); for attachments and encoded words.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Decodes a header value with RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
pub fn decode_header(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !before.trim().is_empty() {
            out.push_str(before);
        }
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text = &parts[2][..end];
        let bytes = if parts[1].eq_ignore_ascii_case("b") {
            base64_decode(text)
        } else {
            let mut b = Vec::new();
            let t = text.as_bytes();
            let mut i = 0;
            while i < t.len() {
                match t[i] {
                    b'_' => b.push(b' '),
                    b'=' if i + 2 < t.len() => {
                        let hex = std::str::from_utf8(&t[i + 1..i + 3]).unwrap_or("");
                        b.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                        i += 2;
                    }
                    c => b.push(c),
                }
                i += 1;
            }
            b
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &parts[2][end + 2..];
    }
    out.push_str(rest);
    out
}

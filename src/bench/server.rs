//! The service under measurement: `tuinier serve` as a child process on its own port, so its memory
//! is read alone from `/proc/<pid>/status`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a server is started.
pub struct Launch<'a> {
    pub exe: &'a Path,
    pub database: &'a str,
    /// The working directory (the demo tokens land there for PostgreSQL) and its log files.
    pub dir: &'a Path,
    /// With the demo's clock (`serve --demo`), so staff can move time through the call's stages.
    pub demo: bool,
    /// SMTP for the mail worker; without it the worker writes files into `dir`.
    pub smtp_url: Option<String>,
    /// Seconds between the mail worker's passes.
    pub mail_interval: u64,
    pub label: &'a str,
}

pub struct Server {
    child: Child,
    pub base: String,
    /// From the spawn to the first `/health` 200.
    pub ready_after: Duration,
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    pub async fn start(l: &Launch<'_>) -> Result<Server, String> {
        let port = free_port().map_err(|e| format!("a free port: {e}"))?;
        let log = |ext: &str| -> Result<std::fs::File, String> {
            let p = l.dir.join(format!("serve-{}.{ext}", l.label));
            std::fs::File::create(&p).map_err(|e| format!("{}: {e}", p.display()))
        };
        let mut cmd = Command::new(l.exe);
        cmd.arg("serve")
            .args(["--bind", &format!("127.0.0.1:{port}"), "--database", l.database])
            .args(["--mail-interval", &l.mail_interval.to_string()])
            .args(["--scheduler-interval", "100000"])
            // A close or publication at 10,000 applications may outlast the default 30 s on a
            // slow machine; the bench measures it rather than cutting it off.
            .args(["--request-timeout", "3600"])
            .arg("--outbox-dir")
            .arg(l.dir.join(format!("outbox-{}", l.label)))
            // Warnings only, unless a profiling run asks for more (TUINIER_BENCH_SERVE_LOG, as
            // TUINIER_LOG, e.g. `tuinier=debug`).
            .env("TUINIER_LOG", std::env::var("TUINIER_BENCH_SERVE_LOG").unwrap_or("warn".into()))
            .env_remove("DATABASE_URL")
            .env_remove("TUINIER_SMTP_URL")
            .current_dir(l.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log("out")?))
            .stderr(Stdio::from(log("err")?));
        if l.demo {
            cmd.arg("--demo");
        }
        if let Some(url) = &l.smtp_url {
            cmd.args(["--smtp-url", url]);
        }
        let started = Instant::now();
        let child = cmd.spawn().map_err(|e| format!("{}: {e}", l.exe.display()))?;
        let mut server =
            Server { child, base: format!("http://127.0.0.1:{port}"), ready_after: Duration::ZERO };
        let http = reqwest::Client::new();
        let deadline = started + Duration::from_secs(300);
        loop {
            if let Ok(r) = http.get(format!("{}/health", server.base)).send().await
                && r.status().is_success()
            {
                server.ready_after = started.elapsed();
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "serve exited with {status} before answering /health; see {}",
                    l.dir.join(format!("serve-{}.err", l.label)).display()
                ));
            }
            if Instant::now() > deadline {
                return Err("serve did not answer /health within 300 s".into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> Memory {
        Memory::of(&format!("/proc/{}/status", self.pid()))
    }

    /// Stops it (SIGKILL: nothing is left to flush that the measurement needs).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory in bytes: now (VmRSS) and the peak (VmHWM).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Memory {
    pub rss: u64,
    pub peak: u64,
}

impl Memory {
    pub fn of(status_file: &str) -> Memory {
        let text = std::fs::read_to_string(status_file).unwrap_or_default();
        let field = |name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024)
        };
        Memory { rss: field("VmRSS:"), peak: field("VmHWM:") }
    }

    pub fn own() -> Memory {
        Memory::of("/proc/self/status")
    }
}

/// `STAFF`'s token from the `demo-tokens.txt` that `serve --demo` wrote.
pub fn staff_token(file: &PathBuf) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("STAFF='"))
        .and_then(|rest| rest.split('\'').next())
        .map(str::to_string)
        .ok_or_else(|| format!("no STAFF token in {}", file.display()))
}

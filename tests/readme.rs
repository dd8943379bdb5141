//! The README holds: its shell blocks marked `sh runnable` run, in order and as written, with
//! bash against a fresh `tuinier serve --demo` (in the directory where it keeps
//! `demo-tokens.txt`, with `API` set to where it listens and every demo token in the
//! environment). Blocks marked plain `sh` are illustrations the README says are not run.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `sh runnable` blocks of the README, in order.
fn runnable_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match current.as_mut() {
            None if line.trim_start().starts_with("```sh runnable") => {
                current = Some(String::new())
            }
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    blocks
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_shell_block_of_the_readme_is_runnable_or_an_illustration() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let mut fence_open = false;
    for (i, line) in readme.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if !fence_open && (info == "sh" || info == "bash") {
                // An illustration says so, or is one of the two commands a newcomer types.
                let next: Vec<&str> = readme.lines().skip(i + 1).take(2).collect();
                let ok = next.iter().any(|l| l.contains("illustration"))
                    || next.first().is_some_and(|l| {
                        l.starts_with("cargo run -- serve --demo")
                            || l.starts_with("cargo test --workspace")
                    });
                assert!(
                    ok,
                    "README line {}: a shell block neither `sh runnable` nor marked as an illustration",
                    i + 1
                );
            }
            fence_open = !fence_open;
        }
    }
    assert!(runnable_blocks(&readme).len() >= 4);
}

#[test]
fn the_readmes_runnable_blocks_run_against_serve_demo() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let blocks = runnable_blocks(&readme);
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuinier"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database",
            "sqlite://tuinier.sqlite?mode=rwc",
        ])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("TUINIER_SMTP_URL")
        .env("TUINIER_OUTBOX_DIR", dir.path().join("outbox"))
        .env_remove("TUINIER_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(dir.path().join("stderr.log")).unwrap()))
        .spawn()
        .expect("start tuinier serve --demo");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let started = Instant::now();
    let mut printed = Vec::new();
    let mut addr = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Tuinier listens on http://") {
            addr = rest.split_whitespace().next().map(str::to_string);
            break;
        }
        printed.push(line);
        assert!(started.elapsed() < Duration::from_secs(300), "serve --demo did not start");
    }
    let addr = addr.unwrap_or_else(|| {
        panic!("serve --demo ended before it listened:\n{}", printed.join("\n"))
    });
    println!("serve --demo printed:\n{}", printed.join("\n"));
    // A newcomer's first screen: the seeding's own requests and the migrations are not logged.
    let logged = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    let noise: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("tuinier::access") || l.contains("Applying migration"))
        .collect();
    assert!(noise.is_empty(), "serve --demo logged its seeding: {} lines\n{logged}", noise.len());
    assert!(dir.path().join("demo-tokens.txt").is_file());

    let script = format!("set -euo pipefail\n{}", blocks.join("\n"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("API", format!("http://{addr}/v1"))
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the README's runnable blocks failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // Every step of the region's integration answered a success.
    let steps: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.starts_with("read the call")
                || l.starts_with("create the draft")
                || l.starts_with("fill in")
                || l.starts_with("write the budget")
                || l.starts_with("upload the plan")
                || l.starts_with("commitment ")
                || l.starts_with("submit")
        })
        .collect();
    assert!(steps.len() >= 10, "{stdout}");
    for s in steps {
        let status: u16 = s.split_whitespace().last().and_then(|x| x.parse().ok()).unwrap_or(0);
        assert!((200..300).contains(&status), "step failed: {s}");
    }
    assert!(stdout.contains("conflicted assessor on friesland: 403"), "{stdout}");
    drop(server);
}

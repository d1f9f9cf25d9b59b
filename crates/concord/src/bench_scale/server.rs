//! `concord serve` as a child process of the bench: started on a free port, ready when `/readyz`
//! answers 200, measured through /proc, killed with SIGKILL (also when dropped, so a failed
//! bench never leaves a server behind).

use anyhow::Context;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Recovery of a big base takes a while; a server that has not answered by then is stuck.
const READY_DEADLINE: Duration = Duration::from_secs(3_600);
const POLL_EVERY: Duration = Duration::from_millis(50);

/// A running `concord serve`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
    log: PathBuf,
}

/// How a start went: time from spawn to the first `/readyz` 200, and the customers it reported.
#[derive(Debug, Clone, Copy)]
pub struct Ready {
    pub seconds: f64,
    pub customers: u64,
}

impl Server {
    /// Spawns `exe serve` on `data` with `admin_key`, logging to `log`, and waits until ready.
    pub fn start(
        exe: &Path,
        strategy: &Path,
        data: &Path,
        admin_key: &str,
        log: &Path,
        snapshot_after_mib: u64,
    ) -> anyhow::Result<(Server, Ready)> {
        let port = free_port()?;
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let started = Instant::now();
        let child = Command::new(exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--strategy")
            .arg(strategy)
            .arg("--data")
            .arg(data)
            .args(["--snapshot-after-mib", &snapshot_after_mib.to_string()])
            .env(crate::keys::KEYS_ENV, format!("admin={admin_key}"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {} serve", exe.display()))?;
        let mut server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
        };
        let customers = server.wait_ready()?;
        let ready = Ready {
            seconds: started.elapsed().as_secs_f64(),
            customers,
        };
        Ok((server, ready))
    }

    /// Polls `/readyz` until 200; fails at once if the process exits.
    fn wait_ready(&mut self) -> anyhow::Result<u64> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let deadline = Instant::now() + READY_DEADLINE;
        let url = format!("{}/readyz", self.url);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "concord serve exited ({status}) before it was ready; its log {}:\n{}",
                    self.log.display(),
                    log_tail(&self.log)
                );
            }
            if let Ok(response) = client.get(&url).send()
                && response.status().is_success()
            {
                let body: serde_json::Value = response.json()?;
                return body["customers"]
                    .as_u64()
                    .context("/readyz did not report its customers");
            }
            std::thread::sleep(POLL_EVERY);
        }
        anyhow::bail!(
            "concord serve was not ready after {} s; its log {}:\n{}",
            READY_DEADLINE.as_secs(),
            self.log.display(),
            log_tail(&self.log)
        )
    }

    /// Resident memory of the server process (`VmRSS`), in bytes.
    /// One sample of `/metrics` (the first series named `name`), e.g. recovery seconds.
    pub fn metric(&self, name: &str) -> anyhow::Result<f64> {
        let text = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?
            .get(format!("{}/metrics", self.url))
            .send()?
            .error_for_status()?
            .text()?;
        text.lines()
            .find_map(|line| {
                let (series, value) = line.split_once(' ')?;
                (series == name).then(|| value.trim().parse::<f64>().ok())?
            })
            .with_context(|| format!("/metrics has no {name}"))
    }

    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        proc_status_kb(self.child.id(), "VmRSS:").map(|kb| kb * 1024)
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown, no flush, like a crash.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().context("killing concord serve")?;
        self.child.wait().context("reaping concord serve")?;
        Ok(())
    }

    /// Fails when the process has exited, with the end of its log.
    pub fn ensure_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            anyhow::bail!(
                "concord serve exited ({status}); its log {}:\n{}",
                self.log.display(),
                log_tail(&self.log)
            );
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field of /proc/<pid>/status in kB (Linux only: elsewhere the bench cannot measure memory).
pub fn proc_status_kb(pid: u32, field: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .with_context(|| format!("{path} has no {field} line"))
}

/// A loopback port free right now, for the server about to start.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The last lines of a log, for an error message.
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

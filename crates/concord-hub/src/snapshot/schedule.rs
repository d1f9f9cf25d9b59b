//! Taking snapshots in the background: on a timer once enough was journaled, or sooner when a
//! lot was, so the journal replayed on open stays short.

use crate::hub::Hub;
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// When the background thread takes a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Take one this often, if at least `min_bytes` were journaled since the last.
    pub every: Duration,
    pub min_bytes: u64,
    /// Take one as soon as this much was journaled since the last (bounds replay on open).
    pub max_bytes: u64,
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(600),
            min_bytes: 1 << 20,
            max_bytes: 512 << 20,
        }
    }
}

/// The background snapshot thread; [`Snapshotter::stop`] (or dropping it) ends it.
#[derive(Debug)]
pub struct Snapshotter {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

/// How often the thread looks at the journal's growth.
const CHECK: Duration = Duration::from_secs(5);

impl Snapshotter {
    /// Starts the thread. It holds the hub weakly: dropping the hub ends it too.
    pub fn start(hub: &Arc<Hub>, policy: SnapshotPolicy) -> std::io::Result<Self> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let hub = Arc::downgrade(hub);
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("concord-snapshot".into())
            .spawn(move || run(&hub, policy, &flag))?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }

    /// Ends the thread, waiting for a snapshot in progress to finish.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        *self.stop.0.lock() = true;
        self.stop.1.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Snapshotter {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(hub: &Weak<Hub>, policy: SnapshotPolicy, stop: &(Mutex<bool>, Condvar)) {
    let mut since = Instant::now();
    loop {
        {
            let mut stopped = stop.0.lock();
            if !*stopped {
                stop.1.wait_for(&mut stopped, CHECK.min(policy.every));
            }
            if *stopped {
                return;
            }
        }
        let Some(hub) = hub.upgrade() else {
            return;
        };
        let grown = hub.journal_bytes_since_snapshot();
        let due = (since.elapsed() >= policy.every && grown >= policy.min_bytes)
            || grown >= policy.max_bytes;
        if due {
            match hub.snapshot() {
                Ok(_) => since = Instant::now(),
                Err(e) => tracing::error!(error = %e, "snapshot failed; will retry"),
            }
        }
    }
}

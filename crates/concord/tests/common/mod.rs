//! Helpers the real-binary test files share. (Each test file uses some of them.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A loopback port free right now, for a server the test is about to start.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The repository root (examples/ lives there).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the `concord` binary with `args` to completion.
pub fn concord(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .output()
        .expect("runs")
}

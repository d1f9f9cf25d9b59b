//! `concord bench decide` end to end on a small run: the generated strategy loads, every
//! decision answers, and the latency row is printed.

use std::process::Command;

#[test]
fn bench_decide_prints_its_latency_row() {
    let output = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args([
            "bench",
            "decide",
            "--actions",
            "120",
            "--subscribers",
            "300",
            "--decisions",
            "200",
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("concord bench decide: 120 generated actions"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("| 120 |"))
        .unwrap_or_else(|| panic!("no latency row: {stdout}"));
    // p50 .. max, then throughput and the number of actions returned (3 per decision).
    assert_eq!(row.matches(" us |").count(), 6, "{row}");
    assert!(row.trim_end().ends_with("| 3.00 |"), "{row}");
}

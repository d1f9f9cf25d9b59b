//! `concord bench scale` end to end on a small base: the real binary generates partitions,
//! loads them with `concord load`, posts events to `concord serve`, kills and recovers it, and
//! prints every row with numbers that parse (no speed is asserted).

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_concord");

fn bench_scale(folder: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args([
            "bench",
            "scale",
            "--subscribers",
            "4000",
            "--partition",
            "1000",
        ])
        .args(["--days", "1", "--batch", "3000"])
        .arg("--data")
        .arg(folder)
        .args(extra)
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs")
}

/// The cells of the table row whose first cell starts with `step`.
fn cells<'a>(stdout: &'a str, step: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("| {step}")))
        .unwrap_or_else(|| panic!("no `{step}` row in:\n{stdout}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}

/// The first number in a cell.
fn number(cell: &str) -> f64 {
    cell.split_whitespace()
        .find_map(|word| word.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no number in `{cell}`"))
}

#[test]
fn bench_scale_reports_every_row_and_cleans_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("scale");
    let output = bench_scale(&folder, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (step, timed) in [
        ("generate (context)", true),
        ("bulk load", true),
        ("data folder after load", false),
        ("serve start after load", true),
        ("events over HTTP", true),
        ("serve memory after events", false),
        ("data folder after events", false),
        ("recovery after kill -9", true),
        ("serve memory after recovery", false),
    ] {
        let row = cells(&stdout, step);
        assert_eq!(row.len(), 4, "{row:?}");
        if timed {
            assert!(number(row[2]) >= 0.0, "{row:?}");
        }
        // The recovery row's detail starts with the snapshot restore time, which rounds to
        // 0.00 s for a base this small.
        assert!(
            number(row[3]) > 0.0 || step.starts_with("recovery"),
            "{row:?}"
        );
    }
    assert!(
        cells(&stdout, "bulk load")[1].starts_with("4000 rows"),
        "{stdout}"
    );
    assert!(
        cells(&stdout, "bulk load")[3].contains("rows/s"),
        "{stdout}"
    );
    assert!(
        cells(&stdout, "events over HTTP")[3].contains("events/s"),
        "{stdout}"
    );
    assert!(cells(&stdout, "recovery after kill -9")[1].starts_with("4000 customers"));
    for memory in ["serve memory after events", "serve memory after recovery"] {
        assert!(
            cells(&stdout, memory)[3].contains("bytes/subscriber"),
            "{stdout}"
        );
    }
    assert!(!folder.exists(), "the folder is removed without --keep");
}

#[test]
fn bench_scale_refuses_a_folder_that_holds_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("precious.txt"), "keep me").expect("write");
    let output = bench_scale(dir.path(), &["--keep"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("new or empty folder"), "{stderr}");
    assert!(dir.path().join("precious.txt").exists());
}

#[test]
fn bench_scale_fails_loudly_and_keeps_its_folder_for_inspection() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A strategy whose profile types `home_cell` as a number: the simulated base does not fit.
    let strategy = dir.path().join("strategy");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco"),
        &strategy,
    );
    let profile = strategy.join("profile.yaml");
    let text = std::fs::read_to_string(&profile).expect("read");
    assert!(
        text.contains("  home_cell: string"),
        "the example declares home_cell"
    );
    let text = text.replace("  home_cell: string", "  home_cell: number");
    std::fs::write(&profile, text).expect("write");

    let folder = dir.path().join("scale");
    let output = bench_scale(&folder, &["--strategy", strategy.to_str().expect("utf-8")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bench scale failed"), "{stderr}");
    assert!(stderr.contains("home_cell"), "{stderr}");
    assert!(folder.exists(), "a failed run keeps its folder");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

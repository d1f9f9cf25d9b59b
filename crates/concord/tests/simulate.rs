//! `concord simulate` through the real binary: the live strategy and a candidate that
//! switches off the live strategy's most-reached action, over one data folder. The tables
//! add up (CSV read back; JSON and Parquet written too), the candidate reaches nobody with
//! the action switched off, the data folder's bytes, KPIs and decision count are the same
//! after every run, and bad input is refused naming the flag.

mod common;

use common::{concord, copy_dir, repo};
use concord_hub::Hub;
use concord_model::{ChannelId, Timestamp};
use concord_strategy::Strategy;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SUBSCRIBERS: usize = 800;
const SAMPLE: u64 = 500;

/// A data folder over a simulated base with two weeks of events, a USSD decision for every
/// customer and responses to a third of them; the time after it all, the KPIs' impressions and
/// the decisions kept.
fn data_folder(data: &Path, strategy_dir: &Path) -> (Timestamp, u64, usize) {
    let start = Timestamp::from_second(1_795_428_000).expect("time");
    let end = Timestamp::from_second(start.as_second() + 14 * 86_400).expect("time");
    let strategy = Arc::new(Strategy::load(strategy_dir).expect("loads"));
    let mut operator = concord_sim::Operator::new(
        concord_sim::SimConfig {
            seed: 9,
            subscribers: SUBSCRIBERS,
            start,
            activity_scale: 0.05,
            ..concord_sim::SimConfig::default()
        },
        &[],
    )
    .expect("sim builds");
    let rows = operator.base_rows();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Hub::open(data, strategy).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    rt.block_on(hub.ingest(operator.events_until(end)))
        .expect("ingests");
    let ids: Vec<_> = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    for (k, id) in ids.iter().enumerate() {
        let request = concord_decide::DecisionRequest {
            channel: ChannelId::new("ussd"),
            context: Default::default(),
            limit: None,
            placement: None,
            explain: false,
        };
        let time = Timestamp::from_second(end.as_second() + k as i64).expect("time");
        let decision = rt.block_on(hub.decide(id, request, time)).expect("decides");
        if let Some(top) = decision.record.actions.first() {
            let outcome = if k % 3 == 0 {
                concord_model::Outcome::Accepted
            } else {
                concord_model::Outcome::Declined
            };
            rt.block_on(hub.respond(&decision.record.decision_id, &top.action_id, outcome, time))
                .expect("responds");
        }
    }
    let now = Timestamp::from_second(end.as_second() + 3_600).expect("time");
    (now, hub.kpis().total.impressions, hub.decisions_kept())
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.insert(path.clone(), std::fs::read(&path).expect("readable"));
        }
    }
    out
}

/// A copy of the example strategy in `dir` with `action`'s eligibility made false.
fn without(action: &str, dir: &Path) -> PathBuf {
    let candidate = dir.join("candidate");
    copy_dir(&repo().join("examples/telco"), &candidate);
    let id_line = format!("  - id: {action}");
    for entry in std::fs::read_dir(candidate.join("actions"))
        .expect("actions")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).expect("readable");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let Some(first) = lines.iter().position(|l| *l == id_line) else {
            continue;
        };
        let end = (first + 1..lines.len())
            .find(|&i| lines[i].starts_with("  - ") || !lines[i].starts_with(' '))
            .unwrap_or(lines.len());
        let switched_off = "    eligibility: \"false\"".to_owned();
        match (first..end).find(|&i| lines[i].starts_with("    eligibility:")) {
            Some(i) => lines[i] = switched_off,
            None => lines.insert(first + 1, switched_off),
        }
        std::fs::write(entry.path(), lines.join("\n") + "\n").expect("written");
        return candidate;
    }
    panic!("no action {action} in examples/telco/actions");
}

/// One row of the CSV.
#[derive(Debug, Clone)]
struct Row {
    channel: String,
    action: String,
    customers: u64,
    slots: u64,
    reach: u64,
    no_action: u64,
    impressions: u64,
    expected_accepts: f64,
}

fn read_csv(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let header = reader.headers().expect("header").clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let columns = [
        "channel",
        "action",
        "customers",
        "slots",
        "reach",
        "no_action",
        "impressions",
        "expected_accepts",
    ]
    .map(at);
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            let count = |i: usize| r[columns[i]].parse::<u64>().expect("count");
            Row {
                channel: r[columns[0]].to_owned(),
                action: r[columns[1]].to_owned(),
                customers: count(2),
                slots: count(3),
                reach: count(4),
                no_action: count(5),
                impressions: count(6),
                expected_accepts: r[columns[7]].parse().expect("number"),
            }
        })
        .collect()
}

/// What each row promises, and that the channel totals and the all-channel rows add up.
fn check_adds_up(rows: &[Row], strategy: &Strategy) {
    fn channel_rows<'r>(rows: &'r [Row], channel: &'r str) -> impl Iterator<Item = &'r Row> {
        rows.iter().filter(move |r| r.channel == channel)
    }
    let mut channels: Vec<&str> = rows
        .iter()
        .filter(|r| !r.channel.is_empty())
        .map(|r| r.channel.as_str())
        .collect();
    channels.dedup();
    assert_eq!(channels.len(), strategy.channels().len(), "{channels:?}");
    for r in rows {
        assert!(r.reach <= r.customers && r.reach <= r.impressions, "{r:?}");
        assert_eq!(r.no_action, r.customers - r.reach, "{r:?}");
        assert!(r.impressions <= r.customers * r.slots, "{r:?}");
        assert!(r.expected_accepts <= r.impressions as f64, "{r:?}");
    }
    for channel in channels {
        let slots = strategy
            .channel(channel)
            .map(|c| c.max_actions.min(strategy.default_limit()))
            .expect("declared");
        let (total, actions): (Vec<&Row>, Vec<&Row>) =
            channel_rows(rows, channel).partition(|r| r.action.is_empty());
        let [total] = total[..] else {
            panic!("one total row for {channel}: {total:?}");
        };
        assert_eq!((total.customers, total.slots), (SAMPLE, slots as u64));
        let placed: u64 = actions.iter().map(|r| r.impressions).sum();
        assert_eq!(total.impressions, placed, "{channel}");
        for a in &actions {
            assert_eq!((a.reach, a.slots), (a.impressions, total.slots), "{a:?}");
        }
    }
    for overall in channel_rows(rows, "") {
        let per_channel: Vec<&Row> = rows
            .iter()
            .filter(|r| !r.channel.is_empty() && r.action == overall.action)
            .collect();
        let impressions: u64 = per_channel.iter().map(|r| r.impressions).sum();
        assert_eq!(overall.impressions, impressions, "{overall:?}");
        let most = per_channel.iter().map(|r| r.reach).max().unwrap_or(0);
        assert!(overall.reach >= most, "{overall:?}");
    }
}

#[test]
fn a_candidate_strategy_runs_over_the_base_and_leaves_the_data_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let telco = repo().join("examples/telco");
    let (now, impressions, decisions) = data_folder(&data, &telco);
    let at = now.to_string();
    let sample = SAMPLE.to_string();
    let simulate = |strategy: &Path, args: &[&OsStr]| {
        let mut all: Vec<&OsStr> = vec![
            "simulate".as_ref(),
            "--strategy".as_ref(),
            strategy.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--at".as_ref(),
            at.as_ref(),
        ];
        all.extend_from_slice(args);
        concord(&all)
    };
    let succeeds = |out: std::process::Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let kpis = |name: &str| {
        let path = dir.path().join(name);
        succeeds(concord(&[
            "export".as_ref(),
            "kpis".as_ref(),
            "--strategy".as_ref(),
            telco.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--by".as_ref(),
            "action,channel,arm".as_ref(),
            path.as_os_str(),
        ]));
        std::fs::read_to_string(path).expect("kpis")
    };
    let kpis_before = kpis("kpis-before.csv");
    let before = files(&data);
    assert!(before.keys().any(|p| p.extension() == Some("seg".as_ref())));

    // The live strategy: the table adds up, in CSV, JSON and Parquet alike.
    let strategy = Strategy::load(&telco).expect("loads");
    let live = dir.path().join("live.csv");
    let printed = succeeds(simulate(
        &telco,
        &["--sample".as_ref(), sample.as_ref(), live.as_os_str()],
    ));
    assert!(
        printed.contains(&format!("{SAMPLE} of {SUBSCRIBERS} customers")),
        "{printed}"
    );
    let rows = read_csv(&live);
    check_adds_up(&rows, &strategy);
    let json = dir.path().join("live.json");
    succeeds(simulate(
        &telco,
        &["--sample".as_ref(), sample.as_ref(), json.as_os_str()],
    ));
    let objects: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parses");
    assert_eq!(objects.len(), rows.len());
    let ussd_total = objects
        .iter()
        .find(|o| o["channel"] == "ussd" && o["action"].is_null())
        .expect("the ussd total");
    let ussd = rows
        .iter()
        .find(|r| r.channel == "ussd" && r.action.is_empty())
        .expect("the ussd total");
    assert_eq!(ussd_total["impressions"], ussd.impressions);
    let parquet = dir.path().join("live.parquet");
    succeeds(simulate(
        &telco,
        &["--sample".as_ref(), sample.as_ref(), parquet.as_os_str()],
    ));
    let bytes = std::fs::read(&parquet).expect("parquet written");
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let table = succeeds(simulate(&telco, &["--sample".as_ref(), sample.as_ref()]));
    assert!(
        table.contains(&format!("ussd: {SAMPLE} decided")),
        "{table}"
    );

    // A candidate without the live strategy's most-reached action reaches nobody with it.
    let top = rows
        .iter()
        .filter(|r| r.channel.is_empty())
        .max_by_key(|r| r.reach)
        .expect("all-channel rows");
    assert!(top.reach > 0, "{top:?}");
    let candidate = without(&top.action, dir.path());
    let switched = dir.path().join("candidate.csv");
    succeeds(simulate(
        &candidate,
        &["--sample".as_ref(), sample.as_ref(), switched.as_os_str()],
    ));
    let candidate_rows = read_csv(&switched);
    check_adds_up(&candidate_rows, &Strategy::load(&candidate).expect("loads"));
    let of_top: Vec<&Row> = candidate_rows
        .iter()
        .filter(|r| r.action == top.action)
        .collect();
    assert!(!of_top.is_empty());
    assert!(
        of_top.iter().all(|r| r.reach == 0 && r.impressions == 0),
        "{of_top:?}"
    );
    let placed = |rows: &[Row]| -> u64 {
        rows.iter()
            .filter(|r| r.action.is_empty())
            .map(|r| r.impressions)
            .sum()
    };
    assert!(placed(&candidate_rows) > 0, "the other actions still place");

    // Dry runs: the same bytes, the same KPIs, the same decisions.
    let after = files(&data);
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "the data folder changed: {changed:?}");
    assert_eq!(kpis("kpis-after.csv"), kpis_before);
    let hub = Hub::open(&data, Arc::new(strategy)).expect("reopens");
    assert_eq!(hub.kpis().total.impressions, impressions);
    assert_eq!(hub.decisions_kept(), decisions);
    drop(hub);

    // Refusals name the flag and say why; nothing is written.
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(&broken).expect("created");
    let check = |strategy: &Path, args: &[&OsStr], expected: &[&str]| {
        let out = simulate(strategy, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        for fragment in expected {
            assert!(
                stderr.contains(fragment),
                "{args:?}: `{fragment}` in {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    check(
        &telco,
        &["--channel".as_ref(), "ussd,fax".as_ref()],
        &[
            "--channel",
            "unknown channel \"fax\"",
            "ussd, call_centre, app",
        ],
    );
    check(
        &telco,
        &["--sample".as_ref(), "-3".as_ref()],
        &["--sample", "negative"],
    );
    check(&broken, &[], &["--strategy", "invalid"]);
    let xlsx = dir.path().join("x.xlsx");
    check(&telco, &[xlsx.as_os_str()], &[".csv, .parquet or .json"]);
    assert!(!xlsx.exists());
    let out = concord(&[
        "simulate".as_ref(),
        "--strategy".as_ref(),
        telco.as_os_str(),
        "--data".as_ref(),
        dir.path().join("nowhere").as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--data") && stderr.contains("not a Concord data folder"),
        "{stderr}"
    );
}

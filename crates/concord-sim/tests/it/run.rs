//! One shared 90-day run of a 10k-subscriber operator, summarised in a single pass, that the
//! event and truth tests read (running it once keeps the suite fast in debug builds).

use crate::{catalog, days_after};
use concord_model::{Event, EventKind, EventType, Value};
use concord_sim::{Operator, SimConfig};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

pub const SUBSCRIBERS: usize = 10_000;
pub const DAYS: i64 = 90;

#[derive(Debug, Default)]
pub struct RunStats {
    pub n_events: u64,
    pub counts: BTreeMap<EventType, u64>,
    pub out_of_order: u64,
    pub bad_ids: u64,
    pub outside_window: u64,
    pub events_after_port_out: u64,
    pub dropped_total: u64,
    pub dropped_on_bad_cells: u64,
    pub calls_on_bad_home: u64,
    pub drops_on_bad_home: u64,
    pub calls_on_good_home: u64,
    pub drops_on_good_home: u64,
    /// `(subscriber, reason, destination)` of every port-out event.
    pub port_outs: Vec<(usize, String, String)>,
    pub care_reasons: BTreeMap<String, u64>,
    pub bundle_resets: u64,
    pub bundle_fill_went_down_without_reset: u64,
    pub bundle_reports_at_80_to_90: u64,
    pub recharges_by_postpaid: u64,
    pub bills_by_prepaid: u64,
    pub app_sessions_by_feature_phones: u64,
}

pub struct Run {
    pub operator: Operator,
    pub stats: RunStats,
}

pub fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let config = SimConfig::with_seed(5, SUBSCRIBERS);
        let mut operator = Operator::new(config, &catalog()).expect("valid config");
        let stats = summarise(&mut operator);
        Run { operator, stats }
    })
}

fn attr<'a>(op: &'a Operator, idx: usize, key: &str) -> &'a str {
    op.subscribers()[idx]
        .attributes
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn summarise(op: &mut Operator) -> RunStats {
    let start = op.now();
    let until = days_after(start, DAYS);
    let bad_cells: HashSet<String> = op
        .truth()
        .bad_cells()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let n = op.subscribers().len();
    let bad_home: Vec<bool> = (0..n)
        .map(|i| bad_cells.contains(attr(op, i, "home_cell")))
        .collect();
    let prepaid: Vec<bool> = (0..n)
        .map(|i| attr(op, i, "segment") == "prepaid")
        .collect();
    let feature: Vec<bool> = (0..n)
        .map(|i| attr(op, i, "device_type") == "feature_phone")
        .collect();
    let index: HashMap<String, usize> = op
        .subscribers()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.to_string(), i))
        .collect();

    let mut stats = RunStats::default();
    let mut last_time = start;
    let mut gone = vec![false; n];
    let mut last_fill: HashMap<usize, f64> = HashMap::new();
    let mut record = |e: Event| {
        stats.n_events += 1;
        *stats.counts.entry(e.kind.event_type()).or_default() += 1;
        if e.time < last_time {
            stats.out_of_order += 1;
        }
        last_time = e.time;
        if e.event_id.as_str() != format!("sim-{}", stats.n_events) {
            stats.bad_ids += 1;
        }
        if e.time < start || e.time >= until {
            stats.outside_window += 1;
        }
        let Some(&i) = index.get(e.customer_id.as_str()) else {
            return;
        };
        if gone[i] {
            stats.events_after_port_out += 1;
        }
        let is_call = matches!(
            e.kind,
            EventKind::VoiceCall { .. } | EventKind::DroppedCall { .. }
        );
        let dropped = matches!(e.kind, EventKind::DroppedCall { .. });
        if is_call {
            let (calls, drops) = if bad_home[i] {
                (&mut stats.calls_on_bad_home, &mut stats.drops_on_bad_home)
            } else {
                (&mut stats.calls_on_good_home, &mut stats.drops_on_good_home)
            };
            *calls += 1;
            *drops += u64::from(dropped);
        }
        match &e.kind {
            EventKind::DroppedCall { cell } => {
                stats.dropped_total += 1;
                stats.dropped_on_bad_cells += u64::from(bad_cells.contains(cell));
            }
            EventKind::PortOut {
                reason,
                destination,
            } => {
                gone[i] = true;
                stats.port_outs.push((
                    i,
                    reason.clone().unwrap_or_default(),
                    destination.clone().unwrap_or_default(),
                ));
            }
            EventKind::CareContact { reason, .. } => {
                *stats.care_reasons.entry(reason.clone()).or_default() += 1;
            }
            EventKind::BundleUsage {
                used_mb, total_mb, ..
            } => {
                let fill = used_mb / total_mb;
                if *used_mb == 0.0 {
                    stats.bundle_resets += 1;
                } else if last_fill.get(&i).is_some_and(|prev| fill < *prev - 1e-9) {
                    // Only a bigger bundle (an upgrade) may lower the fill without a reset.
                    stats.bundle_fill_went_down_without_reset += 1;
                }
                if (0.8..0.9).contains(&fill) {
                    stats.bundle_reports_at_80_to_90 += 1;
                }
                last_fill.insert(i, fill);
            }
            EventKind::Recharge { .. } if !prepaid[i] => stats.recharges_by_postpaid += 1,
            EventKind::BillIssued { .. } if prepaid[i] => stats.bills_by_prepaid += 1,
            EventKind::AppSession { .. } if feature[i] => stats.app_sessions_by_feature_phones += 1,
            _ => {}
        }
    };
    op.for_each_event_until(until, &mut record);
    stats
}

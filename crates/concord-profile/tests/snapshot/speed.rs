//! How fast one shard of ~150k customers dumps and restores (10M customers over 64 shards).
//! Ignored: run with `cargo test --release -p concord-profile --test snapshot -- --ignored
//! --nocapture`.

use crate::support::{START, customer, event, product, row, schema};
use concord_model::EventKind;
use concord_profile::ProfileStore;
use std::time::Instant;

const ROWS: usize = 150_000;

#[test]
#[ignore = "timing; run in release"]
fn one_full_shard_dumps_and_restores_fast() {
    let store = ProfileStore::new(schema());
    let target = 0;
    let mut loaded = 0;
    let started = Instant::now();
    for n in 0.. {
        if loaded == ROWS {
            break;
        }
        let id = customer(n);
        if store.shard_of(&id) != target {
            continue;
        }
        loaded += 1;
        let holdings = [product(n % 50), product(n % 7)];
        store.upsert(
            &id,
            &row(
                if n % 2 == 0 { "prepaid" } else { "postpaid" },
                n as f64,
                true,
                &[],
            ),
            &holdings,
        );
        for k in 0..6i64 {
            let minute = (n as i64 % 1_000) + k * 300;
            let kind = if k % 2 == 0 {
                EventKind::DroppedCall {
                    cell: format!("C{}", n % 5),
                }
            } else {
                EventKind::Recharge {
                    amount: 20.0 + k as f64,
                    channel: "ussd".into(),
                }
            };
            store.apply_admitted(&event(&format!("e{k}"), n, minute, kind), Some(n as u64));
        }
    }
    let built = started.elapsed();
    let stats = store.stats();
    let mut out = Vec::new();
    let mut dump_best = f64::MAX;
    for _ in 0..5 {
        out.clear();
        let t = Instant::now();
        store.dump_shard(target, &mut out);
        dump_best = dump_best.min(t.elapsed().as_secs_f64());
    }
    let mut symbols = Vec::new();
    store.dump_symbols(&mut symbols);
    let mut restore_best = f64::MAX;
    for _ in 0..std::env::var("REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
    {
        let fresh = ProfileStore::new(schema());
        fresh.restore_symbols(&symbols).expect("symbols");
        let t = Instant::now();
        fresh.restore_shard(target, &out).expect("restores");
        restore_best = restore_best.min(t.elapsed().as_secs_f64());
        assert_eq!(fresh.len(), ROWS);
    }
    let mb = out.len() as f64 / 1e6;
    eprintln!(
        "shard of {ROWS} customers, {} aggregate cells (built in {built:?}): {mb:.1} MB; \
         dump {:.1} ms ({:.0} MB/s), restore {:.1} ms ({:.0} MB/s)",
        stats.aggregate_cells,
        dump_best * 1e3,
        mb / dump_best,
        restore_best * 1e3,
        mb / restore_best,
    );
    let _ = START;
}

//! Bad bytes: every truncation and random flips end in an error or a usable store, never a
//! panic; errors say what was being read.

use crate::support::{Snapshot, customer, dump, event, feed, row, schema};
use concord_model::EventKind;
use concord_profile::{ProfileStore, SnapshotError};
use proptest::prelude::*;

/// A small populated store: a few customers, one of them in `BUSY`'s shard with everything set.
fn populated() -> (ProfileStore, Snapshot, usize) {
    let store = ProfileStore::new(schema());
    for n in 0..4 {
        let holdings: Vec<String> = [1, 5, 65, 66 + n]
            .iter()
            .map(|&p| crate::support::product(p))
            .collect();
        store.upsert(
            &customer(n),
            &row("prepaid", 3.5, true, &["vip"]),
            &holdings,
        );
        for k in 0..4 {
            let minute = k * 30;
            feed(
                &store,
                &event(
                    &format!("d{n}{k}"),
                    n,
                    minute,
                    EventKind::DroppedCall {
                        cell: format!("C{k}"),
                    },
                ),
                0,
            );
            feed(
                &store,
                &event(
                    &format!("r{n}{k}"),
                    n,
                    minute + 1,
                    EventKind::Recharge {
                        amount: 45.0,
                        channel: "ussd".into(),
                    },
                ),
                1,
            );
        }
    }
    let snapshot = dump(&store);
    let busy = store.shard_of(&customer(0));
    (store, snapshot, busy)
}

/// Restores `bytes` as shard `index` of a fresh store that has the symbols; if that works the
/// store must read and take events without panicking.
fn try_shard(snapshot: &Snapshot, index: usize, bytes: &[u8]) -> Result<(), SnapshotError> {
    let store = ProfileStore::new(schema());
    store.restore_symbols(&snapshot.symbols).expect("symbols");
    store.restore_shard(index, bytes)?;
    exercise(&store);
    Ok(())
}

fn exercise(store: &ProfileStore) {
    for n in 0..4 {
        let _ = crate::support::reading(store, &customer(n));
        feed(
            store,
            &event(
                "after",
                n,
                200,
                EventKind::DroppedCall { cell: "C1".into() },
            ),
            9,
        );
        feed(
            store,
            &event(
                "after2",
                n,
                201,
                EventKind::Recharge {
                    amount: 50.0,
                    channel: "app".into(),
                },
            ),
            9,
        );
    }
    let _ = (store.len(), store.stats());
}

/// The body with its checksum recomputed, so the decoder proper sees the damage.
fn resealed(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    bytes.extend_from_slice(&twox_hash::XxHash3_64::oneshot(body).to_le_bytes());
    bytes
}

#[test]
fn every_truncation_is_an_error() {
    let (_, snapshot, busy) = populated();
    let blob = &snapshot.shards[busy];
    let body = &blob[..blob.len() - 8];
    for cut in 0..blob.len() {
        assert!(
            try_shard(&snapshot, busy, &blob[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    for cut in 0..body.len() {
        assert!(
            try_shard(&snapshot, busy, &resealed(&body[..cut])).is_err(),
            "resealed cut at {cut}"
        );
    }
    for (blob, restore) in [
        (
            &snapshot.symbols,
            ProfileStore::restore_symbols as fn(&ProfileStore, &[u8]) -> Result<(), SnapshotError>,
        ),
        (&snapshot.dedup, ProfileStore::restore_dedup),
    ] {
        let body = &blob[..blob.len() - 8];
        for cut in 0..blob.len() {
            assert!(restore(&ProfileStore::new(schema()), &blob[..cut]).is_err());
        }
        for cut in 0..body.len() {
            assert!(restore(&ProfileStore::new(schema()), &resealed(&body[..cut])).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn flipped_bytes_give_an_error_or_a_usable_store(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        reseal in any::<bool>(),
        which in 0u8..3,
    ) {
        let (_, snapshot, busy) = populated();
        let original = match which {
            0 => &snapshot.shards[busy],
            1 => &snapshot.symbols,
            _ => &snapshot.dedup,
        };
        let mut body = original[..original.len() - 8].to_vec();
        for (at, xor) in &flips {
            let at = at.index(body.len());
            body[at] ^= xor;
        }
        let bytes = if reseal { resealed(&body) } else {
            let mut bytes = body.clone();
            bytes.extend_from_slice(&original[original.len() - 8..]);
            bytes
        };
        if !reseal {
            let store = ProfileStore::new(schema());
            let result = match which {
                0 => { store.restore_symbols(&snapshot.symbols).expect("symbols"); store.restore_shard(busy, &bytes).map(|_| ()) }
                1 => store.restore_symbols(&bytes),
                _ => store.restore_dedup(&bytes),
            };
            prop_assert!(result.is_err(), "the checksum catches a flip");
        }
        match which {
            0 => { let _ = try_shard(&snapshot, busy, &bytes); }
            1 => {
                let store = ProfileStore::new(schema());
                if store.restore_symbols(&bytes).is_ok() {
                    // Shards may now refer to strings the damaged table lacks: an error, not a panic.
                    for (index, shard) in snapshot.shards.iter().enumerate() {
                        let _ = store.restore_shard(index, shard);
                    }
                    exercise(&store);
                }
            }
            _ => {
                let store = ProfileStore::new(schema());
                if store.restore_dedup(&bytes).is_ok() {
                    exercise(&store);
                }
            }
        }
    }
}

fn check(result: Result<impl std::fmt::Debug, SnapshotError>, expected: &str) {
    match result {
        Ok(value) => panic!("expected `{expected}`, restored {value:?}"),
        Err(e) => assert!(
            e.to_string().contains(expected),
            "`{e}` should contain `{expected}`"
        ),
    }
}

#[test]
fn errors_say_what_was_read_and_why() {
    let (store, snapshot, busy) = populated();
    let fresh = || {
        let s = ProfileStore::new(schema());
        s.restore_symbols(&snapshot.symbols).expect("symbols");
        s
    };
    let with = |at: usize, byte: u8| {
        let mut bytes = snapshot.shards[busy].clone();
        bytes[at] = byte;
        bytes
    };
    let other = (busy + 1) % store.shard_count();
    check(
        fresh().restore_shard(busy, &with(0, 9)),
        &format!(
            "shard {busy}: snapshot format version 9 is not one this build reads (it reads version 1)"
        ),
    );
    check(
        fresh().restore_shard(busy, &with(1, b'D')),
        &format!("shard {busy}: a dedup snapshot, not a shard snapshot at byte 1"),
    );
    check(
        fresh().restore_shard(busy, &snapshot.dedup),
        "a dedup snapshot, not a shard snapshot",
    );
    check(
        fresh().restore_shard(busy, &with(30, 0)),
        "checksum mismatch",
    );
    check(
        fresh().restore_shard(busy, &[]),
        &format!("shard {busy}: empty at byte 0"),
    );
    check(
        fresh().restore_shard(other, &snapshot.shards[busy]),
        &format!("shard {other}: header: this is a snapshot of shard {busy} at byte 2"),
    );
    check(
        fresh().restore_shard(64, &snapshot.shards[busy]),
        "shard 64 does not exist (the store has 64)",
    );
    let twice = fresh();
    twice
        .restore_shard(busy, &snapshot.shards[busy])
        .expect("first restore");
    check(
        twice.restore_shard(busy, &snapshot.shards[busy]),
        &format!("shard {busy}: the store already holds data there"),
    );
    check(
        twice.restore_symbols(&snapshot.symbols),
        "symbols: the store already holds data there",
    );
    let admitted = ProfileStore::new(schema());
    feed(
        &admitted,
        &event("x", 0, 0, EventKind::DroppedCall { cell: "C".into() }),
        0,
    );
    check(
        admitted.restore_dedup(&snapshot.dedup),
        "dedup index: the store already holds data there",
    );
    check(
        ProfileStore::new(schema()).restore_symbols(&snapshot.dedup),
        "symbols: a dedup snapshot, not a symbols snapshot",
    );
}

#[test]
fn symbols_dumped_before_a_shard_are_caught() {
    // The wrong order: symbols first, then a new string interned, then the shard.
    let store = ProfileStore::new(schema());
    store.upsert(&customer(0), &row("prepaid", 1.0, true, &[]), &[]);
    let mut symbols = Vec::new();
    store.dump_symbols(&mut symbols);
    store.upsert(&customer(0), &row("hybrid", 1.0, true, &[]), &[]);
    let index = store.shard_of(&customer(0));
    let mut shard = Vec::new();
    store.dump_shard(index, &mut shard);
    let restored = ProfileStore::new(schema());
    restored.restore_symbols(&symbols).expect("symbols");
    check(
        restored.restore_shard(index, &shard),
        &format!(
            "shard {index}: column `segment`: customer 0: string id 1, but 1 strings are interned at byte"
        ),
    );
}

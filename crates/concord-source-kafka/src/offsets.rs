//! The offsets to commit: per partition, the last message handled + 1.

use std::collections::BTreeMap;

/// Next offset per partition of the source's topic. Only ever moves forward.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NextOffsets(BTreeMap<i32, i64>);

impl NextOffsets {
    /// Records that the message at `offset` is handled.
    pub(crate) fn handled(&mut self, partition: i32, offset: i64) {
        let next = offset.saturating_add(1);
        let entry = self.0.entry(partition).or_insert(next);
        *entry = (*entry).max(next);
    }

    pub(crate) fn merge(&mut self, other: &NextOffsets) {
        for (&partition, &next) in &other.0 {
            let entry = self.0.entry(partition).or_insert(next);
            *entry = (*entry).max(next);
        }
    }

    pub(crate) fn forget(&mut self, partitions: &[i32]) {
        self.0.retain(|p, _| !partitions.contains(p));
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.0.iter().map(|(&p, &o)| (p, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(handled: &[(i32, i64)]) -> NextOffsets {
        let mut offsets = NextOffsets::default();
        for &(p, o) in handled {
            offsets.handled(p, o);
        }
        offsets
    }

    fn check(offsets: &NextOffsets, expected: &[(i32, i64)]) {
        assert_eq!(offsets.iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn last_handled_plus_one_per_partition() {
        check(&offsets(&[]), &[]);
        check(&offsets(&[(0, 0)]), &[(0, 1)]);
        check(&offsets(&[(0, 4), (1, 9), (0, 5)]), &[(0, 6), (1, 10)]);
        check(&offsets(&[(0, 5), (0, 4)]), &[(0, 6)]);
    }

    #[test]
    fn merge_keeps_the_furthest_and_forget_drops() {
        let mut pending = offsets(&[(0, 9), (1, 1)]);
        pending.merge(&offsets(&[(0, 3), (1, 7), (2, 0)]));
        check(&pending, &[(0, 10), (1, 8), (2, 1)]);
        pending.forget(&[1, 5]);
        check(&pending, &[(0, 10), (2, 1)]);
        pending.clear();
        assert!(pending.is_empty());
    }
}

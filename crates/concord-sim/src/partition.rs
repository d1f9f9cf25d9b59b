//! Slices of one big base, generated one at a time so memory holds a slice, never the whole
//! base: ten million subscribers would need about 47 GB as one [`Operator`].
//!
//! [`Operator`]: crate::Operator

use crate::error::SimError;
use std::ops::Range;

/// Slice `index` of `count` of the base that [`SimConfig::subscribers`] sizes, built by
/// [`Operator::new_partition`](crate::Operator::new_partition). Subscribers are
/// split into contiguous runs of the MSISDN plan, so partitions never share an id and together
/// hold exactly the whole base. Each partition is an operator of its own (its households,
/// social ties and event stream stay inside it) on the shared geography and dealers.
///
/// [`SimConfig::subscribers`]: crate::SimConfig::subscribers
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl Partition {
    /// The whole base in one piece: what [`Operator::new`](crate::Operator::new) builds.
    pub const WHOLE: Partition = Partition { index: 0, count: 1 };

    /// The `count` partitions of a base, in order.
    pub fn all(count: usize) -> impl Iterator<Item = Partition> {
        (0..count).map(move |index| Partition { index, count })
    }

    /// The global subscriber indices (positions in the MSISDN plan) this partition holds out of
    /// a base of `total`; sizes differ by at most one.
    pub fn range(&self, total: usize) -> Range<usize> {
        let count = self.count.max(1) as u128;
        let at = |index: usize| (total as u128 * index as u128 / count) as usize;
        at(self.index)..at(self.index.saturating_add(1).min(self.count))
    }

    /// How many subscribers this partition holds out of a base of `total`.
    pub fn len(&self, total: usize) -> usize {
        self.range(total).len()
    }

    /// True when the partition would hold nobody (more partitions than subscribers).
    pub fn is_empty(&self, total: usize) -> bool {
        self.len(total) == 0
    }

    /// Every partition must exist and hold at least one of the `total` subscribers.
    pub(crate) fn validate(&self, total: usize) -> Result<(), SimError> {
        if self.count == 0 || self.index >= self.count || self.count > total {
            return Err(SimError::Partition {
                index: self.index,
                count: self.count,
                subscribers: total,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected` lists each partition's (start, end).
    fn check(total: usize, count: usize, expected: &[(usize, usize)]) {
        let got: Vec<(usize, usize)> = Partition::all(count)
            .map(|p| p.range(total))
            .map(|r| (r.start, r.end))
            .collect();
        assert_eq!(got, expected, "{total} in {count}");
        let sizes: usize = Partition::all(count).map(|p| p.len(total)).sum();
        assert_eq!(sizes, total);
    }

    #[test]
    fn ranges_tile_the_base() {
        check(10, 1, &[(0, 10)]);
        check(10, 2, &[(0, 5), (5, 10)]);
        check(10, 3, &[(0, 3), (3, 6), (6, 10)]);
        check(3, 3, &[(0, 1), (1, 2), (2, 3)]);
        check(
            10_000_000,
            4,
            &[
                (0, 2_500_000),
                (2_500_000, 5_000_000),
                (5_000_000, 7_500_000),
                (7_500_000, 10_000_000),
            ],
        );
    }

    #[test]
    fn validation() {
        let ok = |index, count, total| Partition { index, count }.validate(total).is_ok();
        assert!(ok(0, 1, 1));
        assert!(ok(2, 3, 3));
        assert!(!ok(0, 0, 10));
        assert!(!ok(3, 3, 10));
        assert!(!ok(0, 4, 3));
    }
}

//! A predictor's state and its bins. The state is counts only: per fine numeric interval (a
//! "micro-bin" about 6% wide, whatever the scale) or per symbol, plus a missing bin, so two
//! nodes' predictors merge by adding counts. The bins a model scores with are derived from
//! those counts (numeric: adjacent micro-bins grouped to equal evidence, up to `max_bins`),
//! so they adapt as data arrives.

use concord_model::{Feature, Value};
use std::collections::BTreeMap;

/// Positive and negative responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub positives: u64,
    pub negatives: u64,
}

impl Counts {
    pub fn evidence(&self) -> u64 {
        self.positives + self.negatives
    }

    pub fn add(&mut self, other: Counts) {
        self.positives += other.positives;
        self.negatives += other.negatives;
    }

    pub fn record(&mut self, positive: bool) {
        if positive {
            self.positives += 1;
        } else {
            self.negatives += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictorKind {
    Numeric,
    Symbolic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PredictorCounts {
    pub kind: PredictorKind,
    /// Numeric: counts per micro-bin key ([`micro_key`]).
    pub numeric: BTreeMap<i64, Counts>,
    /// Symbolic: counts per symbol.
    pub symbols: BTreeMap<String, Counts>,
    pub missing: Counts,
}

pub use concord_model::{micro_key, micro_lower};

/// What a value is to a predictor: a number, a symbol, or missing.
pub(super) enum Reading<'v> {
    Number(f64),
    Symbol(std::borrow::Cow<'v, str>),
    Missing,
}

pub(super) fn read(kind: PredictorKind, value: &Value) -> Reading<'_> {
    match (kind, value) {
        (PredictorKind::Numeric, Value::Num(x)) if x.is_finite() => Reading::Number(*x),
        (PredictorKind::Symbolic, Value::Str(s)) => Reading::Symbol(s.as_str().into()),
        (PredictorKind::Symbolic, Value::Bool(b)) => {
            Reading::Symbol(if *b { "true" } else { "false" }.into())
        }
        (PredictorKind::Symbolic, Value::Num(x)) if x.is_finite() => {
            Reading::Symbol(x.to_string().into())
        }
        _ => Reading::Missing,
    }
}

impl PredictorCounts {
    pub fn new(kind: PredictorKind) -> Self {
        Self {
            kind,
            numeric: BTreeMap::new(),
            symbols: BTreeMap::new(),
            missing: Counts::default(),
        }
    }

    pub fn record(&mut self, value: &Value, positive: bool) {
        match read(self.kind, value) {
            Reading::Number(x) => self.numeric.entry(micro_key(x)).or_default(),
            Reading::Symbol(s) => match self.symbols.get_mut(s.as_ref()) {
                Some(c) => c,
                None => self.symbols.entry(s.into_owned()).or_default(),
            },
            Reading::Missing => &mut self.missing,
        }
        .record(positive);
    }

    /// Adds another node's counts for the same predictor.
    pub fn merge(&mut self, other: &PredictorCounts) {
        for (k, c) in &other.numeric {
            self.numeric.entry(*k).or_default().add(*c);
        }
        for (s, c) in &other.symbols {
            self.symbols.entry(s.clone()).or_default().add(*c);
        }
        self.missing.add(other.missing);
    }

    /// The bins to score with: numeric micro-bins grouped in value order to about equal
    /// evidence, at most `max_bins`; each symbol its own bin; then the missing bin.
    pub fn binning(&self, max_bins: usize) -> Binning {
        match self.kind {
            PredictorKind::Numeric => {
                let total: u64 = self.numeric.values().map(Counts::evidence).sum();
                let target = total.div_ceil(max_bins.max(1) as u64).max(1);
                let mut cuts = Vec::new();
                let mut counts: Vec<Counts> = Vec::new();
                let mut current = Counts::default();
                for (&key, &c) in &self.numeric {
                    if cuts.is_empty() || current.evidence() >= target {
                        if !cuts.is_empty() {
                            counts.push(current);
                        }
                        cuts.push(key);
                        current = Counts::default();
                    }
                    current.add(c);
                }
                if !cuts.is_empty() {
                    counts.push(current);
                }
                Binning {
                    kind: self.kind,
                    cuts,
                    symbols: Vec::new(),
                    hashes: Vec::new(),
                    counts,
                    missing: self.missing,
                }
            }
            PredictorKind::Symbolic => {
                let mut hashes: Vec<(u64, usize)> = self
                    .symbols
                    .keys()
                    .enumerate()
                    .map(|(bin, s)| (concord_model::symbol_hash(s), bin))
                    .collect();
                hashes.sort_unstable();
                Binning {
                    kind: self.kind,
                    cuts: Vec::new(),
                    symbols: self.symbols.keys().cloned().collect(),
                    hashes,
                    counts: self.symbols.values().copied().collect(),
                    missing: self.missing,
                }
            }
        }
    }
}

/// A predictor's bins: value intervals (numeric: each starts at its `cuts` micro-bin) or
/// symbols, and the missing bin last. A value the bins have not seen (a new symbol) falls in
/// the missing bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Binning {
    pub kind: PredictorKind,
    pub cuts: Vec<i64>,
    pub symbols: Vec<String>,
    /// (symbol hash, bin), sorted: how a [`Feature`] finds its symbol's bin.
    pub hashes: Vec<(u64, usize)>,
    /// Per bin, in order; the missing bin is not among them.
    pub counts: Vec<Counts>,
    pub missing: Counts,
}

impl Binning {
    /// Bins including the missing one.
    pub fn len(&self) -> usize {
        self.counts.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bin of a keyed value (see [`Feature::of`]): as [`Binning::locate`], without
    /// reading the value again.
    pub fn locate_feature(&self, feature: Feature) -> usize {
        let missing = self.counts.len();
        match feature {
            Feature::Number(key) if self.kind == PredictorKind::Numeric => {
                self.cuts
                    .partition_point(|&c| c <= key)
                    .max(1)
                    .min(missing.max(1))
                    - 1
            }
            Feature::Symbol(hash) if self.kind == PredictorKind::Symbolic => self
                .hashes
                .binary_search_by_key(&hash, |(h, _)| *h)
                .map_or(missing, |i| self.hashes[i].1),
            _ => missing,
        }
    }

    /// The bin of `value`: an index into `counts`, or `counts.len()` for the missing bin.
    pub fn locate(&self, value: &Value) -> usize {
        let missing = self.counts.len();
        match read(self.kind, value) {
            Reading::Number(x) => {
                let key = micro_key(x);
                // Below the first interval: the first bin.
                self.cuts
                    .partition_point(|&c| c <= key)
                    .max(1)
                    .min(missing.max(1))
                    - 1
            }
            Reading::Symbol(s) => self
                .symbols
                .binary_search_by(|probe| probe.as_str().cmp(s.as_ref()))
                .unwrap_or(missing),
            Reading::Missing => missing,
        }
    }

    pub fn counts_at(&self, bin: usize) -> Counts {
        self.counts.get(bin).copied().unwrap_or(self.missing)
    }

    /// How a person reads bin `bin`: `[lower, next lower)`, the symbol, or `missing`.
    pub fn label(&self, bin: usize) -> String {
        match self.kind {
            _ if bin >= self.counts.len() => "missing".to_owned(),
            PredictorKind::Numeric => {
                let lower = micro_lower(self.cuts[bin]);
                match self.cuts.get(bin + 1) {
                    Some(&next) => format!("[{lower}, {})", micro_lower(next)),
                    None => format!(">= {lower}"),
                }
            }
            PredictorKind::Symbolic => self.symbols[bin].clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_bins_keep_value_order_and_bound_their_values() {
        let values = [
            -1e9, -1000.0, -3.3, -1.0, -0.001, 0.0, 0.001, 0.5, 1.0, 1.05, 1.07, 2.0, 99.0, 1e12,
        ];
        for pair in values.windows(2) {
            assert!(
                micro_key(pair[0]) <= micro_key(pair[1]),
                "{} {}",
                pair[0],
                pair[1]
            );
        }
        for x in values {
            let key = micro_key(x);
            assert!(micro_lower(key) <= x, "{x}: lower {}", micro_lower(key));
            if x != 0.0 {
                assert!(
                    micro_lower(key + 1) > x,
                    "{x}: next {}",
                    micro_lower(key + 1)
                );
            }
        }
        // About 6% wide: 1.0 and 1.05 share a micro-bin, 1.07 does not.
        assert_eq!(micro_key(1.0), micro_key(1.05));
        assert_ne!(micro_key(1.0), micro_key(1.07));
        assert_eq!(micro_key(-0.0), 0);
    }

    fn numeric(values: &[(f64, bool)]) -> PredictorCounts {
        let mut p = PredictorCounts::new(PredictorKind::Numeric);
        for (x, pos) in values {
            p.record(&Value::Num(*x), *pos);
        }
        p
    }

    #[test]
    fn numeric_bins_group_to_equal_evidence_and_locate_values() {
        // 8 responses over 4 distinct values, 2 bins of 4.
        let p = numeric(&[
            (1.0, false),
            (1.0, false),
            (2.0, false),
            (2.0, true),
            (10.0, true),
            (10.0, false),
            (50.0, true),
            (50.0, true),
        ]);
        let b = p.binning(2);
        assert_eq!(b.len(), 3, "two bins and missing");
        assert_eq!(
            b.counts,
            vec![
                Counts {
                    positives: 1,
                    negatives: 3
                },
                Counts {
                    positives: 3,
                    negatives: 1
                }
            ]
        );
        for (x, bin) in [(-5.0, 0), (1.0, 0), (2.5, 0), (10.0, 1), (1e6, 1)] {
            assert_eq!(b.locate(&Value::Num(x)), bin, "{x}");
        }
        assert_eq!(b.locate(&Value::Null), 2);
        assert_eq!(
            b.locate(&Value::from("x")),
            2,
            "a string is missing to a number"
        );
        assert_eq!(b.label(0), "[1, 10)");
        assert_eq!(b.label(1), ">= 10");
        assert_eq!(b.label(2), "missing");
    }

    #[test]
    fn symbols_get_a_bin_each_and_unseen_ones_the_missing_bin() {
        let mut p = PredictorCounts::new(PredictorKind::Symbolic);
        for (s, pos) in [("prepaid", true), ("postpaid", false), ("prepaid", false)] {
            p.record(&Value::from(s), pos);
        }
        p.record(&Value::Null, true);
        let b = p.binning(10);
        assert_eq!(b.symbols, vec!["postpaid", "prepaid"]);
        assert_eq!(b.locate(&Value::from("prepaid")), 1);
        assert_eq!(b.locate(&Value::from("hybrid")), 2);
        assert_eq!(
            b.counts_at(2),
            Counts {
                positives: 1,
                negatives: 0
            }
        );
    }

    /// A keyed value finds the same bin as the value itself.
    #[test]
    fn keyed_values_locate_like_values() {
        let num = numeric(&[(1.0, true), (5.0, false), (9.0, true), (-3.0, false)]);
        let mut sym = PredictorCounts::new(PredictorKind::Symbolic);
        for s in ["a", "b", "true"] {
            sym.record(&Value::from(s), true);
        }
        let values = [
            Value::Num(-10.0),
            Value::Num(0.0),
            Value::Num(4.9),
            Value::Num(9.0),
            Value::Num(f64::NAN),
            Value::from("a"),
            Value::from("zzz"),
            Value::Bool(true),
            Value::Null,
        ];
        for (counts, numeric) in [(&num, true), (&sym, false)] {
            let b = counts.binning(3);
            for v in &values {
                assert_eq!(
                    b.locate(v),
                    b.locate_feature(Feature::of(v, numeric)),
                    "{v:?}"
                );
            }
        }
    }
}

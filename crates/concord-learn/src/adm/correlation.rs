//! Predictor correlation as ADM judges it: the Pearson correlation of two predictors' bin
//! log-odds over the responses a model learnt (each response at the log-odds the model gave
//! its values when it was learnt, as the classifier counts scores). The sums are kept in fixed
//! point, so two nodes' sums merge by adding them, exactly, in any order.

/// Log-odds are kept as integers of this many units per 1.0.
const SCALE: f64 = 4096.0;

/// Sums over the responses learnt: n, each predictor's log-odds, and every pair's product
/// (squares included), in fixed point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PairSums {
    pub n: u64,
    pub sums: Vec<i128>,
    /// The upper triangle, row by row: (0,0), (0,1), ..., (0,k-1), (1,1), ...
    pub products: Vec<i128>,
}

impl PairSums {
    pub fn new(predictors: usize) -> Self {
        Self {
            n: 0,
            sums: vec![0; predictors],
            products: vec![0; predictors * (predictors + 1) / 2],
        }
    }

    pub fn predictors(&self) -> usize {
        self.sums.len()
    }

    /// Adds one response's log-odds, one per predictor.
    pub fn record(&mut self, log_odds: &[f64]) {
        if log_odds.len() != self.sums.len() {
            return;
        }
        let fixed: Vec<i128> = log_odds
            .iter()
            .map(|x| {
                let x = if x.is_finite() { *x } else { 0.0 };
                (x.clamp(-1e6, 1e6) * SCALE).round() as i128
            })
            .collect();
        self.n += 1;
        let mut at = 0;
        for i in 0..fixed.len() {
            self.sums[i] += fixed[i];
            for j in i..fixed.len() {
                self.products[at] += fixed[i] * fixed[j];
                at += 1;
            }
        }
    }

    pub fn merge(&mut self, other: &PairSums) {
        if other.sums.len() != self.sums.len() {
            return;
        }
        self.n += other.n;
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.products.iter_mut().zip(&other.products) {
            *a += b;
        }
    }

    fn product(&self, i: usize, j: usize) -> i128 {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        let k = self.sums.len();
        // Row i starts after rows 0..i, row r holding k - r entries.
        let start = i * (2 * k - i + 1) / 2;
        self.products[start + (j - i)]
    }

    /// The correlation of predictors `i` and `j`; `None` with fewer than two responses or
    /// when either never varied.
    pub fn correlation(&self, i: usize, j: usize) -> Option<f64> {
        let k = self.sums.len();
        if i >= k || j >= k || self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let (si, sj) = (self.sums[i] as f64, self.sums[j] as f64);
        let cov = n * self.product(i, j) as f64 - si * sj;
        let var_i = n * self.product(i, i) as f64 - si * si;
        let var_j = n * self.product(j, j) as f64 - sj * sj;
        if var_i <= 0.0 || var_j <= 0.0 {
            return None;
        }
        Some((cov / (var_i.sqrt() * var_j.sqrt())).clamp(-1.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-pass Pearson, the textbook way.
    fn pearson(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    }

    /// Hand-made columns: b = 2a + 1 (correlation 1), c = -a (-1), d another pattern
    /// (two-pass Pearson's value).
    #[test]
    fn correlations_of_known_columns() {
        let a = [0.5, -1.0, 2.0, 0.0, 1.5, -0.5, 1.0, -2.0];
        let d = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
        let mut sums = PairSums::new(4);
        for (x, z) in a.iter().zip(&d) {
            sums.record(&[*x, 2.0 * x + 1.0, -x, *z]);
        }
        let r = |i, j| sums.correlation(i, j).expect("varies");
        assert!((r(0, 1) - 1.0).abs() < 1e-9);
        assert!((r(0, 2) + 1.0).abs() < 1e-9);
        assert!((r(2, 0) + 1.0).abs() < 1e-9, "symmetric");
        assert!((r(0, 3) - pearson(&a, &d)).abs() < 1e-9, "{}", r(0, 3));
        assert!((r(3, 3) - 1.0).abs() < 1e-9);
        let mut constant = PairSums::new(2);
        for x in a {
            constant.record(&[x, 0.25]);
        }
        assert_eq!(constant.correlation(0, 1), None, "a constant never varies");
        assert_eq!(PairSums::new(2).correlation(0, 1), None);
    }

    /// Merging sums is adding integers: any split of the responses gives the same sums.
    #[test]
    fn merged_halves_equal_the_whole() {
        let rows: Vec<[f64; 3]> = (0..40)
            .map(|i| {
                let x = f64::from(i) * 0.37 - 7.0;
                [x, (x * 1.3).sin(), x * x * 0.01]
            })
            .collect();
        let mut whole = PairSums::new(3);
        let (mut left, mut right) = (PairSums::new(3), PairSums::new(3));
        for (i, row) in rows.iter().enumerate() {
            whole.record(row);
            if i % 3 == 0 { &mut left } else { &mut right }.record(row);
        }
        right.merge(&left);
        assert_eq!(right, whole);
    }
}

//! The dealer network that sells connections, with planted bad dealers whose connections are
//! "false acquisitions": sold for the commission, churned within months.

use crate::rng::{SimRng, index};

#[derive(Debug, Clone)]
pub(crate) struct Dealers {
    pub names: Vec<String>,
    pub bad: Vec<bool>,
    /// Dealer indices operating in each region.
    by_region: Vec<Vec<u16>>,
}

impl Dealers {
    /// `n` dealers spread round-robin over the regions, so every region has at least one when
    /// `n >= n_regions`; `round(n * bad_share)` of them (at least one when the share is positive)
    /// are bad.
    pub fn generate(rng: &mut SimRng, n: usize, bad_share: f64, n_regions: usize) -> Dealers {
        let names = (1..=n).map(|d| format!("D{d:03}")).collect();
        let mut by_region = vec![Vec::new(); n_regions.max(1)];
        let n_slots = by_region.len();
        for dealer in 0..n {
            if let Some(slot) = by_region.get_mut(dealer % n_slots) {
                slot.push(dealer as u16);
            }
        }
        let mut n_bad = (n as f64 * bad_share).round() as usize;
        if bad_share > 0.0 {
            n_bad = n_bad.max(1);
        }
        let mut bad = vec![false; n];
        let mut planted = 0;
        while planted < n_bad.min(n) {
            if let Some(flag) = bad.get_mut(index(rng, n))
                && !*flag
            {
                *flag = true;
                planted += 1;
            }
        }
        Dealers {
            names,
            bad,
            by_region,
        }
    }

    /// A dealer working in the region (any dealer when the region has none).
    pub fn draw(&self, rng: &mut SimRng, region: usize) -> u16 {
        match self.by_region.get(region) {
            Some(local) if !local.is_empty() => {
                local.get(index(rng, local.len())).copied().unwrap_or(0)
            }
            _ => index(rng, self.names.len()) as u16,
        }
    }

    pub fn name(&self, dealer: u16) -> &str {
        self.names
            .get(dealer as usize)
            .map_or("none", String::as_str)
    }

    pub fn is_bad(&self, dealer: u16) -> bool {
        self.bad.get(dealer as usize).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream_rng};

    #[test]
    fn plants_the_requested_number_of_bad_dealers() {
        let mut rng = stream_rng(3, Stream::Geography);
        let dealers = Dealers::generate(&mut rng, 40, 0.1, 9);
        assert_eq!(dealers.bad.iter().filter(|b| **b).count(), 4);
        assert_eq!(dealers.name(0), "D001");
        assert_eq!(dealers.name(999), "none");
        for region in 0..9 {
            let d = dealers.draw(&mut rng, region);
            assert_eq!(d as usize % 9, region);
        }
        let one = Dealers::generate(&mut rng, 3, 0.01, 9);
        assert_eq!(one.bad.iter().filter(|b| **b).count(), 1);
    }
}

//! Who knows whom: household members plus people mostly in the same city, as a compact adjacency
//! list. The truth spreads churn along these ties (word of mouth).

use crate::profile::Profile;
use crate::rng::{SimRng, chance, index};

/// Directed ties: `ties(i)` are the people subscriber `i` talks to.
#[derive(Debug, Clone, Default)]
pub(crate) struct SocialGraph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl SocialGraph {
    /// Household members are always tied (households are contiguous runs of indices); the
    /// `outside_ties[i]` others are drawn 80% from the same city, 20% from anywhere.
    pub fn build(
        rng: &mut SimRng,
        profiles: &[Profile],
        outside_ties: &[u32],
        n_cities: usize,
    ) -> SocialGraph {
        let n = profiles.len();
        let mut by_city: Vec<Vec<u32>> = vec![Vec::new(); n_cities.max(1)];
        for (i, p) in profiles.iter().enumerate() {
            if let Some(members) = by_city.get_mut(p.city as usize) {
                members.push(i as u32);
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(n * 8);
        offsets.push(0);
        let mut household_start = 0;
        for (i, p) in profiles.iter().enumerate() {
            if profiles.get(household_start).map(|h| h.household) != Some(p.household) {
                household_start = i;
            }
            let start = targets.len();
            let mut member = household_start;
            while profiles
                .get(member)
                .is_some_and(|m| m.household == p.household)
            {
                if member != i {
                    targets.push(member as u32);
                }
                member += 1;
            }
            let wanted = targets.len() - start + outside_ties.get(i).copied().unwrap_or(0) as usize;
            let local = by_city.get(p.city as usize).map_or(&[][..], Vec::as_slice);
            // Bounded tries: in a tiny base there may not be enough distinct people to know.
            for _ in 0..wanted * 2 {
                if targets.len() - start >= wanted {
                    break;
                }
                let friend = if chance(rng, 0.8) && !local.is_empty() {
                    local.get(index(rng, local.len())).copied().unwrap_or(0)
                } else {
                    index(rng, n) as u32
                };
                if friend as usize != i
                    && !targets.get(start..).is_some_and(|t| t.contains(&friend))
                {
                    targets.push(friend);
                }
            }
            offsets.push(targets.len() as u32);
        }
        SocialGraph { offsets, targets }
    }

    pub fn ties(&self, subscriber: usize) -> &[u32] {
        let (Some(&from), Some(&to)) = (
            self.offsets.get(subscriber),
            subscriber
                .checked_add(1)
                .and_then(|next| self.offsets.get(next)),
        ) else {
            return &[];
        };
        self.targets.get(from as usize..to as usize).unwrap_or(&[])
    }

    pub fn degree(&self, subscriber: usize) -> usize {
        self.ties(subscriber).len()
    }
}

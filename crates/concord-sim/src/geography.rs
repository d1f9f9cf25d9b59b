//! Where subscribers live: regions, cities, stores and cells, with a planted set of bad cells.
//!
//! The map is South Africa's nine provinces with real city names; store and cell counts follow
//! population, so Johannesburg has many cells and Upington a handful.

use crate::rng::{SimRng, chance, index, pick_weighted, uniform};

/// A region with its population weight, its language mix and its cities `(name, code, weight)`.
struct RegionSpec {
    name: &'static str,
    weight: f64,
    languages: &'static [(&'static str, f64)],
    cities: &'static [(&'static str, &'static str, f64)],
}

const REGIONS: [RegionSpec; 9] = [
    RegionSpec {
        name: "Gauteng",
        weight: 26.0,
        languages: &[
            ("en", 30.0),
            ("zu", 30.0),
            ("st", 20.0),
            ("af", 10.0),
            ("xh", 10.0),
        ],
        cities: &[
            ("Johannesburg", "JHB", 40.0),
            ("Pretoria", "PTA", 25.0),
            ("Soweto", "SOW", 15.0),
            ("Ekurhuleni", "EKU", 15.0),
            ("Vereeniging", "VER", 5.0),
        ],
    },
    RegionSpec {
        name: "KwaZulu-Natal",
        weight: 19.0,
        languages: &[("zu", 70.0), ("en", 25.0), ("af", 5.0)],
        cities: &[
            ("Durban", "DBN", 55.0),
            ("Pietermaritzburg", "PMB", 20.0),
            ("Newcastle", "NCS", 15.0),
            ("Richards Bay", "RCB", 10.0),
        ],
    },
    RegionSpec {
        name: "Western Cape",
        weight: 12.0,
        languages: &[("af", 45.0), ("en", 35.0), ("xh", 20.0)],
        cities: &[
            ("Cape Town", "CPT", 70.0),
            ("Stellenbosch", "STB", 10.0),
            ("George", "GRG", 10.0),
            ("Paarl", "PRL", 10.0),
        ],
    },
    RegionSpec {
        name: "Eastern Cape",
        weight: 11.0,
        languages: &[("xh", 70.0), ("en", 20.0), ("af", 10.0)],
        cities: &[
            ("Gqeberha", "GQB", 40.0),
            ("East London", "ELS", 30.0),
            ("Mthatha", "MTH", 20.0),
            ("Makhanda", "MKD", 10.0),
        ],
    },
    RegionSpec {
        name: "Limpopo",
        weight: 10.0,
        languages: &[("st", 40.0), ("en", 40.0), ("zu", 20.0)],
        cities: &[
            ("Polokwane", "PLK", 50.0),
            ("Thohoyandou", "THY", 25.0),
            ("Tzaneen", "TZN", 25.0),
        ],
    },
    RegionSpec {
        name: "Mpumalanga",
        weight: 8.0,
        languages: &[("zu", 50.0), ("en", 30.0), ("af", 20.0)],
        cities: &[
            ("Mbombela", "MBM", 45.0),
            ("Emalahleni", "EML", 35.0),
            ("Secunda", "SCD", 20.0),
        ],
    },
    RegionSpec {
        name: "North West",
        weight: 7.0,
        languages: &[("tn", 60.0), ("en", 25.0), ("af", 15.0)],
        cities: &[
            ("Rustenburg", "RTB", 45.0),
            ("Mahikeng", "MHK", 30.0),
            ("Klerksdorp", "KLD", 25.0),
        ],
    },
    RegionSpec {
        name: "Free State",
        weight: 5.0,
        languages: &[("st", 60.0), ("af", 20.0), ("en", 20.0)],
        cities: &[
            ("Bloemfontein", "BFN", 60.0),
            ("Welkom", "WLK", 25.0),
            ("Bethlehem", "BTH", 15.0),
        ],
    },
    RegionSpec {
        name: "Northern Cape",
        weight: 2.0,
        languages: &[("af", 60.0), ("en", 25.0), ("tn", 15.0)],
        cities: &[("Kimberley", "KIM", 60.0), ("Upington", "UPT", 40.0)],
    },
];

/// Cells in the whole network; a city's share follows its population share.
const TOTAL_CELLS: f64 = 1_200.0;
/// Stores in the whole network.
const TOTAL_STORES: f64 = 120.0;

/// One city: its region, its stores and its contiguous range of cells.
#[derive(Debug, Clone)]
pub(crate) struct City {
    pub name: &'static str,
    pub region: usize,
    /// Share of the national population living here.
    pub share: f64,
    pub stores: Vec<String>,
    pub first_cell: usize,
    pub n_cells: usize,
}

/// The generated network map.
#[derive(Debug, Clone)]
pub(crate) struct Geography {
    pub cities: Vec<City>,
    city_weights: Vec<f64>,
    pub cells: Vec<String>,
    pub bad_cell: Vec<bool>,
}

impl Geography {
    /// Builds the map and plants bad cells: a few clusters (one city's tower group gone bad, the
    /// pattern a network team would recognise) plus scattered single cells.
    pub fn generate(rng: &mut SimRng, bad_cell_share: f64) -> Geography {
        let region_total: f64 = REGIONS.iter().map(|r| r.weight).sum();
        let mut cities = Vec::new();
        let mut cells = Vec::new();
        for (region_idx, region) in REGIONS.iter().enumerate() {
            let city_total: f64 = region.cities.iter().map(|c| c.2).sum();
            for &(name, code, weight) in region.cities {
                let share = region.weight / region_total * weight / city_total;
                let n_stores = 1 + (share * TOTAL_STORES) as usize;
                let n_cells = 4 + (share * TOTAL_CELLS) as usize;
                let stores = (1..=n_stores).map(|s| format!("{code}-S{s:02}")).collect();
                let first_cell = cells.len();
                for c in 1..=n_cells {
                    cells.push(format!("{code}-C{c:04}"));
                }
                cities.push(City {
                    name,
                    region: region_idx,
                    share,
                    stores,
                    first_cell,
                    n_cells,
                });
            }
        }
        let bad_cell = plant_bad_cells(rng, &cities, cells.len(), bad_cell_share);
        let city_weights = cities.iter().map(|c| c.share).collect();
        Geography {
            cities,
            city_weights,
            cells,
            bad_cell,
        }
    }

    pub fn region_name(&self, region: usize) -> &'static str {
        REGIONS.get(region).map_or("unknown", |r| r.name)
    }

    pub fn n_regions(&self) -> usize {
        REGIONS.len()
    }

    /// A city drawn in proportion to population.
    pub fn draw_city(&self, rng: &mut SimRng) -> usize {
        pick_weighted(rng, &self.city_weights)
    }

    /// A language drawn from the region's mix.
    pub fn draw_language(&self, rng: &mut SimRng, region: usize) -> &'static str {
        let Some(spec) = REGIONS.get(region) else {
            return "en";
        };
        let total: f64 = spec.languages.iter().map(|l| l.1).sum();
        let mut target = uniform(rng) * total;
        for &(language, weight) in spec.languages {
            if target < weight {
                return language;
            }
            target -= weight;
        }
        "en"
    }

    /// A cell of the city, uniformly.
    pub fn draw_cell(&self, rng: &mut SimRng, city: usize) -> usize {
        self.cities
            .get(city)
            .map_or(0, |c| c.first_cell + index(rng, c.n_cells))
    }

    /// A store of the city, uniformly.
    pub fn draw_store(&self, rng: &mut SimRng, city: usize) -> usize {
        self.cities
            .get(city)
            .map_or(0, |c| index(rng, c.stores.len()))
    }

    pub fn store_name(&self, city: usize, store: usize) -> &str {
        self.cities
            .get(city)
            .and_then(|c| c.stores.get(store))
            .map_or("unknown", String::as_str)
    }

    pub fn cell_name(&self, cell: usize) -> &str {
        self.cells.get(cell).map_or("unknown", String::as_str)
    }

    pub fn is_bad_cell(&self, cell: usize) -> bool {
        self.bad_cell.get(cell).copied().unwrap_or(false)
    }
}

/// Every store of the network with its region's name, in map order: the catalogue a strategy's
/// pilots name stores and regions from (experiments.yaml `places`). Fixed: no seed moves a
/// store.
pub fn store_regions() -> Vec<(String, &'static str)> {
    let geo = Geography::generate(
        &mut crate::rng::stream_rng(0, crate::rng::Stream::Geography),
        0.0,
    );
    geo.cities
        .iter()
        .flat_map(|city| {
            let region = geo.region_name(city.region);
            city.stores.iter().map(move |store| (store.clone(), region))
        })
        .collect()
}

fn plant_bad_cells(
    rng: &mut SimRng,
    cities: &[City],
    n_cells: usize,
    bad_cell_share: f64,
) -> Vec<bool> {
    let mut bad = vec![false; n_cells];
    let target = (n_cells as f64 * bad_cell_share).round() as usize;
    if target == 0 {
        return bad;
    }
    // Half the bad cells come as clusters: a run of neighbouring cells in one or two cities.
    let mut planted = 0;
    let cluster_budget = target / 2;
    for _ in 0..2 {
        if planted >= cluster_budget {
            break;
        }
        let weights: Vec<f64> = cities.iter().map(|c| c.share).collect();
        let Some(city) = cities.get(pick_weighted(rng, &weights)) else {
            break;
        };
        let run = (cluster_budget - planted).min(city.n_cells / 3).max(1);
        let offset = index(rng, city.n_cells.saturating_sub(run) + 1);
        for cell in city.first_cell + offset..city.first_cell + offset + run {
            if let Some(flag) = bad.get_mut(cell)
                && !*flag
            {
                *flag = true;
                planted += 1;
            }
        }
    }
    // The rest are scattered; a bounded number of tries keeps this total even with odd shares.
    let mut tries = 0;
    while planted < target && tries < n_cells * 20 {
        tries += 1;
        let cell = index(rng, n_cells);
        if let Some(flag) = bad.get_mut(cell)
            && !*flag
            && chance(rng, 0.9)
        {
            *flag = true;
            planted += 1;
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream_rng};

    #[test]
    fn map_has_nine_regions_and_planted_bad_cells() {
        let geo = Geography::generate(&mut stream_rng(1, Stream::Geography), 0.04);
        assert_eq!(geo.n_regions(), 9);
        assert!(geo.cities.len() >= 27, "{}", geo.cities.len());
        assert!(geo.cells.len() > 1000, "{}", geo.cells.len());
        let n_bad = geo.bad_cell.iter().filter(|b| **b).count();
        let want = (geo.cells.len() as f64 * 0.04).round() as usize;
        assert_eq!(n_bad, want);
        let unique: std::collections::HashSet<&String> = geo.cells.iter().collect();
        assert_eq!(unique.len(), geo.cells.len());
        assert_eq!(geo.cell_name(usize::MAX), "unknown");
    }

    #[test]
    fn no_bad_cells_when_share_is_zero() {
        let geo = Geography::generate(&mut stream_rng(1, Stream::Geography), 0.0);
        assert!(geo.bad_cell.iter().all(|b| !*b));
    }
}

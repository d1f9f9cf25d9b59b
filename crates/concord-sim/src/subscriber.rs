//! The public face of a subscriber, and the MSISDN numbering plan that maps ids to indices.

use crate::attributes;
use crate::dealers::Dealers;
use crate::geography::Geography;
use crate::holdings::Holdings;
use crate::profile::Profile;
use concord_model::{Attributes, CustomerId};

/// One subscriber as the operator's BSS knows them at the start of the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    /// MSISDN-like, e.g. `27820000001`; unique.
    pub id: CustomerId,
    /// Exactly the keys of [`crate::ATTRIBUTE_KEYS`].
    pub attributes: Attributes,
    /// Product names held at the start (see [`crate::Product`]).
    pub initial_holdings: Vec<String>,
}

impl Subscriber {
    /// The subscriber as a base-load row: id, attributes, holdings.
    pub fn base_row(&self) -> (CustomerId, Attributes, Vec<String>) {
        (
            self.id.clone(),
            self.attributes.clone(),
            self.initial_holdings.clone(),
        )
    }
}

/// Renders the public base. Rendering is a pure function of each profile, so it runs on all
/// cores in chunks and is concatenated in order: the ~4 KiB attribute map per subscriber is
/// most of what building a base costs. Ids start at `first` in the numbering plan.
pub(crate) fn build_subscribers(
    first: usize,
    profiles: &[Profile],
    holdings: &[Holdings],
    geography: &Geography,
    dealers: &Dealers,
) -> Vec<Subscriber> {
    let render = |offset: usize, profiles: &[Profile], holdings: &[Holdings]| -> Vec<Subscriber> {
        profiles
            .iter()
            .zip(holdings)
            .enumerate()
            .map(|(i, (profile, held))| Subscriber {
                id: CustomerId::new(msisdn(first + offset + i)),
                attributes: attributes::render(profile, *held, geography, dealers),
                initial_holdings: held.names(),
            })
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads <= 1 || profiles.len() < 20_000 {
        return render(0, profiles, holdings);
    }
    let chunk = profiles.len().div_ceil(threads);
    let chunks: Vec<(usize, &[Profile], &[Holdings])> = profiles
        .chunks(chunk)
        .zip(holdings.chunks(chunk))
        .enumerate()
        .map(|(c, (profiles, holdings))| (c * chunk, profiles, holdings))
        .collect();
    let parts: Vec<Vec<Subscriber>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(offset, profiles, holdings)| {
                scope.spawn(move || render(offset, profiles, holdings))
            })
            .collect();
        // A panicking renderer would be a bug; its chunk is then rendered again on this thread.
        handles
            .into_iter()
            .zip(&chunks)
            .map(|(handle, &(offset, profiles, holdings))| {
                handle
                    .join()
                    .unwrap_or_else(|_| render(offset, profiles, holdings))
            })
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// South African mobile prefixes after the country code; numbers fill 082 first.
const PREFIXES: [&str; 9] = ["82", "83", "84", "72", "73", "74", "76", "78", "79"];
const NUMBERS_PER_PREFIX: usize = 9_999_999;

/// `27` + prefix + 7 digits, starting at `27820000001`.
pub(crate) fn msisdn(idx: usize) -> String {
    let prefix = PREFIXES
        .get(idx / NUMBERS_PER_PREFIX)
        .copied()
        .unwrap_or("89");
    let mut number = idx % NUMBERS_PER_PREFIX + 1;
    // Hand-rolled: this runs for every event, and `format!` would be a third of its cost.
    let mut digits = [b'0'; 7];
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (number % 10) as u8;
        number /= 10;
    }
    let mut id = String::with_capacity(11);
    id.push_str("27");
    id.push_str(prefix);
    id.extend(digits.iter().map(|&d| char::from(d)));
    id
}

/// The index behind an MSISDN this plan produced, without a lookup table.
pub(crate) fn msisdn_index(id: &str) -> Option<usize> {
    let bytes = id.as_bytes();
    if bytes.len() != 11 || !id.starts_with("27") || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let prefix = PREFIXES.iter().position(|p| id.get(2..4) == Some(*p))?;
    let number: usize = id.get(4..)?.parse().ok()?;
    if number == 0 {
        return None;
    }
    Some(prefix * NUMBERS_PER_PREFIX + number - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(idx: usize, id: &str) {
        assert_eq!(msisdn(idx), id);
        assert_eq!(msisdn_index(id), Some(idx), "{id}");
    }

    #[test]
    fn numbering_plan_round_trips() {
        check(0, "27820000001");
        check(1, "27820000002");
        check(9_999_998, "27829999999");
        check(9_999_999, "27830000001");
        check(89_999_990, "27799999999");
    }

    #[test]
    fn foreign_ids_have_no_index() {
        for id in [
            "",
            "27820000000",
            "2782000001",
            "27810000001",
            "2782000000x",
            "x7820000001",
            "278200000011",
        ] {
            assert_eq!(msisdn_index(id), None, "{id}");
        }
    }
}

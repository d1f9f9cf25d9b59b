//! What the funnel's test files share: a strategy folder given as four file texts.

use concord_strategy::Strategy;

/// A strategy from strategy.yaml, channels.yaml, profile.yaml and one actions file; a test
/// fixture that does not load fails with the loader's errors.
pub fn strategy(strategy: &str, channels: &str, profile: &str, actions: &str) -> Strategy {
    Strategy::from_files([
        ("strategy.yaml", strategy),
        ("channels.yaml", channels),
        ("profile.yaml", profile),
        ("actions/all.yaml", actions),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"))
}

//! Integration tests of concord-strategy: the example operator strategy, broken folders and
//! properties of the rule language. One test binary, one module per concern.

mod broken;
mod props;
mod telco;

use std::path::PathBuf;

/// A path relative to this crate's directory.
pub fn crate_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

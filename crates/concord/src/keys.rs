//! Where API keys come from: a file, the environment, or (demo only) freshly generated ones.

use anyhow::Context;
use concord_server::{ApiKeys, Role};
use rand::Rng;
use std::path::Path;

pub const KEYS_ENV: &str = "CONCORD_API_KEYS";

/// Keys for `serve`: the file when given, else the environment. Never from the strategy folder.
pub fn load(file: Option<&Path>) -> anyhow::Result<ApiKeys> {
    let (spec, source) = match file {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("reading API keys from {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (
            std::env::var(KEYS_ENV).with_context(|| {
                format!(
                    "no API keys: set {KEYS_ENV}=channel=KEY,admin=KEY,... or pass --api-keys FILE"
                )
            })?,
            format!("${KEYS_ENV}"),
        ),
    };
    ApiKeys::parse(&spec).with_context(|| format!("API keys in {source}"))
}

/// One random key per role, for the demo.
pub fn generate() -> (ApiKeys, Vec<(Role, String)>) {
    let mut rng = rand::rng();
    let mut keys = ApiKeys::default();
    let pairs: Vec<(Role, String)> = Role::ALL
        .into_iter()
        .map(|role| {
            let bytes: [u8; 16] = rng.random();
            (role, format!("{}-{}", role.as_str(), hex::encode(bytes)))
        })
        .collect();
    for (role, key) in &pairs {
        keys.insert(*role, key);
    }
    (keys, pairs)
}

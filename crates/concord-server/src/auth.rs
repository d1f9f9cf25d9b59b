//! API keys and roles. Keys come from config or the environment, are held only as hashes, never logged.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// Who is calling. Each route names the roles it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A channel system: USSD gateway, app back end, web, store POS, SMS platform.
    Channel,
    /// A call-centre agent desktop.
    Agent,
    /// The CVM team: KPIs and reports.
    Marketer,
    /// Operations and integration: everything, including event feeds.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Channel, Role::Agent, Role::Marketer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Channel => "channel",
            Role::Agent => "agent",
            Role::Marketer => "marketer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("API key entry {entry}: expected ROLE=KEY, e.g. channel=s3cret")]
    Malformed { entry: usize },
    #[error(
        "API key entry {entry}: unknown role {role:?}; roles are channel, agent, marketer, admin"
    )]
    UnknownRole { entry: usize, role: String },
    #[error("API key entry {entry}: a key must be at least 16 characters")]
    TooShort { entry: usize },
    #[error("no API keys configured: set CONCORD_API_KEYS or pass --api-keys FILE")]
    NoKeys,
}

/// The accepted keys, as SHA-256 digests mapped to roles.
#[derive(Clone, Default)]
pub struct ApiKeys {
    by_digest: HashMap<[u8; 32], Role>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print keys, not even their digests.
        f.debug_struct("ApiKeys")
            .field("count", &self.by_digest.len())
            .finish()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl ApiKeys {
    /// Parses `role=key` entries separated by commas or new lines; `#` starts a comment line.
    pub fn parse(spec: &str) -> Result<ApiKeys, AuthError> {
        let mut keys = ApiKeys::default();
        let entries = spec
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'));
        for (idx, entry) in entries.enumerate() {
            let entry_no = idx + 1;
            let (role, key) = entry
                .split_once('=')
                .ok_or(AuthError::Malformed { entry: entry_no })?;
            let role = Role::parse(role.trim()).ok_or_else(|| AuthError::UnknownRole {
                entry: entry_no,
                role: role.trim().to_owned(),
            })?;
            let key = key.trim();
            if key.len() < 16 {
                return Err(AuthError::TooShort { entry: entry_no });
            }
            keys.by_digest.insert(digest(key), role);
        }
        if keys.by_digest.is_empty() {
            return Err(AuthError::NoKeys);
        }
        Ok(keys)
    }

    pub fn insert(&mut self, role: Role, key: &str) {
        self.by_digest.insert(digest(key), role);
    }

    pub fn role_of(&self, key: &str) -> Option<Role> {
        self.by_digest.get(&digest(key)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(spec: &str, expected: Result<&[(&str, Role)], AuthError>) {
        match (ApiKeys::parse(spec), expected) {
            (Ok(keys), Ok(pairs)) => {
                for (key, role) in pairs {
                    assert_eq!(keys.role_of(key), Some(*role), "{spec}");
                }
                assert_eq!(keys.role_of("not-a-configured-key"), None);
            }
            (Err(got), Err(want)) => assert_eq!(got, want, "{spec}"),
            (got, want) => panic!("{spec}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn key_specs() {
        check(
            "channel=aaaaaaaaaaaaaaaa, admin=bbbbbbbbbbbbbbbb",
            Ok(&[
                ("aaaaaaaaaaaaaaaa", Role::Channel),
                ("bbbbbbbbbbbbbbbb", Role::Admin),
            ]),
        );
        check(
            "# keys\nagent = cccccccccccccccc\n\nmarketer=dddddddddddddddd\n",
            Ok(&[
                ("cccccccccccccccc", Role::Agent),
                ("dddddddddddddddd", Role::Marketer),
            ]),
        );
        check("channel", Err(AuthError::Malformed { entry: 1 }));
        check(
            "channel=aaaaaaaaaaaaaaaa,boss=bbbbbbbbbbbbbbbb",
            Err(AuthError::UnknownRole {
                entry: 2,
                role: "boss".into(),
            }),
        );
        check("admin=short", Err(AuthError::TooShort { entry: 1 }));
        check(" , ", Err(AuthError::NoKeys));
    }

    #[test]
    fn debug_never_shows_keys() {
        let keys = ApiKeys::parse("admin=supersecretkey-123456").expect("parses");
        assert!(!format!("{keys:?}").contains("supersecret"));
    }
}

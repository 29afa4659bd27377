//! A short-lived cache of verified credentials, so an authenticated request does not pay a database
//! round trip just to learn who is calling.
//!
//! Entries live at most [`TTL`]. Every change made through the API (key revoked, role changed)
//! clears the cache, so those take effect on the very next request; a change made behind the
//! server's back (`agented keys revoke` on the command line) takes effect within [`TTL`].

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use super::Principal;

/// How long a verified key is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; the cache is cleared when full (keys are few; this bounds abuse).
const MAX_ENTRIES: usize = 10_000;

/// Verified principals by credential (key hash or key id).
#[derive(Default)]
pub struct PrincipalCache {
    entries: RwLock<HashMap<String, (Principal, Instant)>>,
}

impl PrincipalCache {
    /// The cached principal for `credential`, if it was verified less than [`TTL`] ago.
    pub fn get(&self, credential: &str) -> Option<Principal> {
        let entries = self.entries.read().ok()?;
        let (principal, at) = entries.get(credential)?;
        (at.elapsed() < TTL).then(|| principal.clone())
    }

    /// Remembers a verified principal.
    pub fn put(&self, credential: String, principal: Principal) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(credential, (principal, Instant::now()));
        }
    }

    /// Forgets everything (a key was revoked or changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

//! API key material: 256 random bits with a short visible prefix, stored only as a SHA-256 hash.
//!
//! A fast hash is the right tool here (unlike passwords): the key has 256 bits of entropy, so
//! brute force is hopeless, and a deterministic hash lets the gate find a key with one indexed
//! lookup instead of comparing against every row.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every key starts with this, so leaked keys are easy to grep for.
pub const KEY_PREFIX: &str = "agd_";
/// How many characters of a key listings show.
pub const VISIBLE_PREFIX_LEN: usize = 12;

/// A newly generated key. The plaintext is shown once and then dropped.
#[derive(Clone)]
pub struct GeneratedKey {
    /// The full key, e.g. `agd_3q2…` (47 characters).
    pub plaintext: String,
    /// The first [`VISIBLE_PREFIX_LEN`] characters.
    pub visible_prefix: String,
    /// Hex SHA-256 of the plaintext.
    pub hash: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("visible_prefix", &self.visible_prefix)
            .finish_non_exhaustive()
    }
}

/// Generates a key from the operating system's CSPRNG.
pub fn generate() -> GeneratedKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let plaintext = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    GeneratedKey {
        visible_prefix: plaintext.chars().take(VISIBLE_PREFIX_LEN).collect(),
        hash: hash(&plaintext),
        plaintext,
    }
}

/// Hex SHA-256 of a presented key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_unique_and_hash_stably() {
        let a = generate();
        let b = generate();
        assert_ne!(a.plaintext, b.plaintext);
        assert!(a.plaintext.starts_with(KEY_PREFIX));
        // 32 bytes -> 43 base64url characters.
        assert_eq!(a.plaintext.len(), KEY_PREFIX.len() + 43);
        assert_eq!(a.hash, hash(&a.plaintext));
        assert!(a.plaintext.starts_with(&a.visible_prefix));
        assert!(!format!("{a:?}").contains(&a.plaintext));
    }
}

//! Throttled `last_used_at` updates: a key used a thousand times a second is written at most once
//! a minute, off the request path.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a key's `last_used_at` is written at most.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Remembers when each key's use was last written.
#[derive(Default)]
pub struct KeyUsage {
    last_written: Mutex<HashMap<String, Instant>>,
}

impl KeyUsage {
    /// Returns true if and only if `key_id`'s use should be written now (and notes that it was).
    pub fn due(&self, key_id: &str) -> bool {
        let Ok(mut map) = self.last_written.lock() else {
            return false;
        };
        let now = Instant::now();
        match map.get(key_id) {
            Some(at) if now.duration_since(*at) < TOUCH_EVERY => false,
            _ => {
                map.insert(key_id.to_owned(), now);
                true
            }
        }
    }
}

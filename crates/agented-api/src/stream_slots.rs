//! Concurrent live streams per key: long-lived connections are capped by count, not by request
//! rate (a rate limit would either cut streams off or never bite).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Open streams per key.
#[derive(Default)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<String, u32>>>,
}

/// One open stream; releases its slot when dropped.
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<String, u32>>>,
    key: String,
}

impl StreamSlots {
    /// Takes a slot for `key` if it has fewer than `max` streams open.
    pub fn acquire(&self, key: &str, max: u32) -> Option<StreamSlot> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(key.to_owned()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            open: self.open.clone(),
            key: key.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(n) = open.get_mut(&self.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&self.key);
                }
            }
        }
    }
}

//! Pagination: every list takes `limit` (default 50, at most 500) and `offset`, and answers `total_count`.

use serde::{Deserialize, Serialize};

/// The default page size when a client gives no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 500;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// How many items at most.
    pub limit: u32,
    /// How many items to skip.
    pub offset: u64,
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// `limit` was 0 or above [`MAX_LIMIT`].
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    Limit,
}

impl PageRequest {
    /// Builds a page request from optional raw values, applying the default and the bounds.
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(PageError::Limit);
        }
        Ok(PageRequest {
            limit,
            offset: offset.unwrap_or(0),
        })
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of a list plus the number of items in the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items the whole (filtered) list has.
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(
            PageRequest::new(None, None),
            Ok(PageRequest {
                limit: 50,
                offset: 0
            })
        );
        assert_eq!(
            PageRequest::new(Some(500), Some(7)),
            Ok(PageRequest {
                limit: 500,
                offset: 7
            })
        );
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(501), None).is_err());
    }
}

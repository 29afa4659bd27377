//! A small classification of failures that every crate's error type reports, so the HTTP edge can map
//! errors to status codes once instead of matching on every inner variant.

/// What kind of failure an error is, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was malformed (400).
    BadRequest,
    /// The input was well-formed but breaks a rule (422).
    Invalid,
    /// The thing asked for does not exist (404).
    NotFound,
    /// The request conflicts with current state, e.g. a duplicate name (409).
    Conflict,
    /// No or bad credentials (401).
    Unauthorized,
    /// Credentials are fine but not enough for this (403).
    Forbidden,
    /// A dependency (usually the database) is unavailable right now (503).
    Unavailable,
    /// A bug or an unexpected failure; details are logged, never returned (500).
    Internal,
}

//! Agented's execution engine: runs the four agent CLIs under supervision.
//!
//! `adapters` turns a run request into an argv and a CLI's output into normalized events;
//! `process` starts a CLI in its own process group and reads, limits, pauses and stops it.
//! The engine never speaks HTTP; the API crate depends on it, never the reverse.

// Tests may unwrap; the non-test build of the library is still linted without this exception.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod adapters;
pub mod process;

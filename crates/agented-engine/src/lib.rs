//! Agented's execution engine: runs the four agent CLIs under supervision.
//!
//! `adapters` turns a run request into an argv and a CLI's output into normalized events;
//! `process` starts a CLI in its own process group and reads, limits, pauses and stops it;
//! `runner` owns one run from spawn to final status; `log_bus` fans its lines out to live
//! subscribers and `log_writer` stores them in grouped transactions; `dispatcher` starts queued runs
//! within the concurrency limits; [`Engine`] is the handle the HTTP layer uses.
//! The engine never speaks HTTP; the API crate depends on it, never the reverse.

// Tests may unwrap; the non-test build of the library is still linted without this exception.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod adapters;
pub mod config;
mod dispatcher;
mod engine;
pub mod log_bus;
mod log_writer;
pub mod process;
mod runner;

pub use config::EngineConfig;
pub use engine::{Engine, EngineError, StartRequest};
pub use log_bus::{BusItem, Completed};

//! The engine's integration tests: every parser over every real CLI capture, the command lines
//! against each CLI's real `--help`, the supervisor with fake CLIs, and fixture replays end to end.

#![allow(clippy::unwrap_used)]

mod captures;
mod edge_cases;
mod flags;
mod replay;
mod supervisor;
mod support;

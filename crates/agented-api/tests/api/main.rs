//! HTTP-level tests: the real router with every middleware, on a fresh SQLite database per test,
//! called in-process (no socket) with the client address set as the server would set it.

mod access;
mod auth;
mod conventions;
mod executions;
mod keys;
mod support;

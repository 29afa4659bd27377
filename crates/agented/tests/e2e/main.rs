//! End-to-end tests: the real `agented` binary on a free port, driven over HTTP and signals.

mod cli;
mod runs;
mod server;
mod support;

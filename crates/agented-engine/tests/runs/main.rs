//! Runs end to end inside the engine: a real SQLite store, real processes (fake CLIs written as
//! shell scripts that replay the recorded captures), the dispatcher, the log writer and the bus.

mod control;
mod lifecycle;
mod streaming;
mod support;

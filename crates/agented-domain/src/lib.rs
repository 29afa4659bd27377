//! Agented's domain types: the vocabulary every other crate speaks.
//!
//! This crate owns prefixed ids, roles and their ordering, the error classification that the HTTP edge
//! maps to status codes, pagination values, the agent backends and the normalized agent event.
//! It deliberately does no I/O: no database, no processes, no HTTP.

pub mod agent_event;
pub mod backend;
pub mod error;
pub mod execution;
pub mod id;
pub mod page;
pub mod role;
pub mod time;

pub use backend::Backend;
pub use error::ErrorKind;
pub use execution::{ExecutionStatus, LogLine, LogStream};
pub use page::{Page, PageRequest};
pub use role::Role;

//! Agented's triggers: everything that decides whether and how an outside event becomes a run.
//!
//! Pure logic, no I/O: `template` renders prompts (placeholders, payload paths, snippets) and `guard`
//! fences untrusted text; `matching` evaluates a bot's match rules and conditions against a payload;
//! `signature` verifies webhook HMACs and replay windows; `github` reads GitHub webhook events;
//! `schedule` parses cron expressions with time zones and computes fire times. The store persists what
//! these decide and the API wires them to routes.

pub mod github;
pub mod guard;
pub mod matching;
pub mod schedule;
pub mod signature;
pub mod template;

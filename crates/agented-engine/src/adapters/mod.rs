//! One adapter per agent CLI behind one trait: how to find it, how to start it, how to read it.
//!
//! An adapter turns a [`RunSpec`] into an argv (never a shell string: the prompt is one argv element)
//! and hands out a stateful [`StreamParser`] that turns the CLI's stdout JSONL, its stderr lines and its
//! exit code into [`AgentEvent`]s. Each CLI has its own folder with its wire types and parser in separate
//! files. Adapters do not start processes for runs (that is `process`) and never store anything.
//! The CLI versions every flag was checked against are listed in `ADAPTERS.md` at the crate root.

mod claude;
mod codex;
mod detect;
mod gemini;
mod opencode;
mod ratelimit;
mod state;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use agented_domain::agent_event::AgentEvent;
use agented_domain::Backend;

pub use claude::{ClaudeAdapter, ClaudeParser};
pub use codex::{CodexAdapter, CodexParser};
pub use detect::{detect_executable, find_executable, parse_version, Detection, VERSION_TIMEOUT};
pub use gemini::{GeminiAdapter, GeminiParser, EXIT_RATE_LIMITED as GEMINI_EXIT_RATE_LIMITED};
pub use opencode::{OpencodeAdapter, OpencodeParser};

/// The tools Claude Code may use without asking when a run does not name its own.
pub const CLAUDE_DEFAULT_ALLOWED_TOOLS: &[&str] = &["Read", "Glob", "Grep", "Bash"];

/// Everything an adapter needs to build one run's command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSpec {
    /// The rendered prompt; passed as exactly one argv element.
    pub prompt: String,
    /// The model to ask for, in the CLI's own naming; `None` keeps the CLI's default.
    pub model: Option<String>,
    /// Tools the agent may use without asking. `None` means the adapter's default (Claude Code:
    /// [`CLAUDE_DEFAULT_ALLOWED_TOOLS`]); only Claude Code takes this list on its command line.
    pub allowed_tools: Option<Vec<String>>,
    /// Extra directories the agent may read and write besides its working directory; absolute paths
    /// are expected. opencode has no such flag, and Codex has none when resuming.
    pub extra_dirs: Vec<PathBuf>,
    /// A session id from an earlier run's [`AgentEvent::SessionId`] to continue.
    pub resume_session: Option<String>,
    /// The executable to run instead of the backend's name looked up on `PATH`.
    pub executable: Option<PathBuf>,
}

impl RunSpec {
    /// A spec with only a prompt; every other field takes its default.
    pub fn new(prompt: impl Into<String>) -> Self {
        RunSpec {
            prompt: prompt.into(),
            ..RunSpec::default()
        }
    }

    /// The argv[0] to use: the override when set, else `default_name` (looked up on `PATH` at spawn).
    pub(crate) fn program(&self, default_name: &str) -> String {
        match &self.executable {
            Some(path) => path.to_string_lossy().into_owned(),
            None => default_name.to_owned(),
        }
    }
}

/// How a CLI continues an earlier session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeStyle {
    /// A flag taking the session id, e.g. `--resume <id>`.
    Flag(&'static str),
    /// A subcommand taking the session id as a positional argument (`codex exec resume <id>`).
    Subcommand(&'static str),
}

/// A future returned by [`AgentAdapter::detect`]; boxed so the trait stays object-safe.
pub type DetectFuture<'a> = Pin<Box<dyn Future<Output = Detection> + Send + 'a>>;

/// One agent CLI: how to find it, build its command line and read its output.
pub trait AgentAdapter: Send + Sync {
    /// The backend this adapter drives.
    fn backend(&self) -> Backend;

    /// Builds the argv for one run; argv[0] is the executable.
    fn build_argv(&self, spec: &RunSpec) -> Vec<String>;

    /// How this CLI resumes a session, or `None` if it cannot.
    fn resume_style(&self) -> Option<ResumeStyle>;

    /// A fresh parser for one run's output.
    fn new_parser(&self) -> Box<dyn StreamParser>;

    /// Finds the executable (the configured path, else the backend's name on `PATH`) and asks it for
    /// its version, giving up after [`VERSION_TIMEOUT`].
    fn detect<'a>(&'a self, configured_path: Option<&'a Path>) -> DetectFuture<'a> {
        let search_path = std::env::var_os("PATH");
        Box::pin(async move {
            detect_executable(
                self.backend().as_str(),
                configured_path,
                search_path.as_deref(),
                VERSION_TIMEOUT,
            )
            .await
        })
    }
}

/// Turns one run's output into normalized events. One parser per run: it keeps state across lines
/// (the session id seen, streamed text not yet flushed, whether a result or a final rate limit was
/// already reported).
pub trait StreamParser: Send {
    /// Parses one stdout line (without its newline). Unknown or malformed lines become
    /// [`AgentEvent::Raw`]; blank lines yield nothing. Never panics.
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent>;

    /// Parses one stderr line. stderr is free text, so only recognized signals (rate limits) become
    /// events; everything else yields nothing (the log keeps every line anyway).
    fn parse_stderr_line(&mut self, line: &str) -> Vec<AgentEvent>;

    /// Ends the run: flushes buffered text, reacts to the exit code (`None` when the process was
    /// killed by a signal) and emits a `Result` if the CLI printed none, so every run has exactly one.
    fn finish(&mut self, exit_code: Option<i32>) -> Vec<AgentEvent>;
}

static CLAUDE: ClaudeAdapter = ClaudeAdapter;
static CODEX: CodexAdapter = CodexAdapter;
static GEMINI: GeminiAdapter = GeminiAdapter;
static OPENCODE: OpencodeAdapter = OpencodeAdapter;

/// The adapter for a backend.
pub fn adapter_for(backend: Backend) -> &'static dyn AgentAdapter {
    match backend {
        Backend::Claude => &CLAUDE,
        Backend::Codex => &CODEX,
        Backend::Gemini => &GEMINI,
        Backend::Opencode => &OPENCODE,
    }
}

/// Pushes `--flag=value`. The joined form keeps a value that starts with `-` from being read as a
/// flag by any of the four CLIs' argument parsers (commander, clap, yargs).
pub(crate) fn push_flag(argv: &mut Vec<String>, flag: &str, value: &str) {
    argv.push(format!("{flag}={value}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_has_its_own_adapter() {
        for backend in Backend::ALL {
            assert_eq!(adapter_for(backend).backend(), backend);
            assert!(adapter_for(backend).resume_style().is_some());
        }
    }

    #[test]
    fn executable_override_becomes_argv0_and_the_prompt_stays_one_element() {
        let prompt = "fix it; rm -rf / && echo \"$HOME\"\nsecond line";
        for backend in Backend::ALL {
            let spec = RunSpec {
                executable: Some(PathBuf::from("/opt/bin/agent")),
                ..RunSpec::new(prompt)
            };
            let argv = adapter_for(backend).build_argv(&spec);
            assert_eq!(argv[0], "/opt/bin/agent", "{backend}");
            let holding: Vec<_> = argv.iter().filter(|a| a.contains("rm -rf")).collect();
            assert_eq!(holding.len(), 1, "{backend}: {argv:?}");
            assert!(holding[0].ends_with("second line"), "{backend}: {argv:?}");
        }
    }

    #[test]
    fn agent_event_wire_shape_is_stable() {
        let event = AgentEvent::RateLimit {
            message: "limit".into(),
            resets_at: None,
            retry_after_secs: Some(3),
            retrying: true,
        };
        let json = serde_json::to_string(&event).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"type":"rate_limit","message":"limit","retry_after_secs":3,"retrying":true}"#
        );
        let usage = AgentEvent::Usage {
            input_tokens: 1,
            output_tokens: 2,
            cache_read_tokens: 3,
            cache_write_tokens: 4,
        };
        let json = serde_json::to_string(&usage).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"type":"usage","input_tokens":1,"output_tokens":2,"cache_read_tokens":3,"cache_write_tokens":4}"#
        );
        let back: Result<AgentEvent, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(usage));
        let call = AgentEvent::ToolCall {
            id: "a".into(),
            name: "b".into(),
            input: "{}".into(),
        };
        assert_eq!(
            serde_json::to_value(&call)
                .ok()
                .and_then(|v| v["type"].as_str().map(String::from)),
            Some("tool_call".to_owned())
        );
    }
}

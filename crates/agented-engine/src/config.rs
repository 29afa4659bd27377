//! The engine's settings, parsed and validated by the binary.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// Limits and places for runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Runs that may be running or paused at once (`AGENTED_MAX_CONCURRENT_RUNS`, default 4).
    pub max_concurrent_runs: usize,
    /// Per-backend limits (`AGENTED_MAX_RUNS_PER_BACKEND`, e.g. `claude=2,codex=1`).
    pub max_runs_per_backend: HashMap<String, usize>,
    /// Per-account limits (filled in when accounts exist).
    pub max_runs_per_account: HashMap<String, usize>,
    /// Every working directory must be inside this folder (`AGENTED_WORKSPACE_ROOT`).
    pub workspace_root: PathBuf,
    /// Default time limit of a run (`AGENTED_RUN_TIMEOUT_SECS`, default 600).
    pub default_timeout: Duration,
    /// SIGTERM → SIGKILL grace (`AGENTED_KILL_GRACE_SECS`, default 10).
    pub kill_grace: Duration,
    /// Longest pause before the run ends as `pause_timeout` (`AGENTED_PAUSE_LIMIT_SECS`, 1800).
    pub pause_limit: Duration,
    /// Stored log bytes per run before storage stops with a marker (`AGENTED_LOG_CAP_BYTES`, 50 MB).
    pub log_cap_bytes: u64,
    /// Longest line stored whole; longer lines are split and marked (1 MiB).
    pub max_line_bytes: usize,
    /// Lines are written at least this often (100 ms)…
    pub flush_interval: Duration,
    /// …or when this many are waiting (1,000), whichever comes first.
    pub flush_lines: usize,
    /// Executable overrides per backend (`AGENTED_CLAUDE_BIN`, …); default is the name on `PATH`.
    pub executables: HashMap<String, PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_concurrent_runs: 4,
            max_runs_per_backend: HashMap::new(),
            max_runs_per_account: HashMap::new(),
            workspace_root: PathBuf::from("./workspace"),
            default_timeout: Duration::from_secs(600),
            kill_grace: Duration::from_secs(10),
            pause_limit: Duration::from_secs(30 * 60),
            log_cap_bytes: 50 * 1024 * 1024,
            max_line_bytes: 1024 * 1024,
            flush_interval: Duration::from_millis(100),
            flush_lines: 1000,
            executables: HashMap::new(),
        }
    }
}

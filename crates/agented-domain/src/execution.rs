//! Runs ("executions"): their statuses, which transitions are allowed, and what started them.
//!
//! Every status change is a compare-and-set owned by one supervisor task (see the engine); this
//! module only says which changes exist. A terminal status is final.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Waiting in the durable queue.
    Queued,
    /// The CLI process is running.
    Running,
    /// The CLI's process group is stopped (SIGSTOP).
    Paused,
    /// The CLI exited 0 and reported no error.
    Success,
    /// The CLI exited non-zero, or could not be started.
    Failed,
    /// The run exceeded its time limit (paused time excluded).
    Timeout,
    /// Someone cancelled it.
    Cancelled,
    /// The server stopped or crashed while it ran.
    Interrupted,
    /// It stayed paused longer than the pause limit.
    PauseTimeout,
    /// The CLI reported a rate or usage limit and gave up.
    RateLimited,
    /// A budget's hard limit stopped it (or kept it from starting).
    BudgetBlocked,
}

impl ExecutionStatus {
    /// Every status.
    pub const ALL: [ExecutionStatus; 11] = [
        ExecutionStatus::Queued,
        ExecutionStatus::Running,
        ExecutionStatus::Paused,
        ExecutionStatus::Success,
        ExecutionStatus::Failed,
        ExecutionStatus::Timeout,
        ExecutionStatus::Cancelled,
        ExecutionStatus::Interrupted,
        ExecutionStatus::PauseTimeout,
        ExecutionStatus::RateLimited,
        ExecutionStatus::BudgetBlocked,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Queued => "queued",
            ExecutionStatus::Running => "running",
            ExecutionStatus::Paused => "paused",
            ExecutionStatus::Success => "success",
            ExecutionStatus::Failed => "failed",
            ExecutionStatus::Timeout => "timeout",
            ExecutionStatus::Cancelled => "cancelled",
            ExecutionStatus::Interrupted => "interrupted",
            ExecutionStatus::PauseTimeout => "pause_timeout",
            ExecutionStatus::RateLimited => "rate_limited",
            ExecutionStatus::BudgetBlocked => "budget_blocked",
        }
    }

    /// Returns true if and only if no further transition is possible.
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            ExecutionStatus::Queued | ExecutionStatus::Running | ExecutionStatus::Paused
        )
    }

    /// Returns true if and only if `self → next` is a transition the system may make.
    pub fn can_become(self, next: ExecutionStatus) -> bool {
        use ExecutionStatus::*;
        match self {
            Queued => matches!(
                next,
                Running | Cancelled | Interrupted | BudgetBlocked | Failed
            ),
            Running => next != Queued && next != Running,
            Paused => next != Queued && next != Paused,
            _ => false,
        }
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for ExecutionStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExecutionStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A line Agented itself wrote into the log (e.g. a truncation marker).
    System,
}

/// One stored log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    /// 1-based sequence number within the run; the SSE `id:`.
    pub seq: u64,
    /// When the server read it (RFC 3339 UTC).
    pub timestamp: String,
    /// Where it came from.
    pub stream: LogStream,
    /// The text (invalid UTF-8 replaced).
    pub content: String,
    /// True when this is a piece of a line longer than the line limit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExecutionStatus::*;

    #[test]
    fn terminal_statuses_are_final() {
        for s in ExecutionStatus::ALL {
            if s.is_terminal() {
                assert!(
                    ExecutionStatus::ALL.iter().all(|n| !s.can_become(*n)),
                    "{s}"
                );
            }
            assert_eq!(s.as_str().parse::<ExecutionStatus>(), Ok(s));
        }
        assert!(Queued.can_become(Running));
        assert!(Running.can_become(Paused) && Paused.can_become(Running));
        assert!(!Running.can_become(Queued));
        assert!(!Success.can_become(Failed));
    }
}

//! The knobs of a supervised run and what it reports when it ends.
//!
//! Also holds the clock that counts only running time, so a paused run does not time out while it is
//! paused (the original kept counting and SIGKILLed paused runs as timed out).

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// Limits for one supervised process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum running time; time spent paused does not count. Default 600 s.
    pub timeout: Duration,
    /// How long to wait after SIGTERM before SIGKILL. Default 10 s.
    pub kill_grace: Duration,
    /// How long a run may stay paused before it is stopped with [`RunOutcome::PauseTimeout`].
    /// Default 30 min.
    pub pause_limit: Duration,
    /// Longest line delivered whole; longer lines arrive as `split` chunks. Default 1 MiB.
    pub max_line_bytes: usize,
    /// Capacity of the output channel, in lines. Default 1024.
    pub channel_capacity: usize,
    /// After the process ends, how long to wait for the readers to deliver the last lines (they can
    /// only hang if something outside the group still holds the pipes). Default 5 s.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(600),
            kill_grace: Duration::from_secs(10),
            pause_limit: Duration::from_secs(30 * 60),
            max_line_bytes: 1024 * 1024,
            channel_capacity: 1024,
            drain_timeout: Duration::from_secs(5),
        }
    }
}

/// How a supervised run ended. Exactly one is reported per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "outcome", content = "value", rename_all = "snake_case")]
pub enum RunOutcome {
    /// The process exited on its own with this code. `-1` means the exit status could not be
    /// collected (the wait itself failed), which the OS does not do for a child we own.
    Exited(i32),
    /// The process was killed by this signal, not by Agented.
    Signaled(i32),
    /// The running time exceeded [`Limits::timeout`]; Agented stopped it.
    TimedOut,
    /// A caller cancelled it; Agented stopped it.
    Cancelled,
    /// It stayed paused longer than [`Limits::pause_limit`]; Agented stopped it.
    PauseTimeout,
}

/// The final report of a supervised run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// How it ended.
    pub outcome: RunOutcome,
    /// The leader's exit code when it exited normally (also after a cancel it honoured), for the
    /// parser's `finish`; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    /// True if and only if SIGTERM was not enough and the group had to be SIGKILLed.
    pub killed: bool,
    /// Time spent running (not paused).
    pub active: Duration,
    /// Time from spawn to the leader's exit.
    pub wall: Duration,
}

/// Counts running time only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActiveClock {
    accumulated: Duration,
    running_since: Option<Instant>,
}

impl ActiveClock {
    /// A clock that starts running at `now`.
    pub fn start(now: Instant) -> Self {
        ActiveClock {
            accumulated: Duration::ZERO,
            running_since: Some(now),
        }
    }

    /// Stops counting (no effect if already stopped).
    pub fn pause(&mut self, now: Instant) {
        if let Some(since) = self.running_since.take() {
            self.accumulated += now.saturating_duration_since(since);
        }
    }

    /// Starts counting again (no effect if running).
    pub fn resume(&mut self, now: Instant) {
        self.running_since.get_or_insert(now);
    }

    /// Running time so far.
    pub fn active(&self, now: Instant) -> Duration {
        self.accumulated
            + self
                .running_since
                .map_or(Duration::ZERO, |s| now.saturating_duration_since(s))
    }

    /// When the running time reaches `limit`, if the clock is running and that instant is
    /// representable.
    pub fn deadline(&self, limit: Duration) -> Option<Instant> {
        self.running_since?
            .checked_add(limit.saturating_sub(self.accumulated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_time_does_not_count() {
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        let mut clock = ActiveClock::start(t0);
        assert_eq!(clock.deadline(Duration::from_secs(10)), Some(at(10)));
        clock.pause(at(4));
        assert_eq!(clock.deadline(Duration::from_secs(10)), None);
        assert_eq!(clock.active(at(100)), Duration::from_secs(4));
        clock.resume(at(100));
        clock.resume(at(150));
        assert_eq!(clock.deadline(Duration::from_secs(10)), Some(at(106)));
        assert_eq!(clock.active(at(103)), Duration::from_secs(7));
    }

    #[test]
    fn an_unrepresentable_deadline_is_none() {
        let clock = ActiveClock::start(Instant::now());
        assert_eq!(clock.deadline(Duration::MAX), None);
    }
}

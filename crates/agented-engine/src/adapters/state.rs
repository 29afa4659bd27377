//! Bookkeeping every parser shares, so the four CLIs' parsers keep the same promises.
//!
//! It guarantees: a session id is reported once per distinct value; at most one final (non-retrying)
//! rate limit is reported, however many places the CLI repeats it; exactly one `Result` ends a run
//! (synthesized from the last text or error when the CLI printed none). It knows nothing about any
//! CLI's wire format.

use agented_domain::agent_event::AgentEvent;
use agented_domain::time::to_rfc3339;

use super::ratelimit::LimitSignal;

/// Per-run state shared by the parsers.
#[derive(Debug, Default)]
pub(crate) struct ParseState {
    session_id: Option<String>,
    last_text: Option<String>,
    last_error: Option<String>,
    result_emitted: bool,
    final_limit_emitted: bool,
}

impl ParseState {
    /// Reports `id` unless it is empty or the one already reported.
    pub fn session(&mut self, id: Option<&str>, out: &mut Vec<AgentEvent>) {
        let Some(id) = id.filter(|id| !id.is_empty()) else {
            return;
        };
        if self.session_id.as_deref() != Some(id) {
            self.session_id = Some(id.to_owned());
            out.push(AgentEvent::SessionId {
                session_id: id.to_owned(),
            });
        }
    }

    /// Reports assistant text (skipping empty text) and remembers it as the candidate final answer.
    pub fn text(&mut self, text: &str, out: &mut Vec<AgentEvent>) {
        if text.is_empty() {
            return;
        }
        self.last_text = Some(text.to_owned());
        out.push(AgentEvent::AssistantText {
            text: text.to_owned(),
        });
    }

    /// The last assistant text, for CLIs whose final event carries no text.
    pub fn last_text(&self) -> &str {
        self.last_text.as_deref().unwrap_or("")
    }

    /// Reports an error that is not a rate limit.
    pub fn error(&mut self, message: &str, out: &mut Vec<AgentEvent>) {
        self.last_error = Some(message.to_owned());
        out.push(AgentEvent::Error {
            message: message.to_owned(),
        });
    }

    /// Reports a rate limit. A final one (`retrying == false`) is reported only once per run, because
    /// CLIs repeat it (an error event, then a failed turn, then the exit code).
    pub fn rate_limit(&mut self, signal: LimitSignal, retrying: bool, out: &mut Vec<AgentEvent>) {
        if !retrying {
            self.last_error = Some(signal.message.clone());
            if self.final_limit_emitted {
                return;
            }
            self.final_limit_emitted = true;
        }
        out.push(AgentEvent::RateLimit {
            message: signal.message,
            resets_at: signal.resets_at.map(to_rfc3339),
            retry_after_secs: signal.retry_after_secs,
            retrying,
        });
    }

    /// True once a final rate limit was reported.
    pub fn final_limit_emitted(&self) -> bool {
        self.final_limit_emitted
    }

    /// Reports the run's result (only the first one counts; later ones are dropped as duplicates).
    pub fn result(&mut self, text: &str, is_error: bool, out: &mut Vec<AgentEvent>) {
        if self.result_emitted {
            return;
        }
        self.result_emitted = true;
        out.push(AgentEvent::Result {
            text: text.to_owned(),
            is_error,
        });
    }

    /// Emits a `Result` if the CLI printed none: an error when the exit code is not 0 or an error was
    /// seen, with the last error (or text) as its text.
    pub fn finish(&mut self, exit_code: Option<i32>, out: &mut Vec<AgentEvent>) {
        if self.result_emitted {
            return;
        }
        let is_error = exit_code != Some(0) || self.last_error.is_some();
        let text = match (&self.last_error, is_error) {
            (Some(error), true) => error.clone(),
            (None, true) if self.last_text.is_none() => match exit_code {
                Some(code) => format!("exited with code {code} without a result"),
                None => "killed by a signal before printing a result".to_owned(),
            },
            _ => self.last_text().to_owned(),
        };
        self.result(&text, is_error, out);
    }
}

/// Wraps a line the parser could not understand.
pub(crate) fn raw(line: &str) -> Vec<AgentEvent> {
    vec![AgentEvent::Raw {
        line: line.to_owned(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(message: &str) -> LimitSignal {
        LimitSignal {
            message: message.into(),
            resets_at: None,
            retry_after_secs: None,
        }
    }

    #[test]
    fn session_ids_are_reported_once_per_value() {
        let mut state = ParseState::default();
        let mut out = Vec::new();
        for id in [Some("a"), Some("a"), None, Some(""), Some("b"), Some("b")] {
            state.session(id, &mut out);
        }
        assert_eq!(
            out,
            vec![
                AgentEvent::SessionId {
                    session_id: "a".into()
                },
                AgentEvent::SessionId {
                    session_id: "b".into()
                },
            ]
        );
    }

    #[test]
    fn final_rate_limit_is_reported_once_but_retries_each_time() {
        let mut state = ParseState::default();
        let mut out = Vec::new();
        state.rate_limit(signal("retry 1"), true, &mut out);
        state.rate_limit(signal("retry 2"), true, &mut out);
        state.rate_limit(signal("gave up"), false, &mut out);
        state.rate_limit(signal("gave up again"), false, &mut out);
        assert_eq!(out.len(), 3);
        assert!(state.final_limit_emitted());
        state.finish(Some(1), &mut out);
        assert_eq!(
            out.last(),
            Some(&AgentEvent::Result {
                text: "gave up again".into(),
                is_error: true
            })
        );
    }

    #[test]
    fn finish_synthesizes_exactly_one_result() {
        let mut state = ParseState::default();
        let mut out = Vec::new();
        state.text("answer", &mut out);
        state.finish(Some(0), &mut out);
        state.finish(Some(0), &mut out);
        assert_eq!(out.iter().filter(|e| e.kind() == "result").count(), 1);
        assert_eq!(
            out.last(),
            Some(&AgentEvent::Result {
                text: "answer".into(),
                is_error: false
            })
        );

        let mut killed = ParseState::default();
        let mut out = Vec::new();
        killed.finish(None, &mut out);
        assert!(matches!(
            &out[..],
            [AgentEvent::Result { is_error: true, .. }]
        ));
    }
}

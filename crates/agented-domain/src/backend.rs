//! The four agent CLIs Agented can drive. Every place that chooses a backend accepts all four.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the AI coding command-line tools that Agented runs as a bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Anthropic's Claude Code (`claude`).
    Claude,
    /// opencode (`opencode`).
    Opencode,
    /// Google's Gemini CLI (`gemini`).
    Gemini,
    /// OpenAI's Codex CLI (`codex`).
    Codex,
}

impl Backend {
    /// Every backend, in the order the UI lists them.
    pub const ALL: [Backend; 4] = [
        Backend::Claude,
        Backend::Opencode,
        Backend::Gemini,
        Backend::Codex,
    ];

    /// The wire name, which is also the default executable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Claude => "claude",
            Backend::Opencode => "opencode",
            Backend::Gemini => "gemini",
            Backend::Codex => "codex",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no known backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend {0:?}; expected one of claude, opencode, gemini, codex")]
pub struct UnknownBackend(pub String);

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| UnknownBackend(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_backend_and_rejects_others() {
        for b in Backend::ALL {
            assert_eq!(b.as_str().parse::<Backend>(), Ok(b));
        }
        assert!("Claude".parse::<Backend>().is_err());
        assert!("".parse::<Backend>().is_err());
    }
}

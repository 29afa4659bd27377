//! The environment a CLI process gets: a short allowlist from the server's environment plus what the
//! caller passes, and nothing else.
//!
//! The original inherited the whole server environment (and injected every secret into every run).
//! Here the server's environment is an explicit input, so tests pass a synthetic one instead of
//! mutating the process-wide environment, and `AGENTED_*` settings can never leak into a run.

use std::ffi::{OsStr, OsString};

/// Variables copied from the server's environment when set there.
pub const INHERITED_VARS: &[&str] = &["PATH", "HOME", "LANG", "USER", "TMPDIR"];

/// `TERM` is always `dumb`: the CLIs run without a terminal, and a dumb terminal keeps colour codes
/// and spinners out of their output.
pub const TERM_VALUE: &str = "dumb";

/// A complete, explicit environment for a child process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildEnv {
    vars: Vec<(OsString, OsString)>,
}

impl ChildEnv {
    /// Builds the environment from `parent` (the server's environment, or a synthetic one in tests)
    /// and `extra` (the run's own variables, e.g. an API key for the chosen account). Only
    /// [`INHERITED_VARS`] are taken from `parent`; `TERM` is [`TERM_VALUE`]; `extra` wins over both.
    pub fn from_parent<I, K, V>(parent: I, extra: Vec<(String, String)>) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut env = ChildEnv::default();
        for (key, value) in parent {
            let key = key.into();
            if INHERITED_VARS
                .iter()
                .any(|allowed| key.as_os_str() == OsStr::new(allowed))
            {
                env.set(key, value.into());
            }
        }
        env.set("TERM".into(), TERM_VALUE.into());
        for (key, value) in extra {
            env.set(key.into(), value.into());
        }
        env
    }

    /// Builds the environment from this server process's own environment (see [`Self::from_parent`]).
    pub fn from_current_process(extra: Vec<(String, String)>) -> Self {
        Self::from_parent(std::env::vars_os(), extra)
    }

    fn set(&mut self, key: OsString, value: OsString) {
        match self.vars.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((key, value)),
        }
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_os_str())
    }

    /// Every variable, in insertion order.
    pub fn vars(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.as_os_str(), v.as_os_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowlisted_parent_vars_survive() {
        let parent = [
            ("PATH", "/usr/bin"),
            ("HOME", "/home/agented"),
            ("AGENTED_SECRET_KEY", "hunter2"),
            ("AWS_SECRET_ACCESS_KEY", "nope"),
            ("TERM", "xterm-256color"),
        ];
        let env = ChildEnv::from_parent(parent, vec![("ANTHROPIC_API_KEY".into(), "sk".into())]);
        assert_eq!(env.get("PATH"), Some(OsStr::new("/usr/bin")));
        assert_eq!(env.get("HOME"), Some(OsStr::new("/home/agented")));
        assert_eq!(env.get("TERM"), Some(OsStr::new("dumb")));
        assert_eq!(env.get("ANTHROPIC_API_KEY"), Some(OsStr::new("sk")));
        assert_eq!(env.get("AGENTED_SECRET_KEY"), None);
        assert_eq!(env.get("AWS_SECRET_ACCESS_KEY"), None);
        assert_eq!(env.vars().count(), 4);
    }

    #[test]
    fn extra_vars_override_inherited_ones() {
        let env =
            ChildEnv::from_parent([("HOME", "/root")], vec![("HOME".into(), "/tmp/h".into())]);
        assert_eq!(env.get("HOME"), Some(OsStr::new("/tmp/h")));
        assert_eq!(env.vars().filter(|(k, _)| *k == "HOME").count(), 1);
    }
}

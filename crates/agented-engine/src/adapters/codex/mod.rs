//! Codex CLI (`codex`): command line and resume. Flags checked against Codex CLI 0.171.0's
//! `codex exec --help` and `codex exec resume --help` (see `tests/data/cli-streams/codex/help.txt`).
//!
//! New run: `codex exec --json --skip-git-repo-check [--model=M] [--add-dir=D]… -- <prompt>`.
//! Resume: `codex exec resume --json --skip-git-repo-check [--model=M] -- <SID> <prompt>` (the
//! resume subcommand has no `--add-dir`, so extra directories are dropped when resuming).
//! `--skip-git-repo-check` because a fresh temporary working directory is not a git repository.
//! The sandbox and approval policy are left to the account's `config.toml`; the old `--full-auto`
//! flag no longer exists. stdin is null, so Codex appends nothing to the prompt.

mod parser;
mod wire;

use agented_domain::Backend;

pub use parser::CodexParser;

use super::{push_flag, AgentAdapter, ResumeStyle, RunSpec, StreamParser};

/// The Codex CLI adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodexAdapter;

impl AgentAdapter for CodexAdapter {
    fn backend(&self) -> Backend {
        Backend::Codex
    }

    fn build_argv(&self, spec: &RunSpec) -> Vec<String> {
        let mut argv = vec![spec.program("codex"), "exec".to_owned()];
        if spec.resume_session.is_some() {
            argv.push("resume".to_owned());
        }
        argv.extend(["--json", "--skip-git-repo-check"].map(String::from));
        if let Some(model) = &spec.model {
            push_flag(&mut argv, "--model", model);
        }
        if spec.resume_session.is_none() {
            for dir in &spec.extra_dirs {
                push_flag(&mut argv, "--add-dir", &dir.to_string_lossy());
            }
        }
        // After `--` clap takes everything as positionals, so neither the id nor the prompt can be
        // mistaken for a flag or a subcommand name.
        argv.push("--".to_owned());
        if let Some(session) = &spec.resume_session {
            argv.push(session.clone());
        }
        argv.push(spec.prompt.clone());
        argv
    }

    fn resume_style(&self) -> Option<ResumeStyle> {
        Some(ResumeStyle::Subcommand("resume"))
    }

    fn new_parser(&self) -> Box<dyn StreamParser> {
        Box::new(CodexParser::default())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn new_run_command_line() {
        let spec = RunSpec {
            model: Some("gpt-5.5".into()),
            extra_dirs: vec![PathBuf::from("/srv/lib")],
            ..RunSpec::new("say hello")
        };
        assert_eq!(
            CodexAdapter.build_argv(&spec),
            [
                "codex",
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--model=gpt-5.5",
                "--add-dir=/srv/lib",
                "--",
                "say hello"
            ]
        );
    }

    #[test]
    fn resume_uses_the_subcommand_and_drops_extra_dirs() {
        let spec = RunSpec {
            resume_session: Some("01a21a56-52b5".into()),
            extra_dirs: vec![PathBuf::from("/srv/lib")],
            ..RunSpec::new("say hello again")
        };
        assert_eq!(
            CodexAdapter.build_argv(&spec),
            [
                "codex",
                "exec",
                "resume",
                "--json",
                "--skip-git-repo-check",
                "--",
                "01a21a56-52b5",
                "say hello again"
            ]
        );
    }
}

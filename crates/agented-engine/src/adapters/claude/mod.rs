//! Claude Code (`claude`): command line and resume. Flags checked against Claude Code 2.1.197's
//! `--help` (see `tests/data/cli-streams/claude/help.txt`).
//!
//! `claude -p --output-format stream-json --verbose [--model=M] --allowedTools=T,… [--add-dir=D]…
//! [--resume=SID] -- <prompt>`: `-p` (`--print`) is a switch and the prompt is the positional
//! argument, placed after `--` so a prompt starting with `-` is never read as a flag and the variadic
//! `--add-dir`/`--allowedTools` options cannot swallow it. stream-json requires `--verbose`.

mod parser;
mod wire;

use agented_domain::Backend;

pub use parser::ClaudeParser;

use super::{
    push_flag, AgentAdapter, ResumeStyle, RunSpec, StreamParser, CLAUDE_DEFAULT_ALLOWED_TOOLS,
};

/// The Claude Code adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaudeAdapter;

impl AgentAdapter for ClaudeAdapter {
    fn backend(&self) -> Backend {
        Backend::Claude
    }

    fn build_argv(&self, spec: &RunSpec) -> Vec<String> {
        let mut argv = vec![spec.program("claude"), "-p".to_owned()];
        argv.extend(["--output-format", "stream-json", "--verbose"].map(String::from));
        if let Some(model) = &spec.model {
            push_flag(&mut argv, "--model", model);
        }
        let tools = match &spec.allowed_tools {
            Some(tools) => tools.join(","),
            None => CLAUDE_DEFAULT_ALLOWED_TOOLS.join(","),
        };
        // An explicitly empty list pre-approves nothing, which is what omitting the flag means.
        if !tools.is_empty() {
            push_flag(&mut argv, "--allowedTools", &tools);
        }
        for dir in &spec.extra_dirs {
            push_flag(&mut argv, "--add-dir", &dir.to_string_lossy());
        }
        if let Some(session) = &spec.resume_session {
            push_flag(&mut argv, "--resume", session);
        }
        argv.push("--".to_owned());
        argv.push(spec.prompt.clone());
        argv
    }

    fn resume_style(&self) -> Option<ResumeStyle> {
        Some(ResumeStyle::Flag("--resume"))
    }

    fn new_parser(&self) -> Box<dyn StreamParser> {
        Box::new(ClaudeParser::default())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn default_run_uses_stream_json_and_the_default_tools() {
        let argv = ClaudeAdapter.build_argv(&RunSpec::new("say hello"));
        assert_eq!(
            argv,
            [
                "claude",
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--allowedTools=Read,Glob,Grep,Bash",
                "--",
                "say hello"
            ]
        );
    }

    #[test]
    fn an_empty_tool_list_omits_the_flag() {
        let spec = RunSpec {
            allowed_tools: Some(Vec::new()),
            ..RunSpec::new("hi")
        };
        let argv = ClaudeAdapter.build_argv(&spec);
        assert!(
            !argv.iter().any(|a| a.starts_with("--allowedTools")),
            "{argv:?}"
        );
    }

    #[test]
    fn every_option_is_joined_to_its_flag() {
        let spec = RunSpec {
            model: Some("sonnet".into()),
            allowed_tools: Some(vec!["Read".into(), "Edit".into()]),
            extra_dirs: vec![PathBuf::from("/srv/a"), PathBuf::from("/srv/b")],
            resume_session: Some("811d9eb3".into()),
            ..RunSpec::new("-starts with a dash")
        };
        let argv = ClaudeAdapter.build_argv(&spec);
        assert_eq!(
            &argv[5..],
            [
                "--model=sonnet",
                "--allowedTools=Read,Edit",
                "--add-dir=/srv/a",
                "--add-dir=/srv/b",
                "--resume=811d9eb3",
                "--",
                "-starts with a dash"
            ]
        );
    }
}

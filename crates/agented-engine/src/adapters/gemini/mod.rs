//! Gemini CLI (`gemini`): command line and resume. Flags checked against Gemini CLI 0.61.0's `--help`
//! (see `tests/data/cli-streams/gemini/help.txt`).
//!
//! `gemini --prompt=<prompt> --output-format stream-json [--model=M] [--include-directories=D]…
//! [--resume=SID]`. `--prompt` (`-p`) takes the prompt as its value and switches to headless mode;
//! the joined `--prompt=` form keeps yargs from reading a prompt that starts with `-` as a flag.
//! Without `--yolo` headless Gemini only offers read-only tools; approval modes are not chosen here.

mod parser;
mod wire;

use agented_domain::Backend;

pub use parser::{GeminiParser, EXIT_RATE_LIMITED};

use super::{push_flag, AgentAdapter, ResumeStyle, RunSpec, StreamParser};

/// The Gemini CLI adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeminiAdapter;

impl AgentAdapter for GeminiAdapter {
    fn backend(&self) -> Backend {
        Backend::Gemini
    }

    fn build_argv(&self, spec: &RunSpec) -> Vec<String> {
        let mut argv = vec![spec.program("gemini")];
        push_flag(&mut argv, "--prompt", &spec.prompt);
        argv.extend(["--output-format", "stream-json"].map(String::from));
        if let Some(model) = &spec.model {
            push_flag(&mut argv, "--model", model);
        }
        for dir in &spec.extra_dirs {
            push_flag(&mut argv, "--include-directories", &dir.to_string_lossy());
        }
        if let Some(session) = &spec.resume_session {
            push_flag(&mut argv, "--resume", session);
        }
        argv
    }

    fn resume_style(&self) -> Option<ResumeStyle> {
        Some(ResumeStyle::Flag("--resume"))
    }

    fn new_parser(&self) -> Box<dyn StreamParser> {
        Box::new(GeminiParser::default())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn command_line_with_every_option() {
        let spec = RunSpec {
            model: Some("gemini-3.8-flash".into()),
            extra_dirs: vec![PathBuf::from("/srv/a")],
            resume_session: Some("ce6019ad".into()),
            ..RunSpec::new("say hello again")
        };
        assert_eq!(
            GeminiAdapter.build_argv(&spec),
            [
                "gemini",
                "--prompt=say hello again",
                "--output-format",
                "stream-json",
                "--model=gemini-3.8-flash",
                "--include-directories=/srv/a",
                "--resume=ce6019ad"
            ]
        );
    }
}

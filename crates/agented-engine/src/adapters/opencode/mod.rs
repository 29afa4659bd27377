//! opencode (`opencode`): command line and resume. Flags checked against opencode 1.18.33's
//! `opencode run --help` (see `tests/data/cli-streams/opencode/help.txt`).
//!
//! `opencode run --format json [--model=M] [--session=SID] <prompt>`. The message is a yargs
//! positional array that opencode joins with spaces, so the prompt stays one element. yargs would
//! read a leading `-` as a flag, so such a prompt gets one leading space (harmless to the model).
//! opencode has no flag for extra directories or allowed tools; both are ignored.

mod parser;
mod wire;

use agented_domain::Backend;

pub use parser::OpencodeParser;

use super::{push_flag, AgentAdapter, ResumeStyle, RunSpec, StreamParser};

/// The opencode adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpencodeAdapter;

impl AgentAdapter for OpencodeAdapter {
    fn backend(&self) -> Backend {
        Backend::Opencode
    }

    fn build_argv(&self, spec: &RunSpec) -> Vec<String> {
        let mut argv = vec![spec.program("opencode"), "run".to_owned()];
        argv.extend(["--format", "json"].map(String::from));
        if let Some(model) = &spec.model {
            push_flag(&mut argv, "--model", model);
        }
        if let Some(session) = &spec.resume_session {
            push_flag(&mut argv, "--session", session);
        }
        let prompt = if spec.prompt.starts_with('-') {
            format!(" {}", spec.prompt)
        } else {
            spec.prompt.clone()
        };
        argv.push(prompt);
        argv
    }

    fn resume_style(&self) -> Option<ResumeStyle> {
        Some(ResumeStyle::Flag("--session"))
    }

    fn new_parser(&self) -> Box<dyn StreamParser> {
        Box::new(OpencodeParser::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_with_model_and_session() {
        let spec = RunSpec {
            model: Some("mock/mock-model".into()),
            resume_session: Some("ses_de5a60129ffe".into()),
            ..RunSpec::new("say hello again")
        };
        assert_eq!(
            OpencodeAdapter.build_argv(&spec),
            [
                "opencode",
                "run",
                "--format",
                "json",
                "--model=mock/mock-model",
                "--session=ses_de5a60129ffe",
                "say hello again"
            ]
        );
    }

    #[test]
    fn a_prompt_starting_with_a_dash_is_not_a_flag() {
        let argv = OpencodeAdapter.build_argv(&RunSpec::new("--help me"));
        assert_eq!(argv.last().map(String::as_str), Some(" --help me"));
    }
}

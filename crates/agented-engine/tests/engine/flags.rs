//! Every flag the adapters put on a command line exists in the real CLI's `--help` (as captured), and
//! `ADAPTERS.md` names the versions those help texts came from.

use std::path::PathBuf;

use agented_domain::Backend;
use agented_engine::adapters::{adapter_for, parse_version, RunSpec};

use crate::support::capture_dir;

fn full_spec(resume: bool) -> RunSpec {
    RunSpec {
        model: Some("some-model".into()),
        allowed_tools: Some(vec!["Read".into()]),
        extra_dirs: vec![PathBuf::from("/srv/extra")],
        resume_session: resume.then(|| "session-1".to_owned()),
        ..RunSpec::new("do the thing")
    }
}

/// The flag names in an argv (`--model=x` → `--model`), without the `--` separator.
fn flags(argv: &[String]) -> Vec<String> {
    argv.iter()
        .filter(|a| a.starts_with('-') && a.as_str() != "--")
        .map(|a| a.split('=').next().unwrap_or_default().to_owned())
        .collect()
}

/// The part of a help capture printed by the command line `$ <command>`.
fn help_section(help: &str, command: &str) -> String {
    let marker = format!("$ {command}\n");
    let start = help
        .find(&marker)
        .unwrap_or_else(|| panic!("no section {command:?}"));
    let rest = &help[start + marker.len()..];
    rest[..rest.find("\n$ ").unwrap_or(rest.len())].to_owned()
}

/// True if `flag` appears in `help` as a whole flag, e.g. `--model` but not `--model-foo`.
fn documented(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before = help[..i].chars().next_back();
        let after = help[i + flag.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '-')
    })
}

#[test]
fn every_flag_used_is_in_the_captured_help() {
    let sections = [
        (Backend::Claude, false, "claude --help"),
        (Backend::Claude, true, "claude --help"),
        (Backend::Codex, false, "codex exec --help"),
        (Backend::Codex, true, "codex exec resume --help"),
        (Backend::Gemini, false, "gemini --help"),
        (Backend::Gemini, true, "gemini --help"),
        (Backend::Opencode, false, "opencode run --help"),
        (Backend::Opencode, true, "opencode run --help"),
    ];
    for (backend, resume, command) in sections {
        let help = std::fs::read_to_string(capture_dir(backend.as_str()).join("help.txt")).unwrap();
        let section = help_section(&help, command);
        let argv = adapter_for(backend).build_argv(&full_spec(resume));
        let used = flags(&argv);
        assert!(!used.is_empty());
        for flag in used {
            assert!(
                documented(&section, &flag),
                "{backend}: {flag} not in `{command}`"
            );
        }
    }
}

#[test]
fn adapters_doc_names_the_checked_versions() {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ADAPTERS.md"))
            .unwrap();
    for backend in Backend::ALL {
        let raw =
            std::fs::read_to_string(capture_dir(backend.as_str()).join("version.txt")).unwrap();
        let version = parse_version(&raw).unwrap();
        assert!(
            doc.contains(&version),
            "ADAPTERS.md does not mention {backend} {version}"
        );
    }
}

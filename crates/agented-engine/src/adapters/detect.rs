//! Finding an agent CLI and asking for its version.
//!
//! Detection looks the executable up (a configured path, or the backend's name on `PATH`), runs
//! `<exe> --version` with a short timeout in the same clean environment runs get, and parses the
//! first version-looking token. It reports problems as data: a missing or hanging CLI is a normal
//! answer here, not an error.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use tokio::process::Command;

use crate::process::ChildEnv;

/// How long `--version` may take. Node-based CLIs (gemini) need about a second on a cold cache.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// What detection found out about one CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// True if and only if an executable file was found.
    pub installed: bool,
    /// Where the executable is, when found.
    pub path: Option<PathBuf>,
    /// The version it reported, e.g. `2.1.197`, when `--version` answered in time.
    pub version: Option<String>,
    /// Why the version is missing (not found, timed out, exited non-zero), for the UI.
    pub problem: Option<String>,
}

impl Detection {
    fn missing(problem: String) -> Self {
        Detection {
            installed: false,
            path: None,
            version: None,
            problem: Some(problem),
        }
    }
}

/// Finds `name` the way a shell would: a name containing `/` is taken as a path, anything else is
/// searched in the directories of `search_path`. Only regular files with an execute bit count.
pub fn find_executable(name: &Path, search_path: Option<&OsStr>) -> Option<PathBuf> {
    if name.components().count() > 1 || name.is_absolute() {
        return is_executable(name).then(|| name.to_path_buf());
    }
    std::env::split_paths(search_path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Finds the CLI and runs `--version` on it, waiting at most `timeout`.
pub async fn detect_executable(
    default_name: &str,
    configured_path: Option<&Path>,
    search_path: Option<&OsStr>,
    timeout: Duration,
) -> Detection {
    let wanted = configured_path.unwrap_or_else(|| Path::new(default_name));
    let Some(path) = find_executable(wanted, search_path) else {
        return Detection::missing(format!("{} not found", wanted.display()));
    };
    let mut detection = Detection {
        installed: true,
        path: Some(path.clone()),
        version: None,
        problem: None,
    };
    let env = ChildEnv::from_current_process(Vec::new());
    let mut command = Command::new(&path);
    command
        .arg("--version")
        .env_clear()
        .envs(env.vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so a CLI that hangs on --version is stopped with everything it started.
        .process_group(0)
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            detection.problem = Some(format!("could not run --version: {e}"));
            return detection;
        }
    };
    let pgid = child.id().map(|id| nix::unistd::Pid::from_raw(id as i32));
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => {
            if let Some(pgid) = pgid {
                let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            }
            detection.problem = Some(format!("--version timed out after {timeout:?}"));
        }
        Ok(Err(e)) => detection.problem = Some(format!("could not run --version: {e}")),
        Ok(Ok(output)) => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            detection.version = parse_version(&stdout);
            if !output.status.success() {
                detection.problem = Some(format!("--version failed: {}", output.status));
            } else if detection.version.is_none() {
                detection.problem = Some(format!("no version in {:?}", stdout.trim()));
            }
        }
    }
    detection
}

/// The first token that looks like a version number (`2.1.197 (Claude Code)`,
/// `codex-cli 0.171.0`, `0.61.0`, `v1.18.33`), without a leading `v`.
pub fn parse_version(output: &str) -> Option<String> {
    output.split_whitespace().find_map(|token| {
        let token = token
            .trim_start_matches('v')
            .trim_end_matches([',', ')', ';']);
        let mut parts = token.split('.');
        let looks_numeric = parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && parts
                .next()
                .is_some_and(|p| p.bytes().next().is_some_and(|b| b.is_ascii_digit()));
        looks_numeric.then(|| token.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_each_clis_version_output() {
        assert_eq!(
            parse_version("2.1.197 (Claude Code)\n").as_deref(),
            Some("2.1.197")
        );
        assert_eq!(
            parse_version("codex-cli 0.171.0\n").as_deref(),
            Some("0.171.0")
        );
        assert_eq!(parse_version("0.61.0\n").as_deref(), Some("0.61.0"));
        assert_eq!(parse_version("v1.18.33").as_deref(), Some("1.18.33"));
        assert_eq!(parse_version("opencode\n"), None);
        assert_eq!(parse_version(""), None);
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        let mut file = std::fs::File::create(&path).unwrap();
        writeln!(file, "#!/bin/sh\n{body}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn finds_names_on_the_search_path_but_not_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "codex", "echo");
        std::fs::write(dir.path().join("gemini"), "not executable").unwrap();
        let search = std::env::join_paths([Path::new("/nonexistent"), dir.path()]).unwrap();
        assert_eq!(
            find_executable(Path::new("codex"), Some(&search)),
            Some(dir.path().join("codex"))
        );
        assert_eq!(find_executable(Path::new("gemini"), Some(&search)), None);
        assert_eq!(find_executable(Path::new("codex"), None), None);
    }

    #[tokio::test]
    async fn detects_version_of_a_configured_path() {
        let dir = tempfile::tempdir().unwrap();
        let exe = script(dir.path(), "my-codex", "echo 'codex-cli 0.171.0'");
        let found = detect_executable("codex", Some(&exe), None, VERSION_TIMEOUT).await;
        assert!(found.installed);
        assert_eq!(found.path, Some(exe));
        assert_eq!(found.version.as_deref(), Some("0.171.0"));
        assert_eq!(found.problem, None);
    }

    #[tokio::test]
    async fn reports_missing_and_hanging_clis_as_problems() {
        let dir = tempfile::tempdir().unwrap();
        let missing = detect_executable(
            "claude",
            None,
            Some(dir.path().as_os_str()),
            VERSION_TIMEOUT,
        )
        .await;
        assert!(!missing.installed);
        assert!(missing.problem.unwrap_or_default().contains("not found"));

        let hang = script(dir.path(), "claude", "sleep 30");
        let slow = detect_executable("claude", Some(&hang), None, Duration::from_millis(300)).await;
        assert!(slow.installed);
        assert_eq!(slow.version, None);
        assert!(slow.problem.unwrap_or_default().contains("timed out"));
    }
}

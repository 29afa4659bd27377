//! The command line: help, version, configuration errors, migrate, keys, doctor.

use crate::support::run;

#[test]
fn help_names_the_subcommands_and_environment_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, out, _) = run(dir.path(), &[], &["--help"]);
    assert!(status.success());
    for word in [
        "serve",
        "migrate",
        "keys",
        "doctor",
        "version",
        "AGENTED_DATA_DIR",
        "AGENTED_BIND",
    ] {
        assert!(out.contains(word), "--help lacks {word}:\n{out}");
    }
    let (_, out, _) = run(dir.path(), &[], &["migrate", "--help"]);
    assert!(
        out.contains("--dry-run") && out.contains("AGENTED_DATABASE_URL"),
        "{out}"
    );
    let (status, out, _) = run(dir.path(), &[], &["version"]);
    assert!(status.success() && out.starts_with("agented "), "{out}");
}

#[test]
fn each_bad_setting_stops_the_program_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    let unwritable = file.join("data");
    let unwritable = unwritable.to_str().expect("utf8");
    for (var, value) in [
        ("AGENTED_BIND", "999.1.1.1:80"),
        ("AGENTED_CORS_ORIGINS", "not an origin"),
        ("AGENTED_LOG_FORMAT", "yaml"),
        ("AGENTED_DATA_DIR", unwritable),
    ] {
        let (status, out, err) = run(&data, &[(var, value)], &["serve"]);
        assert!(!status.success(), "{var}={value} must fail");
        assert!(err.contains(var), "{var}: {out}{err}");
    }
}

#[test]
fn migrate_dry_run_lists_then_migrate_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (status, out, err) = run(&data, &[], &["migrate", "--dry-run"]);
    assert!(status.success(), "{err}");
    assert!(
        out.contains("would apply 0001 0001_foundation")
            && out.contains("would apply 0002 0002_executions"),
        "{out}"
    );
    let (status, out, _) = run(&data, &[], &["migrate"]);
    assert!(status.success() && out.contains("applied 0001"), "{out}");
    let (_, out, _) = run(&data, &[], &["migrate", "--dry-run"]);
    assert!(out.contains("up to date"), "{out}");
}

#[test]
fn keys_can_be_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (status, out, err) = run(
        &data,
        &[],
        &[
            "keys",
            "create",
            "--role",
            "editor",
            "--label",
            "deploy bot",
        ],
    );
    assert!(status.success(), "{err}");
    let key = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("agd_"))
        .expect("key")
        .to_owned();
    let (_, list, _) = run(&data, &[], &["keys", "list"]);
    assert!(
        list.contains("deploy bot") && list.contains("editor"),
        "{list}"
    );
    assert!(!list.contains(&key), "listing must never show the key");
    let (status, _, err) = run(
        &data,
        &[],
        &["keys", "create", "--role", "root", "--label", "x"],
    );
    assert!(!status.success() && err.contains("root"), "{err}");
    let (status, out, err) = run(&data, &[], &["keys", "revoke", "role-doesnotexist"]);
    assert!(!status.success(), "{out}{err}");
}

#[test]
fn doctor_reports_each_check_and_the_backends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    run(&data, &[], &["migrate"]);
    let (status, out, err) = run(&data, &[], &["doctor"]);
    assert!(status.success(), "{out}{err}");
    for word in [
        "data folder",
        "database",
        "claude",
        "opencode",
        "gemini",
        "codex",
    ] {
        assert!(out.contains(word), "doctor lacks {word}:\n{out}");
    }
}

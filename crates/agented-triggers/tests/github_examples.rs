//! Real GitHub webhook payloads (from `@octokit/webhooks-examples`, see
//! `tests/data/github/README.md`) read by `GithubEvent::parse`: every copied example parses, its
//! fields come out right, and a payload with a required field removed names that field.

// The helpers below are test code too; `allow-unwrap-in-tests` only covers `#[test]` functions.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use agented_triggers::github::{
    command_matches, commenter_allowed, repo_matches, CommentAction, GithubError, GithubEvent,
    PrAction,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "github", name]
        .iter()
        .collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(event: &str, file: &str) -> GithubEvent {
    GithubEvent::parse(event, &load(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Removes the field at a dotted path from a payload.
fn without(mut payload: Value, path: &str) -> Value {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let mut node = &mut payload;
    for part in parent.split('.').filter(|p| !p.is_empty()) {
        node = &mut node[part];
    }
    node.as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap_or_else(|| panic!("no field {path}"));
    payload
}

#[test]
fn every_copied_example_parses() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "github"]
        .iter()
        .collect();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let event = stem.split('.').next().unwrap();
        GithubEvent::parse(event, &load(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        count += 1;
    }
    assert_eq!(count, 15);
}

#[test]
fn ping_reads_zen_hook_id_and_repository() {
    let GithubEvent::Ping(ping) = parse("ping", "ping.json") else {
        panic!("not a ping")
    };
    assert_eq!(ping.zen, "Anything added dilutes everything else.");
    assert_eq!(ping.hook_id, Some(109948940));
    assert_eq!(
        ping.repo_full_name.as_deref(),
        Some("Octocoders/Hello-World")
    );

    let GithubEvent::Ping(org) = parse("ping", "ping.organization.json") else {
        panic!("not a ping")
    };
    assert_eq!(org.repo_full_name, None);
}

#[test]
fn pull_request_opened_reads_every_field() {
    let GithubEvent::PullRequest(pr) = parse("pull_request", "pull_request.opened.json") else {
        panic!("not a pull request");
    };
    assert_eq!(pr.action, PrAction::Opened);
    assert_eq!(pr.number, 2);
    assert_eq!(pr.title, "Update the README with new information.");
    assert!(pr.body.starts_with("This is a pretty simple change"));
    assert_eq!(
        pr.html_url,
        "https://github.com/Codertocat/Hello-World/pull/2"
    );
    assert_eq!(pr.author, "Codertocat");
    assert_eq!(pr.author_association, "OWNER");
    assert!(!pr.draft);
    assert_eq!(pr.head_sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    assert_eq!(pr.head_ref, "changes");
    assert_eq!(pr.base_ref, "master");
    assert_eq!(pr.repo_full_name, "Codertocat/Hello-World");
    assert_eq!(pr.repo_url, "https://github.com/Codertocat/Hello-World");
    assert_eq!(pr.sender.as_deref(), Some("Codertocat"));
}

#[test]
fn a_null_body_becomes_empty() {
    let GithubEvent::PullRequest(pr) = parse("pull_request", "pull_request.opened.null_body.json")
    else {
        panic!("not a pull request");
    };
    assert_eq!(pr.body, "");
}

#[test]
fn the_four_actions_that_start_bots_are_recognized() {
    for (file, action) in [
        ("pull_request.opened.json", PrAction::Opened),
        ("pull_request.synchronize.json", PrAction::Synchronize),
        ("pull_request.reopened.json", PrAction::Reopened),
        (
            "pull_request.ready_for_review.json",
            PrAction::ReadyForReview,
        ),
    ] {
        let GithubEvent::PullRequest(pr) = parse("pull_request", file) else {
            panic!("{file}")
        };
        assert_eq!(pr.action, action, "{file}");
        assert_eq!(pr.action.as_str(), file.split('.').nth(1).unwrap());
    }
}

#[test]
fn other_pull_request_actions_are_ignored_with_a_reason() {
    for (file, action) in [
        ("pull_request.closed.json", "closed"),
        ("pull_request.converted_to_draft.json", "converted_to_draft"),
        ("pull_request.labeled.json", "labeled"),
    ] {
        assert_eq!(
            parse("pull_request", file),
            GithubEvent::Ignored {
                reason: format!("pull_request action '{action}' ignored")
            }
        );
    }
}

#[test]
fn a_comment_on_a_pull_request_carries_its_commands() {
    let GithubEvent::PrComment(c) =
        parse("issue_comment", "issue_comment.created.pull_request.json")
    else {
        panic!("not a PR comment");
    };
    assert_eq!(c.action, CommentAction::Created);
    assert_eq!(c.commands, vec!["/review", "/fix-typos"]);
    assert_eq!(c.new_commands, c.commands);
    assert_eq!(c.commenter, "Codertocat");
    assert!(!c.commenter_is_bot);
    assert_eq!(c.author_association, "CONTRIBUTOR");
    assert_eq!(c.comment_id, 492700400);
    assert!(c.comment_body.starts_with("/Review please"));
    assert_eq!(
        c.comment_url.as_deref(),
        Some("https://github.com/Codertocat/Hello-World/pull/1#issuecomment-492700400")
    );
    assert_eq!(c.pr_number, 1);
    assert_eq!(c.pr_title, "Update the README with new information.");
    assert_eq!(c.pr_url, "https://github.com/Codertocat/Hello-World/pull/1");
    assert_eq!(c.repo_full_name, "Codertocat/Hello-World");
    assert_eq!(c.repo_url, "https://github.com/Codertocat/Hello-World");

    // What the dispatcher will ask of it.
    assert!(command_matches("/review", &c.commands));
    assert!(!command_matches("", &c.commands));
    assert!(!commenter_allowed(&c.author_association, &[]));
    assert!(commenter_allowed(
        &c.author_association,
        &["CONTRIBUTOR".to_string()]
    ));
    assert!(repo_matches(
        &["codertocat/*".to_string()],
        &c.repo_full_name
    ));
    assert!(!repo_matches(&[], &c.repo_full_name));
}

#[test]
fn comments_on_plain_issues_are_ignored() {
    for file in [
        "issue_comment.created.issue.json",
        "issue_comment.edited.issue.json",
        "issue_comment.deleted.issue.json",
    ] {
        assert_eq!(
            parse("issue_comment", file),
            GithubEvent::Ignored {
                reason: "comment on an issue, not a pull request, ignored".into()
            },
            "{file}"
        );
    }
}

#[test]
fn a_deleted_pr_comment_is_ignored() {
    let mut payload = load("issue_comment.created.pull_request.json");
    payload["action"] = "deleted".into();
    assert_eq!(
        GithubEvent::parse("issue_comment", &payload).unwrap(),
        GithubEvent::Ignored {
            reason: "issue_comment action 'deleted' ignored".into()
        }
    );
}

#[test]
fn other_event_types_are_ignored() {
    assert_eq!(
        parse("push", "push.json"),
        GithubEvent::Ignored {
            reason: "event type 'push' ignored".into()
        }
    );
}

#[test]
fn a_removed_required_field_is_named() {
    let cases = [
        ("pull_request", "pull_request.synchronize.json", "action"),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "pull_request.number",
        ),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "pull_request.html_url",
        ),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "pull_request.user",
        ),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "pull_request.head.sha",
        ),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "repository.full_name",
        ),
        (
            "pull_request",
            "pull_request.synchronize.json",
            "repository",
        ),
        (
            "issue_comment",
            "issue_comment.created.pull_request.json",
            "comment.user.login",
        ),
        (
            "issue_comment",
            "issue_comment.created.pull_request.json",
            "comment.author_association",
        ),
        (
            "issue_comment",
            "issue_comment.created.pull_request.json",
            "issue.number",
        ),
        (
            "issue_comment",
            "issue_comment.created.pull_request.json",
            "repository.html_url",
        ),
        (
            "issue_comment",
            "issue_comment.created.pull_request.json",
            "issue",
        ),
    ];
    for (event, file, path) in cases {
        let payload = without(load(file), path);
        assert_eq!(
            GithubEvent::parse(event, &payload),
            Err(GithubError::MissingField {
                path: path.to_string()
            }),
            "{file} without {path}"
        );
    }
}

#[test]
fn ignored_events_do_not_need_the_fields_we_read() {
    let payload = without(load("pull_request.closed.json"), "pull_request");
    assert!(matches!(
        GithubEvent::parse("pull_request", &payload),
        Ok(GithubEvent::Ignored { .. })
    ));
}

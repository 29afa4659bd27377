//! GitHub webhook deliveries read into typed events: pings, pull requests and PR comment commands.
//!
//! Owns the meaning of a delivery once its signature has been checked (that is `signature`'s job)
//! and before any bot runs (the dispatcher's): [`GithubEvent::parse`] takes the `X-GitHub-Event`
//! header and the JSON body and says what happened, or why it is ignored. [`access`] decides who
//! and which repositories may start a bot, [`commands`] reads slash commands. No HTTP, no store:
//! de-duplication by `X-GitHub-Delivery` (decision 6) happens in the store.

pub mod access;
pub mod commands;
mod event;
mod payload;

use agented_domain::ErrorKind;
use serde::Serialize;
use serde_json::Value;

pub use access::{commenter_allowed, commenter_refusal, normalize_repo_pattern, repo_matches};
pub use commands::{command_matches, parse_commands};
pub use event::{CommentAction, Ping, PrAction, PrCommentEvent, PullRequestEvent};

use payload::Obj;

/// A delivery we cannot read; the webhook answers 400 naming the field, or 422 for a bad pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubError {
    /// The `X-GitHub-Event` header is missing or empty.
    #[error("missing X-GitHub-Event header")]
    MissingEventHeader,
    /// The body is JSON but not an object.
    #[error("the payload is not a JSON object")]
    NotAnObject,
    /// A field the event needs is absent or `null`.
    #[error("missing field {path}")]
    MissingField {
        /// The dotted path of the field, e.g. `pull_request.head.sha`.
        path: String,
    },
    /// A field has the wrong JSON type.
    #[error("field {path} must be {expected}")]
    WrongType {
        /// The dotted path of the field.
        path: String,
        /// The type it should have had, e.g. `a string`.
        expected: &'static str,
    },
    /// A bot's repository filter entry is not a valid `owner/repo` pattern.
    #[error("invalid repository pattern {pattern:?}: {reason}")]
    InvalidRepoPattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl GithubError {
    /// A malformed delivery is a bad request (400); a bad repository pattern breaks a rule (422).
    pub fn kind(&self) -> ErrorKind {
        match self {
            GithubError::InvalidRepoPattern { .. } => ErrorKind::Invalid,
            _ => ErrorKind::BadRequest,
        }
    }
}

/// What a GitHub delivery means to Agented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GithubEvent {
    /// GitHub's test delivery, sent when a webhook is created; answered with "pong".
    Ping(Ping),
    /// A pull request was opened, pushed to, reopened or marked ready for review.
    PullRequest(PullRequestEvent),
    /// A comment on a pull request was created or edited.
    PrComment(PrCommentEvent),
    /// Anything else: a valid delivery that starts nothing.
    Ignored {
        /// Why, for the webhook's 200 response, e.g. `event type 'push' ignored`.
        reason: String,
    },
}

impl GithubEvent {
    /// Reads a delivery from its `X-GitHub-Event` header value and its JSON body.
    ///
    /// Event types and actions that start nothing become [`GithubEvent::Ignored`] with a reason and
    /// are not checked further; the events we act on must carry every field we use, or the error
    /// names the missing one (`MissingField { path: "pull_request.head.sha" }`).
    pub fn parse(event_header: &str, payload: &Value) -> Result<GithubEvent, GithubError> {
        let event = event_header.trim().to_ascii_lowercase();
        if event.is_empty() {
            return Err(GithubError::MissingEventHeader);
        }
        let root = Obj::root(payload)?;
        match event.as_str() {
            "ping" => Ok(GithubEvent::Ping(Ping {
                zen: root.opt_str("zen")?.unwrap_or_default(),
                hook_id: root.opt_u64("hook_id")?,
                repo_full_name: match root.opt_obj("repository")? {
                    Some(repo) => repo.opt_str("full_name")?,
                    None => None,
                },
            })),
            "pull_request" => parse_pull_request(&root),
            "issue_comment" => parse_issue_comment(&root),
            other => Ok(ignored(format!("event type '{other}' ignored"))),
        }
    }
}

fn ignored(reason: String) -> GithubEvent {
    GithubEvent::Ignored { reason }
}

fn parse_pull_request(root: &Obj<'_>) -> Result<GithubEvent, GithubError> {
    let action_name = root.str("action")?;
    let Some(action) = PrAction::parse(&action_name) else {
        return Ok(ignored(format!(
            "pull_request action '{action_name}' ignored"
        )));
    };
    let pr = root.obj("pull_request")?;
    let repo = root.obj("repository")?;
    Ok(GithubEvent::PullRequest(PullRequestEvent {
        action,
        number: pr.u64("number")?,
        title: pr.str("title")?,
        body: pr.opt_str("body")?.unwrap_or_default(),
        html_url: pr.str("html_url")?,
        author: pr.obj("user")?.str("login")?,
        author_association: pr.str("author_association")?,
        draft: pr.opt_bool("draft")?.unwrap_or(false),
        head_sha: pr.obj("head")?.str("sha")?,
        head_ref: pr.obj("head")?.str("ref")?,
        base_ref: pr.obj("base")?.str("ref")?,
        repo_full_name: repo.str("full_name")?,
        repo_url: repo.str("html_url")?,
        sender: sender(root)?,
    }))
}

fn parse_issue_comment(root: &Obj<'_>) -> Result<GithubEvent, GithubError> {
    let action_name = root.str("action")?;
    let issue = root.obj("issue")?;
    // GitHub marks an issue that is really a pull request with a `pull_request` object.
    let Some(pull) = issue.opt_obj("pull_request")? else {
        return Ok(ignored(
            "comment on an issue, not a pull request, ignored".into(),
        ));
    };
    let action = match action_name.as_str() {
        "created" => CommentAction::Created,
        "edited" => CommentAction::Edited,
        _ => {
            return Ok(ignored(format!(
                "issue_comment action '{action_name}' ignored"
            )))
        }
    };
    let comment = root.obj("comment")?;
    let repo = root.obj("repository")?;
    let user = comment.obj("user")?;
    let comment_body = comment.opt_str("body")?.unwrap_or_default();
    let commands = parse_commands(&comment_body);
    let previous = match root
        .opt_obj("changes")?
        .map(|c| c.opt_obj("body"))
        .transpose()?
    {
        Some(Some(body)) => parse_commands(&body.opt_str("from")?.unwrap_or_default()),
        _ => Vec::new(),
    };
    let new_commands = commands
        .iter()
        .filter(|c| !previous.contains(c))
        .cloned()
        .collect();
    Ok(GithubEvent::PrComment(PrCommentEvent {
        action,
        commands,
        new_commands,
        commenter: user.str("login")?,
        commenter_is_bot: user.opt_str("type")?.as_deref() == Some("Bot"),
        author_association: comment.str("author_association")?,
        comment_id: comment.u64("id")?,
        comment_body,
        comment_url: comment.opt_str("html_url")?,
        pr_number: issue.u64("number")?,
        pr_title: issue.str("title")?,
        pr_url: match pull.opt_str("html_url")? {
            Some(url) => url,
            None => issue.str("html_url")?,
        },
        repo_full_name: repo.str("full_name")?,
        repo_url: repo.str("html_url")?,
    }))
}

fn sender(root: &Obj<'_>) -> Result<Option<String>, GithubError> {
    match root.opt_obj("sender")? {
        Some(sender) => sender.opt_str("login"),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pr_payload() -> Value {
        json!({
            "action": "opened",
            "pull_request": {
                "number": 7, "title": "Add a thing", "body": null,
                "html_url": "https://github.com/acme/api/pull/7",
                "user": {"login": "octo"}, "author_association": "MEMBER",
                "head": {"sha": "abc123", "ref": "feature"}, "base": {"ref": "main"}
            },
            "repository": {"full_name": "acme/api", "html_url": "https://github.com/acme/api"}
        })
    }

    fn comment_payload(body: &str) -> Value {
        json!({
            "action": "created",
            "issue": {
                "number": 7, "title": "Add a thing",
                "html_url": "https://github.com/acme/api/pull/7",
                "pull_request": {"html_url": "https://github.com/acme/api/pull/7"}
            },
            "comment": {
                "id": 99, "body": body, "author_association": "OWNER",
                "user": {"login": "octo", "type": "User"}
            },
            "repository": {"full_name": "acme/api", "html_url": "https://github.com/acme/api"}
        })
    }

    #[test]
    fn a_minimal_pull_request_parses_with_defaults() {
        let GithubEvent::PullRequest(pr) =
            GithubEvent::parse("pull_request", &pr_payload()).unwrap()
        else {
            panic!("expected a pull request");
        };
        assert_eq!(
            (pr.action, pr.number, pr.body.as_str(), pr.draft),
            (PrAction::Opened, 7, "", false)
        );
        assert_eq!(pr.sender, None);
    }

    #[test]
    fn wrong_types_and_missing_fields_name_the_path() {
        let mut payload = pr_payload();
        payload["pull_request"]["number"] = json!("7");
        assert_eq!(
            GithubEvent::parse("pull_request", &payload),
            Err(GithubError::WrongType {
                path: "pull_request.number".into(),
                expected: "an unsigned integer"
            })
        );
        let mut payload = pr_payload();
        payload["pull_request"]["head"] = json!(null);
        assert_eq!(
            GithubEvent::parse("pull_request", &payload),
            Err(GithubError::MissingField {
                path: "pull_request.head".into()
            })
        );
        assert_eq!(
            GithubEvent::parse("pull_request", &json!([])),
            Err(GithubError::NotAnObject)
        );
        assert_eq!(
            GithubEvent::parse(" ", &pr_payload()),
            Err(GithubError::MissingEventHeader)
        );
        assert_eq!(GithubError::NotAnObject.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn the_event_header_is_case_insensitive_and_unknown_events_are_ignored() {
        assert!(matches!(
            GithubEvent::parse(" Pull_Request ", &pr_payload()),
            Ok(GithubEvent::PullRequest(_))
        ));
        assert_eq!(
            GithubEvent::parse("star", &json!({})),
            Ok(GithubEvent::Ignored {
                reason: "event type 'star' ignored".into()
            })
        );
    }

    #[test]
    fn an_edit_reports_only_commands_it_added() {
        let mut payload = comment_payload("/review\n/deploy");
        payload["action"] = json!("edited");
        payload["changes"] = json!({"body": {"from": "/reveiw\n/deploy"}});
        let GithubEvent::PrComment(c) = GithubEvent::parse("issue_comment", &payload).unwrap()
        else {
            panic!("expected a PR comment");
        };
        assert_eq!(c.action, CommentAction::Edited);
        assert_eq!(c.commands, vec!["/review", "/deploy"]);
        assert_eq!(c.new_commands, vec!["/review"]);
    }

    #[test]
    fn bot_comments_are_flagged() {
        let mut payload = comment_payload("/review");
        payload["comment"]["user"]["type"] = json!("Bot");
        let GithubEvent::PrComment(c) = GithubEvent::parse("issue_comment", &payload).unwrap()
        else {
            panic!("expected a PR comment");
        };
        assert!(c.commenter_is_bot);
        assert_eq!(c.new_commands, c.commands);
    }

    #[test]
    fn events_serialize_with_a_type_tag() {
        let event = GithubEvent::parse("pull_request", &pr_payload()).unwrap();
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], "pull_request");
        assert_eq!(value["action"], "opened");
        assert_eq!(value["head_sha"], "abc123");
    }
}

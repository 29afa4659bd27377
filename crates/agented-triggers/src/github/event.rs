//! The events a GitHub delivery can become: their fields and the actions we act on.
//!
//! Plain data, serializable so the dispatcher can hand an event to templates and store it with a
//! run. Every text field written by a GitHub user (titles, bodies, comments) is untrusted and
//! reaches a prompt only through the `guard` (decision 12).

use serde::Serialize;

/// A `ping` delivery. Nothing runs on it, so its fields are read leniently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ping {
    /// GitHub's random aphorism (empty if absent).
    pub zen: String,
    /// The webhook's id, if given.
    pub hook_id: Option<u64>,
    /// The repository of a repository webhook; `None` for organization webhooks.
    pub repo_full_name: Option<String>,
}

/// The pull request actions that start bots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrAction {
    /// The pull request was opened.
    Opened,
    /// New commits were pushed to its head branch.
    Synchronize,
    /// It was reopened after being closed.
    Reopened,
    /// A draft was marked ready for review.
    ReadyForReview,
}

impl PrAction {
    /// GitHub's name for the action.
    pub fn as_str(self) -> &'static str {
        match self {
            PrAction::Opened => "opened",
            PrAction::Synchronize => "synchronize",
            PrAction::Reopened => "reopened",
            PrAction::ReadyForReview => "ready_for_review",
        }
    }

    pub(super) fn parse(action: &str) -> Option<PrAction> {
        Some(match action {
            "opened" => PrAction::Opened,
            "synchronize" => PrAction::Synchronize,
            "reopened" => PrAction::Reopened,
            "ready_for_review" => PrAction::ReadyForReview,
            _ => return None,
        })
    }
}

/// A `pull_request` delivery with an action that starts bots.
///
/// Title and body are untrusted text written by anyone who can open a pull request: they reach a
/// prompt only through the `guard` (decision 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequestEvent {
    /// What happened.
    pub action: PrAction,
    /// The pull request number within its repository.
    pub number: u64,
    /// The title.
    pub title: String,
    /// The description; empty when GitHub sends `null`.
    pub body: String,
    /// The pull request's page, `https://github.com/owner/repo/pull/N`.
    pub html_url: String,
    /// The login of the pull request's author.
    pub author: String,
    /// The author's relationship to the repository (`OWNER`, `CONTRIBUTOR`, `NONE`, ...).
    pub author_association: String,
    /// True if and only if the pull request is a draft (`false` when GitHub omits the field).
    pub draft: bool,
    /// The commit at the head of the pull request's branch.
    pub head_sha: String,
    /// The head branch name.
    pub head_ref: String,
    /// The base branch name the pull request merges into.
    pub base_ref: String,
    /// `owner/repo` of the base repository.
    pub repo_full_name: String,
    /// The base repository's page, `https://github.com/owner/repo`.
    pub repo_url: String,
    /// The login of whoever caused the delivery, if given.
    pub sender: Option<String>,
}

/// The comment actions that can carry commands. Deleted comments start nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentAction {
    /// A new comment.
    Created,
    /// An existing comment was changed.
    Edited,
}

impl CommentAction {
    /// GitHub's name for the action.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentAction::Created => "created",
            CommentAction::Edited => "edited",
        }
    }
}

/// An `issue_comment` delivery on a pull request (GitHub treats pull requests as issues).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrCommentEvent {
    /// Created or edited.
    pub action: CommentAction,
    /// The comment's slash commands, lower-cased with their `/`;
    /// see [`parse_commands`](super::parse_commands).
    pub commands: Vec<String>,
    /// The commands that were not already in the comment before this edit (all of them for a new
    /// comment), so fixing a typo in a comment does not start the same bots again.
    pub new_commands: Vec<String>,
    /// The login of the comment's author.
    pub commenter: String,
    /// True if and only if the comment was written by a GitHub App or bot account; a bot's own
    /// comments must not start bots, or two bots can trigger each other forever.
    pub commenter_is_bot: bool,
    /// The commenter's relationship to the repository;
    /// see [`commenter_allowed`](super::commenter_allowed).
    pub author_association: String,
    /// The comment's id.
    pub comment_id: u64,
    /// The full comment text (untrusted).
    pub comment_body: String,
    /// The comment's page, if given.
    pub comment_url: Option<String>,
    /// The pull request number.
    pub pr_number: u64,
    /// The pull request title (untrusted).
    pub pr_title: String,
    /// The pull request's page, `https://github.com/owner/repo/pull/N`.
    pub pr_url: String,
    /// `owner/repo`.
    pub repo_full_name: String,
    /// The repository's page.
    pub repo_url: String,
}

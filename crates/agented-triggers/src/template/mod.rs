//! Prompt rendering: turns a bot's prompt template into the text handed to the CLI, in one pass.
//!
//! Snippets (`{{name}}`) are inlined first (`snippets`), then every placeholder is filled exactly once:
//! trusted values (trigger id, the bot's own paths) as they are, and every value that came from outside
//! (message, PR fields, payload fields) through [`crate::guard::fence`]. Values are never re-scanned, so
//! a payload that contains `{pr_url}` or `{{snippet}}` stays literal data. Unknown placeholders and
//! missing values are rendered as written or empty and reported, for the preview to show.
//!
//! It does not build the CLI command line or read the store; callers pass snippets and values in.

mod parse;
mod snippets;

use std::collections::HashMap;

use agented_domain::ErrorKind;
use serde::Serialize;
use serde_json::Value;

use crate::guard::{self, GuardConfig};
use crate::matching::get_path;
use parse::{Placeholder, Token};
use snippets::push_unique;
pub use snippets::{MAX_SNIPPET_BYTES, MAX_SNIPPET_DEPTH, MAX_SNIPPET_EXPANSIONS};

/// What `{paths}` renders when the bot has no paths, as in the original.
pub const NO_PATHS: &str = "no paths configured";

/// Why a template cannot be rendered. Every variant is a problem with the bot's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Snippets reference each other in a loop; `chain` runs from the first snippet back to the repeat.
    #[error("snippet cycle: {}", chain.join(" -> "))]
    SnippetCycle {
        /// The snippet names in reference order, ending with the name seen twice.
        chain: Vec<String>,
    },
    /// Snippets nest more than `max` levels deep.
    #[error("snippets nest more than {max} levels deep: {}", chain.join(" -> "))]
    SnippetTooDeep {
        /// The snippet names in reference order, ending with the one that went too deep.
        chain: Vec<String>,
        /// The depth limit.
        max: usize,
    },
    /// Snippet expansion would grow past a limit.
    #[error("snippets expand to more than {limit} {what}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
}

impl TemplateError {
    /// How the HTTP edge should classify this error: always a validation failure.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}

/// Values of a pull-request event; each one comes from outside and is fenced when rendered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullRequestFields {
    /// `{pr_url}`: the PR's web URL.
    pub url: Option<String>,
    /// `{pr_number}`: rendered bare when it is a non-negative integer, fenced otherwise.
    pub number: Option<String>,
    /// `{pr_title}`.
    pub title: Option<String>,
    /// `{pr_author}`: the author's login.
    pub author: Option<String>,
    /// `{repo_url}`: the repository's web URL.
    pub repo_url: Option<String>,
    /// `{repo_full_name}`: `owner/name`.
    pub repo_full_name: Option<String>,
}

/// Everything a template can refer to, split by trust.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderContext {
    /// Trusted: the bot's id, for `{trigger_id}` and its alias `{bot_id}`.
    pub trigger_id: String,
    /// Trusted: the bot's own configured paths, for `{paths}` (joined with `", "`).
    pub paths: Vec<String>,
    /// Trusted: the bot's skill command (e.g. `/pr-review`), put in front of the prompt when set.
    pub skill_command: Option<String>,
    /// Trusted: where the untrusted values came from (`webhook`, `GitHub pull_request`, `manual run`);
    /// used in the guard's labels such as `webhook field payload.title`.
    pub source: String,
    /// Untrusted: the event's message text, for `{message}`.
    pub message: Option<String>,
    /// Untrusted: pull-request values, for the `{pr_*}` and `{repo_*}` placeholders.
    pub pull_request: PullRequestFields,
    /// Untrusted: the incoming event, for `{payload.some.path}`.
    pub payload: Option<Value>,
}

impl RenderContext {
    /// A context filled with sample values, for previews of a bot that has not fired yet.
    pub fn sample(trigger_id: &str, paths: Vec<String>, skill_command: Option<String>) -> Self {
        Self {
            trigger_id: trigger_id.to_owned(),
            paths,
            skill_command,
            source: "preview".to_owned(),
            message: Some("(sample message)".to_owned()),
            pull_request: PullRequestFields {
                url: Some("https://github.com/owner/repo/pull/1".to_owned()),
                number: Some("1".to_owned()),
                title: Some("Sample pull request".to_owned()),
                author: Some("octocat".to_owned()),
                repo_url: Some("https://github.com/owner/repo".to_owned()),
                repo_full_name: Some("owner/repo".to_owned()),
            },
            payload: None,
        }
    }
}

/// A rendered prompt and what the renderer noticed on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// The prompt, with the skill command in front when one is set.
    pub text: String,
    /// `{word}`s that are not placeholders (without braces), left in the text as written.
    pub unknown_placeholders: Vec<String>,
    /// Placeholders whose value was absent (`message`, `pr_title`, `payload.a.b`), rendered empty.
    pub missing_values: Vec<String>,
    /// `{{name}}`s with no such snippet, left in the text as written.
    pub unknown_snippets: Vec<String>,
}

/// What [`validate`] found in a template, for create/update responses and previews.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateReport {
    /// Known placeholders used (after snippet expansion), in order of first use.
    pub placeholders: Vec<String>,
    /// `{word}`s that are not placeholders (without braces).
    pub unknown_placeholders: Vec<String>,
    /// Snippets expanded, in order of first use.
    pub snippets_used: Vec<String>,
    /// `{{name}}`s with no such snippet.
    pub unknown_snippets: Vec<String>,
}

/// Renders `template` for one event. Fails only when the snippets cannot be expanded (a cycle, too deep
/// or too large); every other oddity is rendered leniently and reported in [`Rendered`].
///
/// Linear in the template, the snippets and the values, and never panics.
pub fn render(
    template: &str,
    ctx: &RenderContext,
    snippets: &HashMap<String, String>,
    guard: &GuardConfig,
) -> Result<Rendered, TemplateError> {
    let expanded = snippets::expand(template, snippets)?;
    let mut writer = Writer::default();
    let mut rendered = Rendered {
        unknown_snippets: expanded.unknown_snippets,
        ..Rendered::default()
    };
    for token in expanded.tokens {
        match token {
            Token::Text(s) | Token::Snippet { raw: s, .. } => writer.literal(s),
            Token::Unknown(raw) => {
                push_unique(&mut rendered.unknown_placeholders, strip_braces(raw));
                writer.literal(raw);
            }
            Token::Placeholder(placeholder) => match resolve(placeholder, ctx) {
                Resolved::Trusted(value) => writer.literal(&value),
                Resolved::Untrusted { label, text } => {
                    // An empty value carries nothing to guard; a fence around it would only be noise.
                    if !text.is_empty() {
                        writer.block(&guard::fence(&label, &text, guard));
                    }
                }
                Resolved::Missing => push_unique(&mut rendered.missing_values, &placeholder.name()),
            },
        }
    }
    rendered.text = with_skill_command(ctx.skill_command.as_deref(), writer.out);
    Ok(rendered)
}

/// Checks a template against the snippets it may use: the same expansion errors as [`render`], plus a
/// report of placeholders, unknown `{word}`s and unknown snippets.
pub fn validate(
    template: &str,
    snippets: &HashMap<String, String>,
) -> Result<TemplateReport, TemplateError> {
    let expanded = snippets::expand(template, snippets)?;
    let mut report = TemplateReport {
        snippets_used: expanded.snippets_used,
        unknown_snippets: expanded.unknown_snippets,
        ..TemplateReport::default()
    };
    for token in expanded.tokens {
        match token {
            Token::Placeholder(p) => push_unique(&mut report.placeholders, &p.name()),
            Token::Unknown(raw) => push_unique(&mut report.unknown_placeholders, strip_braces(raw)),
            Token::Text(_) | Token::Snippet { .. } => {}
        }
    }
    Ok(report)
}

/// A rough token count for cost previews: one token per four characters, rounded up. It is an
/// estimate only; real tokenizers differ by model and by language.
pub fn estimate_tokens(text: &str) -> u64 {
    let chars = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
    chars.div_ceil(4)
}

/// Puts the skill command in front, unless the prompt already starts with it as a whole word (the
/// predefined templates such as `/pr-review {pr_url}` do), as the original did.
fn with_skill_command(skill_command: Option<&str>, text: String) -> String {
    let Some(skill) = skill_command.map(str::trim).filter(|s| !s.is_empty()) else {
        return text;
    };
    let already = text
        .trim_start()
        .strip_prefix(skill)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
    if already {
        text
    } else if text.is_empty() {
        skill.to_owned()
    } else {
        format!("{skill} {text}")
    }
}

/// A placeholder's value, tagged with how it may enter the prompt.
enum Resolved {
    Trusted(String),
    Untrusted { label: String, text: String },
    Missing,
}

fn resolve(placeholder: Placeholder<'_>, ctx: &RenderContext) -> Resolved {
    let source = if ctx.source.trim().is_empty() {
        "external event"
    } else {
        ctx.source.trim()
    };
    let untrusted = |what: &str, value: &Option<String>| match value {
        Some(text) => Resolved::Untrusted {
            label: format!("{source} {what}"),
            text: text.clone(),
        },
        None => Resolved::Missing,
    };
    let pr = &ctx.pull_request;
    match placeholder {
        Placeholder::TriggerId | Placeholder::BotId => Resolved::Trusted(ctx.trigger_id.clone()),
        Placeholder::Paths if ctx.paths.is_empty() => Resolved::Trusted(NO_PATHS.to_owned()),
        Placeholder::Paths => Resolved::Trusted(ctx.paths.join(", ")),
        Placeholder::Message => untrusted("message", &ctx.message),
        Placeholder::PrNumber => match pr.number.as_deref().map(str::trim) {
            // A number cannot carry instructions, and bare numbers read naturally ("PR #12").
            Some(n) if n.parse::<u64>().is_ok() => Resolved::Trusted(n.to_owned()),
            _ => untrusted("field pr_number", &pr.number),
        },
        Placeholder::PrUrl => untrusted("field pr_url", &pr.url),
        Placeholder::PrTitle => untrusted("field pr_title", &pr.title),
        Placeholder::PrAuthor => untrusted("field pr_author", &pr.author),
        Placeholder::RepoUrl => untrusted("field repo_url", &pr.repo_url),
        Placeholder::RepoFullName => untrusted("field repo_full_name", &pr.repo_full_name),
        Placeholder::Payload(path) => {
            let label = format!("{source} field payload.{path}");
            match ctx.payload.as_ref().and_then(|p| get_path(p, path)) {
                None | Some(Value::Null) => Resolved::Missing,
                // Numbers and booleans cannot carry instructions, so they render bare.
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Resolved::Trusted(v.to_string()),
                Some(Value::String(s)) => Resolved::Untrusted {
                    label,
                    text: s.clone(),
                },
                Some(v) => Resolved::Untrusted {
                    label,
                    text: v.to_string(),
                },
            }
        }
    }
}

fn strip_braces(raw: &str) -> &str {
    raw.strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(raw)
}

/// Builds the output so that fenced blocks always stand on their own lines: the fence lines are only
/// recognisable as boundaries when nothing shares a line with them.
#[derive(Default)]
struct Writer {
    out: String,
    after_block: bool,
}

impl Writer {
    fn literal(&mut self, s: &str) {
        let s = if self.after_block {
            let rest = s.trim_start_matches([' ', '\t']);
            if rest.is_empty() {
                return;
            }
            if !rest.starts_with('\n') {
                self.out.push('\n');
            }
            self.after_block = false;
            rest
        } else {
            s
        };
        self.out.push_str(s);
    }

    fn block(&mut self, block: &str) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(block);
        self.after_block = true;
    }
}

#[cfg(test)]
mod tests;

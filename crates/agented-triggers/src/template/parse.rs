//! Splits a prompt template into tokens: literal text, `{placeholder}`s, `{payload.path}`s, `{{snippet}}`
//! references and unknown `{word}`s. One left-to-right pass; anything that is not exactly one of those
//! shapes (a lone `{`, `{a b}`, `{"json": 1}`) stays literal text.
//!
//! It does not look values up or expand snippets; `snippets` and the renderer do that with the tokens.

/// One piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Literal text, copied as is.
    Text(&'a str),
    /// A known placeholder.
    Placeholder(Placeholder<'a>),
    /// `{word}` (or `{dotted.word}`) that is not a known placeholder: the whole thing, left as is.
    Unknown(&'a str),
    /// `{{name}}`; `raw` is the whole reference, left as is when the snippet does not exist.
    Snippet {
        /// The snippet name between the braces.
        name: &'a str,
        /// The whole reference, braces included.
        raw: &'a str,
    },
}

/// The placeholders a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholder<'a> {
    /// `{message}`.
    Message,
    /// `{paths}`.
    Paths,
    /// `{pr_url}`.
    PrUrl,
    /// `{pr_number}`.
    PrNumber,
    /// `{pr_title}`.
    PrTitle,
    /// `{pr_author}`.
    PrAuthor,
    /// `{repo_url}`.
    RepoUrl,
    /// `{repo_full_name}`.
    RepoFullName,
    /// `{trigger_id}`.
    TriggerId,
    /// `{bot_id}`, the legacy alias of `{trigger_id}`.
    BotId,
    /// `{payload.<path>}`; holds the dot path after `payload.`.
    Payload(&'a str),
}

impl Placeholder<'_> {
    /// The name as written between the braces.
    pub(crate) fn name(&self) -> String {
        let fixed = match self {
            Self::Message => "message",
            Self::Paths => "paths",
            Self::PrUrl => "pr_url",
            Self::PrNumber => "pr_number",
            Self::PrTitle => "pr_title",
            Self::PrAuthor => "pr_author",
            Self::RepoUrl => "repo_url",
            Self::RepoFullName => "repo_full_name",
            Self::TriggerId => "trigger_id",
            Self::BotId => "bot_id",
            Self::Payload(path) => return format!("payload.{path}"),
        };
        fixed.to_owned()
    }

    fn known(word: &str) -> Option<Placeholder<'static>> {
        Some(match word {
            "message" => Placeholder::Message,
            "paths" => Placeholder::Paths,
            "pr_url" => Placeholder::PrUrl,
            "pr_number" => Placeholder::PrNumber,
            "pr_title" => Placeholder::PrTitle,
            "pr_author" => Placeholder::PrAuthor,
            "repo_url" => Placeholder::RepoUrl,
            "repo_full_name" => Placeholder::RepoFullName,
            "trigger_id" => Placeholder::TriggerId,
            "bot_id" => Placeholder::BotId,
            _ => return None,
        })
    }
}

/// Splits `src` into tokens. Linear in `src`: every attempt to read a token at a `{` stops at the next
/// `{`, so each character is examined a bounded number of times.
pub(crate) fn tokenize(src: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while let Some(offset) = src[i..].find('{') {
        let at = i + offset;
        match token_at(src, at) {
            Some((token, end)) => {
                if literal_start < at {
                    tokens.push(Token::Text(&src[literal_start..at]));
                }
                tokens.push(token);
                i = end;
                literal_start = end;
            }
            None => i = at + 1,
        }
    }
    if literal_start < src.len() {
        tokens.push(Token::Text(&src[literal_start..]));
    }
    tokens
}

/// Reads the token that starts with the `{` at byte `at`, returning it and the byte just after it.
fn token_at(src: &str, at: usize) -> Option<(Token<'_>, usize)> {
    let rest = &src[at..];
    if let Some(after) = rest.strip_prefix("{{") {
        let len = snippet_name_len(after);
        if len > 0 && after[len..].starts_with("}}") {
            let end = at + 2 + len + 2;
            let token = Token::Snippet {
                name: &after[..len],
                raw: &src[at..end],
            };
            return Some((token, end));
        }
    }
    let after = &rest[1..];
    let len = after.find(|c| !is_body_char(c)).unwrap_or(after.len());
    if len == 0 || !after[len..].starts_with('}') {
        return None;
    }
    let body = &after[..len];
    let end = at + 1 + len + 1;
    let token = if let Some(known) = Placeholder::known(body) {
        Token::Placeholder(known)
    } else if let Some(path) = body.strip_prefix("payload.").filter(|p| !p.is_empty()) {
        Token::Placeholder(Placeholder::Payload(path))
    } else if looks_like_a_name(body) {
        Token::Unknown(&src[at..end])
    } else {
        return None;
    };
    Some((token, end))
}

/// The byte length of a snippet name (`\w[\w-]*`) at the start of `s`, or 0.
fn snippet_name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_word_char(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !(is_word_char(c) || c == '-'))
        .map_or(s.len(), |(i, _)| i)
}

/// `\w[\w.]*`: what a user meant as a placeholder (`{titel}`, `{pr.url}`), so it is worth reporting.
fn looks_like_a_name(body: &str) -> bool {
    body.starts_with(is_word_char) && body.chars().all(|c| is_word_char(c) || c == '.')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters allowed between single braces: anything but braces, whitespace and controls, so payload
/// keys such as `@timestamp` or `user-name` can be addressed.
fn is_body_char(c: char) -> bool {
    c != '{' && c != '}' && !c.is_whitespace() && !c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_placeholders_payload_paths_and_snippets_are_recognised() {
        let t = tokenize("Review {pr_url} for {payload.commits.0.id} {{house-style}} now");
        assert_eq!(
            t,
            vec![
                Token::Text("Review "),
                Token::Placeholder(Placeholder::PrUrl),
                Token::Text(" for "),
                Token::Placeholder(Placeholder::Payload("commits.0.id")),
                Token::Text(" "),
                Token::Snippet {
                    name: "house-style",
                    raw: "{{house-style}}"
                },
                Token::Text(" now"),
            ]
        );
    }

    #[test]
    fn unknown_words_are_flagged_and_other_brace_text_is_literal() {
        let t = tokenize("{nope} { spaced } {\"a\": 1} {a.b} {payload} {payload.} {.x} }{");
        assert_eq!(
            t,
            vec![
                Token::Unknown("{nope}"),
                Token::Text(" { spaced } {\"a\": 1} "),
                Token::Unknown("{a.b}"),
                Token::Text(" "),
                Token::Unknown("{payload}"),
                Token::Text(" "),
                Token::Unknown("{payload.}"),
                Token::Text(" {.x} }{"),
            ]
        );
    }

    #[test]
    fn double_braces_without_a_name_are_literal_and_inner_placeholders_still_work() {
        assert_eq!(tokenize("{{}}"), vec![Token::Text("{{}}")]);
        assert_eq!(
            tokenize("{{message}"),
            vec![Token::Text("{"), Token::Placeholder(Placeholder::Message)]
        );
        assert_eq!(
            tokenize("{{{message}}}"),
            vec![
                Token::Text("{"),
                Token::Snippet {
                    name: "message",
                    raw: "{{message}}"
                },
                Token::Text("}"),
            ]
        );
        assert_eq!(tokenize("{{-x}}"), vec![Token::Text("{{-x}}")]);
    }

    #[test]
    fn unicode_names_and_text_are_handled() {
        let t = tokenize("héllo {名前} {payload.ユーザー.名} 😀{");
        assert_eq!(
            t,
            vec![
                Token::Text("héllo "),
                Token::Unknown("{名前}"),
                Token::Text(" "),
                Token::Placeholder(Placeholder::Payload("ユーザー.名")),
                Token::Text(" 😀{"),
            ]
        );
    }

    #[test]
    fn empty_and_brace_only_templates() {
        assert!(tokenize("").is_empty());
        assert_eq!(tokenize("{"), vec![Token::Text("{")]);
        assert_eq!(tokenize("}}}"), vec![Token::Text("}}}")]);
    }

    #[test]
    fn placeholder_names_round_trip() {
        for word in [
            "message",
            "paths",
            "pr_url",
            "pr_number",
            "pr_title",
            "pr_author",
            "repo_url",
            "repo_full_name",
            "trigger_id",
            "bot_id",
        ] {
            assert_eq!(
                Placeholder::known(word).map(|p| p.name()),
                Some(word.to_owned())
            );
        }
        assert_eq!(Placeholder::Payload("a.0").name(), "payload.a.0");
    }
}

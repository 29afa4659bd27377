//! Expands `{{name}}` snippet references into the template's token stream, recursively, before any
//! value is filled in. Snippets are trusted (the bot editor wrote them), so their placeholders render
//! like the template's own; values are never re-scanned, so a payload cannot smuggle in a reference.
//!
//! It refuses cycles, nesting deeper than [`MAX_SNIPPET_DEPTH`] and runaway growth, rather than looping
//! or leaving a half-expanded prompt; a reference to a snippet that does not exist stays as written.

use std::collections::HashMap;

use super::parse::{tokenize, Token};
use super::TemplateError;

/// How deeply snippets may nest: the template's own references are level 1.
pub const MAX_SNIPPET_DEPTH: usize = 5;

/// The most snippet references expanded for one template. Nesting makes growth multiplicative
/// (ten references to a snippet that holds ten references …), so depth alone does not bound the work.
pub const MAX_SNIPPET_EXPANSIONS: usize = 10_000;

/// The most bytes of text snippets may add to one template.
pub const MAX_SNIPPET_BYTES: usize = 1 << 20;

/// A template with every known snippet inlined.
#[derive(Debug, Default)]
pub(crate) struct Expanded<'a> {
    /// The tokens; references to unknown snippets appear as literal text.
    pub tokens: Vec<Token<'a>>,
    /// Names referenced but not defined, in order of first appearance.
    pub unknown_snippets: Vec<String>,
    /// Names expanded, in order of first appearance.
    pub snippets_used: Vec<String>,
}

/// Tokenizes `template` and inlines every snippet it (transitively) references.
pub(crate) fn expand<'a>(
    template: &'a str,
    snippets: &'a HashMap<String, String>,
) -> Result<Expanded<'a>, TemplateError> {
    let mut expander = Expander {
        snippets,
        stack: Vec::new(),
        expansions: 0,
        snippet_bytes: 0,
        out: Expanded::default(),
    };
    expander.expand(template, false)?;
    Ok(expander.out)
}

struct Expander<'a> {
    snippets: &'a HashMap<String, String>,
    /// The snippet names currently being expanded, outermost first; used for cycle detection.
    stack: Vec<&'a str>,
    expansions: usize,
    snippet_bytes: usize,
    out: Expanded<'a>,
}

impl<'a> Expander<'a> {
    /// Recursion is bounded by [`MAX_SNIPPET_DEPTH`], so the stack stays shallow whatever the input.
    fn expand(&mut self, src: &'a str, inside_snippet: bool) -> Result<(), TemplateError> {
        for token in tokenize(src) {
            let Token::Snippet { name, raw } = token else {
                if inside_snippet {
                    self.count_bytes(token_len(&token))?;
                }
                self.out.tokens.push(token);
                continue;
            };
            let Some(body) = self.snippets.get(name) else {
                push_unique(&mut self.out.unknown_snippets, name);
                if inside_snippet {
                    self.count_bytes(raw.len())?;
                }
                self.out.tokens.push(Token::Text(raw));
                continue;
            };
            if self.stack.contains(&name) {
                return Err(TemplateError::SnippetCycle {
                    chain: self.chain_with(name),
                });
            }
            if self.stack.len() >= MAX_SNIPPET_DEPTH {
                return Err(TemplateError::SnippetTooDeep {
                    chain: self.chain_with(name),
                    max: MAX_SNIPPET_DEPTH,
                });
            }
            self.expansions += 1;
            if self.expansions > MAX_SNIPPET_EXPANSIONS {
                return Err(TemplateError::TooLarge {
                    what: "snippet references",
                    limit: MAX_SNIPPET_EXPANSIONS,
                });
            }
            push_unique(&mut self.out.snippets_used, name);
            self.stack.push(name);
            self.expand(body, true)?;
            self.stack.pop();
        }
        Ok(())
    }

    fn count_bytes(&mut self, len: usize) -> Result<(), TemplateError> {
        self.snippet_bytes = self.snippet_bytes.saturating_add(len);
        if self.snippet_bytes > MAX_SNIPPET_BYTES {
            return Err(TemplateError::TooLarge {
                what: "bytes of snippet text",
                limit: MAX_SNIPPET_BYTES,
            });
        }
        Ok(())
    }

    fn chain_with(&self, name: &str) -> Vec<String> {
        self.stack
            .iter()
            .copied()
            .chain(std::iter::once(name))
            .map(str::to_owned)
            .collect()
    }
}

/// Placeholders count as a little text: their values are added later and capped by the guard.
fn token_len(token: &Token<'_>) -> usize {
    match token {
        Token::Text(s) | Token::Unknown(s) => s.len(),
        Token::Snippet { raw, .. } => raw.len(),
        Token::Placeholder(_) => 1,
    }
}

/// Appends `name` unless it is already listed; lists here are short, so a linear scan is fine.
pub(crate) fn push_unique(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse::Placeholder;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn text_of(tokens: &[Token<'_>]) -> String {
        tokens
            .iter()
            .map(|t| match t {
                Token::Text(s) | Token::Unknown(s) => (*s).to_owned(),
                Token::Snippet { raw, .. } => (*raw).to_owned(),
                Token::Placeholder(p) => format!("<{}>", p.name()),
            })
            .collect()
    }

    #[test]
    fn nested_snippets_expand_and_keep_their_placeholders() {
        let s = map(&[("outer", "A {{inner}} C"), ("inner", "B {message}")]);
        let e = expand("[{{outer}}]", &s).unwrap();
        assert_eq!(text_of(&e.tokens), "[A B <message> C]");
        assert!(e.tokens.contains(&Token::Placeholder(Placeholder::Message)));
        assert_eq!(e.snippets_used, vec!["outer", "inner"]);
        assert!(e.unknown_snippets.is_empty());
    }

    #[test]
    fn unknown_snippets_stay_as_written_and_are_reported_once() {
        let s = map(&[("a", "{{missing}}")]);
        let e = expand("{{a}} {{missing}} {{other}}", &s).unwrap();
        assert_eq!(text_of(&e.tokens), "{{missing}} {{missing}} {{other}}");
        assert_eq!(e.unknown_snippets, vec!["missing", "other"]);
    }

    #[test]
    fn a_two_step_cycle_is_an_error_naming_the_chain() {
        let s = map(&[("a", "x {{b}}"), ("b", "y {{a}}")]);
        let err = expand("{{a}}", &s).unwrap_err();
        assert_eq!(
            err,
            TemplateError::SnippetCycle {
                chain: vec!["a".into(), "b".into(), "a".into()]
            }
        );
    }

    #[test]
    fn a_self_reference_is_a_cycle() {
        let s = map(&[("me", "again {{me}}")]);
        let err = expand("{{me}}", &s).unwrap_err();
        assert_eq!(
            err,
            TemplateError::SnippetCycle {
                chain: vec!["me".into(), "me".into()]
            }
        );
    }

    #[test]
    fn the_same_snippet_twice_side_by_side_is_not_a_cycle() {
        let s = map(&[("a", "{{b}}{{b}}"), ("b", "x")]);
        let e = expand("{{a}}{{a}}", &s).unwrap();
        assert_eq!(text_of(&e.tokens), "xxxx");
    }

    #[test]
    fn five_levels_expand_and_six_are_refused() {
        let five = map(&[
            ("l1", "{{l2}}"),
            ("l2", "{{l3}}"),
            ("l3", "{{l4}}"),
            ("l4", "{{l5}}"),
            ("l5", "deep"),
        ]);
        assert_eq!(text_of(&expand("{{l1}}", &five).unwrap().tokens), "deep");
        let mut six = five.clone();
        six.insert("l5".into(), "{{l6}}".into());
        six.insert("l6".into(), "too deep".into());
        let err = expand("{{l1}}", &six).unwrap_err();
        assert!(
            matches!(err, TemplateError::SnippetTooDeep { ref chain, max: 5 } if chain.len() == 6)
        );
    }

    #[test]
    fn exponential_fan_out_is_refused() {
        let ten = "{{n}}".repeat(10);
        let s = map(&[
            ("a", &ten.replace('n', "b")),
            ("b", &ten.replace('n', "c")),
            ("c", &ten.replace('n', "d")),
            ("d", &ten.replace('n', "e")),
            ("e", ""),
        ]);
        let err = expand("{{a}}", &s).unwrap_err();
        assert!(matches!(
            err,
            TemplateError::TooLarge {
                what: "snippet references",
                ..
            }
        ));
    }

    #[test]
    fn snippet_text_growth_is_capped() {
        let big = "x".repeat(MAX_SNIPPET_BYTES / 4 + 1);
        let s = map(&[("big", &big)]);
        assert!(expand("{{big}}{{big}}{{big}}", &s).is_ok());
        let err = expand("{{big}}{{big}}{{big}}{{big}}", &s).unwrap_err();
        assert!(matches!(
            err,
            TemplateError::TooLarge {
                what: "bytes of snippet text",
                ..
            }
        ));
    }

    #[test]
    fn a_cycle_in_an_unused_snippet_does_not_matter() {
        let s = map(&[("a", "{{a}}"), ("b", "fine")]);
        assert_eq!(text_of(&expand("{{b}}", &s).unwrap().tokens), "fine");
    }
}

//! Who may start a bot from GitHub, and from which repositories.
//!
//! Two gates the original lacked: a comment's author must be trusted by the repository (its
//! `author_association`), and a GitHub bot fires only for repositories its filter names. Both
//! default to refusing: the original fired every GitHub bot for every repository and every
//! commenter.

use super::GithubError;

/// Associations trusted by default: the repository's owner, members of its organization, and
/// invited collaborators. Anyone can open a pull request on a public repository and comment on it.
pub const DEFAULT_ALLOWED_ASSOCIATIONS: [&str; 3] = ["OWNER", "MEMBER", "COLLABORATOR"];

/// Returns true if and only if a commenter with this `author_association` may trigger a bot.
///
/// `OWNER`, `MEMBER` and `COLLABORATOR` are always allowed; `extra_allowed` adds more for one bot
/// (for example `CONTRIBUTOR`). Comparison ignores case and surrounding spaces.
pub fn commenter_allowed(association: &str, extra_allowed: &[String]) -> bool {
    commenter_refusal(association, extra_allowed).is_none()
}

/// Why a commenter may not trigger a bot, or `None` if they may; see [`commenter_allowed`].
///
/// The reason is meant for logs and the webhook's response, e.g.
/// `commenter association "NONE" is not allowed (allowed: OWNER, MEMBER, COLLABORATOR)`.
pub fn commenter_refusal(association: &str, extra_allowed: &[String]) -> Option<String> {
    let association = association.trim().to_ascii_uppercase();
    let extra = extra_allowed
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty());
    let allowed: Vec<String> = DEFAULT_ALLOWED_ASSOCIATIONS
        .iter()
        .map(|a| a.to_string())
        .chain(extra)
        .collect();
    if !association.is_empty() && allowed.contains(&association) {
        return None;
    }
    Some(format!(
        "commenter association {association:?} is not allowed (allowed: {})",
        allowed.join(", ")
    ))
}

/// Checks and normalizes one repository pattern: `owner/repo`, where either segment may contain
/// `*` (any run of characters within the segment): `acme/*`, `*/api`, `acme/api-*`, `*/*`.
///
/// GitHub URLs (`https://github.com/acme/api`, `github://acme/api`, a trailing `.git` or `/`) are
/// reduced to `owner/repo`; the result is lower-case because GitHub names are case-insensitive.
pub fn normalize_repo_pattern(pattern: &str) -> Result<String, GithubError> {
    let invalid = |reason: &str| GithubError::InvalidRepoPattern {
        pattern: pattern.to_string(),
        reason: reason.to_string(),
    };
    let mut text = pattern.trim();
    for prefix in [
        "https://github.com/",
        "http://github.com/",
        "github://",
        "github.com/",
    ] {
        if let Some(rest) = strip_prefix_ignore_case(text, prefix) {
            text = rest;
        }
    }
    let text = text.trim_end_matches('/');
    let text = text.strip_suffix(".git").unwrap_or(text);
    let Some((owner, repo)) = text.split_once('/') else {
        return Err(invalid("expected owner/repo"));
    };
    if owner.is_empty() || repo.is_empty() || repo.contains('/') {
        return Err(invalid("expected owner/repo"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*');
    if !text.chars().all(|c| allowed(c) || c == '/') {
        return Err(invalid(
            "only letters, digits, '-', '_', '.' and the '*' wildcard are allowed",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

/// Returns true if and only if the repository `full_name` (`owner/repo`) matches one of `patterns`.
///
/// **An empty list matches no repository**: a GitHub bot must name the repositories it serves
/// (`*/*` means all of them, explicitly). Patterns that do not normalize never match; check them
/// with [`normalize_repo_pattern`] when a bot is saved so the mistake is a 422, not silence.
pub fn repo_matches(patterns: &[String], full_name: &str) -> bool {
    let name = full_name.trim().to_ascii_lowercase();
    let Some((owner, repo)) = name.split_once('/') else {
        return false;
    };
    patterns
        .iter()
        .filter_map(|pattern| normalize_repo_pattern(pattern).ok())
        .any(|pattern| {
            pattern
                .split_once('/')
                .is_some_and(|(p_owner, p_repo)| glob(p_owner, owner) && glob(p_repo, repo))
        })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Matches one segment against a pattern in which `*` stands for any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*` at all: the segment must match exactly.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn trusted_associations_are_allowed_by_default() {
        for association in ["OWNER", "MEMBER", "COLLABORATOR", "owner", " Member "] {
            assert!(commenter_allowed(association, &[]), "{association}");
        }
    }

    #[test]
    fn untrusted_associations_are_refused_with_a_reason() {
        for association in [
            "CONTRIBUTOR",
            "NONE",
            "FIRST_TIMER",
            "FIRST_TIME_CONTRIBUTOR",
            "MANNEQUIN",
            "",
        ] {
            assert!(!commenter_allowed(association, &[]), "{association}");
        }
        let reason = commenter_refusal("FIRST_TIME_CONTRIBUTOR", &[]).unwrap();
        assert_eq!(
            reason,
            "commenter association \"FIRST_TIME_CONTRIBUTOR\" is not allowed \
             (allowed: OWNER, MEMBER, COLLABORATOR)"
        );
    }

    #[test]
    fn a_bot_may_allow_more_associations() {
        let extra = list(&["contributor", " "]);
        assert!(commenter_allowed("CONTRIBUTOR", &extra));
        assert!(!commenter_allowed("NONE", &extra));
        assert!(
            !commenter_allowed("", &extra),
            "an empty association is never allowed"
        );
    }

    #[test]
    fn repository_patterns_match_per_segment_and_ignore_case() {
        let patterns = list(&["acme/*", "*/api", "Other/Exact", "ops/deploy-*"]);
        assert!(repo_matches(&patterns, "acme/anything"));
        assert!(repo_matches(&patterns, "ACME/Thing"));
        assert!(repo_matches(&patterns, "someone/api"));
        assert!(repo_matches(&patterns, "other/exact"));
        assert!(repo_matches(&patterns, "ops/deploy-prod"));
        assert!(!repo_matches(&patterns, "ops/deploy"));
        assert!(!repo_matches(&patterns, "acmex/thing"));
        assert!(!repo_matches(&patterns, "someone/api-v2"));
        assert!(!repo_matches(&patterns, "other/exact2"));
        assert!(!repo_matches(&patterns, "not-a-full-name"));
    }

    #[test]
    fn an_empty_filter_matches_no_repository_and_star_star_matches_all() {
        assert!(!repo_matches(&[], "acme/api"));
        assert!(repo_matches(&list(&["*/*"]), "acme/api"));
        assert!(
            !repo_matches(&list(&["*"]), "acme/api"),
            "a pattern needs owner/repo"
        );
    }

    #[test]
    fn patterns_are_normalized_and_validated() {
        assert_eq!(
            normalize_repo_pattern("https://github.com/Acme/API.git").unwrap(),
            "acme/api"
        );
        assert_eq!(
            normalize_repo_pattern("github://acme/api/").unwrap(),
            "acme/api"
        );
        assert_eq!(normalize_repo_pattern(" acme/* ").unwrap(), "acme/*");
        for bad in [
            "",
            "acme",
            "acme/",
            "/api",
            "a/b/c",
            "acme/a pi",
            "acme/api?",
        ] {
            let err = normalize_repo_pattern(bad).unwrap_err();
            assert!(
                matches!(err, GithubError::InvalidRepoPattern { .. }),
                "{bad}"
            );
            assert_eq!(err.kind(), agented_domain::ErrorKind::Invalid);
        }
    }

    #[test]
    fn glob_handles_several_stars() {
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(glob("a*b*c", "abc"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("*", ""));
        assert!(glob("ab*ab", "abab"));
        assert!(!glob("ab*ab", "aba"));
    }
}

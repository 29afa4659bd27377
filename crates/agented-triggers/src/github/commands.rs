//! Slash commands in pull-request comments (`/review`, `/fix-tests`) and matching them to a bot.
//!
//! A command is a `/` at the very start of a line followed by a name (`[a-z][a-z0-9_-]*`, any case)
//! and then whitespace or the end of the line, exactly as the original's
//! `^/([a-z][a-z0-9_-]*)(?:\s|$)` (multi-line, case-insensitive). Two deliberate differences: lines
//! inside fenced code blocks are not commands (quoting a log or a transcript must not start bots),
//! and the list is de-duplicated and capped at [`MAX_COMMANDS`].

/// The most distinct commands read from one comment; a comment listing hundreds is not a request.
pub const MAX_COMMANDS: usize = 20;

/// The distinct slash commands of a comment body, lower-cased with their leading `/`, in order of
/// first appearance: `"/Review now\n/fix-typos"` gives `["/review", "/fix-typos"]`.
pub fn parse_commands(body: &str) -> Vec<String> {
    let mut commands: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        for marker in ["```", "~~~"] {
            if trimmed.starts_with(marker) {
                fence = match fence {
                    None => Some(marker),
                    Some(open) if open == marker => None,
                    other => other,
                };
            }
        }
        if fence.is_some() {
            continue;
        }
        if let Some(command) = command_at_start(line) {
            if !commands.contains(&command) {
                commands.push(command);
                if commands.len() == MAX_COMMANDS {
                    break;
                }
            }
        }
    }
    commands
}

/// The command that starts `line`, if any.
fn command_at_start(line: &str) -> Option<String> {
    let rest = line.strip_prefix('/')?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    let starts_with_letter = name.starts_with(|c: char| c.is_ascii_alphabetic());
    let ends_cleanly = after.is_empty() || after.starts_with(char::is_whitespace);
    (starts_with_letter && ends_cleanly).then(|| format!("/{}", name.to_ascii_lowercase()))
}

/// Returns true if and only if the bot's keyword names one of the comment's commands.
///
/// The keyword is trimmed and lower-cased, and the leading `/` is optional (`review` and `/Review`
/// both match `/review`). An empty keyword matches **no** command: the original let it match every
/// command, so every predefined GitHub bot fired on every slash command.
pub fn command_matches(keyword: &str, commands: &[String]) -> bool {
    let keyword = keyword.trim();
    let name = keyword.strip_prefix('/').unwrap_or(keyword);
    if name.is_empty() {
        return false;
    }
    let wanted = format!("/{}", name.to_ascii_lowercase());
    commands.contains(&wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_start_a_line_and_end_at_whitespace() {
        let body = "/Review please\r\nsome text /inline\n  /indented\n/fix-typos\n\
                    /review again\n/\n/1abc\n/done.";
        assert_eq!(parse_commands(body), vec!["/review", "/fix-typos"]);
        assert_eq!(parse_commands("/ship"), vec!["/ship"]);
        assert_eq!(parse_commands("/ship\t"), vec!["/ship"]);
        assert_eq!(parse_commands("/a_b-c9 x"), vec!["/a_b-c9"]);
        assert!(parse_commands("").is_empty());
        assert!(parse_commands("see /usr/bin/env").is_empty());
        assert!(parse_commands("/usr/bin/env").is_empty());
        assert!(parse_commands("> /review (quoted)").is_empty());
    }

    #[test]
    fn fenced_code_is_not_a_command() {
        let body = "/lint\n```\n/review\n~~~\n/still-code\n```\n/deploy\n~~~sh\n/no\n~~~\n/yes";
        assert_eq!(parse_commands(body), vec!["/lint", "/deploy", "/yes"]);
    }

    #[test]
    fn the_command_list_is_capped() {
        let body: String = (0..100).map(|i| format!("/c{i}\n")).collect();
        assert_eq!(parse_commands(&body).len(), MAX_COMMANDS);
    }

    #[test]
    fn keywords_match_with_or_without_slash_and_case_insensitively() {
        let commands = vec!["/review".to_string(), "/fix-typos".to_string()];
        assert!(command_matches("/review", &commands));
        assert!(command_matches(" Review ", &commands));
        assert!(command_matches("/FIX-TYPOS", &commands));
        assert!(!command_matches("/rev", &commands));
        assert!(!command_matches("/deploy", &commands));
    }

    #[test]
    fn an_empty_keyword_matches_no_command() {
        let commands = vec!["/review".to_string()];
        assert!(!command_matches("", &commands));
        assert!(!command_matches("  ", &commands));
        assert!(!command_matches("/", &commands));
        assert!(!command_matches("/review", &[]));
    }
}

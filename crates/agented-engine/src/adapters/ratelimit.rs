//! Reading rate-limit wording that several CLIs share: subscription "usage limit" messages and
//! "retry in 20s"-style hints.
//!
//! Each parser decides *where* a rate limit can be (a 429 status field, a retry event, a known error
//! class); this file only reads the human text. It never treats a bare `429` as a signal. Reset times
//! are taken only when unambiguous: an epoch timestamp or a duration. A wall-clock time such as
//! "resets 3pm" or "try again at 1:10 AM" is left in the message only, because it is in the user's
//! local time zone, which the server does not know (a later issue handles time zones).

use chrono::{DateTime, Utc};

/// A rate limit read from text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LimitSignal {
    /// The text the CLI printed.
    pub message: String,
    /// When the limit resets, if the text carried an epoch timestamp.
    pub resets_at: Option<DateTime<Utc>>,
    /// Seconds to wait, if the text carried a duration.
    pub retry_after_secs: Option<u64>,
}

impl LimitSignal {
    /// A signal with only a message, plus any "retry in …" hint found in it.
    pub fn from_message(message: &str) -> Self {
        LimitSignal {
            message: message.to_owned(),
            resets_at: None,
            retry_after_secs: retry_after_in(message),
        }
    }
}

/// Phrases the subscription plans use when the plan's usage is exhausted (Claude: "Claude AI usage
/// limit reached|<epoch>" and "…limit reached ∙ resets 3pm"; Codex: "You've hit your usage limit").
const SUBSCRIPTION_PHRASES: &[&str] = &[
    "usage limit reached",
    "hit your usage limit",
    "reached your usage limit",
    "usage limit has been reached",
    "usage_limit_reached",
];

/// Recognizes a subscription usage-limit message and reads its reset time when unambiguous.
pub(crate) fn subscription_limit(text: &str) -> Option<LimitSignal> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `text` too.
    let lower = text.to_ascii_lowercase();
    if !SUBSCRIPTION_PHRASES.iter().any(|p| lower.contains(p)) {
        return None;
    }
    let mut signal = LimitSignal::from_message(text);
    // Claude's legacy form ends in `|<epoch seconds>`.
    if let Some((_, tail)) = text.rsplit_once('|') {
        signal.resets_at = epoch(tail.trim());
    }
    for marker in ["resets at ", "reset at ", "resets "] {
        if signal.resets_at.is_some() || signal.retry_after_secs.is_some() {
            break;
        }
        if let Some(pos) = lower.find(marker) {
            let rest = &lower[pos + marker.len()..];
            if let Some(after_in) = rest.strip_prefix("in ") {
                signal.retry_after_secs = parse_duration(after_in);
            } else {
                let token = rest
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .next()
                    .unwrap_or("");
                signal.resets_at = epoch(token.trim_end_matches('.'));
            }
        }
    }
    Some(signal)
}

/// Reads "retry in 20s", "try again in 2 hours", "retry after 1s" and similar hints.
pub(crate) fn retry_after_in(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    ["retry in ", "try again in ", "retry after "]
        .iter()
        .filter_map(|marker| lower.find(marker).map(|pos| &lower[pos + marker.len()..]))
        .find_map(parse_duration)
}

/// An epoch timestamp in seconds or milliseconds; anything else (including clock times) is `None`.
fn epoch(token: &str) -> Option<DateTime<Utc>> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = token.parse().ok()?;
    // Ten digits are seconds until the year 2286; thirteen are milliseconds.
    let secs = if n > 100_000_000_000 { n / 1000 } else { n };
    // Reject small numbers ("resets 3") that cannot be a timestamp of this century.
    (secs > 1_000_000_000)
        .then(|| DateTime::from_timestamp(secs, 0))
        .flatten()
}

/// Parses a leading duration such as `20s`, `1.5s`, `5132ms`, `2h 30m`, `3 hours and 5 minutes`,
/// `1 day`; returns whole seconds rounded up, or `None` if no duration starts the text.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let mut rest = text.trim_start();
    let mut total = 0.0_f64;
    let mut found = false;
    loop {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let Ok(value) = rest[..digits].parse::<f64>() else {
            break;
        };
        let after = rest[digits..].trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let Some(scale) = unit_seconds(&after[..unit_len]) else {
            break;
        };
        total += value * scale;
        found = true;
        rest = after[unit_len..].trim_start_matches([' ', ',']);
        rest = rest.strip_prefix("and ").unwrap_or(rest);
    }
    (found && total.is_finite() && total >= 0.0).then(|| total.ceil() as u64)
}

fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "ms" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_several_spellings() {
        assert_eq!(parse_duration("20s."), Some(20));
        assert_eq!(parse_duration("1.5s"), Some(2));
        assert_eq!(parse_duration("5132ms..."), Some(6));
        assert_eq!(parse_duration("2h 30m"), Some(9000));
        assert_eq!(parse_duration("3 hours and 5 minutes"), Some(11_100));
        assert_eq!(parse_duration("1 day"), Some(86_400));
        assert_eq!(parse_duration("a while"), None);
        assert_eq!(parse_duration("3pm"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn retry_hints() {
        assert_eq!(retry_after_in("Please try again in 20s."), Some(20));
        assert_eq!(
            retry_after_in("Please retry in 1s.\nSuggested retry after 1s."),
            Some(1)
        );
        assert_eq!(retry_after_in("Request rejected (429)"), None);
    }

    #[test]
    fn claude_epoch_form_reads_the_reset_time() {
        let signal = subscription_limit("Claude AI usage limit reached|1795742041");
        let resets = signal.and_then(|s| s.resets_at).map(|t| t.timestamp());
        assert_eq!(resets, Some(1_795_742_041));
        let millis = subscription_limit("usage limit reached, resets at 1795742041000");
        assert_eq!(
            millis.and_then(|s| s.resets_at).map(|t| t.timestamp()),
            Some(1_795_742_041)
        );
    }

    #[test]
    fn durations_are_read_but_clock_times_stay_in_the_message() {
        let in_duration = subscription_limit("5-hour usage limit reached, resets in 2h 5m");
        assert_eq!(in_duration.and_then(|s| s.retry_after_secs), Some(7500));

        let clock = subscription_limit("Claude usage limit reached ∙ resets 3pm").unwrap();
        assert_eq!((clock.resets_at, clock.retry_after_secs), (None, None));
        assert!(clock.message.contains("resets 3pm"));

        let codex = "You’ve hit your usage limit. Upgrade to Pro or try again at 1:10 AM.";
        let codex = subscription_limit(codex).unwrap();
        assert_eq!((codex.resets_at, codex.retry_after_secs), (None, None));
    }

    #[test]
    fn ordinary_text_and_bare_429_are_not_limits() {
        assert_eq!(subscription_limit("HTTP 429 seen in a log line"), None);
        assert_eq!(subscription_limit("The tool returned: hi"), None);
    }
}

//! Timestamps: UTC everywhere, stored and sent as RFC 3339 with millisecond precision so that string
//! order is time order (the original mixed local, naive and UTC strings and compared them lexically).

use chrono::{DateTime, SecondsFormat, Utc};

/// The current time as a UTC RFC 3339 string with milliseconds, e.g. `2026-11-27T00:42:40.123Z`.
pub fn now_rfc3339() -> String {
    to_rfc3339(Utc::now())
}

/// Formats a UTC time the way Agented stores and sends it.
pub fn to_rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 timestamp (any offset) into UTC.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts_lexically() {
        let a = now_rfc3339();
        let parsed = parse_rfc3339(&a).map(to_rfc3339);
        assert_eq!(parsed.as_deref(), Some(a.as_str()));
        assert!("2026-01-02T00:00:00.000Z" > "2026-01-01T23:59:59.999Z");
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}

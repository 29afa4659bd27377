//! The text of a cron expression and a time zone name: what we accept, and what we say when we
//! don't.
//!
//! Croner does the parsing; this file narrows it to five fields (no seconds, no years), allows only
//! the common nicknames, tells wall-clock expressions from interval ones, and rewrites croner's
//! messages so a 422 names the cron field at fault ("hour field \"24\": number out of bounds").

use std::str::FromStr;

use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

use super::{Cadence, ScheduleError};

/// The nicknames accepted in place of five fields, lower-case.
const NICKNAMES: [&str; 6] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
];

/// What to write instead of a wrong number of fields.
const USE_FIVE: &str = "use 5 fields: minute hour day-of-month month day-of-week";

/// The five fields in order, as error messages name them.
const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];

/// Parses a normalized expression (single spaces) into croner's form and its cadence, or says why
/// not.
pub(super) fn parse_cron(expression: &str) -> Result<(Cron, Cadence), String> {
    check_shape(expression)?;
    let cron = parser()
        .parse(expression)
        .map_err(|err| explain(expression, &err))?;
    let cadence = if is_explicit(&cron.pattern.minutes) && is_explicit(&cron.pattern.hours) {
        Cadence::WallClock
    } else {
        Cadence::Interval
    };
    Ok((cron, cadence))
}

/// Parses an IANA zone name; empty means [`DEFAULT_TIMEZONE`](super::DEFAULT_TIMEZONE). Exact names
/// are looked up first; `america/new_york` is accepted too, because users type zone names by hand.
pub fn parse_timezone(name: &str) -> Result<Tz, ScheduleError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Ok(Tz::UTC);
    }
    if let Ok(tz) = Tz::from_str(trimmed) {
        return Ok(tz);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(trimmed))
        .copied()
        .ok_or_else(|| ScheduleError::InvalidTimezone {
            name: name.to_string(),
        })
}

/// Our parser: exactly five fields (croner would otherwise accept seconds and years), with the
/// `0/10` step form that APScheduler and many users write.
fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .sloppy_ranges(true)
        .build()
}

/// Refuses nicknames we do not support and field counts other than five, with a message that says
/// what to write instead (croner's own messages talk about its optional fields).
fn check_shape(expression: &str) -> Result<(), String> {
    if expression.is_empty() {
        return Err(
            "it is empty; expected 5 fields: minute hour day-of-month month day-of-week".into(),
        );
    }
    if expression.starts_with('@') {
        let lower = expression.to_ascii_lowercase();
        return if NICKNAMES.contains(&lower.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "unknown nickname; use one of {}",
                NICKNAMES.join(", ")
            ))
        };
    }
    match expression.split(' ').count() {
        5 => Ok(()),
        6 => Err(format!(
            "6 fields given, but seconds are not supported; {USE_FIVE}"
        )),
        7 => Err(format!(
            "7 fields given, but seconds and years are not supported; {USE_FIVE}"
        )),
        n => Err(format!("{n} fields given; {USE_FIVE}")),
    }
}

/// Turns croner's message into one that names the field at fault, found by parsing each field on
/// its own with the others set to `*`.
fn explain(expression: &str, err: &croner::errors::CronError) -> String {
    let fields: Vec<&str> = expression.split(' ').collect();
    if fields.len() == 5 {
        for (index, field) in fields.iter().enumerate() {
            let mut probe = ["*"; 5];
            probe[index] = field;
            if let Err(field_err) = parser().parse(&probe.join(" ")) {
                return format!(
                    "{} field {field:?}: {}",
                    FIELD_NAMES[index],
                    plain(&field_err)
                );
            }
        }
    }
    plain(err)
}

/// Croner's error text without its type-name prefixes.
fn plain(err: &croner::errors::CronError) -> String {
    let text = err.to_string();
    let text = text
        .strip_prefix("Component error: ")
        .or_else(|| text.strip_prefix("Invalid pattern: "))
        .unwrap_or(&text);
    text.trim_end_matches('.').to_ascii_lowercase()
}

/// True if and only if a field lists explicit values: no `*` and no step.
fn is_explicit(component: &croner::CronComponent) -> bool {
    !component.from_wildcard && component.step == 1
}

#[cfg(test)]
mod tests {
    use super::super::{Cadence, Schedule, ScheduleError};
    use agented_domain::ErrorKind;
    use chrono_tz::Tz;

    fn reason(expression: &str) -> String {
        match Schedule::parse(expression, "UTC") {
            Err(ScheduleError::InvalidCron { reason, .. }) => reason,
            other => panic!("expected InvalidCron for {expression:?}, got {other:?}"),
        }
    }

    #[test]
    fn standard_five_field_syntax_parses() {
        for expression in [
            "* * * * *",
            "*/15 9-17 * * mon-fri",
            "0 0 1,15 * *",
            "30 2 * jan,jul sun",
            "0/10 * * * *",
            "5-59/20 * * * 7",
            "0 12 L * *",
            "0 9 * * 5#L",
            "@daily",
            "@HOURLY",
            "@weekly",
            "@monthly",
        ] {
            assert!(Schedule::parse(expression, "").is_ok(), "{expression}");
        }
    }

    #[test]
    fn seconds_and_years_are_refused_with_a_clear_message() {
        assert!(reason("0 0 * * * *").contains("seconds are not supported"));
        assert!(reason("0 0 0 * * * 2026").contains("seconds and years are not supported"));
        assert!(reason("* * * *").contains("4 fields given"));
        assert!(reason("").contains("empty"));
        assert!(reason("@reboot").contains("unknown nickname"));
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        assert!(reason("61 * * * *").starts_with("minute field \"61\""));
        assert!(reason("0 24 * * *").starts_with("hour field \"24\""));
        assert!(reason("0 0 32 * *").starts_with("day-of-month field"));
        assert!(reason("0 0 * 13 *").starts_with("month field"));
        assert!(reason("0 0 * * 8").starts_with("day-of-week field"));
        assert!(reason("0 0 * * funday").starts_with("day-of-week field"));
        assert!(reason("0 0 30 2 *").contains("never fires"));
        let err = Schedule::parse("61 * * * *", "UTC").unwrap_err();
        assert_eq!(err.field(), "cron_expression");
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn time_zones_default_to_utc_and_are_validated() {
        assert_eq!(Schedule::parse("@daily", "").unwrap().timezone(), Tz::UTC);
        assert_eq!(
            Schedule::parse("@daily", "  ").unwrap().timezone_name(),
            "UTC"
        );
        let s = Schedule::parse("@daily", "america/new_york").unwrap();
        assert_eq!(s.timezone_name(), "America/New_York");
        let err = Schedule::parse("@daily", "Mars/Olympus_Mons").unwrap_err();
        assert_eq!(
            err,
            ScheduleError::InvalidTimezone {
                name: "Mars/Olympus_Mons".into()
            }
        );
        assert_eq!(err.field(), "schedule_timezone");
    }

    #[test]
    fn cadence_separates_wall_clock_from_interval_expressions() {
        for wall in [
            "30 2 * * *",
            "0 9,17 * * 1-5",
            "30 1-2 * * *",
            "@daily",
            "@weekly",
        ] {
            assert_eq!(
                Schedule::parse(wall, "UTC").unwrap().cadence(),
                Cadence::WallClock,
                "{wall}"
            );
        }
        for interval in [
            "* * * * *",
            "*/15 * * * *",
            "30 * * * *",
            "0 */2 * * *",
            "0/10 1 * * *",
            "@hourly",
        ] {
            assert_eq!(
                Schedule::parse(interval, "UTC").unwrap().cadence(),
                Cadence::Interval,
                "{interval}"
            );
        }
    }
}

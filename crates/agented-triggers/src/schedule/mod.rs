//! Cron schedules with IANA time zones: parsing, fire times, missed-slot catch-up and a timetable.
//!
//! Owns the rules for *when* a scheduled bot fires. A [`Schedule`] is a standard 5-field cron
//! expression (or `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly`) read in one time zone; the
//! original's `schedule_type`/`schedule_time`/`schedule_day` fields map onto it ([`legacy`]).
//! Every fire time ("slot") is an exact UTC instant on a whole minute, so the store can record each
//! fired slot under a unique `(bot, slot)` key. [`slots`] decides what a restart missed and
//! [`timetable`] keeps 10,000 bots ordered by their next slot so the scheduler task can sleep until
//! exactly that instant. No I/O and no clock: callers pass `now`.
//!
//! Daylight saving time follows two rules, chosen by the expression's [`Cadence`] (the
//! `wall_clock` module explains why):
//! * **wall-clock** expressions (explicit minute and hour values, e.g. `30 2 * * *` or
//!   `0 9,17 * * 1-5`) fire once for every matching local time: a local time that occurs twice
//!   (fall back) fires only at its first occurrence, and a local time that does not exist (spring
//!   forward) fires once, at the first instant after the gap;
//! * **interval** expressions (`*` or a step in the minute or hour field, e.g. `*/15 * * * *` or
//!   `30 * * * *`) fire at every real instant whose local time matches: both passes of a repeated
//!   hour, nothing inside a gap, so the interval between fires stays regular in real time.
//!
//! Day-of-week follows standard cron (0 or 7 = Sunday), not APScheduler's `from_crontab` (0 =
//! Monday); the original could never store a `cron_expression`, so no stored expression depends on
//! that.

pub mod legacy;
pub mod slots;
mod syntax;
pub mod timetable;
mod wall_clock;

use std::fmt;

use agented_domain::ErrorKind;
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

pub use legacy::legacy_cron_expression;
pub use slots::{due_slots, CatchUp, DueSlots};
pub use syntax::parse_timezone;
pub use timetable::Timetable;

/// The time zone used when a schedule names none (decision 7: the default is UTC, not the
/// server's).
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// A schedule that cannot be accepted, naming the field at fault; the API answers 422 with
/// `{field: problem}` built from [`ScheduleError::field`] and the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron expression does not parse, has the wrong number of fields, or never fires.
    #[error("invalid cron expression {expression:?}: {reason}")]
    InvalidCron {
        /// The expression as given.
        expression: String,
        /// What is wrong with it, naming the cron field when one is at fault.
        reason: String,
    },
    /// The time zone is not an IANA name this build knows.
    #[error(
        "unknown time zone {name:?}: expected an IANA name such as \"Europe/Berlin\" or \"UTC\""
    )]
    InvalidTimezone {
        /// The name as given.
        name: String,
    },
    /// One of the legacy fields (`schedule_type`, `schedule_time`, `schedule_day`) is wrong.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The trigger field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl ScheduleError {
    /// Every schedule error is a well-formed request that breaks a rule (422).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }

    /// The trigger field this error is about: `cron_expression`, `schedule_timezone`, or a legacy
    /// field.
    pub fn field(&self) -> &'static str {
        match self {
            ScheduleError::InvalidCron { .. } => "cron_expression",
            ScheduleError::InvalidTimezone { .. } => "schedule_timezone",
            ScheduleError::InvalidField { field, .. } => field,
        }
    }
}

/// How an expression behaves where the zone's clock jumps; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Explicit minute and hour values: each matching local time fires exactly once.
    WallClock,
    /// A wildcard or step in the minute or hour field: fires at every real instant that matches.
    Interval,
}

/// A parsed cron expression in a time zone; the source of a scheduled bot's fire times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The expression, trimmed, with runs of whitespace collapsed to one space.
    expression: String,
    timezone: Tz,
    cron: Cron,
    cadence: Cadence,
}

impl Schedule {
    /// Parses a 5-field cron expression (minute hour day-of-month month day-of-week) or a nickname,
    /// read in the IANA time zone `timezone` (UTC when empty; matched case-insensitively).
    ///
    /// Names (`JAN`, `mon-fri`), ranges, steps, lists and croner's `L`, `W`, `#` and `+` modifiers
    /// are accepted, as is the common `0/10` step form. Expressions with seconds or years (6 or 7
    /// fields) and expressions that can never fire (`0 0 30 2 *`) are refused.
    pub fn parse(expression: &str, timezone: &str) -> Result<Schedule, ScheduleError> {
        let timezone = parse_timezone(timezone)?;
        let expression = expression.split_whitespace().collect::<Vec<_>>().join(" ");
        let invalid = |reason: String| ScheduleError::InvalidCron {
            expression: expression.clone(),
            reason,
        };
        let (cron, cadence) = syntax::parse_cron(&expression).map_err(invalid)?;
        let schedule = Schedule {
            expression: expression.clone(),
            timezone,
            cron,
            cadence,
        };
        // Croner searches up to the year 5000, far beyond any calendar cycle, so a pattern with no
        // slot after 2000 has none at all (30 February, 31 April, ...).
        let reference = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
        if reference.and_then(|t| schedule.next_after(t)).is_none() {
            return Err(invalid("it never fires (no such date)".to_string()));
        }
        Ok(schedule)
    }

    /// Builds the schedule equivalent to the original's `schedule_type` (`daily|weekly|monthly`),
    /// `schedule_time` (`HH:MM`) and `schedule_day` fields; see [`legacy_cron_expression`].
    pub fn from_legacy(
        schedule_type: &str,
        schedule_time: &str,
        schedule_day: Option<i64>,
        timezone: &str,
    ) -> Result<Schedule, ScheduleError> {
        let expression = legacy_cron_expression(schedule_type, schedule_time, schedule_day)?;
        Schedule::parse(&expression, timezone)
    }

    /// The expression, trimmed and with single spaces between fields.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone the expression is read in.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The canonical IANA name of the time zone, e.g. `America/New_York`.
    pub fn timezone_name(&self) -> &'static str {
        self.timezone.name()
    }

    /// Whether the expression fires on wall-clock times or on real-time intervals across DST
    /// changes.
    pub fn cadence(&self) -> Cadence {
        self.cadence
    }

    /// The first slot strictly after `t`, or `None` if the schedule never fires again.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let slot = match self.cadence {
            Cadence::WallClock => wall_clock::next_after(&self.cron, self.timezone, t),
            Cadence::Interval => self
                .cron
                .find_next_occurrence(&t.with_timezone(&self.timezone), false)
                .ok()
                .map(|at| at.with_timezone(&Utc)),
        };
        slot.map(truncate_to_minute)
    }

    /// The last slot at or before `t`, or `None` if the schedule never fired before `t`.
    pub fn last_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let slot = match self.cadence {
            Cadence::WallClock => wall_clock::last_at_or_before(&self.cron, self.timezone, t),
            Cadence::Interval => self
                .cron
                .find_previous_occurrence(&t.with_timezone(&self.timezone), true)
                .ok()
                .map(|at| at.with_timezone(&Utc)),
        };
        slot.map(truncate_to_minute)
    }

    /// The next `n` slots strictly after `after`, in order (fewer if the schedule ends).
    pub fn next_fires(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut fires = Vec::with_capacity(n.min(1024));
        let mut cursor = after;
        while fires.len() < n {
            match self.next_after(cursor) {
                Some(slot) => {
                    fires.push(slot);
                    cursor = slot;
                }
                None => break,
            }
        }
        fires
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.expression, self.timezone.name())
    }
}

/// Drops seconds and sub-seconds: slots are whole minutes, so equal slots compare equal in the
/// store.
fn truncate_to_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = t.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(60), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
    }

    #[test]
    fn fields_fire_where_standard_cron_says() {
        let s = Schedule::parse("*/20 9-10 * * mon-fri", "UTC").unwrap();
        // 2026-01-02 is a Friday, then the weekend is skipped.
        let fires = s.next_fires(utc(2026, 1, 2, 10, 30), 3);
        assert_eq!(
            fires,
            vec![
                utc(2026, 1, 2, 10, 40),
                utc(2026, 1, 5, 9, 0),
                utc(2026, 1, 5, 9, 20)
            ]
        );
        let sunday = Schedule::parse("0 8 * * 0", "UTC").unwrap();
        assert_eq!(
            sunday.next_after(utc(2026, 1, 1, 0, 0)),
            Some(utc(2026, 1, 4, 8, 0))
        );
        let weekly = Schedule::parse("@weekly", "UTC").unwrap();
        assert_eq!(
            weekly.next_after(utc(2026, 1, 1, 0, 0)),
            Some(utc(2026, 1, 4, 0, 0))
        );
        let leap = Schedule::parse("0 0 29 2 *", "UTC").unwrap();
        assert_eq!(
            leap.next_after(utc(2026, 1, 1, 0, 0)),
            Some(utc(2028, 2, 29, 0, 0))
        );
    }

    #[test]
    fn expression_is_normalized_and_displayed_with_its_zone() {
        let s = Schedule::parse("  0   9 *  * 1-5 ", "Asia/Kolkata").unwrap();
        assert_eq!(s.expression(), "0 9 * * 1-5");
        assert_eq!(s.to_string(), "0 9 * * 1-5 (Asia/Kolkata)");
    }

    #[test]
    fn next_after_is_strict_and_slots_are_whole_minutes() {
        let s = Schedule::parse("* * * * *", "UTC").unwrap();
        let t = utc(2026, 5, 1, 10, 0);
        assert_eq!(s.next_after(t), Some(utc(2026, 5, 1, 10, 1)));
        let mid_minute = t + chrono::TimeDelta::milliseconds(30_500);
        assert_eq!(s.next_after(mid_minute), Some(utc(2026, 5, 1, 10, 1)));
        assert_eq!(s.last_at_or_before(mid_minute), Some(t));
        assert_eq!(s.last_at_or_before(t), Some(t));
        let fires = s.next_fires(t, 5);
        assert_eq!(fires.len(), 5);
        assert!(fires.iter().all(|f| f.timestamp() % 60 == 0));
    }

    #[test]
    fn asia_kolkata_has_a_half_hour_offset_and_no_dst() {
        let s = Schedule::parse("0 9 * * *", "Asia/Kolkata").unwrap();
        let fires = s.next_fires(utc(2026, 3, 1, 0, 0), 2);
        assert_eq!(fires, vec![utc(2026, 3, 1, 3, 30), utc(2026, 3, 2, 3, 30)]);
    }
}

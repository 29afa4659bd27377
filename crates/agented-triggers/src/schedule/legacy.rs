//! The original's schedule fields (`schedule_type`, `schedule_time`, `schedule_day`) as cron.
//!
//! Decision 7 makes cron expressions first-class; the legacy fields stay accepted and are turned
//! into the equivalent expression here, validated field by field so a 422 names the field at fault.
//! The original validated them only on create; a stored row that no longer validates fails loudly
//! here.

use super::ScheduleError;

/// The cron expression equivalent to the original's legacy schedule fields.
///
/// * `schedule_type` is `daily`, `weekly` or `monthly` (case-insensitive);
/// * `schedule_time` is `HH:MM` in 24-hour time (`9:05` is accepted too);
/// * `schedule_day` is ignored for daily, required for weekly (0 = Monday … 6 = Sunday, as in the
///   original) and optional for monthly (1–28, default 1 as in the original).
///
/// `weekly`, `14:30`, day 0 gives `30 14 * * 1`; `monthly`, `08:00`, day 15 gives `0 8 15 * *`.
pub fn legacy_cron_expression(
    schedule_type: &str,
    schedule_time: &str,
    schedule_day: Option<i64>,
) -> Result<String, ScheduleError> {
    let kind = schedule_type.trim().to_ascii_lowercase();
    if !matches!(kind.as_str(), "daily" | "weekly" | "monthly") {
        return Err(invalid(
            "schedule_type",
            format!("expected daily, weekly or monthly, got {schedule_type:?}"),
        ));
    }
    let (hour, minute) = parse_time(schedule_time).ok_or_else(|| {
        invalid(
            "schedule_time",
            format!("expected HH:MM between 00:00 and 23:59, got {schedule_time:?}"),
        )
    })?;
    Ok(match kind.as_str() {
        "weekly" => {
            let day = schedule_day
                .filter(|day| (0..=6).contains(day))
                .ok_or_else(|| {
                    invalid(
                        "schedule_day",
                        describe_day(
                            "weekly schedules need a day from 0 (Monday) to 6 (Sunday)",
                            schedule_day,
                        ),
                    )
                })?;
            // The original counts from Monday = 0; cron counts from Sunday = 0.
            format!("{minute} {hour} * * {}", (day + 1) % 7)
        }
        "monthly" => {
            let day = schedule_day.unwrap_or(1);
            if !(1..=28).contains(&day) {
                return Err(invalid(
                    "schedule_day",
                    describe_day("monthly schedules need a day from 1 to 28", schedule_day),
                ));
            }
            format!("{minute} {hour} {day} * *")
        }
        _ => format!("{minute} {hour} * * *"),
    })
}

fn invalid(field: &'static str, reason: String) -> ScheduleError {
    ScheduleError::InvalidField { field, reason }
}

fn describe_day(rule: &str, day: Option<i64>) -> String {
    match day {
        Some(day) => format!("{rule}, got {day}"),
        None => format!("{rule}, got none"),
    }
}

/// `HH:MM` (or `H:MM`) to (hour, minute), or `None`.
fn parse_time(text: &str) -> Option<(u32, u32)> {
    let (hour, minute) = text.trim().split_once(':')?;
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let hour = digits(hour, 1..=2).filter(|h| *h < 24)?;
    let minute = digits(minute, 2..=2).filter(|m| *m < 60)?;
    Some((hour, minute))
}

#[cfg(test)]
mod tests {
    use super::super::Schedule;
    use super::*;
    use chrono::{TimeZone, Utc};

    fn field_of(result: Result<String, ScheduleError>) -> &'static str {
        result.unwrap_err().field()
    }

    #[test]
    fn legacy_fields_map_to_cron() {
        assert_eq!(
            legacy_cron_expression("daily", "09:05", None).unwrap(),
            "5 9 * * *"
        );
        assert_eq!(
            legacy_cron_expression("Daily", "9:05", Some(3)).unwrap(),
            "5 9 * * *"
        );
        assert_eq!(
            legacy_cron_expression("weekly", "14:30", Some(0)).unwrap(),
            "30 14 * * 1"
        );
        assert_eq!(
            legacy_cron_expression("weekly", "14:30", Some(6)).unwrap(),
            "30 14 * * 0"
        );
        assert_eq!(
            legacy_cron_expression("monthly", "08:00", Some(15)).unwrap(),
            "0 8 15 * *"
        );
        assert_eq!(
            legacy_cron_expression("monthly", "00:00", None).unwrap(),
            "0 0 1 * *"
        );
        assert_eq!(
            legacy_cron_expression("monthly", "23:59", Some(28)).unwrap(),
            "59 23 28 * *"
        );
    }

    #[test]
    fn bad_legacy_fields_are_named() {
        assert_eq!(
            field_of(legacy_cron_expression("hourly", "09:00", None)),
            "schedule_type"
        );
        for time in [
            "24:00", "9", "09:60", "09:5", "ab:cd", "", "-1:30", "09:00:00",
        ] {
            assert_eq!(
                field_of(legacy_cron_expression("daily", time, None)),
                "schedule_time",
                "{time}"
            );
        }
        assert_eq!(
            field_of(legacy_cron_expression("weekly", "09:00", None)),
            "schedule_day"
        );
        assert_eq!(
            field_of(legacy_cron_expression("weekly", "09:00", Some(7))),
            "schedule_day"
        );
        assert_eq!(
            field_of(legacy_cron_expression("monthly", "09:00", Some(0))),
            "schedule_day"
        );
        let err = legacy_cron_expression("monthly", "09:00", Some(31)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid schedule_day: monthly schedules need a day from 1 to 28, got 31"
        );
    }

    #[test]
    fn a_legacy_weekly_schedule_fires_on_the_right_weekday() {
        // Day 0 is Monday in the original; 2026-01-05 is a Monday.
        let s = Schedule::from_legacy("weekly", "07:00", Some(0), "Europe/Berlin").unwrap();
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            s.next_after(from),
            Utc.with_ymd_and_hms(2026, 1, 5, 6, 0, 0).single()
        );
    }
}

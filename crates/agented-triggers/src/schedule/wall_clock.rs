//! Fire times of wall-clock expressions (explicit minute and hour values) across clock changes.
//!
//! A user who writes `30 2 * * *` means "at half past two on the clock on the wall". We search the
//! zone's local (naive) calendar for matching times and map each one to exactly one instant: a
//! local time that occurs twice fires at its first occurrence, and one that falls into a gap fires
//! at the first whole minute after the gap (several gap times collapse into that one instant). This
//! mapping never goes backwards in time, which is what lets the searches below stop early.
//!
//! Croner's own fixed-time rule is the same but covers only single minute and hour values, so
//! `30 1,13 * * *` would fire twice on a fall-back night and lose 02:30 in a spring-forward gap;
//! interval expressions (`*/15 * * * *`) are left to croner, which walks real time.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// More than any clock change a real zone makes in one step (Antarctica/Troll shifts by 2 hours),
/// so a repeated hour never reaches further back than this.
const MAX_SHIFT_MINUTES: i64 = 180;

/// The longest gap we bridge looking for the first valid minute (Pacific/Apia skipped a whole day).
const MAX_GAP_MINUTES: i64 = 48 * 60;

/// How many local matches a search may inspect before giving up; a repeated hour holds at most 180.
const MAX_STEPS: usize = 10_000;

/// The first wall-clock slot strictly after `t`.
pub(super) fn next_after(cron: &Cron, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // A local match before `t`'s own local time maps to an instant at or before `t`: the mapping is
    // monotonic, and `t`'s local time maps to `t` itself or to its earlier first occurrence.
    let local = t.with_timezone(&tz).naive_local();
    let mut candidate = cron.find_next_occurrence(&local, true).ok()?;
    for _ in 0..MAX_STEPS {
        if let Some(at) = resolve(tz, candidate) {
            if at > t {
                return Some(at);
            }
        }
        candidate = cron.find_next_occurrence(&candidate, false).ok()?;
    }
    None
}

/// The last wall-clock slot at or before `t`.
pub(super) fn last_at_or_before(cron: &Cron, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // In the second pass of a repeated hour, local times *later* than `t`'s own already fired
    // during the first pass, so the backward search starts a full clock shift ahead.
    let local = t.with_timezone(&tz).naive_local() + TimeDelta::minutes(MAX_SHIFT_MINUTES);
    let mut candidate = cron.find_previous_occurrence(&local, true).ok()?;
    for _ in 0..MAX_STEPS {
        if let Some(at) = resolve(tz, candidate) {
            if at <= t {
                return Some(at);
            }
        }
        candidate = cron.find_previous_occurrence(&candidate, false).ok()?;
    }
    None
}

/// The one instant a local time fires at: the only one, the first of two, or the end of its gap.
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => first_minute_after_gap(tz, local),
    }
}

/// The first whole local minute after the gap that swallowed `local`.
fn first_minute_after_gap(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    (1..=MAX_GAP_MINUTES).find_map(|minutes| {
        let probe = local.checked_add_signed(TimeDelta::minutes(minutes))?;
        tz.from_local_datetime(&probe)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    })
}

#[cfg(test)]
mod tests {
    //! Real zones around their real 2026 transitions. Times in comments are local.
    use super::super::{Cadence, Schedule};
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
    }

    fn fires(expression: &str, tz: &str, from: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        Schedule::parse(expression, tz).unwrap().next_fires(from, n)
    }

    /// Every slot in `[from, from + window)` must be found again by the backward search, both at
    /// the slot itself and as the predecessor of the next slot.
    fn assert_backward_agrees(expression: &str, tz: &str, from: DateTime<Utc>, n: usize) {
        let schedule = Schedule::parse(expression, tz).unwrap();
        let slots = schedule.next_fires(from, n);
        for pair in slots.windows(2) {
            assert_eq!(
                schedule.last_at_or_before(pair[0]),
                Some(pair[0]),
                "{expression} {tz}"
            );
            assert_eq!(
                schedule.last_at_or_before(pair[1] - TimeDelta::seconds(1)),
                Some(pair[0]),
                "{expression} {tz} before {}",
                pair[1]
            );
            assert_eq!(schedule.next_after(pair[0]), Some(pair[1]));
        }
    }

    #[test]
    fn new_york_spring_forward_gap_fires_once_at_three() {
        // 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:30 does not exist that day.
        let got = fires("30 2 * * *", "America/New_York", utc(2026, 3, 7, 0, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 3, 7, 7, 30),
                utc(2026, 3, 8, 7, 0),
                utc(2026, 3, 9, 6, 30)
            ]
        );
    }

    #[test]
    fn gap_times_of_a_list_collapse_into_one_fire_and_keep_the_rest() {
        // 02:00 and 02:30 both fall into the gap and fire once together at 03:00; 03:30 still
        // fires.
        let got = fires(
            "0,30 2-3 * * *",
            "America/New_York",
            utc(2026, 3, 8, 6, 0),
            3,
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 3, 8, 7, 0),
                utc(2026, 3, 8, 7, 30),
                utc(2026, 3, 9, 6, 0)
            ]
        );
    }

    #[test]
    fn new_york_fall_back_repeated_time_fires_exactly_once() {
        // 2026-11-01 02:00 EDT falls back to 01:00 EST, so 01:30 occurs at 05:30 and 06:30 UTC.
        let got = fires("30 1 * * *", "America/New_York", utc(2026, 10, 31, 0, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 10, 31, 5, 30),
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 2, 6, 30)
            ]
        );
        // The same holds for hour lists and ranges, which croner alone would fire twice.
        let got = fires(
            "30 1,13 * * *",
            "America/New_York",
            utc(2026, 11, 1, 4, 0),
            3,
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 18, 30),
                utc(2026, 11, 2, 6, 30)
            ]
        );
        // Starting the search inside the second pass does not fire the repeated time again.
        let got = fires(
            "30 1-2 * * *",
            "America/New_York",
            utc(2026, 11, 1, 6, 10),
            2,
        );
        assert_eq!(got, vec![utc(2026, 11, 1, 7, 30), utc(2026, 11, 2, 6, 30)]);
    }

    #[test]
    fn berlin_transitions_follow_the_same_rules() {
        // 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let got = fires("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 0, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 3, 28, 1, 30),
                utc(2026, 3, 29, 1, 0),
                utc(2026, 3, 30, 0, 30)
            ]
        );
        // 2026-10-25 03:00 CEST falls back to 02:00 CET; 02:30 fires only in summer time.
        let got = fires("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 0, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 10, 24, 0, 30),
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 26, 1, 30)
            ]
        );
    }

    #[test]
    fn lord_howe_half_hour_shifts_are_handled() {
        // 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11): 02:15 fires once at 02:30 (15:30 UTC).
        let got = fires(
            "15 2 * * *",
            "Australia/Lord_Howe",
            utc(2026, 10, 2, 0, 0),
            3,
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 10, 2, 15, 45),
                utc(2026, 10, 3, 15, 30),
                utc(2026, 10, 4, 15, 15)
            ]
        );
        // 2026-04-05 02:00 (+11) falls back to 01:30 (+10:30): 01:45 occurs twice, fires once.
        let got = fires(
            "45 1 * * *",
            "Australia/Lord_Howe",
            utc(2026, 4, 3, 0, 0),
            3,
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 4, 3, 14, 45),
                utc(2026, 4, 4, 14, 45),
                utc(2026, 4, 5, 15, 15)
            ]
        );
    }

    #[test]
    fn interval_expressions_keep_real_time_intervals() {
        let s = Schedule::parse("*/30 * * * *", "America/New_York").unwrap();
        assert_eq!(s.cadence(), Cadence::Interval);
        // Spring forward: nothing inside the gap, 01:30 EST is followed by 03:00 EDT.
        let got = s.next_fires(utc(2026, 3, 8, 6, 0), 3);
        assert_eq!(
            got,
            vec![
                utc(2026, 3, 8, 6, 30),
                utc(2026, 3, 8, 7, 0),
                utc(2026, 3, 8, 7, 30)
            ]
        );
        // Fall back: both passes of the repeated hour, every 30 real minutes.
        let got = s.next_fires(utc(2026, 11, 1, 5, 0), 4);
        assert_eq!(
            got,
            vec![
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 6, 0),
                utc(2026, 11, 1, 6, 30),
                utc(2026, 11, 1, 7, 0)
            ]
        );
        // Lord Howe's repeated half hour is walked twice as well.
        let got = fires(
            "*/15 * * * *",
            "Australia/Lord_Howe",
            utc(2026, 4, 4, 14, 30),
            4,
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 4, 4, 14, 45),
                utc(2026, 4, 4, 15, 0),
                utc(2026, 4, 4, 15, 15),
                utc(2026, 4, 4, 15, 30)
            ]
        );
    }

    #[test]
    fn forward_and_backward_searches_agree_around_transitions() {
        let cases = [
            ("30 2 * * *", "America/New_York", utc(2026, 3, 5, 0, 0)),
            ("30 1 * * *", "America/New_York", utc(2026, 10, 29, 0, 0)),
            ("0,30 1-3 * * *", "America/New_York", utc(2026, 3, 7, 0, 0)),
            (
                "0,30 1-3 * * *",
                "America/New_York",
                utc(2026, 10, 31, 0, 0),
            ),
            ("*/20 * * * *", "America/New_York", utc(2026, 11, 1, 4, 0)),
            ("*/20 * * * *", "America/New_York", utc(2026, 3, 8, 5, 0)),
            ("30 2 * * *", "Europe/Berlin", utc(2026, 3, 27, 0, 0)),
            (
                "15,45 1-2 * * *",
                "Australia/Lord_Howe",
                utc(2026, 4, 3, 0, 0),
            ),
            (
                "15,45 1-2 * * *",
                "Australia/Lord_Howe",
                utc(2026, 10, 2, 0, 0),
            ),
            (
                "*/15 * * * *",
                "Australia/Lord_Howe",
                utc(2026, 4, 4, 13, 0),
            ),
            ("0 9 * * *", "Asia/Kolkata", utc(2026, 1, 1, 0, 0)),
        ];
        for (expression, tz, from) in cases {
            assert_backward_agrees(expression, tz, from, 24);
        }
    }

    #[test]
    fn no_slot_repeats_across_transitions() {
        for (expression, tz, from, n) in [
            ("30 1 * * *", "America/New_York", utc(2026, 1, 1, 0, 0), 366),
            (
                "0,30 0-3 * * *",
                "Europe/Berlin",
                utc(2026, 3, 20, 0, 0),
                400,
            ),
            (
                "15,45 1-2 * * *",
                "Australia/Lord_Howe",
                utc(2026, 3, 20, 0, 0),
                1000,
            ),
            (
                "*/30 * * * *",
                "America/New_York",
                utc(2026, 10, 30, 0, 0),
                500,
            ),
        ] {
            let slots = fires(expression, tz, from, n);
            assert_eq!(slots.len(), n);
            assert!(slots.windows(2).all(|p| p[0] < p[1]), "{expression} {tz}");
        }
    }
}

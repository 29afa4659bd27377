//! Which slots a bot missed, which one runs now, and when it fires next: catch-up after downtime.
//!
//! "Each scheduled slot fires exactly once, also across restarts": the store records every fired
//! or missed slot under a unique `(bot, slot)` key, and this module computes, from the last slot
//! the store recorded and the current time, what to record and what to run. Nothing here reads a
//! clock.
//!
//! A slot is *due* when `now >= slot`; it is *on time* while it is less than [`ON_TIME_GRACE`] old,
//! which absorbs a scheduler that wakes a few milliseconds (or a busy second) late. Older slots
//! were missed, and the bot's [`CatchUp`] policy decides whether the most recent of them still
//! runs.

use chrono::{DateTime, TimeDelta, Utc};

use super::Schedule;

/// How late a slot may be picked up and still count as on time rather than missed.
pub const ON_TIME_GRACE: TimeDelta = TimeDelta::seconds(60);

/// At most this many missed slots are listed in [`DueSlots::missed`]; the rest are only counted.
pub const MISSED_LIST_LIMIT: usize = 1000;

/// Counting of unlisted missed slots stops here, so a per-minute bot that was down for a year costs
/// a bounded amount of work; [`DueSlots::missed_more`] saturates at this value.
pub const MISSED_COUNT_LIMIT: u64 = 100_000;

/// What a bot does about slots it missed while the server was down or the scheduler was late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Missed slots are recorded as missed and none of them runs; only an on-time slot runs.
    None,
    /// The most recent missed slot runs once (if no on-time slot does); the rest are recorded as
    /// missed.
    Latest,
}

impl CatchUp {
    /// The policy's wire name: `none` or `latest`.
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::None => "none",
            CatchUp::Latest => "latest",
        }
    }

    /// Reads a wire name (case-insensitive), or `None` if it is neither `none` nor `latest`.
    pub fn parse(name: &str) -> Option<CatchUp> {
        match name.trim().to_ascii_lowercase().as_str() {
            "none" => Some(CatchUp::None),
            "latest" => Some(CatchUp::Latest),
            _ => None,
        }
    }
}

/// The outcome of [`due_slots`]: what to record as missed, what to run now, when to wake next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueSlots {
    /// Slots that passed and will not run, oldest first, at most [`MISSED_LIST_LIMIT`] of them.
    pub missed: Vec<DateTime<Utc>>,
    /// How many more missed slots came after the listed ones (saturating at
    /// [`MISSED_COUNT_LIMIT`]).
    pub missed_more: u64,
    /// The slot to run now, if any; at most one per call, so a backlog never becomes a burst of
    /// runs.
    pub due: Option<DateTime<Utc>>,
    /// The first slot strictly after `now` (and after the last recorded slot): when to wake next.
    pub next: Option<DateTime<Utc>>,
}

impl DueSlots {
    /// The number of missed slots, listed or not.
    pub fn missed_total(&self) -> u64 {
        self.missed.len() as u64 + self.missed_more
    }

    /// Lists or counts one missed slot; returns false once the count has saturated.
    fn record_missed(&mut self, slot: DateTime<Utc>, limits: Limits) -> bool {
        if self.missed.len() < limits.list {
            self.missed.push(slot);
        } else {
            self.missed_more = (self.missed_more + 1).min(limits.count);
        }
        self.missed_more < limits.count
    }
}

/// Decides what happened to the slots after `last_slot` up to and including `now`.
///
/// `last_slot` is the latest slot the store recorded for this bot (fired or missed). `None` means
/// the bot has no history: only an on-time slot is considered, nothing before it counts as missed.
/// To catch up a bot that never fired since it was enabled, pass the time it was enabled instead.
/// A slot at or before `last_slot` is never returned again, even if the clock went backwards.
pub fn due_slots(
    schedule: &Schedule,
    last_slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    catch_up: CatchUp,
) -> DueSlots {
    due_slots_within(schedule, last_slot, now, catch_up, Limits::DEFAULT)
}

/// How many missed slots to list and to count; tests shrink them to exercise saturation cheaply.
#[derive(Debug, Clone, Copy)]
struct Limits {
    list: usize,
    count: u64,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        list: MISSED_LIST_LIMIT,
        count: MISSED_COUNT_LIMIT,
    };
}

fn due_slots_within(
    schedule: &Schedule,
    last_slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    catch_up: CatchUp,
    limits: Limits,
) -> DueSlots {
    // Exclusive lower bound: slots after it are candidates. Without history that leaves exactly the
    // on-time ones.
    let after = last_slot.unwrap_or(now - ON_TIME_GRACE);
    let mut result = DueSlots::default();
    let mut latest = None;
    let mut cursor = after;
    // Walk forward so the common case (one slot passed) costs two searches; each candidate becomes
    // "missed" once a later one shows up, and the last one is the policy's to decide.
    while let Some(slot) = schedule.next_after(cursor) {
        if slot > now {
            result.next = Some(slot);
            break;
        }
        if let Some(earlier) = latest.replace(slot) {
            if !result.record_missed(earlier, limits) {
                // Too many to count: jump straight to the end of the outage.
                latest = schedule.last_at_or_before(now).filter(|s| *s > after);
                result.next = schedule.next_after(now.max(after));
                break;
            }
        }
        cursor = slot;
    }
    if let Some(latest) = latest {
        let on_time = now - latest < ON_TIME_GRACE;
        if catch_up == CatchUp::Latest || on_time {
            result.due = Some(latest);
        } else {
            result.record_missed(latest, limits);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, d, h, mi, 0).unwrap()
    }

    fn hourly() -> Schedule {
        Schedule::parse("0 * * * *", "UTC").unwrap()
    }

    #[test]
    fn an_on_time_slot_is_due_under_both_policies() {
        let now = utc(1, 10, 0) + TimeDelta::milliseconds(3);
        for policy in [CatchUp::None, CatchUp::Latest] {
            let got = due_slots(&hourly(), Some(utc(1, 9, 0)), now, policy);
            assert_eq!(got.due, Some(utc(1, 10, 0)));
            assert!(got.missed.is_empty());
            assert_eq!(got.next, Some(utc(1, 11, 0)));
        }
    }

    #[test]
    fn nothing_is_due_between_slots() {
        let got = due_slots(
            &hourly(),
            Some(utc(1, 10, 0)),
            utc(1, 10, 30),
            CatchUp::Latest,
        );
        assert_eq!(
            got,
            DueSlots {
                next: Some(utc(1, 11, 0)),
                ..DueSlots::default()
            }
        );
    }

    #[test]
    fn latest_runs_the_most_recent_missed_slot_once() {
        // Down from 09:30 to 13:20: 10:00, 11:00, 12:00 missed, 13:00 runs late.
        let got = due_slots(
            &hourly(),
            Some(utc(1, 9, 0)),
            utc(1, 13, 20),
            CatchUp::Latest,
        );
        assert_eq!(
            got.missed,
            vec![utc(1, 10, 0), utc(1, 11, 0), utc(1, 12, 0)]
        );
        assert_eq!(got.due, Some(utc(1, 13, 0)));
        assert_eq!(got.next, Some(utc(1, 14, 0)));
        assert_eq!(got.missed_total(), 3);
    }

    #[test]
    fn none_records_every_missed_slot_and_runs_nothing() {
        let got = due_slots(&hourly(), Some(utc(1, 9, 0)), utc(1, 13, 20), CatchUp::None);
        assert_eq!(
            got.missed,
            vec![utc(1, 10, 0), utc(1, 11, 0), utc(1, 12, 0), utc(1, 13, 0)]
        );
        assert_eq!(got.due, None);
        assert_eq!(got.next, Some(utc(1, 14, 0)));
    }

    #[test]
    fn a_slot_just_past_the_grace_is_missed_under_none() {
        let late = utc(1, 10, 0) + ON_TIME_GRACE;
        let got = due_slots(&hourly(), Some(utc(1, 9, 0)), late, CatchUp::None);
        assert_eq!((got.due, got.missed), (None, vec![utc(1, 10, 0)]));
        let in_grace = late - TimeDelta::seconds(1);
        let got = due_slots(&hourly(), Some(utc(1, 9, 0)), in_grace, CatchUp::None);
        assert_eq!((got.due, got.missed.len()), (Some(utc(1, 10, 0)), 0));
    }

    #[test]
    fn without_history_only_an_on_time_slot_counts() {
        let got = due_slots(&hourly(), None, utc(1, 10, 0), CatchUp::Latest);
        assert_eq!((got.due, got.missed.len()), (Some(utc(1, 10, 0)), 0));
        let got = due_slots(&hourly(), None, utc(1, 10, 30), CatchUp::Latest);
        assert_eq!(
            (got.due, got.missed.len(), got.next),
            (None, 0, Some(utc(1, 11, 0)))
        );
    }

    #[test]
    fn a_recorded_slot_never_fires_again_even_if_the_clock_went_back() {
        let got = due_slots(
            &hourly(),
            Some(utc(1, 12, 0)),
            utc(1, 11, 30),
            CatchUp::Latest,
        );
        assert_eq!(
            got,
            DueSlots {
                next: Some(utc(1, 13, 0)),
                ..DueSlots::default()
            }
        );
        let got = due_slots(
            &hourly(),
            Some(utc(1, 10, 0)),
            utc(1, 10, 0),
            CatchUp::Latest,
        );
        assert_eq!((got.due, got.next), (None, Some(utc(1, 11, 0))));
    }

    #[test]
    fn a_long_outage_is_listed_up_to_the_limit_and_counted_beyond() {
        let every_minute = Schedule::parse("* * * * *", "UTC").unwrap();
        // Two days down: 2,880 slots, the last of which runs.
        let got = due_slots(
            &every_minute,
            Some(utc(1, 0, 0)),
            utc(3, 0, 0),
            CatchUp::Latest,
        );
        assert_eq!(got.missed.len(), MISSED_LIST_LIMIT);
        assert_eq!(got.missed[0], utc(1, 0, 1));
        assert_eq!(got.missed_total(), 2 * 24 * 60 - 1);
        assert_eq!(got.due, Some(utc(3, 0, 0)));
        assert!(!got.missed.contains(&utc(3, 0, 0)));
    }

    #[test]
    fn missed_counting_saturates_for_enormous_outages() {
        let every_minute = Schedule::parse("* * * * *", "UTC").unwrap();
        let year_ago = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
        let limits = Limits {
            list: 10,
            count: 100,
        };
        let now = utc(1, 0, 0) + TimeDelta::seconds(20);
        for policy in [CatchUp::None, CatchUp::Latest] {
            let got = due_slots_within(&every_minute, Some(year_ago), now, policy, limits);
            assert_eq!(got.missed.len(), 10);
            assert_eq!(got.missed[0], year_ago + TimeDelta::minutes(1));
            assert_eq!(got.missed_more, 100);
            assert_eq!(got.due, Some(utc(1, 0, 0)), "the on-time slot still runs");
            assert_eq!(got.next, Some(utc(1, 0, 1)));
        }
    }

    #[test]
    fn a_fall_back_night_is_caught_up_without_repeating_a_slot() {
        // Down over the New York fall-back night; 01:30 must appear once, in summer time.
        let s = Schedule::parse("30 1 * * *", "America/New_York").unwrap();
        let last = Utc.with_ymd_and_hms(2026, 10, 31, 5, 30, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap();
        let got = due_slots(&s, Some(last), now, CatchUp::Latest);
        assert_eq!(
            got.missed,
            vec![Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap()]
        );
        assert_eq!(
            got.due,
            Utc.with_ymd_and_hms(2026, 11, 2, 6, 30, 0).single()
        );
    }

    #[test]
    fn catch_up_names_round_trip() {
        for policy in [CatchUp::None, CatchUp::Latest] {
            assert_eq!(CatchUp::parse(policy.as_str()), Some(policy));
        }
        assert_eq!(CatchUp::parse(" LATEST "), Some(CatchUp::Latest));
        assert_eq!(CatchUp::parse("all"), None);
    }
}

//! The scheduler's core: every scheduled bot ordered by its next slot, so one task can sleep until
//! exactly the next slot (no polling) and handle everything due in one go.
//!
//! Pure data: the scheduler task owns a `Timetable`, sleeps until [`Timetable::next_wake`] (or
//! until a bot is added, changed or removed), then calls [`Timetable::pop_due`] and, for each bot,
//! records its missed slots and runs its due slot. Catch-up after a restart is the same path:
//! insert each bot with the last slot the store recorded, and the first `pop_due` reports what was
//! missed. Insert, remove and pop cost O(log n), so 10,000 bots are cheap.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::slots::{due_slots, CatchUp, DueSlots};
use super::Schedule;

/// One bot's place in the timetable.
#[derive(Debug, Clone)]
struct Entry {
    schedule: Schedule,
    catch_up: CatchUp,
    /// Every slot at or before this instant has been handled (or predates the bot's history).
    after: DateTime<Utc>,
    /// The key of this bot in the queue; `None` when the schedule never fires again.
    next: Option<DateTime<Utc>>,
}

/// Scheduled bots keyed by `K` (a trigger id), ordered by their next slot.
#[derive(Debug, Clone)]
pub struct Timetable<K> {
    entries: BTreeMap<K, Entry>,
    /// `(next slot, bot)` for every entry that fires again; ties break on the key so order is
    /// stable.
    queue: BTreeSet<(DateTime<Utc>, K)>,
}

impl<K: Ord + Clone> Default for Timetable<K> {
    fn default() -> Self {
        Timetable {
            entries: BTreeMap::new(),
            queue: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone> Timetable<K> {
    /// An empty timetable.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a bot, or replaces its schedule and policy if it is already present (this is also how a
    /// changed bot is updated). Slots strictly after `after` will be reported by [`pop_due`]: pass
    /// the last slot the store recorded for the bot (to catch up on what a restart missed), or the
    /// current time for a new or re-enabled bot. Returns the bot's next slot, `None` if it never
    /// fires.
    ///
    /// [`pop_due`]: Timetable::pop_due
    pub fn insert(
        &mut self,
        bot: K,
        schedule: Schedule,
        catch_up: CatchUp,
        after: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.remove(&bot);
        let next = schedule.next_after(after);
        if let Some(slot) = next {
            self.queue.insert((slot, bot.clone()));
        }
        let entry = Entry {
            schedule,
            catch_up,
            after,
            next,
        };
        self.entries.insert(bot, entry);
        next
    }

    /// Removes a bot; returns true if and only if it was present.
    pub fn remove(&mut self, bot: &K) -> bool {
        match self.entries.remove(bot) {
            Some(entry) => {
                if let Some(slot) = entry.next {
                    self.queue.remove(&(slot, bot.clone()));
                }
                true
            }
            None => false,
        }
    }

    /// The bot's next slot, or `None` if it is absent or never fires again.
    pub fn next_slot(&self, bot: &K) -> Option<DateTime<Utc>> {
        self.entries.get(bot).and_then(|entry| entry.next)
    }

    /// Returns true if and only if the bot is in the timetable.
    pub fn contains(&self, bot: &K) -> bool {
        self.entries.contains_key(bot)
    }

    /// The number of bots in the timetable.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns true if and only if no bot is in the timetable.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest next slot of any bot: the instant the scheduler should sleep until. `None` when
    /// nothing will ever fire, so the scheduler waits only for changes.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.queue.first().map(|(slot, _)| *slot)
    }

    /// Takes every bot with a slot at or before `now`, each exactly once, in slot order, with what
    /// to record and run for it (see [`due_slots`]), and puts each back at its following slot.
    ///
    /// A scheduler that wakes early gets an empty list and sleeps again until [`next_wake`]; one
    /// that wakes late gets the slots it overslept reported as missed or caught up by the bot's
    /// policy.
    ///
    /// [`next_wake`]: Timetable::next_wake
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<(K, DueSlots)> {
        let mut popped = Vec::new();
        while let Some((slot, _)) = self.queue.first() {
            if *slot > now {
                break;
            }
            if let Some((_, bot)) = self.queue.pop_first() {
                popped.push(bot);
            }
        }
        let mut due = Vec::with_capacity(popped.len());
        for bot in popped {
            let Some(entry) = self.entries.get_mut(&bot) else {
                continue;
            };
            let slots = due_slots(&entry.schedule, Some(entry.after), now, entry.catch_up);
            entry.after = now.max(entry.after);
            entry.next = slots.next;
            if let Some(next) = slots.next {
                self.queue.insert((next, bot.clone()));
            }
            due.push((bot, slots));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use std::collections::HashMap;

    fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, d, h, mi, 0).unwrap()
    }

    fn schedule(expression: &str) -> Schedule {
        Schedule::parse(expression, "UTC").unwrap()
    }

    #[test]
    fn sleeps_until_the_earliest_slot_and_pops_only_what_is_due() {
        let mut table = Timetable::new();
        table.insert("a", schedule("0 * * * *"), CatchUp::Latest, utc(1, 9, 30));
        table.insert("b", schedule("15 * * * *"), CatchUp::Latest, utc(1, 9, 30));
        assert_eq!(table.next_wake(), Some(utc(1, 10, 0)));
        assert!(
            table.pop_due(utc(1, 9, 59)).is_empty(),
            "an early wake pops nothing"
        );

        let due = table.pop_due(utc(1, 10, 0));
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].0, due[0].1.due), ("a", Some(utc(1, 10, 0))));
        assert_eq!(table.next_wake(), Some(utc(1, 10, 15)));
        assert_eq!(table.next_slot(&"a"), Some(utc(1, 11, 0)));
        assert!(
            table.pop_due(utc(1, 10, 0)).is_empty(),
            "a slot is popped once"
        );
    }

    #[test]
    fn insert_replaces_and_remove_forgets() {
        let mut table = Timetable::new();
        table.insert("a", schedule("0 * * * *"), CatchUp::None, utc(1, 9, 30));
        table.insert("a", schedule("45 * * * *"), CatchUp::None, utc(1, 9, 30));
        assert_eq!(table.len(), 1);
        assert_eq!(table.next_wake(), Some(utc(1, 9, 45)));
        assert!(table.remove(&"a"));
        assert!(!table.remove(&"a"));
        assert!(table.is_empty());
        assert_eq!(table.next_wake(), None);
    }

    #[test]
    fn restart_catch_up_goes_through_pop_due() {
        let mut table = Timetable::new();
        // Last recorded slots: "late" fired at 06:00, "strict" too; now it is 09:10.
        table.insert("late", schedule("0 * * * *"), CatchUp::Latest, utc(1, 6, 0));
        table.insert("strict", schedule("0 * * * *"), CatchUp::None, utc(1, 6, 0));
        let due: HashMap<_, _> = table.pop_due(utc(1, 9, 10)).into_iter().collect();
        assert_eq!(due["late"].due, Some(utc(1, 9, 0)));
        assert_eq!(due["late"].missed, vec![utc(1, 7, 0), utc(1, 8, 0)]);
        assert_eq!(due["strict"].due, None);
        assert_eq!(due["strict"].missed.len(), 3);
        assert_eq!(table.next_wake(), Some(utc(1, 10, 0)));
    }

    #[test]
    fn ten_thousand_bots_each_fire_exactly_once_per_slot() {
        let zones = [
            "UTC",
            "America/New_York",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
        ];
        let start = utc(1, 0, 0);
        let mut table = Timetable::new();
        let mut expected = HashMap::new();
        for bot in 0..10_000u32 {
            // Daily at a spread of local times, so most minutes of the day have bots due.
            let expression = format!("{} {} * * *", bot % 60, (bot / 60) % 24);
            let s = Schedule::parse(&expression, zones[bot as usize % zones.len()]).unwrap();
            let first = table.insert(bot, s, CatchUp::None, start);
            expected.insert(bot, first.expect("a daily schedule fires"));
        }
        assert_eq!(table.len(), 10_000);

        // Drive the scheduler loop for one day, waking exactly at each next slot.
        let end = start + TimeDelta::days(1);
        let mut fired: HashMap<u32, Vec<DateTime<Utc>>> = HashMap::new();
        let mut wakes = 0;
        while let Some(wake) = table.next_wake().filter(|w| *w <= end) {
            wakes += 1;
            for (bot, slots) in table.pop_due(wake) {
                assert!(slots.missed.is_empty(), "bot {bot} missed a slot");
                assert_eq!(slots.due, Some(wake), "bot {bot} fires at the wake-up slot");
                fired.entry(bot).or_default().push(wake);
            }
        }
        assert!(wakes <= 24 * 60 + 1, "one wake per distinct minute at most");
        assert_eq!(fired.len(), 10_000, "every bot fired");
        for (bot, slots) in &fired {
            assert_eq!(
                slots,
                &vec![expected[bot]],
                "bot {bot} fired exactly once, at its slot"
            );
        }
    }

    #[test]
    fn a_late_wake_still_pops_every_due_bot_once() {
        let mut table = Timetable::new();
        for bot in 0..1_000u32 {
            let expression = format!("{} * * * *", bot % 60);
            table.insert(bot, schedule(&expression), CatchUp::Latest, utc(1, 0, 0));
        }
        // Oversleep by two hours: every bot is due once, with its earlier slots as missed.
        let due = table.pop_due(utc(1, 2, 59));
        assert_eq!(due.len(), 1_000);
        let mut seen = BTreeSet::new();
        for (bot, slots) in &due {
            assert!(seen.insert(*bot), "bot {bot} popped twice");
            assert_eq!(slots.due, Some(utc(1, 2, bot % 60)));
            // Minute 0 has no slot at 00:00 (that instant is not after the start), so it missed
            // one.
            assert_eq!(slots.missed_total(), if bot % 60 == 0 { 1 } else { 2 });
        }
        assert_eq!(table.next_wake(), Some(utc(1, 3, 0)));
        assert!(table.pop_due(utc(1, 2, 59)).is_empty());
    }
}

//! Process groups: signalling a run's whole group, and ending a group left behind by a crashed server
//! without ever hitting a process that merely reuses an old PID.
//!
//! Each CLI leads its own group (pgid == pid), so one signal reaches the CLI and everything it
//! started (shells, tools, a background `sleep &`). At spawn the supervisor records the leader's start
//! time (field 22 of `/proc/<pid>/stat`, in clock ticks since boot); a PID plus its start time names
//! one process for the life of the machine. Linux never reuses a PID while it is still some group's
//! id, so a group that outlived its leader is still safe to signal by its id.

use std::fs;

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::error::ProcessError;

/// Enough to find and safely end a run's process group later, even after a server restart.
/// Store it with the run; pass it to [`kill_orphan_group`] at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessRecord {
    /// The leader's process id.
    pub pid: i32,
    /// The process group id (equal to `pid`: the leader starts its own group).
    pub pgid: i32,
    /// The leader's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_time: u64,
}

/// What [`kill_orphan_group`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrphanKill {
    /// The group still had members; they were sent SIGKILL.
    Killed,
    /// The leader's PID now belongs to a different process (its start time differs); nothing was
    /// signalled. The old group is necessarily empty, since a group's id is never reused while the
    /// group exists.
    PidReused,
    /// Nothing of the group is left.
    AlreadyGone,
}

/// The fields of `/proc/<pid>/stat` that matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// Field 3: `R`, `S`, `Z`, `T`...
    pub state: char,
    /// Field 5.
    pub pgid: i32,
    /// Field 22.
    pub start_time: u64,
}

/// Parses a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may itself
/// contain spaces and parentheses, so fields are counted after the *last* `)`.
pub(crate) fn parse_stat(text: &str) -> Option<ProcStat> {
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3, so field N is `fields[N - 3]`.
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        pgid: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Reads `/proc/<pid>/stat`; `None` if there is no such process.
pub(crate) fn read_stat(pid: i32) -> Result<Option<ProcStat>, ProcessError> {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(text) => parse_stat(&text)
            .map(Some)
            .ok_or_else(|| ProcessError::ProcStat {
                pid,
                reason: "unexpected format".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ProcessError::ProcStat {
            pid,
            reason: e.to_string(),
        }),
    }
}

/// Sends `signal` to every process in group `pgid`. Returns false if the group no longer exists.
pub(crate) fn signal_group(pgid: i32, signal: Signal) -> Result<bool, ProcessError> {
    match killpg(Pid::from_raw(pgid), signal) {
        Ok(()) => Ok(true),
        Err(Errno::ESRCH) => Ok(false),
        Err(source) => Err(ProcessError::Signal { pgid, source }),
    }
}

/// Ends a process group recorded before a crash, if and only if it is provably the same group.
///
/// * The leader is alive (or a zombie) with the recorded start time: SIGKILL the group.
/// * The leader's PID runs a different process: do nothing ([`OrphanKill::PidReused`]).
/// * The leader is gone: SIGKILL the group if a member is left that started no earlier than the
///   leader (a member of a recycled group would have to be younger than a new leader, which would
///   itself hold the PID and be caught by the case above).
pub fn kill_orphan_group(record: &ProcessRecord) -> Result<OrphanKill, ProcessError> {
    if record.pid <= 1 || record.pgid <= 1 {
        // Never signal init or "every process" (killpg(0)/killpg(1) semantics).
        return Ok(OrphanKill::AlreadyGone);
    }
    match read_stat(record.pid)? {
        Some(stat) if stat.start_time != record.start_time => return Ok(OrphanKill::PidReused),
        Some(_) => {
            let killed = signal_group(record.pgid, Signal::SIGKILL)?;
            return Ok(if killed {
                OrphanKill::Killed
            } else {
                OrphanKill::AlreadyGone
            });
        }
        None => {}
    }
    if !group_has_members(record.pgid, record.start_time) {
        return Ok(OrphanKill::AlreadyGone);
    }
    let killed = signal_group(record.pgid, Signal::SIGKILL)?;
    Ok(if killed {
        OrphanKill::Killed
    } else {
        OrphanKill::AlreadyGone
    })
}

/// True if some live process is in group `pgid` and started at or after `not_before`.
fn group_has_members(pgid: i32, not_before: u64) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return false;
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| read_stat(pid).ok().flatten())
        .any(|stat| stat.pgid == pgid && stat.start_time >= not_before && stat.state != 'Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_lines_with_awkward_command_names() {
        let line = "4242 (my (weird) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        let stat = parse_stat(line).unwrap();
        assert_eq!(
            stat,
            ProcStat {
                state: 'S',
                pgid: 4242,
                start_time: 987_654
            }
        );
        assert_eq!(parse_stat("4242 (truncated) S 1"), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn reads_this_process_and_not_a_missing_one() {
        let me = i32::try_from(std::process::id()).unwrap();
        let stat = read_stat(me).unwrap().unwrap();
        assert!(stat.start_time > 0);
        assert_eq!(read_stat(i32::MAX).unwrap(), None);
    }

    #[test]
    fn refuses_to_signal_init_or_everyone() {
        let record = ProcessRecord {
            pid: 1,
            pgid: 1,
            start_time: 0,
        };
        assert_eq!(kill_orphan_group(&record).unwrap(), OrphanKill::AlreadyGone);
    }
}

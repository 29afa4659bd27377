//! Errors of the process layer: starting a process, choosing its working directory, and controlling
//! a run that may already be over.

use std::io;
use std::path::PathBuf;

use agented_domain::ErrorKind;

/// Why a CLI process could not be started or managed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The argv was empty.
    #[error("empty command line")]
    EmptyArgv,
    /// The executable does not exist on `PATH` (or at the given path).
    #[error("executable {0:?} not found")]
    ExecutableNotFound(String),
    /// The OS refused to start the process.
    #[error("could not start {program:?}: {source}")]
    Spawn {
        /// argv[0].
        program: String,
        /// The OS error.
        source: io::Error,
    },
    /// The working directory resolves outside the workspace root (via `..` or a symlink).
    #[error("working directory {path} is outside the workspace root {root}")]
    WorkDirEscape {
        /// The requested directory, as given.
        path: PathBuf,
        /// The configured workspace root.
        root: PathBuf,
    },
    /// The working directory (or the workspace root) does not exist or is not a directory.
    #[error("working directory {path} is not usable: {reason}")]
    WorkDirUnusable {
        /// The directory that failed.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The temporary working directory could not be created.
    #[error("could not create a temporary working directory: {0}")]
    TempDir(io::Error),
    /// `/proc/<pid>/stat` could not be read or parsed (needed to record the process safely).
    #[error("could not read /proc/{pid}/stat: {reason}")]
    ProcStat {
        /// The process id.
        pid: i32,
        /// Why.
        reason: String,
    },
    /// Signalling a process group failed for a reason other than "no such process".
    #[error("could not signal process group {pgid}: {source}")]
    Signal {
        /// The process group id.
        pgid: i32,
        /// The OS error.
        source: nix::Error,
    },
    /// The supervising task died (a bug); the process was killed when its handle dropped.
    #[error("the supervisor task ended unexpectedly: {0}")]
    SupervisorLost(String),
}

impl ProcessError {
    /// How the HTTP edge should classify this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProcessError::EmptyArgv
            | ProcessError::WorkDirEscape { .. }
            | ProcessError::WorkDirUnusable { .. } => ErrorKind::Invalid,
            ProcessError::ExecutableNotFound(_) => ErrorKind::Unavailable,
            ProcessError::Spawn { .. }
            | ProcessError::TempDir(_)
            | ProcessError::ProcStat { .. }
            | ProcessError::Signal { .. }
            | ProcessError::SupervisorLost(_) => ErrorKind::Internal,
        }
    }
}

/// Why a pause, resume or cancel request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The run already has its outcome.
    #[error("the run has already finished")]
    Finished,
    /// The run is being stopped (cancel, timeout or pause timeout); only cancel is accepted.
    #[error("the run is stopping")]
    Stopping,
    /// Pause was asked for a run that is already paused.
    #[error("the run is already paused")]
    AlreadyPaused,
    /// Resume was asked for a run that is not paused.
    #[error("the run is not paused")]
    NotPaused,
}

impl ControlError {
    /// How the HTTP edge should classify this error (all are state conflicts).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

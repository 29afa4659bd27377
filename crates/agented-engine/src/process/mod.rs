//! Process supervision: running one agent CLI in its own process group and reading, limiting,
//! pausing and stopping it.
//!
//! `supervisor` owns the child and its single outcome; `reader` turns pipes into bounded lines;
//! `env` and `workdir` decide what the child sees; `group` signals groups and cleans up after a
//! crash; `outcome` holds the limits and the report. Nothing here parses CLI output (that is
//! `adapters`) or stores anything (the store and log bus are other crates' and modules' jobs).

mod env;
mod error;
mod group;
mod outcome;
mod reader;
mod supervisor;
mod workdir;

pub use env::{ChildEnv, INHERITED_VARS, TERM_VALUE};
pub use error::{ControlError, ProcessError};
pub use group::{kill_orphan_group, OrphanKill, ProcessRecord};
pub use outcome::{Limits, RunOutcome, RunReport};
pub use reader::{OutputLine, Stream};
pub use supervisor::{spawn, ProcessSpec, RunControl, Supervised};
pub use workdir::{PreparedWorkDir, WorkDirSpec};

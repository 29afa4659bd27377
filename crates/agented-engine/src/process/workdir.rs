//! Choosing a run's working directory: a directory inside the configured workspace root, or a fresh
//! temporary directory that is removed when the run ends.
//!
//! Containment is checked on canonical paths (symlinks resolved), so neither `..` nor a symlink
//! pointing out of the root can escape. The check happens at spawn time; a symlink swapped in after
//! that is outside this module's reach (the CLI's own sandbox is the next line of defence).

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::error::ProcessError;

/// Where a run should work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkDirSpec {
    /// An existing directory that must resolve to inside `root`. A relative `path` is taken
    /// relative to `root`.
    InWorkspace {
        /// The workspace root every run directory must stay inside.
        root: PathBuf,
        /// The requested directory.
        path: PathBuf,
    },
    /// A new empty directory, removed after the run. `parent` defaults to the system temp directory.
    Temporary {
        /// Where to create it.
        parent: Option<PathBuf>,
    },
}

/// A resolved working directory. Dropping it removes a temporary directory.
#[derive(Debug)]
pub struct PreparedWorkDir {
    path: PathBuf,
    // Held only so the directory lives as long as the run; dropped (and deleted) with it.
    temp: Option<TempDir>,
}

impl PreparedWorkDir {
    /// The canonical path the process runs in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns true if and only if the directory is temporary and will be removed.
    pub fn is_temporary(&self) -> bool {
        self.temp.is_some()
    }
}

impl WorkDirSpec {
    /// Resolves (and for [`WorkDirSpec::Temporary`], creates) the directory.
    pub fn prepare(&self) -> Result<PreparedWorkDir, ProcessError> {
        match self {
            WorkDirSpec::InWorkspace { root, path } => {
                let canonical_root = canonical_dir(root)?;
                let joined = if path.is_absolute() {
                    path.clone()
                } else {
                    root.join(path)
                };
                let canonical = canonical_dir(&joined)?;
                if !canonical.starts_with(&canonical_root) {
                    return Err(ProcessError::WorkDirEscape {
                        path: path.clone(),
                        root: root.clone(),
                    });
                }
                Ok(PreparedWorkDir {
                    path: canonical,
                    temp: None,
                })
            }
            WorkDirSpec::Temporary { parent } => {
                let mut builder = tempfile::Builder::new();
                builder.prefix("agented-run-");
                let temp = match parent {
                    Some(parent) => builder.tempdir_in(parent),
                    None => builder.tempdir(),
                }
                .map_err(ProcessError::TempDir)?;
                let path = canonical_dir(temp.path())?;
                Ok(PreparedWorkDir {
                    path,
                    temp: Some(temp),
                })
            }
        }
    }
}

fn canonical_dir(path: &Path) -> Result<PathBuf, ProcessError> {
    let unusable = |reason: String| ProcessError::WorkDirUnusable {
        path: path.to_path_buf(),
        reason,
    };
    let canonical = path.canonicalize().map_err(|e| unusable(e.to_string()))?;
    if !canonical.is_dir() {
        return Err(unusable("not a directory".to_owned()));
    }
    Ok(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (TempDir, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(root.join("repo/src")).unwrap();
        std::fs::create_dir_all(base.path().join("outside")).unwrap();
        (base, root)
    }

    #[test]
    fn directories_inside_the_root_resolve() {
        let (_base, root) = workspace();
        let spec = WorkDirSpec::InWorkspace {
            root: root.clone(),
            path: "repo/src/..".into(),
        };
        let dir = spec.prepare().unwrap();
        assert_eq!(dir.path(), root.canonicalize().unwrap().join("repo"));
        assert!(!dir.is_temporary());
    }

    #[test]
    fn dot_dot_and_absolute_escapes_are_refused() {
        let (base, root) = workspace();
        for path in [PathBuf::from("../outside"), base.path().join("outside")] {
            let spec = WorkDirSpec::InWorkspace {
                root: root.clone(),
                path,
            };
            assert!(matches!(
                spec.prepare(),
                Err(ProcessError::WorkDirEscape { .. })
            ));
        }
    }

    #[test]
    fn symlink_escapes_are_refused() {
        let (base, root) = workspace();
        std::os::unix::fs::symlink(base.path().join("outside"), root.join("sneaky")).unwrap();
        let spec = WorkDirSpec::InWorkspace {
            root,
            path: "sneaky".into(),
        };
        let err = spec.prepare().unwrap_err();
        assert!(matches!(err, ProcessError::WorkDirEscape { .. }), "{err}");
    }

    #[test]
    fn missing_directories_and_files_are_unusable() {
        let (_base, root) = workspace();
        std::fs::write(root.join("file"), "x").unwrap();
        for path in ["nope", "file"] {
            let spec = WorkDirSpec::InWorkspace {
                root: root.clone(),
                path: path.into(),
            };
            assert!(matches!(
                spec.prepare(),
                Err(ProcessError::WorkDirUnusable { .. })
            ));
        }
    }

    #[test]
    fn temporary_directories_vanish_on_drop() {
        let parent = tempfile::tempdir().unwrap();
        let dir = WorkDirSpec::Temporary {
            parent: Some(parent.path().into()),
        }
        .prepare()
        .unwrap();
        let path = dir.path().to_path_buf();
        assert!(path.is_dir() && dir.is_temporary());
        drop(dir);
        assert!(!path.exists());
    }
}

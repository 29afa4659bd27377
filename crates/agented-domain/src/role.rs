//! API key roles. Each role includes everything the roles below it may do:
//! `viewer` (read) < `operator` (+ run, cancel) < `editor` (+ create, edit) < `admin` (+ keys, settings,
//! secrets, destructive deletes).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The role of an API key, ordered from least to most privileged.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read.
    Viewer,
    /// May also run, cancel, pause and resume.
    Operator,
    /// May also create and edit.
    Editor,
    /// May also manage keys, settings and secrets, and delete.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Editor, Role::Admin];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The permissions this role grants, as the original's `GET /admin/rbac/permissions` lists them.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Role::Viewer => &["read"],
            Role::Operator => &["read", "execute"],
            Role::Editor => &["read", "execute", "edit"],
            Role::Admin => &["read", "execute", "edit", "manage"],
        }
    }

    /// Returns true if and only if this role may do what `required` may do.
    pub fn satisfies(self, required: Role) -> bool {
        self >= required
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; expected one of viewer, operator, editor, admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_privilege() {
        assert!(Role::Admin.satisfies(Role::Viewer));
        assert!(Role::Editor.satisfies(Role::Operator));
        assert!(!Role::Operator.satisfies(Role::Editor));
        assert!(!Role::Viewer.satisfies(Role::Operator));
        assert_eq!("editor".parse::<Role>(), Ok(Role::Editor));
        assert!("root".parse::<Role>().is_err());
    }
}

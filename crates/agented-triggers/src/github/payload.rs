//! Reading fields out of a webhook's JSON by dotted path, with errors that name the path.
//!
//! GitHub payloads are large and mostly irrelevant to us, so instead of deserializing whole
//! documents we read the dozen fields we need; a missing field is reported as
//! `pull_request.head.sha` rather than as a serde position, because that path ends up in a 400
//! response.

use serde_json::Value;

use super::GithubError;

/// A view of one JSON object inside the payload, remembering its path for error messages.
#[derive(Clone)]
pub(super) struct Obj<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Obj<'a> {
    /// The payload root, which must be an object.
    pub(super) fn root(value: &'a Value) -> Result<Obj<'a>, GithubError> {
        if value.is_object() {
            Ok(Obj {
                value,
                path: String::new(),
            })
        } else {
            Err(GithubError::NotAnObject)
        }
    }

    fn full(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The field's value, or `None` when absent or JSON `null`.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    /// A nested object that must be present.
    pub(super) fn obj(&self, key: &str) -> Result<Obj<'a>, GithubError> {
        self.opt_obj(key)?.ok_or_else(|| GithubError::MissingField {
            path: self.full(key),
        })
    }

    /// A nested object that may be absent or `null`.
    pub(super) fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, GithubError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) if value.is_object() => Ok(Some(Obj {
                value,
                path: self.full(key),
            })),
            Some(_) => Err(GithubError::WrongType {
                path: self.full(key),
                expected: "an object",
            }),
        }
    }

    /// A string field that must be present.
    pub(super) fn str(&self, key: &str) -> Result<String, GithubError> {
        self.opt_str(key)?.ok_or_else(|| GithubError::MissingField {
            path: self.full(key),
        })
    }

    /// A string field that may be absent or `null`.
    pub(super) fn opt_str(&self, key: &str) -> Result<Option<String>, GithubError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(GithubError::WrongType {
                path: self.full(key),
                expected: "a string",
            }),
        }
    }

    /// An unsigned integer field that must be present.
    pub(super) fn u64(&self, key: &str) -> Result<u64, GithubError> {
        self.opt_u64(key)?.ok_or_else(|| GithubError::MissingField {
            path: self.full(key),
        })
    }

    /// An unsigned integer field that may be absent or `null`.
    pub(super) fn opt_u64(&self, key: &str) -> Result<Option<u64>, GithubError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| GithubError::WrongType {
                    path: self.full(key),
                    expected: "an unsigned integer",
                }),
        }
    }

    /// A boolean field that may be absent (older GitHub Enterprise payloads lack `draft`).
    pub(super) fn opt_bool(&self, key: &str) -> Result<Option<bool>, GithubError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(GithubError::WrongType {
                path: self.full(key),
                expected: "a boolean",
            }),
        }
    }
}

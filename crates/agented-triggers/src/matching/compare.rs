//! How a payload value compares with what a bot expects: equality across JSON types (`4`, `"4"` and
//! `4.0` are equal; `true` equals `"true"` and Python's `"True"`), numeric and timestamp ordering, and
//! the short, safe rendering of a value used in match reasons.
//!
//! It deliberately has no opinion on missing fields: callers decide what an absent value means.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::guard;

/// How many characters of a value a match reason shows.
const SHOWN_CHARS: usize = 80;

/// A number read from JSON or from a numeric string. Integers stay exact so that large ids
/// (beyond 2^53) do not compare equal just because they round to the same float.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn of_json(v: &Value) -> Option<Num> {
        let Value::Number(n) = v else { return None };
        if let Some(i) = n.as_i64() {
            Some(Num::Int(i.into()))
        } else if let Some(u) = n.as_u64() {
            Some(Num::Int(u.into()))
        } else {
            n.as_f64().filter(|f| f.is_finite()).map(Num::Float)
        }
    }

    fn of_str(s: &str) -> Option<Num> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i128>() {
            return Some(Num::Int(i));
        }
        // `f64::from_str` also accepts "inf" and "NaN", which are not numbers a sender means.
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Num::Float)
    }

    /// A JSON number, or a string that holds one.
    fn of_value(v: &Value) -> Option<Num> {
        match v {
            Value::String(s) => Num::of_str(s),
            other => Num::of_json(other),
        }
    }

    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            // Precision loss converting i128 to f64 is acceptable when the other side is a float anyway.
            (Num::Int(a), Num::Float(b)) => (a as f64).partial_cmp(&b),
            (Num::Float(a), Num::Int(b)) => a.partial_cmp(&(b as f64)),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        }
    }
}

/// Reads `true`/`false`, and Python's `True`/`False` that the original's `str()` produced.
fn bool_of_str(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "True" => Some(true),
        "false" | "False" => Some(false),
        _ => None,
    }
}

/// Returns true if and only if a present `field` equals `expected`.
///
/// Numbers compare numerically when one side is a JSON number and the other is a number or a
/// numeric string; booleans compare with booleans and with `"true"`/`"True"`/`"false"`/`"False"`;
/// two strings compare exactly (so `"007"` does not equal `"7"`); arrays and objects compare as JSON,
/// or by their compact JSON text against a string. `null` equals only `null`.
pub(crate) fn values_equal(field: &Value, expected: &Value) -> bool {
    match (field, expected) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            match (Num::of_value(field), Num::of_value(expected)) {
                (Some(a), Some(b)) => a.cmp(b) == Some(Ordering::Equal),
                _ => false,
            }
        }
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(b), Value::String(s)) | (Value::String(s), Value::Bool(b)) => {
            bool_of_str(s) == Some(*b)
        }
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(_) | Value::Object(_), Value::String(s))
        | (Value::String(s), Value::Array(_) | Value::Object(_)) => {
            let structured = if field.is_string() { expected } else { field };
            structured.to_string().as_str() == s.as_str()
        }
        (a, b) => a == b,
    }
}

/// Orders `field` against `expected`: numerically when both are numbers (or numeric strings), else
/// chronologically when both are RFC 3339 timestamps; `None` when neither applies.
pub(crate) fn order(field: &Value, expected: &Value) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (Num::of_value(field), Num::of_value(expected)) {
        return a.cmp(b);
    }
    match (timestamp_of(field), timestamp_of(expected)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Returns true if and only if `v` can take part in [`order`] on at least one side.
pub(crate) fn is_orderable(v: &Value) -> bool {
    Num::of_value(v).is_some() || timestamp_of(v).is_some()
}

fn timestamp_of(v: &Value) -> Option<DateTime<FixedOffset>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
}

/// The text a string operation sees: a string as is, other scalars as JSON text.
pub(crate) fn text_form(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A value as a user reads it in a match reason: strings bare, the rest as JSON, stripped of
/// control characters and cut to a few dozen characters, because reasons are shown in the UI.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => show_str(s),
        other => show_str(&other.to_string()),
    }
}

/// Like [`show`] for text that is already a string.
pub(crate) fn show_str(s: &str) -> String {
    let cut = guard::sanitize(s, SHOWN_CHARS);
    let one_line = cut.text.replace(['\n', '\t'], " ");
    if cut.truncated_chars > 0 {
        format!("{one_line}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_equal_their_string_forms_and_other_representations() {
        assert!(values_equal(&json!(4), &json!("4")));
        assert!(values_equal(&json!(4), &json!("4.0")));
        assert!(values_equal(&json!(4.0), &json!("4")));
        assert!(values_equal(&json!(4), &json!(4.0)));
        assert!(values_equal(&json!("4"), &json!(4)));
        assert!(values_equal(&json!(-3), &json!(" -3 ")));
        assert!(!values_equal(&json!(4), &json!("4x")));
        assert!(!values_equal(&json!(4), &json!("NaN")));
        assert!(!values_equal(&json!(4), &json!(5)));
    }

    #[test]
    fn large_integers_compare_exactly() {
        let a = json!(9_007_199_254_740_993_u64); // 2^53 + 1
        assert!(!values_equal(&a, &json!("9007199254740992")));
        assert!(values_equal(&a, &json!("9007199254740993")));
        assert!(values_equal(&json!(u64::MAX), &json!(u64::MAX.to_string())));
    }

    #[test]
    fn two_strings_compare_exactly() {
        assert!(values_equal(&json!("abc"), &json!("abc")));
        assert!(!values_equal(&json!("007"), &json!("7")));
        assert!(!values_equal(&json!("Abc"), &json!("abc")));
    }

    #[test]
    fn booleans_accept_json_and_python_spellings() {
        for s in ["true", "True"] {
            assert!(values_equal(&json!(true), &json!(s)));
            assert!(!values_equal(&json!(false), &json!(s)));
        }
        assert!(values_equal(&json!("False"), &json!(false)));
        assert!(!values_equal(&json!(true), &json!("TRUE")));
        assert!(!values_equal(&json!(true), &json!(1)));
    }

    #[test]
    fn null_equals_only_null_and_never_the_string_none() {
        assert!(values_equal(&json!(null), &json!(null)));
        assert!(!values_equal(&json!(null), &json!("None")));
        assert!(!values_equal(&json!(null), &json!("null")));
        assert!(!values_equal(&json!(""), &json!(null)));
    }

    #[test]
    fn structured_values_compare_as_json() {
        assert!(values_equal(&json!([1, 2]), &json!([1, 2])));
        assert!(values_equal(&json!({"a": [1]}), &json!(r#"{"a":[1]}"#)));
        assert!(!values_equal(&json!({"a": 1}), &json!({"a": 2})));
    }

    #[test]
    fn ordering_is_numeric_then_chronological() {
        assert_eq!(order(&json!(10), &json!("9")), Some(Ordering::Greater));
        assert_eq!(order(&json!("2.5"), &json!(3)), Some(Ordering::Less));
        assert_eq!(
            order(
                &json!("2024-05-01T10:00:00Z"),
                &json!("2024-05-01T12:00:00+03:00")
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(order(&json!("abc"), &json!(1)), None);
        assert_eq!(order(&json!("2024-05-01"), &json!("2024-04-01")), None);
        assert_eq!(order(&json!(true), &json!(false)), None);
        assert!(is_orderable(&json!("2024-05-01T10:00:00Z")) && !is_orderable(&json!([])));
    }

    #[test]
    fn shown_values_are_short_and_single_line() {
        assert_eq!(show(&json!("a\nb\u{1b}[31m")), "a b");
        assert_eq!(show(&json!(3)), "3");
        let long = show(&json!("x".repeat(500)));
        assert_eq!(long.chars().count(), SHOWN_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}

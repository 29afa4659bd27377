//! Whether a generic webhook payload fires a bot, and why (or why not) in words a user can act on.
//!
//! The checks run in the original's order: the field filter (`match_field_path` equals
//! `match_field_value`), then the detection keyword in the extracted text, then — new here, the
//! original only stored them — the bot's conditions. Comparison rules live in `compare`, conditions
//! in `condition`. Signatures, de-duplication and rendering are other modules' business.
//!
//! Deliberate difference from the original: a missing (or `null`) field never equals anything, where
//! the original compared Python's `"None"` and so matched a `match_field_value` of `"None"`.

mod compare;
mod condition;

use agented_domain::ErrorKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use compare::{show, show_str, values_equal};
pub use condition::{
    Condition, ConditionGroup, Logic, Operator, MAX_PATTERN_LEN, REGEX_SIZE_LIMIT,
};

/// The text field used when a bot does not name one.
pub const DEFAULT_TEXT_FIELD: &str = "text";

/// A bot's rules for generic webhooks. Empty strings count as unset, as in the original.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchRules {
    /// Dot path of a field that must equal `match_field_value`; set both or neither.
    pub match_field_path: Option<String>,
    /// The value that field must equal (see [`evaluate`] for the equality rules).
    pub match_field_value: Option<String>,
    /// Dot path of the message text; [`DEFAULT_TEXT_FIELD`] when unset.
    pub text_field_path: Option<String>,
    /// A case-sensitive substring the message text must contain.
    pub detection_keyword: Option<String>,
    /// Conditions checked after the field filter and the keyword.
    pub conditions: Option<ConditionGroup>,
}

/// The verdict on one payload for one bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchOutcome {
    /// True if and only if every rule passed.
    pub matched: bool,
    /// The extracted message text (what `{message}` renders), also when the payload did not match.
    pub message_text: String,
    /// Why it matched or not, for the delivery log, e.g. `field event.group_id is 3, expected 4`.
    pub reason: String,
}

/// Why a bot's match rules cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchRulesError {
    /// `match_field_path` is set without `match_field_value`.
    #[error("match_field_path is set but match_field_value is not; set both or neither")]
    PathWithoutValue,
    /// `match_field_value` is set without `match_field_path`.
    #[error("match_field_value is set but match_field_path is not; set both or neither")]
    ValueWithoutPath,
    /// A condition is malformed: an empty field, a bad pattern, an operand that cannot be ordered.
    #[error("condition {position}: {reason}")]
    InvalidCondition {
        /// The condition's position in its group, counting from 1.
        position: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl MatchRulesError {
    /// How the HTTP edge should classify this error: always a validation failure.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}

/// Follows a dot path (`a.b.0.c`) into `value`. An object step looks the key up; an array step needs
/// a non-negative integer index in range; any other step, or a step into a scalar, gives `None`.
/// Iterative, so deep paths cannot overflow the stack.
pub fn get_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(value, |current, step| match current {
            Value::Object(map) => map.get(step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// Decides whether `payload` fires a bot with `rules`.
///
/// Equality (field filter and `equals` conditions): a missing or `null` field never equals anything;
/// numbers compare numerically when one side is a JSON number, so `4` equals `"4"` and `"4.0"`;
/// booleans equal `"true"`/`"false"` and Python's `"True"`/`"False"`; two strings compare exactly.
/// The message text is the field at `text_field_path`: a string as is, `null` or missing as empty,
/// anything else as compact JSON. The keyword is a case-sensitive substring of it.
pub fn evaluate(rules: &MatchRules, payload: &Value) -> MatchOutcome {
    let text_path = set(&rules.text_field_path).unwrap_or(DEFAULT_TEXT_FIELD);
    let message_text = match get_path(payload, text_path) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let verdict = check_all(rules, payload, text_path, &message_text);
    let (matched, reason) = match verdict {
        Ok(passed) if passed.is_empty() => (true, "matched: the bot has no match rules".to_owned()),
        Ok(passed) => (true, format!("matched: {}", passed.join("; "))),
        Err(why) => (false, why),
    };
    MatchOutcome {
        matched,
        message_text,
        reason,
    }
}

/// Runs the checks in order: `Ok(what passed)` or `Err(the first failure)`.
fn check_all(
    rules: &MatchRules,
    payload: &Value,
    text_path: &str,
    text: &str,
) -> Result<Vec<String>, String> {
    if !payload.is_object() {
        return Err("the payload is not a JSON object".to_owned());
    }
    let mut passed = Vec::new();
    if let (Some(path), Some(expected)) =
        (set(&rules.match_field_path), set(&rules.match_field_value))
    {
        let shown = show_str(expected);
        match get_path(payload, path) {
            None => return Err(format!("field {path} is missing, expected {shown}")),
            Some(Value::Null) => return Err(format!("field {path} is null, expected {shown}")),
            Some(v) if !values_equal(v, &Value::String(expected.to_owned())) => {
                return Err(format!("field {path} is {}, expected {shown}", show(v)));
            }
            Some(_) => passed.push(format!("field {path} is {shown}")),
        }
    }
    if let Some(keyword) = set(&rules.detection_keyword) {
        let shown = show_str(keyword);
        if !text.contains(keyword) {
            return Err(format!(
                "keyword \"{shown}\" not found in field {text_path}"
            ));
        }
        passed.push(format!("keyword \"{shown}\" found in field {text_path}"));
    }
    if let Some(group) = &rules.conditions {
        passed.push(condition::evaluate_group(group, payload)?);
    }
    Ok(passed)
}

/// Checks rules before they are saved: the field filter is complete, and every condition is
/// well-formed (a non-empty field, a `matches` pattern that compiles within the limits, an orderable
/// operand for `greater_than`/`less_than`).
pub fn validate_rules(rules: &MatchRules) -> Result<(), MatchRulesError> {
    match (set(&rules.match_field_path), set(&rules.match_field_value)) {
        (Some(_), None) => return Err(MatchRulesError::PathWithoutValue),
        (None, Some(_)) => return Err(MatchRulesError::ValueWithoutPath),
        _ => {}
    }
    let conditions = rules.conditions.iter().flat_map(|g| &g.conditions);
    for (i, c) in conditions.enumerate() {
        condition::check(c).map_err(|reason| MatchRulesError::InvalidCondition {
            position: i + 1,
            reason,
        })?;
    }
    Ok(())
}

/// The value of an optional setting, with an empty string meaning unset.
fn set(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;

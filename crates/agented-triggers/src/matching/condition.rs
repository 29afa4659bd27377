//! Trigger conditions: a group of `field operator value` tests joined by AND or OR, evaluated after a
//! bot's field filter and keyword (the original stored these and never evaluated them).
//!
//! Each evaluation yields a short sentence for the delivery log. Regular expressions are compiled with
//! size limits; a pattern that fails to compile is a validation error at save time
//! ([`super::validate_rules`]) and simply does not match at run time.

use std::cmp::Ordering;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::{is_orderable, order, show, show_str, text_form, values_equal};
use super::get_path;

/// The longest `matches` pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 1_024;

/// The compiled-program size limit for `matches` patterns, so a pattern such as `(a{100}){100}{100}`
/// is refused instead of allocating hundreds of megabytes. Matching itself is always linear time.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How conditions in a group combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Logic {
    /// Every condition must hold.
    #[default]
    #[serde(rename = "AND", alias = "and")]
    And,
    /// At least one condition must hold.
    #[serde(rename = "OR", alias = "or")]
    Or,
}

/// What a condition tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// The field equals the value (see the module docs of `matching` for the equality rules).
    Equals,
    /// The field is missing or does not equal the value.
    NotEquals,
    /// A string field contains the value as a substring, or an array field has an element equal to it.
    Contains,
    /// The field is greater than the value, as numbers or as RFC 3339 timestamps.
    GreaterThan,
    /// The field is less than the value, as numbers or as RFC 3339 timestamps.
    LessThan,
    /// The field's text matches the value as a regular expression (unanchored; Rust `regex` syntax).
    Matches,
}

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "not_equals",
            Operator::Contains => "contains",
            Operator::GreaterThan => "greater_than",
            Operator::LessThan => "less_than",
            Operator::Matches => "matches",
        }
    }
}

/// One test of a payload field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Dot path of the field, as for [`super::get_path`].
    pub field: String,
    /// The test.
    pub operator: Operator,
    /// What the field is tested against.
    #[serde(default)]
    pub value: Value,
}

/// Conditions joined by one logic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConditionGroup {
    /// AND or OR.
    #[serde(default)]
    pub logic: Logic,
    /// The conditions; an empty list always holds, whatever the logic, so an empty group never
    /// silently disables a bot.
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// Compiles a `matches` pattern within the limits.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!("pattern is longer than {MAX_PATTERN_LEN} bytes"));
    }
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("pattern compiles to more than the {limit}-byte limit")
            }
            // The syntax error text spans several lines with a caret diagram; keep its last line.
            other => other
                .to_string()
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid pattern")
                .trim()
                .to_owned(),
        })
}

/// Evaluates a group: `Ok(why it holds)` or `Err(why it does not)`.
pub(crate) fn evaluate_group(group: &ConditionGroup, payload: &Value) -> Result<String, String> {
    let total = group.conditions.len();
    if total == 0 {
        return Ok("no conditions to check".to_owned());
    }
    let mut failures = Vec::new();
    for (i, condition) in group.conditions.iter().enumerate() {
        let (holds, detail) = evaluate(condition, payload);
        match (group.logic, holds) {
            (Logic::And, false) => return Err(format!("condition {} failed: {detail}", i + 1)),
            (Logic::Or, true) => return Ok(format!("condition {} holds: {detail}", i + 1)),
            (Logic::Or, false) => failures.push(format!("{}: {detail}", i + 1)),
            (Logic::And, true) => {}
        }
    }
    match group.logic {
        Logic::And if total == 1 => Ok("the condition holds".to_owned()),
        Logic::And => Ok(format!("all {total} conditions hold")),
        Logic::Or => {
            // The reason is shown in a log line; the first few failures are enough to act on.
            let shown: Vec<String> = failures.into_iter().take(3).collect();
            let more = if total > 3 { "; …" } else { "" };
            Err(format!("no condition holds ({}{more})", shown.join("; ")))
        }
    }
}

/// Evaluates one condition: whether it holds, and a sentence about it.
fn evaluate(c: &Condition, payload: &Value) -> (bool, String) {
    let test = format!("{} {} {}", c.field, c.operator.as_str(), show(&c.value));
    let field = get_path(payload, &c.field);
    let actual = match field {
        Some(v) => format!("{} is {}", c.field, show(v)),
        None => format!("{} is missing", c.field),
    };
    let holds = match (c.operator, field) {
        // A missing field never equals anything, so "not equals" holds for it.
        (Operator::NotEquals, None) => true,
        (_, None) => false,
        (Operator::Equals, Some(v)) => values_equal(v, &c.value),
        (Operator::NotEquals, Some(v)) => !values_equal(v, &c.value),
        (Operator::Contains, Some(v)) => contains(v, &c.value),
        (Operator::GreaterThan, Some(v)) => order(v, &c.value) == Some(Ordering::Greater),
        (Operator::LessThan, Some(v)) => order(v, &c.value) == Some(Ordering::Less),
        (Operator::Matches, Some(v)) => {
            let Some(pattern) = c.value.as_str() else {
                return (
                    false,
                    format!("{test} is false (the pattern is not a string)"),
                );
            };
            match compile(pattern) {
                Ok(re) => text_form(v).is_some_and(|t| re.is_match(&t)),
                Err(why) => {
                    let why = show_str(&why);
                    return (false, format!("{test} is false (invalid pattern: {why})"));
                }
            }
        }
    };
    if holds {
        (true, format!("{test} ({actual})"))
    } else {
        (false, format!("{test} is false ({actual})"))
    }
}

fn contains(field: &Value, needle: &Value) -> bool {
    match field {
        Value::Array(items) => items.iter().any(|item| values_equal(item, needle)),
        Value::String(haystack) => text_form(needle).is_some_and(|n| haystack.contains(&n)),
        _ => false,
    }
}

/// Checks one condition's shape at save time; `Err` carries the user-facing reason.
pub(crate) fn check(c: &Condition) -> Result<(), String> {
    if c.field.trim().is_empty() {
        return Err("the field path is empty".to_owned());
    }
    match c.operator {
        Operator::Matches => match c.value.as_str() {
            Some(pattern) => compile(pattern).map(drop),
            None => Err("a matches pattern must be a string".to_owned()),
        },
        Operator::GreaterThan | Operator::LessThan if !is_orderable(&c.value) => Err(format!(
            "{} needs a number or an RFC 3339 timestamp, not {}",
            c.operator.as_str(),
            show(&c.value)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(field: &str, operator: Operator, value: Value) -> Condition {
        Condition {
            field: field.into(),
            operator,
            value,
        }
    }

    fn holds(c: &Condition, payload: &Value) -> bool {
        evaluate(c, payload).0
    }

    #[test]
    fn serde_uses_uppercase_logic_and_snake_case_operators() {
        let g: ConditionGroup = serde_json::from_value(json!({
            "logic": "OR",
            "conditions": [{"id": "c1", "field": "a", "operator": "greater_than", "value": 3},
                           {"field": "b", "operator": "not_equals"}]
        }))
        .unwrap();
        assert_eq!(g.logic, Logic::Or);
        assert_eq!(g.conditions[0].operator, Operator::GreaterThan);
        assert_eq!(g.conditions[1].value, Value::Null);
        let back = serde_json::to_value(&g).unwrap();
        assert_eq!(back["logic"], "OR");
        assert_eq!(back["conditions"][0]["operator"], "greater_than");
        let lower: ConditionGroup = serde_json::from_value(json!({"logic": "and"})).unwrap();
        assert_eq!(lower.logic, Logic::And);
        assert!(
            serde_json::from_value::<Condition>(json!({"field": "a", "operator": "like"})).is_err()
        );
    }

    #[test]
    fn equals_and_not_equals_treat_missing_fields_as_unequal() {
        let p = json!({"status": "open", "n": 4});
        assert!(holds(&cond("status", Operator::Equals, json!("open")), &p));
        assert!(holds(&cond("n", Operator::Equals, json!("4.0")), &p));
        assert!(!holds(&cond("gone", Operator::Equals, json!("None")), &p));
        assert!(!holds(&cond("gone", Operator::Equals, json!(null)), &p));
        assert!(holds(&cond("gone", Operator::NotEquals, json!("x")), &p));
        assert!(!holds(
            &cond("status", Operator::NotEquals, json!("open")),
            &p
        ));
    }

    #[test]
    fn contains_works_on_strings_and_arrays() {
        let p = json!({"title": "fix: crash on start", "labels": ["bug", "p1", 7], "n": 12});
        assert!(holds(
            &cond("title", Operator::Contains, json!("crash")),
            &p
        ));
        assert!(!holds(
            &cond("title", Operator::Contains, json!("Crash")),
            &p
        ));
        assert!(holds(&cond("labels", Operator::Contains, json!("bug")), &p));
        assert!(holds(&cond("labels", Operator::Contains, json!("7")), &p));
        assert!(!holds(&cond("labels", Operator::Contains, json!("p")), &p));
        assert!(!holds(&cond("n", Operator::Contains, json!("1")), &p));
        assert!(!holds(
            &cond("title", Operator::Contains, json!({"a": 1})),
            &p
        ));
    }

    #[test]
    fn greater_and_less_than_compare_numbers_and_timestamps_only() {
        let p = json!({"n": 10, "s": "10", "at": "2024-05-01T10:00:00Z", "word": "ten"});
        assert!(holds(&cond("n", Operator::GreaterThan, json!(9.5)), &p));
        assert!(holds(&cond("s", Operator::LessThan, json!("11")), &p));
        assert!(!holds(&cond("n", Operator::GreaterThan, json!(10)), &p));
        assert!(holds(
            &cond("at", Operator::GreaterThan, json!("2024-01-01T00:00:00Z")),
            &p
        ));
        assert!(!holds(&cond("word", Operator::GreaterThan, json!(1)), &p));
        assert!(!holds(&cond("word", Operator::LessThan, json!("zzz")), &p));
    }

    #[test]
    fn matches_uses_a_regex_on_the_field_text() {
        let p = json!({"branch": "release/1.2", "n": 42, "obj": {}});
        assert!(holds(
            &cond("branch", Operator::Matches, json!(r"^release/\d+\.\d+$")),
            &p
        ));
        assert!(holds(&cond("n", Operator::Matches, json!(r"^\d+$")), &p));
        assert!(!holds(&cond("obj", Operator::Matches, json!(".*")), &p));
        let (ok, why) = evaluate(&cond("branch", Operator::Matches, json!("(")), &p);
        assert!(!ok);
        assert!(why.contains("invalid pattern"), "{why}");
        let (ok, why) = evaluate(&cond("branch", Operator::Matches, json!(5)), &p);
        assert!(!ok && why.contains("not a string"));
    }

    #[test]
    fn regex_bombs_are_refused_by_the_size_limit() {
        let err = compile("(a{100}){100}{100}").unwrap_err();
        assert!(err.contains("limit"), "{err}");
        assert!(compile(&"a".repeat(MAX_PATTERN_LEN + 1)).is_err());
        assert!(compile(&format!("{}a{}", "(".repeat(100), ")".repeat(100))).is_err());
        // Classic backtracking killers are harmless here: matching is linear.
        let re = compile("(a+)+$").unwrap();
        assert!(!re.is_match(&format!("{}!", "a".repeat(100_000))));
    }

    #[test]
    fn and_stops_at_the_first_failure_and_or_at_the_first_success() {
        let p = json!({"a": 1, "b": 2});
        let and = ConditionGroup {
            logic: Logic::And,
            conditions: vec![
                cond("a", Operator::Equals, json!(1)),
                cond("b", Operator::Equals, json!(3)),
            ],
        };
        assert_eq!(
            evaluate_group(&and, &p).unwrap_err(),
            "condition 2 failed: b equals 3 is false (b is 2)"
        );
        let or = ConditionGroup {
            logic: Logic::Or,
            conditions: and.conditions.clone(),
        };
        assert_eq!(
            evaluate_group(&or, &p).unwrap(),
            "condition 1 holds: a equals 1 (a is 1)"
        );
        let none = ConditionGroup {
            logic: Logic::Or,
            conditions: vec![cond("a", Operator::Equals, json!(5)); 5],
        };
        let why = evaluate_group(&none, &p).unwrap_err();
        assert!(why.starts_with("no condition holds (1: a equals 5 is false (a is 1); 2:"));
        assert!(why.ends_with("; …)"));
    }

    #[test]
    fn an_empty_group_holds_whatever_its_logic() {
        for logic in [Logic::And, Logic::Or] {
            let g = ConditionGroup {
                logic,
                conditions: vec![],
            };
            assert!(evaluate_group(&g, &json!({})).is_ok());
        }
    }

    #[test]
    fn check_rejects_bad_shapes() {
        assert!(check(&cond(" ", Operator::Equals, json!(1))).is_err());
        assert!(check(&cond("a", Operator::Matches, json!(1))).is_err());
        assert!(check(&cond("a", Operator::Matches, json!("[z-a]"))).is_err());
        assert!(check(&cond("a", Operator::GreaterThan, json!("soon"))).is_err());
        assert!(check(&cond(
            "a",
            Operator::LessThan,
            json!("2024-01-01T00:00:00Z")
        ))
        .is_ok());
        assert!(check(&cond("a", Operator::Contains, json!(null))).is_ok());
    }
}

//! Tests of matching as a whole: paths, the field filter, keywords, conditions in order, reasons and
//! rule validation. Comparison and condition details are tested at the bottom of their own files.

use serde_json::json;

use super::*;

fn rules(path: &str, value: &str) -> MatchRules {
    MatchRules {
        match_field_path: Some(path.into()),
        match_field_value: Some(value.into()),
        ..MatchRules::default()
    }
}

/// The predefined weekly security audit bot.
fn security_bot() -> MatchRules {
    MatchRules {
        match_field_path: Some("event.group_id".into()),
        match_field_value: Some("4".into()),
        text_field_path: Some("event.text".into()),
        detection_keyword: Some("주간 보안 취약점 알림".into()),
        conditions: None,
    }
}

#[test]
fn get_path_walks_objects_and_arrays() {
    let v = json!({"a": {"b": [{"c": 1}, {"c": [10, 20]}]}, "": "empty key", "x.y": 5});
    assert_eq!(get_path(&v, "a.b.0.c"), Some(&json!(1)));
    assert_eq!(get_path(&v, "a.b.1.c.1"), Some(&json!(20)));
    assert_eq!(get_path(&v, ""), Some(&json!("empty key")));
    assert_eq!(get_path(&v, "a.b.2"), None);
    assert_eq!(get_path(&v, "a.b.-1"), None);
    assert_eq!(get_path(&v, "a.b.first"), None);
    assert_eq!(get_path(&v, "a.b.0.c.d"), None);
    assert_eq!(
        get_path(&v, "x.y"),
        None,
        "keys containing dots cannot be addressed"
    );
    assert_eq!(get_path(&json!([["deep"]]), "0.0"), Some(&json!("deep")));
    assert_eq!(get_path(&json!("scalar"), "a"), None);
}

#[test]
fn get_path_handles_very_deep_values_and_paths() {
    let mut v = json!("bottom");
    for _ in 0..1_000 {
        let mut map = serde_json::Map::new();
        map.insert("k".to_owned(), v);
        v = Value::Object(map);
    }
    let path = vec!["k"; 1_000].join(".");
    assert_eq!(get_path(&v, &path), Some(&json!("bottom")));
    let too_long = vec!["k"; 100_000].join(".");
    assert_eq!(get_path(&v, &too_long), None);
}

#[test]
fn the_predefined_security_bot_matches_its_event() {
    let payload = json!({"event": {"group_id": 4, "text": "[주간 보안 취약점 알림] 3 issues"}});
    let out = evaluate(&security_bot(), &payload);
    assert!(out.matched, "{}", out.reason);
    assert_eq!(out.message_text, "[주간 보안 취약점 알림] 3 issues");
    assert_eq!(
        out.reason,
        "matched: field event.group_id is 4; keyword \"주간 보안 취약점 알림\" found in field event.text"
    );
}

#[test]
fn a_different_field_value_explains_itself() {
    let payload = json!({"event": {"group_id": 3, "text": "주간 보안 취약점 알림"}});
    let out = evaluate(&security_bot(), &payload);
    assert!(!out.matched);
    assert_eq!(out.reason, "field event.group_id is 3, expected 4");
    assert_eq!(out.message_text, "주간 보안 취약점 알림");
}

#[test]
fn a_missing_field_never_matches_not_even_the_string_none() {
    let out = evaluate(&rules("event.group_id", "None"), &json!({"event": {}}));
    assert!(!out.matched);
    assert_eq!(out.reason, "field event.group_id is missing, expected None");
    let out = evaluate(
        &rules("event.group_id", "None"),
        &json!({"event": {"group_id": null}}),
    );
    assert!(!out.matched);
    assert_eq!(out.reason, "field event.group_id is null, expected None");
}

#[test]
fn field_values_compare_by_type() {
    let p = json!({"n": 4, "f": 4.0, "s": "4", "b": true});
    for path in ["n", "f", "s"] {
        assert!(evaluate(&rules(path, "4"), &p).matched, "{path}");
    }
    assert!(evaluate(&rules("n", "4.0"), &p).matched);
    assert!(
        !evaluate(&rules("s", "4.0"), &p).matched,
        "two strings compare exactly"
    );
    assert!(evaluate(&rules("b", "true"), &p).matched);
    assert!(evaluate(&rules("b", "True"), &p).matched);
    assert!(!evaluate(&rules("b", "yes"), &p).matched);
}

#[test]
fn an_incomplete_field_filter_is_ignored_at_match_time() {
    let r = MatchRules {
        match_field_path: Some("a".into()),
        match_field_value: Some(String::new()),
        ..MatchRules::default()
    };
    assert!(evaluate(&r, &json!({"a": "anything"})).matched);
}

#[test]
fn keyword_is_a_case_sensitive_substring_of_the_text() {
    let r = MatchRules {
        detection_keyword: Some("Deploy".into()),
        ..MatchRules::default()
    };
    assert!(evaluate(&r, &json!({"text": "please Deploy now"})).matched);
    let out = evaluate(&r, &json!({"text": "please deploy now"}));
    assert!(!out.matched);
    assert_eq!(out.reason, "keyword \"Deploy\" not found in field text");
    assert!(!evaluate(&r, &json!({})).matched);
}

#[test]
fn text_is_extracted_from_any_type() {
    let r = MatchRules {
        text_field_path: Some("m".into()),
        ..MatchRules::default()
    };
    assert_eq!(evaluate(&r, &json!({"m": 12})).message_text, "12");
    assert_eq!(
        evaluate(&r, &json!({"m": {"a": [1]}})).message_text,
        r#"{"a":[1]}"#
    );
    assert_eq!(evaluate(&r, &json!({"m": null})).message_text, "");
    assert_eq!(evaluate(&r, &json!({"text": "not this"})).message_text, "");
    let default_path = MatchRules {
        text_field_path: Some(String::new()),
        ..MatchRules::default()
    };
    assert_eq!(
        evaluate(&default_path, &json!({"text": "hi"})).message_text,
        "hi"
    );
}

#[test]
fn no_rules_match_every_object() {
    let out = evaluate(&MatchRules::default(), &json!({}));
    assert!(out.matched);
    assert_eq!(out.reason, "matched: the bot has no match rules");
}

#[test]
fn non_object_payloads_never_match() {
    for payload in [json!([1, 2]), json!("text"), json!(null), json!(7)] {
        let out = evaluate(&MatchRules::default(), &payload);
        assert!(!out.matched);
        assert_eq!(out.reason, "the payload is not a JSON object");
    }
}

#[test]
fn conditions_run_after_the_field_filter_and_keyword() {
    let mut r = security_bot();
    r.conditions = Some(ConditionGroup {
        logic: Logic::And,
        conditions: vec![Condition {
            field: "event.severity".into(),
            operator: Operator::GreaterThan,
            value: json!(5),
        }],
    });
    let low = json!({"event": {"group_id": "4", "text": "주간 보안 취약점 알림", "severity": 3}});
    let out = evaluate(&r, &low);
    assert!(!out.matched);
    assert_eq!(
        out.reason,
        "condition 1 failed: event.severity greater_than 5 is false (event.severity is 3)"
    );
    let high = json!({"event": {"group_id": "4", "text": "주간 보안 취약점 알림", "severity": 9}});
    let out = evaluate(&r, &high);
    assert!(out.matched);
    assert!(
        out.reason.ends_with("; the condition holds"),
        "{}",
        out.reason
    );
    // The field filter is checked first, so its reason wins.
    let wrong_group = json!({"event": {"group_id": 1, "severity": 9}});
    assert_eq!(
        evaluate(&r, &wrong_group).reason,
        "field event.group_id is 1, expected 4"
    );
}

#[test]
fn reasons_show_hostile_values_short_and_clean() {
    let payload = json!({"g": format!("\u{1b}[2J{}", "x".repeat(10_000))});
    let out = evaluate(&rules("g", "4"), &payload);
    assert!(out.reason.len() < 200);
    assert!(!out.reason.contains('\u{1b}'));
}

#[test]
fn a_huge_text_is_searched_without_trouble() {
    let mut text = "a".repeat(5 << 20);
    text.push_str("NEEDLE");
    let r = MatchRules {
        detection_keyword: Some("NEEDLE".into()),
        ..MatchRules::default()
    };
    assert!(evaluate(&r, &json!({ "text": text })).matched);
}

#[test]
fn rules_deserialize_from_the_stored_shape() {
    let r: MatchRules = serde_json::from_value(json!({
        "match_field_path": "event.group_id",
        "match_field_value": "4",
        "conditions": {"logic": "OR", "conditions": [{"field": "a", "operator": "matches", "value": "^x"}]}
    }))
    .unwrap();
    assert_eq!(r.text_field_path, None);
    assert_eq!(r.conditions.as_ref().unwrap().logic, Logic::Or);
    assert!(validate_rules(&r).is_ok());
}

#[test]
fn validate_rules_reports_each_problem() {
    let mut r = MatchRules {
        match_field_path: Some("a".into()),
        ..MatchRules::default()
    };
    assert_eq!(validate_rules(&r), Err(MatchRulesError::PathWithoutValue));
    r.match_field_path = None;
    r.match_field_value = Some("4".into());
    assert_eq!(validate_rules(&r), Err(MatchRulesError::ValueWithoutPath));
    r.match_field_value = None;
    r.conditions = Some(ConditionGroup {
        logic: Logic::And,
        conditions: vec![
            Condition {
                field: "a".into(),
                operator: Operator::Equals,
                value: json!(1),
            },
            Condition {
                field: "b".into(),
                operator: Operator::Matches,
                value: json!("(a{100}){100}{100}"),
            },
        ],
    });
    let err = validate_rules(&r).unwrap_err();
    assert!(matches!(
        err,
        MatchRulesError::InvalidCondition { position: 2, .. }
    ));
    assert!(err.to_string().starts_with("condition 2: "), "{err}");
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn random_paths_and_rules_never_panic() {
    let payload = json!({"a": [{"b": "x"}, 2, null], "é": {"0": true}, "": [[]]});
    let pieces = [
        "a",
        "b",
        "0",
        "1",
        "9",
        "-1",
        "é",
        "",
        ".",
        "..",
        "18446744073709551616",
        "\u{0}",
    ];
    let mut seed = 0xdead_beef_u64;
    for _ in 0..2_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let path: String = (0..seed % 6)
            .map(|i| pieces[((seed >> (i * 8)) % pieces.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(".");
        let _ = get_path(&payload, &path);
        let r = MatchRules {
            match_field_path: Some(path.clone()),
            match_field_value: Some(path.clone()),
            text_field_path: Some(path.clone()),
            detection_keyword: Some(path.clone()),
            conditions: Some(ConditionGroup {
                logic: Logic::Or,
                conditions: vec![Condition {
                    field: path.clone(),
                    operator: Operator::Matches,
                    value: json!(path),
                }],
            }),
        };
        let out = evaluate(&r, &payload);
        assert!(!out.reason.is_empty());
    }
}

//! The canonical JSON form of a payload and its hash, the key for webhook de-duplication: two
//! deliveries of the same event hash the same however the sender ordered keys or spaced the JSON.
//!
//! It does not store or expire keys; the store does, with the window it is configured with.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One pending piece of output. The serializer keeps an explicit stack instead of recursing, so a
/// value nested arbitrarily deep (built in code, past serde_json's parse limit) cannot overflow it.
enum Piece<'a> {
    Value(&'a Value),
    Key(&'a str),
    Raw(&'static str),
}

/// `value` as JSON with every object's keys sorted (by their UTF-8 bytes), recursively, and no
/// whitespace. Strings and numbers are written as serde_json writes them.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    let mut stack = vec![Piece::Value(value)];
    while let Some(piece) = stack.pop() {
        match piece {
            Piece::Raw(s) => out.push_str(s),
            Piece::Key(k) => {
                out.push_str(&Value::String(k.to_owned()).to_string());
                out.push(':');
            }
            Piece::Value(Value::Array(items)) => {
                out.push('[');
                stack.push(Piece::Raw("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Piece::Value(item));
                    if i > 0 {
                        stack.push(Piece::Raw(","));
                    }
                }
            }
            Piece::Value(Value::Object(map)) => {
                out.push('{');
                stack.push(Piece::Raw("}"));
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                for (i, (k, v)) in entries.into_iter().enumerate().rev() {
                    stack.push(Piece::Value(v));
                    stack.push(Piece::Key(k));
                    if i > 0 {
                        stack.push(Piece::Raw(","));
                    }
                }
            }
            // Scalars: serde_json's own compact form, which escapes strings correctly.
            Piece::Value(scalar) => out.push_str(&scalar.to_string()),
        }
    }
    out
}

/// The SHA-256 of [`canonical_json`], as 64 lowercase hex digits. The original kept only 16 digits;
/// the full hash costs nothing and makes accidental collisions impossible in practice.
pub fn payload_hash(value: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_recursively_and_whitespace_removed() {
        let v: Value = serde_json::from_str(
            r#"{ "b": 1, "a": { "z": [ {"y": 2, "x": 1} ], "m": null }, "c": "s" }"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"m":null,"z":[{"x":1,"y":2}]},"b":1,"c":"s"}"#
        );
    }

    #[test]
    fn key_order_and_spacing_do_not_change_the_hash() {
        let a: Value =
            serde_json::from_str(r#"{"x": 1, "y": [1, 2, {"q": true, "p": false}]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":[1,2,{"p":false,"q":true}],"x":1}"#).unwrap();
        assert_eq!(payload_hash(&a), payload_hash(&b));
        assert_eq!(payload_hash(&a).len(), 64);
    }

    #[test]
    fn different_payloads_hash_differently() {
        assert_ne!(
            payload_hash(&json!({"a": 1})),
            payload_hash(&json!({"a": 2}))
        );
        assert_ne!(payload_hash(&json!([1, 2])), payload_hash(&json!([2, 1])));
        assert_ne!(
            payload_hash(&json!({"a": "1"})),
            payload_hash(&json!({"a": 1}))
        );
    }

    #[test]
    fn strings_and_unicode_are_escaped_as_json() {
        let v = json!({"é": "line\n\"quoted\" 😀 \u{0}", "😀": []});
        let s = canonical_json(&v);
        assert_eq!(s, "{\"é\":\"line\\n\\\"quoted\\\" 😀 \\u0000\",\"😀\":[]}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn scalars_and_empty_containers() {
        assert_eq!(canonical_json(&json!(null)), "null");
        assert_eq!(canonical_json(&json!(1.5)), "1.5");
        assert_eq!(canonical_json(&json!({})), "{}");
        assert_eq!(canonical_json(&json!([[], {}])), "[[],{}]");
    }

    #[test]
    fn very_deep_values_do_not_overflow_the_stack() {
        let mut v = json!(0);
        for _ in 0..5_000 {
            v = Value::Array(vec![v]);
        }
        let s = canonical_json(&v);
        assert_eq!(s.len(), 5_000 * 2 + 1);
        // Dismantle iteratively: serde_json's own drop recurses.
        let mut cur = v;
        while let Value::Array(mut items) = cur {
            cur = items.pop().unwrap_or(Value::Null);
        }
    }
}

//! Tests of signature verification: both header formats, every error, the opt-in timestamp scheme and
//! its window in both directions, and GitHub's stricter header.

use chrono::TimeZone;

use super::*;

const SECRET: &[u8] = b"s3cret";
const BODY: &[u8] = br#"{"event":{"group_id":4}}"#;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
}

fn signed(content: &[u8]) -> String {
    sign(SECRET, content).unwrap()
}

fn timestamped<'a>(ts: Option<&'a str>) -> SignedContent<'a> {
    SignedContent::TimestampedBody {
        timestamp_header: ts,
        now: now(),
        window: DEFAULT_REPLAY_WINDOW,
    }
}

#[test]
fn a_correct_prefixed_signature_verifies() {
    let header = signed(BODY);
    assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
    assert_eq!(
        verify_webhook(SECRET, Some(&header), BODY, SignedContent::Body),
        Ok(())
    );
}

#[test]
fn bare_hex_and_upper_case_are_accepted_for_compatibility() {
    let header = signed(BODY);
    let bare = header.trim_start_matches("sha256=");
    assert_eq!(
        verify_webhook(SECRET, Some(bare), BODY, SignedContent::Body),
        Ok(())
    );
    let upper = format!("SHA256={}", bare.to_uppercase());
    assert_eq!(
        verify_webhook(SECRET, Some(&upper), BODY, SignedContent::Body),
        Ok(())
    );
    let spaced = format!("  {header}  ");
    assert_eq!(
        verify_webhook(SECRET, Some(&spaced), BODY, SignedContent::Body),
        Ok(())
    );
}

#[test]
fn a_changed_body_or_secret_is_a_mismatch() {
    let header = signed(BODY);
    let mut tampered = BODY.to_vec();
    tampered[10] ^= 1;
    assert_eq!(
        verify_webhook(SECRET, Some(&header), &tampered, SignedContent::Body),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_webhook(b"other", Some(&header), BODY, SignedContent::Body),
        Err(SignatureError::Mismatch)
    );
    let zeros = format!("sha256={}", "0".repeat(64));
    let err = verify_webhook(SECRET, Some(&zeros), BODY, SignedContent::Body).unwrap_err();
    assert_eq!(err.to_string(), "signature does not match");
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[test]
fn a_missing_or_empty_header_is_missing() {
    for header in [None, Some(""), Some("   ")] {
        let err = verify_webhook(SECRET, header, BODY, SignedContent::Body).unwrap_err();
        assert_eq!(
            err,
            SignatureError::Missing {
                header: SIGNATURE_HEADER
            }
        );
        assert_eq!(err.to_string(), "missing X-Webhook-Signature-256 header");
    }
}

#[test]
fn other_algorithms_and_bad_hex_are_malformed() {
    let sha1 = format!("sha1={}", "a".repeat(40));
    let cases = [
        (
            sha1.as_str(),
            "unsupported algorithm; expected sha256=<hex>",
        ),
        ("md5=abc", "unsupported algorithm; expected sha256=<hex>"),
        ("sha256=abc", "expected 64 hex digits"),
        ("sha256=", "expected 64 hex digits"),
        ("not hex at all", "expected 64 hex digits"),
    ];
    for (header, reason) in cases {
        let err = verify_webhook(SECRET, Some(header), BODY, SignedContent::Body).unwrap_err();
        assert_eq!(
            err,
            SignatureError::Malformed {
                header: SIGNATURE_HEADER,
                reason
            },
            "{header}"
        );
    }
    let non_hex = format!("sha256={}", "g".repeat(64));
    let err = verify_webhook(SECRET, Some(&non_hex), BODY, SignedContent::Body).unwrap_err();
    assert!(matches!(err, SignatureError::Malformed { .. }));
    let multibyte = format!("sha256={}", "é".repeat(32));
    let err = verify_webhook(SECRET, Some(&multibyte), BODY, SignedContent::Body).unwrap_err();
    assert!(matches!(err, SignatureError::Malformed { .. }));
}

#[test]
fn an_empty_secret_is_refused_not_used() {
    let forged = sign(b"", BODY).unwrap();
    let err = verify_webhook(b"", Some(&forged), BODY, SignedContent::Body).unwrap_err();
    assert_eq!(err, SignatureError::NoSecret);
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(
        verify_github(b"", Some(&forged), BODY),
        Err(SignatureError::NoSecret)
    );
}

#[test]
fn timestamped_signatures_cover_timestamp_dot_body() {
    let ts = "1714564800"; // 2024-05-01T12:00:00Z
    let header = signed(format!("{ts}.{}", std::str::from_utf8(BODY).unwrap()).as_bytes());
    assert_eq!(
        verify_webhook(SECRET, Some(&header), BODY, timestamped(Some(ts))),
        Ok(())
    );
    // The body-only signature does not satisfy the timestamped scheme, and vice versa.
    let body_only = signed(BODY);
    assert_eq!(
        verify_webhook(SECRET, Some(&body_only), BODY, timestamped(Some(ts))),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_webhook(SECRET, Some(&header), BODY, SignedContent::Body),
        Err(SignatureError::Mismatch)
    );
    // A replayed body with a fresh timestamp does not verify: the timestamp is signed.
    assert_eq!(
        verify_webhook(SECRET, Some(&header), BODY, timestamped(Some("1714564801"))),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn rfc3339_and_fractional_timestamps_are_accepted() {
    for ts in [
        "2024-05-01T11:58:00Z",
        "2024-05-01T14:01:00+02:00",
        "1714564790.25",
    ] {
        let content = [ts.as_bytes(), b".", BODY].concat();
        let header = signed(&content);
        assert_eq!(
            verify_webhook(SECRET, Some(&header), BODY, timestamped(Some(ts))),
            Ok(()),
            "{ts}"
        );
    }
}

#[test]
fn a_timestamp_is_required_once_opted_in() {
    let header = signed(BODY);
    for ts in [None, Some(" ")] {
        assert_eq!(
            verify_webhook(SECRET, Some(&header), BODY, timestamped(ts)),
            Err(SignatureError::Missing {
                header: TIMESTAMP_HEADER
            })
        );
    }
}

#[test]
fn unreadable_timestamps_are_malformed() {
    let header = signed(BODY);
    for ts in [
        "yesterday",
        "1.2.3",
        "-",
        "99999999999999999999",
        "2024-05-01",
        "1714564800.x",
    ] {
        let err = verify_webhook(SECRET, Some(&header), BODY, timestamped(Some(ts))).unwrap_err();
        assert!(
            matches!(
                err,
                SignatureError::Malformed {
                    header: TIMESTAMP_HEADER,
                    ..
                }
            ),
            "{ts}: {err:?}"
        );
    }
}

#[test]
fn old_timestamps_are_stale_and_future_ones_refused() {
    let at = |ts: &str| {
        let header = signed(&[ts.as_bytes(), b".", BODY].concat());
        verify_webhook(SECRET, Some(&header), BODY, timestamped(Some(ts)))
    };
    let noon = 1_714_564_800_i64;
    assert_eq!(
        at(&(noon - 300).to_string()),
        Ok(()),
        "exactly at the window edge"
    );
    assert_eq!(at(&(noon + 300).to_string()), Ok(()));
    let err = at(&(noon - 301).to_string()).unwrap_err();
    assert_eq!(
        err,
        SignatureError::Stale {
            age_seconds: 301,
            window_seconds: 300
        }
    );
    assert_eq!(
        err.to_string(),
        "timestamp is 301 s old; at most 300 s is accepted"
    );
    let err = at(&(noon + 3_600).to_string()).unwrap_err();
    assert_eq!(
        err,
        SignatureError::FromTheFuture {
            ahead_seconds: 3_600,
            window_seconds: 300
        }
    );
    // Milliseconds by mistake look far in the future.
    assert!(matches!(
        at(&(noon * 1000).to_string()),
        Err(SignatureError::FromTheFuture { .. })
    ));
    assert!(matches!(at("0"), Err(SignatureError::Stale { .. })));
}

#[test]
fn the_window_is_configurable() {
    let ts = (1_714_564_800_i64 - 60).to_string();
    let header = signed(&[ts.as_bytes(), b".", BODY].concat());
    let tight = SignedContent::TimestampedBody {
        timestamp_header: Some(&ts),
        now: now(),
        window: Duration::from_secs(30),
    };
    assert!(matches!(
        verify_webhook(SECRET, Some(&header), BODY, tight),
        Err(SignatureError::Stale {
            age_seconds: 60,
            window_seconds: 30
        })
    ));
    let huge = SignedContent::TimestampedBody {
        timestamp_header: Some(&ts),
        now: now(),
        window: Duration::MAX,
    };
    assert_eq!(verify_webhook(SECRET, Some(&header), BODY, huge), Ok(()));
}

#[test]
fn github_needs_the_prefix() {
    let header = signed(BODY);
    assert_eq!(verify_github(SECRET, Some(&header), BODY), Ok(()));
    let bare = header.trim_start_matches("sha256=");
    assert_eq!(
        verify_github(SECRET, Some(bare), BODY),
        Err(SignatureError::Malformed {
            header: GITHUB_SIGNATURE_HEADER,
            reason: "expected sha256=<hex>"
        })
    );
    assert_eq!(
        verify_github(SECRET, None, BODY),
        Err(SignatureError::Missing {
            header: GITHUB_SIGNATURE_HEADER
        })
    );
    assert_eq!(
        verify_github(SECRET, Some(&header), b"{}"),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn large_bodies_verify() {
    let body = vec![b'x'; 10 << 20];
    let header = signed(&body);
    assert_eq!(
        verify_webhook(SECRET, Some(&header), &body, SignedContent::Body),
        Ok(())
    );
}

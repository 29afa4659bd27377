//! Webhook authenticity: HMAC-SHA256 signatures for generic webhooks and GitHub, an opt-in replay
//! window, and the payload hash used for de-duplication (`canonical`).
//!
//! Generic webhooks send `X-Webhook-Signature-256: sha256=<hex>` (bare `<hex>` is accepted too, as
//! the original did), an HMAC-SHA256 keyed with the bot's secret. By default it covers the raw body
//! bytes exactly as received. A bot can opt in to replay protection ([`SignedContent::TimestampedBody`]):
//! then the sender also sends `X-Webhook-Timestamp` (epoch seconds or RFC 3339), the HMAC covers
//! `"{timestamp}.{raw_body}"` — the header value as sent, a dot, then the body bytes, the scheme Stripe
//! and Slack use — and the timestamp must lie within a window (default five minutes) of now, in either
//! direction. Binding the timestamp into the signature is what stops an attacker from replaying an old
//! body with a fresh timestamp; it is opt-in so existing senders that sign only the body keep working.
//!
//! Comparisons are constant-time (`hmac`'s `verify_slice`). This module reads no clock and no store:
//! callers pass `now` and secrets in, and decide what a failure means for the response.

mod canonical;

use std::time::Duration;

use agented_domain::ErrorKind;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use canonical::{canonical_json, payload_hash};

/// The generic webhook signature header.
pub const SIGNATURE_HEADER: &str = "X-Webhook-Signature-256";
/// The generic webhook timestamp header, used when a bot opts in to replay protection.
pub const TIMESTAMP_HEADER: &str = "X-Webhook-Timestamp";
/// GitHub's signature header.
pub const GITHUB_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// How far a signed timestamp may be from now, in either direction, unless configured otherwise.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(5 * 60);

/// SHA-256 digests are 32 bytes, so 64 hex digits.
const DIGEST_HEX_LEN: usize = 64;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery's signature was refused. The `Display` text is short and safe to show the sender
/// or the delivery log; it never contains the secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret to check against is empty. An empty HMAC key is one anybody can use, so this
    /// refuses rather than "verifying" with it.
    #[error("no webhook secret is configured")]
    NoSecret,
    /// A required header is absent or empty.
    #[error("missing {header} header")]
    Missing {
        /// The header's name.
        header: &'static str,
    },
    /// A header is present but unreadable.
    #[error("malformed {header} header: {reason}")]
    Malformed {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature is well-formed but wrong.
    #[error("signature does not match")]
    Mismatch,
    /// The signed timestamp is older than the window allows.
    #[error("timestamp is {age_seconds} s old; at most {window_seconds} s is accepted")]
    Stale {
        /// How old the timestamp is.
        age_seconds: i64,
        /// The window.
        window_seconds: u64,
    },
    /// The signed timestamp is further in the future than the window allows.
    #[error(
        "timestamp is {ahead_seconds} s in the future; at most {window_seconds} s is accepted"
    )]
    FromTheFuture {
        /// How far ahead the timestamp is.
        ahead_seconds: i64,
        /// The window.
        window_seconds: u64,
    },
}

impl SignatureError {
    /// How the HTTP edge should classify this error. A missing secret is the server's refusal to
    /// authenticate anything (`Forbidden`, as the original's 403); every other failure means the
    /// sender did not prove who it is (`Unauthorized`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            SignatureError::NoSecret => ErrorKind::Forbidden,
            _ => ErrorKind::Unauthorized,
        }
    }
}

/// What a generic webhook's HMAC covers; chosen per bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedContent<'a> {
    /// The raw body bytes only: the original's scheme, with no replay protection.
    Body,
    /// `"{timestamp}.{raw_body}"`, with the timestamp required and checked against a window.
    TimestampedBody {
        /// The `X-Webhook-Timestamp` header value, if the request had one.
        timestamp_header: Option<&'a str>,
        /// The current time (passed in so that tests and callers control the clock).
        now: DateTime<Utc>,
        /// How far the timestamp may be from `now`, in either direction.
        window: Duration,
    },
}

/// Verifies a generic webhook's `X-Webhook-Signature-256` header against `body`.
///
/// Accepts `sha256=<64 hex digits>` (the algorithm name in any case) or bare `<64 hex digits>`;
/// refuses any other algorithm prefix (including the original's `sha1=`). See the module docs for
/// [`SignedContent`]. Checks run in the order: secret, signature header, timestamp header, HMAC,
/// window — so a stale but otherwise genuine delivery is reported as [`SignatureError::Stale`].
pub fn verify_webhook(
    secret: &[u8],
    signature_header: Option<&str>,
    body: &[u8],
    content: SignedContent<'_>,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let digest = parse_signature(signature_header, SIGNATURE_HEADER, false)?;
    match content {
        SignedContent::Body => check_mac(secret, &[body], &digest),
        SignedContent::TimestampedBody {
            timestamp_header,
            now,
            window,
        } => {
            let raw = timestamp_header
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or(SignatureError::Missing {
                    header: TIMESTAMP_HEADER,
                })?;
            let at = parse_timestamp(raw)?;
            check_mac(secret, &[raw.as_bytes(), b".", body], &digest)?;
            check_window(at, now, window)
        }
    }
}

/// Verifies GitHub's `X-Hub-Signature-256: sha256=<hex>` header against the raw body. GitHub always
/// sends the prefix, so bare hex is refused here.
pub fn verify_github(
    secret: &[u8],
    header_value: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let digest = parse_signature(header_value, GITHUB_SIGNATURE_HEADER, true)?;
    check_mac(secret, &[body], &digest)
}

/// The `sha256=<hex>` header value for `content` under `secret`: what a sender computes. For the
/// timestamped scheme, `content` is `"{timestamp}.{raw_body}"`. Used by tests and test tooling.
/// Returns `None` only if the HMAC implementation refuses the key, which HMAC never does (keys of
/// any length are accepted; long ones are hashed).
pub fn sign(secret: &[u8], content: &[u8]) -> Option<String> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(content);
    Some(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

fn check_mac(secret: &[u8], parts: &[&[u8]], digest: &[u8]) -> Result<(), SignatureError> {
    // Unreachable in practice (see `sign`); failing closed keeps a panic path out of request handling.
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignatureError::NoSecret)?;
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(digest)
        .map_err(|_| SignatureError::Mismatch)
}

/// Reads `sha256=<hex>` (or, unless `prefix_required`, bare hex) into the 32 digest bytes.
fn parse_signature(
    value: Option<&str>,
    header: &'static str,
    prefix_required: bool,
) -> Result<Vec<u8>, SignatureError> {
    let value = value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Missing { header })?;
    let malformed = |reason| SignatureError::Malformed { header, reason };
    let hex_digits = match value.split_once('=') {
        Some((algorithm, digits)) if algorithm.trim().eq_ignore_ascii_case("sha256") => {
            digits.trim()
        }
        Some(_) => return Err(malformed("unsupported algorithm; expected sha256=<hex>")),
        None if prefix_required => return Err(malformed("expected sha256=<hex>")),
        None => value,
    };
    if hex_digits.len() != DIGEST_HEX_LEN {
        return Err(malformed("expected 64 hex digits"));
    }
    hex::decode(hex_digits).map_err(|_| malformed("expected 64 hex digits"))
}

/// Reads epoch seconds (optionally with a fraction) or an RFC 3339 time.
fn parse_timestamp(raw: &str) -> Result<DateTime<Utc>, SignatureError> {
    let malformed = SignatureError::Malformed {
        header: TIMESTAMP_HEADER,
        reason: "expected epoch seconds or an RFC 3339 time",
    };
    if raw
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        let (secs, frac) = raw.split_once('.').unwrap_or((raw, ""));
        let secs: i64 = secs.parse().map_err(|_| malformed.clone())?;
        let nanos = if frac.is_empty() {
            0
        } else {
            if !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed);
            }
            // Only the first nine digits matter; pad short fractions to nanoseconds.
            let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
            digits.parse::<u32>().map_err(|_| malformed.clone())?
        };
        return DateTime::from_timestamp(secs, nanos).ok_or(malformed);
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| malformed)
}

fn check_window(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), SignatureError> {
    let window_seconds = window.as_secs();
    let limit = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
    let age = now.signed_duration_since(at);
    if age > limit {
        return Err(SignatureError::Stale {
            age_seconds: age.num_seconds(),
            window_seconds,
        });
    }
    if -age > limit {
        return Err(SignatureError::FromTheFuture {
            ahead_seconds: (-age).num_seconds(),
            window_seconds,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;

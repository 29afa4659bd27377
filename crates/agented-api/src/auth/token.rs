//! Signed, expiring tokens: browser sessions (in a cookie) and 60-second stream tokens (in `?token=`).
//!
//! Format: `<kind>.<base64url(payload)>.<base64url(HMAC-SHA256(secret, kind.payload))>`. The payload
//! names the key the token was issued for; the gate re-checks that key on every request, so revoking
//! the key ends every session and token made from it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::SecretKey;

type HmacSha256 = Hmac<Sha256>;

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The API key id (or `env`) the token stands for.
    pub key_id: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// For stream tokens: the one path the token is valid on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Random bits so two tokens issued in the same second differ.
    pub nonce: String,
}

/// The kinds of token; the kind is signed, so one kind cannot be used as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A browser session.
    Session,
    /// A stream token for one path.
    Stream,
}

impl TokenKind {
    fn tag(self) -> &'static str {
        match self {
            TokenKind::Session => "s1",
            TokenKind::Stream => "t1",
        }
    }
}

/// Signs `claims` as a token of `kind`.
pub fn sign(secret: &SecretKey, kind: TokenKind, claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{}.{payload}", kind.tag());
    let sig = URL_SAFE_NO_PAD.encode(mac(secret, &signed));
    format!("{signed}.{sig}")
}

/// Builds claims for `key_id` expiring `ttl_secs` from `now`.
pub fn claims(key_id: &str, now: i64, ttl_secs: i64, path: Option<String>) -> Claims {
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    Claims {
        key_id: key_id.to_owned(),
        exp: now + ttl_secs,
        path,
        nonce: URL_SAFE_NO_PAD.encode(nonce),
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of the expected shape or kind.
    #[error("malformed token")]
    Malformed,
    /// The signature does not match.
    #[error("bad token signature")]
    BadSignature,
    /// Past its expiry.
    #[error("token expired")]
    Expired,
}

/// Verifies a token of `kind` and returns its claims if it is authentic and unexpired at `now`.
pub fn verify(
    secret: &SecretKey,
    kind: TokenKind,
    token: &str,
    now: i64,
) -> Result<Claims, TokenError> {
    let (signed, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let (tag, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
    if tag != kind.tag() {
        return Err(TokenError::Malformed);
    }
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Malformed)?;
    let mut m = HmacSha256::new_from_slice(secret.expose()).map_err(|_| TokenError::Malformed)?;
    m.update(signed.as_bytes());
    // `verify_slice` compares in constant time.
    m.verify_slice(&sig).map_err(|_| TokenError::BadSignature)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

fn mac(secret: &SecretKey, data: &str) -> Vec<u8> {
    match HmacSha256::new_from_slice(secret.expose()) {
        Ok(mut m) => {
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of any length, so this cannot happen; an empty signature never verifies.
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretKey {
        SecretKey::new(vec![7; 32])
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let c = claims("role-abc", 1_000, 60, None);
        let t = sign(&secret(), TokenKind::Session, &c);
        assert_eq!(verify(&secret(), TokenKind::Session, &t, 1_059), Ok(c));
        assert_eq!(
            verify(&secret(), TokenKind::Session, &t, 1_060),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampering_other_secrets_and_other_kinds_are_refused() {
        let t = sign(
            &secret(),
            TokenKind::Stream,
            &claims("role-abc", 0, 60, Some("/x".into())),
        );
        assert_eq!(
            verify(&SecretKey::new(vec![8; 32]), TokenKind::Stream, &t, 1),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(&secret(), TokenKind::Session, &t, 1),
            Err(TokenError::Malformed)
        );
        let forged = t.replacen("t1.", "t1.e30", 1);
        assert!(verify(&secret(), TokenKind::Stream, &forged, 1).is_err());
        assert_eq!(
            verify(&secret(), TokenKind::Stream, "garbage", 1),
            Err(TokenError::Malformed)
        );
    }
}

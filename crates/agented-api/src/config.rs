//! What the HTTP layer needs to know, already parsed and validated by the binary.

use std::time::Duration;

use axum::http::HeaderValue;
use ipnet::IpNet;

/// The server's secret key: signs sessions and stream tokens (and, later, derives the vault key).
/// Prints as `[redacted]`.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// Wraps key material; at least 32 bytes are expected.
    pub fn new(bytes: Vec<u8>) -> SecretKey {
        SecretKey(bytes)
    }

    /// The key material.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Requests per minute allowed per client or key; 0 switches a limit off.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Per client IP on public endpoints (login, verify-key, webhooks).
    pub public_per_minute: u32,
    /// Per client IP on `POST /health/setup`.
    pub setup_per_minute: u32,
    /// Per client IP for failed authentication attempts.
    pub auth_failures_per_minute: u32,
    /// Per API key on authenticated routes.
    pub per_key_per_minute: u32,
    /// Concurrent long-lived streams per key.
    pub streams_per_key: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            public_per_minute: 600,
            setup_per_minute: 5,
            auth_failures_per_minute: 30,
            per_key_per_minute: 6000,
            streams_per_key: 64,
        }
    }
}

/// Configuration of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted, in bytes (default 10 MiB).
    pub body_limit: usize,
    /// Origins allowed by CORS; empty means same-origin only.
    pub cors_origins: Vec<HeaderValue>,
    /// Proxies whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Send HSTS and treat every request as HTTPS (cookies get `Secure`).
    pub force_https: bool,
    /// Allow `POST /health/setup` from non-loopback clients.
    pub allow_remote_setup: bool,
    /// Hex SHA-256 of `AGENTED_API_KEY`, which acts as an admin key for automation.
    pub env_api_key_hash: Option<String>,
    /// Signs sessions and stream tokens.
    pub secret_key: SecretKey,
    /// How long a browser session lasts.
    pub session_ttl: Duration,
    /// Rate limits.
    pub rate_limits: RateLimitConfig,
    /// How long in-flight requests may take to finish after shutdown starts.
    pub shutdown_grace: Duration,
}

impl ApiConfig {
    /// A configuration suitable for tests: defaults plus the given secret.
    pub fn for_tests(secret: &[u8]) -> ApiConfig {
        ApiConfig {
            body_limit: 10 * 1024 * 1024,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            force_https: false,
            allow_remote_setup: false,
            env_api_key_hash: None,
            secret_key: SecretKey::new(secret.to_vec()),
            session_ttl: Duration::from_secs(12 * 3600),
            rate_limits: RateLimitConfig::default(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

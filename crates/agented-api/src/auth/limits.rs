//! Rate limiters (the `governor` crate, GCRA): per client IP on public endpoints and on failed
//! authentication, per key on authenticated routes. State is in memory and bounded by periodic
//! pruning of idle entries; see [`Limiters::prune`].

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitConfig;

/// One keyed limiter, or none when its limit is 0.
pub struct Keyed<K: Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn per_minute(n: u32) -> Keyed<K> {
        Keyed(NonZeroU32::new(n).map(|n| RateLimiter::keyed(Quota::per_minute(n))))
    }

    /// Takes one request from `key`'s allowance; `Err(seconds)` says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        match &self.0 {
            None => Ok(()),
            Some(limiter) => limiter.check_key(key).map_err(|not_until| {
                not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1)
            }),
        }
    }

    fn prune(&self) {
        if let Some(l) = &self.0 {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// All limiters of the server.
pub struct Limiters {
    /// Public endpoints per IP.
    pub public: Keyed<IpAddr>,
    /// Setup per IP.
    pub setup: Keyed<IpAddr>,
    /// Failed authentication per IP.
    pub auth_failures: Keyed<IpAddr>,
    /// Authenticated requests per key id.
    pub per_key: Keyed<String>,
}

impl Limiters {
    /// Builds the limiters from configuration.
    pub fn new(config: &RateLimitConfig) -> Limiters {
        Limiters {
            public: Keyed::per_minute(config.public_per_minute),
            setup: Keyed::per_minute(config.setup_per_minute),
            auth_failures: Keyed::per_minute(config.auth_failures_per_minute),
            per_key: Keyed::per_minute(config.per_key_per_minute),
        }
    }

    /// Forgets clients whose allowance is full again, so memory does not grow with every address
    /// ever seen. Called periodically by the server.
    pub fn prune(&self) {
        self.public.prune();
        self.setup.prune();
        self.auth_failures.prune();
        self.per_key.prune();
    }
}

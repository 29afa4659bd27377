//! The state every handler and middleware receives: cheap to clone, built once, no globals.

use std::sync::Arc;
use std::time::Instant;

use agented_engine::Engine;
use agented_store::Store;

use crate::auth::limits::Limiters;
use crate::auth::policy::PolicyMap;
use crate::auth::usage::KeyUsage;
use crate::config::ApiConfig;
use crate::metrics::Metrics;

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The execution engine.
    pub engine: Engine,
    /// HTTP-layer configuration.
    pub config: Arc<ApiConfig>,
    /// Becomes true when the server starts shutting down; live streams end on it.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) stream_slots: Arc<crate::stream_slots::StreamSlots>,
    pub(crate) policy: Arc<PolicyMap>,
    pub(crate) limiters: Arc<Limiters>,
    pub(crate) key_usage: Arc<KeyUsage>,
    pub(crate) principals: Arc<crate::auth::cache::PrincipalCache>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) started_at: Instant,
    pub(crate) startup_warnings: Arc<Vec<String>>,
}

impl AppState {
    /// Builds the state from an opened, migrated store, the engine and the configuration.
    /// `shutdown` turns true when the server stops (live streams end then).
    pub fn new(
        store: Store,
        engine: Engine,
        config: ApiConfig,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> AppState {
        AppState {
            engine,
            shutdown,
            stream_slots: Arc::new(crate::stream_slots::StreamSlots::default()),
            limiters: Arc::new(Limiters::new(&config.rate_limits)),
            store,
            config: Arc::new(config),
            policy: Arc::new(PolicyMap::new()),
            key_usage: Arc::new(KeyUsage::default()),
            principals: Arc::new(crate::auth::cache::PrincipalCache::default()),
            metrics: Arc::new(Metrics::new()),
            started_at: Instant::now(),
            startup_warnings: Arc::new(Vec::new()),
        }
    }

    /// Forgets idle rate-limit entries; the server calls this every minute.
    pub fn prune_rate_limiters(&self) {
        self.limiters.prune();
    }

    /// Adds warnings found at start-up (for example a missing CLI), reported by readiness.
    pub fn with_startup_warnings(mut self, warnings: Vec<String>) -> AppState {
        self.startup_warnings = Arc::new(warnings);
        self
    }
}

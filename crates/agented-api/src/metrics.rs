//! Prometheus metrics: requests by route and status, latency histograms, database pool use.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

// Labels hold `&'static str` so counting a request allocates nothing: methods are a fixed set and
// routes are interned once each (the router has a bounded number of them).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: &'static str,
}

fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// The server's metrics registry.
pub struct Metrics {
    registry: Mutex<Registry>,
    routes: std::sync::RwLock<std::collections::HashMap<String, &'static str>>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s: API calls are sub-millisecond, webhooks and starts a little more.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.00025, 2.0, 16,
    ))
}

impl Metrics {
    /// An empty registry with Agented's metrics declared.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("agented");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Idle database connections",
            pool_idle.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            routes: Default::default(),
            requests,
            latency,
            pool_connections,
            pool_idle,
        }
    }

    /// Counts one finished request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        let route = self.intern(route);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { method, route })
            .observe(elapsed.as_secs_f64());
    }

    /// The `'static` copy of a route template. Only matched route templates (and the fixed
    /// "unmatched") reach this, so the leaked set is bounded by the router's size.
    fn intern(&self, route: &str) -> &'static str {
        if let Some(r) = self.routes.read().ok().and_then(|m| m.get(route).copied()) {
            return r;
        }
        let Ok(mut map) = self.routes.write() else {
            return "unknown";
        };
        match map.get(route) {
            Some(&interned) => interned,
            None => {
                let leaked: &'static str = Box::leak(route.to_owned().into_boxed_str());
                map.insert(route.to_owned(), leaked);
                leaked
            }
        }
    }

    /// Renders the text exposition format, after updating the pool gauges.
    pub fn render(&self, pool: (u32, usize)) -> String {
        self.pool_connections.set(i64::from(pool.0));
        self.pool_idle.set(pool.1 as i64);
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            if encode(&mut out, &registry).is_err() {
                out.clear();
            }
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

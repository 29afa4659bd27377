//! Who may call what: the one table of every route's access rule.
//!
//! The gate looks up `(method, matched route)` here on every request. A route that is missing
//! from this table is refused (fail closed), and a test checks that this table and the OpenAPI
//! document list exactly the same operations, so a new route cannot ship without a rule.

use std::collections::HashMap;

use agented_domain::Role;
use axum::http::Method;

/// Which per-IP rate limit a public route uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicLimit {
    /// Not limited (health probes, docs).
    None,
    /// The general public limit (login, verify-key, webhooks).
    General,
    /// The strict setup limit.
    Setup,
}

/// The access rule of one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No credentials needed; credentials, when sent and valid, are still recognized.
    Public(PublicLimit),
    /// A key with at least this role.
    Role(Role),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct RoutePolicy {
    /// HTTP method in upper case.
    pub method: &'static str,
    /// The route as registered, e.g. `/admin/rbac/roles/{id}`.
    pub path: &'static str,
    /// Its rule.
    pub access: Access,
}

const fn public(method: &'static str, path: &'static str, limit: PublicLimit) -> RoutePolicy {
    RoutePolicy {
        method,
        path,
        access: Access::Public(limit),
    }
}

const fn role(method: &'static str, path: &'static str, role: Role) -> RoutePolicy {
    RoutePolicy {
        method,
        path,
        access: Access::Role(role),
    }
}

use PublicLimit::{General, Setup};
use Role::{Admin, Operator, Viewer};

/// Every route of the API and who may call it.
pub const ROUTES: &[RoutePolicy] = &[
    // Health: probes are public; details need a key.
    public("GET", "/health/liveness", PublicLimit::None),
    public("GET", "/health/readiness", PublicLimit::None),
    public("GET", "/health/auth-status", General),
    public("POST", "/health/setup", Setup),
    public("POST", "/health/verify-key", General),
    role("GET", "/health/instance-id", Viewer),
    // Sessions.
    public("POST", "/auth/login", General),
    public("POST", "/auth/logout", General),
    role("GET", "/auth/me", Viewer),
    role("POST", "/auth/stream-token", Viewer),
    // Keys and roles.
    role("GET", "/admin/rbac/permissions", Viewer),
    role("GET", "/admin/rbac/roles", Admin),
    role("POST", "/admin/rbac/roles", Admin),
    role("GET", "/admin/rbac/roles/{id}", Admin),
    role("PUT", "/admin/rbac/roles/{id}", Admin),
    role("DELETE", "/admin/rbac/roles/{id}", Admin),
    // Runs.
    role("GET", "/admin/executions", Viewer),
    role("POST", "/admin/executions", Operator),
    role("GET", "/admin/executions/queue", Viewer),
    role("POST", "/admin/executions/bulk-cancel", Operator),
    role("GET", "/admin/executions/{id}", Viewer),
    role("DELETE", "/admin/executions/{id}", Operator),
    role("GET", "/admin/executions/{id}/stream", Viewer),
    role("POST", "/admin/executions/{id}/cancel", Operator),
    role("POST", "/admin/executions/{id}/pause", Operator),
    role("POST", "/admin/executions/{id}/resume", Operator),
    role("POST", "/admin/executions/{id}/replay", Operator),
    role("GET", "/admin/executions/{id}/comparison", Viewer),
    role("GET", "/admin/execution-search", Viewer),
    // Audit trail.
    role("GET", "/admin/audit", Admin),
    // Meta.
    role("GET", "/api/version", Viewer),
    role("GET", "/metrics", Viewer),
    public("GET", "/openapi.json", PublicLimit::None),
    public("GET", "/docs", PublicLimit::None),
    public("GET", "/docs/app.js", PublicLimit::None),
];

/// The table as a map for the gate.
#[derive(Debug, Clone)]
pub struct PolicyMap {
    by_route: HashMap<(Method, &'static str), Access>,
}

/// What the table says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The route and method have this rule.
    Rule(Access),
    /// The route exists but not with this method; the router answers 405.
    MethodNotListed,
    /// The route is unknown to the table (fail closed).
    Unlisted,
}

impl PolicyMap {
    /// Builds the map from [`ROUTES`].
    pub fn new() -> PolicyMap {
        let by_route = ROUTES
            .iter()
            .filter_map(|r| {
                Method::from_bytes(r.method.as_bytes())
                    .ok()
                    .map(|m| ((m, r.path), r.access))
            })
            .collect();
        PolicyMap { by_route }
    }

    /// The rule for `method` on the matched route `path`. `HEAD` uses the `GET` rule.
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        if let Some(access) = self.by_route.get(&(method.clone(), path)) {
            return Lookup::Rule(*access);
        }
        if self.by_route.keys().any(|(_, p)| *p == path) {
            Lookup::MethodNotListed
        } else {
            Lookup::Unlisted
        }
    }
}

impl Default for PolicyMap {
    fn default() -> Self {
        PolicyMap::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_rules_and_fail_closed() {
        let map = PolicyMap::new();
        assert_eq!(
            map.lookup(&Method::GET, "/admin/audit"),
            Lookup::Rule(Access::Role(Admin))
        );
        assert_eq!(
            map.lookup(&Method::HEAD, "/health/liveness"),
            Lookup::Rule(Access::Public(PublicLimit::None))
        );
        assert_eq!(
            map.lookup(&Method::PATCH, "/admin/audit"),
            Lookup::MethodNotListed
        );
        assert_eq!(map.lookup(&Method::GET, "/admin/unknown"), Lookup::Unlisted);
        assert_eq!(ROUTES.len(), map.by_route.len(), "duplicate rows in ROUTES");
    }
}

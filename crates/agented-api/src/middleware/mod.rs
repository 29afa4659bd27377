//! Middleware that every request passes: `observe` (request id, span, access log, metrics,
//! security headers, panics, unified error bodies) and `cors`.

pub mod cors;
pub mod observe;

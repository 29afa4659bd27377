//! The routes, one module per area; each returns its own `OpenApiRouter`, merged in `crate::router`.

pub mod audit;
pub mod auth;
pub mod executions;
pub mod health;
pub mod meta;
pub mod rbac;
pub mod stream;

use serde::Serialize;

/// `{"message": …}` — the original's acknowledgement body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageBody {
    /// What happened.
    pub message: String,
}

impl MessageBody {
    /// A message body.
    pub fn new(message: impl Into<String>) -> axum::Json<MessageBody> {
        axum::Json(MessageBody {
            message: message.into(),
        })
    }
}

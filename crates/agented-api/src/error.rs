//! The one error type at the HTTP edge and the unified error body every failure is answered with:
//! `{"code", "message", "error", "details", "request_id"}` (`error` repeats `message`).

use agented_domain::ErrorKind;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The request id of the current request, placed in request and response extensions by the
/// observe middleware so that error bodies can carry it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// An error answered to the client. Client mistakes keep their message; internal failures are
/// logged (in the request's span) and answered with "internal error" only.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code such as `NOT_FOUND`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// Structured details, e.g. the offending fields of a 422.
    pub details: Option<serde_json::Value>,
    /// Seconds the client should wait (429).
    pub retry_after: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `VALIDATION_ERROR`.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// The same as `message`, kept for clients of the original.
    pub error: String,
    /// Structured details (for 422: `{"fields": {"name": "…"}}`).
    pub details: Option<serde_json::Value>,
    /// The request id, also in the `X-Request-ID` header.
    pub request_id: Option<String>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// 400 for malformed input.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 422 naming the offending fields: `details = {"fields": {field: problem}}`.
    pub fn validation<I, K, V>(message: impl Into<String>, fields: I) -> ApiError
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let fields: serde_json::Map<String, serde_json::Value> = fields
            .into_iter()
            .map(|(k, v)| (k.into(), serde_json::Value::String(v.into())))
            .collect();
        ApiError {
            details: Some(serde_json::json!({ "fields": fields })),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                message,
            )
        }
    }

    /// 404 for an unknown id or route.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests; slow down",
            )
        }
    }

    /// 500; the cause must already have been logged.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "internal error",
        )
    }

    /// Maps a classified failure from a lower crate. Internal details are logged, not returned.
    pub fn from_kind(kind: ErrorKind, message: String) -> ApiError {
        match kind {
            ErrorKind::BadRequest => ApiError::bad_request(message),
            ErrorKind::Invalid => {
                ApiError::validation(message, std::iter::empty::<(String, String)>())
            }
            ErrorKind::NotFound => ApiError::not_found(message),
            ErrorKind::Conflict => ApiError::new(StatusCode::CONFLICT, "CONFLICT", message),
            ErrorKind::Unauthorized => ApiError::unauthorized(message),
            ErrorKind::Forbidden => ApiError::forbidden(message),
            ErrorKind::Unavailable => {
                tracing::error!(error = %message, "dependency unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SERVICE_UNAVAILABLE",
                    "service unavailable; try again",
                )
            }
            ErrorKind::Internal => {
                tracing::error!(error = %message, "internal error");
                ApiError::internal()
            }
        }
    }

    /// The code the unified body uses for a bare status (for errors produced outside handlers).
    pub fn code_for(status: StatusCode) -> &'static str {
        match status {
            StatusCode::BAD_REQUEST => "BAD_REQUEST",
            StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
            StatusCode::FORBIDDEN => "FORBIDDEN",
            StatusCode::NOT_FOUND => "NOT_FOUND",
            StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
            StatusCode::CONFLICT => "CONFLICT",
            StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
            StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_ERROR",
            StatusCode::TOO_MANY_REQUESTS => "RATE_LIMITED",
            StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
            StatusCode::REQUEST_TIMEOUT => "REQUEST_TIMEOUT",
            _ if status.is_server_error() => "INTERNAL_SERVER_ERROR",
            _ => "ERROR",
        }
    }
}

impl From<agented_store::StoreError> for ApiError {
    fn from(err: agented_store::StoreError) -> ApiError {
        let kind = err.kind();
        let message = match kind {
            ErrorKind::NotFound | ErrorKind::Conflict => {
                let mut m = err.to_string();
                if let Some(first) = m.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                m
            }
            _ => err.to_string(),
        };
        ApiError::from_kind(kind, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The body is written by the observe middleware, which knows the request id; the error
        // travels to it as a response extension. See `middleware::observe`.
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message.clone(),
            error: self.message,
            details: self.details,
            request_id: None,
        };
        let mut response = self.status.into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        response
            .extensions_mut()
            .insert(PendingErrorBody(std::sync::Arc::new(body)));
        response
    }
}

/// An error body waiting for its request id; turned into JSON by the observe middleware.
#[derive(Debug, Clone)]
pub struct PendingErrorBody(pub std::sync::Arc<ErrorBody>);

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

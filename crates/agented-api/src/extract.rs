//! Our own extractors, so that malformed input is answered in the unified error body: `ApiJson`
//! (400 malformed JSON or a non-object where an object is expected, 413 too large, 415 wrong
//! content type, 422 a schema violation naming the field) and `ApiQuery` (422 naming the field).
//! Both go through [`parse_json`]-style mapping, so every route reports bad input the same way.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::ApiError;
use agented_domain::PageRequest;

/// A JSON body, rejected in our error format.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Expected Content-Type: application/json",
            ));
        }
        // `Bytes` enforces the body limit (DefaultBodyLimit) and answers 413 past it.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    "Request body too large",
                ),
                _ => ApiError::bad_request(e.body_text()),
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The field path serde names at the start of a data error (`role: unknown variant …`), or `body`.
fn field_from_serde_message(text: &str) -> String {
    let rest = text;
    match rest.split_once(": ") {
        Some((path, _)) if !path.contains(' ') && path != "." => path.to_owned(),
        _ => {
            // "missing field `label` at line 1 column 2"
            if let Some(start) = rest.find("field `") {
                let tail = &rest[start + 7..];
                if let Some(end) = tail.find('`') {
                    return tail[..end].to_owned();
                }
            }
            "body".to_owned()
        }
    }
}

/// Parses a JSON body that was read as bytes, with the same error mapping as [`ApiJson`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body of this API is an object. Refuse anything else up front: serde would otherwise
    // accept a JSON array for a struct (as a tuple) and report a confusing field error.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => {
            return Err(ApiError::bad_request(
                "The request body is empty; expected a JSON object",
            ))
        }
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() => {
            return Err(ApiError::bad_request(
                "Malformed JSON: the body is not valid JSON",
            ));
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "The request body must be a JSON object",
            ))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de);
    match value {
        Ok(v) => Ok(v),
        Err(e) if e.inner().is_syntax() || e.inner().is_eof() => Err(ApiError::bad_request(
            format!("Malformed JSON: {}", e.inner()),
        )),
        Err(e) => {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            if path == "." && message.starts_with("invalid type: ") {
                return Err(ApiError::bad_request(format!(
                    "The request body must be a JSON object ({message})"
                )));
            }
            let field = if path == "." {
                field_from_serde_message(&message)
            } else {
                path
            };
            Err(ApiError::validation(
                format!("Invalid request body: {message}"),
                [(field, message)],
            ))
        }
    }
}

/// Query parameters, rejected in our error format.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let detail = text
                    .rsplit_once("Query string: ")
                    .map(|(_, r)| r)
                    .unwrap_or(&text)
                    .to_owned();
                let field = field_from_serde_message(&detail);
                Err(ApiError::validation(
                    format!("Invalid query string: {detail}"),
                    [(field, detail)],
                ))
            }
            Err(other) => Err(ApiError::bad_request(other.body_text())),
        }
    }
}

/// `?limit=&offset=` as every list takes them.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Items to skip (default 0).
    pub offset: Option<u64>,
}

impl Pagination {
    /// Validates into a [`PageRequest`] or a 422 naming `limit`.
    pub fn page(self) -> Result<PageRequest, ApiError> {
        PageRequest::new(self.limit, self.offset)
            .map_err(|e| ApiError::validation(e.to_string(), [("limit", e.to_string())]))
    }
}

/// An optional RFC 3339 query parameter, normalised to our stored form (UTC, milliseconds) so
/// comparisons with stored timestamps are correct; an empty value means "not given", anything else
/// unparseable is a 422 naming `field`.
pub fn time_param(field: &'static str, value: Option<String>) -> Result<Option<String>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            agented_domain::time::parse_rfc3339(&v)
                .map(agented_domain::time::to_rfc3339)
                .ok_or_else(|| {
                    ApiError::validation("Invalid time", [(field, "an RFC 3339 timestamp")])
                })
        })
        .transpose()
}

//! Cross-cutting layers for the Axum app: request ids, structured request logs, a CORS policy
//! that names its origins, and the error body every failure answers
//! (`{"error": {"code", "message", "details"}}`).
//!
//! Wire it with `let app = middleware::apply(app);` after the router is built.
//! Dependencies: tower-http (features: cors, trace, request-id), tracing, serde_json.

use axum::{
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde_json::json;
use tower_http::{
    cors::CorsLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids, request logs and CORS around every route of `app`.
pub fn apply<S: Clone + Send + Sync + 'static>(app: Router<S>) -> Router<S> {
    app.layer(cors())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Origins come from `CORS_ORIGINS` (comma separated); nothing is allowed when it is unset.
pub fn cors() -> CorsLayer {
    let origins: Vec<HeaderValue> = std::env::var("CORS_ORIGINS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

/// The error every handler returns: it answers the error body with its status.
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: serde_json::Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: json!([]) }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let details: Vec<serde_json::Value> = errors
            .field_errors()
            .iter()
            .map(|(field, errs)| json!({"field": field, "message": errs.first().map(|e| e.code.to_string()).unwrap_or_default()}))
            .collect();
        Self { details: json!(details), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR", "invalid request") }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        (self.status, Json(body)).into_response()
    }
}

//! Cross-cutting middleware for the Actix app: request ids, structured request logs, a CORS
//! policy that names its origins, and JSON errors in the house format
//! (`{"error": {"code", "message", "details"}}`) for bad JSON bodies and query strings.
//!
//! Wire it on the app: `.wrap(middleware::request_log())`,
//! `.wrap(actix_web::middleware::from_fn(middleware::request_id))`, `.wrap(middleware::cors())`,
//! `.app_data(middleware::json_config()).app_data(middleware::query_config())`.
//! Dependencies: actix-web (4.9 or later, for `middleware::from_fn`), actix-cors, uuid (v4), serde_json.

use actix_cors::Cors;
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    error::{InternalError, JsonPayloadError, QueryPayloadError},
    http::header::{HeaderName, HeaderValue},
    middleware::{Logger, Next},
    web, HttpRequest, HttpResponse,
};
use serde_json::json;

/// A request log line per request, with its request id.
pub fn request_log() -> Logger {
    Logger::new(r#"%a "%r" %s %b %Dms request_id=%{x-request-id}i"#)
}

/// Gives every request an id (`x-request-id`, kept when the client sent one) and echoes it on
/// the response. Wire with `.wrap(actix_web::middleware::from_fn(middleware::request_id))`.
pub async fn request_id(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    req.headers_mut().insert(HeaderName::from_static("x-request-id"), value.clone());
    let mut res = next.call(req).await?;
    res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    Ok(res)
}

/// Origins come from `CORS_ORIGINS` (comma separated); nothing is allowed when it is unset.
pub fn cors() -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(vec!["authorization", "content-type"])
        .max_age(3600);
    for origin in std::env::var("CORS_ORIGINS").unwrap_or_default().split(',') {
        if !origin.trim().is_empty() {
            cors = cors.allowed_origin(origin.trim());
        }
    }
    cors
}

fn error_body(code: &str, message: String) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(json!({"error": {"code": code, "message": message, "details": []}}))
}

/// A malformed JSON body answers 422 `VALIDATION_ERROR` in the house format.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|err: JsonPayloadError, _req: &HttpRequest| {
        let message = err.to_string();
        InternalError::from_response(err, error_body("VALIDATION_ERROR", message)).into()
    })
}

/// A malformed query string answers 422 `VALIDATION_ERROR` in the house format.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req: &HttpRequest| {
        let message = err.to_string();
        InternalError::from_response(err, error_body("VALIDATION_ERROR", message)).into()
    })
}

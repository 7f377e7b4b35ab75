//! {{table}} endpoints: list (page, limit, sort, order), get, create, replace, update, delete.
//! Answers `{"data", "meta", "links"}` on success and `{"error": {"code", "message", "details"}}`
//! on failure; bodies are validated with the `validator` crate. Mount with
//! `Router::new().nest("{{base}}", {{entity}}_routes()).with_state(store)`.
//!
//! Dependencies: axum, serde (derive), serde_json, validator (derive), async-trait.

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::Validate;

/// The validated body of POST and PUT {{base}}.
#[derive(Debug, Deserialize, Serialize, Validate)]
pub struct {{Entity}}Body {
{{body_fields}}
}

/// What these handlers need from the {{table}} repository.
#[async_trait::async_trait]
pub trait {{Entity}}Store: Send + Sync {
    async fn find_by_id(&self, id: i64) -> anyhow::Result<Option<serde_json::Value>>;
    async fn find_all(&self, page: u32, limit: u32, sort: &str, desc: bool) -> anyhow::Result<(Vec<serde_json::Value>, i64)>;
    async fn create(&self, body: &{{Entity}}Body) -> anyhow::Result<serde_json::Value>;
    async fn update(&self, id: i64, body: &{{Entity}}Body) -> anyhow::Result<Option<serde_json::Value>>;
    async fn delete(&self, id: i64) -> anyhow::Result<bool>;
}

pub type {{Entity}}State = Arc<dyn {{Entity}}Store>;

const SORTABLE: &[&str] = &[{{sortable}}];

#[derive(Debug, Deserialize)]
pub struct ListParams {
    page: Option<u32>,
    limit: Option<u32>,
    sort: Option<String>,
    order: Option<String>,
}

/// The error body every failure answers.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: serde_json::Value,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: json!([]) }
    }

    fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "{{entity}} not found")
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        tracing::error!(error = %err, "{{table}} store failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "internal error")
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let details: Vec<serde_json::Value> = errors
            .field_errors()
            .iter()
            .map(|(field, errs)| json!({"field": field, "message": errs.first().map(|e| e.code.to_string()).unwrap_or_default()}))
            .collect();
        Self { details: json!(details), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR", "invalid request body") }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        (self.status, Json(body)).into_response()
    }
}

pub fn {{entity}}_routes() -> Router<{{Entity}}State> {
    Router::new()
        .route("/", get(list_{{entity}}).post(create_{{entity}}))
        .route("/:id", get(get_{{entity}}).put(replace_{{entity}}).patch(replace_{{entity}}).delete(delete_{{entity}}))
}

async fn list_{{entity}}(State(store): State<{{Entity}}State>, Query(params): Query<ListParams>) -> Result<Json<serde_json::Value>, ApiError> {
    let page = params.page.unwrap_or(1).max(1);
    let limit = params.limit.unwrap_or(20).clamp(1, 100);
    let sort = params.sort.unwrap_or_else(|| "id".to_string());
    if !SORTABLE.contains(&sort.as_str()) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("cannot sort by {sort}")));
    }
    let desc = params.order.as_deref() == Some("desc");
    let (rows, total) = store.find_all(page, limit, &sort, desc).await?;
    let last = ((total as u32) + limit - 1) / limit;
    Ok(Json(json!({
        "data": rows,
        "meta": {"page": page, "limit": limit, "total": total},
        "links": {
            "self": format!("{{base}}?page={page}&limit={limit}"),
            "next": if page < last { Some(format!("{{base}}?page={}&limit={limit}", page + 1)) } else { None },
            "prev": if page > 1 { Some(format!("{{base}}?page={}&limit={limit}", page - 1)) } else { None },
        },
    })))
}

async fn get_{{entity}}(State(store): State<{{Entity}}State>, Path(id): Path<i64>) -> Result<Json<serde_json::Value>, ApiError> {
    let row = store.find_by_id(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({"data": row})))
}

async fn create_{{entity}}(State(store): State<{{Entity}}State>, Json(body): Json<{{Entity}}Body>) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    body.validate()?;
    let row = store.create(&body).await?;
    Ok((StatusCode::CREATED, Json(json!({"data": row}))))
}

async fn replace_{{entity}}(State(store): State<{{Entity}}State>, Path(id): Path<i64>, Json(body): Json<{{Entity}}Body>) -> Result<Json<serde_json::Value>, ApiError> {
    body.validate()?;
    let row = store.update(id, &body).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({"data": row})))
}

async fn delete_{{entity}}(State(store): State<{{Entity}}State>, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    if store.delete(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

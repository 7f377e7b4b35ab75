//! {{table}} endpoints: list (page, limit, sort, order), get, create, replace, update, delete.
//! Answers `{"data", "meta", "links"}` on success and `{"error": {"code", "message", "details"}}`
//! on failure; bodies are validated with the `validator` crate. Mount with
//! `App::new().app_data(web::Data::new(store)).configure({{entity}}_routes)`.
//!
//! Dependencies: actix-web, serde (derive), serde_json, validator (derive), async-trait, anyhow.

use std::sync::Arc;

use actix_web::{http::StatusCode, web, HttpResponse, ResponseError};
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

pub type {{Entity}}State = web::Data<Arc<dyn {{Entity}}Store>>;

const SORTABLE: &[&str] = &[{{sortable}}];

#[derive(Debug, Deserialize)]
pub struct ListParams {
    page: Option<u32>,
    limit: Option<u32>,
    sort: Option<String>,
    order: Option<String>,
}

/// The error body every failure answers.
#[derive(Debug)]
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

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .json(json!({"error": {"code": self.code, "message": self.message, "details": self.details}}))
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

pub fn {{entity}}_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("{{base}}")
            .route("", web::get().to(list_{{entity}}))
            .route("", web::post().to(create_{{entity}}))
            .route("/{id}", web::get().to(get_{{entity}}))
            .route("/{id}", web::put().to(replace_{{entity}}))
            .route("/{id}", web::patch().to(replace_{{entity}}))
            .route("/{id}", web::delete().to(delete_{{entity}})),
    );
}

async fn list_{{entity}}(store: {{Entity}}State, params: web::Query<ListParams>) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = params.page.unwrap_or(1).max(1);
    let limit = params.limit.unwrap_or(20).clamp(1, 100);
    let sort = params.sort.unwrap_or_else(|| "id".to_string());
    if !SORTABLE.contains(&sort.as_str()) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("cannot sort by {sort}")));
    }
    let desc = params.order.as_deref() == Some("desc");
    let (rows, total) = store.find_all(page, limit, &sort, desc).await?;
    let last = ((total as u32) + limit - 1) / limit;
    Ok(HttpResponse::Ok().json(json!({
        "data": rows,
        "meta": {"page": page, "limit": limit, "total": total},
        "links": {
            "self": format!("{{base}}?page={page}&limit={limit}"),
            "next": if page < last { Some(format!("{{base}}?page={}&limit={limit}", page + 1)) } else { None },
            "prev": if page > 1 { Some(format!("{{base}}?page={}&limit={limit}", page - 1)) } else { None },
        },
    })))
}

async fn get_{{entity}}(store: {{Entity}}State, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let row = store.find_by_id(id.into_inner()).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(json!({"data": row})))
}

async fn create_{{entity}}(store: {{Entity}}State, body: web::Json<{{Entity}}Body>) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let row = store.create(&body).await?;
    Ok(HttpResponse::Created().json(json!({"data": row})))
}

async fn replace_{{entity}}(store: {{Entity}}State, id: web::Path<i64>, body: web::Json<{{Entity}}Body>) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let row = store.update(id.into_inner(), &body).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(json!({"data": row})))
}

async fn delete_{{entity}}(store: {{Entity}}State, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    if store.delete(id.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found())
    }
}

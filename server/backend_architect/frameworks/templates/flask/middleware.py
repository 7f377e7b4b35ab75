"""Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("app")
ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the current request."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            request_id = "-"
        entry = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(), "request_id": request_id}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


# include: _shared/db_errors.py


def allowed_origins() -> set[str]:
    """CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed."""
    return {o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip() and o.strip() != "*"}


def install_middleware(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    origins = allowed_origins()

    @app.before_request
    def request_context():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        origin = request.headers.get("Origin")
        if origin and origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Request-ID"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            response.headers["Vary"] = "Origin"
        ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)
        log.info("request", extra={"fields": {"method": request.method, "path": request.path, "status": response.status_code, "ms": ms}})
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = ERROR_CODES.get(exc.code or 500, "HTTP_ERROR")
        return jsonify(error_body(code, exc.description or exc.name)), exc.code

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        mapped = constraint_error(exc, request.method)
        if mapped is not None:
            status, code, message, details = mapped
            return jsonify(error_body(code, message, details)), status
        log.exception("unhandled error")
        return jsonify(error_body("INTERNAL", "an unexpected error occurred")), 500

"""Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.

Listed first in settings.MIDDLEWARE, so it sees every request and every response.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse

ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}

logger = logging.getLogger("http")
if not logger.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


# include: _shared/db_errors.py


def allowed_origins() -> list[str]:
    """CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed."""
    return [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip() and o.strip() != "*"]


def error_response(status: int, code: str, message: str, details: list | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details or []}}, status=status)


def log(level: int, message: str, **fields) -> None:
    logger.log(level, json.dumps({"level": logging.getLevelName(level).lower(), "message": message, **fields}, default=str))


class RequestContextMiddleware:
    """Request id (X-Request-ID taken or generated), one JSON log line per request, CORS, and
    every error answered as {"error": {"code", "message", "details"}}."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.origins = set(allowed_origins())

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = request_id
        started = time.perf_counter()
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            # Django's own 404/405/500 pages, and views answering with a bare status
            status = response.status_code
            reason = "an unexpected error occurred" if status >= 500 else response.reason_phrase
            response = error_response(status, ERROR_CODES.get(status, "INTERNAL" if status >= 500 else "BAD_REQUEST"), reason)
        response["X-Request-ID"] = request_id
        origin = request.headers.get("Origin")
        if origin and origin in self.origins:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Request-ID"
            response["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            response["Vary"] = "Origin"
        log(logging.INFO, "request", request_id=request_id, method=request.method, path=request.path,
            status=response.status_code, ms=round((time.perf_counter() - started) * 1000, 2))
        return response

    def process_exception(self, request, exc):
        """Exceptions raised by views, in the error format."""
        if isinstance(exc, Http404):
            return error_response(404, "NOT_FOUND", str(exc) or "not found")
        if isinstance(exc, PermissionDenied):
            return error_response(403, "FORBIDDEN", str(exc) or "forbidden")
        if isinstance(exc, ValidationError):
            if hasattr(exc, "error_dict"):
                details = [{"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs]
            else:
                details = [{"field": "", "message": m} for m in exc.messages]
            return error_response(422, "VALIDATION_ERROR", "the request is not valid", details)
        mapped = constraint_error(exc, request.method)
        if mapped is not None:
            return error_response(*mapped)
        log(logging.ERROR, "unhandled error", request_id=getattr(request, "request_id", None), error=repr(exc))
        return error_response(500, "INTERNAL", "an unexpected error occurred")

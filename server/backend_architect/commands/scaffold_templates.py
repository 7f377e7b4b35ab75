"""The code MIDDLEWARE and AUTH_SYSTEM write, per framework (plain templates)."""

FASTAPI_MIDDLEWARE = '''"""Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("app")

ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the current request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(), "request_id": request_id_var.get()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def allowed_origins() -> list[str]:
    """CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed."""
    origins = [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()]
    return [o for o in origins if o != "*"]


def install_middleware(app: FastAPI) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        log.addHandler(handler)
    log.setLevel(logging.INFO)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins(),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = request_id
        request_id_var.set(request_id)
        log.info("request", extra={"fields": {"method": request.method, "path": request.url.path, "status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1)}})
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = ERROR_CODES.get(exc.status_code, "HTTP_ERROR")
        return JSONResponse(status_code=exc.status_code, content=error_body(code, str(exc.detail)), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "message": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(status_code=422, content=error_body("VALIDATION_ERROR", "the request is not valid", details))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        log.exception("unhandled error")
        return JSONResponse(status_code=500, content=error_body("INTERNAL", "an unexpected error occurred"))
'''

FLASK_MIDDLEWARE = '''"""Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS."""

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
        log.exception("unhandled error")
        return jsonify(error_body("INTERNAL", "an unexpected error occurred")), 500
'''

EXPRESS_MIDDLEWARE_TS = """// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };

// CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
const ALLOWED_ORIGINS = new Set((process.env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o && o !== "*"));

export function log(level: string, message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + "\\n");
}

export function requestContext(req: Request, res: Response, next: NextFunction) {
  const requestId = req.header("X-Request-ID") ?? randomUUID();
  res.locals.requestId = requestId;
  res.setHeader("X-Request-ID", requestId);
  const origin = req.header("Origin");
  if (origin && ALLOWED_ORIGINS.has(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID");
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.setHeader("Vary", "Origin");
  }
  if (req.method === "OPTIONS") {
    res.status(204).end();
    return;
  }
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log("info", "request", { request_id: requestId, method: req.method, path: req.path, status: res.statusCode, ms });
  });
  next();
}

export function notFound(req: Request, res: Response) {
  res.status(404).json({ error: { code: "NOT_FOUND", message: `no route for ${req.method} ${req.path}`, details: [] } });
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function errorHandler(err: unknown, req: Request, res: Response, next: NextFunction) {
  const status = typeof (err as { status?: unknown }).status === "number" ? (err as { status: number }).status : 500;
  if (status >= 500) {
    log("error", "unhandled error", { request_id: res.locals.requestId, error: String(err) });
  }
  const message = status >= 500 ? "an unexpected error occurred" : String((err as Error).message ?? err);
  res.status(status).json({ error: { code: ERROR_CODES[status] ?? "INTERNAL", message, details: [] } });
}
"""

GIN_MIDDLEWARE = """// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
package {package}

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// allowedOrigins comes from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
func allowedOrigins() map[string]bool {
	out := map[string]bool{}
	for _, o := range strings.Split(os.Getenv("CORS_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o != "" && o != "*" {
			out[o] = true
		}
	}
	return out
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// InstallMiddleware adds request ids, JSON logs, CORS and the error format to r.
func InstallMiddleware(r *gin.Engine) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	origins := allowedOrigins()
	r.Use(func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if id == "" {
			id = newRequestID()
		}
		c.Set("request_id", id)
		c.Header("X-Request-ID", id)
		if origin := c.GetHeader("Origin"); origins[origin] {
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Allow-Credentials", "true")
			c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
			c.Header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			c.Header("Vary", "Origin")
		}
		if c.Request.Method == http.MethodOptions {
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		started := time.Now()
		c.Next()
		logger.Info("request", "request_id", id, "method", c.Request.Method, "path", c.FullPath(), "status", c.Writer.Status(), "ms", time.Since(started).Milliseconds())
	})
	r.Use(gin.CustomRecovery(func(c *gin.Context, recovered any) {
		logger.Error("unhandled error", "request_id", c.GetString("request_id"), "error", recovered)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "INTERNAL", "message": "an unexpected error occurred", "details": []gin.H{}}})
	}))
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "NOT_FOUND", "message": "no route for " + c.Request.Method + " " + c.Request.URL.Path, "details": []gin.H{}}})
	})
}
"""

PY_AUTH = '''"""JWT access and refresh tokens (PyJWT). Secrets come from the environment."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import jwt

ALGORITHM = "HS256"
ACCESS_TTL = int(os.environ.get("JWT_ACCESS_TTL_SECONDS", "900"))
REFRESH_TTL = int(os.environ.get("JWT_REFRESH_TTL_SECONDS", str(14 * 24 * 3600)))


class AuthError(Exception):
    """A missing, expired or invalid token."""


def _secret(name: str) -> str:
    value = os.environ.get(name)
    if not value or len(value) < 32:
        raise RuntimeError(f"{name} must be set to a random secret of at least 32 characters")
    return value


def issue_tokens(sub: str, email: str, roles: list[str]) -> dict[str, Any]:
    """A short-lived access token (sub, email, roles, iat, exp) and a refresh token."""
    now = int(time.time())
    access = jwt.encode({"sub": str(sub), "email": email, "roles": list(roles), "iat": now, "exp": now + ACCESS_TTL, "type": "access"}, _secret("JWT_SECRET"), algorithm=ALGORITHM)
    refresh = jwt.encode({"sub": str(sub), "iat": now, "exp": now + REFRESH_TTL, "type": "refresh", "jti": uuid.uuid4().hex}, _secret("JWT_REFRESH_SECRET"), algorithm=ALGORITHM)
    return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": ACCESS_TTL}


def verify_access(token: str) -> dict[str, Any]:
    """The access token's claims; AuthError when it is not valid."""
    try:
        claims = jwt.decode(token, _secret("JWT_SECRET"), algorithms=[ALGORITHM], options={"require": ["sub", "iat", "exp"]})
    except jwt.PyJWTError as exc:
        raise AuthError(str(exc)) from exc
    if claims.get("type") != "access":
        raise AuthError("not an access token")
    return claims


def refresh_access(refresh_token: str, load_user) -> dict[str, Any]:
    """New tokens from a refresh token; ``load_user(sub)`` returns (email, roles) or None for a revoked user."""
    try:
        claims = jwt.decode(refresh_token, _secret("JWT_REFRESH_SECRET"), algorithms=[ALGORITHM], options={"require": ["sub", "iat", "exp"]})
    except jwt.PyJWTError as exc:
        raise AuthError(str(exc)) from exc
    if claims.get("type") != "refresh":
        raise AuthError("not a refresh token")
    user = load_user(claims["sub"])
    if user is None:
        raise AuthError("unknown user")
    email, roles = user
    return issue_tokens(claims["sub"], email, roles)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("missing bearer token")
    return authorization[7:].strip()
'''

FASTAPI_AUTH_DEPS = '''

# -- FastAPI dependencies -------------------------------------------------------

from fastapi import Depends, Header, HTTPException  # noqa: E402


def current_user(authorization: str | None = Header(default=None)) -> dict[str, Any]:
    """The caller's claims from the Authorization header; 401 otherwise."""
    try:
        return verify_access(bearer_token(authorization))
    except AuthError as exc:
        raise HTTPException(status_code=401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


def require_roles(*roles: str):
    """A dependency that lets through callers holding one of ``roles``; 403 otherwise."""

    def check(user: dict[str, Any] = Depends(current_user)) -> dict[str, Any]:
        if not set(roles) & set(user.get("roles", [])):
            raise HTTPException(status_code=403, detail="missing role")
        return user

    return check
'''

FLASK_AUTH_DEPS = '''

# -- Flask decorators -------------------------------------------------------------

from functools import wraps  # noqa: E402

from flask import g, jsonify, request  # noqa: E402


def login_required(*roles: str):
    """Require a valid access token (and one of ``roles`` when given); the claims land in g.user."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                g.user = verify_access(bearer_token(request.headers.get("Authorization")))
            except AuthError as exc:
                return jsonify({"error": {"code": "UNAUTHORIZED", "message": str(exc), "details": []}}), 401
            if roles and not set(roles) & set(g.user.get("roles", [])):
                return jsonify({"error": {"code": "FORBIDDEN", "message": "missing role", "details": []}}), 403
            return view(*args, **kwargs)

        return wrapped

    return decorate
'''

EXPRESS_AUTH_TS = """// JWT access and refresh tokens (jsonwebtoken). Secrets come from the environment.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import jwt from "jsonwebtoken";

const ALGORITHM = "HS256";
const ACCESS_TTL = Number(process.env.JWT_ACCESS_TTL_SECONDS ?? 900);
const REFRESH_TTL = Number(process.env.JWT_REFRESH_TTL_SECONDS ?? 14 * 24 * 3600);

export interface AccessClaims {
  sub: string;
  email: string;
  roles: string[];
  iat: number;
  exp: number;
  type: "access";
}

function secret(name: string): string {
  const value = process.env[name];
  if (!value || value.length < 32) {
    throw new Error(`${name} must be set to a random secret of at least 32 characters`);
  }
  return value;
}

export function issueTokens(sub: string, email: string, roles: string[]) {
  const accessToken = jwt.sign({ email, roles, type: "access" }, secret("JWT_SECRET"), { algorithm: ALGORITHM, subject: sub, expiresIn: ACCESS_TTL });
  const refreshToken = jwt.sign({ type: "refresh" }, secret("JWT_REFRESH_SECRET"), { algorithm: ALGORITHM, subject: sub, expiresIn: REFRESH_TTL, jwtid: randomUUID() });
  return { access_token: accessToken, refresh_token: refreshToken, token_type: "Bearer", expires_in: ACCESS_TTL };
}

export function verifyAccess(token: string): AccessClaims {
  const claims = jwt.verify(token, secret("JWT_SECRET"), { algorithms: [ALGORITHM] }) as AccessClaims;
  if (claims.type !== "access" || !claims.sub || !claims.exp) {
    throw new Error("not an access token");
  }
  return claims;
}

export async function refreshAccess(refreshToken: string, loadUser: (sub: string) => Promise<{ email: string; roles: string[] } | null>) {
  const claims = jwt.verify(refreshToken, secret("JWT_REFRESH_SECRET"), { algorithms: [ALGORITHM] }) as jwt.JwtPayload;
  if (claims.type !== "refresh" || typeof claims.sub !== "string") {
    throw new Error("not a refresh token");
  }
  const user = await loadUser(claims.sub);
  if (user === null) {
    throw new Error("unknown user");
  }
  return issueTokens(claims.sub, user.email, user.roles);
}

// requireAuth checks the Authorization header; with roles, the caller needs one of them.
export function requireAuth(...roles: string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.header("Authorization") ?? "";
    if (!header.toLowerCase().startsWith("bearer ")) {
      return res.status(401).json({ error: { code: "UNAUTHORIZED", message: "missing bearer token", details: [] } });
    }
    try {
      const claims = verifyAccess(header.slice(7).trim());
      if (roles.length > 0 && !roles.some((r) => claims.roles.includes(r))) {
        return res.status(403).json({ error: { code: "FORBIDDEN", message: "missing role", details: [] } });
      }
      res.locals.user = claims;
      return next();
    } catch (err) {
      return res.status(401).json({ error: { code: "UNAUTHORIZED", message: String((err as Error).message), details: [] } });
    }
  };
}
"""

GIN_AUTH = """// JWT access and refresh tokens (golang-jwt). Secrets come from the environment.
package {package}

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

const (
	accessTTL  = 15 * time.Minute
	refreshTTL = 14 * 24 * time.Hour
)

// AccessClaims is the payload of an access token: sub, email, roles, iat, exp.
type AccessClaims struct {
	Email string   `json:"email"`
	Roles []string `json:"roles"`
	Type  string   `json:"type"`
	jwt.RegisteredClaims
}

func secret(name string) ([]byte, error) {
	v := os.Getenv(name)
	if len(v) < 32 {
		return nil, fmt.Errorf("%s must be set to a random secret of at least 32 characters", name)
	}
	return []byte(v), nil
}

// IssueTokens returns a short-lived access token and a refresh token.
func IssueTokens(sub, email string, roles []string) (access, refresh string, err error) {
	now := time.Now()
	accessKey, err := secret("JWT_SECRET")
	if err != nil {
		return "", "", err
	}
	refreshKey, err := secret("JWT_REFRESH_SECRET")
	if err != nil {
		return "", "", err
	}
	access, err = jwt.NewWithClaims(jwt.SigningMethodHS256, AccessClaims{
		Email: email, Roles: roles, Type: "access",
		RegisteredClaims: jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(accessTTL))},
	}).SignedString(accessKey)
	if err != nil {
		return "", "", err
	}
	refresh, err = jwt.NewWithClaims(jwt.SigningMethodHS256, AccessClaims{
		Type:             "refresh",
		RegisteredClaims: jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(refreshTTL))},
	}).SignedString(refreshKey)
	return access, refresh, err
}

func parse(token, secretName, kind string) (*AccessClaims, error) {
	key, err := secret(secretName)
	if err != nil {
		return nil, err
	}
	claims := &AccessClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return nil, err
	}
	if claims.Type != kind {
		return nil, errors.New("wrong token type")
	}
	return claims, nil
}

// VerifyAccess checks an access token and returns its claims.
func VerifyAccess(token string) (*AccessClaims, error) { return parse(token, "JWT_SECRET", "access") }

// VerifyRefresh checks a refresh token and returns its claims.
func VerifyRefresh(token string) (*AccessClaims, error) {
	return parse(token, "JWT_REFRESH_SECRET", "refresh")
}

// AuthRequired rejects requests without a valid access token (and without one of roles, when given).
func AuthRequired(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		if !strings.HasPrefix(strings.ToLower(header), "bearer ") {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": gin.H{"code": "UNAUTHORIZED", "message": "missing bearer token", "details": []gin.H{}}})
			return
		}
		claims, err := VerifyAccess(strings.TrimSpace(header[7:]))
		if err != nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": gin.H{"code": "UNAUTHORIZED", "message": err.Error(), "details": []gin.H{}}})
			return
		}
		if len(roles) > 0 && !slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(claims.Roles, r) }) {
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": gin.H{"code": "FORBIDDEN", "message": "missing role", "details": []gin.H{}}})
			return
		}
		c.Set("user", claims)
		c.Next()
	}
}
"""

FASTIFY_MIDDLEWARE_TS = """// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";

const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };

// CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
const ALLOWED_ORIGINS = new Set((process.env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o && o !== "*"));

const REQUEST_IDS = new WeakMap<FastifyRequest, string>();

export function log(level: string, message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + "\\n");
}

export function requestIdOf(request: FastifyRequest): string | undefined {
  return REQUEST_IDS.get(request);
}

// installMiddleware adds request ids, JSON logs, CORS and the error format to the root app.
export function installMiddleware(app: FastifyInstance) {
  app.addHook("onRequest", async (request, reply) => {
    const header = request.headers["x-request-id"];
    const requestId = typeof header === "string" && header !== "" ? header : randomUUID();
    REQUEST_IDS.set(request, requestId);
    reply.header("X-Request-ID", requestId);
    const origin = request.headers.origin;
    if (origin && ALLOWED_ORIGINS.has(origin)) {
      reply.header("Access-Control-Allow-Origin", origin);
      reply.header("Access-Control-Allow-Credentials", "true");
      reply.header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID");
      reply.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
      reply.header("Vary", "Origin");
    }
    if (request.method === "OPTIONS") {
      return reply.code(204).send();
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    log("info", "request", { request_id: REQUEST_IDS.get(request), method: request.method, path: request.routeOptions.url ?? request.url, status: reply.statusCode, ms: reply.elapsedTime });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: "NOT_FOUND", message: `no route for ${request.method} ${request.url}`, details: [] } });
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const details = err.validation.map((v) => ({
        field: String(v.params?.missingProperty ?? v.params?.additionalProperty ?? v.instancePath.replace(/^\\//, "")),
        message: v.message ?? "is not valid",
      }));
      return reply.code(422).send({ error: { code: "VALIDATION_ERROR", message: "the request is not valid", details } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      log("error", "unhandled error", { request_id: REQUEST_IDS.get(request), error: String(err) });
    }
    const message = status >= 500 ? "an unexpected error occurred" : err.message;
    return reply.code(status).send({ error: { code: ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST"), message, details: [] } });
  });
}
"""

ECHO_MIDDLEWARE = """// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
package {package}

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

var errorCodes = map[int]string{400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}

// allowedOrigins comes from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
func allowedOrigins() map[string]bool {
	out := map[string]bool{}
	for _, o := range strings.Split(os.Getenv("CORS_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o != "" && o != "*" {
			out[o] = true
		}
	}
	return out
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// InstallMiddleware adds request ids, JSON logs, CORS and the error format to e.
func InstallMiddleware(e *echo.Echo) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	origins := allowedOrigins()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, message := http.StatusInternalServerError, "an unexpected error occurred"
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code < 500 {
			status, message = he.Code, fmt.Sprint(he.Message)
		}
		if status >= 500 {
			logger.Error("unhandled error", "request_id", c.Get("request_id"), "error", err.Error())
		}
		code, ok := errorCodes[status]
		if !ok {
			code = "INTERNAL"
		}
		_ = c.JSON(status, echo.Map{"error": echo.Map{"code": code, "message": message, "details": []echo.Map{}}})
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req, res := c.Request(), c.Response()
			id := req.Header.Get(echo.HeaderXRequestID)
			if id == "" {
				id = newRequestID()
			}
			c.Set("request_id", id)
			res.Header().Set(echo.HeaderXRequestID, id)
			if origin := req.Header.Get("Origin"); origins[origin] {
				res.Header().Set("Access-Control-Allow-Origin", origin)
				res.Header().Set("Access-Control-Allow-Credentials", "true")
				res.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
				res.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				res.Header().Add("Vary", "Origin")
			}
			if req.Method == http.MethodOptions {
				return c.NoContent(http.StatusNoContent)
			}
			started := time.Now()
			if err := next(c); err != nil {
				c.Error(err) // answer now, so the log line has the final status
			}
			logger.Info("request", "request_id", id, "method", req.Method, "path", c.Path(), "status", res.Status, "ms", time.Since(started).Milliseconds())
			return nil
		}
	})
	e.Use(middleware.Recover()) // a panic becomes an error, answered by the handler above as INTERNAL
}
"""

NESTJS_MIDDLEWARE_TS = """// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter, type INestApplication } from "@nestjs/common";
import type { NextFunction, Request, Response } from "express";

const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };

// CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
const ALLOWED_ORIGINS = new Set((process.env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o && o !== "*"));

export function log(level: string, message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + "\\n");
}

export function requestContext(req: Request, res: Response, next: NextFunction) {
  const requestId = req.header("X-Request-ID") ?? randomUUID();
  res.locals.requestId = requestId;
  res.setHeader("X-Request-ID", requestId);
  const origin = req.header("Origin");
  if (origin && ALLOWED_ORIGINS.has(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID");
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.setHeader("Vary", "Origin");
  }
  if (req.method === "OPTIONS") {
    res.status(204).end();
    return;
  }
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log("info", "request", { request_id: requestId, method: req.method, path: req.path, status: res.statusCode, ms });
  });
  next();
}

// ErrorFormatFilter answers every exception in the {error: {code, message, details}} format.
@Catch()
export class ErrorFormatFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    if (!(exception instanceof HttpException)) {
      log("error", "unhandled error", { request_id: res.locals.requestId, error: String(exception) });
      res.status(500).json({ error: { code: "INTERNAL", message: "an unexpected error occurred", details: [] } });
      return;
    }
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === "object" && body !== null && "error" in body && typeof (body as { error: unknown }).error === "object") {
      res.status(status).json(body); // already in the error format
      return;
    }
    // the default ValidationPipe sends a list of messages such as "email must be a string"
    const raw = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : body;
    const details = Array.isArray(raw) ? raw.map((m) => ({ field: String(m).split(" ")[0], message: String(m) })) : [];
    const code = details.length > 0 ? "VALIDATION_ERROR" : ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST");
    if (status >= 500) {
      log("error", "unhandled error", { request_id: res.locals.requestId, error: String(exception) });
    }
    const message = status >= 500 ? "an unexpected error occurred" : details.length > 0 ? "the request is not valid" : String(raw ?? exception.message);
    res.status(status).json({ error: { code, message, details } });
  }
}

// installMiddleware adds request ids, JSON logs, CORS and the error format to the app (Express platform).
export function installMiddleware(app: INestApplication) {
  app.use(requestContext);
  app.useGlobalFilters(new ErrorFormatFilter());
}
"""

DJANGO_MIDDLEWARE = '''"""Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.

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
        log(logging.ERROR, "unhandled error", request_id=getattr(request, "request_id", None), error=repr(exc))
        return error_response(500, "INTERNAL", "an unexpected error occurred")
'''

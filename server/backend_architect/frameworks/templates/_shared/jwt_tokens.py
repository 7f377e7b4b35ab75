"""JWT access and refresh tokens (PyJWT). Secrets come from the environment."""

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

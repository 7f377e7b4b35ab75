

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



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

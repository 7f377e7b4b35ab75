

# -- Django view decorators ---------------------------------------------------------

from functools import wraps  # noqa: E402

from django.http import JsonResponse  # noqa: E402


def login_required(*roles: str):
    """Require a valid access token (and one of ``roles`` when given); the claims land in request.jwt_claims."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                request.jwt_claims = verify_access(bearer_token(request.headers.get("Authorization")))
            except AuthError as exc:
                response = JsonResponse({"error": {"code": "UNAUTHORIZED", "message": str(exc), "details": []}}, status=401)
                response["WWW-Authenticate"] = "Bearer"
                return response
            if roles and not set(roles) & set(request.jwt_claims.get("roles", [])):
                return JsonResponse({"error": {"code": "FORBIDDEN", "message": "missing role", "details": []}}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.urls import path


def get_user(request, id):
    if id != 1:
        raise Http404(f"user {id} not found")
    return JsonResponse({"data": {"id": 1}})


def create_user(request):
    raise ValidationError({"email": ["is required"]})


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("users/<int:id>", get_user),
    path("users", create_user),
    path("crash", crash),
]

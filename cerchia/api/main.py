"""The JSON API at /api/v1/: each app's router, token auth and one error shape."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from cerchia.accounts.api import router as accounts_router
from cerchia.accounts.services import AccountError
from cerchia.api.auth import REQUIRED
from cerchia.dues.api import router as dues_router
from cerchia.dues.services import DuesError
from cerchia.groups.api import router as groups_router
from cerchia.groups.api_retention import router as retention_router
from cerchia.groups.services import GroupError
from cerchia.notices.api import router as notices_router

api = NinjaAPI(
    title="Cerchia API",
    version="1",
    description="Business networking: profiles, professions, groups of six kinds, memberships.",
    auth=REQUIRED,
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Not found")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Forbidden")}, status=403)


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = getattr(exc, "message", "") or "Unauthorized"
    if message == "Unauthorized":
        message = _("Authentication required: send 'Authorization: Bearer <token>'")
    return api.create_response(request, {"detail": message}, status=401)


@api.exception_handler(AccountError)
@api.exception_handler(GroupError)
@api.exception_handler(DuesError)
def domain_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


api.add_router("/", accounts_router)
api.add_router("/groups", groups_router)
api.add_router("/groups", retention_router)
api.add_router("/", dues_router)
api.add_router("/", notices_router)

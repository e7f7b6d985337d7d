"""API authentication: bearer tokens for programs, the session for the browser docs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from cerchia.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            # A wrong token is an error, never a silent fall-back to anonymous.
            raise AuthenticationError(401, _("Invalid or revoked API token"))
        request.user = user
        return user


def anonymous(request: HttpRequest) -> Any:
    """Lets public reads through when no credentials were sent at all."""
    if request.headers.get("Authorization"):
        raise AuthenticationError(401, _("Unsupported Authorization header; use 'Bearer <token>'"))
    return AnonymousUser()


bearer = BearerToken()
# Writes: a token, or the signed-in session (with its CSRF check).
REQUIRED = [bearer, django_auth]
# Reads of public data: the same, or nobody.
OPTIONAL = [bearer, django_auth, anonymous]

"""Typed requests: what the middleware and the API auth attach."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from cerchia.accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    """A page request behind ``login_required``."""

    user: User


class ApiRequest(HttpRequest):
    """An API request; ``auth`` is the authenticated user (or AnonymousUser on public reads)."""

    auth: Any

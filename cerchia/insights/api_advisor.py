"""Insights API: the advisor. ``POST /advisor`` scores a business profile for anyone (no
account needed: it is for people before they sign up); ``/me/business-profile`` reads and
writes one's own saved profile, the prior of one's report advice."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.insights.advisor import (
    AdvisorError,
    Profile,
    fit,
    parse_profile,
    profile_as_dict,
    saved_profile,
)
from cerchia.insights.services import save_business_profile
from cerchia.lib.http import ApiRequest

router = Router(tags=["advisor"])


class ProfileSchema(Schema):
    """A business profile: exactly these keys, each of this type."""

    clientele: Literal["local", "regional", "national", "international"]
    budget_per_year_minor: int
    currency: str
    hours_per_week: float
    weekly_meetings_ok: bool
    online_comfort: int
    deal_size: Literal["small", "medium", "large"]
    b2b: bool
    competitors_for_overflow: bool
    career_goals: bool
    privacy_sensitivity: int


class FitOut(Schema):
    group_kind: str
    fit: int
    reasons: list[str]


class Detail(Schema):
    detail: str


# The body is read by hand so that every mistake is a 400 naming the key (a schema would
# coerce "3" to 3 and answer 422); the schema still documents it.
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ProfileSchema.model_json_schema()}},
    }
}


def _profile_from_body(request: ApiRequest) -> Profile:
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        raise AdvisorError(_("The body is not valid JSON.")) from None
    return parse_profile(data)


@router.post(
    "/advisor",
    response={200: list[FitOut], 400: Detail},
    auth=None,
    openapi_extra=_BODY,
    summary="The fit 0–100 of each kind of networking for a business profile, with reasons "
    "(no account needed)",
)
def advise(request: ApiRequest) -> Any:
    try:
        profile = _profile_from_body(request)
    except AdvisorError as exc:
        return Status(400, {"detail": str(exc)})
    return fit(profile)


@router.get(
    "/me/business-profile",
    response={200: ProfileSchema, 404: Detail},
    summary="My saved business profile",
)
def my_profile(request: ApiRequest) -> Any:
    profile = saved_profile(request.auth)
    if profile is None:
        return Status(404, {"detail": _("You have not saved a business profile yet.")})
    return profile_as_dict(profile)


@router.put(
    "/me/business-profile",
    response={200: ProfileSchema, 400: Detail},
    openapi_extra=_BODY,
    summary="Save my business profile (all keys; it replaces the saved one)",
)
def put_profile(request: ApiRequest) -> Any:
    try:
        profile = _profile_from_body(request)
    except AdvisorError as exc:
        return Status(400, {"detail": str(exc)})
    save_business_profile(request.auth, profile)
    return profile_as_dict(profile)

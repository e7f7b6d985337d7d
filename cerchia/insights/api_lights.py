"""Insights API: traffic lights (a member's own, a manager's every member), the rule table,
credits, and the organisation view. Scores are numbers (points of the table, 100 at most
for the published presets); colours are green, amber, red, grey, or null for a member with
no countable weeks yet."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.groups.access import access_group
from cerchia.insights.lights import (
    MemberLight,
    access_credit,
    access_credits,
    access_lights,
    access_organisation,
    chapter_lights,
    credits_of,
    organisation_lights,
    organisation_window,
    sort_members,
)
from cerchia.insights.scoring import (
    PRESETS,
    Resolved,
    rules_for_group,
)
from cerchia.insights.services import set_scoring_rules
from cerchia.ledger import services as ledger_services
from cerchia.ledger.models import Credit
from cerchia.lib.http import ApiRequest

router = Router(tags=["insights"])


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


class MeasuresOut(Schema):
    countable_weeks: float
    absences: int
    substitutes: int
    late: int
    attended: int
    referrals: int
    visitors: int
    closed_business_minor: int
    testimonials: int
    education: int
    one_to_ones: int


def _measures(member: MemberLight, trend: bool = False) -> dict[str, Any]:
    m = member.trend if trend else member.measures
    c = m.counts
    return {
        "countable_weeks": round(m.weeks, 4),
        "absences": c.absent,
        "substitutes": c.substituted,
        "late": c.late,
        "attended": c.attended,
        "referrals": c.referrals,
        "visitors": c.visitors,
        "closed_business_minor": c.closed_minor,
        "testimonials": c.testimonials,
        "education": c.education,
        "one_to_ones": c.one_to_ones,
    }


class ActionOut(Schema):
    factor: str
    amount: int
    text: str


class PathOut(Schema):
    colour: str
    cutoff: float
    by: datetime.date
    reachable: bool
    score_without_actions: float
    score_with_actions: float
    actions: list[ActionOut]
    conditions: list[str]


class MemberOut(Schema):
    user_id: int
    name: str
    score: float | None
    colour: str | None
    points: dict[str, float]
    trend_score: float | None
    trend_colour: str | None
    trend_points: dict[str, float]
    measures: MeasuresOut
    trend_measures: MeasuresOut
    path: PathOut | None


def _member(member: MemberLight) -> dict[str, Any]:
    return {
        "user_id": member.user_id,
        "name": member.name,
        "score": _rounded(member.score),
        "colour": member.colour,
        "points": {k: round(v, 2) for k, v in member.points.items()},
        "trend_score": _rounded(member.trend_score),
        "trend_colour": member.trend_colour,
        "trend_points": {k: round(v, 2) for k, v in member.trend_points.items()},
        "measures": _measures(member),
        "trend_measures": _measures(member, trend=True),
        "path": member.path.as_dict() if member.path is not None else None,
    }


class LightsOut(Schema):
    date: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    trend_start: datetime.date
    preset: str
    source: str
    table: dict[str, Any]
    counts: dict[str, int] | None  # managers only
    members: list[MemberOut]


@router.get(
    "/groups/{group_id}/traffic-lights",
    response=LightsOut,
    summary="Traffic lights: my own as a member; every active member's as a manager",
)
def get_lights(request: ApiRequest, group_id: int, date: datetime.date | None = None) -> Any:
    rights = access_lights(request.auth, group_id)
    group = rights.group
    resolved = rules_for_group(group)
    if resolved is None:
        raise Http404(_("This group has no traffic lights: its administrators choose the rules."))
    today = date or timezone.localdate()
    only = None if rights.manager else request.auth.pk
    lights = chapter_lights(group, today, resolved=resolved, only_user=only)
    assert lights is not None
    return {
        "date": today,
        "window_start": lights.window.start,
        "window_end": lights.window.end,
        "trend_start": lights.trend_window.start,
        "preset": resolved.preset,
        "source": resolved.source,
        "table": resolved.table.as_dict(),
        "counts": lights.colour_counts if rights.manager else None,
        "members": [_member(m) for m in sort_members(lights.members, "colour")],
    }


class RulesOut(Schema):
    preset: str | None
    overrides: dict[str, Any]
    source: str | None  # group, organisation, default; null: no traffic lights
    table: dict[str, Any] | None
    words: list[str]
    presets: list[str]


class RulesIn(Schema):
    preset: str
    overrides: dict[str, Any] = {}


def _rules(resolved: Resolved | None, currency: str) -> dict[str, Any]:
    return {
        "preset": resolved.preset if resolved else None,
        "overrides": resolved.overrides if resolved else {},
        "source": resolved.source if resolved else None,
        "table": resolved.table.as_dict() if resolved else None,
        "words": resolved.table.describe(currency) if resolved else [],
        "presets": list(PRESETS),
    }


@router.get(
    "/groups/{group_id}/traffic-lights/rules",
    response=RulesOut,
    summary="The group's traffic-light table: preset, overrides and where they come from",
)
def get_rules(request: ApiRequest, group_id: int) -> Any:
    group = access_lights(request.auth, group_id).group
    return _rules(rules_for_group(group), group.currency)


@router.put(
    "/groups/{group_id}/traffic-lights/rules",
    response=RulesOut,
    summary="Choose the group's table (managers): a preset and overrides, validated",
)
def put_rules(request: ApiRequest, group_id: int, payload: RulesIn) -> Any:
    group = access_group(request.auth, group_id, write=True)
    set_scoring_rules(group, actor=request.auth, preset=payload.preset, overrides=payload.overrides)
    return _rules(rules_for_group(group), group.currency)


class ChapterOut(Schema):
    group_id: int
    name: str
    slug: str
    preset: str | None
    size: int
    colours: dict[str, int]
    average_score: float | None
    growth: int
    members_6_months_ago: int
    retention: float | None
    members_12_months_ago: int
    retained: int
    referrals: int
    referrals_per_member_per_week: float | None


class OrganisationOut(Schema):
    date: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    chapters: list[ChapterOut]


@router.get(
    "/groups/{group_id}/organisation",
    response=OrganisationOut,
    summary="Every chapter's lights, size, growth, retention, referrals/member/week (managers)",
)
def get_organisation(request: ApiRequest, group_id: int, date: datetime.date | None = None) -> Any:
    group = access_organisation(request.auth, group_id)
    today = date or timezone.localdate()
    window = organisation_window(today)
    return {
        "date": today,
        "window_start": window.start,
        "window_end": window.end,
        "chapters": [row.as_dict() for row in organisation_lights(group, today)],
    }


class CreditOut(Schema):
    id: int
    group: int
    kind: str
    title: str
    earned_on: datetime.date

    @staticmethod
    def resolve_group(obj: Credit) -> int:
        return obj.group_id


class CreditIn(Schema):
    kind: str  # education or testimonial
    title: str
    earned_on: datetime.date | None = None  # default: today


@router.get(
    "/groups/{group_id}/credits",
    response=list[CreditOut],
    summary="My education units and testimonials in the group, newest first",
)
def list_credits(request: ApiRequest, group_id: int) -> Any:
    group = access_credits(request.auth, group_id)
    return list(credits_of(request.auth, group))


@router.post(
    "/groups/{group_id}/credits",
    response={201: CreditOut},
    summary="Log an education unit or a testimonial (active members)",
)
def create_credit(request: ApiRequest, group_id: int, payload: CreditIn) -> Status[Credit]:
    group = access_credits(request.auth, group_id)
    credit = ledger_services.record_credit(
        request.auth, group, kind=payload.kind, title=payload.title, earned_on=payload.earned_on
    )
    return Status(201, credit)


@router.delete(
    "/credits/{credit_id}",
    response={204: None},
    summary="Remove one of my credits (anyone else's: 404)",
)
def delete_credit(request: ApiRequest, credit_id: int) -> Status[None]:
    credit = access_credit(request.auth, credit_id)
    ledger_services.delete_credit(credit, actor=request.auth)
    return Status(204, None)

"""Insights API: a group's health for its leaders and its events funnel (leaders: every event;
active members: their own rows). Mounted at /api/v1/."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from cerchia.insights import funnel
from cerchia.insights.api_report import DateFilters
from cerchia.insights.health import access_health, chapter_health
from cerchia.ledger.selectors_ledger import check_range, parse_day
from cerchia.lib.http import ApiRequest

router = Router(tags=["insights"])


class MemberOut(Schema):
    user: int
    name: str
    profession: str  # "" when unknown or hidden from the group's members
    sphere: str


class ReceiverOut(MemberOut):
    referrals: int


class BalanceOut(MemberOut):
    """A member's referrals in the window; confidential slips are counted too."""

    given: int
    received: int
    receivers: int  # distinct people given to
    named_receivers: list[ReceiverOut]  # active members given to (gives_to_few only)
    to_others: int  # non-confidential referrals to former members or people outside
    confidential: int  # of those given: whom they went to is never shown
    text: str


class SphereOut(Schema):
    code: str
    name: str
    members: int
    member_names: list[str]
    state: str  # missing, thin or ok
    open_seats: list[str]  # professions nobody holds (thin and missing spheres)


class StaleOut(Schema):
    active_members: int
    joined_recently: int
    left_recently: int
    turnover: float | None  # (joined + left) / (active + left), over thresholds.turnover_days
    median_tenure_days: int | None
    median_tenure_years: float | None
    stale: bool
    reasons: list[str]


class TeamOut(Schema):
    members: list[MemberOut]
    sphere: str
    points: int
    referrals: int
    reasons: list[str]
    missing: list[str]  # open seats in the team's sphere
    missing_text: str


class HealthOut(Schema):
    group: int
    today: datetime.date
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    thresholds: dict[str, int]
    active_members: int
    referrals: int
    confidential_referrals: int
    takes_more_than_gives: list[BalanceOut]
    gives_never_receives: list[BalanceOut]
    gives_rarely_receives: list[BalanceOut]
    gives_to_few: list[BalanceOut]
    spheres: list[SphereOut]
    stale_mix: StaleOut
    power_teams: list[TeamOut]


@router.get(
    "/groups/{group_id}/health",
    response=HealthOut,
    by_alias=True,
    summary="Chapter health over the last 182 days: referral imbalance, contact spheres, "
    "stale mix, power-team suggestions (the group's leaders)",
)
def health(request: ApiRequest, group_id: int) -> dict[str, Any]:
    group = access_health(request.auth, group_id)
    return chapter_health(group, timezone.localdate()).as_dict()


class AmountOut(Schema):
    currency: str
    amount_minor: int


class FunnelTotalsOut(Schema):
    """Null where the step does not apply (an attendee's own rows have no registrations)
    or its denominator is zero."""

    registered: int | None
    checked_in: int | None
    connections: int
    followed_up: int
    check_in_rate: float | None  # checked in / registered
    connections_per_attendee: float | None  # connections / checked in
    follow_up_rate: float | None  # followed up / connections
    cost: list[AmountOut]  # investments linked to the events, per currency
    hours: str
    cost_per_connection: list[AmountOut] | None  # per currency, rounded minor units
    hours_per_connection: str | None


class EventOut(FunnelTotalsOut):
    meeting: int
    title: str
    kind: str
    starts_at: datetime.datetime


class FunnelOut(Schema):
    group: int
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    manager: bool
    events: list[EventOut]  # every event (leaders only; empty for members)
    totals: FunnelTotalsOut | None  # null for members
    mine: list[EventOut]  # the events the caller attended, with their own numbers
    my_totals: FunnelTotalsOut


@router.get(
    "/groups/{group_id}/event-funnel",
    response=FunnelOut,
    by_alias=True,
    summary="Events funnel: registered → checked in → connections → followed up, and cost "
    "per connection; from and to (YYYY-MM-DD, default the last 365 days)",
)
def event_funnel(request: ApiRequest, group_id: int, filters: Query[DateFilters]) -> dict[str, Any]:
    rights = funnel.access_funnel(request.auth, group_id)
    start, end = funnel.default_period(timezone.localdate())
    start = parse_day(filters.date_from, _("from")) or start
    end = parse_day(filters.date_to, _("to")) or end
    check_range(start, end)
    events = funnel.event_funnel(rights.group, start, end) if rights.manager else []
    mine = funnel.my_events(rights.group, request.auth, start, end)
    return dict(funnel.as_dict(rights, start, end, events, mine))

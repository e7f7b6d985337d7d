"""Insights API: the member report — the same JSON as ``cerchia report``, always the caller's
own (no parameter names another person)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from cerchia.insights.report import member_report
from cerchia.ledger.selectors_ledger import check_range, parse_day
from cerchia.lib.http import ApiRequest

router = Router(tags=["insights"])


class Metrics(Schema):
    """Over the period; ratios rounded to 4 decimals and null when their denominator is 0."""

    currency: str
    referrals_received: int
    referrals_given: int
    referrals_won: int
    conversion: float | None  # won / received
    closed_business_received_minor: int
    closed_business_given_minor: int
    money_minor: int
    hours: float
    roi: float | None  # (closed received - money) / money
    revenue_per_hour_minor: int | None  # closed received / hours, rounded
    reciprocity: float | None  # given / received
    connections: int
    follow_ups_done: int
    follow_up_rate: float | None  # follow-ups done / connections


class GroupMetrics(Metrics):
    group_slug: str
    group_name: str
    group_kind: str


class KindMetrics(Metrics):
    group_kind: str


class TrendMonth(Schema):
    month: str  # YYYY-MM
    currency: str
    referrals_received: int
    referrals_given: int
    closed_business_received_minor: int
    money_minor: int
    hours: float


class City(Schema):
    city: str  # "unknown": the giver's city is missing or hidden from you
    referrals_received: int
    share: float | None


class KindReach(Schema):
    group_kind: str
    referrals_received: int
    local: int
    local_share: float | None


class Geography(Schema):
    referrals_received: int
    city: str | None  # your own city
    local_share: float | None
    cities: list[City]
    by_kind: list[KindReach]


class ReportOut(Schema):
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")
    by_group: list[GroupMetrics]
    by_kind: list[KindMetrics]
    advice: list[dict[str, Any]]
    trend: list[TrendMonth]
    geography: Geography


class DateFilters(Schema):
    # Text, not dates: a bad date is a 400 with a sentence, like every other domain error.
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")


@router.get(
    "/report",
    response=ReportOut,
    by_alias=True,
    summary="My report: where my business comes from, per group and kind, from and to "
    "(YYYY-MM-DD, inclusive, both optional)",
)
def report(
    request: ApiRequest, filters: Query[DateFilters], response: HttpResponse
) -> HttpResponse:
    start = parse_day(filters.date_from, _("from"))
    end = parse_day(filters.date_to, _("to"))
    check_range(start, end)
    # The report is built to ReportOut's shape already (the tests hold it to the schema):
    # written straight into the response ninja prepared (its content type, its encoder),
    # skipping a second validation of every nested object on each request.
    body = member_report(request.auth, start, end, today=timezone.localdate())
    response.content = json.dumps(body, cls=NinjaJSONEncoder)
    return response

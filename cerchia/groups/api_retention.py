"""The retention report as JSON, for a group's administrators (mounted under /groups)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cerchia.groups.access import access_retention
from cerchia.groups.retention import DEFAULT_MONTHS, PERIODS, months_param, retention_report
from cerchia.lib.http import ApiRequest

router = Router(tags=["groups"])


class MonthOut(Schema):
    month: str
    new: int
    resigned: int
    terminated: int
    lapsed: int
    members_at_end: int
    renewals_due: int
    renewed: int
    renewal_rate: float | None


class TotalsOut(Schema):
    new: int
    resigned: int
    terminated: int
    lapsed: int
    renewals_due: int
    renewed: int
    renewal_rate: float | None


class RetentionRateOut(Schema):
    members_at_start: int
    retained: int
    members_now: int
    retention_rate: float | None


class CountOut(Schema):
    kind: str
    key: str
    label: str
    count: int


class RetentionOut(Schema):
    group: int
    groups_included: list[int]
    months: int
    first_day: datetime.date
    last_day: datetime.date
    monthly: list[MonthOut]
    totals: TotalsOut
    retention: RetentionRateOut
    reasons: list[CountOut]
    company_size: list[CountOut]
    places: list[CountOut]


@router.get(
    "/{group_id}/retention",
    response=RetentionOut,
    summary="Retention: joined, lost, lapsed, renewed per month; reasons; member mix "
    "(administrators)",
)
def retention(request: ApiRequest, group_id: int, months: int = DEFAULT_MONTHS) -> dict[str, Any]:
    group = access_retention(request.auth, group_id)
    if months_param(months) is None:
        raise ValidationError(
            _("months must be one of: %(periods)s")
            % {"periods": ", ".join(str(p) for p in PERIODS)}
        )
    return retention_report(group, months=months).as_dict()

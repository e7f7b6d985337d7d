"""A chamber that charges dues, with its own cast: a treasurer, a membership committee member,
a paid-up member; and small helpers to freeze time and walk the daily job day by day."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.daily import run_daily
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import create_group
from cerchia.notices.models import Notice

ROME = ZoneInfo("Europe/Rome")
# The paid-up date of ``chamber.membership`` (the member's yearly rolling term).
EXPIRES = datetime.date(2026, 6, 30)


@contextlib.contextmanager
def on(day: datetime.date, hour: int = 12) -> Iterator[None]:
    """Freeze the clock on ``day`` (local time), so ``timezone.localdate()`` is ``day``."""
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=ROME)
    with time_machine.travel(moment, tick=False):
        yield


def days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def run_days(first: datetime.date, last: datetime.date) -> list[dict[str, Any]]:
    """Run the daily job on each day from ``first`` to ``last``, as the worker would."""
    summaries = []
    for day in days(first, last):
        with on(day):
            summaries.append(run_daily(day))
    return summaries


def paid_member(
    group: Group,
    user: User,
    tier: Tier | None,
    expires_on: datetime.date | None,
    *,
    role: str = "member",
    auto_renew: bool = True,
) -> Membership:
    """An active member whose dues are paid up to ``expires_on`` (stored standing: active)."""
    membership = add_member(group, user, role=role)
    membership.tier = tier
    membership.expires_on = expires_on
    membership.auto_renew = auto_renew
    membership.save()
    return membership


def notices(user: User, kind: str) -> list[Notice]:
    return list(Notice.objects.filter(user=user, kind=kind).order_by("pk"))


def dues_audit(action: str = "dues.") -> Any:
    if action.endswith("."):
        return AuditEntry.objects.filter(action__startswith=action)
    return AuditEntry.objects.filter(action=action)


def snapshot() -> dict[str, int]:
    """How many of each thing the dues engine writes: equal snapshots mean nothing changed."""
    return {
        "invoices": Invoice.objects.count(),
        "live_invoices": Invoice.objects.exclude(status="void").count(),
        "payments": Payment.objects.count(),
        "notices": Notice.objects.count(),
        "audit": AuditEntry.objects.count(),
        "tiers": Tier.objects.count(),
    }


@dataclass
class Chamber:
    group: Group  # an open chamber of commerce run by ``owner``; grace and renewal: 30 days
    yearly: Tier  # 240.00 EUR a year, 50.00 EUR to join, rolling
    monthly: Tier  # 25.00 EUR a month, nothing to join, calendar months
    owner: User  # the chamber's administrator
    treasurer: User  # secretary-treasurer
    committee: User  # membership committee: reviews applicants, handles no money
    member: User  # paid up to EXPIRES on the yearly tier, renews automatically
    membership: Membership
    outsider: User


@pytest.fixture
def chamber(cast: Cast) -> Chamber:
    group = create_group(
        cast.owner, name="Bologna Chamber", kind="chamber", join_policy="open", currency="EUR"
    )
    yearly = Tier.objects.create(
        group=group,
        name="Standard",
        dues_minor=24000,
        period="year",
        joining_fee_minor=5000,
        term="rolling",
        position=1,
    )
    monthly = Tier.objects.create(
        group=group, name="Monthly", dues_minor=2500, period="month", term="fixed", position=2
    )
    treasurer = make_user("treasurer@example.org", "Tina Treasurer")
    committee = make_user("committee@example.org", "Carl Committee")
    paid_member(group, treasurer, None, None, role="secretary_treasurer")
    paid_member(group, committee, None, None, role="membership_committee")
    membership = paid_member(group, cast.member, yearly, EXPIRES)
    return Chamber(
        group=group,
        yearly=yearly,
        monthly=monthly,
        owner=cast.owner,
        treasurer=treasurer,
        committee=committee,
        member=cast.member,
        membership=membership,
        outsider=cast.outsider,
    )

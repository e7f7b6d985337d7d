"""Small helpers for the registration tests: meetings a few days ahead, paid-up or lapsed
members, and the registrations of a meeting by status."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.conftest import add_member, make_user
from cerchia.dues.models import Tier
from cerchia.groups.models import Group, Membership
from cerchia.meetings.models import Meeting, Registration

PRICES = {"price_member_minor": 1000, "price_non_member_minor": 2500, "price_visitor_minor": 1500}


def make_meeting(
    group: Group,
    *,
    capacity: int | None = None,
    starts_in: datetime.timedelta = datetime.timedelta(days=7),
    hours: int = 2,
    **fields: Any,
) -> Meeting:
    start = timezone.now() + starts_in
    values: dict[str, Any] = {"kind": "workshop", "title": "Growth workshop", **PRICES, **fields}
    return Meeting.objects.create(
        group=group,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        capacity=capacity,
        **values,
    )


def members(group: Group, count: int, prefix: str = "m") -> list[User]:
    """``count`` active members of ``group`` without dues (so in good standing)."""
    people = [
        make_user(f"{prefix}{i}@example.org", f"{prefix.title()} {i:03d}") for i in range(count)
    ]
    for person in people:
        add_member(group, person)
    return people


def lapse(group: Group, user: User) -> Membership:
    """Make ``user``'s membership lapsed: a tier whose dues ran out long before the grace."""
    tier = Tier.objects.create(group=group, name="Yearly", dues_minor=30000, period="year")
    membership = Membership.objects.get(group=group, user=user)
    membership.tier = tier
    membership.expires_on = timezone.localdate() - datetime.timedelta(days=400)
    membership.save(update_fields=["tier", "expires_on"])
    return membership


def statuses(meeting: Meeting) -> dict[str, list[str]]:
    """Names by status, in the order they registered."""
    found: dict[str, list[str]] = {}
    for reg in Registration.objects.filter(meeting=meeting).order_by("created_at", "pk"):
        found.setdefault(reg.status, []).append(reg.name)
    return found

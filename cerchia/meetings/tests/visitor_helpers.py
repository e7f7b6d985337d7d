"""Small helpers for the visitor tests: meetings ahead or behind, visits in the past, a host."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Group
from cerchia.groups.services import create_group
from cerchia.meetings.models import Meeting, Registration, Visitor

PRICES = {"price_member_minor": 1500, "price_non_member_minor": 2500, "price_visitor_minor": 1000}


def meeting_at(group: Group, *, days: float = 7, hours: float = 1.5, **fields: Any) -> Meeting:
    """A meeting of ``group`` starting ``days`` from now (negative: in the past)."""
    start = timezone.now() + datetime.timedelta(days=days)
    values: dict[str, Any] = {"kind": "chapter_meeting", "title": "Weekly meeting", **PRICES}
    values.update(fields)
    return Meeting.objects.create(
        group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=hours), **values
    )


def visitor_of(group: Group, email: str = "ann@example.net", name: str = "Ann Visitor") -> Visitor:
    return Visitor.objects.create(group=group, email=email, name=name)


def past_visit(
    visitor: Visitor, *, days: float = -7, invited_by: User | None = None, **fields: Any
) -> Registration:
    """A registration of ``visitor`` at a meeting of their group that ended ``days`` ago."""
    meeting = meeting_at(visitor.group, days=days)
    values: dict[str, Any] = {"status": "registered", "audience": "visitor", **fields}
    registration = Registration.objects.create(
        meeting=meeting,
        visitor=visitor,
        name=visitor.name,
        email=visitor.email,
        registered_by=invited_by,
        **values,
    )
    # Registered the day before, like a real past visit.
    registration.created_at = meeting.starts_at - datetime.timedelta(days=1)
    Registration.objects.filter(pk=registration.pk).update(created_at=registration.created_at)
    return registration


def visitor_host(group: Group, email: str = "host@example.org") -> User:
    host = make_user(email, "Hana Host")
    add_member(group, host, role="visitor_host")
    return host


def chamber(owner: User, **overrides: Any) -> Group:
    """A public chamber of commerce (one visit, then join or pay the non-member price)."""
    return create_group(
        owner,
        name="Town Chamber",
        kind="chamber",
        visibility="public",
        join_policy="application",
        rule_overrides=overrides,
    )

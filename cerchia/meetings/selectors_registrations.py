"""Reads about registrations: my tickets, a meeting's attendees as each person may see them,
and the live counts at the door."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from cerchia.accounts.selectors import reach_map, visible_card
from cerchia.groups.access import Rights
from cerchia.meetings.access import can_run
from cerchia.meetings.models import Meeting, Registration

Status = Registration.Status


def my_registrations(user: Any) -> QuerySet[Registration]:
    """Everything a person is registered for, and the guests they registered: latest first."""
    from django.db.models import Q

    return (
        Registration.objects.filter(Q(user=user) | Q(registered_by=user))
        .select_related("meeting__group")
        .order_by("-meeting__starts_at", "pk")
    )


def leader_registrations(meeting: Meeting, *, status: str = "") -> QuerySet[Registration]:
    """Every registration of a meeting, for its leaders: the queue in order."""
    qs = (
        Registration.objects.filter(meeting=meeting)
        .select_related("user__profile", "visitor", "registered_by__profile")
        .annotate(owed=F("price_minor") - F("paid_minor"))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "seat", "created_at", "pk")


@dataclass(frozen=True)
class Attendee:
    """One line of an attendee list as a member sees it: a name they may see, or nothing."""

    user_id: int | None
    name: str | None


def member_attendees(meeting: Meeting, viewer: Any) -> tuple[list[Attendee], int]:
    """Who is coming, as an active member sees it: people with an account whose name they may
    see (each owner's visibility choices apply); everyone else — visitors, guests, hidden
    names — only counted. Three queries whatever the number of attendees."""
    rows = list(
        Registration.objects.filter(meeting=meeting, status=Status.REGISTERED)
        .select_related("user__profile")
        .order_by("name", "pk")
    )
    people = [r for r in rows if r.user_id is not None]
    reach = reach_map(viewer, [r.user_id for r in people if r.user_id is not None])
    shown: list[Attendee] = []
    for row in people:
        profile = getattr(row.user, "profile", None)
        if profile is None or row.user_id is None:
            continue
        card = visible_card(profile, reach[row.user_id])
        if card.get("display_name"):
            shown.append(Attendee(user_id=row.user_id, name=card["display_name"]))
    return shown, len(rows) - len(shown)


def sees_everyone(rights: Rights) -> bool:
    """Leaders see every registration with names, emails, prices and payments."""
    return can_run(rights)

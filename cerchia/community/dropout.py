"""Drop-out, for a group's organisers: members who joined and left, or went silent (no visit
to the board and no post), within the first N days (the group's ``dropout_days`` rule)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from cerchia.accounts.selectors import reach_map, visible_card
from cerchia.community.models import Post, Visit
from cerchia.groups.models import Group, Membership

# How far back joins are looked at.
LOOKBACK_DAYS = 365


@dataclass
class Dropout:
    days: int
    # Members whose first ``days`` are over (joined between the look-back and ``days`` ago),
    # and those who left within their first ``days`` whenever they joined in the look-back.
    cohort: int = 0
    left: int = 0
    silent: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.left + self.silent

    def rate(self, count: int) -> float | None:
        return round(100 * count / self.cohort, 1) if self.cohort else None

    @property
    def left_rate(self) -> float | None:
        return self.rate(self.left)

    @property
    def silent_rate(self) -> float | None:
        return self.rate(self.silent)

    @property
    def dropout_rate(self) -> float | None:
        return self.rate(self.dropped)


def dropout_report(group: Group, viewer: Any, *, now: datetime.datetime | None = None) -> Dropout:
    """Counts, rates and the people (cards as ``viewer`` may see them): three queries."""
    now = now or timezone.now()
    days = group.rules.dropout_days
    window = datetime.timedelta(days=days)
    visited = Visit.objects.filter(
        group=group,
        user_id=OuterRef("user_id"),
        day__gte=OuterRef("join_day"),
        day__lte=OuterRef("end_day"),
    )
    posted = Post.objects.filter(
        topic__group=group,
        author_id=OuterRef("user_id"),
        created_at__gte=OuterRef("joined_at"),
        created_at__lt=OuterRef("window_end"),
    )
    left_early = Q(
        status__in=(Membership.Status.LEFT, Membership.Status.TERMINATED),
        left_at__isnull=False,
        left_at__lte=F("joined_at") + Value(window),
    )
    rows = list(
        Membership.objects.filter(
            group=group,
            joined_at__isnull=False,
            joined_at__gte=now - datetime.timedelta(days=LOOKBACK_DAYS),
        )
        .filter(Q(joined_at__lte=now - window) | left_early)
        .annotate(
            window_end=ExpressionWrapper(F("joined_at") + Value(window), DateTimeField()),
            join_day=TruncDate("joined_at"),
            end_day=TruncDate("window_end"),
        )
        .annotate(active_early=Exists(visited) | Exists(posted), left_early=left_early)
        .select_related("user__profile")
        .order_by("-joined_at", "pk")
    )
    report = Dropout(days=days, cohort=len(rows))
    reach = reach_map(viewer, [m.user_id for m in rows])
    for membership in rows:
        if membership.left_early:  # type: ignore[attr-defined]
            why = "left"
            report.left += 1
        elif not membership.active_early:  # type: ignore[attr-defined]
            why = "silent"
            report.silent += 1
        else:
            continue
        card = visible_card(membership.user.profile, reach[membership.user_id])
        report.rows.append(
            {
                "membership": membership,
                "name": card.get("display_name", ""),
                "why": why,
                "joined_at": membership.joined_at,
                "left_at": membership.left_at,
            }
        )
    return report

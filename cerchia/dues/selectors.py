"""Reads about dues: good standing in SQL, invoices as each person may see them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cerchia.dues.models import Invoice
from cerchia.groups.access import Rights
from cerchia.groups.models import Group, Membership


def good_standing_q(group: Group, today: datetime.date | None = None) -> Q:
    """``Membership.in_good_standing_on`` as a filter on a group's memberships: active, paid
    up (or within the grace days) or without dues, and nothing overdue beyond the grace days."""
    today = today or timezone.localdate()
    grace = group.rules.grace_days
    overdue = Invoice.objects.overdue_beyond(today, grace).filter(membership=OuterRef("pk"))
    return Q(
        Q(status=Membership.Status.ACTIVE),
        Q(tier__isnull=True) | Q(expires_on__gte=today - datetime.timedelta(days=grace)),
        ~Exists(overdue),
    )


def with_good_standing(
    qs: QuerySet[Membership], group: Group, today: datetime.date | None = None
) -> QuerySet[Membership]:
    """Annotate each membership of ``group`` with ``good_standing`` (one query in all)."""
    from django.db.models import BooleanField, ExpressionWrapper

    return qs.annotate(
        good_standing=ExpressionWrapper(good_standing_q(group, today), output_field=BooleanField())
    )


def good_standing_map(
    group: Group, user_ids: Iterable[int], today: datetime.date | None = None
) -> dict[int, bool]:
    """For each person, whether they are a member of ``group`` in good standing — checked
    person by person (each attendee, never the buyer for their guests). One query."""
    ids = list(dict.fromkeys(user_ids))
    standing = dict.fromkeys(ids, False)
    rows = Membership.objects.filter(group=group, user_id__in=ids).filter(
        good_standing_q(group, today)
    )
    for user_id in rows.values_list("user_id", flat=True):
        standing[user_id] = True
    return standing


def invoices_for(rights: Rights, *, status: str = "") -> QuerySet[Invoice]:
    """A group's invoices as this person may see them: all of them for its treasurer and
    administrators, their own for a member, none for anyone else."""
    qs = Invoice.objects.filter(group=rights.group).select_related(
        "membership__user__profile", "tier"
    )
    if not rights.treasurer:
        if rights.membership is None:
            return qs.none()
        qs = qs.filter(membership=rights.membership)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("payments").order_by("-issued_on", "-pk")


def my_invoices(user: Any) -> QuerySet[Invoice]:
    """Every invoice addressed to this person, in every group."""
    return (
        Invoice.objects.filter(membership__user=user)
        .select_related("group", "tier")
        .prefetch_related("payments")
        .order_by("-issued_on", "-pk")
    )

"""Reads about dues: good standing in SQL, invoices as each person may see them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cerchia.dues.models import Invoice, Payment
from cerchia.dues.services import renewal_opens_on
from cerchia.groups.access import Rights
from cerchia.groups.models import Group, Membership


def good_standing_q(group: Group, today: datetime.date | None = None) -> Q:
    """``Membership.in_good_standing_on`` as a filter on a group's memberships: active, paid
    up (or within the grace days) or without dues, and nothing overdue beyond the grace days."""
    today = today or timezone.localdate()
    grace = group.rules.grace_days
    overdue = Invoice.objects.overdue_beyond(today, grace).filter(membership=OuterRef("pk"))
    # ``expires_on`` is NULL until the first dues are paid: compare it only when set, so the
    # expression is FALSE rather than NULL (``good_standing`` annotations stay booleans).
    paid_up = Q(expires_on__isnull=False, expires_on__gte=today - datetime.timedelta(days=grace))
    return Q(
        Q(status=Membership.Status.ACTIVE),
        Q(tier__isnull=True) | paid_up,
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


# What the invoice lists filter on: the statuses, plus "overdue" (unpaid past its due date).
INVOICE_FILTERS = ("issued", "overdue", "paid", "void")


def with_paid(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate each invoice with ``paid_total`` and ``balance`` (minor units), in SQL."""
    paid = Coalesce(Sum("payments__amount_minor"), 0)
    return qs.annotate(paid_total=paid, balance=F("amount_minor") - paid)


def invoice_list(
    rights: Rights, *, status: str = "", today: datetime.date | None = None
) -> QuerySet[Invoice]:
    """``invoices_for`` filtered by one of ``INVOICE_FILTERS`` (anything else: all), with
    what was paid on each."""
    if status == "overdue":
        today = today or timezone.localdate()
        qs = invoices_for(rights, status=Invoice.Status.ISSUED).filter(due_on__lt=today)
    else:
        qs = invoices_for(rights, status=status if status in Invoice.Status.values else "")
    return with_paid(qs)


def member_standings(group: Group, today: datetime.date | None = None) -> QuerySet[Membership]:
    """A group's active members for its treasurer: tier, paid-up date, ``good_standing`` and
    ``owed`` (what is left to pay on open invoices, minor units), in one query."""
    open_invoices = Invoice.objects.open().filter(membership=OuterRef("pk"))
    billed = open_invoices.values("membership").annotate(s=Sum("amount_minor")).values("s")
    paid = (
        Payment.objects.filter(
            invoice__membership=OuterRef("pk"), invoice__status=Invoice.Status.ISSUED
        )
        .values("invoice__membership")
        .annotate(s=Sum("amount_minor"))
        .values("s")
    )
    qs = (
        Membership.objects.filter(group=group, status=Membership.Status.ACTIVE)
        .select_related("user__profile", "tier")
        .annotate(
            owed=Coalesce(Subquery(billed), 0) - Coalesce(Subquery(paid), 0),
        )
        .order_by("user__profile__display_name", "pk")
    )
    return with_good_standing(qs, group, today)


def standing_rows(
    group: Group, memberships: list[Membership], today: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Each membership with its standing on ``today`` and the last day of its grace, worked
    out from the dates already loaded (no query)."""
    today = today or timezone.localdate()
    grace = datetime.timedelta(days=group.rules.grace_days)
    rows = []
    for membership in memberships:
        membership.group = group  # the engine reads the group's rules: loaded once
        standing = membership.standing_on(today)
        rows.append(
            {
                "membership": membership,
                "standing": standing,
                "standing_label": Membership.Standing(standing).label,
                "grace_until": membership.expires_on + grace if membership.expires_on else None,
            }
        )
    return rows


@dataclass(frozen=True)
class DuesSummary:
    """Where one membership stands on a day, with the dates that explain it."""

    membership: Membership
    standing: str
    standing_label: str
    expires_on: datetime.date | None
    grace_until: datetime.date | None
    renewal_opens_on: datetime.date | None
    in_good_standing: bool
    can_renew: bool
    renewal_billed: bool


def dues_summary(membership: Membership, today: datetime.date | None = None) -> DuesSummary:
    """The member's own view of their dues (a few queries, whatever the group's size)."""
    today = today or timezone.localdate()
    standing = membership.standing_on(today)
    expires = membership.expires_on
    grace_until = (
        expires + datetime.timedelta(days=membership.group.rules.grace_days) if expires else None
    )
    opens = renewal_opens_on(membership)
    # A dues invoice for a period after the paid-up date: the renewal is billed already.
    billed = bool(
        expires
        and Invoice.objects.open()
        .filter(membership=membership, kind=Invoice.Kind.DUES, period_start__gt=expires)
        .exists()
    )
    can_renew = (
        membership.is_active
        and membership.tier_id is not None
        and opens is not None
        and today >= opens
        and not billed
    )
    return DuesSummary(
        membership=membership,
        standing=standing,
        standing_label=str(Membership.Standing(standing).label),
        expires_on=expires,
        grace_until=grace_until,
        renewal_opens_on=opens,
        in_good_standing=membership.in_good_standing_on(today),
        can_renew=can_renew,
        renewal_billed=billed,
    )


def membership_invoices(membership: Membership) -> QuerySet[Invoice]:
    """One membership's invoices, newest first, with payments and what was paid on each."""
    return with_paid(
        Invoice.objects.filter(membership=membership)
        .select_related("group", "tier")
        .prefetch_related("payments")
        .order_by("-issued_on", "-pk")
    )

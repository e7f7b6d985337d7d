"""Reads for referral slips and closed business: my slips, the people I may pass one to,
a chapter's week of slips for its leaders, and a group's totals of closed business."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.models import User
from cerchia.accounts.selectors import reach_map, visible_card
from cerchia.groups.models import Group, Kind, Membership
from cerchia.ledger.models import ClosedBusiness, Connection, OneToOne, Referral, WeekClose
from cerchia.ledger.services import week_start
from cerchia.lib.money import format_money

DIRECTIONS = ("given", "received")
RECENT_PARTNERS = 8
SEARCH_RESULTS = 20


# --- my slips -----------------------------------------------------------------------------


def referrals_for(
    user: Any,
    *,
    group_id: int | None = None,
    direction: str = "",
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Referral]:
    """The slips ``user`` gave or received, newest first, each with its people and group
    loaded (a page costs the same few queries whatever its length)."""
    if direction == "given":
        mine = Q(giver=user)
    elif direction == "received":
        mine = Q(receiver=user)
    else:
        mine = Q(giver=user) | Q(receiver=user)
    qs = Referral.objects.filter(mine).select_related(
        "group", "giver__profile", "receiver__profile"
    )
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if status:
        qs = qs.filter(status=status)
    if date_from is not None:
        qs = qs.filter(given_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(given_on__lte=date_to)
    return qs.order_by("-given_on", "-pk")


def closed_business_for(
    user: Any,
    *,
    group_id: int | None = None,
    direction: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[ClosedBusiness]:
    """Closed business ``user`` recorded (``received``) or was thanked for (``given``), or
    both, newest first, each with its people and group loaded."""
    if direction == "given":
        mine = Q(giver=user)
    elif direction == "received":
        mine = Q(receiver=user)
    else:
        mine = Q(giver=user) | Q(receiver=user)
    qs = ClosedBusiness.objects.filter(mine).select_related(
        "group", "giver__profile", "receiver__profile"
    )
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if date_from is not None:
        qs = qs.filter(closed_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(closed_on__lte=date_to)
    return qs.order_by("-closed_on", "-pk")


# --- people I may pass a slip to ----------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """Someone a slip may go to, as the giver may see their card."""

    user: User
    name: str
    profession: str
    company: str


def _my_groups(user: Any) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user).exclude(group__kind=Kind.INFORMAL)


def my_groups(user: Any) -> QuerySet[Group]:
    """The groups ``user`` is an active member of (their informal network aside), by name."""
    return Group.objects.filter(pk__in=_my_groups(user).values("group_id")).order_by("name", "pk")


def passable_users(user: Any) -> QuerySet[User]:
    """Everyone ``user`` may pass a slip to by account (``services.knows`` as one query):
    active members of an active group they share, card connections either way, people met."""
    co_members = Membership.objects.active().filter(
        group_id__in=_my_groups(user).values("group_id")
    )
    known = (
        Q(pk__in=co_members.values("user_id"))
        | Q(pk__in=CardConnection.objects.filter(owner=user).values("other_id"))
        | Q(pk__in=CardConnection.objects.filter(other=user).values("owner_id"))
        | Q(pk__in=Connection.objects.filter(owner=user).values("person_id"))
        | Q(pk__in=Connection.objects.filter(person=user).values("owner_id"))
    )
    return User.objects.filter(known, is_active=True).exclude(pk=user.pk)


def _partners(viewer: Any, users: Iterable[User]) -> list[Partner]:
    """Cards as the viewer may see them; people whose very name is hidden are left out."""
    users = list(users)
    reach = reach_map(viewer, [u.pk for u in users])
    out = []
    for person in users:
        card = visible_card(person.profile, reach[person.pk])
        if "display_name" not in card or not card["display_name"]:
            continue
        profession = card.get("profession")
        out.append(
            Partner(
                user=person,
                name=card["display_name"],
                profession=str(profession) if profession else "",
                company=card.get("company") or "",
            )
        )
    return out


def recent_partners(user: Any, *, limit: int = RECENT_PARTNERS) -> list[Partner]:
    """The people ``user`` most recently gave a slip to, received one from, met or had a
    one-to-one with, most recent first — the quick log's first screen."""
    last: dict[int, datetime.date] = {}

    def note(rows: Iterable[tuple[int | None, Any]]) -> None:
        for person_id, when in rows:
            if person_id is None or when is None:
                continue
            day = when.date() if isinstance(when, datetime.datetime) else when
            if person_id not in last or last[person_id] < day:
                last[person_id] = day

    note(
        Referral.objects.filter(giver=user, receiver__isnull=False)
        .values("receiver_id")
        .annotate(last=Max("given_on"))
        .values_list("receiver_id", "last")
    )
    note(
        Referral.objects.filter(receiver=user)
        .values("giver_id")
        .annotate(last=Max("given_on"))
        .values_list("giver_id", "last")
    )
    note(
        Connection.objects.filter(owner=user, person__isnull=False)
        .values("person_id")
        .annotate(last=Max("met_on"))
        .values_list("person_id", "last")
    )
    note(
        OneToOne.objects.filter(proposer=user)
        .values("partner_id")
        .annotate(last=Max("created_at"))
        .values_list("partner_id", "last")
    )
    note(
        OneToOne.objects.filter(partner=user)
        .values("proposer_id")
        .annotate(last=Max("created_at"))
        .values_list("proposer_id", "last")
    )
    ranked = sorted(last, key=lambda pk: (last[pk], pk), reverse=True)[: limit * 2]
    found = {
        u.pk: u
        for u in passable_users(user).filter(pk__in=ranked).select_related("profile__profession")
    }
    return _partners(user, [found[pk] for pk in ranked if pk in found])[:limit]


def search_partners(user: Any, query: str, *, limit: int = SEARCH_RESULTS) -> list[Partner]:
    """People ``user`` may pass a slip to whose name or profession matches ``query``. Only a
    field the viewer may see on the card can match, so a hidden one cannot be probed."""
    query = query.strip()
    if len(query) < 2:
        return []
    matches = (
        Q(profile__display_name__icontains=query)
        | Q(profile__profession__name_en__icontains=query)
        | Q(profile__profession__name_it__icontains=query)
    )
    candidates = (
        passable_users(user)
        .filter(matches)
        .select_related("profile__profession")
        .order_by("profile__display_name", "pk")[: limit * 3]
    )
    needle = query.casefold()
    out = []
    for partner in _partners(user, candidates):
        profession = partner.user.profile.profession
        by_profession = (
            bool(partner.profession)
            and profession is not None
            and (needle in profession.name_en.casefold() or needle in profession.name_it.casefold())
        )
        if needle in partner.name.casefold() or by_profession:
            out.append(partner)
    return out[:limit]


def partner(user: Any, person_id: int) -> Partner | None:
    """One person ``user`` may pass a slip to, or None."""
    found = passable_users(user).filter(pk=person_id).select_related("profile__profession").first()
    shown = _partners(user, [found]) if found is not None else []
    return shown[0] if shown else None


def partner_choices(user: Any, *, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the people ``user`` may thank or pass a slip to, by name."""
    users = (
        passable_users(user)
        .select_related("profile__profession")
        .order_by("profile__display_name", "pk")[:limit]
    )
    return [(p.user.pk, p.name) for p in _partners(user, users)]


def _ordinal(day: datetime.date | None) -> int:
    return day.toordinal() if day is not None else 0


def slip_groups(user: Any, receiver: User | None = None) -> list[Group]:
    """The groups a slip may be passed in: the giver's active groups (shared with the
    receiver, when there is one), the one the giver used most recently first."""
    groups = Group.objects.filter(pk__in=_my_groups(user).values("group_id"))
    if receiver is not None:
        groups = groups.filter(pk__in=_my_groups(receiver).values("group_id"))
    groups = groups.annotate(
        last_used=Max("referrals__given_on", filter=Q(referrals__giver=user))
    ).order_by("name", "pk")
    found = list(groups)
    # Most recently used first; never used ones keep their alphabetical order after them.
    found.sort(key=lambda g: _ordinal(getattr(g, "last_used", None)), reverse=True)
    return found


# --- a chapter's slips for its leaders ----------------------------------------------------


@dataclass(frozen=True)
class Week:
    start: datetime.date
    slips: int
    confidential: int
    closed: bool

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)


def group_weeks(group: Group, *, until: datetime.date, weeks: int = 12) -> list[Week]:
    """The last ``weeks`` weeks (Monday to Sunday, newest first) of a group's slips: counts,
    confidential ones included, and whether a leader closed the week. Two queries."""
    last = week_start(until)
    first = last - datetime.timedelta(weeks=weeks - 1)
    per_day = (
        Referral.objects.filter(group=group, given_on__gte=first)
        .filter(given_on__lt=last + datetime.timedelta(days=7))
        .values("given_on")
        .annotate(n=Count("pk"), secret=Count("pk", filter=Q(confidential=True)))
    )
    counts: dict[datetime.date, list[int]] = {}
    for row in per_day:
        bucket = counts.setdefault(week_start(row["given_on"]), [0, 0])
        bucket[0] += row["n"]
        bucket[1] += row["secret"]
    closed = set(
        WeekClose.objects.filter(group=group, week_start__gte=first).values_list(
            "week_start", flat=True
        )
    )
    out = []
    for i in range(weeks):
        start = last - datetime.timedelta(weeks=i)
        n, secret = counts.get(start, [0, 0])
        out.append(Week(start=start, slips=n, confidential=secret, closed=start in closed))
    return out


def week_slips(group: Group, start: datetime.date) -> tuple[list[Referral], int]:
    """A week's slips in ``group`` as its leaders see them — the confidential ones only
    counted — and that count. Callers never show the prospect fields; they are not loaded."""
    qs = Referral.objects.filter(
        group=group, given_on__gte=start, given_on__lt=start + datetime.timedelta(days=7)
    )
    confidential = qs.filter(confidential=True).count()
    shown = (
        qs.filter(confidential=False)
        .select_related("giver__profile", "receiver__profile")
        .only(
            "pk",
            "group_id",
            "giver__profile__display_name",
            "receiver__profile__display_name",
            "giver_id",
            "receiver_id",
            "receiver_name",
            "kind",
            "temperature",
            "status",
            "given_on",
            "confidential",
        )
        .order_by("given_on", "pk")
    )
    return list(shown), confidential


@dataclass(frozen=True)
class Total:
    currency: str
    deals: int
    amount_minor: int

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.currency)


def closed_totals(qs: QuerySet[ClosedBusiness]) -> list[Total]:
    """Deals and amount of the closed business in ``qs``, one line per currency (never
    added across currencies). One query."""
    rows = (
        qs.order_by()
        .values("currency")
        .annotate(deals=Count("pk"), amount=Sum("amount_minor"))
        .order_by("currency")
    )
    return [Total(r["currency"], r["deals"], r["amount"] or 0) for r in rows]


def group_closed_totals(
    group: Group,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[Total]:
    """Closed business counted in the group's totals, one line per currency (never added
    across currencies), without names."""
    qs = ClosedBusiness.objects.filter(group=group)
    if date_from is not None:
        qs = qs.filter(closed_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(closed_on__lte=date_to)
    return closed_totals(qs)


def person_name(user: User | None, fallback: str = "") -> str:
    """A person's display name on a slip (parties and co-members know each other)."""
    if user is None:
        return fallback
    return user.profile.display_name or _("Cerchia member")

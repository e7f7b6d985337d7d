"""One person's ledger as CSV: one row per entry, the same bytes from ``cerchia export-ledger``
and from the download on the ledger page.

Each source is one query (``values`` over the joins it needs), so an export costs the same
number of queries whatever its length; the rows are then merged and sorted in Python."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from typing import Any, Protocol

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate

from cerchia.groups.models import Group, Kind
from cerchia.ledger.models import ClosedBusiness, Connection, Investment, OneToOne, Referral
from cerchia.lib.csv_export import safe_cell

HEADER = (
    "entry_type",
    "date",
    "group_slug",
    "group_kind",
    "counterpart",
    "amount_minor",
    "currency",
    "hours",
    "status",
    "referral_id",
)

Row = tuple[str, datetime.date, str, str, str, Any, str, str, str, Any]


def _name(prefix: str) -> Coalesce:
    """A person's display name, their email when they have none (as their card shows)."""
    return Coalesce(
        NullIf(F(f"{prefix}__profile__display_name"), Value("")),
        F(f"{prefix}__email"),
        output_field=CharField(),
    )


def _in(field: str, date_from: datetime.date | None, date_to: datetime.date | None) -> Q:
    q = Q()
    if date_from is not None:
        q &= Q(**{f"{field}__gte": date_from})
    if date_to is not None:
        q &= Q(**{f"{field}__lte": date_to})
    return q


class _Groups:
    """Slug and kind of a row's group; facts outside any group belong to the person's informal
    network (read, never created: an export writes nothing)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._informal: tuple[str, str] | None = None

    def of(self, row: dict[str, Any]) -> tuple[str, str]:
        if row["group__slug"] is not None:
            return row["group__slug"], row["group__kind"]
        if self._informal is None:
            slug = (
                Group.objects.filter(kind=Kind.INFORMAL, owner=self.user)
                .values_list("slug", flat=True)
                .first()
            )
            self._informal = (slug or f"informal-{self.user.pk}", Kind.INFORMAL.value)
        return self._informal


def _hours(value: Any) -> str:
    return f"{value:.2f}"


def ledger_rows(
    user: Any, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> Iterator[Row]:
    """``user``'s ledger entries between the two dates (inclusive), in ``HEADER`` order, sorted
    by date, entry type, then referral (or entry) id. Empty cells are ""."""
    groups = _Groups(user)
    found: list[tuple[Row, int]] = []  # the row and its entry's pk, for a stable order

    def add(entry: str, day: Any, row: dict[str, Any], counterpart: str, **cells: Any) -> None:
        slug, kind = groups.of(row)
        found.append(
            (
                (
                    entry,
                    day,
                    slug,
                    kind,
                    safe_cell(counterpart or ""),
                    cells.get("amount_minor", ""),
                    cells.get("currency", ""),
                    cells.get("hours", ""),
                    cells.get("status", ""),
                    cells.get("referral_id", ""),
                ),
                row["pk"],
            )
        )

    group_fields = ("pk", "group__slug", "group__kind")

    referrals = (
        Referral.objects.filter(Q(giver=user) | Q(receiver=user))
        .filter(_in("given_on", date_from, date_to))
        .annotate(from_name=_name("giver"), to_name=_name("receiver"))
        .values(
            *group_fields,
            "given_on",
            "giver_id",
            "from_name",
            "to_name",
            "receiver_name",
            "status",
        )
    )
    for row in referrals:
        if row["giver_id"] == user.pk:
            other = row["to_name"] or row["receiver_name"]
            entry = "referral_given"
        else:
            other, entry = row["from_name"], "referral_received"
        add(entry, row["given_on"], row, other, status=row["status"], referral_id=row["pk"])

    closed = (
        ClosedBusiness.objects.filter(Q(giver=user) | Q(receiver=user))
        .filter(_in("closed_on", date_from, date_to))
        .annotate(from_name=_name("giver"), to_name=_name("receiver"))
        .values(
            *group_fields,
            "closed_on",
            "giver_id",
            "from_name",
            "to_name",
            "amount_minor",
            "currency",
            "kind",
            "referral_id",
        )
    )
    for row in closed:
        thanked = row["giver_id"] == user.pk
        add(
            "closed_business_given" if thanked else "closed_business_received",
            row["closed_on"],
            row,
            row["to_name"] if thanked else row["from_name"],
            amount_minor=row["amount_minor"],
            currency=row["currency"],
            status=row["kind"],
            referral_id=row["referral_id"] if row["referral_id"] is not None else "",
        )

    ones = (
        OneToOne.objects.filter(Q(proposer=user) | Q(partner=user))
        .annotate(
            day=Coalesce(F("held_on"), TruncDate("scheduled_for"), TruncDate("created_at")),
            proposer_name=_name("proposer"),
            partner_name=_name("partner"),
        )
        .filter(_in("day", date_from, date_to))
        .values(*group_fields, "day", "proposer_id", "proposer_name", "partner_name", "status")
    )
    for row in ones:
        mine = row["proposer_id"] == user.pk
        other = row["partner_name"] if mine else row["proposer_name"]
        add("one_to_one", row["day"], row, other, status=row["status"])

    connections = (
        Connection.objects.filter(owner=user)
        .filter(_in("met_on", date_from, date_to) | _in("followed_up_on", date_from, date_to))
        .values(*group_fields, "name", "met_on", "followed_up_on", "followed_up_via")
    )
    within = _within(date_from, date_to)
    for row in connections:
        if within(row["met_on"]):
            status = "open" if row["followed_up_on"] is None else "followed_up"
            add("connection", row["met_on"], row, row["name"], status=status)
        if row["followed_up_on"] is not None and within(row["followed_up_on"]):
            add(
                "follow_up_done",
                row["followed_up_on"],
                row,
                row["name"],
                status=row["followed_up_via"],
            )

    investments = (
        Investment.objects.filter(user=user)
        .filter(_in("spent_on", date_from, date_to))
        .values(*group_fields, "spent_on", "kind", "amount_minor", "currency", "hours")
    )
    for row in investments:
        if row["amount_minor"]:
            add(
                "money",
                row["spent_on"],
                row,
                "",
                amount_minor=row["amount_minor"],
                currency=row["currency"],
                status=row["kind"],
            )
        if row["hours"]:
            add("hours", row["spent_on"], row, "", hours=_hours(row["hours"]), status=row["kind"])

    found.sort(key=lambda item: (item[0][1], item[0][0], _order(item[0][9], item[1]), item[1]))
    for line, _pk in found:
        yield line


def _order(referral_id: Any, pk: int) -> int:
    return int(referral_id) if referral_id != "" else pk


def _within(date_from: datetime.date | None, date_to: datetime.date | None) -> Any:
    def check(day: datetime.date) -> bool:
        return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)

    return check


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def write_csv(
    stream: Writable,
    user: Any,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> None:
    """Write the header and ``user``'s rows to ``stream`` (dates as YYYY-MM-DD)."""
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    for row in ledger_rows(user, date_from, date_to):
        writer.writerow((row[0], row[1].isoformat(), *row[2:]))

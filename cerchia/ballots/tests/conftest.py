"""A chamber whose members stand in every way that matters to a vote, and a ballot open on
TODAY. The chamber and its cast come from the dues tests (``chamber``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.ballots.models import Ballot, Vote
from cerchia.ballots.services import create_ballot
from cerchia.conftest import add_member, make_user
from cerchia.dues.services import bill_fee
from cerchia.dues.tests.conftest import EXPIRES, Chamber, chamber, on, paid_member  # noqa: F401
from cerchia.groups.models import Membership

ROME = ZoneInfo("Europe/Rome")
TODAY = dt.date(2026, 3, 10)
# The chamber's ballot: open from TODAY at noon for a week.
OPENS = dt.datetime(2026, 3, 10, 12, 0, tzinfo=ROME)
CLOSES = dt.datetime(2026, 3, 17, 18, 0, tzinfo=ROME)
AFTER = dt.date(2026, 3, 18)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ROME)


def ballot_audit(action: str = "ballots.") -> Any:
    if action.endswith("."):
        return AuditEntry.objects.filter(action__startswith=action)
    return AuditEntry.objects.filter(action=action)


def snapshot() -> dict[str, int]:
    """What the ballots app writes: equal snapshots mean nothing changed."""
    return {
        "ballots": Ballot.objects.count(),
        "cancelled": Ballot.objects.filter(cancelled_at__isnull=False).count(),
        "votes": Vote.objects.count(),
        "audit": ballot_audit().count(),
    }


@dataclass
class Voters:
    """The chamber's people, each standing differently on TODAY (grace: 30 days)."""

    chamber: Chamber
    ballot: Ballot  # secret, Yes / No / Abstain, OPENS → CLOSES
    owner: User  # administrator; no dues: in good standing
    member: User  # paid up to EXPIRES: in good standing
    grace: User  # paid up to 1 March: in grace, still in good standing
    lapsed: User  # paid up to 31 December: lapsed
    overdue: User  # paid up, but a fee due on 15 January is unpaid
    pending: User  # admitted, first dues not paid yet
    associate: User  # an associate member, no dues
    applicant: User  # applied, not decided
    former: User  # left the chamber
    outsider: User

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(group=self.chamber.group, user=user)


@pytest.fixture
def voters(chamber: Chamber) -> Voters:  # noqa: F811
    group = chamber.group
    grace = make_user("grace@example.org", "Grace Grace")
    lapsed = make_user("lapsed@example.org", "Larry Lapsed")
    overdue = make_user("overdue@example.org", "Olga Overdue")
    pending = make_user("pending@example.org", "Pia Pending")
    associate = make_user("associate@example.org", "Ada Associate")
    applicant = make_user("applicant@example.org", "Andy Applicant")
    former = make_user("former@example.org", "Fred Former")
    paid_member(group, grace, chamber.yearly, dt.date(2026, 3, 1))
    paid_member(group, lapsed, chamber.yearly, dt.date(2025, 12, 31))
    owing = paid_member(group, overdue, chamber.yearly, EXPIRES)
    bill_fee(
        owing,
        actor=chamber.treasurer,
        amount_minor=3000,
        description="Gala dinner",
        due_on=dt.date(2026, 1, 15),
        today=dt.date(2026, 1, 5),
    )
    paid_member(group, pending, chamber.yearly, None)
    ada = add_member(group, associate)
    ada.category = Membership.Category.ASSOCIATE
    ada.save()
    add_member(group, applicant, status="applied")
    add_member(group, former, status="left")
    with on(TODAY):
        ballot = create_ballot(
            group,
            actor=chamber.owner,
            question="Move the monthly dinner to Thursdays?",
            options=["Yes", "No", "Abstain"],
            closes_at=CLOSES,
            now=OPENS,
        )
    return Voters(
        chamber=chamber,
        ballot=ballot,
        owner=chamber.owner,
        member=chamber.member,
        grace=grace,
        lapsed=lapsed,
        overdue=overdue,
        pending=pending,
        associate=associate,
        applicant=applicant,
        former=former,
        outsider=chamber.outsider,
    )


def option(ballot: Ballot, label: str) -> int:
    return ballot.options.get(label=label).pk

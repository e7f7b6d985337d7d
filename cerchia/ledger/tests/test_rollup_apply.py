"""``rollups.apply``: one INSERT ... ON CONFLICT DO UPDATE adds to existing rows and makes the
missing ones; removing down to nothing drops a row; and recording a referral stays within a
fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.models import Group, Kind
from cerchia.ledger import rollups, services
from cerchia.ledger.models import Connection, Referral, Rollup

TODAY = datetime.date(2026, 4, 20)
APRIL = datetime.date(2026, 4, 1)
OPEN = {"where": Connection.Where.ELSEWHERE, "follow_up_due": datetime.date(2026, 4, 23)}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 4, 20, 10, 0, tzinfo=datetime.UTC)):
        yield


def row(user: Any, group: Group, month: datetime.date = APRIL, currency: str = "EUR") -> Rollup:
    return Rollup.objects.get(user=user, group=group, month=month, currency=currency)


def test_apply_creates_the_row_then_adds_to_it_in_one_statement_per_call(cast: Cast) -> None:
    member, group = cast.member, cast.group
    first = rollups.Delta(member.pk, group, TODAY, values={"referrals_given": 1})
    rollups.apply([first])
    created = row(member, group)
    assert created.referrals_given == 1 and created.connections == 0

    more = [
        rollups.Delta(member.pk, group, TODAY, values={"referrals_given": 2, "connections": 1}),
        rollups.Delta(member.pk, group, TODAY, "USD", {"money_minor": 1250}),
        rollups.Delta(cast.leader.pk, group, TODAY, values={"referrals_received": 1}),
    ]
    with CaptureQueriesContext(connection) as queries:
        rollups.apply(more)
    writes = [q["sql"] for q in queries.captured_queries if "ledger_rollup" in q["sql"]]
    assert len(writes) == 1, writes  # three rows, two of them new, one statement

    again = row(member, group)
    assert again.pk == created.pk  # added to, not replaced
    assert (again.referrals_given, again.connections, again.money_minor) == (3, 1, 0)
    assert row(member, group, currency="USD").money_minor == 1250
    assert row(cast.leader, group).referrals_received == 1
    assert Rollup.objects.count() == 3


def test_hours_add_exactly_in_hundredths(cast: Cast) -> None:
    for hours in ("1.10", "2.25", "0.05"):
        rollups.apply(
            [rollups.Delta(cast.member.pk, cast.group, TODAY, values={"hours": Decimal(hours)})]
        )
    assert row(cast.member, cast.group).hours == Decimal("3.40")


def test_removing_everything_drops_the_row_and_removing_part_keeps_it(cast: Cast) -> None:
    member, group = cast.member, cast.group
    both = rollups.Delta(member.pk, group, TODAY, values={"one_to_ones": 1, "attended": 2})
    rollups.apply([both])
    rollups.apply(remove=[rollups.Delta(member.pk, group, TODAY, values={"attended": 1})])
    kept = row(member, group)
    assert (kept.one_to_ones, kept.attended) == (1, 1)

    rollups.apply(
        remove=[rollups.Delta(member.pk, group, TODAY, values={"one_to_ones": 1, "attended": 1})]
    )
    assert not Rollup.objects.filter(user=member, group=group).exists()


def test_an_edit_moving_a_fact_to_another_month_moves_its_count(cast: Cast) -> None:
    member, group = cast.member, cast.group
    march = datetime.date(2026, 3, 31)
    rollups.apply([rollups.Delta(member.pk, group, march, values={"connections": 1})])
    rollups.apply(
        add=[rollups.Delta(member.pk, group, TODAY, values={"connections": 1})],
        remove=[rollups.Delta(member.pk, group, march, values={"connections": 1})],
    )
    assert row(member, group).connections == 1
    assert not Rollup.objects.filter(user=member, month=datetime.date(2026, 3, 1)).exists()


def test_facts_outside_any_group_go_to_each_persons_informal_network(cast: Cast) -> None:
    giver, receiver = cast.member, cast.leader
    Connection.objects.create(owner=giver, person=receiver, name="Leo", met_on=TODAY, **OPEN)
    services.record_referral(giver, receiver=receiver, prospect_name="Anna")
    mine = Group.objects.filter(kind=Kind.INFORMAL, owner__in=[giver, receiver])
    informal = {g.owner_id: g for g in mine}
    assert row(giver, informal[giver.pk]).referrals_given == 1
    assert row(receiver, informal[receiver.pk]).referrals_received == 1
    assert not Rollup.objects.filter(group=cast.group).exists()


def test_recording_a_referral_in_a_group_takes_a_fixed_number_of_queries(cast: Cast) -> None:
    """As an API request has them (fresh from the database): both memberships in one query,
    the week, the slip, its step, both rollup rows in one statement, the audit entry, a light
    look for follow-ups, one for contacts linked to either person (stay in touch), the giver's
    name and the notice, and the six-month windows' rows in one statement — 15 with the
    savepoints (19 before rollups were upserted and the memberships read together)."""
    services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="First"
    )
    giver = User.objects.get(pk=cast.member.pk)
    receiver = User.objects.get(pk=cast.leader.pk)
    group = Group.objects.get(pk=cast.group.pk)
    with CaptureQueriesContext(connection) as queries:
        services.record_referral(giver, receiver=receiver, group=group, prospect_name="Anna")
    assert len(queries) <= 15, [q["sql"][:80] for q in queries.captured_queries]
    assert row(giver, group).referrals_given == 2
    assert row(receiver, group).referrals_received == 2


def test_a_referral_still_completes_an_open_follow_up(cast: Cast) -> None:
    giver, receiver, group = cast.member, cast.leader, cast.group
    met = Connection.objects.create(
        owner=giver, person=receiver, name="Leo", met_on=TODAY, group=group, **OPEN
    )
    services.record_referral(giver, receiver=receiver, group=group, prospect_name="Anna")
    met.refresh_from_db()
    assert met.followed_up_on == TODAY and met.followed_up_via == "referral"
    assert row(giver, group).follow_ups_done == 1


def test_a_member_who_left_cannot_receive_and_nothing_is_counted(cast: Cast) -> None:
    former = make_user("former@example.org")
    add_member(cast.group, former, status="left")
    with pytest.raises(services.LedgerError, match="not an active member"):
        services.record_referral(
            cast.member, receiver=former, group=cast.group, prospect_name="Anna"
        )
    with pytest.raises(services.LedgerError, match="You are not an active member"):
        services.record_referral(
            former, receiver=cast.member, group=cast.group, prospect_name="Anna"
        )
    assert not Referral.objects.exists()
    assert not Rollup.objects.exists()


def test_money_in_another_currency_and_hours_go_to_two_rows_like_a_rebuild(cast: Cast) -> None:
    investment = services.record_investment(
        cast.member,
        kind="travel",
        group=cast.group,
        amount_minor=4200,
        currency="CHF",
        hours=Decimal("3.5"),
        spent_on=TODAY,
    )
    assert row(cast.member, cast.group, currency="CHF").money_minor == 4200
    assert row(cast.member, cast.group, currency="CHF").hours == 0
    assert row(cast.member, cast.group).hours == Decimal("3.50")
    kept = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == kept

    services.delete_investment(investment, actor=cast.member)
    assert not Rollup.objects.filter(user=cast.member).exists()

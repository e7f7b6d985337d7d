"""The monthly rollup, kept in step by every write, equals the one rebuilt from the ledger."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.dues.services import bill_fee, record_payment
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import ensure_informal_network
from cerchia.ledger import rollups, services
from cerchia.ledger.models import Investment, Rollup
from cerchia.meetings.attendance import mark_one
from cerchia.meetings.models import Meeting, Registration, Visitor
from cerchia.meetings.registrations import check_in, record_registration_payment, register
from cerchia.meetings.tests.meeting_helpers import at, rome
from cerchia.meetings.tests.registration_helpers import make_meeting

MARCH = datetime.date(2026, 3, 1)
APRIL = datetime.date(2026, 4, 1)
NOW = rome(2026, 4, 20, 12, 0)


def day(month: int, d: int) -> datetime.date:
    return datetime.date(2026, month, d)


def breakfast(group: Group, month: int, d: int) -> Meeting:
    return Meeting.objects.create(
        group=group,
        kind="chapter_meeting",
        title="Weekly breakfast",
        starts_at=rome(2026, month, d, 7, 0),
        ends_at=rome(2026, month, d, 8, 30),
    )


@dataclass
class World:
    cast: Cast
    carla: User
    informal: Group  # the member's informal network


def build_world(cast: Cast) -> World:
    """A mixed two months, every fact through its service (time frozen on 20 April 2026)."""
    member, leader, group = cast.member, cast.leader, cast.group
    carla = make_user("carla@example.org", "Carla Caterer")
    add_member(group, carla)
    pietro = make_user("pietro@example.org", "Pietro Printer")
    add_member(cast.public_group, member)
    add_member(cast.public_group, pietro)

    # Referrals: in the group, outside any group, to an external person; moved along.
    r1 = services.record_referral(
        member, receiver=leader, group=group, prospect_name="Bianchi Srl", given_on=day(3, 3)
    )
    services.advance_referral(r1, actor=leader, status="contacted")
    services.advance_referral(r1, actor=leader, status="meeting")
    services.record_referral(
        member, receiver_name="Ezio External", prospect_name="Rossi Spa", given_on=day(3, 5)
    )
    services.record_referral(leader, receiver=member, prospect_name="Verdi", given_on=day(4, 2))
    r4 = services.record_referral(
        carla, receiver=member, group=group, prospect_name="Neri", given_on=day(4, 6)
    )
    services.advance_referral(r4, actor=member, status="lost", lost_reason="Went elsewhere")

    # Closed business in two currencies: against a referral, and a thank-you.
    services.record_closed_business(leader, referral=r1, amount_minor=120000, closed_on=day(3, 20))
    services.record_closed_business(
        member, giver=leader, group=group, amount_minor=5000, currency="CHF", closed_on=day(4, 10)
    )

    # One-to-ones: proposed then held, logged as held outside any group, proposed, cancelled.
    one = services.propose_one_to_one(member, partner=leader, group=group)
    services.hold_one_to_one(one, actor=leader, held_on=day(3, 12))
    services.propose_one_to_one(member, partner=carla, held_on=day(4, 8))
    services.propose_one_to_one(carla, partner=member, group=group)
    dropped = services.propose_one_to_one(leader, partner=member, group=group)
    services.cancel_one_to_one(dropped, actor=member)

    # Connections: followed up by hand, by an interaction (a referral), and still open.
    nina = services.record_connection(
        member, where="elsewhere", name="Nina Newcomer", met_on=day(3, 15)
    )
    services.mark_followed_up(nina, actor=member, on=day(3, 17))
    services.record_connection(
        member,
        where="meeting",
        person=pietro,
        group=cast.public_group,
        met_on=day(4, 1),
    )
    services.record_referral(member, receiver=pietro, prospect_name="Gialli", given_on=day(4, 3))
    services.record_connection(member, where="online", name="Olga Open", met_on=day(4, 15))

    # Investments by hand: money and hours, money in a third currency, hours only; one removed.
    services.record_investment(
        member, kind="travel", group=group, amount_minor=2350, hours="1.5", spent_on=day(3, 10)
    )
    services.record_investment(
        member, kind="meals", amount_minor=1500, currency="USD", spent_on=day(3, 11)
    )
    services.record_investment(member, kind="preparation", hours="2", spent_on=day(4, 9))
    gone = services.record_investment(member, kind="materials", amount_minor=999, group=group)
    services.delete_investment(gone, actor=member)

    # Attendance, with a mark changed; a substitute.
    march = breakfast(group, 3, 10)
    mark_one(march, actor=leader, user_id=member.pk, status="present")
    mark_one(march, actor=leader, user_id=leader.pk, status="present")
    mark_one(march, actor=leader, user_id=leader.pk, status="absent")
    mark_one(march, actor=leader, user_id=carla.pk, status="substitute", substitute_name="Sam")
    april = breakfast(group, 4, 14)
    mark_one(april, actor=leader, user_id=member.pk, status="late")

    # A visitor the member invited, checked in at the door.
    visitor = Visitor.objects.create(group=group, name="Vera Visit", email="vera@example.net")
    ticket = Registration.objects.create(
        meeting=april,
        visitor=visitor,
        name=visitor.name,
        email=visitor.email,
        registered_by=member,
        status="registered",
        audience="visitor",
    )
    check_in(april, actor=leader, code=ticket.code)

    # Dues paid, and a ticket paid for an upcoming workshop.
    membership = Membership.objects.get(group=group, user=member)
    invoice = bill_fee(
        membership, actor=cast.owner, amount_minor=5000, description="Dinner", due_on=day(4, 30)
    )
    record_payment(
        invoice, actor=cast.owner, amount_minor=5000, method="cash", received_on=day(4, 1)
    )
    workshop = make_meeting(group, price_member_minor=2500)
    seat = register(workshop, actor=member, user=member)
    record_registration_payment(seat, actor=leader, amount_minor=2500, method="cash")

    return World(cast=cast, carla=carla, informal=ensure_informal_network(member))


@pytest.fixture
def world(cast: Cast) -> World:
    with at(NOW):
        return build_world(cast)


def row(user: User, group: Group, month: datetime.date, currency: str = "EUR") -> Rollup:
    return Rollup.objects.get(user=user, group=group, month=month, currency=currency)


def test_the_incremental_rollup_holds_the_expected_numbers(world: World) -> None:
    cast, group = world.cast, world.cast.group
    member = row(cast.member, group, MARCH)
    assert (member.referrals_given, member.closed_given_count, member.closed_given_minor) == (
        1,
        1,
        120000,
    )
    assert (member.one_to_ones, member.attended, member.money_minor, member.hours) == (
        1,
        1,
        2350,
        Decimal("3.00"),  # the meeting's 1.50 and 1.50 of travel
    )
    leader = row(cast.leader, group, MARCH)
    assert (leader.referrals_received, leader.closed_received_minor, leader.one_to_ones) == (
        1,
        120000,
        1,
    )
    assert (leader.attended, leader.absent, leader.hours) == (0, 1, Decimal("0"))
    assert row(world.carla, group, MARCH).substituted == 1

    april = row(cast.member, group, APRIL)
    assert (april.referrals_received, april.visitors_brought, april.attended) == (1, 1, 1)
    assert (april.money_minor, april.hours) == (7500, Decimal("1.50"))  # dues 50 + ticket 25
    chf = row(cast.member, group, APRIL, "CHF")
    assert (chf.closed_received_count, chf.closed_received_minor, chf.referrals_received) == (
        1,
        5000,
        0,
    )
    assert row(cast.leader, group, APRIL, "CHF").closed_given_minor == 5000

    informal = world.informal
    march_informal = row(cast.member, informal, MARCH)
    assert (march_informal.referrals_given, march_informal.connections) == (1, 1)
    assert march_informal.follow_ups_done == 1
    assert row(cast.member, informal, MARCH, "USD").money_minor == 1500
    april_informal = row(cast.member, informal, APRIL)
    assert (april_informal.referrals_given, april_informal.referrals_received) == (1, 1)
    assert (april_informal.one_to_ones, april_informal.connections) == (1, 1)
    assert april_informal.hours == Decimal("2.00")
    # The follow-up the referral completed counts where the connection was made.
    events = row(cast.member, cast.public_group, APRIL)
    assert (events.connections, events.follow_ups_done) == (1, 1)
    # The removed investment left nothing behind; cancelled and proposed one-to-ones count 0.
    assert not Investment.objects.filter(kind="materials").exists()


def test_rebuilding_gives_the_same_rollup_as_the_writes_kept(world: World) -> None:
    kept = rollups.snapshot()
    assert len(kept) >= 10
    with at(NOW):
        rollups.rebuild()
    assert rollups.snapshot() == kept


def test_rebuild_restores_a_wiped_or_tampered_rollup(world: World) -> None:
    kept = rollups.snapshot()
    Rollup.objects.filter(user=world.cast.member).update(referrals_given=99)
    Rollup.objects.filter(user=world.cast.leader).delete()
    assert rollups.snapshot() != kept
    with at(NOW):
        rollups.rebuild()
    assert rollups.snapshot() == kept


def test_the_command_rebuilds_the_same_rollup_and_reports(world: World) -> None:
    kept = rollups.snapshot()
    Rollup.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    with at(NOW):
        call_command("rebuild_rollups", stdout=out, stderr=err)
    assert rollups.snapshot() == kept
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Rebuilt {len(kept)} rollup rows")
    assert "step 1/7" in err.getvalue() and "step 7/7" in err.getvalue()


def test_the_command_backfills_missing_automatic_entries(world: World) -> None:
    """Payments and attendance recorded before the ledger existed get their investments."""
    kept = rollups.snapshot()
    automatic = Investment.objects.filter(automatic=True)
    expected = sorted(automatic.values_list("kind", "amount_minor", "hours", "spent_on"))
    automatic.delete()
    err = io.StringIO()
    with at(NOW):
        call_command("rebuild_rollups", stdout=io.StringIO(), stderr=err)
    assert "1 payments, 1 tickets, 2 meeting hours" in err.getvalue()
    # Hours and payments come back exactly; the ticket's date is the registration's day.
    assert sorted(automatic.values_list("kind", "amount_minor", "hours", "spent_on")) == expected
    assert rollups.snapshot() == kept
    # Run again: nothing more to add, nothing changes.
    with at(NOW):
        call_command("rebuild_rollups", stdout=io.StringIO(), stderr=err)
    assert automatic.count() == len(expected)
    assert rollups.snapshot() == kept

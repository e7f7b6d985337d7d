"""Investments that come on their own: meeting hours from attendance, dues and fees when paid,
tickets when paid — each with its rollup moving in the same write."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cerchia.conftest import Cast
from cerchia.dues.services import bill_fee, record_payment
from cerchia.groups.models import Membership
from cerchia.ledger.models import Investment, Rollup
from cerchia.meetings.attendance import check_in, checkin_code, mark_one
from cerchia.meetings.models import Meeting
from cerchia.meetings.registrations import record_registration_payment, register
from cerchia.meetings.tests.meeting_helpers import at, rome
from cerchia.meetings.tests.registration_helpers import make_meeting

MARCH = datetime.date(2026, 3, 1)


def breakfast(cast: Cast) -> Meeting:
    """A 90-minute chapter meeting on Tuesday 10 March 2026, 07:00 Rome time."""
    return Meeting.objects.create(
        group=cast.group,
        kind="chapter_meeting",
        title="Weekly breakfast",
        starts_at=rome(2026, 3, 10, 7, 0),
        ends_at=rome(2026, 3, 10, 8, 30),
    )


def rollup(cast: Cast, user: object, currency: str = "EUR") -> Rollup:
    return Rollup.objects.get(user=user, group=cast.group, month=MARCH, currency=currency)


def test_present_at_a_90_minute_meeting_gives_one_and_a_half_hours(cast: Cast) -> None:
    meeting = breakfast(cast)
    with at(rome(2026, 3, 10, 8, 0)):
        attendance = mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="present")
    hours = Investment.objects.get(user=cast.member)
    assert (hours.kind, hours.automatic, hours.hours) == ("meeting_hours", True, Decimal("1.50"))
    assert (hours.group_id, hours.spent_on, hours.attendance_id) == (
        cast.group.pk,
        datetime.date(2026, 3, 10),
        attendance.pk,
    )
    assert (hours.amount_minor, hours.currency) == (0, "")
    row = rollup(cast, cast.member)
    assert (row.attended, row.absent, row.hours) == (1, 0, Decimal("1.50"))


def test_changed_to_absent_takes_the_hours_back_and_moves_the_counts(cast: Cast) -> None:
    meeting = breakfast(cast)
    with at(rome(2026, 3, 10, 8, 0)):
        mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="present")
        mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="absent")
    assert not Investment.objects.filter(user=cast.member).exists()
    row = rollup(cast, cast.member)
    assert (row.attended, row.absent, row.hours) == (0, 1, Decimal("0"))
    # Back to present: the hours come back once, not twice.
    with at(rome(2026, 3, 10, 8, 5)):
        mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="late")
    assert Investment.objects.filter(user=cast.member).count() == 1
    row = rollup(cast, cast.member)
    assert (row.attended, row.absent, row.hours) == (1, 0, Decimal("1.50"))


def test_a_medical_leave_gives_no_hours_and_no_attended_count(cast: Cast) -> None:
    meeting = breakfast(cast)
    with at(rome(2026, 3, 9, 12, 0)):
        mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="medical")
    assert not Investment.objects.filter(user=cast.member).exists()
    assert not Rollup.objects.filter(user=cast.member).exists()


def test_checking_in_with_the_code_gives_the_hours_too(cast: Cast) -> None:
    meeting = breakfast(cast)
    with at(rome(2026, 3, 10, 6, 50)):
        check_in(meeting, user=cast.member, code=checkin_code(meeting))
    hours = Investment.objects.get(user=cast.member)
    assert (hours.kind, hours.automatic, hours.hours) == ("meeting_hours", True, Decimal("1.50"))
    assert (rollup(cast, cast.member).attended, rollup(cast, cast.member).hours) == (
        1,
        Decimal("1.50"),
    )


def test_a_dues_payment_is_money_invested_in_the_groups_currency(cast: Cast) -> None:
    cast.group.currency = "CHF"
    cast.group.save(update_fields=["currency"])
    membership = Membership.objects.get(group=cast.group, user=cast.member)
    with at(rome(2026, 3, 12, 12, 0)):
        invoice = bill_fee(
            membership,
            actor=cast.owner,
            amount_minor=8000,
            description="Annual dinner",
            due_on=datetime.date(2026, 3, 31),
        )
        assert not Investment.objects.exists()  # billed is not paid
        payment = record_payment(invoice, actor=cast.owner, amount_minor=5000, method="cash")
    money = Investment.objects.get(user=cast.member)
    assert (money.kind, money.automatic, money.payment_id) == ("fee", True, payment.pk)
    assert (money.amount_minor, money.currency, money.hours) == (5000, "CHF", Decimal("0"))
    assert money.spent_on == datetime.date(2026, 3, 12)
    assert rollup(cast, cast.member, "CHF").money_minor == 5000
    assert not Rollup.objects.filter(user=cast.member, currency="EUR").exists()


def test_ticket_payments_grow_one_ticket_investment(cast: Cast) -> None:
    with at(rome(2026, 3, 2, 12, 0)):
        meeting = make_meeting(cast.group, price_member_minor=2500)
        registration = register(meeting, actor=cast.member, user=cast.member)
        record_registration_payment(
            registration, actor=cast.leader, amount_minor=1000, method="cash"
        )
        ticket = Investment.objects.get(user=cast.member)
        assert (ticket.kind, ticket.automatic, ticket.amount_minor) == ("ticket", True, 1000)
        record_registration_payment(
            registration, actor=cast.leader, amount_minor=1500, method="bank_transfer"
        )
    ticket = Investment.objects.get(user=cast.member)  # still one entry
    assert (ticket.amount_minor, ticket.currency, ticket.registration_id) == (
        2500,
        "EUR",
        registration.pk,
    )
    assert rollup(cast, cast.member).money_minor == 2500


@pytest.mark.parametrize("status", ["present", "late"])
def test_automatic_hours_cannot_be_deleted_by_their_owner(cast: Cast, status: str) -> None:
    from cerchia.ledger.services import LedgerError, delete_investment

    meeting = breakfast(cast)
    with at(rome(2026, 3, 10, 8, 0)):
        mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status=status)
    hours = Investment.objects.get(user=cast.member)
    with pytest.raises(LedgerError, match="Automatic entries"):
        delete_investment(hours, actor=cast.member)
    assert Investment.objects.filter(pk=hours.pk).exists()
    assert rollup(cast, cast.member).hours == Decimal("1.50")

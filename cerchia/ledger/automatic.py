"""Investments and counts that come on their own: dues and fees when paid, tickets when paid,
hours for meetings attended, attendance marks and visitors brought.

The services of ``dues`` and ``meetings`` call these inside their own transaction, so the
ledger and its rollup change with the fact or not at all. (The one place where the lower apps
call the ledger: the issue asks for the rollup to move in the write's transaction.)"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from cerchia.ledger import rollups
from cerchia.ledger.models import Investment

ATTENDED = ("present", "late")


def meeting_day(meeting: Any) -> datetime.date:
    return timezone.localdate(meeting.starts_at, ZoneInfo(meeting.group.time_zone))


def meeting_hours(meeting: Any) -> Decimal:
    seconds = Decimal((meeting.ends_at - meeting.starts_at).total_seconds())
    return (seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- one builder per source, shared by the live hooks and ``backfill`` ------------------


def payment_entry(payment: Any) -> Investment:
    """A dues or fee payment is money the member invested in the group, on the day received."""
    invoice = payment.invoice
    return Investment(
        user_id=invoice.membership.user_id,
        group=invoice.group,
        kind=Investment.Kind.DUES if invoice.kind == "dues" else Investment.Kind.FEE,
        amount_minor=payment.amount_minor,
        currency=invoice.currency,
        spent_on=payment.received_on,
        automatic=True,
        payment=payment,
        notes=invoice.number,
    )


def ticket_payer(registration: Any) -> int | None:
    """Whose investment a ticket is: the attendee with an account, or the member who
    registered a guest; a visitor's own ticket is nobody's networking cost here."""
    if registration.user_id is not None:
        return int(registration.user_id)
    if registration.visitor_id is None and registration.registered_by_id is not None:
        return int(registration.registered_by_id)
    return None


def ticket_entry(registration: Any, payer_id: int, day: datetime.date) -> Investment:
    meeting = registration.meeting
    return Investment(
        user_id=payer_id,
        group=meeting.group,
        kind=Investment.Kind.TICKET,
        amount_minor=registration.paid_minor,
        currency=meeting.group.currency,
        spent_on=day,
        automatic=True,
        registration=registration,
        notes=meeting.title[:240],
    )


def hours_entry(attendance: Any) -> Investment:
    meeting = attendance.meeting
    return Investment(
        user_id=attendance.user_id,
        group=meeting.group,
        kind=Investment.Kind.MEETING_HOURS,
        hours=meeting_hours(meeting),
        spent_on=meeting_day(meeting),
        automatic=True,
        attendance=attendance,
        notes=meeting.title[:240],
    )


def _save(investment: Investment) -> Investment:
    investment.save()
    rollups.apply(rollups.contributions_of_investment(investment))
    return investment


# --- the live hooks -----------------------------------------------------------------------


def on_payment(payment: Any) -> Investment:
    return _save(payment_entry(payment))


def on_ticket_paid(registration: Any) -> Investment | None:
    """A ticket's payments, as one entry per registration that grows with each payment."""
    payer_id = ticket_payer(registration)
    if payer_id is None:
        return None
    existing = Investment.objects.select_for_update().filter(registration=registration).first()
    if existing is None:
        return _save(ticket_entry(registration, payer_id, timezone.localdate()))
    old = rollups.contributions_of_investment(existing)
    existing.amount_minor = registration.paid_minor
    existing.save(update_fields=["amount_minor"])
    existing.group = registration.meeting.group
    rollups.apply(add=rollups.contributions_of_investment(existing), remove=old)
    return existing


def on_attendance(attendance: Any, before: str) -> None:
    """An attendance mark changed from ``before`` ("" for a new one): move the attendance
    counts, and add (or take back) the meeting's hours."""
    meeting = attendance.meeting
    group = meeting.group
    day = meeting_day(meeting)
    remove = rollups.contributions_of_attendance(attendance.user_id, group, day, before)
    add = rollups.contributions_of_attendance(attendance.user_id, group, day, attendance.status)
    rollups.apply(add=add, remove=remove)
    hours = Investment.objects.filter(attendance=attendance).first()
    if attendance.status in ATTENDED and hours is None:
        _save(hours_entry(attendance))
    elif attendance.status not in ATTENDED and hours is not None:
        hours.group = group
        rollups.apply(remove=rollups.contributions_of_investment(hours))
        hours.delete()


def on_visitor_checked_in(registration: Any) -> None:
    """A visitor someone registered came in: a visitor brought, in the month of the meeting."""
    if registration.visitor_id is None or registration.registered_by_id is None:
        return
    meeting = registration.meeting
    rollups.apply(
        rollups.contributions_of_visit(
            registration.registered_by_id, meeting.group, meeting_day(meeting)
        )
    )


def backfill() -> dict[str, int]:
    """Create the automatic entries missing for facts recorded before the ledger existed (or
    by bulk loaders): idempotent. Returns how many of each were added. The rollup is left to
    ``rollups.rebuild``."""
    from cerchia.dues.models import Payment
    from cerchia.meetings.models import Attendance, Registration

    added = {"payments": 0, "tickets": 0, "hours": 0}
    payments = Payment.objects.filter(investment__isnull=True).select_related(
        "invoice__membership", "invoice__group"
    )
    new = [payment_entry(payment) for payment in payments.iterator()]
    added["payments"] = len(new)
    tickets = Registration.objects.filter(investment__isnull=True, paid_minor__gt=0).select_related(
        "meeting__group"
    )
    for registration in tickets.iterator():
        payer_id = ticket_payer(registration)
        if payer_id is not None:
            new.append(
                ticket_entry(registration, payer_id, timezone.localdate(registration.created_at))
            )
            added["tickets"] += 1
    marks = Attendance.objects.filter(investment__isnull=True, status__in=ATTENDED).select_related(
        "meeting__group"
    )
    for attendance in marks.iterator():
        new.append(hours_entry(attendance))
        added["hours"] += 1
    Investment.objects.bulk_create(new, batch_size=1000)
    return added

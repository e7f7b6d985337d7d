"""Registrations: seats and the waiting list, offers that run out, prices per attendee,
members-only meetings, approval, no-shows, check-in and payments (the service layer)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, make_user
from cerchia.daily import run_daily
from cerchia.meetings.models import Attendance, Registration, Visitor
from cerchia.meetings.registrations import (
    RegistrationError,
    approve_registration,
    audience_for,
    cancel_registration,
    check_in,
    close_check_in,
    confirm_offer,
    decline_registration,
    expire_offers,
    mark_no_shows,
    pending_reason,
    record_registration_payment,
    register,
    status_message,
    waitlist_position,
)
from cerchia.meetings.tests.registration_helpers import lapse, make_meeting, members, statuses
from cerchia.notices.models import Notice

pytestmark = pytest.mark.django_db
Status = Registration.Status


def audit(action: str, registration: Registration) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=action, target_type="meetings.registration", target_id=str(registration.pk)
        ).order_by("pk")
    )


# --- seats and the waiting list ---------------------------------------------------------------


def test_registrations_take_seats_in_order_then_join_the_waiting_list(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=2)
    first, second, third, fourth = members(cast.group, 4)

    regs = [register(meeting, actor=p, user=p) for p in (first, second, third, fourth)]

    assert [r.status for r in regs] == ["registered", "registered", "waitlisted", "waitlisted"]
    assert [r.seat for r in regs] == [1, 2, None, None]
    assert [waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert "number 2 on the waiting list" in status_message(regs[3])
    assert (
        Registration.objects.filter(meeting=meeting, status__in=["registered", "offered"]).count()
        == 2
    )
    assert audit("meetings.registration.created", regs[0])[0].data["status"] == "registered"


def test_a_meeting_without_capacity_registers_everyone_without_seat_numbers(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=None)
    regs = [register(meeting, actor=p, user=p) for p in members(cast.group, 3)]
    assert {r.status for r in regs} == {"registered"}
    assert {r.seat for r in regs} == {None}


def test_the_same_person_cannot_register_twice(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    register(meeting, actor=cast.member, user=cast.member)

    with pytest.raises(RegistrationError, match="already registered"):
        register(meeting, actor=cast.member, user=cast.member)

    assert Registration.objects.filter(meeting=meeting, user=cast.member).count() == 1


def test_someone_who_cancelled_may_register_again(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    first = register(meeting, actor=cast.member, user=cast.member)
    cancel_registration(first, actor=cast.member)

    again = register(meeting, actor=cast.member, user=cast.member)

    assert again.pk != first.pk and again.status == "registered"


def test_only_leaders_register_someone_else(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    with pytest.raises(RegistrationError, match="leaders"):
        register(meeting, actor=cast.member, user=cast.leader)
    assert not Registration.objects.filter(meeting=meeting).exists()

    by_leader = register(meeting, actor=cast.leader, user=cast.member)
    assert by_leader.user == cast.member and by_leader.status == "registered"


def test_cancelled_and_past_meetings_take_no_registrations(cast: Cast) -> None:
    cancelled = make_meeting(cast.group, cancelled_at=timezone.now())
    past = make_meeting(cast.group, starts_in=-datetime.timedelta(days=2))

    with pytest.raises(RegistrationError, match="cancelled"):
        register(cancelled, actor=cast.member, user=cast.member)
    with pytest.raises(RegistrationError, match="over"):
        register(past, actor=cast.member, user=cast.member)
    assert not Registration.objects.exists()


# --- cancelling, offers, confirmation, expiry -------------------------------------------------


def test_a_cancellation_offers_the_seat_to_the_first_in_line_with_a_notice(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(days=10))
    holder, first_waiting, second_waiting = members(cast.group, 3)
    held = register(meeting, actor=holder, user=holder)
    waiting = register(meeting, actor=first_waiting, user=first_waiting)
    register(meeting, actor=second_waiting, user=second_waiting)

    cancel_registration(held, actor=holder)

    waiting.refresh_from_db()
    assert waiting.status == "offered" and waiting.seat == 1
    assert waiting.offer_expires_at is not None
    hours = (waiting.offer_expires_at - timezone.now()).total_seconds() / 3600
    assert 47.9 < hours <= 48  # the group's offer_hours (default 48)
    notice = Notice.objects.get(user=first_waiting, kind="meetings.seat_offered")
    assert notice.url == f"/registrations/{waiting.code}/"
    assert not Notice.objects.filter(user=second_waiting).exists()
    assert statuses(meeting)["waitlisted"] == [second_waiting.profile.display_name]
    held.refresh_from_db()
    assert held.status == "cancelled" and held.seat is None and not held.no_show


def test_a_new_registrant_never_takes_a_seat_offered_to_someone_in_line(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    holder, waiting, late = members(cast.group, 3)
    held = register(meeting, actor=holder, user=holder)
    register(meeting, actor=waiting, user=waiting)
    cancel_registration(held, actor=holder)

    newcomer = register(meeting, actor=late, user=late)

    assert newcomer.status == "waitlisted"
    assert Registration.objects.get(meeting=meeting, user=waiting).status == "offered"


def test_confirming_an_offer_takes_the_seat(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    holder, waiting = members(cast.group, 2)
    held = register(meeting, actor=holder, user=holder)
    offer = register(meeting, actor=waiting, user=waiting)
    cancel_registration(held, actor=holder)
    offer.refresh_from_db()

    with pytest.raises(RegistrationError, match="offered to"):
        confirm_offer(offer, actor=holder)
    confirmed = confirm_offer(offer, actor=waiting)

    assert confirmed.status == "registered" and confirmed.seat == 1
    assert confirmed.offer_expires_at is None
    assert audit("meetings.registration.confirmed", confirmed)


def test_an_expired_offer_passes_the_seat_to_the_next_in_line(cast: Cast) -> None:
    cast.group.rule_overrides = {"offer_hours": 24}
    cast.group.save(update_fields=["rule_overrides"])
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(days=10))
    holder, first, second = members(cast.group, 3)
    held = register(meeting, actor=holder, user=holder)
    slow = register(meeting, actor=first, user=first)
    nxt = register(meeting, actor=second, user=second)
    cancel_registration(held, actor=holder)

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23), tick=False):
        assert expire_offers() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25), tick=False):
        assert expire_offers() == 1
        assert expire_offers() == 0  # idempotent
        slow.refresh_from_db()
        nxt.refresh_from_db()
        with pytest.raises(RegistrationError, match="expired"):
            confirm_offer(slow, actor=first)

    assert slow.status == "cancelled" and slow.seat is None and not slow.no_show
    assert nxt.status == "offered" and nxt.seat == 1
    assert Notice.objects.filter(user=first, kind="meetings.offer_expired").count() == 1
    assert Notice.objects.filter(user=second, kind="meetings.seat_offered").count() == 1


def test_an_expired_offer_is_processed_lazily_by_the_next_registration(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(days=10))
    holder, slow, nxt, late = members(cast.group, 4)
    cancel_registration(register(meeting, actor=holder, user=holder), actor=holder)
    # Nobody waited: the seat is simply free again.
    assert register(meeting, actor=slow, user=slow).status == "registered"
    register(meeting, actor=nxt, user=nxt)
    cancel_registration(Registration.objects.get(meeting=meeting, user=slow), actor=slow)
    assert Registration.objects.get(meeting=meeting, user=nxt).status == "offered"

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49), tick=False):
        # No daily job ran: the next registration sees the offer ran out first.
        newcomer = register(meeting, actor=late, user=late)

    assert Registration.objects.get(meeting=meeting, user=nxt).status == "cancelled"
    assert newcomer.status == "registered" and newcomer.seat == 1


def test_an_offer_never_runs_past_the_start(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(hours=5))
    holder, waiting = members(cast.group, 2)
    held = register(meeting, actor=holder, user=holder)
    offer = register(meeting, actor=waiting, user=waiting)

    cancel_registration(held, actor=holder)

    offer.refresh_from_db()
    assert offer.offer_expires_at == meeting.starts_at


def test_the_daily_job_expires_offers(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(days=10))
    holder, waiting = members(cast.group, 2)
    held = register(meeting, actor=holder, user=holder)
    offer = register(meeting, actor=waiting, user=waiting)
    cancel_registration(held, actor=holder)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        summary = run_daily()
        again = run_daily()

    assert summary["registration_offers_expired"] == 1
    assert again["registration_offers_expired"] == 0
    offer.refresh_from_db()
    assert offer.status == "cancelled"


def test_raising_the_capacity_offers_the_new_seats_to_the_queue_first(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    holder, waiting, late = members(cast.group, 3)
    register(meeting, actor=holder, user=holder)
    register(meeting, actor=waiting, user=waiting)
    meeting.capacity = 2
    meeting.save(update_fields=["capacity"])

    newcomer = register(meeting, actor=late, user=late)

    assert Registration.objects.get(meeting=meeting, user=waiting).status == "offered"
    assert newcomer.status == "waitlisted"


def test_who_may_cancel(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    mine = register(meeting, actor=cast.member, user=cast.member)

    with pytest.raises(RegistrationError, match="Only the attendee"):
        cancel_registration(mine, actor=cast.outsider)
    mine.refresh_from_db()
    assert mine.status == "registered"

    cancel_registration(mine, actor=cast.leader)
    mine.refresh_from_db()
    assert mine.status == "cancelled"
    assert Notice.objects.filter(user=cast.member, kind="meetings.registration_cancelled").exists()
    with pytest.raises(RegistrationError, match="already cancelled"):
        cancel_registration(mine, actor=cast.member)


# --- prices per attendee ----------------------------------------------------------------------


def test_prices_follow_each_attendees_own_standing(cast: Cast) -> None:
    meeting = make_meeting(cast.public_group, capacity=50)
    public = cast.public_group
    member = make_user("paid@example.org", "Paula Paid")
    lapsed = make_user("lapsed@example.org", "Luca Lapsed")
    members_of = [member, lapsed]
    from cerchia.conftest import add_member

    for person in members_of:
        add_member(public, person)
    lapse(public, lapsed)
    visitor = Visitor.objects.create(group=public, name="Vera Visit", email="vera@example.org")

    assert audience_for(meeting, member) == "member"
    assert audience_for(meeting, lapsed) == "non_member"
    assert audience_for(meeting, cast.outsider) == "non_member"
    assert audience_for(meeting, visitor) == "visitor"
    assert audience_for(meeting, None) == "non_member"

    paid = register(meeting, actor=member, user=member, guests=[("Gina Guest", "gina@example.org")])
    late = register(meeting, actor=lapsed, user=lapsed)
    other = register(meeting, actor=cast.outsider, user=cast.outsider)
    visit = register(meeting, actor=None, visitor=visitor)
    guest = Registration.objects.get(meeting=meeting, name="Gina Guest")

    assert (paid.audience, paid.price_minor) == ("member", 1000)
    # The member is in good standing; their guest is not a member: non-member price.
    assert (guest.audience, guest.price_minor) == ("non_member", 2500)
    assert guest.registered_by == member and guest.user is None
    assert (late.audience, late.price_minor) == ("non_member", 2500)
    assert (other.audience, other.price_minor) == ("non_member", 2500)
    assert (visit.audience, visit.price_minor) == ("visitor", 1500)


def test_a_guest_who_is_a_member_in_good_standing_pays_the_member_price(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)

    register(meeting, actor=cast.leader, user=cast.leader, guests=[("Mia", "MEMBER@example.org")])

    guest = Registration.objects.get(meeting=meeting, registered_by=cast.leader, user=cast.member)
    assert (guest.audience, guest.price_minor) == ("member", 1000)
    with pytest.raises(RegistrationError, match="already registered"):
        register(meeting, actor=cast.member, user=cast.member)


def test_guests_get_seats_of_their_own_and_wait_like_anyone(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=2)

    mine = register(
        meeting,
        actor=cast.member,
        user=cast.member,
        guests=[("Gus One", ""), ("Gus Two", "gus2@example.org")],
    )

    assert mine.status == "registered"
    assert statuses(meeting) == {"registered": ["Mia Member", "Gus One"], "waitlisted": ["Gus Two"]}
    assert len(AuditEntry.objects.filter(action="meetings.registration.guest_added")) == 2


def test_bad_guest_lists_register_nobody(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=20)
    with pytest.raises(RegistrationError, match="name"):
        register(meeting, actor=cast.member, user=cast.member, guests=[("", "a@example.org")])
    with pytest.raises(RegistrationError, match="not an email"):
        register(meeting, actor=cast.member, user=cast.member, guests=[("Al", "nope")])
    with pytest.raises(RegistrationError, match="at most 10"):
        register(
            meeting, actor=cast.member, user=cast.member, guests=[(f"G{i}", "") for i in range(11)]
        )
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_answers_are_kept_with_their_questions(cast: Cast) -> None:
    meeting = make_meeting(cast.group, questions=["Dietary needs?", "Company?"])
    reg = register(meeting, actor=cast.member, user=cast.member, answers=["vegan"])
    assert reg.answers == [{"question": "Dietary needs?", "answer": "vegan"}]
    with pytest.raises(RegistrationError, match="more answers"):
        register(meeting, actor=cast.leader, user=cast.leader, answers=["a", "b", "c"])


# --- members only ------------------------------------------------------------------------------


def test_members_only_meetings_take_only_members_in_good_standing(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, members_only=True)

    assert register(meeting, actor=cast.member, user=cast.member).status == "registered"
    with pytest.raises(RegistrationError, match="members of Chapter One in good standing"):
        register(meeting, actor=cast.visitor, user=cast.visitor)  # applied, not yet a member
    lapse(cast.group, cast.leader)
    with pytest.raises(RegistrationError, match="good standing"):
        register(meeting, actor=cast.leader, user=cast.leader)
    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_members_only_meetings_refuse_guests_with_a_clear_message(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, members_only=True)
    with pytest.raises(RegistrationError, match="members only: guests cannot be registered"):
        register(meeting, actor=cast.member, user=cast.member, guests=[("Gus", "")])
    assert not Registration.objects.filter(meeting=meeting).exists()


# --- approval --------------------------------------------------------------------------------


def test_approval_required_meetings_hold_registrations_until_a_leader_decides(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, approval_required=True)
    first, second, third = members(cast.group, 3)
    a, b, c = (register(meeting, actor=p, user=p) for p in (first, second, third))
    assert {a.status, b.status, c.status} == {"pending"}
    assert a.seat is None
    assert "approve every registration" in pending_reason(a)

    with pytest.raises(RegistrationError, match="leaders"):
        approve_registration(a, actor=second)
    assert approve_registration(a, actor=cast.leader).status == "registered"
    assert approve_registration(b, actor=cast.leader).status == "waitlisted"
    assert decline_registration(c, actor=cast.leader).status == "declined"
    with pytest.raises(RegistrationError, match="not waiting for approval"):
        approve_registration(c, actor=cast.leader)

    assert Notice.objects.filter(user=first, kind="meetings.registration_approved").exists()
    assert Notice.objects.filter(user=third, kind="meetings.registration_declined").exists()
    assert audit("meetings.registration.approved", a)


# --- no-shows ---------------------------------------------------------------------------------


def test_a_late_cancellation_counts_as_a_no_show(cast: Cast) -> None:
    early = make_meeting(cast.group, capacity=5, starts_in=datetime.timedelta(hours=4))
    late = make_meeting(cast.group, capacity=5, starts_in=datetime.timedelta(hours=2))
    in_time = register(early, actor=cast.member, user=cast.member)
    too_late = register(late, actor=cast.member, user=cast.member)

    cancel_registration(in_time, actor=cast.member)
    cancel_registration(too_late, actor=cast.member)

    assert not in_time.no_show  # 4 h before: the rule is 3 h
    assert too_late.no_show
    assert audit("meetings.registration.cancelled", too_late)[0].data == {"late": True}


def test_a_leader_cancelling_late_is_not_the_persons_no_show(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5, starts_in=datetime.timedelta(hours=1))
    reg = register(meeting, actor=cast.member, user=cast.member)
    cancel_registration(reg, actor=cast.leader)
    assert not reg.no_show


def test_leaving_the_waiting_list_late_is_no_no_show(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(hours=1))
    register(meeting, actor=cast.leader, user=cast.leader)
    waiting = register(meeting, actor=cast.member, user=cast.member)
    cancel_registration(waiting, actor=cast.member)
    assert not waiting.no_show


def test_past_the_no_show_limit_registrations_need_approval_and_say_why(cast: Cast) -> None:
    cast.group.rule_overrides = {"no_show_limit": 2}
    cast.group.save(update_fields=["rule_overrides"])
    for hours in (1, 2):
        soon = make_meeting(cast.group, capacity=5, starts_in=datetime.timedelta(hours=hours))
        cancel_registration(register(soon, actor=cast.member, user=cast.member), actor=cast.member)
    other_group_meeting = make_meeting(cast.public_group, capacity=5)
    next_meeting = make_meeting(cast.group, capacity=5)

    reg = register(next_meeting, actor=cast.member, user=cast.member, guests=[("Gus", "")])

    assert reg.status == "pending" and reg.seat is None
    assert "You missed 2 meetings of Chapter One" in pending_reason(reg)
    assert "You missed 2 meetings" in status_message(reg)
    assert Registration.objects.get(meeting=next_meeting, name="Gus").status == "pending"
    # No-shows count per group: elsewhere they register as usual.
    assert register(other_group_meeting, actor=cast.member, user=cast.member).status == "registered"
    # Others in the group are not affected.
    assert register(next_meeting, actor=cast.leader, user=cast.leader).status == "registered"


def test_a_no_show_limit_of_zero_never_asks_for_approval(cast: Cast) -> None:
    cast.group.rule_overrides = {"no_show_limit": 0}
    cast.group.save(update_fields=["rule_overrides"])
    for _ in range(4):
        soon = make_meeting(cast.group, capacity=5, starts_in=datetime.timedelta(hours=1))
        cancel_registration(register(soon, actor=cast.member, user=cast.member), actor=cast.member)
    assert register(make_meeting(cast.group), actor=cast.member, user=cast.member).status == (
        "registered"
    )


def test_registered_people_who_never_came_are_no_shows_after_the_meeting(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, starts_in=datetime.timedelta(hours=4))
    came, absent, recorded, waiting_list = members(cast.group, 4)
    regs = {p: register(meeting, actor=p, user=p) for p in (came, absent, recorded)}
    waiting = register(meeting, actor=waiting_list, user=waiting_list)
    Registration.objects.filter(pk=waiting.pk).update(status="waitlisted", seat=None)
    check_in(meeting, actor=cast.leader, code=regs[came].code)
    # The leader recorded this member present by hand (meeting mode), without the ticket.
    Attendance.objects.create(meeting=meeting, user=recorded, status="present")

    with time_machine.travel(meeting.ends_at + datetime.timedelta(minutes=1), tick=False):
        assert mark_no_shows() == 1
        assert mark_no_shows() == 0

    flags = dict(Registration.objects.filter(meeting=meeting).values_list("user_id", "no_show"))
    assert flags == {came.pk: False, absent.pk: True, recorded.pk: False, waiting_list.pk: False}


def test_a_meeting_that_never_used_check_in_makes_no_no_shows(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, starts_in=datetime.timedelta(hours=4))
    register(meeting, actor=cast.member, user=cast.member)
    with time_machine.travel(meeting.ends_at + datetime.timedelta(hours=1), tick=False):
        assert mark_no_shows() == 0
    assert not Registration.objects.filter(no_show=True).exists()


def test_closing_check_in_records_the_no_shows(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, starts_in=datetime.timedelta(hours=1))
    came, absent = members(cast.group, 2)
    ticket = register(meeting, actor=came, user=came)
    missing = register(meeting, actor=absent, user=absent)

    with pytest.raises(RegistrationError, match="once the meeting has started"):
        close_check_in(meeting, actor=cast.leader)
    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=10), tick=False):
        check_in(meeting, actor=cast.leader, code=ticket.code)
        with pytest.raises(RegistrationError, match="leaders"):
            close_check_in(meeting, actor=cast.member)
        assert close_check_in(meeting, actor=cast.leader) == 1

    missing.refresh_from_db()
    assert missing.no_show
    assert AuditEntry.objects.filter(action="meetings.check_in.closed").count() == 1


# --- check-in ---------------------------------------------------------------------------------


def test_check_in_accepts_a_typed_or_scanned_code_once(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)

    scanned = f"https://cerchia.example/meetings/{meeting.pk}/check-in/?code={reg.code}"
    done = check_in(meeting, actor=cast.leader, code=scanned)
    assert done.checked_in_at is not None
    with pytest.raises(RegistrationError, match="already checked in"):
        check_in(meeting, actor=cast.leader, code=f"  {reg.code.lower()} ")
    assert audit("meetings.registration.checked_in", reg)


def test_check_in_refuses_unknown_foreign_and_cancelled_tickets(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    other = make_meeting(cast.group, capacity=10)
    holder, waiting = members(cast.group, 2)
    held = register(meeting, actor=holder, user=holder)
    queued = register(meeting, actor=waiting, user=waiting)
    foreign = register(other, actor=cast.member, user=cast.member)

    with pytest.raises(RegistrationError, match="Unknown ticket code"):
        check_in(meeting, actor=cast.leader, code="NOPE234567")
    with pytest.raises(RegistrationError, match="another meeting"):
        check_in(meeting, actor=cast.leader, code=foreign.code)
    with pytest.raises(RegistrationError, match="waiting list"):
        check_in(meeting, actor=cast.leader, code=queued.code)
    with pytest.raises(RegistrationError, match="leaders"):
        check_in(meeting, actor=holder, code=held.code)
    cancel_registration(held, actor=holder)
    with pytest.raises(RegistrationError, match="cancelled"):
        check_in(meeting, actor=cast.leader, code=held.code)

    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


# --- payments ---------------------------------------------------------------------------------


def test_leaders_record_payments_up_to_the_price(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)

    with pytest.raises(RegistrationError, match="leaders or treasurer"):
        record_registration_payment(reg, actor=cast.member, amount_minor=1000, method="cash")
    with pytest.raises(RegistrationError, match="more than the 10.00 EUR"):
        record_registration_payment(reg, actor=cast.leader, amount_minor=1001, method="cash")
    with pytest.raises(RegistrationError, match="method"):
        record_registration_payment(reg, actor=cast.leader, amount_minor=100, method="bitcoin")
    paid = record_registration_payment(
        reg, actor=cast.leader, amount_minor=600, method="bank_transfer", reference="TRX-1"
    )
    paid = record_registration_payment(paid, actor=cast.leader, amount_minor=400, method="cash")

    assert (paid.paid_minor, paid.payment_method) == (1000, "cash")
    entries = audit("meetings.registration.paid", reg)
    assert [e.data["amount_minor"] for e in entries] == [600, 400]
    assert entries[0].data["reference"] == "TRX-1"

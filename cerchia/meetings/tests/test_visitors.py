"""Visitors: the visit limit, counts per group, the inviter's credit, follow-up tasks."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member, make_user
from cerchia.daily import run_daily
from cerchia.groups.services import create_group
from cerchia.meetings import visitors as services
from cerchia.meetings.models import FollowUpTask, Registration, Visitor
from cerchia.meetings.registrations import close_check_in
from cerchia.meetings.tests.visitor_helpers import (
    chamber,
    meeting_at,
    past_visit,
    visitor_host,
    visitor_of,
)
from cerchia.notices.models import Notice


def visit(meeting, email="ann@example.net", name="Ann Visitor", **kwargs):
    return services.register_visit(meeting, name=name, email=email, **kwargs)


def check_in(registration):
    registration.checked_in_at = timezone.now()
    registration.save(update_fields=["checked_in_at"])
    return registration


# --- the visit limit ------------------------------------------------------------------------


def test_lead_group_refuses_the_third_visit(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-14)
    past_visit(visitor, days=-7)
    meeting = meeting_at(cast.group)

    with pytest.raises(services.VisitLimitReached) as refused:
        visit(meeting, accept_non_member_price=True)

    assert not isinstance(refused.value, services.NonMemberPriceOnly)
    assert "2 visits" in str(refused.value) and "join the group" in str(refused.value)
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_second_visit_is_still_allowed_in_a_lead_group(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-7)

    registration = visit(meeting_at(cast.group))

    assert registration.status == "registered"
    assert registration.audience == "visitor"
    assert registration.price_minor == 1000
    assert registration.visitor == visitor


def test_visits_booked_ahead_count_against_the_limit(cast):
    first, second, third = (meeting_at(cast.group, days=d) for d in (7, 14, 21))
    visit(first)
    visit(second)

    with pytest.raises(services.VisitLimitReached):
        visit(third)

    assert Registration.objects.filter(visitor__email="ann@example.net").count() == 2


def test_past_the_limit_the_non_member_price_is_offered_where_the_group_allows(cast):
    cast.group.rule_overrides = {"non_member_price": True}
    cast.group.save()
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-14)
    past_visit(visitor, days=-7)
    meeting = meeting_at(cast.group)

    with pytest.raises(services.NonMemberPriceOnly) as offered:
        visit(meeting)
    assert "non-member price of 25.00 EUR" in str(offered.value)
    assert not Registration.objects.filter(meeting=meeting).exists()

    registration = visit(meeting, accept_non_member_price=True)

    assert registration.audience == "non_member"
    assert registration.price_minor == meeting.price_non_member_minor == 2500


def test_a_chamber_allows_one_visit_then_the_non_member_price(cast):
    town = chamber(cast.owner)
    first, second = meeting_at(town, kind="mixer"), meeting_at(town, days=14, kind="mixer")
    check_in(visit(first))

    with pytest.raises(services.NonMemberPriceOnly):
        visit(second)
    registration = visit(second, accept_non_member_price=True)

    assert registration.audience == "non_member"


def test_a_chamber_without_non_member_price_refuses_the_second_visit(cast):
    town = chamber(cast.owner, non_member_price=False)
    check_in(visit(meeting_at(town)))

    with pytest.raises(services.VisitLimitReached) as refused:
        visit(meeting_at(town, days=14), accept_non_member_price=True)

    assert not isinstance(refused.value, services.NonMemberPriceOnly)


def test_no_limit_means_any_number_of_visits(cast):
    assert cast.public_group.rules.visitor_visit_limit == 0
    visitor = visitor_of(cast.public_group)
    for days in (-21, -14, -7):
        past_visit(visitor, days=days)

    registration = visit(meeting_at(cast.public_group, kind="meetup"))

    assert registration.audience == "visitor"


def test_visits_to_another_group_do_not_count(cast):
    other = create_group(cast.owner, name="Chapter Two", kind="lead_group", visibility="public")
    elsewhere = visitor_of(other)
    past_visit(elsewhere, days=-14)
    past_visit(elsewhere, days=-7)
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-7)

    check = services.check_visit(meeting_at(cast.group), visitor)
    registration = visit(meeting_at(cast.group))

    assert (check.visits, check.booked, check.past_limit) == (1, 0, False)
    assert registration.visitor == visitor
    assert Visitor.objects.filter(email="ann@example.net").count() == 2


def test_what_is_not_a_visit(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-28, no_show=True)
    past_visit(visitor, days=-21, status="cancelled")
    cancelled = past_visit(visitor, days=-14)
    cancelled.meeting.cancelled_at = timezone.now()
    cancelled.meeting.save()
    # The door used check-in at this meeting and the visitor was not checked in.
    missed = past_visit(visitor, days=-7)
    Registration.objects.create(
        meeting=missed.meeting,
        name="Someone else",
        audience="non_member",
        status="registered",
        checked_in_at=timezone.now(),
    )

    check = services.check_visit(meeting_at(cast.group), visitor)

    assert (check.visits, check.booked) == (0, 0)
    assert visit(meeting_at(cast.group)).status == "registered"


def test_a_meeting_still_running_counts_once_checked_in(cast):
    visitor = visitor_of(cast.group)
    now_running = past_visit(visitor, days=-0.01)  # started a quarter of an hour ago
    meeting = meeting_at(cast.group)

    assert services.check_visit(meeting, visitor).booked == 1
    check_in(now_running)

    assert (
        services.check_visit(meeting, visitor).visits,
        services.check_visit(meeting, visitor).booked,
    ) == (1, 0)


# --- members are not visitors; meetings visitors cannot come to ------------------------------


def test_a_member_is_not_a_visitor(cast):
    meeting = meeting_at(cast.group)

    with pytest.raises(services.VisitorError, match="member"):
        services.invite_visitor(
            meeting, actor=cast.leader, name="Mia", email=cast.member.email.upper()
        )
    with pytest.raises(services.VisitorError, match="member"):
        visit(meeting, email=cast.member.email)
    with pytest.raises(services.VisitorError, match="member"):
        visit(meeting, email="other@example.net", user=cast.member)

    assert not Visitor.objects.exists()
    assert not Registration.objects.exists()


def test_visitors_cannot_come_to_members_only_cancelled_or_ended_meetings(cast):
    members_only = meeting_at(cast.group, members_only=True)
    cancelled = meeting_at(cast.group, cancelled_at=timezone.now())
    ended = meeting_at(cast.group, days=-3)

    for meeting, reason in (
        (members_only, "members only"),
        (cancelled, "cancelled"),
        (ended, "over"),
    ):
        with pytest.raises(services.VisitorError, match=reason):
            visit(meeting)
        with pytest.raises(services.VisitorError, match=reason):
            services.invite_visitor(meeting, actor=cast.member, name="Ann", email="a@example.net")

    assert not Visitor.objects.exists()


def test_only_members_invite(cast):
    with pytest.raises(services.VisitorError):
        services.invite_visitor(
            meeting_at(cast.group), actor=cast.visitor, name="Ann", email="a@example.net"
        )
    assert not Visitor.objects.exists()


def test_the_same_address_registers_at_most_three_times_an_hour(cast):
    meetings = [meeting_at(cast.public_group, days=d, kind="meetup") for d in (1, 2, 3, 4)]
    for meeting in meetings[:3]:
        visit(meeting)

    with pytest.raises(services.VisitorError, match="Too many"):
        visit(meetings[3])

    assert not Registration.objects.filter(meeting=meetings[3]).exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        assert visit(meetings[3]).status == "registered"


def test_registering_twice_for_a_meeting_is_refused(cast):
    meeting = meeting_at(cast.public_group, kind="meetup")
    visit(meeting)

    with pytest.raises(services.VisitorError, match="already registered"):
        visit(meeting, name="Ann Again")

    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_details_given_are_kept_and_blanks_filled(cast):
    meeting = meeting_at(cast.public_group, kind="meetup")
    visitor = Visitor.objects.create(
        group=cast.public_group, email="ann@example.net", name="Ann", company="Ann & Co"
    )

    visit(meeting, name="Mallory", company="Evil Corp", phone="+39 06 123")

    visitor.refresh_from_db()
    assert (visitor.name, visitor.company, visitor.phone) == ("Ann", "Ann & Co", "+39 06 123")


# --- invitations and the inviter's credit ---------------------------------------------------


def test_an_invitation_emails_a_signed_link_and_credits_the_inviter(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = meeting_at(cast.group, title="Tuesday breakfast")

    with django_capture_on_commit_callbacks(execute=True):
        visitor, registration = services.invite_visitor(
            meeting,
            actor=cast.member,
            name="Ann Visitor",
            email="Ann@Example.net",
            company="Ann & Co",
        )

    assert registration is None
    assert (visitor.email, visitor.invited_by, visitor.group) == (
        "ann@example.net",
        cast.member,
        cast.group,
    )
    [mail] = mailoutbox
    assert mail.to == ["ann@example.net"]
    assert mail.subject == "Mia Member invites you to Tuesday breakfast"
    link = next(line for line in mail.body.splitlines() if "/visit/?t=" in line)
    token = link.split("?t=", 1)[1]
    invitation = services.read_invitation(meeting, token)
    assert invitation is not None
    assert (invitation.visitor, invitation.inviter) == (visitor, cast.member)
    assert AuditEntry.objects.filter(
        action="meetings.visitor.invited", actor=cast.member, target_id=str(visitor.pk)
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        registration = visit(meeting, invitation=invitation)

    assert registration.registered_by == cast.member
    assert Notice.objects.filter(user=cast.member, kind="visitors.registered").exists()
    assert mailoutbox[-1].to == ["ann@example.net"]
    assert registration.code in mailoutbox[-1].body


def test_tokens_are_checked(cast):
    meeting, other = meeting_at(cast.group), meeting_at(cast.group, days=14)
    visitor = visitor_of(cast.group)
    token = services.invitation_token(meeting, visitor, cast.member)

    assert services.read_invitation(meeting, token) is not None
    assert services.read_invitation(other, token) is None
    assert services.read_invitation(meeting, token[:-2] + "xx") is None
    assert services.read_invitation(meeting, "nonsense") is None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=121)):
        assert services.read_invitation(meeting, token) is None


def test_the_first_inviter_stays_and_each_visit_credits_its_own(cast):
    second_member = make_user("second@example.org", "Sam Second")
    add_member(cast.group, second_member)
    first, second = meeting_at(cast.group), meeting_at(cast.group, days=14)

    visitor, registration = services.invite_visitor(
        first, actor=cast.member, name="Ann", email="ann@example.net", register_now=True
    )
    again, later = services.invite_visitor(
        second, actor=second_member, name="Ann", email="ann@example.net", register_now=True
    )

    assert again == visitor
    visitor.refresh_from_db()
    assert visitor.invited_by == cast.member
    assert registration is not None and later is not None
    assert (registration.registered_by, later.registered_by) == (cast.member, second_member)


def test_an_invitation_past_the_limit_is_refused_by_name(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-14)
    past_visit(visitor, days=-7)

    with pytest.raises(services.VisitLimitReached, match="Ann Visitor has already had 2 visits"):
        services.invite_visitor(
            meeting_at(cast.group), actor=cast.member, name="Ann", email="ann@example.net"
        )


def test_visitors_brought_counts_attended_visits_per_inviter(cast):
    second_member = make_user("second@example.org", "Sam Second")
    add_member(cast.group, second_member)
    ann, bob, cy = (
        visitor_of(cast.group, f"{n}@example.net", n.title()) for n in ("ann", "bob", "cy")
    )
    past_visit(ann, days=-20, invited_by=cast.member)
    past_visit(ann, days=-13, invited_by=cast.member)
    past_visit(bob, days=-6, invited_by=cast.member)
    past_visit(cy, days=-6, invited_by=second_member)
    past_visit(cy, days=-5, invited_by=second_member, no_show=True)  # did not come
    past_visit(cy, days=-100, invited_by=second_member)  # before the period
    other = create_group(cast.owner, name="Elsewhere", kind="lead_group")
    past_visit(visitor_of(other), days=-6, invited_by=second_member)  # another group

    now = timezone.now()
    rows = services.visitors_brought(cast.group, now - datetime.timedelta(days=30), now)

    assert [(r["user_id"], r["name"], r["visits"], r["visitors"]) for r in rows] == [
        (cast.member.pk, "Mia Member", 3, 2),
        (second_member.pk, "Sam Second", 1, 1),
    ]


# --- follow-up tasks ------------------------------------------------------------------------


def test_follow_up_tasks_thank_you_then_invite_to_apply_once_each(cast):
    host = visitor_host(cast.group)
    visitor = visitor_of(cast.group)
    first = past_visit(visitor, days=-14)
    second = past_visit(visitor, days=-7)

    made = services.follow_up_meeting(first.meeting) + services.follow_up_meeting(second.meeting)
    again = services.follow_up_meeting(first.meeting) + services.follow_up_meeting(second.meeting)

    assert again == []
    tasks = list(FollowUpTask.objects.order_by("due_on"))
    assert tasks == made
    assert [(t.kind, t.meeting_id, t.assignee) for t in tasks] == [
        ("thank_you", first.meeting_id, host),
        ("invite_to_apply", second.meeting_id, host),
    ]
    assert tasks[0].due_on == timezone.localtime(
        first.meeting.starts_at
    ).date() + datetime.timedelta(days=2)
    assert Notice.objects.filter(user=host, kind="visitors.follow_up").count() == 2


def test_no_task_after_a_third_visit_nor_for_a_visitor_who_joined(cast):
    visitor_host(cast.group)
    visitor = visitor_of(cast.group)
    for days in (-21, -14):
        past_visit(visitor, days=days)
    third = past_visit(visitor, days=-7)
    joined = visitor_of(cast.group, "joined@example.org", "Jo Joined")
    add_member(cast.group, make_user("joined@example.org"))
    Registration.objects.create(
        meeting=third.meeting, visitor=joined, name="Jo", audience="visitor", status="registered"
    )

    assert services.follow_up_meeting(third.meeting) == []


def test_tasks_go_to_the_host_with_fewest_open_tasks_else_the_president(cast):
    meeting = meeting_at(cast.group, days=-3)
    for name in ("ann", "bob"):
        Registration.objects.create(
            meeting=meeting,
            visitor=visitor_of(cast.group, f"{name}@example.net", name),
            name=name,
            audience="visitor",
            status="registered",
        )
    assert {t.assignee for t in services.follow_up_meeting(meeting)} == {cast.leader}

    FollowUpTask.objects.all().delete()
    hosts = [visitor_host(cast.group, "h1@example.org"), visitor_host(cast.group, "h2@example.org")]
    assert sorted(t.assignee.pk for t in services.follow_up_meeting(meeting)) == sorted(
        h.pk for h in hosts
    )


def test_the_daily_job_follows_up_ended_meetings_once(cast):
    host = visitor_host(cast.group)
    meeting = meeting_at(cast.group, days=1)
    registration = visit(meeting)
    missing = visit(meeting, email="bob@example.net", name="Bob")

    run_daily()
    assert not FollowUpTask.objects.exists()  # not over yet

    with time_machine.travel(meeting.ends_at + datetime.timedelta(hours=3)):
        check_in(registration)  # the door used check-in: Bob did not come
        first = run_daily()
        second = run_daily()

    assert first["visitor_tasks"] == 1 and second["visitor_tasks"] == 0
    [task] = FollowUpTask.objects.all()
    assert (task.visitor, task.kind, task.assignee) == (registration.visitor, "thank_you", host)
    missing.refresh_from_db()
    assert missing.no_show


def test_closing_visits_is_for_leaders_after_the_start(cast):
    visitor_host(cast.group)
    meeting = meeting_at(cast.group, days=1)
    check_in(visit(meeting))

    with pytest.raises(services.VisitorError):
        services.close_visits(meeting, actor=cast.member)
    with pytest.raises(services.VisitorError, match="started"):
        services.close_visits(meeting, actor=cast.leader)
    assert not FollowUpTask.objects.exists()

    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=20)):
        tasks = services.close_visits(meeting, actor=cast.leader)
    assert [t.kind for t in tasks] == ["thank_you"]


def test_completing_a_task(cast):
    host = visitor_host(cast.group)
    [task] = services.follow_up_meeting(past_visit(visitor_of(cast.group)).meeting)

    with pytest.raises(services.VisitorError):
        services.complete_task(task, actor=cast.member)
    services.complete_task(task, actor=host)
    with pytest.raises(services.VisitorError, match="already"):
        services.complete_task(task, actor=cast.leader)

    task.refresh_from_db()
    assert task.done_at is not None
    assert AuditEntry.objects.filter(action="meetings.visitor_task.done", actor=host).count() == 1


def test_closing_check_in_follows_up_the_visits_at_once(cast):
    host = visitor_host(cast.group)
    meeting = meeting_at(cast.group, days=1)
    came = check_in(visit(meeting))
    missed = visit(meeting, email="bob@example.net", name="Bob")

    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=30)):
        close_check_in(meeting, actor=cast.leader)

    [task] = FollowUpTask.objects.all()
    assert (task.visitor_id, task.kind, task.assignee) == (came.visitor_id, "thank_you", host)
    missed.refresh_from_db()
    assert missed.no_show

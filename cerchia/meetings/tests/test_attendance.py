"""Attendance: the leader's entry, self check-in by code, the absence policy over a rolling six
months (substitutes, medical leave) with its warnings, and hours."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.meetings.agenda import create_agenda
from cerchia.meetings.attendance import (
    AttendanceError,
    Mark,
    absence_counts,
    check_in,
    checkin_code,
    hours_by_member,
    normalise_code,
    policy_level,
    record_attendance,
    window_start,
)
from cerchia.meetings.models import Attendance, Meeting
from cerchia.meetings.tests.chapter_helpers import (
    FIRST_TUESDAY,
    at,
    audit,
    frozen,
    mark,
    meeting_at,
    notices_of,
    people,
    weekly,
)
from cerchia.notices.models import Notice

D = datetime.date
WEEK = datetime.timedelta(weeks=1)


def after(meeting):
    """Two hours after a meeting starts: it has happened."""
    return frozen(meeting.starts_at + datetime.timedelta(hours=2))


def set_rules(group, **rules):
    group.rule_overrides = {**group.rule_overrides, **rules}
    group.save(update_fields=["rule_overrides"])


# --- recording ---------------------------------------------------------------------------------


def test_a_leader_records_attendance_and_each_change_is_audited(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with after(meeting):
        rows = record_attendance(
            meeting,
            actor=cast.leader,
            items=[Mark(cast.member.pk, "late"), Mark(cast.leader.pk, "present")],
        )
    assert {(r.user_id, r.status, r.via) for r in rows} == {
        (cast.member.pk, "late", "leader"),
        (cast.leader.pk, "present", "leader"),
    }
    entries = audit("meetings.attendance.recorded")
    assert len(entries) == 2
    assert entries[0].actor == cast.leader
    assert {e.data["status"] for e in entries} == {"late", "present"}

    # The same marks again change nothing and leave no new entry.
    with after(meeting):
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "late")])
    assert len(audit("meetings.attendance.recorded")) == 2

    with after(meeting):
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "present")])
    latest = audit("meetings.attendance.recorded")[-1]
    assert latest.data == {
        "meeting": meeting.pk,
        "member": cast.member.pk,
        "status": "present",
        "was": "late",
    }
    assert Attendance.objects.get(meeting=meeting, user=cast.member).status == "present"


def test_a_plain_member_cannot_record_anyones_attendance(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with after(meeting), pytest.raises(AttendanceError, match="Only the leaders"):
        record_attendance(meeting, actor=cast.member, items=[Mark(cast.member.pk, "present")])
    assert not Attendance.objects.exists()


def test_only_active_members_of_the_group_get_attendance_and_nothing_is_saved_otherwise(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with after(meeting), pytest.raises(AttendanceError, match=str(cast.visitor.pk)):
        record_attendance(
            meeting,
            actor=cast.leader,
            items=[Mark(cast.member.pk, "present"), Mark(cast.visitor.pk, "present")],
        )
    assert not Attendance.objects.exists()  # the valid mark was not saved either
    assert not AuditEntry.objects.filter(action__startswith="meetings.attendance").exists()


def test_a_substitute_needs_a_name_and_other_marks_drop_it(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with after(meeting):
        with pytest.raises(AttendanceError, match="substitute's name"):
            record_attendance(
                meeting, actor=cast.leader, items=[Mark(cast.member.pk, "substitute")]
            )
        row = record_attendance(
            meeting, actor=cast.leader, items=[Mark(cast.member.pk, "substitute", "  Sara  Sub ")]
        )[0]
        assert (row.status, row.substitute_name) == ("substitute", "Sara Sub")
        row = record_attendance(
            meeting, actor=cast.leader, items=[Mark(cast.member.pk, "present", "Sara Sub")]
        )[0]
    assert (row.status, row.substitute_name) == ("present", "")


def test_unknown_statuses_and_doubled_members_are_refused(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with after(meeting):
        with pytest.raises(AttendanceError, match="Unknown attendance status"):
            record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "asleep")])
        with pytest.raises(AttendanceError, match="Each member once"):
            record_attendance(
                meeting,
                actor=cast.leader,
                items=[Mark(cast.member.pk, "present"), Mark(cast.member.pk, "absent")],
            )
    assert not Attendance.objects.exists()


def test_only_leave_and_substitutes_can_be_recorded_before_the_meeting(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with frozen(at(D(2026, 3, 3))):
        for status in ("present", "late", "absent"):
            with pytest.raises(AttendanceError, match="has not started"):
                record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, status)])
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "medical")])
    assert Attendance.objects.get(meeting=meeting, user=cast.member).status == "medical"


def test_a_cancelled_meeting_takes_no_attendance(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)), cancelled_at=at(D(2026, 3, 1)))
    with after(meeting), pytest.raises(AttendanceError, match="cancelled"):
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "present")])


# --- self check-in -------------------------------------------------------------------------


def test_the_check_in_code_is_six_characters_stable_and_differs_between_meetings(cast):
    first, second = weekly(cast.group, FIRST_TUESDAY, 2)
    code = checkin_code(first)
    assert len(code) == 6 and code.isalnum() and code.isupper()
    assert checkin_code(first) == code
    assert checkin_code(second) != code
    # The same meeting read back from the database (in UTC) has the same code.
    assert checkin_code(Meeting.objects.get(pk=first.pk)) == code
    # Moving the meeting gives it a new code.
    first.starts_at += datetime.timedelta(hours=1)
    assert checkin_code(first) != code
    assert normalise_code(f" {code.lower()[:3]} {code.lower()[3:]} ") == code
    assert normalise_code(f"https://example.org/meetings/1/here/?code={code}&x=1") == code


def test_self_check_in_is_open_from_half_an_hour_before_the_start_to_the_end(cast):
    day = D(2026, 3, 10)
    meeting = meeting_at(cast.group, at(day))
    code = checkin_code(meeting)
    with frozen(at(day, 6, 29)), pytest.raises(AttendanceError, match="opens at 2026-03-10 06:30"):
        check_in(meeting, user=cast.member, code=code)
    assert not Attendance.objects.exists()
    with frozen(at(day, 8, 31)), pytest.raises(AttendanceError, match="closed"):
        check_in(meeting, user=cast.member, code=code)
    assert not Attendance.objects.exists()
    with frozen(at(day, 6, 30)):
        row = check_in(meeting, user=cast.member, code=code.lower(), via="qr")
    assert (row.status, row.via, row.recorded_by) == ("present", "qr", cast.member)
    assert audit("meetings.attendance.checked_in")[0].data["via"] == "qr"
    with frozen(at(day, 8, 30)):
        assert check_in(meeting, user=cast.leader, code=code).status == "late"


def test_arriving_after_open_networking_is_late(cast):
    create_agenda(cast.organisation, actor=cast.owner)  # 15 minutes of open networking first
    day = D(2026, 3, 10)
    meeting = meeting_at(cast.group, at(day))
    code = checkin_code(meeting)
    with frozen(at(day, 7, 14)):
        assert check_in(meeting, user=cast.member, code=code).status == "present"
    with frozen(at(day, 7, 16)):
        assert check_in(meeting, user=cast.leader, code=code).status == "late"


def test_a_wrong_code_or_another_meetings_code_checks_nobody_in(cast):
    first, second = weekly(cast.group, FIRST_TUESDAY, 2)
    with frozen(first.starts_at):
        for code in ("", "AAAAAA", checkin_code(second)):
            with pytest.raises(AttendanceError, match="not this meeting's check-in code"):
                check_in(first, user=cast.member, code=code)
    assert not Attendance.objects.exists()


def test_only_active_members_check_themselves_in(cast):
    meeting = meeting_at(cast.group, at(D(2026, 3, 10)))
    with frozen(meeting.starts_at):
        for person in (cast.visitor, cast.outsider):
            with pytest.raises(AttendanceError, match="Only members"):
                check_in(meeting, user=person, code=checkin_code(meeting))
    assert not Attendance.objects.exists()


def test_checking_in_keeps_an_attending_mark_and_corrects_an_absence(cast):
    day = D(2026, 3, 10)
    meeting = meeting_at(cast.group, at(day))
    mark(meeting, cast.member, "present")
    mark(meeting, cast.leader, "absent")
    with frozen(at(day, 7, 30)):
        assert check_in(meeting, user=cast.member, code=checkin_code(meeting)).status == "present"
        assert check_in(meeting, user=cast.leader, code=checkin_code(meeting)).status == "late"
    assert len(audit("meetings.attendance.checked_in")) == 1  # only the change


# --- the absence policy --------------------------------------------------------------------


def test_members_near_and_past_the_limit_and_their_committee_are_warned_once_each(cast):
    committee = people(cast.group, ["Carla Committee"], role="membership_committee")[0]
    vice = people(cast.group, ["Vera Vice"], role="vice_president")[0]
    bystander = people(cast.group, ["Bruno Bystander"])[0]
    treasurer = people(cast.group, ["Tom Treasurer"], role="secretary_treasurer")[0]
    meetings = weekly(cast.group, FIRST_TUESDAY, 6)

    def absent(n):
        with after(meetings[n]):
            record_attendance(
                meetings[n], actor=cast.leader, items=[Mark(cast.member.pk, "absent")]
            )

    absent(0)
    assert Notice.objects.count() == 0
    absent(1)  # two absences: one short of the limit of three
    near = notices_of(cast.member, "attendance.near_limit")
    assert len(near) == 1
    assert near[0].params["count"] == "2" and near[0].params["limit"] == "3"
    assert near[0].url == f"/groups/{cast.group.slug}/attendance/"
    for person in (committee, vice, cast.leader):
        told = notices_of(person, "attendance.member_near_limit")
        assert len(told) == 1 and told[0].params["member"] == "Mia Member"
    for person in (bystander, treasurer, cast.owner):
        assert notices_of(person) == []

    absent(2)  # at the limit: still near, nobody is told twice
    assert Notice.objects.count() == 4
    absent(3)  # past it
    over = notices_of(cast.member, "attendance.over_limit")
    assert len(over) == 1 and over[0].params["count"] == "4"
    for person in (committee, vice, cast.leader):
        assert len(notices_of(person, "attendance.member_over_limit")) == 1
    absent(4)
    assert Notice.objects.count() == 8


def test_absences_count_over_a_rolling_six_months(cast):
    meetings = weekly(cast.group, FIRST_TUESDAY, 2)  # 6 and 13 January
    for m in meetings:
        mark(m, cast.member, "absent")
    # 6 July at 06:30 (Rome): 6 January 07:00 is still inside the six months; at 07:30 it
    # is not, however the clocks changed in between.
    assert absence_counts(cast.group, now=at(D(2026, 7, 6), 6, 30))[cast.member.pk].counted == 2
    assert absence_counts(cast.group, now=at(D(2026, 7, 6), 7, 30))[cast.member.pk].counted == 1
    utc = at(D(2026, 7, 6), 6, 30).astimezone(datetime.UTC)
    assert absence_counts(cast.group, now=utc)[cast.member.pk].counted == 2
    assert cast.member.pk not in absence_counts(cast.group, now=at(D(2026, 7, 14)))
    # Meetings still to come do not count yet.
    later = meeting_at(cast.group, at(D(2026, 8, 4)))
    mark(later, cast.member, "medical")
    assert cast.member.pk not in absence_counts(cast.group, now=at(D(2026, 7, 14)))


def test_a_new_warning_comes_once_older_absences_have_rolled_off(cast):
    january = weekly(cast.group, FIRST_TUESDAY, 2)
    august = weekly(cast.group, D(2026, 8, 4), 2)
    for m in january:
        with after(m):
            record_attendance(m, actor=cast.leader, items=[Mark(cast.member.pk, "absent")])
    assert len(notices_of(cast.member, "attendance.near_limit")) == 1
    with after(august[0]):
        record_attendance(august[0], actor=cast.leader, items=[Mark(cast.member.pk, "absent")])
    assert len(notices_of(cast.member, "attendance.near_limit")) == 1  # one in this window
    with after(august[1]):
        record_attendance(august[1], actor=cast.leader, items=[Mark(cast.member.pk, "absent")])
    assert len(notices_of(cast.member, "attendance.near_limit")) == 2


def test_no_limit_means_no_warnings(cast):
    set_rules(cast.group, max_absences_6_months=0)
    meetings = weekly(cast.group, FIRST_TUESDAY, 5)
    for m in meetings:
        with after(m):
            record_attendance(m, actor=cast.leader, items=[Mark(cast.member.pk, "absent")])
    assert Notice.objects.count() == 0
    assert policy_level(5, 0) == ""


@pytest.mark.parametrize(
    ("counted", "limit", "level"),
    [
        (0, 3, ""),
        (1, 3, ""),
        (2, 3, "near"),
        (3, 3, "near"),
        (4, 3, "over"),
        (1, 1, "near"),
        (2, 1, "over"),
        (0, 1, ""),
    ],
)
def test_policy_levels(counted, limit, level):
    assert policy_level(counted, limit) == level


def test_substitutes_count_as_absences_only_where_the_rules_say_so(cast):
    meetings = weekly(cast.group, FIRST_TUESDAY, 3)
    for m in meetings:
        mark(m, cast.member, "substitute", "Sara Sub")
    now = at(D(2026, 2, 1))
    counts = absence_counts(cast.group, now=now)[cast.member.pk]
    assert (counts.substitute, counts.counted) == (3, 0)
    set_rules(cast.group, substitutes_count_as_absence=True)
    assert absence_counts(cast.group, now=now)[cast.member.pk].counted == 3


def test_medical_leave_counts_only_beyond_its_weeks_even_across_a_clock_change(cast):
    # Eight weeks of leave (the lead-group default), from 17 February: ten medical weeks,
    # the last ones after the clocks went forward on 29 March.
    meetings = weekly(cast.group, D(2026, 2, 17), 10)
    mark(meeting_at(cast.group, at(D(2026, 2, 10))), cast.member, "present")
    for m in meetings:
        mark(m, cast.member, "medical")
    counts = absence_counts(cast.group, now=at(D(2026, 5, 1)))[cast.member.pk]
    assert (counts.medical, counts.counted) == (10, 2)  # weeks 9 and 10
    assert counts.first_counted == meetings[8].starts_at


def test_a_return_between_two_leaves_starts_the_weeks_again(cast):
    meetings = weekly(cast.group, FIRST_TUESDAY, 13)
    for m in meetings[:6]:
        mark(m, cast.member, "medical")
    mark(meetings[6], cast.member, "present")
    for m in meetings[7:]:
        mark(m, cast.member, "medical")
    counts = absence_counts(cast.group, now=at(D(2026, 4, 30)))[cast.member.pk]
    assert (counts.medical, counts.counted) == (12, 0)


def test_medical_leave_that_began_before_the_window_still_runs_out(cast):
    meetings = weekly(cast.group, D(2025, 9, 2), 40)  # September to early June
    for m in meetings:
        mark(m, cast.member, "medical")
    counts = absence_counts(cast.group, now=at(D(2026, 6, 10)))[cast.member.pk]
    assert counts.counted == counts.medical > 0  # the first eight weeks are long past


def test_with_no_medical_leave_every_medical_mark_counts(cast):
    set_rules(cast.group, medical_leave_weeks=0)
    for m in weekly(cast.group, FIRST_TUESDAY, 2):
        mark(m, cast.member, "medical")
    assert absence_counts(cast.group, now=at(D(2026, 2, 1)))[cast.member.pk].counted == 2


def test_cancelled_meetings_and_other_groups_do_not_count(cast):
    other = weekly(cast.organisation, FIRST_TUESDAY, 1)[0]
    cancelled = meeting_at(cast.group, at(D(2026, 1, 13)), cancelled_at=at(D(2026, 1, 10)))
    from cerchia.conftest import add_member

    add_member(cast.organisation, cast.member)
    mark(other, cast.member, "absent")
    mark(cancelled, cast.member, "absent")
    assert absence_counts(cast.group, now=at(D(2026, 2, 1))) == {}


def test_window_start_is_six_months_back_on_the_same_day_or_the_months_last():
    assert window_start(at(D(2026, 7, 6))) == at(D(2026, 1, 6))
    assert window_start(at(D(2026, 8, 31))) == at(D(2026, 2, 28))
    assert window_start(at(D(2026, 3, 15))) == at(D(2025, 9, 15))


# --- hours -------------------------------------------------------------------------------------


def test_hours_add_up_the_meetings_attended_in_the_period(cast, django_assert_num_queries):
    meetings = weekly(cast.group, FIRST_TUESDAY, 4)  # 90 minutes each
    long_one = meeting_at(cast.group, at(D(2026, 2, 3)), minutes=120)
    cancelled = meeting_at(cast.group, at(D(2026, 2, 10)), cancelled_at=at(D(2026, 2, 1)))
    mark(meetings[0], cast.member, "present")
    mark(meetings[1], cast.member, "late")
    mark(meetings[2], cast.member, "absent")
    mark(meetings[3], cast.member, "substitute", "Sara Sub")
    mark(long_one, cast.member, "present")
    mark(cancelled, cast.member, "present")
    mark(meetings[0], cast.leader, "present")
    with django_assert_num_queries(1):
        hours = hours_by_member(cast.group, D(2026, 1, 1), D(2026, 2, 28))
    assert hours == {cast.member.pk: Decimal("5.00"), cast.leader.pk: Decimal("1.50")}
    # Both days are included, in the group's time zone.
    assert hours_by_member(cast.group, D(2026, 1, 13), D(2026, 1, 13)) == {
        cast.member.pk: Decimal("1.50")
    }
    assert hours_by_member(cast.group, D(2026, 1, 7), D(2026, 1, 12)) == {}
    # The report shows the same hours for the six months.
    counts = absence_counts(cast.group, now=at(D(2026, 3, 1)))
    assert counts[cast.member.pk].hours == Decimal("5.00")

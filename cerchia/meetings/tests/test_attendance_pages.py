"""Attendance on the pages and in the API: the leader's sheet, self check-in by QR code or
typed code, the chapter report with hours; who may see and do what; query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.groups.tests.helpers import messages_of, send_json
from cerchia.meetings.attendance import checkin_code
from cerchia.meetings.models import Attendance
from cerchia.meetings.tests.chapter_helpers import (
    FIRST_TUESDAY,
    at,
    frozen,
    mark,
    meeting_at,
    people,
    weekly,
)

D = datetime.date
DAY = D(2026, 3, 10)


@pytest.fixture
def meeting(cast):
    meeting = meeting_at(cast.group, at(DAY))
    with frozen(at(DAY, 9)):
        yield meeting


# --- the leader's sheet --------------------------------------------------------------------------


def sheet_url(meeting):
    return f"/meetings/{meeting.pk}/attendance/"


def test_the_sheet_marks_everyone_present_unless_told_otherwise(cast, meeting):
    leader = cast.client("leader")
    page = leader.get(sheet_url(meeting))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="status_{cast.member.pk}" value="present" checked' in html
    assert checkin_code(meeting) in html
    posted = {
        f"status_{cast.member.pk}": "substitute",
        f"substitute_{cast.member.pk}": "Sara Sub",
        f"status_{cast.leader.pk}": "present",
        f"status_{cast.owner.pk}": "absent",
        f"status_{cast.visitor.pk}": "present",  # not on the sheet: ignored
    }
    done = leader.post(sheet_url(meeting), posted, follow=True)
    assert "Attendance saved for 3 members." in messages_of(done)
    marks = {a.user_id: (a.status, a.substitute_name) for a in Attendance.objects.all()}
    assert marks == {
        cast.member.pk: ("substitute", "Sara Sub"),
        cast.leader.pk: ("present", ""),
        cast.owner.pk: ("absent", ""),
    }
    # The sheet now shows what was recorded.
    again = leader.get(sheet_url(meeting)).content.decode()
    assert f'name="status_{cast.owner.pk}" value="absent" checked' in again


def test_a_refused_sheet_saves_nothing(cast, meeting):
    done = cast.client("leader").post(
        sheet_url(meeting),
        {f"status_{cast.member.pk}": "substitute", f"status_{cast.leader.pk}": "present"},
    )
    assert done.status_code == 200
    assert "substitute's name" in " ".join(messages_of(done))
    assert not Attendance.objects.exists()


def test_members_cannot_open_the_sheet_and_outsiders_do_not_find_it(cast, meeting):
    posted = {f"status_{cast.member.pk}": "absent"}
    assert cast.client("member").get(sheet_url(meeting)).status_code == 403
    assert cast.client("member").post(sheet_url(meeting), posted).status_code == 403
    assert cast.client("outsider").get(sheet_url(meeting)).status_code == 404
    assert cast.client("outsider").post(sheet_url(meeting), posted).status_code == 404
    assert not Attendance.objects.exists()


def test_the_sheet_costs_the_same_for_few_or_many_members(cast, meeting):
    leader = cast.client("leader")
    with CaptureQueriesContext(connection) as few:
        leader.get(sheet_url(meeting))
    for user in people(cast.group, [f"P{n:02d} Person" for n in range(15)]):
        mark(meeting, user, "present")
    with CaptureQueriesContext(connection) as many:
        leader.get(sheet_url(meeting))
    assert len(many) == len(few)


# --- self check-in ------------------------------------------------------------------------------


def here_url(meeting):
    return f"/meetings/{meeting.pk}/here/"


def test_a_member_checks_in_from_the_qr_code(cast, meeting):
    code = checkin_code(meeting)
    member = cast.client("member")
    with frozen(at(DAY, 6, 45)):
        page = member.get(here_url(meeting), {"code": code})
        assert page.status_code == 200
        html = page.content.decode()
        assert f'value="{code}"' in html and 'value="qr"' in html
        done = member.post(here_url(meeting), {"code": code, "via": "qr"}, follow=True)
    assert "You are checked in: present." in messages_of(done)
    row = Attendance.objects.get(meeting=meeting, user=cast.member)
    assert (row.status, row.via) == ("present", "qr")
    assert "You are recorded as present." in done.content.decode()


def test_a_wrong_or_late_code_is_refused_on_the_page(cast, meeting):
    member = cast.client("member")
    with frozen(at(DAY, 7, 5)):
        wrong = member.post(here_url(meeting), {"code": "ZZZZZZ"})
    assert "not this meeting's check-in code" in " ".join(messages_of(wrong))
    with frozen(at(DAY, 9)):
        late = member.post(here_url(meeting), {"code": checkin_code(meeting)})
    assert "closed" in " ".join(messages_of(late))
    assert not Attendance.objects.exists()


def test_check_in_needs_an_account_and_a_visible_meeting(cast, meeting):
    from django.test import Client

    anonymous = Client().get(here_url(meeting), {"code": "X"})
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
    assert cast.client("outsider").get(here_url(meeting)).status_code == 404
    with frozen(at(DAY, 7)):
        refused = cast.client("outsider").post(here_url(meeting), {"code": checkin_code(meeting)})
    assert refused.status_code == 404
    assert not Attendance.objects.exists()


def test_the_api_checks_a_member_in_with_the_code(cast, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/here"
    with frozen(at(DAY, 7, 20)):
        done = send_json(cast.api("member"), "post", url, {"code": checkin_code(meeting).lower()})
        wrong = send_json(cast.api("leader"), "post", url, {"code": "nope"})
        outsider = send_json(cast.api("outsider"), "post", url, {"code": checkin_code(meeting)})
    assert done.status_code == 200
    assert done.json()["status"] == "late" and done.json()["via"] == "code"
    assert wrong.status_code == 400 and "check-in code" in wrong.json()["detail"]
    assert outsider.status_code == 404
    assert Attendance.objects.count() == 1


# --- the API for leaders -----------------------------------------------------------------------


def test_leaders_put_and_read_attendance_members_read_their_own(cast, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/attendance"
    body = {
        "items": [
            {"user_id": cast.member.pk, "status": "absent"},
            {"user_id": cast.leader.pk, "status": "substitute", "substitute_name": "Sara Sub"},
        ]
    }
    put = send_json(cast.api("leader"), "put", url, body)
    assert put.status_code == 200
    assert [(i["user_id"], i["status"]) for i in put.json()["items"]] == [
        (cast.leader.pk, "substitute"),
        (cast.member.pk, "absent"),
    ]
    everyone = send_json(cast.api("leader"), "get", url).json()
    assert everyone["count"] == 2
    own = send_json(cast.api("member"), "get", url).json()
    assert [(i["user_id"], i["status"]) for i in own["items"]] == [(cast.member.pk, "absent")]


def test_a_plain_member_cannot_put_attendance_and_outsiders_get_404(cast, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/attendance"
    body = {"items": [{"user_id": cast.member.pk, "status": "present"}]}
    member = send_json(cast.api("member"), "put", url, body)
    assert member.status_code == 403 and member.json() == {
        "detail": "Only the group's leaders may do this"
    }
    assert send_json(cast.api("outsider"), "put", url, body).status_code == 404
    assert send_json(cast.api("outsider"), "get", url).status_code == 404
    assert send_json(cast.api("visitor"), "get", url).status_code == 403  # an applicant
    assert not Attendance.objects.exists()


def test_bad_attendance_is_a_400_and_saves_nothing(cast, meeting):
    url = f"/api/v1/meetings/{meeting.pk}/attendance"
    for item in (
        {"user_id": cast.member.pk, "status": "sleeping"},
        {"user_id": cast.outsider.pk, "status": "present"},
        {"user_id": cast.member.pk, "status": "substitute"},
    ):
        body = {"items": [{"user_id": cast.leader.pk, "status": "present"}, item]}
        response = send_json(cast.api("leader"), "put", url, body)
        assert response.status_code == 400
        assert response.json()["detail"]
    assert not Attendance.objects.exists()


def test_attendance_of_a_public_groups_meeting_is_for_its_members(cast):
    meeting = meeting_at(cast.public_group, at(DAY), kind="meetup")
    url = f"/api/v1/meetings/{meeting.pk}/attendance"
    assert send_json(cast.api("outsider"), "get", url).status_code == 403
    assert cast.client("outsider").get(sheet_url(meeting)).status_code == 403


# --- the report --------------------------------------------------------------------------------


def report_url(group):
    return f"/groups/{group.slug}/attendance/"


@pytest.fixture
def history(cast):
    """Five Tuesdays from 6 January: Mia absent four times (over the limit of three), Leo
    absent twice (near it) and present three times; read on 1 March."""
    meetings = weekly(cast.group, FIRST_TUESDAY, 5)
    for n, m in enumerate(meetings):
        mark(m, cast.member, "absent" if n < 4 else "late")
        mark(m, cast.leader, "absent" if n < 2 else "present")
    with frozen(at(D(2026, 3, 1))):
        yield meetings


def test_the_leader_sees_everyones_counts_flags_and_hours(cast, history):
    page = cast.client("leader").get(report_url(cast.group))
    assert page.status_code == 200
    rows = {r.membership.user_id: r for r in page.context["rows"]}
    mia, leo = rows[cast.member.pk], rows[cast.leader.pk]
    assert (mia.counts.absent, mia.counts.late, mia.counts.counted, mia.level) == (4, 1, 4, "over")
    assert (leo.counts.present, leo.counts.counted, leo.level) == (3, 2, "near")
    assert str(leo.counts.hours) == "4.50" and str(mia.counts.hours) == "1.50"
    html = page.content.decode()
    assert "Over the limit" in html and "Near the limit" in html
    assert "The group allows 3 absences in any six months." in html


def test_a_member_sees_only_their_own_line(cast, history):
    page = cast.client("member").get(report_url(cast.group))
    assert page.status_code == 200
    assert [r.membership.user_id for r in page.context["rows"]] == [cast.member.pk]
    html = page.content.decode()
    assert "My attendance" in html and "Leo Leader" not in html


def test_outsiders_do_not_find_the_report_and_applicants_may_not_read_it(cast, history):
    assert cast.client("outsider").get(report_url(cast.group)).status_code == 404
    assert cast.client("visitor").get(report_url(cast.group)).status_code == 403


def test_the_report_costs_the_same_for_few_or_many_members(cast, history):
    leader = cast.client("leader")
    with CaptureQueriesContext(connection) as few:
        leader.get(report_url(cast.group))
    for user in people(cast.group, [f"R{n:02d} Person" for n in range(20)]):
        for m in history:
            mark(m, user, "medical")
    with CaptureQueriesContext(connection) as many:
        leader.get(report_url(cast.group))
    assert len(many) == len(few)


def test_the_report_api_gives_counts_and_hours(cast, history, django_assert_max_num_queries):
    url = f"/api/v1/groups/{cast.group.pk}/attendance"
    leader = cast.api("leader")
    # token (read, touch), group (and, as it is private, whether I may see it), rights, members,
    # counts
    with django_assert_max_num_queries(7):
        body = send_json(leader, "get", url).json()
    assert body["max_absences"] == 3 and body["medical_leave_weeks"] == 8
    rows = {r["user_id"]: r for r in body["items"]}
    assert rows[cast.member.pk]["level"] == "over"
    assert rows[cast.member.pk]["counted_absences"] == 4
    assert rows[cast.leader.pk]["hours"] == "4.50"
    own = send_json(cast.api("member"), "get", url).json()
    assert [r["user_id"] for r in own["items"]] == [cast.member.pk]
    assert send_json(cast.api("outsider"), "get", url).status_code == 404


def test_the_report_links_leaders_to_recent_sheets_and_the_group_page_links_the_report(
    cast, history
):
    html = cast.client("leader").get(report_url(cast.group)).content.decode()
    section = html.split('id="recent-meetings"', 1)[1]
    assert f"/meetings/{history[-1].pk}/attendance/" in section
    assert f"/meetings/{history[-1].pk}/live/" in section
    assert f"/meetings/{history[0].pk}/" not in section  # only the last three
    assert (
        'id="recent-meetings"'
        not in cast.client("member").get(report_url(cast.group)).content.decode()
    )
    member_page = cast.client("member").get(cast.group.get_absolute_url()).content.decode()
    assert report_url(cast.group) in member_page
    assert f"/groups/{cast.group.slug}/speakers/" in member_page
    public = cast.client("outsider").get(cast.public_group.get_absolute_url()).content.decode()
    assert 'id="chapter-links"' not in public  # an event network holds no weekly meetings

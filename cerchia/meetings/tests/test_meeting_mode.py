"""Meeting mode: the agenda run from a phone, its state kept on the server (a reload or a
second phone sees the same moment), the round member by member, the feature speaker, the
visitors, and attendance as it goes."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.groups.models import Membership
from cerchia.groups.tests.helpers import send_json
from cerchia.meetings.agenda import AgendaError, create_agenda, live_state, step_meeting
from cerchia.meetings.attendance import checkin_code
from cerchia.meetings.models import Attendance, Meeting, Registration, SpeakerSlot, Visitor
from cerchia.meetings.tests.chapter_helpers import at, audit, frozen, mark, meeting_at, people

D = datetime.date
DAY = D(2026, 3, 10)


@pytest.fixture
def meeting(cast):
    """The standard agenda; the chapter's members are Anna, Leo (president), Mia and Olivia
    (the organisation's administrator, who created the chapter). The clock stops at 07:00."""
    create_agenda(cast.organisation, actor=cast.owner)
    people(cast.group, ["Anna Alpha"])
    meeting = meeting_at(cast.group, at(DAY))
    with frozen(at(DAY)):
        yield meeting


def step(meeting, action, actor, **seen):
    return step_meeting(
        Meeting.objects.get(pk=meeting.pk), actor=actor, action=action, checked=bool(seen), **seen
    )


def to_round(meeting, leader):
    step(meeting, "start", leader)
    for _ in range(3):
        step(meeting, "next", leader)
    return Meeting.objects.get(pk=meeting.pk)


def name_of(user_id):
    from cerchia.accounts.models import User

    return User.objects.get(pk=user_id).profile.display_name


# --- the state machine ---------------------------------------------------------------------


def test_start_next_previous_and_finish(cast, meeting):
    started = step(meeting, "start", cast.leader)
    assert (started.live_segment, started.live_since) == (0, at(DAY))
    with frozen(at(DAY, 7, 16)):
        moved = step(meeting, "next", cast.leader)
    assert (moved.live_segment, moved.live_since) == (1, at(DAY, 7, 16))
    state = live_state(moved)
    assert state.segment.code == "welcome"
    assert state.ends_at == at(DAY, 7, 21)
    back = step(meeting, "previous", cast.leader)
    assert back.live_segment == 0
    assert step(meeting, "previous", cast.leader).live_segment is None  # before the start
    step(meeting, "start", cast.leader)
    over = step(meeting, "finish", cast.leader)
    assert over.live_segment == 9 and live_state(over).over
    assert step(meeting, "next", cast.leader).live_segment == 9  # nothing after the end
    assert step(meeting, "previous", cast.leader).live_segment == 8
    actions = [e.action for e in audit("meetings.live.start")]
    assert actions == ["meetings.live.start", "meetings.live.start"]
    assert audit("meetings.live.next")[0].actor == cast.leader


def test_a_step_from_a_state_the_meeting_has_left_is_ignored(cast, meeting):
    step(meeting, "start", cast.leader)
    # Two phones show segment 0 and both tap "next": the meeting moves once.
    assert step(meeting, "next", cast.leader, seen_segment=0).live_segment == 1
    assert step(meeting, "next", cast.leader, seen_segment=0).live_segment == 1
    assert len(audit("meetings.live.next")) == 1
    # A phone that has not seen the start cannot start it again.
    assert step(meeting, "start", cast.leader, seen_segment=None).live_segment == 1


def test_the_round_goes_member_by_member_alphabetically_skipping_absentees(cast, meeting):
    olivia = cast.owner
    anna = Membership.objects.get(group=cast.group, user__email="anna@example.org").user
    mark(meeting, cast.leader, "absent")
    in_round = to_round(meeting, cast.leader)
    assert live_state(in_round).segment.is_round
    assert (in_round.live_member, in_round.live_member_since) == (anna, at(DAY))
    with frozen(at(DAY, 7, 26)):
        after_anna = step(meeting, "turn_next", cast.leader)
    assert name_of(after_anna.live_member_id) == "Mia Member"  # Leo is absent: skipped
    assert after_anna.live_member_since == at(DAY, 7, 26)
    assert live_state(after_anna).turn_ends_at == at(DAY, 7, 27)
    assert step(meeting, "turn_previous", cast.leader).live_member == anna
    assert step(meeting, "turn_previous", cast.leader).live_member == anna  # first already
    step(meeting, "turn_next", cast.leader)
    assert step(meeting, "turn_next", cast.leader).live_member == olivia
    done = step(meeting, "turn_next", cast.leader)
    assert (done.live_member, done.live_member_since) == (None, None)  # everyone presented
    # Leaving the round ends it; a turn outside the round does nothing.
    left = step(meeting, "next", cast.leader)
    assert left.live_member is None
    assert step(meeting, "turn_next", cast.leader).live_member is None


def test_a_stale_turn_is_ignored(cast, meeting):
    in_round = to_round(meeting, cast.leader)
    first = in_round.live_member_id
    moved = step(meeting, "turn_next", cast.leader, seen_segment=3, seen_member=first)
    again = step(meeting, "turn_next", cast.leader, seen_segment=3, seen_member=first)
    assert again.live_member_id == moved.live_member_id != first


def test_only_leaders_run_a_meeting(cast, meeting):
    for person in (cast.member, cast.visitor, cast.outsider):
        with pytest.raises(AgendaError, match="Only the leaders"):
            step(meeting, "start", person)
    assert Meeting.objects.get(pk=meeting.pk).live_segment is None
    assert not audit("meetings.live.start")


def test_a_meeting_without_an_agenda_or_cancelled_cannot_run(cast):
    meeting = meeting_at(cast.group, at(DAY))
    with pytest.raises(AgendaError, match="no agenda yet"):
        step(meeting, "start", cast.leader)
    create_agenda(cast.organisation, actor=cast.owner)
    meeting.cancelled_at = at(D(2026, 3, 1))
    meeting.save()
    with pytest.raises(AgendaError, match="cancelled"):
        step(meeting, "start", cast.leader)
    with pytest.raises(AgendaError, match="Unknown step"):
        step(meeting, "jump", cast.leader)


# --- the page ------------------------------------------------------------------------------------


def live_url(meeting, tail=""):
    return f"/meetings/{meeting.pk}/live/{tail}"


def test_the_leader_opens_meeting_mode_with_the_check_in_code(cast, meeting):
    page = cast.client("leader").get(live_url(meeting))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Start the meeting" in html
    assert checkin_code(meeting) in html and "<svg" in html
    assert "Anna Alpha" in html and 'id="mark-' in html
    assert "js/meeting-mode" in html


def test_members_may_not_run_the_meeting_and_outsiders_do_not_find_it(cast, meeting):
    for tail in ("", "state/"):
        assert cast.client("member").get(live_url(meeting, tail)).status_code == 403
        assert cast.client("outsider").get(live_url(meeting, tail)).status_code == 404
    assert (
        cast.client("member").post(live_url(meeting, "step/"), {"action": "start"}).status_code
        == 403
    )
    assert (
        cast.client("outsider").post(live_url(meeting, "step/"), {"action": "start"}).status_code
        == 404
    )
    mark_post = {"user": cast.member.pk, "status": "absent"}
    assert cast.client("member").post(live_url(meeting, "mark/"), mark_post).status_code == 403
    assert cast.client("outsider").post(live_url(meeting, "mark/"), mark_post).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).live_segment is None
    assert not Attendance.objects.exists()


def test_steps_swap_the_live_part_in_place_and_a_reload_shows_the_same_moment(cast, meeting):
    leader = cast.client("leader")
    part = leader.post(
        live_url(meeting, "step/"), {"action": "start", "seen": ""}, HTTP_HX_REQUEST="true"
    )
    assert part.status_code == 200
    html = part.content.decode()
    assert html.lstrip().startswith('<div id="live-state"')
    assert "Open networking" in html and "Segment 1 of 9" in html
    assert f'data-deadline="{int(at(DAY, 7, 15).timestamp())}"' in html
    with frozen(at(DAY, 7, 15)):
        leader.post(
            live_url(meeting, "step/"), {"action": "next", "seen": "0"}, HTTP_HX_REQUEST="true"
        )
    # A second phone (or a reload) sees the running segment.
    second = cast.client("owner").get(live_url(meeting, "state/")).content.decode()
    assert "Welcome, purpose and overview" in second and "Segment 2 of 9" in second
    # Without htmx the form posts and comes back to the page.
    plain = leader.post(live_url(meeting, "step/"), {"action": "next", "seen": "1"})
    assert plain.status_code == 302 and plain["Location"] == live_url(meeting)
    assert "Education moment" in leader.get(live_url(meeting)).content.decode()


def test_the_round_shows_who_presents_and_their_countdown(cast, meeting):
    to_round(meeting, cast.leader)
    html = cast.client("leader").get(live_url(meeting, "state/")).content.decode()
    assert "Presenting now (1 of 4)" in html
    assert 'id="turn-name">Anna Alpha<' in html
    assert f'data-deadline="{int(at(DAY, 7, 1).timestamp())}"' in html


def test_the_feature_segment_shows_the_speaker(cast, meeting):
    SpeakerSlot.objects.create(meeting=meeting, user=cast.member, topic="Light and shade")
    step(meeting, "start", cast.leader)
    for _ in range(5):
        step(meeting, "next", cast.leader)
    html = cast.client("leader").get(live_url(meeting, "state/")).content.decode()
    assert "Feature presentation" in html
    assert "Mia Member" in html and "Light and shade" in html


def test_the_visitor_segment_shows_registered_visitors_only(cast, meeting):
    host = people(cast.group, ["Hugo Host"], role="visitor_host")[0]
    for name, status in (("Vera Visitor", "registered"), ("Carl Cancelled", "cancelled")):
        visitor = Visitor.objects.create(
            group=cast.group,
            name=name,
            email=f"{name.split()[0].lower()}@example.net",
            company=f"{name} Srl",
            invited_by=host,
        )
        Registration.objects.create(
            meeting=meeting, visitor=visitor, name=name, audience="visitor", status=status
        )
    Registration.objects.create(
        meeting=meeting, user=cast.member, name="Mia Member", audience="member", status="registered"
    )
    step(meeting, "start", cast.leader)
    for _ in range(4):
        step(meeting, "next", cast.leader)
    html = cast.client("leader").get(live_url(meeting, "state/")).content.decode()
    assert "Visitor introductions" in html
    section = html.split('id="visitors-now"', 1)[1].split("</section>", 1)[0]
    assert "Vera Visitor" in section and "Vera Visitor Srl" in section
    assert "Invited by Hugo Host" in section
    assert "Carl Cancelled" not in section and "Mia Member" not in section


def test_marking_attendance_in_meeting_mode_returns_the_row(cast, meeting):
    leader = cast.client("leader")
    row = leader.post(
        live_url(meeting, "mark/"),
        {"user": cast.member.pk, "status": "late"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200
    html = row.content.decode()
    assert html.lstrip().startswith(f'<li id="mark-{cast.member.pk}"')
    assert "status-late" in html
    assert Attendance.objects.get(meeting=meeting, user=cast.member).status == "late"
    refused = leader.post(
        live_url(meeting, "mark/"),
        {"user": cast.member.pk, "status": "substitute", "substitute_name": ""},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 200
    assert "substitute&#x27;s name" in refused.content.decode()
    assert Attendance.objects.get(meeting=meeting, user=cast.member).status == "late"
    stranger = leader.post(
        live_url(meeting, "mark/"),
        {"user": cast.outsider.pk, "status": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert stranger.status_code == 400
    assert not Attendance.objects.filter(user=cast.outsider).exists()


def test_meeting_mode_costs_the_same_for_few_or_many_members(cast, meeting):
    to_round(meeting, cast.leader)
    leader = cast.client("leader")
    with CaptureQueriesContext(connection) as few:
        leader.get(live_url(meeting))
    people(cast.group, [f"Z{n:02d} Zeta" for n in range(20)])
    for user in Membership.objects.filter(group=cast.group).values_list("user", flat=True)[:10]:
        Attendance.objects.create(meeting=meeting, user_id=user, status="present")
    with CaptureQueriesContext(connection) as many:
        leader.get(live_url(meeting))
    assert len(many) == len(few)


# --- API ---------------------------------------------------------------------------------------


def test_the_api_runs_meeting_mode(cast, meeting):
    leader = cast.api("leader")
    url = f"/api/v1/meetings/{meeting.pk}/live"
    assert send_json(leader, "get", url).json()["started"] is False
    started = send_json(leader, "post", url, {"action": "start"}).json()
    assert started["segment"]["code"] == "open_networking"
    assert started["ends_at"].startswith("2026-03-10T06:15:00")
    assert (
        send_json(leader, "post", url, {"action": "next", "seen_segment": 0}).json()[
            "segment_index"
        ]
        == 1
    )
    stale = send_json(leader, "post", url, {"action": "next", "seen_segment": 0}).json()
    assert stale["segment_index"] == 1
    bad = send_json(leader, "post", url, {"action": "fly"})
    assert bad.status_code == 400 and "Unknown step" in bad.json()["detail"]
    assert send_json(cast.api("member"), "post", url, {"action": "next"}).status_code == 403
    assert send_json(cast.api("member"), "get", url).status_code == 403
    assert send_json(cast.api("outsider"), "get", url).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).live_segment == 1

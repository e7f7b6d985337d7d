"""The feature-speaker rotation: weeks ahead, fair across active members, skipping members on
medical leave and those who asked not to speak; leaders swap and choose."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.groups.models import Membership
from cerchia.groups.tests.helpers import messages_of, send_json
from cerchia.meetings.agenda import (
    AgendaError,
    plan_rotation,
    rotation,
    set_speaker,
    set_speaker_opt_out,
    speaker_queue,
    swap_speakers,
)
from cerchia.meetings.models import SpeakerOptOut, SpeakerSlot
from cerchia.meetings.tests.chapter_helpers import (
    at,
    audit,
    frozen,
    mark,
    meeting_at,
    people,
    weekly,
)

D = datetime.date
TODAY = D(2026, 3, 2)  # a Monday; chapter meetings every Tuesday from 3 March


@pytest.fixture
def chapter(cast):
    """Five active members in all (leader, member and three more); eight Tuesdays ahead and
    two behind. The organisation's administrator, who created the chapter, is not one of
    its members here."""
    Membership.objects.filter(group=cast.group, user=cast.owner).delete()
    extra = people(cast.group, ["Anna Alpha", "Bea Beta", "Carlo Gamma"])
    past = weekly(cast.group, D(2026, 2, 17), 2)
    ahead = weekly(cast.group, D(2026, 3, 3), 8)
    with frozen(at(TODAY, 12)):
        yield {"extra": extra, "past": past, "ahead": ahead}


def speakers(meetings):
    slots = {s.meeting_id: s.user_id for s in SpeakerSlot.objects.filter(meeting__in=meetings)}
    return [slots.get(m.pk) for m in meetings]


def test_nobody_speaks_twice_before_everyone_has_spoken_once(cast, chapter):
    anna, bea, carlo = chapter["extra"]
    # Bea spoke two weeks ago, Carlo last week: they go last, Carlo after Bea.
    SpeakerSlot.objects.create(meeting=chapter["past"][0], user=bea)
    SpeakerSlot.objects.create(meeting=chapter["past"][1], user=carlo)
    created = plan_rotation(cast.group, actor=cast.leader, weeks=8)
    assert len(created) == 8
    order = speakers(chapter["ahead"])
    # Never spoke (by seniority, then join order): leader, member, Anna; then Bea, Carlo.
    assert order[:5] == [cast.leader.pk, cast.member.pk, anna.pk, bea.pk, carlo.pk]
    assert order[5:] == order[:3]
    assert audit("meetings.rotation.planned")[0].actor == cast.leader


def test_planning_again_keeps_the_speakers_already_chosen(cast, chapter):
    plan_rotation(cast.group, actor=cast.leader, weeks=3)
    first = speakers(chapter["ahead"][:3])
    assert plan_rotation(cast.group, actor=cast.leader, weeks=3) == []
    more = plan_rotation(cast.group, actor=cast.leader, weeks=5)
    assert len(more) == 2
    order = speakers(chapter["ahead"][:5])
    assert order[:3] == first
    assert len(set(order)) == 5  # the two new weeks went to the two who had not spoken


def test_members_on_medical_leave_and_those_who_opt_out_are_skipped(cast, chapter):
    anna, bea, _carlo = chapter["extra"]
    mark(chapter["past"][1], anna, "medical")
    mark(chapter["past"][0], bea, "medical")
    mark(chapter["past"][1], bea, "present")  # back from leave
    set_speaker_opt_out(cast.group, actor=cast.member, out=True)
    queue = [m.user_id for m in speaker_queue(cast.group)]
    assert anna.pk not in queue and cast.member.pk not in queue
    assert bea.pk in queue
    plan_rotation(cast.group, actor=cast.leader, weeks=8)
    chosen = set(speakers(chapter["ahead"]))
    assert anna.pk not in chosen and cast.member.pk not in chosen
    # Opting back in puts the member back in line.
    set_speaker_opt_out(cast.group, actor=cast.member, out=False)
    assert cast.member.pk in [m.user_id for m in speaker_queue(cast.group)]
    assert [e.action for e in audit("meetings.rotation.opted_out")] == [
        "meetings.rotation.opted_out"
    ]


def test_former_members_lose_their_slot_and_are_replaced(cast, chapter):
    anna, _bea, _carlo = chapter["extra"]
    SpeakerSlot.objects.create(meeting=chapter["ahead"][0], user=anna)
    Membership.objects.filter(group=cast.group, user=anna).update(status="left")
    plan_rotation(cast.group, actor=cast.leader, weeks=1)
    assert speakers(chapter["ahead"][:1]) != [anna.pk]
    assert speakers(chapter["ahead"][:1]) != [None]


def test_cancelled_meetings_and_other_kinds_of_meeting_get_no_speaker(cast, chapter):
    chapter["ahead"][0].cancelled_at = at(TODAY)
    chapter["ahead"][0].save()
    mixer = meeting_at(cast.group, at(D(2026, 3, 5), 18), kind="mixer")
    plan_rotation(cast.group, actor=cast.leader, weeks=2)
    assert not SpeakerSlot.objects.filter(meeting__in=[chapter["ahead"][0], mixer]).exists()
    assert speakers(chapter["ahead"][1:3]) == [cast.leader.pk, cast.member.pk]


def test_only_leaders_plan_and_swap(cast, chapter):
    with pytest.raises(AgendaError, match="Only the leaders"):
        plan_rotation(cast.group, actor=cast.member, weeks=4)
    assert not SpeakerSlot.objects.exists()
    plan_rotation(cast.group, actor=cast.leader, weeks=2)
    first, second = chapter["ahead"][:2]
    with pytest.raises(AgendaError, match="Only the leaders"):
        swap_speakers(first, second, actor=cast.member)
    assert speakers([first, second]) == [cast.leader.pk, cast.member.pk]
    swap_speakers(first, second, actor=cast.leader)
    assert speakers([first, second]) == [cast.member.pk, cast.leader.pk]
    assert audit("meetings.rotation.swapped")[0].data == {"meetings": [first.pk, second.pk]}


def test_past_weeks_cannot_be_swapped(cast, chapter):
    SpeakerSlot.objects.create(meeting=chapter["past"][0], user=cast.member)
    SpeakerSlot.objects.create(meeting=chapter["ahead"][0], user=cast.leader)
    with pytest.raises(AgendaError, match="still to come"):
        swap_speakers(chapter["past"][0], chapter["ahead"][0], actor=cast.leader)
    assert speakers([chapter["past"][0]]) == [cast.member.pk]


def test_a_speaker_sets_their_own_topic_and_nobody_elses(cast, chapter):
    plan_rotation(cast.group, actor=cast.leader, weeks=2)
    mine = chapter["ahead"][1]  # the member's week
    set_speaker(mine, actor=cast.member, user_id=None, topic="Wedding season, 2026")
    assert SpeakerSlot.objects.get(meeting=mine).topic == "Wedding season, 2026"
    with pytest.raises(AgendaError, match="Only the leaders"):
        set_speaker(chapter["ahead"][0], actor=cast.member, user_id=None, topic="Hijack")
    with pytest.raises(AgendaError, match="Only the leaders"):
        set_speaker(mine, actor=cast.member, user_id=cast.leader.pk, topic="Yours now")
    assert SpeakerSlot.objects.get(meeting=chapter["ahead"][0]).topic == ""


def test_a_leader_names_or_clears_a_speaker_among_active_members(cast, chapter):
    week = chapter["ahead"][0]
    set_speaker(week, actor=cast.leader, user_id=cast.member.pk, topic="Light")
    with pytest.raises(AgendaError, match="active member"):
        set_speaker(week, actor=cast.leader, user_id=cast.visitor.pk)
    assert SpeakerSlot.objects.get(meeting=week).user == cast.member
    set_speaker(week, actor=cast.leader, user_id=None)
    assert not SpeakerSlot.objects.filter(meeting=week).exists()


def test_planning_needs_someone_to_speak(cast, chapter):
    Membership.objects.filter(group=cast.group).update(status="left")
    with pytest.raises(AgendaError, match="No member is available"):
        plan_rotation(cast.group, actor=cast.owner, weeks=2)


def test_planning_weeks_are_bounded(cast, chapter):
    for weeks in (0, 27):
        with pytest.raises(AgendaError, match="from 1 to 26 weeks"):
            plan_rotation(cast.group, actor=cast.leader, weeks=weeks)


# --- pages and API -------------------------------------------------------------------------------


def test_the_speakers_page_shows_the_weeks_ahead_to_members(cast, chapter):
    plan_rotation(cast.group, actor=cast.leader, weeks=3)
    page = cast.client("member").get(f"/groups/{cast.group.slug}/speakers/?weeks=3")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leo Leader" in html and "Mia Member" in html
    assert "Fill in the rotation" not in html
    assert "Do not schedule me" in html
    leader_html = cast.client("leader").get(f"/groups/{cast.group.slug}/speakers/").content.decode()
    assert "Fill in the rotation" in leader_html and "Next in line" in leader_html


def test_leaders_plan_and_members_opt_out_on_the_page(cast, chapter):
    leader = cast.client("leader")
    done = leader.post(f"/groups/{cast.group.slug}/speakers/plan/", {"weeks": "4"}, follow=True)
    assert "4 feature presentations scheduled." in messages_of(done)
    assert SpeakerSlot.objects.count() == 4
    member = cast.client("member")
    member.post(f"/groups/{cast.group.slug}/speakers/opt-out/", {"out": "1"})
    assert SpeakerOptOut.objects.filter(group=cast.group, user=cast.member).exists()
    refused = member.post(f"/groups/{cast.group.slug}/speakers/plan/", {"weeks": "8"}, follow=True)
    assert "Only the leaders" in " ".join(messages_of(refused))
    assert SpeakerSlot.objects.count() == 4


def test_outsiders_and_applicants_cannot_open_the_rotation(cast, chapter):
    url = f"/groups/{cast.group.slug}/speakers/"
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("outsider").post(url + "plan/", {"weeks": "2"}).status_code == 404
    assert cast.client("visitor").get(url).status_code == 403  # applied, not a member yet
    assert not SpeakerSlot.objects.exists()


def test_the_speakers_page_costs_the_same_for_few_or_many_weeks(cast, chapter):
    plan_rotation(cast.group, actor=cast.leader, weeks=8)
    leader = cast.client("leader")
    with CaptureQueriesContext(connection) as few:
        leader.get(f"/groups/{cast.group.slug}/speakers/?weeks=2")
    with CaptureQueriesContext(connection) as many:
        leader.get(f"/groups/{cast.group.slug}/speakers/?weeks=8")
    assert len(many) == len(few)


def test_the_api_plans_swaps_and_lists_speakers(cast, chapter):
    leader = cast.api("leader")
    base = f"/api/v1/groups/{cast.group.pk}/speakers"
    planned = send_json(leader, "post", base + "/plan", {"weeks": 2})
    assert planned.status_code == 200
    rows = planned.json()
    assert [r["speaker"] for r in rows] == [cast.leader.pk, cast.member.pk]
    swapped = send_json(
        leader, "post", base + "/swap", {"first": rows[0]["meeting"], "second": rows[1]["meeting"]}
    )
    assert [r["speaker"] for r in swapped.json()[:2]] == [cast.member.pk, cast.leader.pk]
    listed = send_json(cast.api("member"), "get", base, {"weeks": 2})
    assert [r["speaker_name"] for r in listed.json()] == ["Mia Member", "Leo Leader"]
    topic = send_json(
        cast.api("member"),
        "put",
        f"/api/v1/meetings/{rows[0]['meeting']}/speaker",
        {"topic": "Light and shade"},
    )
    assert topic.status_code == 200 and topic.json()["topic"] == "Light and shade"
    assert send_json(cast.api("member"), "post", base + "/plan", {"weeks": 2}).status_code == 403
    opt = send_json(cast.api("member"), "put", base + "/opt-out", {"out": True})
    assert opt.json() == {"out": True}


def test_outsiders_get_404_from_the_speakers_api(cast, chapter):
    outsider = cast.api("outsider")
    base = f"/api/v1/groups/{cast.group.pk}/speakers"
    assert send_json(outsider, "get", base).status_code == 404
    assert send_json(outsider, "post", base + "/plan", {"weeks": 2}).status_code == 404
    response = send_json(
        outsider, "put", f"/api/v1/meetings/{chapter['ahead'][0].pk}/speaker", {"topic": "x"}
    )
    assert response.status_code == 404
    assert not SpeakerSlot.objects.exists()


def test_rotation_lists_upcoming_chapter_meetings_only(cast, chapter):
    rows = rotation(cast.group, weeks=3)
    assert [r.meeting for r in rows] == chapter["ahead"][:3]
    assert all(r.slot is None for r in rows)

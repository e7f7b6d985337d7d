"""The shared agenda: set once by the organisation, followed by every chapter, adjusted by a
chapter only where the organisation allows it."""

from __future__ import annotations

import datetime

import pytest

from cerchia.conftest import make_user
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import messages_of, send_json
from cerchia.meetings.agenda import (
    AgendaError,
    add_segment,
    adjust_segment,
    agenda_for,
    agenda_owner,
    create_agenda,
    delete_segment,
    template_of,
    update_segment,
)
from cerchia.meetings.models import AgendaAdjustment, AgendaSegment, AgendaTemplate
from cerchia.meetings.tests.chapter_helpers import at, audit, meeting_at

STANDARD = [
    ("open_networking", 15, "", True),
    ("welcome", 5, "president", False),
    ("education", 5, "education", True),
    ("weekly_presentations", 30, "every_member", True),
    ("visitor_introductions", 5, "visitors", False),
    ("feature_presentation", 10, "feature_speaker", False),
    ("referrals", 15, "vice_president", True),
    ("announcements", 3, "secretary_treasurer", True),
    ("close", 2, "president", False),
]


@pytest.fixture
def standard(cast):
    """The organisation's standard agenda, and a second chapter under it."""
    template = create_agenda(cast.organisation, actor=cast.owner)
    second = create_group(
        cast.owner, name="Chapter Two", kind="lead_group", parent=cast.organisation
    )
    return template, second


def segment(template, code):
    return AgendaSegment.objects.get(template=template, code=code)


# --- the organisation's template ----------------------------------------------------------


def test_the_standard_agenda_is_ninety_minutes_of_the_usual_segments(cast, standard):
    template, _second = standard
    assert template.group == cast.organisation
    segments = agenda_for(cast.organisation)
    assert [(s.code, s.minutes, s.lead, s.adjustable) for s in segments] == STANDARD
    assert sum(s.minutes for s in segments) == 90
    assert [s.offset for s in segments][:4] == [0, 15, 20, 25]
    assert audit("meetings.agenda.created")[0].data == {
        "group": cast.organisation.pk,
        "standard": True,
    }


def test_every_chapter_follows_its_organisations_agenda(cast, standard):
    template, second = standard
    assert agenda_owner(cast.group) == cast.organisation
    assert template_of(cast.group) == template
    assert [s.code for s in agenda_for(cast.group)] == [row[0] for row in STANDARD]
    assert [s.code for s in agenda_for(second)] == [row[0] for row in STANDARD]
    # A change by the organisation reaches every chapter at once.
    update_segment(segment(template, "education"), actor=cast.owner, changes={"minutes": 7})
    assert agenda_for(cast.group)[2].minutes == 7
    assert agenda_for(second)[2].minutes == 7


def test_a_chapter_under_an_organisation_has_no_agenda_of_its_own(cast):
    with pytest.raises(AgendaError, match="follows the agenda of Referral Org"):
        create_agenda(cast.group, actor=cast.owner)
    assert not AgendaTemplate.objects.exists()


def test_a_chapter_without_an_organisation_sets_its_own(cast):
    alone = create_group(cast.leader, name="Lone Chapter", kind="lead_group")
    template = create_agenda(alone, actor=cast.leader, standard=False, name="Our breakfast")
    assert (template.group, template.name) == (alone, "Our breakfast")
    assert agenda_for(alone) == []
    add_segment(template, actor=cast.leader, title="Coffee", minutes=10)
    assert [(s.title, s.minutes) for s in agenda_for(alone)] == [("Coffee", 10)]


def test_only_the_organisations_administrators_set_and_change_its_agenda(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    for person in (cast.leader, cast.member, cast.outsider):
        with pytest.raises(AgendaError, match="Only the administrators of Referral Org"):
            update_segment(education, actor=person, changes={"minutes": 20})
        with pytest.raises(AgendaError, match="Only the administrators"):
            add_segment(template, actor=person, title="Extra", minutes=5)
        with pytest.raises(AgendaError, match="Only the administrators"):
            delete_segment(education, actor=person)
    education.refresh_from_db()
    assert education.minutes == 5
    assert AgendaSegment.objects.filter(template=template).count() == 9


def test_an_organisation_has_one_agenda(cast, standard):
    with pytest.raises(AgendaError, match="already has an agenda"):
        create_agenda(cast.organisation, actor=cast.owner)


def test_segments_are_added_moved_and_removed_in_order(cast, standard):
    template, _second = standard
    added = add_segment(
        template,
        actor=cast.owner,
        title="Power team minute",
        minutes=2,
        lead="president",
        position=2,
    )
    codes = [s.code for s in agenda_for(cast.organisation)]
    assert codes[:3] == ["open_networking", "power_team_minute", "welcome"]
    assert added.position == 2
    update_segment(added, actor=cast.owner, changes={"position": 99})
    assert [s.code for s in agenda_for(cast.organisation)][-1] == "power_team_minute"
    delete_segment(segment(template, "welcome"), actor=cast.owner)
    positions = list(
        AgendaSegment.objects.filter(template=template)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(1, 10))
    # The same title twice gets its own code.
    again = add_segment(template, actor=cast.owner, title="Power team minute", minutes=2)
    assert again.code == "power_team_minute_2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"minutes": 0}, "from 1 to 240 minutes"),
        ({"minutes": 241}, "from 1 to 240 minutes"),
        ({"title": "  "}, "needs a title"),
        ({"lead": "janitor"}, "Unknown leader"),
        ({"colour": "red"}, "Unknown segment field"),
    ],
)
def test_bad_segment_changes_are_refused(cast, standard, changes, message):
    template, _second = standard
    education = segment(template, "education")
    with pytest.raises(AgendaError, match=message):
        update_segment(education, actor=cast.owner, changes=changes)
    education.refresh_from_db()
    assert (education.title, education.minutes, education.lead) == (
        "Education moment",
        5,
        "education",
    )


# --- a chapter's adjustments -------------------------------------------------------------------


def test_a_chapter_leader_adjusts_an_adjustable_segment_for_that_chapter_only(cast, standard):
    template, second = standard
    round_ = segment(template, "weekly_presentations")
    adjust_segment(cast.group, round_, actor=cast.leader, title="The 45-second round", minutes=25)
    mine = {s.code: s for s in agenda_for(cast.group)}["weekly_presentations"]
    assert (mine.title, mine.minutes, mine.adjusted) == ("The 45-second round", 25, True)
    assert (mine.template_title, mine.template_minutes) == ("The 60-second round", 30)
    assert sum(s.minutes for s in agenda_for(cast.group)) == 85
    # The organisation and the other chapter are untouched.
    for group in (cast.organisation, second):
        theirs = {s.code: s for s in agenda_for(group)}["weekly_presentations"]
        assert (theirs.title, theirs.minutes, theirs.adjusted) == ("The 60-second round", 30, False)
    assert audit("meetings.agenda.adjusted")[0].data["minutes"] == 25


def test_a_locked_segment_cannot_be_adjusted(cast, standard):
    template, _second = standard
    feature = segment(template, "feature_presentation")
    with pytest.raises(AgendaError, match="Referral Org has locked “Feature presentation”"):
        adjust_segment(cast.group, feature, actor=cast.leader, minutes=20)
    assert not AgendaAdjustment.objects.exists()
    assert {s.code: s for s in agenda_for(cast.group)}["feature_presentation"].minutes == 10


def test_locking_a_segment_later_sets_the_chapters_version_aside(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    adjust_segment(cast.group, education, actor=cast.leader, minutes=8)
    update_segment(education, actor=cast.owner, changes={"adjustable": False})
    assert {s.code: s for s in agenda_for(cast.group)}["education"].minutes == 5
    update_segment(education, actor=cast.owner, changes={"adjustable": True})
    assert {s.code: s for s in agenda_for(cast.group)}["education"].minutes == 8


def test_a_blank_adjustment_goes_back_to_the_organisations_version(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    adjust_segment(cast.group, education, actor=cast.leader, title="Learning minute")
    assert {s.code: s for s in agenda_for(cast.group)}["education"].title == "Learning minute"
    assert adjust_segment(cast.group, education, actor=cast.leader) is None
    assert not AgendaAdjustment.objects.exists()
    assert audit("meetings.agenda.adjustment_removed")


def test_plain_members_and_outsiders_cannot_adjust(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    for person in (cast.member, cast.outsider, cast.visitor):
        with pytest.raises(AgendaError, match="Only the leaders of Chapter One"):
            adjust_segment(cast.group, education, actor=person, minutes=9)
    assert not AgendaAdjustment.objects.exists()


def test_a_chapter_cannot_adjust_another_organisations_segment(cast, standard):
    other_org = create_group(cast.outsider, name="Other Org", kind="lead_group")
    theirs = create_agenda(other_org, actor=cast.outsider)
    with pytest.raises(AgendaError, match="not on the agenda"):
        adjust_segment(cast.group, segment(theirs, "education"), actor=cast.leader, minutes=9)


def test_the_organisation_edits_rather_than_adjusts_its_own_segments(cast, standard):
    template, _second = standard
    with pytest.raises(AgendaError, match="change the segment itself"):
        adjust_segment(
            cast.organisation, segment(template, "education"), actor=cast.owner, minutes=9
        )


# --- pages -------------------------------------------------------------------------------------


def agenda_url(group, tail=""):
    return f"/groups/{group.slug}/agenda/{tail}"


def test_the_organisation_sets_up_the_standard_agenda_with_one_click(cast):
    owner = cast.client("owner")
    page = owner.get(agenda_url(cast.organisation))
    assert page.status_code == 200
    assert "Use the standard 90-minute agenda" in page.content.decode()
    done = owner.post(agenda_url(cast.organisation, "create/"), {"standard": "1"})
    assert done.status_code == 302
    assert AgendaSegment.objects.filter(template__group=cast.organisation).count() == 9
    html = owner.get(agenda_url(cast.organisation)).content.decode()
    assert "Education moment" in html and "90 minutes" in html


def test_a_chapter_leader_sees_the_organisations_agenda_and_adjusts_it(cast, standard):
    template, _second = standard
    leader = cast.client("leader")
    html = leader.get(agenda_url(cast.group)).content.decode()
    assert "Follows the agenda of Referral Org" in html
    assert "Use the standard" not in html
    education = segment(template, "education")
    leader.post(agenda_url(cast.group, f"segments/{education.pk}/adjust/"), {"minutes": "9"})
    assert {s.code: s for s in agenda_for(cast.group)}["education"].minutes == 9
    feature = segment(template, "feature_presentation")
    refused = leader.post(
        agenda_url(cast.group, f"segments/{feature.pk}/adjust/"), {"minutes": "20"}, follow=True
    )
    assert "has locked “Feature presentation”" in " ".join(messages_of(refused))
    assert AgendaAdjustment.objects.count() == 1


def test_a_chapter_leader_cannot_edit_the_organisations_segments_through_the_chapter(
    cast, standard
):
    template, _second = standard
    education = segment(template, "education")
    page = cast.client("leader").post(
        agenda_url(cast.group, f"segments/{education.pk}/"),
        {"title": "Mine now", "minutes": "30"},
        follow=True,
    )
    assert "Only the administrators of Referral Org" in " ".join(messages_of(page))
    education.refresh_from_db()
    assert education.title == "Education moment"


def test_a_member_reads_the_agenda_without_any_form(cast, standard):
    html = cast.client("member").get(agenda_url(cast.group)).content.decode()
    assert "The 60-second round" in html
    assert "/adjust/" not in html and 'name="minutes"' not in html


def test_outsiders_do_not_find_a_private_chapters_agenda(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    outsider = cast.client("outsider")
    assert outsider.get(agenda_url(cast.group)).status_code == 404
    assert (
        outsider.post(
            agenda_url(cast.group, f"segments/{education.pk}/adjust/"), {"minutes": "9"}
        ).status_code
        == 404
    )
    assert not AgendaAdjustment.objects.exists()


def test_a_segment_of_another_agenda_is_not_found_under_this_group(cast, standard):
    other_org = create_group(cast.outsider, name="Other Org", kind="lead_group")
    theirs = create_agenda(other_org, actor=cast.outsider)
    response = cast.client("leader").post(
        agenda_url(cast.group, f"segments/{segment(theirs, 'education').pk}/adjust/"),
        {"minutes": "9"},
    )
    assert response.status_code == 404


def test_an_informal_network_has_no_agenda(cast):
    from cerchia.groups.services import ensure_informal_network

    network = ensure_informal_network(cast.member)
    assert cast.client("member").get(agenda_url(network)).status_code == 404


# --- API ---------------------------------------------------------------------------------------


def api_url(group, tail=""):
    return f"/api/v1/groups/{group.pk}/agenda{tail}"


def test_the_api_creates_reads_and_changes_the_agenda(cast):
    owner = cast.api("owner")
    created = send_json(owner, "post", api_url(cast.organisation), {"standard": True})
    assert created.status_code == 201
    body = created.json()
    assert body["follows"] == cast.organisation.pk and body["total_minutes"] == 90
    education = next(s for s in body["segments"] if s["code"] == "education")

    changed = send_json(
        owner, "patch", api_url(cast.organisation, f"/segments/{education['id']}"), {"minutes": 6}
    )
    assert changed.status_code == 200
    assert changed.json()["total_minutes"] == 91

    added = send_json(
        owner,
        "post",
        api_url(cast.organisation, "/segments"),
        {"title": "Door prize", "minutes": 2},
    )
    assert added.status_code == 201 and added.json()["segments"][-1]["title"] == "Door prize"

    chapter = send_json(cast.api("member"), "get", api_url(cast.group)).json()
    assert chapter["follows"] == cast.organisation.pk and chapter["total_minutes"] == 93


def test_the_api_adjusts_only_what_the_organisation_allows(cast, standard):
    template, _second = standard
    leader = cast.api("leader")
    education = segment(template, "education")
    ok = send_json(
        leader, "put", api_url(cast.group, f"/segments/{education.pk}/adjustment"), {"minutes": 4}
    )
    assert ok.status_code == 200
    row = next(s for s in ok.json()["segments"] if s["code"] == "education")
    assert (row["minutes"], row["organisation_minutes"], row["adjusted"]) == (4, 5, True)

    close = segment(template, "close")
    locked = send_json(
        leader, "put", api_url(cast.group, f"/segments/{close.pk}/adjustment"), {"minutes": 4}
    )
    assert locked.status_code == 400
    assert "locked" in locked.json()["detail"]

    reset = send_json(leader, "delete", api_url(cast.group, f"/segments/{education.pk}/adjustment"))
    assert reset.status_code == 200
    assert not AgendaAdjustment.objects.exists()

    member = send_json(
        cast.api("member"),
        "put",
        api_url(cast.group, f"/segments/{education.pk}/adjustment"),
        {"minutes": 4},
    )
    assert member.status_code == 403
    # A chapter leader cannot change the organisation's segment itself.
    patch = send_json(
        leader, "patch", api_url(cast.group, f"/segments/{education.pk}"), {"minutes": 40}
    )
    assert patch.status_code == 403
    education.refresh_from_db()
    assert education.minutes == 5


def test_outsiders_get_404_from_the_agenda_api(cast, standard):
    template, _second = standard
    outsider = cast.api("outsider")
    education = segment(template, "education")
    assert send_json(outsider, "get", api_url(cast.group)).status_code == 404
    response = send_json(
        outsider, "put", api_url(cast.group, f"/segments/{education.pk}/adjustment"), {"minutes": 4}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No such group"}
    assert send_json(outsider, "post", api_url(cast.group), {"standard": True}).status_code == 404


def test_a_stranger_cannot_create_an_agenda_for_an_organisation_they_see(cast):
    stranger = make_user("stranger@example.org")
    from cerchia.groups.tests.helpers import api_client

    response = send_json(api_client(stranger), "post", api_url(cast.organisation), {})
    assert response.status_code == 403  # the organisation is listed to members: visible
    assert "Only the group's administrators" in response.json()["detail"]
    # A chapter's own leader may not create one for a chapter that follows its organisation.
    chapter = send_json(cast.api("owner"), "post", api_url(cast.group), {})
    assert chapter.status_code == 400 and "follows the agenda of" in chapter.json()["detail"]
    assert not AgendaTemplate.objects.exists()


def test_every_chapter_page_is_not_found_for_an_outsider(cast, standard):
    """Every address of the chapter pages, read or written, answers 404 to someone who
    cannot see the private chapter — and nothing changes."""
    template, _second = standard
    education = segment(template, "education")
    meeting = meeting_at(cast.group, at(datetime.date(2026, 3, 10)))
    slug = cast.group.slug
    reads = [
        f"/groups/{slug}/agenda/",
        f"/groups/{slug}/speakers/",
        f"/groups/{slug}/attendance/",
        f"/meetings/{meeting.pk}/live/",
        f"/meetings/{meeting.pk}/live/state/",
        f"/meetings/{meeting.pk}/attendance/",
        f"/meetings/{meeting.pk}/here/",
    ]
    writes = [
        f"/groups/{slug}/agenda/create/",
        f"/groups/{slug}/agenda/segments/",
        f"/groups/{slug}/agenda/segments/{education.pk}/",
        f"/groups/{slug}/agenda/segments/{education.pk}/delete/",
        f"/groups/{slug}/agenda/segments/{education.pk}/adjust/",
        f"/groups/{slug}/speakers/plan/",
        f"/groups/{slug}/speakers/swap/",
        f"/groups/{slug}/speakers/opt-out/",
        f"/groups/{slug}/speakers/{meeting.pk}/",
        f"/meetings/{meeting.pk}/live/step/",
        f"/meetings/{meeting.pk}/live/mark/",
        f"/meetings/{meeting.pk}/attendance/",
        f"/meetings/{meeting.pk}/here/",
    ]
    outsider = cast.client("outsider")
    for url in reads:
        assert outsider.get(url).status_code == 404, url
    data = {
        "title": "X",
        "minutes": "5",
        "weeks": "2",
        "action": "start",
        "out": "1",
        "first": meeting.pk,
        "second": meeting.pk,
        "user": cast.outsider.pk,
        "status": "present",
        "code": "ABCDEF",
    }
    for url in writes:
        assert outsider.post(url, data).status_code == 404, url
    assert AgendaSegment.objects.filter(template=template).count() == 9
    assert not AgendaAdjustment.objects.exists()
    assert not audit("meetings.live.start") and not audit("meetings.rotation.planned")


def test_every_chapter_api_route_is_not_found_for_an_outsider(cast, standard):
    template, _second = standard
    education = segment(template, "education")
    meeting = meeting_at(cast.group, at(datetime.date(2026, 3, 10)))
    g, m, s = cast.group.pk, meeting.pk, education.pk
    calls = [
        ("get", f"/api/v1/groups/{g}/agenda", None),
        ("post", f"/api/v1/groups/{g}/agenda", {}),
        ("post", f"/api/v1/groups/{g}/agenda/segments", {"title": "X", "minutes": 5}),
        ("patch", f"/api/v1/groups/{g}/agenda/segments/{s}", {"minutes": 50}),
        ("delete", f"/api/v1/groups/{g}/agenda/segments/{s}", None),
        ("put", f"/api/v1/groups/{g}/agenda/segments/{s}/adjustment", {"minutes": 4}),
        ("delete", f"/api/v1/groups/{g}/agenda/segments/{s}/adjustment", None),
        ("get", f"/api/v1/groups/{g}/speakers", None),
        ("post", f"/api/v1/groups/{g}/speakers/plan", {"weeks": 2}),
        ("post", f"/api/v1/groups/{g}/speakers/swap", {"first": m, "second": m}),
        ("put", f"/api/v1/groups/{g}/speakers/opt-out", {"out": True}),
        ("put", f"/api/v1/meetings/{m}/speaker", {"topic": "x"}),
        ("get", f"/api/v1/meetings/{m}/live", None),
        ("post", f"/api/v1/meetings/{m}/live", {"action": "start"}),
        ("get", f"/api/v1/meetings/{m}/attendance", None),
        ("put", f"/api/v1/meetings/{m}/attendance", {"items": []}),
        ("post", f"/api/v1/meetings/{m}/here", {"code": "ABCDEF"}),
        ("get", f"/api/v1/groups/{g}/attendance", None),
    ]
    outsider = cast.api("outsider")
    for method, url, body in calls:
        response = send_json(outsider, method, url, body)
        assert response.status_code == 404, (method, url)
        assert set(response.json()) == {"detail"}
    education.refresh_from_db()
    assert education.minutes == 5
    assert AgendaSegment.objects.filter(template=template).count() == 9

"""Mentoring in associations: members opt in as mentor or mentee, ask, accept within a cap, end."""

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Mentoring
from cerchia.groups.services import (
    GroupError,
    answer_mentoring,
    create_group,
    end_mentoring,
    request_mentoring,
    set_mentoring_preference,
    update_group,
)


@pytest.fixture
def association(cast):
    group = create_group(
        cast.owner,
        name="Donne in Affari",
        kind="association",
        visibility="public",
        join_policy="request",
    )
    for person in (cast.member, cast.leader):
        add_member(group, person)
    set_mentoring_preference(
        group, cast.owner, as_mentor=True, as_mentee=False, topics="Pricing, first hires"
    )
    return group


def test_a_mentee_asks_and_the_mentor_accepts(cast, association):
    pair = request_mentoring(
        association, mentee=cast.member, mentor=cast.owner, note="Pricing my services"
    )
    answer_mentoring(pair, actor=cast.owner, accept=True)

    pair.refresh_from_db()
    assert pair.status == "active" and pair.answered_at is not None
    assert AuditEntry.objects.filter(action="groups.mentoring.accepted").count() == 1


@pytest.mark.parametrize(
    ("mentee", "mentor", "message"),
    [
        ("outsider", "owner", "Mentoring is for members"),
        ("member", "leader", "does not offer mentoring"),
        ("owner", "owner", "your own mentor"),
    ],
)
def test_requests_outside_the_rules_are_refused(cast, association, mentee, mentor, message):
    with pytest.raises(GroupError, match=message):
        request_mentoring(association, mentee=getattr(cast, mentee), mentor=getattr(cast, mentor))

    assert not Mentoring.objects.exists()


def test_asking_the_same_mentor_twice_is_refused(cast, association):
    request_mentoring(association, mentee=cast.member, mentor=cast.owner)

    with pytest.raises(GroupError, match="already asked"):
        request_mentoring(association, mentee=cast.member, mentor=cast.owner)

    assert Mentoring.objects.count() == 1


def test_the_mentee_cap_holds(cast, association):
    update_group(association, actor=cast.owner, changes={"rule_overrides": {"mentee_cap": 1}})
    first = request_mentoring(association, mentee=cast.member, mentor=cast.owner)
    second = request_mentoring(association, mentee=cast.leader, mentor=cast.owner)
    answer_mentoring(first, actor=cast.owner, accept=True)

    with pytest.raises(GroupError, match="already have 1 mentees"):
        answer_mentoring(second, actor=cast.owner, accept=True)
    newcomer = make_user("new@example.org")
    add_member(association, newcomer)
    with pytest.raises(GroupError, match="no room"):
        request_mentoring(association, mentee=newcomer, mentor=cast.owner)

    second.refresh_from_db()
    assert second.status == "requested"


def test_only_the_mentor_answers_and_either_ends(cast, association):
    pair = request_mentoring(association, mentee=cast.member, mentor=cast.owner)
    with pytest.raises(GroupError, match="Only the mentor"):
        answer_mentoring(pair, actor=cast.member, accept=True)
    answer_mentoring(pair, actor=cast.owner, accept=True)
    with pytest.raises(GroupError, match="Only the mentor or the mentee"):
        end_mentoring(pair, actor=cast.leader)

    end_mentoring(pair, actor=cast.member)

    pair.refresh_from_db()
    assert pair.status == "ended" and pair.ended_at is not None


def test_groups_without_mentoring_refuse_it(cast):
    with pytest.raises(GroupError, match="has no mentoring"):
        set_mentoring_preference(cast.public_group, cast.owner, as_mentor=True, as_mentee=False)


def test_the_page_runs_the_whole_flow(cast, association):
    mentee = cast.client("member")
    page = mentee.get(f"/groups/{association.slug}/mentoring/").content.decode()
    assert "Pricing, first hires" in page

    mentee.post(
        f"/groups/{association.slug}/mentoring/",
        {"action": "request", "mentor": cast.owner.pk, "note": "Help"},
    )
    pair = Mentoring.objects.get()
    cast.client("owner").post(
        f"/groups/{association.slug}/mentoring/", {"action": "accept", "mentoring": pair.pk}
    )

    pair.refresh_from_db()
    assert pair.status == "active"


def test_non_members_are_kept_out(cast, association):
    assert cast.client("outsider").get(f"/groups/{association.slug}/mentoring/").status_code == 403
    assert cast.api("outsider").get(f"/api/v1/groups/{association.pk}/mentors").status_code == 403


def test_the_api_runs_the_whole_flow(cast, association):
    member = cast.api("member")
    mentors = member.get(f"/api/v1/groups/{association.pk}/mentors").json()
    assert mentors["items"][0]["user_id"] == cast.owner.pk
    assert mentors["items"][0]["room"] == 3

    asked = member.post(
        f"/api/v1/groups/{association.pk}/mentoring",
        {"mentor": cast.owner.pk, "note": "Hiring"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    pair_id = asked.json()["id"]

    stranger = cast.api("leader").post(
        f"/api/v1/groups/{association.pk}/mentoring/{pair_id}/accept",
        {},
        content_type="application/json",
    )
    accepted = cast.api("owner").post(
        f"/api/v1/groups/{association.pk}/mentoring/{pair_id}/accept",
        {},
        content_type="application/json",
    )

    assert stranger.status_code == 404  # not their pair
    assert accepted.json()["status"] == "active"
    room = member.get(f"/api/v1/groups/{association.pk}/mentors").json()["items"][0]["room"]
    assert room == 2

"""Lead-group applications: a sponsor among the members, and an objection window during which
members may object; silence is consent, objections are overruled only on purpose."""

import datetime as dt

import pytest
import time_machine

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Membership, Objection
from cerchia.groups.services import (
    GroupError,
    approve_membership,
    create_group,
    join_group,
    object_to_application,
)

DAY_ONE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
AFTER_WINDOW = DAY_ONE + dt.timedelta(days=7, minutes=1)


@pytest.fixture
def chapter(cast):
    """A public chapter (defaults of a lead group: sponsor needed, 7-day objection window)."""
    chapter = create_group(
        cast.owner,
        name="Bologna Sud",
        kind="lead_group",
        visibility="public",
        join_policy="application",
    )
    add_member(chapter, cast.member)
    return chapter


@pytest.fixture
def applicant():
    return make_user("applicant@example.org", "Ada Applicant", profession="plumber")


def apply(chapter, person, sponsor):
    with time_machine.travel(DAY_ONE, tick=False):
        return join_group(chapter, person, sponsor_email=sponsor.email)


def test_an_application_needs_a_sponsor_and_saves_nothing_without(chapter, applicant):
    with pytest.raises(GroupError, match="asks for a sponsor"):
        join_group(chapter, applicant)

    assert not Membership.objects.filter(group=chapter, user=applicant).exists()


@pytest.mark.parametrize("who", ["outsider", "applicant_self"])
def test_the_sponsor_must_be_an_active_member(cast, chapter, applicant, who):
    sponsor = applicant if who == "applicant_self" else cast.outsider

    with pytest.raises(GroupError, match="who can sponsor you"):
        join_group(chapter, applicant, sponsor_email=sponsor.email)

    assert not Membership.objects.filter(group=chapter, user=applicant).exists()


def test_the_application_records_its_sponsor_and_when_objections_close(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)

    assert membership.sponsor == cast.member
    assert membership.objections_close_at == DAY_ONE + dt.timedelta(days=7)


def test_approval_waits_for_the_objection_window_to_close(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)

    with (
        time_machine.travel(DAY_ONE + dt.timedelta(days=6, hours=23), tick=False),
        pytest.raises(GroupError, match="Members may object until"),
    ):
        approve_membership(membership, actor=cast.owner)
    membership.refresh_from_db()
    assert membership.status == "applied"

    with time_machine.travel(AFTER_WINDOW, tick=False):
        approve_membership(membership, actor=cast.owner)  # no objection: consent
    membership.refresh_from_db()
    assert membership.status == "active"


def test_a_member_objects_within_the_window(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)

    with time_machine.travel(DAY_ONE + dt.timedelta(days=2), tick=False):
        objection = object_to_application(
            membership, actor=cast.member, reason="Unpaid invoices with two members"
        )

    assert objection.reason == "Unpaid invoices with two members"
    assert (
        AuditEntry.objects.filter(action="groups.application.objected", actor=cast.member).count()
        == 1
    )


def test_objections_must_be_overruled_on_purpose(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)
    with time_machine.travel(DAY_ONE + dt.timedelta(days=1), tick=False):
        object_to_application(membership, actor=cast.member, reason="Conflict of interest")

    with time_machine.travel(AFTER_WINDOW, tick=False):
        with pytest.raises(GroupError, match="1 member objected"):
            approve_membership(membership, actor=cast.owner)
        membership.refresh_from_db()
        assert membership.status == "applied"
        approve_membership(membership, actor=cast.owner, despite_objections=True)

    membership.refresh_from_db()
    assert membership.status == "active"
    entry = AuditEntry.objects.get(action="groups.membership.approved")
    assert entry.data["objections_overruled"] == 1


@pytest.mark.parametrize(
    ("when", "who", "reason", "message"),
    [
        (AFTER_WINDOW, "member", "Too late", "not open to objections"),
        (DAY_ONE, "outsider", "Not a member", "Only members of"),
        (DAY_ONE, "member", "   ", "Say why you object"),
    ],
)
def test_objections_are_refused_outside_the_rules(
    cast, chapter, applicant, when, who, reason, message
):
    membership = apply(chapter, applicant, cast.member)

    with time_machine.travel(when, tick=False), pytest.raises(GroupError, match=message):
        object_to_application(membership, actor=getattr(cast, who), reason=reason)

    assert not Objection.objects.exists()


def test_one_objection_per_member(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)
    with time_machine.travel(DAY_ONE, tick=False):
        object_to_application(membership, actor=cast.member, reason="First")
        with pytest.raises(GroupError, match="already objected"):
            object_to_application(membership, actor=cast.member, reason="Second")

    assert Objection.objects.count() == 1


def test_members_object_through_the_page_and_reviewers_read_it(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)
    with time_machine.travel(DAY_ONE + dt.timedelta(days=1), tick=False):
        member = cast.client("member")
        page = member.get(chapter.get_absolute_url()).content.decode()
        assert 'id="objections"' in page and "Ada Applicant" in page
        member.post(
            f"/groups/{chapter.slug}/members/{membership.pk}/object/",
            {"reason": "Owes money to a member"},
        )

        during = cast.client("owner").get(chapter.get_absolute_url()).content.decode()
    with time_machine.travel(AFTER_WINDOW, tick=False):
        after = cast.client("owner").get(chapter.get_absolute_url()).content.decode()
    assert "Owes money to a member" in during
    assert 'value="approve" disabled' in during
    assert 'value="approve_despite_objections"' in after


def test_outsiders_cannot_see_or_object_to_applications(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)
    with time_machine.travel(DAY_ONE, tick=False):
        page = cast.client("outsider").get(chapter.get_absolute_url()).content.decode()
        response = cast.client("outsider").post(
            f"/groups/{chapter.slug}/members/{membership.pk}/object/", {"reason": "x"}
        )
        api = cast.api("outsider").post(
            f"/api/v1/groups/{chapter.pk}/members/{membership.pk}/objections",
            {"reason": "x"},
            content_type="application/json",
        )

    assert 'id="objections"' not in page
    assert response.status_code == 404
    assert api.status_code == 404
    assert not Objection.objects.exists()


def test_the_api_takes_objections_and_shows_them_to_reviewers_only(cast, chapter, applicant):
    membership = apply(chapter, applicant, cast.member)
    base = f"/api/v1/groups/{chapter.pk}/members/{membership.pk}"
    with time_machine.travel(DAY_ONE, tick=False):
        created = cast.api("member").post(
            f"{base}/objections", {"reason": "Conflict"}, content_type="application/json"
        )
        as_member = cast.api("member").get(f"{base}/objections")
        as_reviewer = cast.api("owner").get(f"{base}/objections")

    assert created.status_code == 201 and created.json()["member"] == cast.member.pk
    assert as_member.status_code == 403
    assert as_reviewer.json()["count"] == 1
    assert as_reviewer.json()["items"][0]["reason"] == "Conflict"

    with time_machine.travel(AFTER_WINDOW, tick=False):
        refused = cast.api("owner").post(f"{base}/approve", {}, content_type="application/json")
        approved = cast.api("owner").post(
            f"{base}/approve", {"despite_objections": True}, content_type="application/json"
        )
    assert refused.status_code == 400 and "objected" in refused.json()["detail"]
    assert approved.status_code == 200 and approved.json()["status"] == "active"

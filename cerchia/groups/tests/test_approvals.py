"""Reviewers decide on requests and applications; an organisation's administrators run its
chapters too."""

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.groups.access import can_manage, can_review
from cerchia.groups.models import Membership
from cerchia.groups.services import (
    GroupError,
    approve_membership,
    reject_membership,
    update_group,
)
from cerchia.groups.tests.helpers import (
    API,
    api_client,
    audit_of,
    group_audit,
    messages_of,
    page_client,
    send_json,
)

REVIEWER_ROLES = ["president", "vice_president", "administrator", "membership_committee"]


@pytest.fixture
def reviewer_for(cast):
    def make(role):
        person = make_user(f"{role}@example.org", f"Rita {role}")
        add_member(cast.group, person, role=role)
        return person

    return make


def waiting(cast, status):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)
    membership.status = status
    membership.save()
    return membership


@pytest.mark.parametrize("status", ["requested", "applied"])
@pytest.mark.parametrize("role", REVIEWER_ROLES)
def test_reviewers_approve_requests_and_applications(cast, reviewer_for, role, status):
    reviewer = reviewer_for(role)
    membership = waiting(cast, status)

    approve_membership(membership, actor=reviewer)

    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership.joined_at is not None
    entry = audit_of(membership, "groups.membership.approved")
    assert entry.actor == reviewer
    assert entry.data == {"group": cast.group.pk}


@pytest.mark.parametrize("status", ["requested", "applied"])
@pytest.mark.parametrize("role", REVIEWER_ROLES)
def test_reviewers_reject_requests_and_applications(cast, reviewer_for, role, status):
    reviewer = reviewer_for(role)
    membership = waiting(cast, status)

    reject_membership(membership, actor=reviewer, reason="  Seat taken.  ")

    membership.refresh_from_db()
    assert membership.status == "rejected"
    assert membership.joined_at is None
    entry = audit_of(membership, "groups.membership.rejected")
    assert entry.actor == reviewer
    assert entry.data == {"group": cast.group.pk, "reason": "Seat taken."}


@pytest.mark.parametrize("role", ["member", "secretary_treasurer", "visitor_host", "moderator"])
@pytest.mark.parametrize("decide", [approve_membership, reject_membership])
def test_other_roles_cannot_decide(cast, role, decide):
    Membership.objects.filter(group=cast.group, user=cast.member).update(role=role)
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    with pytest.raises(GroupError, match="Only the group's reviewers"):
        decide(membership, actor=cast.member)

    membership.refresh_from_db()
    assert membership.status == "applied"
    assert not group_audit("groups.membership.approved").exists()
    assert not group_audit("groups.membership.rejected").exists()


def test_a_reviewer_who_left_cannot_decide(cast, reviewer_for):
    reviewer = reviewer_for("membership_committee")
    Membership.objects.filter(group=cast.group, user=reviewer).update(status="left")
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    with pytest.raises(GroupError):
        approve_membership(membership, actor=reviewer)

    assert Membership.objects.get(pk=membership.pk).status == "applied"


@pytest.mark.parametrize("status", ["active", "invited", "declined", "rejected", "left"])
def test_only_waiting_people_can_be_approved(cast, status):
    membership = waiting(cast, status)

    with pytest.raises(GroupError, match="not waiting for approval"):
        approve_membership(membership, actor=cast.leader)
    with pytest.raises(GroupError, match="not waiting for approval"):
        reject_membership(membership, actor=cast.leader)

    assert Membership.objects.get(pk=membership.pk).status == status


# Through the API -------------------------------------------------------------------------


def test_api_a_reviewer_approves(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        cast.api("leader"), "post", f"{API}/{cast.group.pk}/members/{membership.pk}/approve"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert Membership.objects.get(pk=membership.pk).status == "active"


def test_api_a_reviewer_rejects_with_a_reason(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/{cast.group.pk}/members/{membership.pk}/reject",
        {"reason": "No seat left"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert audit_of(membership, "groups.membership.rejected").data["reason"] == "No seat left"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_api_a_plain_member_gets_403_and_nothing_changes(cast, decision):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        cast.api("member"), "post", f"{API}/{cast.group.pk}/members/{membership.pk}/{decision}"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the group's reviewers may do this"}
    assert Membership.objects.get(pk=membership.pk).status == "applied"
    assert not group_audit(f"groups.membership.{decision}d").exists()


def test_api_an_applicant_cannot_approve_themselves(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        cast.api("visitor"), "post", f"{API}/{cast.group.pk}/members/{membership.pk}/approve"
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).status == "applied"


def test_api_a_membership_of_another_group_is_404(cast):
    elsewhere = Membership.objects.get(group=cast.public_group, user=cast.owner)
    applied = add_member(cast.public_group, cast.outsider, status="applied")

    for mid in (elsewhere.pk, applied.pk, 999_999):
        response = send_json(
            cast.api("leader"), "post", f"{API}/{cast.group.pk}/members/{mid}/approve"
        )
        assert response.status_code == 404
        assert "detail" in response.json()

    assert Membership.objects.get(pk=applied.pk).status == "applied"


def test_api_approving_someone_not_waiting_is_a_400(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = send_json(
        cast.api("leader"), "post", f"{API}/{cast.group.pk}/members/{membership.pk}/approve"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "This person is not waiting for approval."}


# Through the pages -----------------------------------------------------------------------


def test_page_decide_approve_and_reject(cast):
    applicant = Membership.objects.get(group=cast.group, user=cast.visitor)
    other = add_member(cast.group, cast.outsider, status="requested")

    approved = cast.client("leader").post(
        f"/groups/{cast.group.slug}/members/{applicant.pk}/decide/", {"decision": "approve"}
    )
    rejected = cast.client("leader").post(
        f"/groups/{cast.group.slug}/members/{other.pk}/decide/",
        {"decision": "reject", "reason": "Not now"},
    )

    assert approved.status_code == rejected.status_code == 302
    assert Membership.objects.get(pk=applicant.pk).status == "active"
    assert Membership.objects.get(pk=other.pk).status == "rejected"
    assert messages_of(approved) == ["Approved."]
    assert messages_of(rejected) == ["Rejected."]


def test_page_decide_by_a_plain_member_is_forbidden(cast):
    applicant = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = cast.client("member").post(
        f"/groups/{cast.group.slug}/members/{applicant.pk}/decide/", {"decision": "approve"}
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=applicant.pk).status == "applied"


# Organisation administrators run their chapters ------------------------------------------


@pytest.fixture
def org_admin(cast):
    """An administrator of the organisation who is not in the chapter itself."""
    person = make_user("orgadmin@example.org", "Ada Orgadmin")
    add_member(cast.organisation, person, role="administrator")
    return person


def test_an_organisation_administrator_can_manage_its_chapter(cast, org_admin):
    assert not Membership.objects.filter(group=cast.group, user=org_admin).exists()
    assert can_manage(org_admin, cast.group)
    assert can_review(org_admin, cast.group)

    membership = Membership.objects.get(group=cast.group, user=cast.visitor)
    approve_membership(membership, actor=org_admin)
    update_group(cast.group, actor=org_admin, changes={"place": "Torino"})

    assert Membership.objects.get(pk=membership.pk).status == "active"
    cast.group.refresh_from_db()
    assert cast.group.place == "Torino"


def test_api_an_organisation_administrator_approves_in_a_private_chapter(cast, org_admin):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        api_client(org_admin), "post", f"{API}/{cast.group.pk}/members/{membership.pk}/approve"
    )

    assert response.status_code == 200
    assert Membership.objects.get(pk=membership.pk).status == "active"


def test_a_plain_organisation_member_cannot_manage_nor_see_the_private_chapter(cast):
    person = make_user("orgmember@example.org")
    add_member(cast.organisation, person)

    assert not can_manage(person, cast.group)
    assert not can_review(person, cast.group)
    assert page_client(person).get(cast.group.get_absolute_url()).status_code == 404


def test_a_manager_of_a_chapter_does_not_manage_the_organisation(cast):
    assert can_manage(cast.leader, cast.group)
    assert not can_manage(cast.leader, cast.organisation)

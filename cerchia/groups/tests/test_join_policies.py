"""Joining follows the group's policy: open, on request, by application or by invitation."""

import pytest

from cerchia.groups.models import Group, Membership
from cerchia.groups.services import GroupError, create_group, join_group, leave_group
from cerchia.groups.tests.helpers import API, audit_of, group_audit, send_json


def test_joining_an_open_group_makes_an_active_member_at_once(cast):
    membership = join_group(cast.public_group, cast.outsider)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.role == Membership.Role.MEMBER
    assert membership.joined_at is not None
    entry = audit_of(membership, "groups.membership.joined")
    assert entry.actor == cast.outsider
    assert entry.data == {"group": cast.public_group.pk}


def test_joining_a_request_group_waits_for_approval(cast):
    club = create_group(
        cast.owner, name="Breakfast Club", kind="event_network", join_policy="request"
    )

    membership = join_group(club, cast.outsider, message="  I run a bakery.  ")

    membership.refresh_from_db()
    assert membership.status == Membership.Status.REQUESTED
    assert membership.joined_at is None
    assert membership.message == "I run a bakery."
    assert audit_of(membership, "groups.membership.requested").actor == cast.outsider
    assert not group_audit("groups.membership.joined").exists()
    assert not Membership.objects.active().filter(group=club, user=cast.outsider).exists()


def test_joining_an_application_group_files_an_application(cast):
    membership = join_group(cast.organisation, cast.outsider, sponsor_email=cast.owner.email)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPLIED
    assert membership.sponsor == cast.owner
    assert membership.applied_at is not None
    assert membership.joined_at is None
    assert audit_of(membership, "groups.membership.applied").actor == cast.outsider
    assert not group_audit("groups.membership.joined").exists()


def test_invitation_only_group_refuses_a_join_and_saves_nothing(cast):
    circle = create_group(
        cast.owner, name="Inner Circle", kind="association", join_policy="invitation"
    )
    before = group_audit().count()

    with pytest.raises(GroupError, match="Inner Circle is by invitation only"):
        join_group(circle, cast.outsider)

    assert not Membership.objects.filter(group=circle, user=cast.outsider).exists()
    assert group_audit().count() == before


def test_nobody_can_join_an_informal_network(cast):
    network = Group.objects.get(kind="informal", owner=cast.owner)
    before = group_audit().count()

    for person in (cast.owner, cast.outsider):
        with pytest.raises(GroupError, match="Nobody can join this group"):
            join_group(network, person)

    assert not Membership.objects.filter(group=network).exists()
    assert group_audit().count() == before


def test_joining_twice_is_refused_and_changes_nothing(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)
    before = group_audit().count()

    with pytest.raises(GroupError, match="already a member of Chapter One"):
        join_group(cast.group, cast.member)

    reloaded = Membership.objects.get(pk=membership.pk)
    assert (reloaded.status, reloaded.role) == ("active", "member")
    assert group_audit().count() == before


def test_a_manager_joining_again_keeps_the_role(cast):
    with pytest.raises(GroupError):
        join_group(cast.group, cast.leader)

    assert Membership.objects.get(group=cast.group, user=cast.leader).role == "president"


def test_asking_again_while_waiting_is_refused(cast):
    before = group_audit().count()

    with pytest.raises(GroupError, match="waiting for a decision"):
        join_group(cast.group, cast.visitor, message="Please!")

    membership = Membership.objects.get(group=cast.group, user=cast.visitor)
    assert membership.status == "applied"
    assert membership.message == ""
    assert group_audit().count() == before


def test_rejoining_after_leaving_reuses_the_membership_row(cast):
    first = join_group(cast.public_group, cast.outsider)
    leave_group(cast.public_group, cast.outsider)

    again = join_group(cast.public_group, cast.outsider)

    assert again.pk == first.pk
    assert Membership.objects.filter(group=cast.public_group, user=cast.outsider).count() == 1
    again.refresh_from_db()
    assert again.status == "active"
    assert again.left_at is None
    assert again.joined_at is not None
    actions = list(
        group_audit("groups.membership.")
        .filter(target_id=str(first.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "groups.membership.joined",
        "groups.membership.left",
        "groups.membership.joined",
    ]


def test_a_rejected_applicant_may_apply_again(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)
    Membership.objects.filter(pk=membership.pk).update(status="rejected")

    again = join_group(cast.group, cast.visitor, sponsor_email=cast.member.email)

    assert again.pk == membership.pk
    assert again.status == "applied"


# Through the API -------------------------------------------------------------------------


def test_api_join_answers_with_the_new_status(cast):
    response = send_json(
        cast.api("outsider"),
        "post",
        f"{API}/{cast.organisation.pk}/join",
        {"sponsor_email": cast.owner.email},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "applied"
    assert body["sponsor"] == cast.owner.pk
    assert body["objections_close_at"] is not None
    assert body["group"] == cast.organisation.pk
    assert body["user"] == cast.outsider.pk
    assert Membership.objects.get(pk=body["id"]).status == "applied"


def test_api_join_keeps_the_message(cast):
    response = send_json(
        cast.api("outsider"),
        "post",
        f"{API}/{cast.organisation.pk}/join",
        {"message": "Plumber in Rome", "sponsor_email": cast.owner.email},
    )

    assert response.status_code == 200
    assert Membership.objects.get(pk=response.json()["id"]).message == "Plumber in Rome"


def test_api_join_of_invitation_only_group_is_a_400_and_saves_nothing(cast):
    circle = create_group(
        cast.owner,
        name="Inner Circle",
        kind="association",
        visibility="public",
        join_policy="invitation",
    )

    response = send_json(cast.api("outsider"), "post", f"{API}/{circle.pk}/join")

    assert response.status_code == 400
    assert response.json() == {"detail": "Inner Circle is by invitation only."}
    assert not Membership.objects.filter(group=circle, user=cast.outsider).exists()


def test_api_join_twice_is_a_400(cast):
    response = send_json(cast.api("member"), "post", f"{API}/{cast.group.pk}/join")

    assert response.status_code == 400
    assert "already a member" in response.json()["detail"]

"""Leaving a group and changing roles; a group always keeps someone to run it."""

import pytest

from cerchia.conftest import add_member
from cerchia.groups.models import Membership
from cerchia.groups.services import GroupError, leave_group, set_role
from cerchia.groups.tests.helpers import API, audit_of, group_audit, messages_of, send_json


def test_a_member_leaves(cast):
    membership = leave_group(cast.group, cast.member)

    membership.refresh_from_db()
    assert membership.status == "left"
    assert membership.left_at is not None
    entry = audit_of(membership, "groups.membership.left")
    assert entry.actor == cast.member
    assert entry.data == {"group": cast.group.pk, "previous_status": "active", "reason": ""}


def test_an_applicant_may_withdraw_by_leaving(cast):
    membership = leave_group(cast.group, cast.visitor)

    assert membership.status == "left"
    assert audit_of(membership, "groups.membership.left").data["previous_status"] == "applied"


def test_leaving_drops_the_role(cast):
    leave_group(cast.group, cast.leader)  # the owner still administers the group

    membership = Membership.objects.get(group=cast.group, user=cast.leader)
    assert (membership.status, membership.role) == ("left", "member")


@pytest.mark.parametrize("status", [None, "left", "declined", "rejected"])
def test_someone_not_in_the_group_cannot_leave_it(cast, status):
    if status:
        add_member(cast.group, cast.outsider, status=status)
    before = group_audit().count()

    with pytest.raises(GroupError, match="You are not a member of Chapter One"):
        leave_group(cast.group, cast.outsider)

    assert group_audit().count() == before


def test_the_last_administrator_cannot_leave(cast):
    with pytest.raises(GroupError, match="last administrator of Open Events"):
        leave_group(cast.public_group, cast.owner)

    membership = Membership.objects.get(group=cast.public_group, user=cast.owner)
    assert (membership.status, membership.role) == ("active", "administrator")
    assert not group_audit("groups.membership.left").exists()


def test_plain_members_do_not_count_as_someone_to_run_the_group(cast):
    add_member(cast.public_group, cast.member)
    add_member(cast.public_group, cast.leader, role="membership_committee")

    with pytest.raises(GroupError, match="last administrator"):
        leave_group(cast.public_group, cast.owner)


def test_an_administrator_may_leave_when_another_manager_remains(cast):
    membership = leave_group(cast.group, cast.owner)  # the president stays

    assert membership.status == "left"


def test_the_last_administrator_cannot_be_demoted(cast):
    membership = Membership.objects.get(group=cast.public_group, user=cast.owner)

    with pytest.raises(GroupError, match="needs at least one administrator"):
        set_role(membership, actor=cast.owner, role="member")

    membership.refresh_from_db()
    assert membership.role == "administrator"
    assert not group_audit("groups.membership.role_changed").exists()


def test_the_last_manager_may_move_between_manager_roles(cast):
    membership = Membership.objects.get(group=cast.public_group, user=cast.owner)

    set_role(membership, actor=cast.owner, role="president")

    assert Membership.objects.get(pk=membership.pk).role == "president"


def test_role_changes_are_audited_with_from_and_to(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    set_role(membership, actor=cast.leader, role="vice_president")

    membership.refresh_from_db()
    assert membership.role == "vice_president"
    entry = audit_of(membership, "groups.membership.role_changed")
    assert entry.actor == cast.leader
    assert entry.data == {
        "group": cast.group.pk,
        "from": "member",
        "to": "vice_president",
        "until": membership.role_until.isoformat(),
    }


def test_an_unknown_role_is_refused(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    with pytest.raises(GroupError, match="Unknown role: emperor"):
        set_role(membership, actor=cast.owner, role="emperor")

    assert Membership.objects.get(pk=membership.pk).role == "member"
    assert not group_audit("groups.membership.role_changed").exists()


@pytest.mark.parametrize("who", ["member", "visitor", "outsider"])
def test_people_who_do_not_run_the_group_cannot_change_roles(cast, who):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    with pytest.raises(GroupError, match="Only the group's administrators may change roles"):
        set_role(membership, actor=getattr(cast, who), role="president")

    assert Membership.objects.get(pk=membership.pk).role == "member"


def test_membership_committee_reviews_but_cannot_change_roles(cast):
    Membership.objects.filter(group=cast.group, user=cast.member).update(
        role="membership_committee"
    )
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    with pytest.raises(GroupError):
        set_role(membership, actor=cast.member, role="administrator")

    assert Membership.objects.get(pk=membership.pk).role == "membership_committee"


def test_only_active_members_can_hold_a_role(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.visitor)

    with pytest.raises(GroupError, match="Only active members can hold a role"):
        set_role(membership, actor=cast.owner, role="vice_president")

    assert Membership.objects.get(pk=membership.pk).role == "member"


# Through the API -------------------------------------------------------------------------


def role_url(cast, membership):
    return f"{API}/{cast.group.pk}/members/{membership.pk}/role"


def test_api_a_manager_changes_a_role(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = send_json(
        cast.api("leader"), "put", role_url(cast, membership), {"role": "membership_committee"}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "membership_committee"
    assert Membership.objects.get(pk=membership.pk).role == "membership_committee"


def test_api_an_unknown_role_is_a_400(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = send_json(cast.api("owner"), "put", role_url(cast, membership), {"role": "king"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Unknown role: king"}
    assert Membership.objects.get(pk=membership.pk).role == "member"


def test_api_a_plain_member_gets_403_on_roles(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = send_json(
        cast.api("member"), "put", role_url(cast, membership), {"role": "administrator"}
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == "member"


def test_api_leave(cast):
    response = send_json(cast.api("member"), "post", f"{API}/{cast.group.pk}/leave")

    assert response.status_code == 200
    assert response.json()["status"] == "left"


def test_api_the_last_administrator_leaving_is_a_400(cast):
    response = send_json(cast.api("owner"), "post", f"{API}/{cast.public_group.pk}/leave")

    assert response.status_code == 400
    assert "last administrator" in response.json()["detail"]
    assert Membership.objects.get(group=cast.public_group, user=cast.owner).status == "active"


# Through the pages -----------------------------------------------------------------------


def test_page_change_role(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/", {"role": "moderator"}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Role changed."]
    assert Membership.objects.get(pk=membership.pk).role == "moderator"


def test_page_change_to_an_unknown_role_explains_and_keeps_the_role(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/", {"role": "emperor"}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Choose a role from the list."]
    assert Membership.objects.get(pk=membership.pk).role == "member"


def test_page_change_role_by_a_plain_member_is_forbidden(cast):
    membership = Membership.objects.get(group=cast.group, user=cast.leader)

    response = cast.client("member").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/", {"role": "member"}
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == "president"


def test_page_leave_and_refusal_message(cast):
    left = cast.client("member").post(f"/groups/{cast.group.slug}/leave/")
    refused = cast.client("owner").post(f"/groups/{cast.public_group.slug}/leave/")

    assert left.status_code == refused.status_code == 302
    assert messages_of(left) == ["You left Chapter One."]
    assert Membership.objects.get(group=cast.group, user=cast.member).status == "left"
    assert "last administrator" in messages_of(refused)[0]
    assert Membership.objects.get(group=cast.public_group, user=cast.owner).status == "active"

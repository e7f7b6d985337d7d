"""Managers invite people by email; only the invited person answers the invitation."""

import pytest

from cerchia.conftest import add_member
from cerchia.groups.models import Membership
from cerchia.groups.services import (
    GroupError,
    accept_invitation,
    create_group,
    decline_invitation,
    invite_member,
    join_group,
)
from cerchia.groups.tests.helpers import API, audit_of, group_audit, messages_of, send_json


@pytest.fixture
def circle(cast):
    """An invitation-only association run by ``owner``, public so anyone can see it."""
    return create_group(
        cast.owner,
        name="Inner Circle",
        kind="association",
        visibility="public",
        join_policy="invitation",
    )


def test_a_manager_invites_a_registered_person_by_email(cast):
    membership = invite_member(cast.group, actor=cast.owner, email="  OUTSIDER@example.org ")

    membership.refresh_from_db()
    assert membership.user == cast.outsider
    assert membership.status == "invited"
    assert membership.role == "member"
    assert membership.invited_by == cast.owner
    entry = audit_of(membership, "groups.membership.invited")
    assert entry.actor == cast.owner
    assert entry.data == {"group": cast.group.pk, "user": cast.outsider.pk}


def test_a_president_may_invite(cast):
    membership = invite_member(cast.group, actor=cast.leader, email="outsider@example.org")

    assert membership.status == "invited"
    assert membership.invited_by == cast.leader


@pytest.mark.parametrize("role", ["member", "membership_committee", "visitor_host", "moderator"])
def test_people_who_do_not_run_the_group_cannot_invite(cast, role):
    Membership.objects.filter(group=cast.group, user=cast.member).update(role=role)
    before = group_audit().count()

    with pytest.raises(GroupError, match="Only the group's administrators may invite"):
        invite_member(cast.group, actor=cast.member, email="outsider@example.org")

    assert not Membership.objects.filter(user=cast.outsider).exists()
    assert group_audit().count() == before


def test_an_applicant_cannot_invite(cast):
    with pytest.raises(GroupError):
        invite_member(cast.group, actor=cast.visitor, email="outsider@example.org")

    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_inviting_an_unknown_email_says_nobody_has_that_account(cast):
    before = Membership.objects.count()

    with pytest.raises(GroupError) as excinfo:
        invite_member(cast.group, actor=cast.owner, email=" nobody@example.org ")

    assert str(excinfo.value) == "Nobody has a Cerchia account with the address nobody@example.org."
    assert Membership.objects.count() == before
    assert not group_audit("groups.membership.invited").exists()


def test_a_deactivated_account_cannot_be_invited(cast):
    cast.outsider.is_active = False
    cast.outsider.save()

    with pytest.raises(GroupError, match="Nobody has a Cerchia account"):
        invite_member(cast.group, actor=cast.owner, email="outsider@example.org")

    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_inviting_an_active_member_is_refused(cast):
    with pytest.raises(GroupError, match="member@example.org is already invited or a member"):
        invite_member(cast.group, actor=cast.owner, email="member@example.org")

    membership = Membership.objects.get(group=cast.group, user=cast.member)
    assert (membership.status, membership.invited_by) == ("active", None)


def test_inviting_an_applicant_asks_to_approve_instead(cast):
    with pytest.raises(GroupError, match="already asked to join: approve the request"):
        invite_member(cast.group, actor=cast.owner, email="visitor@example.org")

    assert Membership.objects.get(group=cast.group, user=cast.visitor).status == "applied"


def test_the_invited_person_accepts(cast):
    invitation = invite_member(cast.group, actor=cast.owner, email="outsider@example.org")

    membership = accept_invitation(invitation, actor=cast.outsider)

    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership.joined_at is not None
    assert audit_of(membership, "groups.membership.accepted").actor == cast.outsider


def test_the_invited_person_declines_and_may_be_invited_again(cast):
    invitation = invite_member(cast.group, actor=cast.owner, email="outsider@example.org")

    decline_invitation(invitation, actor=cast.outsider)

    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert invitation.joined_at is None
    assert audit_of(invitation, "groups.membership.declined").actor == cast.outsider

    again = invite_member(cast.group, actor=cast.leader, email="outsider@example.org")
    assert again.pk == invitation.pk
    assert again.status == "invited"
    assert again.invited_by == cast.leader


@pytest.mark.parametrize("answer", [accept_invitation, decline_invitation])
def test_nobody_else_may_answer_an_invitation(cast, answer):
    invitation = invite_member(cast.group, actor=cast.owner, email="outsider@example.org")

    for someone in (cast.owner, cast.member):
        with pytest.raises(GroupError, match="Only the invited person"):
            answer(invitation, actor=someone)

    invitation.refresh_from_db()
    assert invitation.status == "invited"
    assert not group_audit("groups.membership.accepted").exists()
    assert not group_audit("groups.membership.declined").exists()


@pytest.mark.parametrize("answer", [accept_invitation, decline_invitation])
def test_there_is_nothing_to_answer_without_an_open_invitation(cast, answer):
    membership = Membership.objects.get(group=cast.group, user=cast.member)

    with pytest.raises(GroupError, match="There is no open invitation"):
        answer(membership, actor=cast.member)

    membership.refresh_from_db()
    assert membership.status == "active"


def test_an_invited_person_joining_accepts_the_invitation(cast, circle):
    invitation = invite_member(circle, actor=cast.owner, email="outsider@example.org")

    membership = join_group(circle, cast.outsider)

    assert membership.pk == invitation.pk
    membership.refresh_from_db()
    assert membership.status == "active"
    assert audit_of(membership, "groups.membership.accepted").actor == cast.outsider
    assert not group_audit("groups.membership.joined").exists()


# Through the API -------------------------------------------------------------------------


def test_api_invitation_by_a_manager_is_created(cast):
    response = send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/invitations",
        {"email": "outsider@example.org"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["user"], body["group"]) == (
        "invited",
        cast.outsider.pk,
        cast.group.pk,
    )


def test_api_invitation_by_a_plain_member_is_forbidden(cast):
    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/{cast.group.pk}/invitations",
        {"email": "outsider@example.org"},
    )

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_api_invitation_of_an_unknown_email_is_a_400(cast):
    response = send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/invitations",
        {"email": "nobody@example.org"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nobody has a Cerchia account with the address nobody@example.org."
    }


def test_api_the_invited_person_accepts(cast):
    invite_member(cast.group, actor=cast.owner, email="outsider@example.org")

    # The private group is visible to the person invited to it.
    response = send_json(cast.api("outsider"), "post", f"{API}/{cast.group.pk}/invitation/accept")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert Membership.objects.get(group=cast.group, user=cast.outsider).status == "active"


def test_api_the_invited_person_declines(cast, circle):
    invite_member(circle, actor=cast.owner, email="outsider@example.org")

    response = send_json(cast.api("outsider"), "post", f"{API}/{circle.pk}/invitation/decline")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_api_accept_without_an_invitation(cast, circle):
    # No membership at all: nothing to find.
    response = send_json(cast.api("outsider"), "post", f"{API}/{circle.pk}/invitation/accept")
    assert response.status_code == 404
    assert "detail" in response.json()

    # A member with no open invitation: refused, still the same.
    response = send_json(cast.api("member"), "post", f"{API}/{cast.group.pk}/invitation/accept")
    assert response.status_code == 400
    assert response.json() == {"detail": "There is no open invitation to accept."}
    assert Membership.objects.get(group=cast.group, user=cast.member).status == "active"


# Through the pages -----------------------------------------------------------------------


def test_page_invite_by_a_manager(cast):
    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/invite/", {"email": "outsider@example.org"}
    )

    assert response.status_code == 302
    assert response["Location"] == cast.group.get_absolute_url()
    assert Membership.objects.get(group=cast.group, user=cast.outsider).status == "invited"
    assert messages_of(response) == ["Invitation sent."]


def test_page_invite_of_an_unknown_email_shows_the_reason(cast):
    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/invite/", {"email": "nobody@example.org"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "Nobody has a Cerchia account with the address nobody@example.org."
    ]


def test_page_invite_by_a_plain_member_is_forbidden(cast):
    response = cast.client("member").post(
        f"/groups/{cast.group.slug}/invite/", {"email": "outsider@example.org"}
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_page_answer_invitation_accept_and_decline(cast, circle):
    add_member(circle, cast.member, status="invited")
    invite_member(circle, actor=cast.owner, email="outsider@example.org")

    accepted = cast.client("member").post(
        f"/groups/{circle.slug}/invitation/", {"answer": "accept"}
    )
    declined = cast.client("outsider").post(
        f"/groups/{circle.slug}/invitation/", {"answer": "decline"}
    )

    assert accepted.status_code == declined.status_code == 302
    assert Membership.objects.get(group=circle, user=cast.member).status == "active"
    assert Membership.objects.get(group=circle, user=cast.outsider).status == "declined"
    assert messages_of(accepted) == ["Welcome to Inner Circle!"]
    assert messages_of(declined) == ["Invitation declined."]


def test_page_answer_without_an_invitation_says_so(cast, circle):
    response = cast.client("outsider").post(
        f"/groups/{circle.slug}/invitation/", {"answer": "accept"}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["There is no open invitation to answer."]
    assert not Membership.objects.filter(group=circle, user=cast.outsider).exists()

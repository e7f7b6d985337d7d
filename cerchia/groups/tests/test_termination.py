"""Administrators end a membership, saying why: the member is told and leaves the lists."""

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Membership
from cerchia.groups.tests.helpers import (
    API,
    api_client,
    audit_of,
    group_audit,
    messages_of,
    page_client,
    send_json,
)
from cerchia.notices.models import Notice

REASON = "Dues unpaid for a year after repeated reminders."


@pytest.fixture
def membership(cast):
    return Membership.objects.get(group=cast.group, user=cast.member)


def member_names(client, group):
    body = send_json(client, "get", f"{API}/{group.pk}/members").json()
    return [item["person"]["display_name"] for item in body["items"]]


def test_an_administrator_terminates_a_membership_from_the_page(
    cast, membership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("owner").post(
            f"/groups/{cast.group.slug}/members/{membership.pk}/terminate/", {"reason": REASON}
        )

    assert response.status_code == 302
    assert messages_of(response) == ["The membership has ended; the member is told why."]
    membership.refresh_from_db()
    assert (membership.status, membership.standing) == ("terminated", "terminated")
    assert membership.left_at is not None
    assert membership.leave_note == REASON
    entry = audit_of(membership, "groups.membership.terminated")
    assert entry.actor == cast.owner
    assert entry.data == {"group": cast.group.pk, "reason": REASON}
    [notice] = Notice.objects.filter(user=cast.member)
    assert notice.kind == "membership.terminated"
    assert notice.params == {"group": "Chapter One", "reason": REASON}
    [mail] = mailoutbox
    assert mail.to == ["member@example.org"]
    assert mail.subject == "Your membership of Chapter One has ended"
    assert f"Reason: {REASON}" in mail.body


def test_the_terminated_member_leaves_the_member_lists(cast, membership):
    assert "Mia Member" in member_names(cast.api("owner"), cast.group)

    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/{cast.group.pk}/members/{membership.pk}/termination",
        {"reason": REASON},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "terminated"
    assert "Mia Member" not in member_names(cast.api("owner"), cast.group)
    page = cast.client("owner").get(f"/groups/{cast.group.slug}/").content.decode()
    assert "Mia Member" not in page
    assert "Leo Leader" in page


def test_a_terminated_member_no_longer_opens_the_private_group(cast, membership):
    send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/members/{membership.pk}/termination",
        {"reason": REASON},
    )

    assert cast.client("member").get(f"/groups/{cast.group.slug}/").status_code == 404
    assert send_json(cast.api("member"), "get", f"{API}/{cast.group.pk}").status_code == 404


def test_the_page_offers_termination_to_administrators_only(cast, membership):
    action = f'action="/groups/{cast.group.slug}/members/{membership.pk}/terminate/"'

    assert action in cast.client("owner").get(f"/groups/{cast.group.slug}/").content.decode()
    assert action not in cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(cast, membership, reason):
    page = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/terminate/", {"reason": reason}
    )
    api = send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/members/{membership.pk}/termination",
        {"reason": reason},
    )

    assert messages_of(page) == ["Say why the membership ends: the member is told."]
    assert api.status_code == 400
    assert api.json() == {"detail": "Say why the membership ends: the member is told."}
    membership.refresh_from_db()
    assert membership.status == "active"
    assert not Notice.objects.exists()
    assert not group_audit("groups.membership.terminated").exists()


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("member", 403), ("visitor", 403)])
def test_people_who_do_not_run_the_group_cannot_terminate(cast, who, status):
    target = Membership.objects.get(group=cast.group, user=cast.leader)

    api = send_json(
        cast.api(who),
        "post",
        f"{API}/{cast.group.pk}/members/{target.pk}/termination",
        {"reason": REASON},
    )
    page = cast.client(who).post(
        f"/groups/{cast.group.slug}/members/{target.pk}/terminate/", {"reason": REASON}
    )

    assert api.status_code == status
    assert set(api.json()) == {"detail"}
    assert page.status_code == status
    target.refresh_from_db()
    assert target.status == "active"
    assert not Notice.objects.exists()
    assert not group_audit("groups.membership.terminated").exists()


def test_the_membership_committee_cannot_terminate(cast, membership):
    committee = make_user("committee@example.org", "Carla Committee")
    add_member(cast.group, committee, role="membership_committee")

    api = send_json(
        api_client(committee),
        "post",
        f"{API}/{cast.group.pk}/members/{membership.pk}/termination",
        {"reason": REASON},
    )
    page = page_client(committee).post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/terminate/", {"reason": REASON}
    )

    assert (api.status_code, page.status_code) == (403, 403)
    membership.refresh_from_db()
    assert membership.status == "active"


def test_a_membership_of_another_group_is_not_found(cast):
    elsewhere = add_member(cast.public_group, cast.member)

    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/{cast.group.pk}/members/{elsewhere.pk}/termination",
        {"reason": REASON},
    )

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "active"


def test_an_application_is_rejected_not_terminated(cast):
    application = Membership.objects.get(group=cast.group, user=cast.visitor)

    response = send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/members/{application.pk}/termination",
        {"reason": REASON},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Only an active membership can be terminated."}
    application.refresh_from_db()
    assert application.status == "applied"


def test_administrators_cannot_terminate_themselves(cast):
    own = Membership.objects.get(group=cast.group, user=cast.owner)

    response = send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/members/{own.pk}/termination",
        {"reason": REASON},
    )

    assert response.status_code == 400
    assert "Leave the group instead" in response.json()["detail"]
    own.refresh_from_db()
    assert (own.status, own.role) == ("active", "administrator")


def test_terminating_an_officer_ends_the_role(cast):
    officer = Membership.objects.get(group=cast.group, user=cast.leader)

    send_json(
        cast.api("owner"),
        "post",
        f"{API}/{cast.group.pk}/members/{officer.pk}/termination",
        {"reason": REASON},
    )

    officer.refresh_from_db()
    assert (officer.status, officer.role, officer.role_until) == ("terminated", "member", None)
    assert send_json(cast.api("leader"), "get", f"{API}/{cast.group.pk}").status_code == 404


def test_a_terminated_member_cannot_rejoin_an_open_group_on_their_own(cast):
    from cerchia.groups.services import GroupError, join_group, terminate_membership

    membership = Membership.objects.create(
        group=cast.public_group, user=cast.member, status="active", standing="active"
    )
    terminate_membership(membership, actor=cast.owner, reason="Breach of the code of conduct")

    with pytest.raises(GroupError, match="terminated"):
        join_group(cast.public_group, cast.member)

    membership.refresh_from_db()
    assert membership.status == "terminated"

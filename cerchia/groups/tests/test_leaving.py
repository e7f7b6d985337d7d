"""Leaving records why (moved, cost, no referrals, time, other) for the retention reports."""

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member
from cerchia.groups.models import Membership
from cerchia.groups.services import GroupError, leave_group


def test_leaving_with_a_reason_records_it(cast):
    membership = leave_group(cast.group, cast.member, reason="no_referrals", note="Too quiet")

    membership.refresh_from_db()
    assert membership.status == "left"
    assert membership.leave_reason == "no_referrals"
    assert membership.leave_note == "Too quiet"
    entry = AuditEntry.objects.get(action="groups.membership.left")
    assert entry.data["reason"] == "no_referrals"


def test_an_unknown_reason_is_refused_and_the_member_stays(cast):
    with pytest.raises(GroupError, match="Unknown reason for leaving"):
        leave_group(cast.group, cast.member, reason="bored")

    assert Membership.objects.get(group=cast.group, user=cast.member).status == "active"
    assert not AuditEntry.objects.filter(action="groups.membership.left").exists()


def test_leaving_through_the_api_with_a_reason(cast):
    response = cast.api("member").post(
        f"/api/v1/groups/{cast.group.pk}/leave",
        {"reason": "cost", "note": ""},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert response.json()["leave_reason"] == "cost"


def test_the_api_refuses_an_unknown_reason_with_a_detail(cast):
    response = cast.api("member").post(
        f"/api/v1/groups/{cast.group.pk}/leave", {"reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "Unknown reason for leaving" in response.json()["detail"]
    assert Membership.objects.get(group=cast.group, user=cast.member).status == "active"


def test_leaving_from_the_page_asks_why(cast):
    add_member(cast.public_group, cast.member)
    client = cast.client("member")

    page = client.get(cast.public_group.get_absolute_url()).content.decode()
    assert 'name="reason"' in page and "Not enough referrals" in page

    client.post(f"/groups/{cast.public_group.slug}/leave/", {"reason": "time", "note": "Busy"})

    left = Membership.objects.get(group=cast.public_group, user=cast.member)
    assert (left.status, left.leave_reason, left.leave_note) == ("left", "time", "Busy")


def test_a_reason_is_optional(cast):
    membership = leave_group(cast.group, cast.member)

    assert membership.status == "left" and membership.leave_reason == ""

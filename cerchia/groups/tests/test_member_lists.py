"""Member lists, API and page alike: each card shows only what its owner lets the viewer see."""

import re

import pytest
from django.test import Client

from cerchia.accounts.models import Connection
from cerchia.conftest import add_member
from cerchia.groups.tests.helpers import API, make_people


def members_url(group, query=""):
    return f"{API}/{group.pk}/members{query}"


def cards_by_name(body):
    return {item["person"]["display_name"]: item["person"] for item in body["items"]}


def test_members_are_listed_with_role_status_and_count(cast):
    response = cast.api("member").get(members_url(cast.group))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert [(i["person"]["display_name"], i["role"], i["status"]) for i in body["items"]] == [
        ("Leo Leader", "president", "active"),
        ("Mia Member", "member", "active"),
        ("Olivia Owner", "administrator", "active"),
    ]
    # The applicant is not a member yet.
    assert "Victor Visitor" not in cards_by_name(body)


def test_limit_and_offset_page_through_the_members(cast):
    client = cast.api("member")

    first = client.get(members_url(cast.group, "?limit=2")).json()
    rest = client.get(members_url(cast.group, "?limit=2&offset=2")).json()

    assert [i["person"]["display_name"] for i in first["items"]] == ["Leo Leader", "Mia Member"]
    assert [i["person"]["display_name"] for i in rest["items"]] == ["Olivia Owner"]
    assert first["count"] == rest["count"] == 3


def test_a_private_phone_is_absent_for_other_viewers(cast):
    profile = cast.member.profile
    profile.phone = "+393331234567"
    profile.latitude, profile.longitude = 45.46, 9.19
    profile.save()

    others = cards_by_name(cast.api("leader").get(members_url(cast.group)).json())
    own = cards_by_name(cast.api("member").get(members_url(cast.group)).json())

    seen_by_leader = others["Mia Member"]
    for hidden in ("phone", "email", "coordinates"):  # "private" by default
        assert hidden not in seen_by_leader
    assert "+393331234567" not in str(others)
    assert own["Mia Member"]["phone"] == "+393331234567"
    assert own["Mia Member"]["email"] == "member@example.org"


def test_a_field_shared_with_connections_needs_a_connection(cast):
    profile = cast.member.profile
    profile.phone = "+393331234567"
    profile.visibility = {"phone": "connections"}
    profile.save()
    Connection.objects.create(owner=cast.member, other=cast.owner)

    by_owner = cards_by_name(cast.api("owner").get(members_url(cast.group)).json())
    by_leader = cards_by_name(cast.api("leader").get(members_url(cast.group)).json())

    assert by_owner["Mia Member"]["phone"] == "+393331234567"
    assert "phone" not in by_leader["Mia Member"]


def test_strangers_see_only_public_fields_of_a_public_groups_members(cast):
    add_member(cast.public_group, cast.member)
    profile = cast.member.profile
    profile.bio = "Weddings in Tuscany"  # "groups" by default
    profile.company = "Mia Foto"  # "public" by default
    profile.save()

    for client in (Client(), cast.api("outsider")):
        card = cards_by_name(client.get(members_url(cast.public_group)).json())["Mia Member"]
        assert card["company"] == "Mia Foto"
        assert card["profession"]["code"] == "wedding_photographer"
        assert "bio" not in card
        assert "location" not in card

    co_member = cards_by_name(cast.api("owner").get(members_url(cast.public_group)).json())
    assert co_member["Mia Member"]["bio"] == "Weddings in Tuscany"


def test_a_hidden_name_is_absent_not_blank(cast):
    profile = cast.member.profile
    profile.visibility = {"display_name": "connections"}
    profile.save()
    add_member(cast.public_group, cast.member)

    body = Client().get(members_url(cast.public_group)).json()

    ids = {i["person"]["id"]: i["person"] for i in body["items"]}
    assert "display_name" not in ids[cast.member.pk]
    assert "Mia Member" not in str(body)


@pytest.mark.parametrize("who", ["leader", "owner"])
def test_reviewers_can_list_applications(cast, who):
    body = cast.api(who).get(members_url(cast.group, "?status=applied")).json()

    assert body["count"] == 1
    assert [(i["person"]["display_name"], i["status"]) for i in body["items"]] == [
        ("Victor Visitor", "applied")
    ]


def test_membership_committee_can_list_applications(cast):
    cast.member.memberships.filter(group=cast.group).update(role="membership_committee")

    body = cast.api("member").get(members_url(cast.group, "?status=applied")).json()

    assert body["count"] == 1


@pytest.mark.parametrize("status", ["applied", "requested", "invited"])
@pytest.mark.parametrize("who", ["member", "visitor"])
def test_others_get_an_empty_list_of_pending_people(cast, who, status):
    add_member(cast.group, cast.outsider, status="requested")
    add_member(cast.group, make_people(1, "invitee")[0], status="invited")

    response = cast.api(who).get(members_url(cast.group, f"?status={status}"))

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


@pytest.mark.parametrize("status", ["left", "rejected", "declined", "everything"])
def test_gone_people_are_never_listed(cast, status):
    add_member(cast.group, cast.outsider, status="left")

    body = cast.api("owner").get(members_url(cast.group, f"?status={status}")).json()

    assert body == {"items": [], "count": 0}


def test_the_page_shows_the_same_members_as_the_api(cast):
    make_people(4, "extra")
    for person in make_people(4, "joiner"):
        add_member(cast.group, person)

    api_names = [
        i["person"]["display_name"]
        for i in cast.api("member").get(members_url(cast.group)).json()["items"]
    ]
    response = cast.client("member").get(cast.group.get_absolute_url())

    page_names = [row["card"]["display_name"] for row in response.context["members"]]
    assert len(api_names) == 7
    assert page_names == api_names
    html = response.content.decode()
    shown = re.findall(r"<td><a href=\"/people/\d+/\">([^<]+)</a>", html)
    assert shown == api_names
    assert "Victor Visitor" not in shown


def test_the_page_hides_private_fields_too(cast):
    profile = cast.member.profile
    profile.phone = "+393331234567"
    profile.save()

    html = cast.client("leader").get(cast.group.get_absolute_url()).content.decode()

    assert "Mia Member" in html
    assert "+393331234567" not in html
    assert "member@example.org" not in html

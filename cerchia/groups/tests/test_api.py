"""The groups API: listing, reading one group, and the limit/offset paging every list shares."""

import pytest
from django.test import Client

from cerchia.accounts.models import Profile, User
from cerchia.api.pagination import MAX_LIMIT
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import API


def test_a_group_as_json(cast):
    response = cast.api("member").get(f"{API}/{cast.group.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == cast.group.pk
    assert body["slug"] == "chapter-one"
    assert body["name"] == "Chapter One"
    assert body["kind"] == "lead_group"
    assert body["parent"] == cast.organisation.pk
    assert (body["visibility"], body["join_policy"]) == ("private", "application")
    assert (body["currency"], body["time_zone"]) == ("EUR", "Europe/Rome")
    assert body["url"] == "/groups/chapter-one/"
    assert body["rules"] == cast.group.rules.as_dict()


def test_anonymous_reads_a_public_group(cast):
    response = Client().get(f"{API}/{cast.public_group.pk}")

    assert response.status_code == 200
    assert response.json()["parent"] is None


def test_list_filters_by_kind_and_text(cast):
    create_group(cast.owner, name="Camera di Commercio", kind="chamber", place="Bologna")
    client = cast.api("owner")

    chambers = client.get(f"{API}?kind=chamber").json()
    bologna = client.get(f"{API}?q=bologna").json()
    nothing = client.get(f"{API}?q=atlantis").json()

    assert [g["name"] for g in chambers["items"]] == ["Camera di Commercio"]
    assert chambers["count"] == 1
    assert [g["name"] for g in bologna["items"]] == ["Camera di Commercio"]
    assert nothing == {"items": [], "count": 0}


def test_list_is_ordered_by_name_and_counts_everything(cast):
    body = cast.api("owner").get(API).json()

    assert [g["name"] for g in body["items"]] == ["Chapter One", "Open Events", "Referral Org"]
    assert body["count"] == 3


# Paging ----------------------------------------------------------------------------------


def test_list_limit_and_offset(cast):
    client = cast.api("owner")

    second = client.get(f"{API}?limit=1&offset=1").json()
    beyond = client.get(f"{API}?limit=5&offset=10").json()

    assert [g["name"] for g in second["items"]] == ["Open Events"]
    assert second["count"] == 3
    assert beyond == {"items": [], "count": 3}


@pytest.mark.parametrize("limit", [0, -5])
def test_a_limit_below_one_still_returns_one_item(cast, limit):
    groups = cast.api("owner").get(f"{API}?limit={limit}").json()
    members = cast.api("owner").get(f"{API}/{cast.group.pk}/members?limit={limit}").json()

    assert len(groups["items"]) == 1
    assert groups["count"] == 3
    assert len(members["items"]) == 1
    assert members["count"] == 3


def test_a_negative_offset_starts_at_the_beginning(cast):
    body = cast.api("owner").get(f"{API}?offset=-3&limit=1").json()

    assert [g["name"] for g in body["items"]] == ["Chapter One"]


@pytest.fixture
def crowd(cast):
    """MAX_LIMIT + 5 active members of the public group, made in bulk (cards need profiles)."""
    users = User.objects.bulk_create(
        User(email=f"crowd{i:04d}@example.org", password="!") for i in range(MAX_LIMIT + 5)
    )
    Profile.objects.bulk_create(
        Profile(user=u, display_name=f"Crowd {i:04d}") for i, u in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(group=cast.public_group, user=u, status="active") for u in users
    )
    return users


def test_a_huge_limit_is_clamped_to_500(cast, crowd):
    body = Client().get(f"{API}/{cast.public_group.pk}/members?limit=10000").json()

    assert MAX_LIMIT == 500
    assert body["count"] == MAX_LIMIT + 6  # the crowd and the owner
    assert len(body["items"]) == MAX_LIMIT
    names = [i["person"]["display_name"] for i in body["items"]]
    assert names[:2] == ["Crowd 0000", "Crowd 0001"]


def test_offset_reaches_past_the_first_500(cast, crowd):
    body = Client().get(f"{API}/{cast.public_group.pk}/members?limit=10000&offset=500").json()

    assert [i["person"]["display_name"] for i in body["items"]] == [
        "Crowd 0500",
        "Crowd 0501",
        "Crowd 0502",
        "Crowd 0503",
        "Crowd 0504",
        "Olivia Owner",
    ]


def test_a_limit_that_is_not_a_number_is_a_422(cast):
    response = cast.api("owner").get(f"{API}?limit=many")

    assert response.status_code == 422
    assert "detail" in response.json()

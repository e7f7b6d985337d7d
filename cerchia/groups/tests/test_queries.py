"""List pages and the member list cost the same number of queries for 3 members or 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import Connection
from cerchia.conftest import add_member
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import API, make_people

# A ceiling for any of these reads, whatever the size of the group.
MAX_QUERIES = 25


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured) <= MAX_QUERIES
    return len(captured), response


def grow(cast, group, count):
    """``count`` more active members, plus a few applicants and invitations."""
    people = make_people(count + 6, prefix=f"grow{group.pk}x")
    for person in people[:count]:
        add_member(group, person)
    for person in people[count : count + 3]:
        add_member(group, person, status="applied")
    for person in people[count + 3 :]:
        add_member(group, person, status="invited")
    # Some cards are widened by connections, which must not cost a query each.
    Connection.objects.bulk_create(Connection(owner=p, other=cast.leader) for p in people[:10])


@pytest.mark.parametrize("who", ["leader", "member"])
def test_group_page_queries_do_not_grow_with_members(cast, who, django_assert_max_num_queries):
    client = cast.client(who)
    url = cast.group.get_absolute_url()
    client.get(url)  # warm up the session
    small, response = queries_for(client, url)
    assert len(response.context["members"]) == 3

    grow(cast, cast.group, 27)

    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["members"]) == 30
    if who == "leader":
        assert len(response.context["awaiting"]) == 4
        assert len(response.context["invited"]) == 3


def test_members_api_queries_do_not_grow_with_members(cast, django_assert_max_num_queries):
    client = cast.api("leader")
    url = f"{API}/{cast.group.pk}/members"
    client.get(url)  # the first call records when the token was last used
    small, response = queries_for(client, url)
    assert response.json()["count"] == 3

    grow(cast, cast.group, 27)

    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.json()["count"] == 30
    assert len(response.json()["items"]) == 30


def test_pending_members_api_queries_do_not_grow(cast, django_assert_max_num_queries):
    client = cast.api("leader")
    url = f"{API}/{cast.group.pk}/members?status=applied"
    client.get(url)
    small, _response = queries_for(client, url)

    grow(cast, cast.group, 27)

    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.json()["count"] == 4


def test_directory_queries_do_not_grow_with_groups_or_members(cast, django_assert_max_num_queries):
    client = cast.client("member")
    client.get("/groups/")
    small, response = queries_for(client, "/groups/")
    assert len(response.context["page"].object_list) == 3

    grow(cast, cast.public_group, 27)
    for i in range(20):
        chapter = create_group(
            cast.owner,
            name=f"Chapter {i + 2:02d}",
            kind="lead_group",
            parent=cast.organisation,
            visibility="public",
        )
        add_member(chapter, cast.member)

    with django_assert_max_num_queries(small):
        response = client.get("/groups/")
    groups = response.context["page"].object_list
    assert len(groups) == 23
    assert {g.name: g.member_count for g in groups}["Open Events"] == 28
    assert "Part of Referral Org" in response.content.decode()


def test_groups_api_list_queries_do_not_grow(cast, django_assert_max_num_queries):
    client = cast.api("member")
    client.get(API)
    small, _response = queries_for(client, API)

    for i in range(27):
        create_group(
            cast.owner, name=f"Expo {i:02d}", kind="event_network", parent=cast.public_group
        )

    with django_assert_max_num_queries(small):
        response = client.get(API)
    assert response.json()["count"] == 30
    assert {g["parent"] for g in response.json()["items"]} >= {cast.public_group.pk}

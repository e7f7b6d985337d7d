"""The "my trust level" page and API, the moderators' list of levels, and the safety guide."""

from __future__ import annotations

import pytest

from cerchia.community.models import TopicRead, Trust
from cerchia.community.tests.safety_helpers import (
    api_for,
    client_for,
    community,
    member_at,
    topic_by,
)


@pytest.fixture
def scene(cast):
    group = community(cast.owner)
    newbie = member_at(group, "new@example.org", None)
    author = member_at(group, "author@example.org", 2)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(3)]
    TopicRead.objects.bulk_create(TopicRead(topic=t, user=newbie, last_read=1) for t in topics)
    return {"group": group, "newbie": newbie, "author": author}


def test_my_trust_page_shows_progress_in_numbers(scene):
    response = client_for(scene["newbie"]).get(f"/groups/{scene['group'].slug}/trust/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Level 0: New" in html
    assert "<td>Topics entered</td><td>3</td><td>5</td>" in html
    assert "<td>Posts read</td><td>3</td><td>30</td>" in html
    assert "Reading time is not measured" in html
    assert 'id="safety-guide"' in html


def test_my_trustapi_for(scene):
    data = api_for(scene["newbie"]).get(f"/api/v1/groups/{scene['group'].pk}/trust/me").json()

    assert data["level"] == 0 and data["next_level"] == 1
    assert [(r["key"], r["have"], r["need"]) for r in data["requirements"]] == [
        ("topics_entered", 3, 5),
        ("posts_read", 3, 30),
    ]


def test_trust_pages_for_outsiders_and_groups_without_levels(cast, scene):
    group = scene["group"]

    assert cast.client("outsider").get(f"/groups/{group.slug}/trust/").status_code == 404
    assert cast.api("outsider").get(f"/api/v1/groups/{group.pk}/trust/me").status_code == 404
    assert cast.client("outsider").get(f"/groups/{cast.group.slug}/trust/").status_code == 404
    # A lead group has no trust levels.
    assert cast.client("member").get(f"/groups/{cast.group.slug}/trust/").status_code == 404
    assert cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/trust/me").status_code == 404


def test_moderators_list_and_set_levels(cast, scene, django_assert_max_num_queries):
    group = scene["group"]
    for i in range(5):
        member_at(group, f"more{i}@example.org", 1)
    client = cast.client("owner")

    with django_assert_max_num_queries(12):
        page = client.get(f"/groups/{group.slug}/trust/members/")
    assert page.status_code == 200
    assert page.content.decode().count('id="member-') == 8

    client.post(
        f"/groups/{group.slug}/trust/members/", {"user_id": scene["author"].pk, "level": "4"}
    )
    assert Trust.objects.get(group=group, user=scene["author"]).level == 4

    api = cast.api("owner")
    rows = api.get(f"/api/v1/groups/{group.pk}/trust").json()
    assert {r["user_id"]: r["level"] for r in rows}[scene["author"].pk] == 4
    put = api.put(
        f"/api/v1/groups/{group.pk}/trust/{scene['newbie'].pk}",
        {"level": 3},
        content_type="application/json",
    )
    assert put.json()["level"] == 3 and put.json()["locked"] is True


def test_members_cannot_list_or_set_levels(cast, scene):
    group, newbie = scene["group"], scene["newbie"]
    client, api = client_for(newbie), api_for(newbie)

    assert client.get(f"/groups/{group.slug}/trust/members/").status_code == 403
    assert (
        client.post(
            f"/groups/{group.slug}/trust/members/", {"user_id": newbie.pk, "level": "4"}
        ).status_code
        == 403
    )
    assert api.get(f"/api/v1/groups/{group.pk}/trust").status_code == 403
    put = api.put(
        f"/api/v1/groups/{group.pk}/trust/{newbie.pk}",
        {"level": 4},
        content_type="application/json",
    )
    assert put.status_code == 403
    assert cast.api("outsider").get(f"/api/v1/groups/{group.pk}/trust").status_code == 403
    assert not Trust.objects.filter(user=newbie, level=4).exists()


def test_safety_guide_is_public(client):
    response = client.get("/safety/")

    assert response.status_code == 200
    assert "Safety guide" in response.content.decode()

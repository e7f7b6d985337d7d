"""The board in the API: every endpoint closed to outsiders of a private group, the same rules
as the pages for hidden posts, tags, likes and edits."""

from __future__ import annotations

import pytest
from django.test import Client

from cerchia.community import services
from cerchia.community.models import Like, Post, Topic
from cerchia.conftest import Cast, add_member, make_user


def board(cast: Cast) -> str:
    return f"/api/v1/groups/{cast.group.pk}/board"


@pytest.fixture
def topic(cast: Cast) -> Topic:
    return services.create_topic(
        cast.group, author=cast.member, title="Wedding fair", body="Who comes?", tags=["fair"]
    )


def as_json(client: Client, method: str, address: str, data: dict | None = None):
    call = getattr(client, method)
    if data is None:
        return call(address)
    return call(address, data, content_type="application/json")


def test_outsider_gets_404_on_every_endpoint_of_a_private_board(cast: Cast, topic: Topic) -> None:
    post = topic.posts.get()
    api = cast.api("outsider")
    base = board(cast)
    calls = [
        ("get", base, None),
        ("get", f"{base}/tags", None),
        ("get", f"{base}/topics", None),
        ("get", f"{base}/topics?q=fair", None),
        ("post", f"{base}/topics", {"title": "x", "body": "y"}),
        ("get", f"{base}/topics/{topic.pk}", None),
        ("patch", f"{base}/topics/{topic.pk}", {"title": "Mine"}),
        ("post", f"{base}/topics/{topic.pk}/posts", {"body": "y"}),
        ("get", f"{base}/posts/{post.pk}", None),
        ("patch", f"{base}/posts/{post.pk}", {"body": "Mine"}),
        ("delete", f"{base}/posts/{post.pk}", None),
        ("post", f"{base}/posts/{post.pk}/like", {}),
        ("delete", f"{base}/posts/{post.pk}/like", None),
    ]
    for method, address, data in calls:
        response = as_json(api, method, address, data)
        assert response.status_code == 404, (method, address)
        assert "detail" in response.json()
    topic.refresh_from_db()
    assert topic.title == "Wedding fair"
    assert Post.objects.get().body == "Who comes?"
    assert not Like.objects.exists()
    assert Client().get(f"{base}/topics").status_code == 401


def test_a_member_opens_replies_likes_edits_and_deletes(cast: Cast) -> None:
    api = cast.api("member")
    created = as_json(
        api,
        "post",
        f"{board(cast)}/topics",
        {"title": "Gala", "body": "Photos @leo-leader", "tags": ["Gala", "photos"]},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["tags"] == ["gala", "photos"]
    assert body["author"] == {"id": cast.member.pk, "name": "Mia Member", "handle": "mia-member"}
    topic_id = body["id"]
    leader = cast.api("leader")
    reply = as_json(
        leader,
        "post",
        f"{board(cast)}/topics/{topic_id}/posts",
        {"body": "Lovely", "reply_to": body["posts"][0]["id"]},
    )
    assert reply.status_code == 201
    reply_id = reply.json()["id"]
    assert reply.json()["number"] == 2
    liked = as_json(api, "post", f"{board(cast)}/posts/{reply_id}/like", {})
    assert liked.status_code == 201 and liked.json()["like_count"] == 1
    again = as_json(api, "post", f"{board(cast)}/posts/{reply_id}/like", {})
    assert again.status_code == 400
    own = as_json(leader, "post", f"{board(cast)}/posts/{reply_id}/like", {})
    assert own.status_code == 400 and "own" in own.json()["detail"]
    edited = as_json(leader, "patch", f"{board(cast)}/posts/{reply_id}", {"body": "Lovely!"})
    assert edited.json()["body"] == "Lovely!" and edited.json()["edited_at"]
    not_mine = as_json(api, "patch", f"{board(cast)}/posts/{reply_id}", {"body": "Ugly"})
    assert not_mine.status_code == 403
    listed = api.get(f"{board(cast)}/topics").json()
    assert listed["count"] == 1
    assert listed["items"][0]["reply_count"] == 1 and listed["items"][0]["like_count"] == 1
    deleted = api.delete(f"{board(cast)}/posts/{reply_id}")
    assert deleted.status_code == 403  # not hers, and she does not moderate
    assert leader.delete(f"{board(cast)}/posts/{reply_id}").status_code == 204
    detail = api.get(f"{board(cast)}/topics/{topic_id}").json()
    assert detail["posts"][1]["deleted"] is True and detail["posts"][1]["body"] == ""
    assert detail["reply_count"] == 0


def test_bad_tags_in_the_api_are_a_400_and_save_nothing(cast: Cast) -> None:
    response = as_json(
        cast.api("member"),
        "post",
        f"{board(cast)}/topics",
        {"title": "T", "body": "B", "tags": ["one", "two", "three", "four", "five", "six"]},
    )
    assert response.status_code == 400
    assert "at most 5 tags" in response.json()["detail"]
    assert not Topic.objects.exists()


def test_hidden_posts_stay_out_of_the_api_for_others(cast: Cast, topic: Topic) -> None:
    other = make_user("other@example.org", "Otto Other")
    add_member(cast.group, other)
    hidden = services.reply(topic, author=cast.member, body="Secret zanzibar offer")
    Post.objects.filter(pk=hidden.pk).update(hidden=Post.Hidden.FLAGS)
    api = Client()
    api.force_login(other)
    detail = api.get(f"{board(cast)}/topics/{topic.pk}").json()
    assert [p["number"] for p in detail["posts"]] == [1]
    assert detail["post_count"] == 1 and detail["reply_count"] == 0
    assert api.get(f"{board(cast)}/posts/{hidden.pk}").status_code == 404
    assert api.get(f"{board(cast)}/topics?q=zanzibar").json()["count"] == 0
    author = cast.api("member").get(f"{board(cast)}/topics/{topic.pk}").json()
    assert [p["hidden"] for p in author["posts"]] == ["", "flags"]
    moderator = cast.api("leader").get(f"{board(cast)}/topics?q=zanzibar").json()
    assert moderator["count"] == 1


def test_tags_filter_search_and_the_board_summary(cast: Cast, topic: Topic) -> None:
    services.create_topic(
        cast.group, author=cast.leader, title="Catering", body="Menus", tags=["fair", "food"]
    )
    api = cast.api("member")
    both = api.get(f"{board(cast)}/topics?tag=fair&tag=FOOD").json()
    assert [t["title"] for t in both["items"]] == ["Catering"]
    assert api.get(f"{board(cast)}/topics?q=menus").json()["count"] == 1
    summary = api.get(board(cast)).json()
    assert summary["can_post"] is True and summary["moderator"] is False
    assert summary["my_handle"] == "mia-member"
    assert summary["tags"] == [
        {"name": "fair", "topic_count": 2},
        {"name": "food", "topic_count": 1},
    ]
    assert api.get(f"{board(cast)}/tags").json()[0] == {"name": "fair", "topic_count": 2}


def test_moderators_pin_and_close_authors_may_not(cast: Cast, topic: Topic) -> None:
    refused = as_json(
        cast.api("member"), "patch", f"{board(cast)}/topics/{topic.pk}", {"pinned": True}
    )
    assert refused.status_code == 400
    done = as_json(
        cast.api("leader"),
        "patch",
        f"{board(cast)}/topics/{topic.pk}",
        {"pinned": True, "closed": True},
    )
    assert done.status_code == 200
    assert done.json()["pinned"] is True and done.json()["can_reply"] is True
    closed = as_json(
        cast.api("member"), "post", f"{board(cast)}/topics/{topic.pk}/posts", {"body": "x"}
    )
    assert closed.status_code == 400
    retitled = as_json(
        cast.api("member"),
        "patch",
        f"{board(cast)}/topics/{topic.pk}",
        {"title": "Fair 2027", "tags": []},
    )
    assert retitled.json()["title"] == "Fair 2027" and retitled.json()["tags"] == []


def test_a_public_board_reads_for_signed_in_non_members_but_takes_no_posts(cast: Cast) -> None:
    services.create_topic(cast.public_group, author=cast.owner, title="Open day", body="Hi")
    api = cast.api("outsider")
    base = f"/api/v1/groups/{cast.public_group.pk}/board"
    assert api.get(f"{base}/topics").json()["count"] == 1
    posted = as_json(api, "post", f"{base}/topics", {"title": "Me too", "body": "x"})
    assert posted.status_code == 403
    assert Topic.objects.filter(group=cast.public_group).count() == 1


def test_topic_list_queries_do_not_grow_with_topics(
    cast: Cast, django_assert_max_num_queries
) -> None:
    for i in range(15):
        topic = services.create_topic(
            cast.group, author=cast.leader, title=f"T{i}", body="B", tags=[f"t{i % 3}", "all"]
        )
        services.reply(topic, author=cast.member, body="R")
    api = cast.api("member")
    with django_assert_max_num_queries(14):
        listed = api.get(f"{board(cast)}/topics")
    assert listed.json()["count"] == 15

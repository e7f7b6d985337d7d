"""The board's pages and services: who reads and posts, tags, mentions, likes, hidden posts,
blocks, events, and the query counts of its lists."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cerchia.accounts.models import Block
from cerchia.audit.models import AuditEntry
from cerchia.community import services
from cerchia.community.access import Board
from cerchia.community.errors import CommunityError
from cerchia.community.mentions import group_handles, mentioned_handles
from cerchia.community.models import Like, Mention, Post, Tag, Topic, TopicRead, Visit
from cerchia.community.selectors import tag_cloud, topic_list
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.access import rights_in
from cerchia.meetings.models import Meeting
from cerchia.notices.models import Notice


@pytest.fixture
def other(cast: Cast):
    """A second plain member of the chapter (no management rights)."""
    user = make_user("other@example.org", "Otto Other")
    add_member(cast.group, user)
    return user


@pytest.fixture
def topic(cast: Cast) -> Topic:
    return services.create_topic(
        cast.group,
        author=cast.member,
        title="Wedding fair in May",
        body="Who is coming to the fair?",
        tags=["Wedding", "#fair"],
    )


def board_of(user, group) -> Board:
    return Board(rights=rights_in(user, group), user=user)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(f"community:{name}", args=args)


# --- Who reads and who posts ---------------------------------------------------------------


def test_outsider_gets_404_on_every_page_of_a_private_board(cast: Cast, topic: Topic) -> None:
    post = topic.posts.get(number=1)
    slug = cast.group.slug
    client = cast.client("outsider")
    gets = [
        url("board", slug),
        url("new_topic", slug),
        url("topic", slug, topic.pk),
        url("topic_edit", slug, topic.pk),
        url("tag", slug, "wedding"),
        url("post_edit", slug, post.pk),
        url("board", slug) + "?q=fair",
    ]
    for address in gets:
        assert client.get(address).status_code == 404, address
    posts = [
        (url("topic", slug, topic.pk), {"body": "Let me in"}),
        (url("post_delete", slug, post.pk), {}),
        (url("post_like", slug, post.pk), {}),
        (url("new_topic", slug), {"title": "Spam", "body": "Spam"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 404, address
    assert Post.objects.count() == 1
    assert not Like.objects.exists()
    assert Topic.objects.count() == 1


def test_applicant_sees_the_group_but_not_its_board(cast: Cast, topic: Topic) -> None:
    response = cast.client("visitor").get(url("board", cast.group.slug))
    assert response.status_code == 403
    assert b"Wedding fair" not in response.content


def test_anonymous_visitor_is_sent_to_log_in_even_on_a_public_board(cast: Cast) -> None:
    services.create_topic(cast.public_group, author=cast.owner, title="Open day", body="Hi all")
    response = cast.client("member").get(url("board", cast.public_group.slug))
    assert response.status_code == 200
    anonymous = Client().get(url("board", cast.public_group.slug))
    assert anonymous.status_code == 302
    assert "/account/login/" in anonymous["Location"]


def test_signed_in_non_member_reads_a_public_board_but_cannot_post(cast: Cast) -> None:
    services.create_topic(cast.public_group, author=cast.owner, title="Open day", body="Hi all")
    client = cast.client("outsider")
    page = client.get(url("board", cast.public_group.slug))
    assert page.status_code == 200
    assert b"Open day" in page.content
    assert b'id="new-topic"' not in page.content
    refused = client.post(url("new_topic", cast.public_group.slug), {"title": "Hi", "body": "x"})
    assert refused.status_code == 403
    assert Topic.objects.filter(group=cast.public_group).count() == 1
    with pytest.raises(CommunityError):
        services.create_topic(cast.public_group, author=cast.outsider, title="Hi", body="x")


def test_member_opens_a_topic_from_the_page(cast: Cast) -> None:
    client = cast.client("member")
    response = client.post(
        url("new_topic", cast.group.slug),
        {"title": "  Photos   of the gala ", "body": "Here they are", "tags": "Gala, photos"},
    )
    created = Topic.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert created.title == "Photos of the gala"
    assert sorted(created.tags.values_list("name", flat=True)) == ["gala", "photos"]
    assert created.posts.get().number == 1
    assert AuditEntry.objects.filter(action="community.topic.created").count() == 1
    page = client.get(created.get_absolute_url())
    assert b"Here they are" in page.content
    assert b"#gala" in page.content


def test_the_group_page_links_to_the_board_for_members_only(cast: Cast) -> None:
    detail = reverse("groups:detail", args=[cast.group.slug])
    assert b'id="board-link"' in cast.client("member").get(detail).content
    assert b'id="board-link"' not in cast.client("visitor").get(detail).content


# --- Tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (["a", "b", "c", "d", "e", "f"], "at most 5 tags"),
        (["x" * 21], "too long"),
        (["wedding photos"], "only letters"),
        (["café"], "only letters"),
        (["under_score"], "only letters"),
    ],
)
def test_bad_tags_are_refused_and_nothing_is_saved(cast: Cast, tags, message) -> None:
    with pytest.raises(CommunityError, match=message):
        services.create_topic(cast.group, author=cast.member, title="T", body="B", tags=tags)
    assert not Topic.objects.exists()
    assert not Tag.objects.exists()


def test_tags_are_lowercased_deduplicated_and_created_once_per_group(cast: Cast) -> None:
    first = services.create_topic(
        cast.group, author=cast.member, title="One", body="B", tags=["#Photo", "photo", "PHOTO"]
    )
    second = services.create_topic(
        cast.group, author=cast.leader, title="Two", body="B", tags=["photo", "x" * 20]
    )
    assert list(first.tags.values_list("name", flat=True)) == ["photo"]
    assert Tag.objects.filter(group=cast.group, name="photo").count() == 1
    assert set(second.tags.values_list("name", flat=True)) == {"photo", "x" * 20}
    services.create_topic(
        cast.public_group, author=cast.owner, title="Three", body="B", tags=["photo"]
    )
    assert Tag.objects.filter(name="photo").count() == 2  # one per group


def test_author_changes_tags_others_may_not(cast: Cast, topic: Topic, other) -> None:
    services.set_tags(topic, actor=cast.member, tags=["gala"])
    assert list(topic.tags.values_list("name", flat=True)) == ["gala"]
    with pytest.raises(CommunityError):
        services.set_tags(topic, actor=other, tags=["spam"])
    assert list(topic.tags.values_list("name", flat=True)) == ["gala"]
    response = login(other).get(url("topic_edit", cast.group.slug, topic.pk))
    assert response.status_code == 404


def test_tag_page_and_search_by_several_tags(cast: Cast, topic: Topic) -> None:
    services.create_topic(
        cast.group, author=cast.leader, title="Fair logistics", body="Vans", tags=["fair"]
    )
    client = cast.client("member")
    page = client.get(url("tag", cast.group.slug, "fair"))
    assert b"Wedding fair in May" in page.content and b"Fair logistics" in page.content
    both = client.get(url("board", cast.group.slug) + "?tag=fair&tag=wedding")
    assert b"Wedding fair in May" in both.content
    assert b"Fair logistics" not in both.content
    assert client.get(url("tag", cast.group.slug, "nosuchtag")).status_code == 404


def test_search_looks_in_titles_and_bodies(cast: Cast, topic: Topic) -> None:
    services.reply(topic, author=cast.leader, body="Bring the brochures")
    board = board_of(cast.member, cast.group)
    assert list(topic_list(board, query="BROCHURES")) == [topic]
    assert list(topic_list(board, query="wedding fair")) == [topic]
    assert list(topic_list(board, query="nothing like this")) == []


# --- Mentions ------------------------------------------------------------------------------


def test_handles_follow_names_and_never_reveal_hidden_ones(cast: Cast) -> None:
    profile = cast.leader.profile
    profile.visibility = {"display_name": "private"}
    profile.save()
    twin = make_user("mia2@example.org", "Mia Member")
    add_member(cast.group, twin)
    handles = group_handles(cast.group).by_user
    assert handles[cast.leader.pk] == f"member-{cast.leader.pk}"
    assert handles[cast.member.pk] == f"mia-member-{cast.member.pk}"
    assert handles[twin.pk] == f"mia-member-{twin.pk}"
    assert cast.visitor.pk not in handles  # applicants have no handle
    assert mentioned_handles("hi @Ann-B, mail ann@example.org @ann-b.") == ["ann-b"]


def test_a_mention_notifies_once_whatever_the_edits(cast: Cast, other) -> None:
    topic = services.create_topic(
        cast.group, author=cast.member, title="Hello", body="Welcome @otto-other and @otto-other"
    )
    post = topic.posts.get()
    assert Notice.objects.filter(user=other, kind="community.mention").count() == 1
    assert Mention.objects.filter(post=post).count() == 1
    services.edit_post(post, actor=cast.member, body="Welcome again @otto-other and @leo-leader")
    services.edit_post(post, actor=cast.member, body="Welcome @otto-other, @leo-leader!")
    assert Notice.objects.filter(user=other, kind="community.mention").count() == 1
    assert Notice.objects.filter(user=cast.leader, kind="community.mention").count() == 1
    services.edit_post(post, actor=cast.member, body="Welcome @otto-other")
    assert set(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == {other.pk}
    notice = Notice.objects.get(user=other, kind="community.mention")
    assert notice.url == f"{topic.get_absolute_url()}#post-1"
    assert "@mia-member" in notice.subject


def test_mentions_never_notify_who_cannot_see_the_topic(cast: Cast, other) -> None:
    # The applicant's handle is no member's: nothing happens.
    applicant = "@victor-visitor"
    Block.objects.create(blocker=other, blocked=cast.member)
    topic = services.create_topic(
        cast.group,
        author=cast.member,
        title="Hi",
        body=f"{applicant} @otto-other @mia-member @oscar-outsider",
    )
    assert not Notice.objects.filter(kind="community.mention").exists()
    # The member who blocked the author is mentioned but not told; nobody else matched.
    assert list(Mention.objects.values_list("user_id", flat=True)) == [other.pk]
    # In a topic hidden by flags only the moderators (and the author) may look: a mention
    # there tells the moderator, not the member.
    Post.objects.filter(topic=topic, number=1).update(hidden=Post.Hidden.FLAGS)
    Block.objects.all().delete()
    services.reply(topic, author=cast.member, body="@otto-other @leo-leader look")
    assert not Notice.objects.filter(user=other).exists()
    assert Notice.objects.filter(user=cast.leader, kind="community.mention").count() == 1


def test_replying_to_a_post_tells_its_author(cast: Cast, topic: Topic) -> None:
    opening = topic.posts.get(number=1)
    services.reply(topic, author=cast.leader, body="Count me in", reply_to=opening)
    services.reply(topic, author=cast.member, body="Great", reply_to=opening)  # own: no notice
    assert Notice.objects.filter(user=cast.member, kind="community.reply").count() == 1
    assert not Notice.objects.filter(user=cast.leader).exists()


def test_a_reply_to_a_post_of_another_topic_is_refused(cast: Cast, topic: Topic) -> None:
    elsewhere = services.create_topic(cast.group, author=cast.leader, title="Other", body="B")
    with pytest.raises(CommunityError):
        services.reply(topic, author=cast.leader, body="x", reply_to=elsewhere.posts.get())
    assert topic.posts.count() == 1


# --- Likes ---------------------------------------------------------------------------------


def test_a_member_likes_a_post_once_and_never_their_own(cast: Cast, topic: Topic) -> None:
    post = topic.posts.get()
    client = cast.client("leader")
    address = url("post_like", cast.group.slug, post.pk)
    client.post(address, {"action": "like"})
    client.post(address, {"action": "like"})
    assert Like.objects.filter(post=post).count() == 1
    with pytest.raises(CommunityError, match="already"):
        services.like_post(post, user=cast.leader)
    with pytest.raises(CommunityError, match="own"):
        services.like_post(post, user=cast.member)
    cast.client("member").post(address, {"action": "like"})
    assert Like.objects.filter(post=post).count() == 1
    client.post(address, {"action": "unlike"})
    assert not Like.objects.exists()
    with pytest.raises(CommunityError):
        services.unlike_post(post, user=cast.leader)


# --- Hidden and deleted posts --------------------------------------------------------------


def test_a_hidden_reply_is_invisible_to_others_everywhere(cast: Cast, topic: Topic, other) -> None:
    hidden = services.reply(topic, author=cast.member, body="Buy cheap zanzibar pills")
    Like.objects.create(post=hidden, user=cast.leader)
    Post.objects.filter(pk=hidden.pk).update(hidden=Post.Hidden.FLAGS)
    slug = cast.group.slug
    for who, sees in (("other", False), ("member", True), ("leader", True)):
        client = login(other) if who == "other" else cast.client(who)
        page = client.get(topic.get_absolute_url())
        assert (b"zanzibar" in page.content) is sees, who
        board = client.get(url("board", slug)).content
        assert (b"1 reply" in board) is sees, who
        assert (b"1 like" in board) is sees, who
        found = client.get(url("board", slug) + "?q=zanzibar").content
        assert (b"Wedding fair in May" in found) is sees, who
        tagged = client.get(url("tag", slug, "wedding")).content
        assert (b"1 reply" in tagged) is sees, who
    board = board_of(other, cast.group)
    listed = topic_list(board).get()
    assert (listed.reply_count, listed.like_count) == (0, 0)
    like = login(other).post(url("post_like", slug, hidden.pk), {"action": "like"})
    assert like.status_code == 404
    assert login(other).get(url("post_edit", slug, hidden.pk)).status_code == 404


def test_a_hidden_opening_post_hides_its_topic_and_tags(cast: Cast, topic: Topic, other) -> None:
    Post.objects.filter(topic=topic, number=1).update(hidden=Post.Hidden.MODERATOR)
    client = login(other)
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert b"Wedding fair" not in client.get(url("board", cast.group.slug)).content
    assert client.get(url("tag", cast.group.slug, "wedding")).status_code == 404
    assert tag_cloud(board_of(other, cast.group)) == []
    assert [t.name for t in tag_cloud(board_of(cast.leader, cast.group))] == ["fair", "wedding"]
    assert cast.client("member").get(topic.get_absolute_url()).status_code == 200


def test_deleting_a_post_leaves_a_line_and_drops_it_from_counts(cast: Cast, topic: Topic) -> None:
    reply = services.reply(topic, author=cast.leader, body="Oops, wrong topic")
    response = cast.client("leader").post(url("post_delete", cast.group.slug, reply.pk))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.deleted_at is not None and reply.body == "Oops, wrong topic"
    page = cast.client("member").get(topic.get_absolute_url()).content
    assert b"This post was deleted." in page
    assert b"Oops" not in page
    assert topic_list(board_of(cast.member, cast.group)).get().reply_count == 0
    with pytest.raises(CommunityError):
        services.edit_post(reply, actor=cast.leader, body="Back")


def test_only_authors_edit_and_authors_or_moderators_delete(
    cast: Cast, topic: Topic, other
) -> None:
    post = topic.posts.get()
    with pytest.raises(CommunityError):
        services.edit_post(post, actor=cast.leader, body="Moderators do not rewrite")
    with pytest.raises(CommunityError):
        services.delete_post(post, actor=other)
    refused = login(other).post(url("post_delete", cast.group.slug, post.pk))
    assert refused.status_code == 403
    post.refresh_from_db()
    assert post.deleted_at is None and post.body == "Who is coming to the fair?"
    services.delete_post(post, actor=cast.leader)  # a moderator
    # A deleted opening post takes the topic off the board, except for the moderators.
    assert login(other).get(topic.get_absolute_url()).status_code == 404
    assert cast.client("leader").get(topic.get_absolute_url()).status_code == 200


def test_closed_topic_takes_no_replies(cast: Cast, topic: Topic) -> None:
    services.update_topic(topic, actor=cast.leader, closed=True)
    with pytest.raises(CommunityError, match="closed"):
        services.reply(topic, author=cast.member, body="Late")
    with pytest.raises(CommunityError):
        services.update_topic(topic, actor=cast.member, closed=False)
    page = cast.client("member").get(topic.get_absolute_url()).content
    assert b'id="reply"' not in page
    assert topic.posts.count() == 1


# --- Blocks and names ----------------------------------------------------------------------


def test_the_blocker_sees_a_line_instead_of_the_blocked_members_posts(
    cast: Cast, topic: Topic, other
) -> None:
    services.reply(topic, author=other, body="My unwanted opinion")
    Block.objects.create(blocker=cast.member, blocked=other)
    page = cast.client("member").get(topic.get_absolute_url()).content
    assert b"Hidden: you blocked this member." in page
    assert b"unwanted opinion" not in page
    assert topic_list(board_of(cast.member, cast.group)).get().reply_count == 0
    # The blocked member still reads the blocker's words: a block is not a hiding place.
    assert b"Who is coming" in login(other).get(topic.get_absolute_url()).content


def test_names_follow_their_visibility(cast: Cast, topic: Topic) -> None:
    services.create_topic(cast.public_group, author=cast.owner, title="Open", body="Hi")
    profile = cast.owner.profile
    profile.visibility = {"display_name": "groups"}
    profile.save()
    page = cast.client("outsider").get(url("board", cast.public_group.slug)).content
    assert b"Olivia Owner" not in page
    assert b"A member" in page
    assert (
        b"Olivia Owner" in cast.client("leader").get(url("board", cast.public_group.slug)).content
    )


# --- Events --------------------------------------------------------------------------------


def test_a_topic_points_to_one_of_its_groups_events(cast: Cast) -> None:
    start = timezone.now() + datetime.timedelta(days=3)
    meeting = Meeting.objects.create(
        group=cast.group,
        title="Spring mixer",
        kind="event",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    foreign = Meeting.objects.create(
        group=cast.public_group,
        title="Elsewhere",
        kind="event",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    with pytest.raises(CommunityError, match="own group"):
        services.create_topic(cast.group, author=cast.member, title="X", body="Y", meeting=foreign)
    topic = services.create_topic(
        cast.group,
        author=cast.member,
        title="Car sharing to the mixer",
        body="Who drives?",
        meeting=meeting,
    )
    page = cast.client("member").get(topic.get_absolute_url()).content
    assert b'id="topic-event"' in page and b"Spring mixer" in page
    meeting_page = cast.client("member").get(meeting.get_absolute_url()).content
    assert b"Car sharing to the mixer" in meeting_page
    # The meeting page of a public group shows no private board topics to outsiders.
    assert b"Car sharing" not in cast.client("outsider").get(foreign.get_absolute_url()).content


# --- Visits and reads ----------------------------------------------------------------------


def test_visits_count_once_a_day_and_reads_only_move_forward(cast: Cast, topic: Topic) -> None:
    client = cast.client("leader")
    client.get(url("board", cast.group.slug))
    client.get(url("board", cast.group.slug))
    assert Visit.objects.filter(user=cast.leader, group=cast.group).count() == 1
    services.reply(topic, author=cast.member, body="Two")
    client.get(topic.get_absolute_url())
    assert TopicRead.objects.get(user=cast.leader, topic=topic).last_read == 2
    services.record_read(topic, cast.leader, 1)
    assert TopicRead.objects.get(user=cast.leader, topic=topic).last_read == 2
    assert services.record_visit(
        cast.group, cast.leader, timezone.localdate() + datetime.timedelta(days=1)
    )


# --- Query counts --------------------------------------------------------------------------


def _busy_board(cast: Cast, topics: int = 12, replies: int = 4) -> list[Topic]:
    people = [cast.member, cast.leader, cast.owner]
    made = []
    for i in range(topics):
        topic = services.create_topic(
            cast.group,
            author=people[i % 3],
            title=f"Topic {i}",
            body="Body @mia-member",
            tags=[f"tag{i % 4}", "common"],
        )
        for j in range(replies):
            post = services.reply(topic, author=people[(i + j + 1) % 3], body=f"Reply {j}")
            if post.author_id != cast.member.pk:
                Like.objects.create(post=post, user=cast.member)
        made.append(topic)
    return made


def test_board_page_queries_do_not_grow_with_topics(
    cast: Cast, django_assert_max_num_queries
) -> None:
    _busy_board(cast)
    client = cast.client("member")
    with django_assert_max_num_queries(16):
        response = client.get(url("board", cast.group.slug))
    assert response.content.count(b'class="topic"') == 12


def test_tag_page_queries_do_not_grow_with_topics(
    cast: Cast, django_assert_max_num_queries
) -> None:
    _busy_board(cast)
    client = cast.client("member")
    with django_assert_max_num_queries(17):
        response = client.get(url("tag", cast.group.slug, "common"))
    assert response.content.count(b'class="topic"') == 12


def test_topic_page_queries_do_not_grow_with_posts(
    cast: Cast, django_assert_max_num_queries
) -> None:
    topic = _busy_board(cast, topics=1, replies=30)[0]
    client = cast.client("member")
    with django_assert_max_num_queries(24):
        response = client.get(topic.get_absolute_url())
    assert response.content.count(b'class="post"') == 31


def test_a_member_with_the_moderator_role_sees_hidden_posts_and_pins(
    cast: Cast, topic: Topic, other
) -> None:
    from cerchia.groups.models import Membership

    Membership.objects.filter(group=cast.group, user=other).update(role=Membership.Role.MODERATOR)
    hidden = services.reply(topic, author=cast.member, body="Flagged words")
    Post.objects.filter(pk=hidden.pk).update(hidden=Post.Hidden.FLAGS)
    assert b"Flagged words" in login(other).get(topic.get_absolute_url()).content
    services.update_topic(topic, actor=other, pinned=True)
    topic.refresh_from_db()
    assert topic.pinned is True


def test_the_edit_page_lets_moderators_pin_and_authors_retag(cast: Cast, topic: Topic) -> None:
    address = url("topic_edit", cast.group.slug, topic.pk)
    author_form = cast.client("member").get(address).content
    assert b'name="pinned"' not in author_form
    cast.client("member").post(address, {"title": "Wedding fair 2027", "tags": "fair expo"})
    topic.refresh_from_db()
    assert topic.title == "Wedding fair 2027"
    assert sorted(topic.tags.values_list("name", flat=True)) == ["expo", "fair"]
    assert b'name="pinned"' in cast.client("leader").get(address).content
    cast.client("leader").post(
        address, {"title": topic.title, "tags": "fair", "pinned": "on", "closed": "on"}
    )
    topic.refresh_from_db()
    assert topic.pinned and topic.closed
    bad = cast.client("member").post(address, {"title": "x", "tags": "a b c d e f"})
    assert b"at most 5 tags" in bad.content
    topic.refresh_from_db()
    assert topic.title == "Wedding fair 2027"

"""Every newcomer limit and rate limit: at the limit it passes, one past it is refused with a
specific reason and nothing is saved."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from cerchia.accounts.blocking import block_member
from cerchia.accounts.models import ConnectionRequest
from cerchia.community import limits
from cerchia.community.errors import CommunityError
from cerchia.community.models import DirectMessage, Flag, Like, Post, Topic, Trust
from cerchia.community.services import (
    create_topic,
    edit_post,
    like_post,
    reply,
    send_message,
)
from cerchia.community.tests.safety_helpers import community, member_at, reply_by, topic_by
from cerchia.conftest import make_user


@pytest.fixture
def scene(cast):
    group = community(cast.owner)
    return {
        "group": group,
        "newbie": member_at(group, "newbie@example.org", None),
        "basic": member_at(group, "basic@example.org", 1),
        "veteran": member_at(group, "veteran@example.org", 2),
    }


def _links(n):
    return " ".join(f"https://example.org/{i}" for i in range(n))


def _mentions(n):
    return " ".join(f"@person{i}" for i in range(n))


def test_newcomer_may_post_two_links_but_not_three(scene):
    group, newbie = scene["group"], scene["newbie"]

    create_topic(group, author=newbie, title="Two links", body=_links(2))
    with pytest.raises(CommunityError, match="at most 2 links per post"):
        create_topic(group, author=newbie, title="Three links", body=_links(3))

    assert list(Topic.objects.filter(group=group).values_list("title", flat=True)) == ["Two links"]


def test_an_edit_cannot_bring_in_the_links_a_newcomer_may_not_post(scene):
    group, newbie = scene["group"], scene["newbie"]
    topic = create_topic(group, author=newbie, title="Hello", body="A clean first post.")
    post = topic.posts.get(number=1)

    edit_post(post, actor=newbie, body="Now with two: " + _links(2))
    with pytest.raises(CommunityError, match="at most 2 links per post"):
        edit_post(post, actor=newbie, body="Now with three: " + _links(3))

    post.refresh_from_db()
    assert post.body == "Now with two: " + _links(2)


def test_links_are_not_limited_from_level_1(scene):
    create_topic(scene["group"], author=scene["basic"], title="Links", body=_links(5))

    assert Topic.objects.filter(author=scene["basic"]).count() == 1


def test_newcomer_may_mention_two_people_but_not_three(scene):
    group, newbie = scene["group"], scene["newbie"]
    topic = topic_by(scene["veteran"], group)

    reply(topic, author=newbie, body=_mentions(2) + " @person0")  # the same person twice
    with pytest.raises(CommunityError, match="mention at most 2 people"):
        reply(topic, author=newbie, body=_mentions(3))

    assert Post.objects.filter(topic=topic, author=newbie).count() == 1


def test_newcomer_replies_at_most_three_times_in_one_topic(scene):
    group, newbie = scene["group"], scene["newbie"]
    group.rule_overrides = {"posts_per_day_new_member": 0}
    group.save()
    topic = topic_by(scene["veteran"], group)
    for _ in range(3):
        reply(topic, author=newbie, body="More")

    with pytest.raises(CommunityError, match="at most 3 times in one topic"):
        reply(topic, author=newbie, body="Once more")

    assert Post.objects.filter(topic=topic, author=newbie).count() == 3


def test_first_day_three_topics_then_refused_until_the_day_is_over(cast):
    group = community(cast.owner, posts_per_day_new_member=0)
    newbie = member_at(group, "new@example.org", None, joined_days_ago=0)
    for i in range(3):
        create_topic(group, author=newbie, title=f"T{i}", body="Hi")

    with pytest.raises(CommunityError, match="first day new members may open at most 3"):
        create_topic(group, author=newbie, title="T3", body="Hi")
    assert Topic.objects.filter(group=group).count() == 3

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        create_topic(group, author=newbie, title="T3", body="Hi")
    assert Topic.objects.filter(group=group).count() == 4


def test_first_day_ten_replies_then_refused(cast):
    group = community(cast.owner, posts_per_day_new_member=0)
    newbie = member_at(group, "new@example.org", None, joined_days_ago=0)
    veteran = member_at(group, "vet@example.org", 2)
    topics = [topic_by(veteran, group, title=f"T{i}") for i in range(4)]
    for i in range(10):
        reply(topics[i // 3], author=newbie, body="Reply")

    with pytest.raises(CommunityError, match="first day new members may reply at most 10"):
        reply(topics[3], author=newbie, body="Reply")

    assert Post.objects.filter(author=newbie).count() == 10


def test_group_rule_caps_newcomer_posts_per_day(scene):
    group, newbie = scene["group"], scene["newbie"]
    assert group.rules.posts_per_day_new_member == 3
    topic = topic_by(scene["veteran"], group)
    create_topic(group, author=newbie, title="Mine", body="Hi")
    reply(topic, author=newbie, body="One")
    reply(topic, author=newbie, body="Two")

    with pytest.raises(CommunityError, match="at most 3 times a day in this group"):
        reply(topic, author=newbie, body="Three")

    assert Post.objects.filter(author=newbie).count() == 3
    # Level 1 is not a newcomer.
    for i in range(4):
        reply(topic, author=scene["basic"], body=f"Reply {i}")
    assert Post.objects.filter(author=scene["basic"]).count() == 4


def test_twenty_topics_a_day_for_everyone(scene):
    group, veteran = scene["group"], scene["veteran"]
    for i in range(19):
        topic_by(veteran, group, title=f"T{i}")
    create_topic(group, author=veteran, title="Twentieth", body="Hi")

    with pytest.raises(CommunityError, match="at most 20 topics a day"):
        create_topic(group, author=veteran, title="Twenty-first", body="Hi")

    assert Topic.objects.filter(author=veteran).count() == 20


def test_newcomers_may_not_send_messages(scene):
    with pytest.raises(CommunityError, match="once they reach trust level 1"):
        send_message(scene["newbie"], scene["basic"], "Hello")

    assert not DirectMessage.objects.exists()


def test_twenty_messages_a_day_then_refused(scene):
    basic, veteran = scene["basic"], scene["veteran"]
    DirectMessage.objects.bulk_create(
        DirectMessage(sender=basic, recipient=veteran, body="x") for _ in range(19)
    )
    send_message(basic, veteran, "Twentieth")

    with pytest.raises(CommunityError, match="at most 20 messages a day"):
        send_message(basic, veteran, "Twenty-first")

    assert DirectMessage.objects.filter(sender=basic).count() == 20


def test_messages_need_a_shared_group(scene):
    stranger = make_user("stranger@example.org")

    with pytest.raises(CommunityError):
        limits.check_message(scene["basic"], stranger)


def test_silenced_member_may_not_post_or_message(scene):
    group, basic = scene["group"], scene["basic"]
    Trust.objects.filter(group=group, user=basic).update(
        silenced_until=timezone.now() + datetime.timedelta(days=2), silenced_reason="Spam"
    )
    topic = topic_by(scene["veteran"], group)

    with pytest.raises(CommunityError, match="silenced"):
        create_topic(group, author=basic, title="T", body="Hi")
    with pytest.raises(CommunityError, match="silenced"):
        reply(topic, author=basic, body="Hi")
    with pytest.raises(CommunityError, match="silenced"):
        send_message(basic, scene["veteran"], "Hi")

    assert not Post.objects.filter(author=basic).exists()
    assert not DirectMessage.objects.exists()


def test_silence_ends_on_its_own(scene):
    group, basic = scene["group"], scene["basic"]
    Trust.objects.filter(group=group, user=basic).update(
        silenced_until=timezone.now() + datetime.timedelta(hours=1)
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        create_topic(group, author=basic, title="Back", body="Hi")

    assert Topic.objects.filter(author=basic).count() == 1


def _likes(user, group, n):
    author = make_user(f"author{n}-{user.pk}@example.org")
    topic = topic_by(author, group)
    posts = [reply_by(author, topic) for _ in range(n + 1)]
    Like.objects.bulk_create(Like(post=p, user=user) for p in posts[:n])
    return posts[n]


@pytest.mark.parametrize(("who", "cap"), [("basic", 50), ("veteran", 75)])
def test_likes_per_day_by_level(scene, who, cap):
    user = scene[who]
    spare = _likes(user, scene["group"], cap - 1)
    like_post(spare, user=user)  # the last one allowed
    extra = reply_by(spare.author, spare.topic)

    with pytest.raises(CommunityError, match=f"at most {cap} posts a day"):
        like_post(extra, user=user)

    assert Like.objects.filter(user=user).count() == cap


def test_newcomers_may_not_flag(scene):
    with pytest.raises(CommunityError, match="once they reach trust level 1"):
        limits.check_flag(scene["newbie"], scene["group"])


def test_twenty_flags_a_day_at_level_1(scene):
    group, basic = scene["group"], scene["basic"]
    author = make_user("author@example.org")
    topic = topic_by(author, group)
    Flag.objects.bulk_create(
        Flag(post=reply_by(author, topic), flagger=basic, reason="spam") for _ in range(19)
    )
    limits.check_flag(basic, group)
    Flag.objects.create(post=reply_by(author, topic), flagger=basic, reason="spam")

    with pytest.raises(CommunityError, match="at most 20 posts a day"):
        limits.check_flag(basic, group)


def _requests(sender, n):
    start = ConnectionRequest.objects.count()
    for i in range(start, start + n):
        ConnectionRequest.objects.create(sender=sender, recipient=make_user(f"r{i}@example.org"))


def test_connection_requests_capped_by_the_group_rule(scene):
    group, basic = scene["group"], scene["basic"]
    _requests(basic, 9)
    limits.check_connection_request(basic, group)
    _requests(basic, 1)

    with pytest.raises(CommunityError, match="at most 10 connection requests a day"):
        limits.check_connection_request(basic, group)


def test_connection_request_cap_is_a_group_rule_and_lower_for_newcomers(scene):
    group = scene["group"]
    group.rule_overrides = {"connection_requests_per_day": 5}
    group.save()

    assert limits.connection_request_cap(scene["basic"], group) == 5
    assert limits.connection_request_cap(scene["newbie"], group) == 3
    assert limits.connection_request_cap(scene["basic"], None) == 10
    _requests(scene["newbie"], 2)
    limits.check_connection_request(scene["newbie"], group)
    _requests(scene["newbie"], 1)
    with pytest.raises(CommunityError, match="at most 3 connection requests a day"):
        limits.check_connection_request(scene["newbie"], group)


def test_requests_older_than_a_day_do_not_count(scene):
    basic = scene["basic"]
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=25)):
        _requests(basic, 10)

    limits.check_connection_request(basic, scene["group"])


def test_no_connection_request_to_or_from_a_blocker(scene):
    basic, veteran = scene["basic"], scene["veteran"]
    block_member(veteran, blocked=basic)

    with pytest.raises(CommunityError, match="connection request to this member"):
        limits.check_connection_request(basic, scene["group"], recipient=veteran)
    with pytest.raises(CommunityError, match="connection request to this member"):
        limits.check_connection_request(veteran, scene["group"], recipient=basic)


def test_counting_links_and_mentions():
    assert limits.count_links("see https://a.org and www.b.org, not c.org") == 2
    assert limits.count_mentions("@ann and @Ann and @bob; mail me at x@y.org") == 2

"""Trust levels: promotion to each level from activity, loss of level 3 with frozen time, the
group's rules, levels set by hand."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from cerchia.community import trust
from cerchia.community.errors import CommunityError
from cerchia.community.models import Flag, Like, Post, TopicRead, Trust, Visit
from cerchia.community.tests.safety_helpers import community, member_at, reply_by, topic_by
from cerchia.conftest import add_member, make_user

T0 = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def group(cast):
    return community(cast.owner)


def _read(user, topics, posts_each=1):
    TopicRead.objects.bulk_create(
        TopicRead(topic=t, user=user, last_read=posts_each) for t in topics
    )


def _visits(group, user, days, end=None):
    end = end or T0.date()
    Visit.objects.bulk_create(
        Visit(group=group, user=user, day=end - datetime.timedelta(days=i)) for i in range(days)
    )


def test_a_new_member_starts_at_level_0(group):
    newbie = member_at(group, "new@example.org", None)

    assert trust.level_of(newbie, group) == 0
    assert trust.recompute(newbie, group) == 0
    assert Trust.objects.get(group=group, user=newbie).level == 0


def test_invited_members_start_at_level_1_when_the_group_says_so(cast, group):
    invitee = make_user("invitee@example.org")
    add_member(group, invitee).__class__.objects.filter(user=invitee).update(invited_by=cast.owner)

    assert trust.level_of(invitee, group) == 1
    assert trust.recompute(invitee, group) == 1

    strict = community(cast.owner, name="Strict", invitees_start_basic=False)
    other = make_user("other@example.org")
    add_member(strict, other).__class__.objects.filter(user=other).update(invited_by=cast.owner)
    assert trust.level_of(other, strict) == 0


def test_groups_without_trust_levels_treat_members_as_basic(cast):
    assert trust.level_of(cast.member, cast.group) == 1
    assert trust.recompute(cast.member, cast.group) == 1


@time_machine.travel(T0, tick=False)
def test_level_1_at_5_topics_and_30_posts_read_not_before(group):
    author = member_at(group, "author@example.org", 2)
    newbie = member_at(group, "new@example.org", None)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(5)]
    for t in topics:
        for _ in range(5):
            reply_by(author, t)
    _read(newbie, topics[:4], posts_each=6)  # 4 topics, 24 posts

    assert trust.recompute(newbie, group) == 0

    TopicRead.objects.filter(user=newbie).update(last_read=6)
    _read(newbie, topics[4:], posts_each=6)  # 5 topics, 30 posts
    assert trust.recompute(newbie, group) == 1


@time_machine.travel(T0, tick=False)
def test_the_group_may_raise_the_requirements(cast):
    group = community(cast.owner, name="Demanding", trust_requirements_percent=200)
    author = member_at(group, "author@example.org", 2)
    newbie = member_at(group, "new@example.org", None)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(9)]
    _read(newbie, topics, posts_each=7)

    assert trust.recompute(newbie, group) == 0  # needs 10 topics and 60 posts
    assert [
        (r.key, r.need)
        for r in trust.requirements(trust.rules_of(group)[1], trust.Activity(), (0, 0))
    ] == [("topics_entered", 10), ("posts_read", 60)]


def _member_activity(group, user, author, *, visits=15, likes_given=1, replied=3):
    topics = [topic_by(author, group, title=f"T{i}") for i in range(20)]
    for t in topics:
        for _ in range(4):
            reply_by(author, t)
    _read(user, topics, posts_each=5)  # 20 topics, 100 posts
    _visits(group, user, visits)
    for t in topics[:replied]:
        mine = reply_by(user, t)
    Like.objects.create(post=mine, user=author)
    author_posts = list(Post.objects.filter(author=author)[:likes_given])
    Like.objects.bulk_create(Like(post=p, user=user) for p in author_posts)
    return topics


@time_machine.travel(T0, tick=False)
def test_level_2_needs_every_requirement(group):
    author = member_at(group, "author@example.org", 2)
    almost = member_at(group, "almost@example.org", None)
    _member_activity(group, almost, author, visits=14)

    assert trust.recompute(almost, group) == 1  # 14 days visited of 15

    Visit.objects.create(group=group, user=almost, day=T0.date() - datetime.timedelta(days=30))
    assert trust.recompute(almost, group) == 2


@time_machine.travel(T0, tick=False)
def test_level_2_needs_a_like_given(group):
    author = member_at(group, "author@example.org", 2)
    stingy = member_at(group, "stingy@example.org", None)
    _member_activity(group, stingy, author, likes_given=0)

    assert trust.recompute(stingy, group) == 1


def _regular_scene(group):
    """At T0: a member who meets level 3, with their 50 visits at the start of the window."""
    author = member_at(group, "author@example.org", 2)
    regular = member_at(group, "regular@example.org", None)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(40)]
    for t in topics:
        reply_by(author, t)
        reply_by(author, t)
    mine = [reply_by(regular, t) for t in topics[:10]] + [reply_by(regular, t) for t in topics[:10]]
    Like.objects.bulk_create(Like(post=p, user=author) for p in mine)  # 20 received
    theirs = list(Post.objects.filter(author=author)[:30])
    Like.objects.bulk_create(Like(post=p, user=regular) for p in theirs)  # 30 given
    _read(regular, topics, posts_each=3)
    # Visits on 50 days, the oldest 99 days ago: they leave the window first.
    _visits(group, regular, 50, end=T0.date() - datetime.timedelta(days=50))
    return regular, author


def test_level_3_earned_then_kept_for_14_days_then_lost(group):
    with time_machine.travel(T0, tick=False):
        regular, _author = _regular_scene(group)
        assert trust.recompute(regular, group) == 3
        row = Trust.objects.get(group=group, user=regular)
        assert row.regular_since == T0

    # Ten days on, ten visits have left the 100-day window: no longer met, but kept.
    later = T0 + datetime.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        assert trust.recompute(regular, group, later.date()) == 3

    lost = T0 + datetime.timedelta(days=14)
    with time_machine.travel(lost, tick=False):
        assert trust.recompute(regular, group, lost.date()) == 2
        assert trust.level_of(regular, group) == 2


def test_level_3_kept_while_still_met(group):
    with time_machine.travel(T0, tick=False):
        regular, _author = _regular_scene(group)
        trust.recompute(regular, group)
        # New visits keep the count up.
        _visits(group, regular, 20, end=T0.date() + datetime.timedelta(days=20))

    later = T0 + datetime.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        assert trust.recompute(regular, group, later.date()) == 3


@time_machine.travel(T0, tick=False)
def test_more_than_5_flagged_posts_bar_level_3(group):
    regular, author = _regular_scene(group)
    moderator = make_user("mod@example.org")
    for post in Post.objects.filter(author=regular)[:6]:
        Flag.objects.create(
            post=post, flagger=author, reason="spam", decision="agreed", decided_by=moderator
        )

    assert trust.recompute(regular, group) == 2


@time_machine.travel(T0, tick=False)
def test_levels_1_and_2_are_never_lost(group):
    member = member_at(group, "m@example.org", 2)

    assert trust.recompute(member, group) == 2


@time_machine.travel(T0, tick=False)
def test_a_level_set_by_hand_stays(cast, group):
    member = member_at(group, "m@example.org", None)
    trust.set_level_by_hand(member, group, actor=cast.owner, level=4)

    assert trust.recompute(member, group) == 4
    assert Trust.objects.get(group=group, user=member).locked

    trust.set_level_by_hand(member, group, actor=cast.owner, level=None)
    assert trust.level_of(member, group) == 0


def test_only_moderators_set_levels(cast, group):
    member = member_at(group, "m@example.org", 1)
    other = member_at(group, "o@example.org", 1)

    with pytest.raises(PermissionDenied):
        trust.set_level_by_hand(other, group, actor=member, level=4)
    with pytest.raises(CommunityError, match="from 0 to 4"):
        trust.set_level_by_hand(other, group, actor=cast.owner, level=5)
    assert trust.level_of(other, group) == 1


@time_machine.travel(T0, tick=False)
def test_recompute_group_from_aggregates_without_n_plus_1(group, django_assert_max_num_queries):
    author = member_at(group, "author@example.org", 2)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(6)]
    for i in range(8):
        reader = member_at(group, f"r{i}@example.org", None)
        _read(reader, topics[: 5 if i % 2 else 2], posts_each=6)

    with django_assert_max_num_queries(14):
        changed = trust.recompute_group(group)

    assert sorted(changed.values()).count(1) == 4
    assert Trust.objects.filter(group=group, level=1).count() == 4
    assert trust.levels_of(group, [author.pk]) == {author.pk: 2}


@time_machine.travel(T0, tick=False)
def test_the_daily_job_recomputes_groups_with_trust_levels(cast, group):
    author = member_at(group, "author@example.org", 2)
    reader = member_at(group, "reader@example.org", None)
    topics = [topic_by(author, group, title=f"T{i}") for i in range(5)]
    _read(reader, topics, posts_each=6)

    summary = trust.recompute_trust_levels(T0.date())

    assert summary["trust_groups"] == 1  # the lead groups of the cast have no trust levels
    assert summary["trust_levels_changed"] >= 1
    assert trust.level_of(reader, group) == 1

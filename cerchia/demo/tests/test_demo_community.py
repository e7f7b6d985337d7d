"""The demo's online community: a lively board with tags, replies, mentions and likes, an event
topic linked to the community's meetup, and Maria's conversation with Sara."""

from __future__ import annotations

import pytest
from django.db.models import Count, F
from django.test import Client
from django.urls import reverse

from cerchia.accounts.models import User
from cerchia.community.models import DirectMessage, Like, Mention, Post, Topic
from cerchia.demo.community import EVENT_THREAD, THREADS
from cerchia.groups.models import Group
from cerchia.notices.models import Notice

pytestmark = pytest.mark.django_db

COMMUNITY = "bologna-digital-makers"


@pytest.fixture
def community(world, db) -> Group:
    return Group.objects.get(slug=COMMUNITY)


def person(key: str) -> User:
    return User.objects.get(email=f"{key}@demo.cerchia.org")


def test_the_board_is_lively(community: Group) -> None:
    mine = Topic.objects.filter(
        group=community, title__in=[t.title for t in [*THREADS, EVENT_THREAD]]
    )
    assert mine.count() == 12
    assert all(topic.tags.count() >= 2 for topic in mine)
    replies = Post.objects.filter(topic__in=mine, number__gt=1).count()
    assert replies >= 25
    assert Like.objects.filter(post__topic__in=mine).count() >= 30
    assert not Like.objects.filter(post__topic__in=mine, user=F("post__author")).exists()
    # Spread over weeks, not all written in the same second.
    days = {p.created_at.date() for p in Post.objects.filter(topic__in=mine)}
    assert len(days) >= 10
    assert mine.filter(pinned=True).count() == 1


def test_mentions_reached_the_people_named(community: Group) -> None:
    maria = person("maria")
    mentions = Mention.objects.filter(post__topic__group=community, user=maria)
    assert mentions.count() >= 3
    notices = Notice.objects.filter(user=maria, kind="community.mention")
    assert notices.count() == mentions.count()
    assert Mention.objects.filter(post__topic__group=community, user=person("sara")).exists()


def test_the_event_topic_points_to_the_communitys_meetup(community: Group) -> None:
    topic = Topic.objects.get(group=community, title=EVENT_THREAD.title)
    assert topic.meeting is not None and topic.meeting.group_id == community.pk
    client = Client()
    client.force_login(person("maria"))
    page = client.get(topic.meeting.get_absolute_url())
    assert EVENT_THREAD.title.encode() in page.content
    topic_page = client.get(topic.get_absolute_url())
    assert b'id="topic-event"' in topic_page.content


def test_maria_and_sara_wrote_to_each_other(community: Group) -> None:
    maria, sara = person("maria"), person("sara")
    assert DirectMessage.objects.filter(sender=maria, recipient=sara).count() == 2
    assert DirectMessage.objects.filter(sender=sara, recipient=maria).count() == 1
    client = Client()
    client.force_login(maria)
    inbox = client.get(reverse("community:inbox"))
    assert b"Sara Galli" in inbox.content
    board = client.get(reverse("community:board", args=[COMMUNITY]))
    assert board.status_code == 200
    assert b"Welcome! Introduce yourself here" in board.content


def test_every_tag_is_lowercase_and_short(community: Group) -> None:
    tags = Topic.objects.filter(group=community).values_list("tags__name", flat=True)
    names = [t for t in tags if t]
    assert names and all(t == t.lower() and len(t) <= 20 for t in names)
    busiest = (
        Topic.objects.filter(group=community)
        .values("tags__name")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    # Tags group topics: several tags are on more than one topic.
    assert busiest is not None and busiest["n"] >= 2
    assert len(set(names)) >= 15

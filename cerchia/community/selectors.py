"""Reads of a board and of direct messages, as one person may see them. Counts, search and
tag pages count only the posts that person may read (``Board.readable_q``): a hidden post is
as absent from them as it is from the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cerchia.accounts.models import Block, Profile, User
from cerchia.accounts.privacy import can_see
from cerchia.accounts.selectors import reach_map
from cerchia.community.access import Board
from cerchia.community.models import DirectMessage, Like, Post, Tag, Topic, TopicRead


def _counted(qs: QuerySet[Any], key: str) -> Coalesce:
    """A correlated count of ``qs`` grouped by ``key`` (one column in the outer query)."""
    counted = qs.order_by().values(key).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def listed_topics(board: Board) -> QuerySet[Topic]:
    """The topics this person sees listed: those they may open, less those opened by people
    they blocked."""
    blocked = Block.objects.filter(blocker_id=board.user_id).values("blocked_id")
    return board.topics().exclude(author_id__in=blocked)


def with_counts(board: Board, qs: QuerySet[Topic]) -> QuerySet[Topic]:
    """Topics with ``reply_count``, ``like_count`` and how far this person read
    (``last_read``; 0 for an unread topic), their tags and their author's card: three queries
    for a page, whatever its length."""
    replies = Post.objects.filter(topic=OuterRef("pk"), number__gt=1).filter(board.readable_q())
    likes = Like.objects.filter(post__topic=OuterRef("pk")).filter(board.readable_q("post__"))
    last = Post.objects.filter(topic=OuterRef("pk")).filter(board.shown_q())
    read = TopicRead.objects.filter(topic=OuterRef("pk"), user_id=board.user_id)
    return (
        qs.annotate(
            reply_count=_counted(replies, "topic"),
            like_count=_counted(likes, "post__topic"),
            last_number=Subquery(last.order_by("-number").values("number")[:1]),
            last_read=Coalesce(Subquery(read.values("last_read")[:1]), Value(0)),
        )
        .select_related("author__profile", "meeting")
        .prefetch_related("tags")
    )


def topic_list(board: Board, *, query: str = "", tags: Iterable[str] = ()) -> QuerySet[Topic]:
    """The board's topics, pinned first then the most recent, with their counts; ``query``
    searches titles and the words of posts this person may read; every tag in ``tags`` must
    be on the topic."""
    qs = listed_topics(board)
    query = " ".join(query.split())
    if query:
        in_posts = Post.objects.filter(topic=OuterRef("pk"), body__icontains=query).filter(
            board.readable_q()
        )
        qs = qs.filter(Q(title__icontains=query) | Exists(in_posts))
    for name in tags:
        qs = qs.filter(tags__name=name)
    return with_counts(board, qs).order_by("-pinned", "-last_posted_at", "-pk")


def tag_cloud(board: Board) -> list[Tag]:
    """The board's tags on at least one topic this person sees, with ``topic_count``, the
    busiest first: one query."""
    visible = listed_topics(board).values("pk")
    return list(
        Tag.objects.filter(group=board.group)
        .annotate(topic_count=Count("topics", filter=Q(topics__in=visible), distinct=True))
        .filter(topic_count__gt=0)
        .order_by("-topic_count", "name")
    )


def topic_posts(board: Board, topic: Topic) -> QuerySet[Post]:
    """The posts of ``topic`` this person may see, in order, each with ``like_count`` (likes
    count on posts they may read) and whether they ``liked`` it."""
    mine = Like.objects.filter(post=OuterRef("pk"), user_id=board.user_id)
    return (
        Post.objects.filter(topic=topic)
        .filter(board.shown_q())
        .annotate(
            like_count=_counted(Like.objects.filter(post=OuterRef("pk")), "post"),
            liked=Exists(mine),
        )
        .select_related("author__profile", "reply_to")
        .order_by("number")
    )


def blocked_ids(user_id: int) -> set[int]:
    return set(Block.objects.filter(blocker_id=user_id).values_list("blocked_id", flat=True))


def visible_names(viewer: Any, users: Iterable[User | None]) -> dict[int, str]:
    """user id → the name ``viewer`` may see ("" where it is hidden from them): two queries.
    Profiles must be loaded with the users (``select_related("…__profile")``)."""
    people = {user.pk: user for user in users if user is not None}
    reach = reach_map(viewer, people)
    names: dict[int, str] = {}
    for user_id, user in people.items():
        profile: Profile | None = getattr(user, "profile", None)
        visible = profile is not None and can_see(profile.level_of("display_name"), reach[user_id])
        names[user_id] = profile.display_name if visible and profile is not None else ""
    return names


def meeting_topics(board: Board, meeting_id: int) -> list[Topic]:
    """The topics about one of the group's meetings that this person sees listed."""
    topics = list(
        listed_topics(board).filter(meeting_id=meeting_id).order_by("-last_posted_at", "-pk")[:20]
    )
    for topic in topics:
        topic.group = board.group
    return topics


# --- Direct messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    other: User
    name: str
    last_at: Any
    unread: int
    total: int


def conversations(user: Any) -> QuerySet[Any]:
    """One row per person ``user`` exchanged messages with: ``other``, ``last_at``,
    ``unread`` (to ``user``) and ``total``, the latest first — one grouped query."""
    return (
        DirectMessage.objects.filter(Q(sender=user) | Q(recipient=user))
        .annotate(
            other=Case(When(sender=user, then=F("recipient_id")), default=F("sender_id")),
        )
        .order_by()
        .values("other")
        .annotate(
            last_at=Max("created_at"),
            unread=Count("pk", filter=Q(recipient=user, read_at__isnull=True)),
            total=Count("pk"),
        )
        .order_by("-last_at", "other")
    )


def conversation_rows(user: Any, rows: Iterable[dict[str, Any]]) -> list[Conversation]:
    """The people of a page of ``conversations`` with the name ``user`` may see: three
    queries."""
    rows = list(rows)
    people = {
        person.pk: person
        for person in User.objects.filter(pk__in=[row["other"] for row in rows]).select_related(
            "profile"
        )
    }
    names = visible_names(user, people.values())
    return [
        Conversation(
            other=people[row["other"]],
            name=names.get(row["other"], ""),
            last_at=row["last_at"],
            unread=row["unread"],
            total=row["total"],
        )
        for row in rows
        if row["other"] in people
    ]


def messages_between(user: Any, other_id: int) -> QuerySet[DirectMessage]:
    return DirectMessage.objects.filter(
        Q(sender=user, recipient_id=other_id) | Q(sender_id=other_id, recipient=user)
    ).order_by("-created_at", "-pk")

"""Boards and direct messages in the API: a group's topics (search, tags), one topic with its
posts, replies, edits, soft deletes, likes; conversations and messages. Every read follows the
pages' rules: hidden posts reach only their author and the moderators, and names only those
who may see them."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from cerchia.api.pagination import page
from cerchia.community import services
from cerchia.community.access import (
    Board,
    access_board,
    access_correspondent,
    access_post,
    access_topic,
)
from cerchia.community.mentions import group_handles
from cerchia.community.models import Post, Topic
from cerchia.community.selectors import (
    blocked_ids,
    conversation_rows,
    conversations,
    messages_between,
    tag_cloud,
    topic_list,
    topic_posts,
    visible_names,
    with_counts,
)
from cerchia.lib.http import ApiRequest
from cerchia.meetings.models import Meeting

router = Router(tags=["boards"])


class PersonOut(Schema):
    id: int | None
    name: str  # "" when the caller may not see it
    handle: str  # "" when the name is hidden


class TopicOut(Schema):
    id: int
    group: int
    title: str
    author: PersonOut
    tags: list[str]
    meeting: int | None
    pinned: bool
    closed: bool
    created_at: datetime.datetime
    last_posted_at: datetime.datetime
    reply_count: int
    like_count: int
    unread: bool


class TopicPage(Schema):
    items: list[TopicOut]
    count: int


class PostOut(Schema):
    id: int
    number: int
    author: PersonOut | None  # null for a post hidden because the caller blocked its author
    body: str  # "" once deleted, or when the caller blocked the author
    reply_to: int | None
    hidden: str  # "", "flags" or "moderator" (only their author and moderators see them)
    blocked: bool
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    deleted: bool
    like_count: int
    liked: bool


class TopicDetailOut(TopicOut):
    posts: list[PostOut]
    post_count: int  # posts the caller may see; page through them with limit and offset
    can_reply: bool


class TagOut(Schema):
    name: str
    topic_count: int


class BoardOut(Schema):
    group: int
    can_post: bool
    moderator: bool
    my_handle: str
    tags: list[TagOut]


class TopicIn(Schema):
    title: str
    body: str
    tags: list[str] = []
    meeting: int | None = None


class TopicPatch(Schema):
    title: str | None = None
    tags: list[str] | None = None
    meeting: int | None = None
    unlink_meeting: bool = False
    pinned: bool | None = None
    closed: bool | None = None


class ReplyIn(Schema):
    body: str
    reply_to: int | None = None


class PostPatch(Schema):
    body: str


class TopicFilters(Schema):
    q: str = ""
    tag: list[str] = []
    limit: int = 50
    offset: int = 0


class ConversationOut(Schema):
    user: PersonOut
    last_at: datetime.datetime
    unread: int
    total: int


class ConversationPage(Schema):
    items: list[ConversationOut]
    count: int


class MessageOut(Schema):
    id: int
    sender: int
    recipient: int
    body: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class MessagePage(Schema):
    items: list[MessageOut]  # the latest first
    count: int


class MessageIn(Schema):
    body: str


def _person(user_id: int | None, names: dict[int, str], handles: dict[int, str]) -> dict[str, Any]:
    name = names.get(user_id or 0, "")
    return {"id": user_id, "name": name, "handle": handles.get(user_id or 0, "") if name else ""}


def _topic(
    topic: Topic, names: dict[int, str], handles: dict[int, str], board: Board
) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "group": board.group.pk,
        "title": topic.title,
        "author": _person(topic.author_id, names, handles),
        "tags": [tag.name for tag in topic.tags.all()],
        "meeting": topic.meeting_id,
        "pinned": topic.pinned,
        "closed": topic.closed,
        "created_at": topic.created_at,
        "last_posted_at": topic.last_posted_at,
        "reply_count": topic.reply_count,  # type: ignore[attr-defined]
        "like_count": topic.like_count,  # type: ignore[attr-defined]
        "unread": topic.last_read < (topic.last_number or 0),  # type: ignore[attr-defined]
    }


def _post(
    post: Post, names: dict[int, str], handles: dict[int, str], blocked: set[int]
) -> dict[str, Any]:
    hide_words = post.deleted_at is not None or post.author_id in blocked
    return {
        "id": post.pk,
        "number": post.number,
        "author": None if post.author_id in blocked else _person(post.author_id, names, handles),
        "body": "" if hide_words else post.body,
        "reply_to": post.reply_to_id,
        "hidden": post.hidden,
        "blocked": post.author_id in blocked,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "deleted": post.deleted_at is not None,
        "like_count": post.like_count,  # type: ignore[attr-defined]
        "liked": post.liked,  # type: ignore[attr-defined]
    }


def _meeting(board: Board, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = Meeting.objects.filter(group=board.group, pk=meeting_id).first()
    if meeting is None:
        raise Http404(_("No such meeting in this group"))
    return meeting


def _topic_detail(request: ApiRequest, board: Board, topic_id: int, limit: int, offset: int) -> Any:
    topic = with_counts(board, board.topics().filter(pk=topic_id)).first()
    if topic is None:
        raise Http404(_("No such topic"))
    topic.group = board.group
    posts, count = page(topic_posts(board, topic), limit, offset)
    names = visible_names(request.auth, [topic.author, *[post.author for post in posts]])
    handles = group_handles(board.group).by_user
    blocked = blocked_ids(board.user_id)
    services.record_visit(board.group, request.auth)
    if posts:
        services.record_read(topic, request.auth, posts[-1].number)
    out = _topic(topic, names, handles, board)
    out.update(
        {
            "posts": [_post(post, names, handles, blocked) for post in posts],
            "post_count": count,
            "can_reply": board.can_post and (not topic.closed or board.moderator),
        }
    )
    return out


@router.get(
    "/groups/{group_id}/board",
    response=BoardOut,
    summary="A group's board: whether I may post, my @handle, and its tags with their topics",
)
def get_board(request: ApiRequest, group_id: int) -> dict[str, Any]:
    board = access_board(request.auth, group_id)
    return {
        "group": board.group.pk,
        "can_post": board.can_post,
        "moderator": board.moderator,
        "my_handle": group_handles(board.group).by_user.get(board.user_id, ""),
        "tags": [{"name": t.name, "topic_count": t.topic_count} for t in tag_cloud(board)],  # type: ignore[attr-defined]
    }


@router.get(
    "/groups/{group_id}/board/tags",
    response=list[TagOut],
    summary="The board's tags on topics I may see, the busiest first",
)
def list_tags(request: ApiRequest, group_id: int) -> list[dict[str, Any]]:
    board = access_board(request.auth, group_id)
    return [{"name": t.name, "topic_count": t.topic_count} for t in tag_cloud(board)]  # type: ignore[attr-defined]


@router.get(
    "/groups/{group_id}/board/topics",
    response=TopicPage,
    summary="Topics, pinned first then the latest; q searches titles and posts, tag=… filters "
    "(repeat it: every tag must be on the topic)",
)
def list_topics(request: ApiRequest, group_id: int, filters: Query[TopicFilters]) -> dict[str, Any]:
    board = access_board(request.auth, group_id)
    tags = [t.strip().lstrip("#").lower() for t in filters.tag if t.strip()]
    items, count = page(
        topic_list(board, query=filters.q, tags=tags), filters.limit, filters.offset
    )
    names = visible_names(request.auth, [topic.author for topic in items])
    handles = group_handles(board.group).by_user
    return {"items": [_topic(t, names, handles, board) for t in items], "count": count}


@router.post(
    "/groups/{group_id}/board/topics",
    response={201: TopicDetailOut},
    summary="Open a topic (active members): title, opening post, up to 5 tags, an event",
)
def create_topic(request: ApiRequest, group_id: int, payload: TopicIn) -> Status[Any]:
    board = access_board(request.auth, group_id, post=True)
    topic = services.create_topic(
        board.group,
        author=request.auth,
        title=payload.title,
        body=payload.body,
        tags=payload.tags,
        meeting=_meeting(board, payload.meeting),
    )
    return Status(201, _topic_detail(request, board, topic.pk, 50, 0))


@router.get(
    "/groups/{group_id}/board/topics/{topic_id}",
    response=TopicDetailOut,
    summary="One topic with a page of its posts (marks them read)",
)
def get_topic(
    request: ApiRequest, group_id: int, topic_id: int, limit: int = 50, offset: int = 0
) -> Any:
    board = access_board(request.auth, group_id)
    return _topic_detail(request, board, topic_id, limit, offset)


@router.patch(
    "/groups/{group_id}/board/topics/{topic_id}",
    response=TopicDetailOut,
    summary="Change a topic: title, tags, event (its author or a moderator); pin, close "
    "(moderators)",
)
def update_topic(request: ApiRequest, group_id: int, topic_id: int, payload: TopicPatch) -> Any:
    board = access_board(request.auth, group_id)
    topic = access_topic(board, topic_id)
    meeting: Meeting | None | bool = False
    if payload.unlink_meeting:
        meeting = None
    elif payload.meeting is not None:
        meeting = _meeting(board, payload.meeting)
    services.update_topic(
        topic,
        actor=request.auth,
        title=payload.title,
        tags=payload.tags,
        meeting=meeting,
        pinned=payload.pinned,
        closed=payload.closed,
    )
    return _topic_detail(request, board, topic.pk, 50, 0)


@router.post(
    "/groups/{group_id}/board/topics/{topic_id}/posts",
    response={201: PostOut},
    summary="Reply in a topic (active members), to the topic or to one of its posts",
)
def create_post(request: ApiRequest, group_id: int, topic_id: int, payload: ReplyIn) -> Status[Any]:
    board = access_board(request.auth, group_id, post=True)
    topic = access_topic(board, topic_id)
    reply_to = access_post(board, payload.reply_to) if payload.reply_to else None
    post = services.reply(topic, author=request.auth, body=payload.body, reply_to=reply_to)
    return Status(201, _one_post(request, board, post.pk))


def _one_post(request: ApiRequest, board: Board, post_id: int) -> dict[str, Any]:
    post = access_post(board, post_id)
    annotated = topic_posts(board, post.topic).get(pk=post.pk)
    names = visible_names(request.auth, [annotated.author])
    return _post(annotated, names, group_handles(board.group).by_user, blocked_ids(board.user_id))


@router.get(
    "/groups/{group_id}/board/posts/{post_id}",
    response=PostOut,
    summary="One post",
)
def get_post(request: ApiRequest, group_id: int, post_id: int) -> dict[str, Any]:
    board = access_board(request.auth, group_id)
    return _one_post(request, board, post_id)


@router.patch(
    "/groups/{group_id}/board/posts/{post_id}",
    response=PostOut,
    summary="Edit my post",
)
def edit_post(request: ApiRequest, group_id: int, post_id: int, payload: PostPatch) -> Any:
    board = access_board(request.auth, group_id, post=True)
    post = access_post(board, post_id, write=True)
    services.edit_post(post, actor=request.auth, body=payload.body)
    return _one_post(request, board, post.pk)


@router.delete(
    "/groups/{group_id}/board/posts/{post_id}",
    response={204: None},
    summary="Delete a post (its author or a moderator): a line says it was there",
)
def delete_post(request: ApiRequest, group_id: int, post_id: int) -> Status[None]:
    board = access_board(request.auth, group_id)
    post = access_post(board, post_id, write=True)
    services.delete_post(post, actor=request.auth)
    return Status(204, None)


@router.post(
    "/groups/{group_id}/board/posts/{post_id}/like",
    response={201: PostOut},
    summary="Like a post (once; never my own)",
)
def like_post(request: ApiRequest, group_id: int, post_id: int) -> Status[Any]:
    board = access_board(request.auth, group_id, post=True)
    post = access_post(board, post_id)
    services.like_post(post, user=request.auth)
    return Status(201, _one_post(request, board, post.pk))


@router.delete(
    "/groups/{group_id}/board/posts/{post_id}/like",
    response=PostOut,
    summary="Take my like back",
)
def unlike_post(request: ApiRequest, group_id: int, post_id: int) -> Any:
    board = access_board(request.auth, group_id, post=True)
    post = access_post(board, post_id)
    services.unlike_post(post, user=request.auth)
    return _one_post(request, board, post.pk)


# --- Direct messages ------------------------------------------------------------------------


@router.get(
    "/messages",
    response=ConversationPage,
    summary="My conversations, the latest first, with unread counts",
    tags=["messages"],
)
def list_conversations(request: ApiRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    items, count = page(conversations(request.auth), limit, offset)
    rows = conversation_rows(request.auth, items)
    return {
        "items": [
            {
                "user": {"id": row.other.pk, "name": row.name, "handle": ""},
                "last_at": row.last_at,
                "unread": row.unread,
                "total": row.total,
            }
            for row in rows
        ],
        "count": count,
    }


@router.get(
    "/messages/{user_id}",
    response=MessagePage,
    summary="My messages with one person, the latest first (marks theirs read)",
    tags=["messages"],
)
def list_messages(
    request: ApiRequest, user_id: int, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    other = access_correspondent(request.auth, user_id)
    services.mark_read(request.auth, sender_id=other.pk)
    items, count = page(messages_between(request.auth, other.pk), limit, offset)
    return {
        "items": [
            {
                "id": m.pk,
                "sender": m.sender_id,
                "recipient": m.recipient_id,
                "body": m.body,
                "created_at": m.created_at,
                "read_at": m.read_at,
            }
            for m in items
        ],
        "count": count,
    }


@router.post(
    "/messages/{user_id}",
    response={201: MessageOut},
    summary="Send a message (to a member of a shared group; never across a block)",
    tags=["messages"],
)
def send_message(request: ApiRequest, user_id: int, payload: MessageIn) -> Status[Any]:
    other = access_correspondent(request.auth, user_id)
    message = services.send_message(request.auth, other, payload.body)
    return Status(
        201,
        {
            "id": message.pk,
            "sender": message.sender_id,
            "recipient": message.recipient_id,
            "body": message.body,
            "created_at": message.created_at,
            "read_at": message.read_at,
        },
    )

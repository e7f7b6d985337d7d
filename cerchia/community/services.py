"""Every write on a group's board and in direct messages. Each runs in a transaction, checks
the newcomer limits (``cerchia.community.limits``) before writing, and leaves an audit entry —
except visits and reads, which are counters for trust levels, not decisions anyone took.

Tags: at most 5 per topic, lowercase letters, digits and hyphens, at most 20 characters;
created on first use. Mentions: see ``cerchia.community.mentions``; each mentioned member who
may see the topic is told once per post.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.blocks import blocked_between, has_blocked
from cerchia.accounts.models import User
from cerchia.accounts.privacy import Reach, can_see
from cerchia.accounts.selectors import reach_of
from cerchia.audit.services import record
from cerchia.community import limits
from cerchia.community.access import can_read_board, has_board, moderates
from cerchia.community.errors import CommunityError
from cerchia.community.mentions import group_handles, mentioned_users
from cerchia.community.models import (
    MAX_TAGS,
    TAG_MAX_LENGTH,
    DirectMessage,
    Like,
    Mention,
    Post,
    Tag,
    Topic,
    TopicRead,
    Visit,
)
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group, Membership
from cerchia.meetings.models import Meeting
from cerchia.notices.services import notify

TAG_RE = re.compile(r"^[a-z0-9-]+$")
TITLE_MAX_LENGTH = 200
POST_MAX_LENGTH = 20000
MESSAGE_MAX_LENGTH = 5000


# --- Cleaning -------------------------------------------------------------------------------


def clean_tags(names: Iterable[str]) -> list[str]:
    """Tags as typed ("#Wedding", " photo ") made lowercase and checked: distinct, at most 5,
    each 1–20 of a–z, 0–9 and "-"."""
    cleaned: list[str] = []
    for raw in names:
        name = str(raw).strip().lstrip("#").lower()
        if not name or name in cleaned:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise CommunityError(
                _("The tag “%(tag)s” is too long: at most %(max)s characters.")
                % {"tag": name, "max": TAG_MAX_LENGTH}
            )
        if not TAG_RE.match(name):
            raise CommunityError(
                _("The tag “%(tag)s” may use only letters a–z, digits and hyphens.") % {"tag": name}
            )
        cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise CommunityError(
            _("A topic may have at most %(max)s tags; you gave %(count)s.")
            % {"max": MAX_TAGS, "count": len(cleaned)}
        )
    return cleaned


def parse_tags(text: str) -> list[str]:
    """Tags typed in one field, separated by spaces or commas."""
    return [part for part in re.split(r"[\s,]+", text) if part]


def _clean_title(title: str) -> str:
    title = " ".join(str(title).split())
    if not title:
        raise CommunityError(_("A topic needs a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise CommunityError(
            _("A title may be at most %(max)s characters long.") % {"max": TITLE_MAX_LENGTH}
        )
    return title


def _clean_body(body: str, maximum: int = POST_MAX_LENGTH) -> str:
    body = str(body).strip()
    if not body:
        raise CommunityError(_("Write something first: the message is empty."))
    if len(body) > maximum:
        raise CommunityError(
            _("A message may be at most %(max)s characters long; this one has %(count)s.")
            % {"max": maximum, "count": len(body)}
        )
    return body


def _require_poster(user: Any, group: Group) -> None:
    if not has_board(group):
        raise CommunityError(_("This group has no board."))
    if not rights_in(user, group).active_member:
        raise CommunityError(_("Only active members of the group may post on its board."))


def _check_meeting(group: Group, meeting: Meeting | None) -> None:
    if meeting is not None and meeting.group_id != group.pk:
        raise CommunityError(_("A topic may only point to one of its own group's events."))


def _tags_for(group: Group, names: list[str]) -> list[Tag]:
    """The group's tags with these names, created on first use (race-safe)."""
    if not names:
        return []
    Tag.objects.bulk_create([Tag(group=group, name=name) for name in names], ignore_conflicts=True)
    return list(Tag.objects.filter(group=group, name__in=names))


# --- Mentions and replies -------------------------------------------------------------------


def _topic_visible_to(topic: Topic, user_id: int, *, moderator: bool) -> bool:
    """Whether a member may open ``topic`` (its opening post hidden takes it away)."""
    if moderator:
        return True
    opening = Post.objects.filter(topic=topic, number=1).values("hidden", "author_id").first()
    return opening is not None and (opening["hidden"] == "" or opening["author_id"] == user_id)


def _may_be_told(topic: Topic, post: Post, user_id: int) -> bool:
    """A member is told about a post they may read: on a board they read, in a topic they may
    open, and not by someone they blocked."""
    if user_id == post.author_id:
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    rights = rights_in(user, topic.group)
    if not can_read_board(rights, user):
        return False
    if not _topic_visible_to(topic, user_id, moderator=moderates(rights)):
        return False
    return post.author_id is None or not has_blocked(user_id, post.author_id)


def _sync_mentions(post: Post, topic: Topic) -> list[int]:
    """Mention rows for the members ``post`` mentions now; those newly mentioned who may see
    the topic are told (once per post, whatever the edits). Returns who was told."""
    wanted = set(mentioned_users(topic.group, post.body)) - {post.author_id}
    had = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    Mention.objects.filter(post=post).exclude(user_id__in=wanted).delete()
    Mention.objects.bulk_create(
        [Mention(post=post, user_id=user_id) for user_id in sorted(wanted - had)],
        ignore_conflicts=True,
    )
    told: list[int] = []
    handle = group_handles(topic.group).by_user.get(post.author_id or 0, "")
    for user_id in sorted(wanted - had):
        if not _may_be_told(topic, post, user_id):
            continue
        notice = notify(
            User(pk=user_id),
            "community.mention",
            {"person": f"@{handle}", "topic": topic.title, "group": topic.group.name},
            url=post_url(topic, post),
            key=f"community.mention.{post.pk}.{user_id}",
        )
        if notice is not None:
            told.append(user_id)
    return told


def post_url(topic: Topic, post: Post) -> str:
    return f"{topic.get_absolute_url()}#post-{post.number}"


# --- Topics and posts -----------------------------------------------------------------------


@transaction.atomic
def create_topic(
    group: Group,
    *,
    author: User,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    meeting: Meeting | None = None,
) -> Topic:
    """Open a topic on the group's board: its title, opening post, tags and (for a community
    event) the group's meeting it is about."""
    _require_poster(author, group)
    title = _clean_title(title)
    body = _clean_body(body)
    names = clean_tags(tags)
    _check_meeting(group, meeting)
    limits.check_topic(author, group, body)
    now = timezone.now()
    topic = Topic.objects.create(
        group=group, author=author, title=title, meeting=meeting, last_posted_at=now
    )
    topic.tags.set(_tags_for(group, names))
    post = Post.objects.create(topic=topic, author=author, number=1, body=body)
    _sync_mentions(post, topic)
    record(
        author,
        "community.topic.created",
        topic,
        {"group": group.pk, "tags": names, "meeting": meeting.pk if meeting else None},
    )
    return topic


@transaction.atomic
def reply(topic: Topic, *, author: User, body: str, reply_to: Post | None = None) -> Post:
    """Reply in a topic (to the topic, or to one of its posts)."""
    group = topic.group
    _require_poster(author, group)
    body = _clean_body(body)
    # The row lock numbers concurrent replies one after the other.
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    if locked.closed and not moderates(rights_in(author, group)):
        raise CommunityError(_("This topic is closed: it takes no more replies."))
    if reply_to is not None and (reply_to.topic_id != topic.pk or reply_to.deleted_at):
        raise CommunityError(_("You can only reply to a post of this topic that is still there."))
    limits.check_reply(author, topic, body)
    last = Post.objects.filter(topic=topic).aggregate(n=Max("number"))["n"] or 0
    now = timezone.now()
    post = Post.objects.create(
        topic=topic, author=author, number=last + 1, body=body, reply_to=reply_to
    )
    Topic.objects.filter(pk=topic.pk).update(last_posted_at=now)
    topic.last_posted_at = now
    told = _sync_mentions(post, topic)
    replied_to = reply_to.author_id if reply_to is not None else None
    if replied_to and replied_to not in told and _may_be_told(topic, post, replied_to):
        handle = group_handles(group).by_user.get(author.pk, "")
        notify(
            User(pk=replied_to),
            "community.reply",
            {"person": f"@{handle}", "topic": topic.title, "group": group.name},
            url=post_url(topic, post),
            key=f"community.reply.{post.pk}",
        )
    record(
        author,
        "community.post.created",
        post,
        {"group": group.pk, "topic": topic.pk, "reply_to": reply_to.pk if reply_to else None},
    )
    return post


@transaction.atomic
def edit_post(post: Post, *, actor: User, body: str) -> Post:
    """The author changes their words; new mentions are told, dropped ones forgotten."""
    if post.author_id != actor.pk:
        raise CommunityError(_("Only its author may edit a post."))
    if post.deleted_at is not None:
        raise CommunityError(_("This post was deleted: it cannot be edited."))
    topic = post.topic
    _require_poster(actor, topic.group)
    body = _clean_body(body)
    if body == post.body:
        return post
    limits.check_edit(actor, topic.group, body)
    post.body = body
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "edited_at"])
    _sync_mentions(post, topic)
    record(actor, "community.post.edited", post, {"group": topic.group_id, "topic": topic.pk})
    return post


@transaction.atomic
def delete_post(post: Post, *, actor: User) -> Post:
    """Its author or a moderator deletes a post: its words go, a line says it was there.
    Deleting the opening post takes the topic off the board (moderators still see it)."""
    topic = post.topic
    moderator = moderates(rights_in(actor, topic.group))
    if post.author_id != actor.pk and not moderator:
        raise CommunityError(_("Only its author or a moderator may delete a post."))
    if post.deleted_at is not None:
        raise CommunityError(_("This post is already deleted."))
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    record(
        actor,
        "community.post.deleted",
        post,
        {"group": topic.group_id, "topic": topic.pk, "by_moderator": post.author_id != actor.pk},
    )
    return post


@transaction.atomic
def update_topic(
    topic: Topic,
    *,
    actor: User,
    title: str | None = None,
    tags: Iterable[str] | None = None,
    meeting: Meeting | None | bool = False,
    pinned: bool | None = None,
    closed: bool | None = None,
) -> Topic:
    """Change a topic: its author or a moderator change the title, tags and event; moderators
    pin and close. ``meeting=False`` leaves the event as it is; None unlinks it."""
    group = topic.group
    moderator = moderates(rights_in(actor, group))
    if topic.author_id != actor.pk and not moderator:
        raise CommunityError(_("Only its author or a moderator may change a topic."))
    if (pinned is not None or closed is not None) and not moderator:
        raise CommunityError(_("Only moderators pin or close topics."))
    changed: dict[str, Any] = {}
    if title is not None:
        topic.title = _clean_title(title)
        changed["title"] = topic.title
    if meeting is not False:
        linked = meeting if isinstance(meeting, Meeting) else None
        _check_meeting(group, linked)
        topic.meeting = linked
        changed["meeting"] = linked.pk if linked else None
    if pinned is not None:
        topic.pinned = pinned
        changed["pinned"] = pinned
    if closed is not None:
        topic.closed = closed
        changed["closed"] = closed
    names = clean_tags(tags) if tags is not None else None
    topic.save()
    if names is not None:
        topic.tags.set(_tags_for(group, names))
        changed["tags"] = names
    record(actor, "community.topic.changed", topic, {"group": group.pk, **changed})
    return topic


@transaction.atomic
def set_tags(topic: Topic, *, actor: User, tags: Iterable[str]) -> list[Tag]:
    """Replace a topic's tags (its author or a moderator)."""
    update_topic(topic, actor=actor, tags=tags)
    return list(topic.tags.all())


@transaction.atomic
def like_post(post: Post, *, user: User) -> Like:
    """Like a post once; never one's own."""
    topic = post.topic
    group = topic.group
    if post.author_id == user.pk:
        raise CommunityError(_("You cannot like your own post."))
    if post.deleted_at is not None:
        raise CommunityError(_("This post was deleted."))
    _require_poster(user, group)
    limits.check_like(user, group)
    try:
        with transaction.atomic():
            like = Like.objects.create(post=post, user=user)
    except IntegrityError:
        raise CommunityError(_("You already like this post.")) from None
    record(user, "community.post.liked", post, {"group": group.pk, "topic": topic.pk})
    return like


@transaction.atomic
def unlike_post(post: Post, *, user: User) -> None:
    deleted, _rows = Like.objects.filter(post=post, user=user).delete()
    if not deleted:
        raise CommunityError(_("You do not like this post."))
    record(user, "community.post.unliked", post, {"group": post.topic.group_id})


# --- Reading (counters for trust levels) ----------------------------------------------------


def record_visit(group: Group, user: Any, day: datetime.date | None = None) -> bool:
    """A day ``user`` visited the board (once a day); True on the first visit of the day."""
    if not getattr(user, "is_authenticated", False):
        return False
    day = day or timezone.localdate()
    _visit, created = Visit.objects.get_or_create(group=group, user=user, day=day)
    return created


def record_read(topic: Topic, user: Any, last_number: int) -> TopicRead | None:
    """``user`` has read ``topic`` up to post ``last_number``: the mark only moves forward."""
    if not getattr(user, "is_authenticated", False) or last_number < 1:
        return None
    read, created = TopicRead.objects.get_or_create(
        topic=topic, user=user, defaults={"last_read": last_number}
    )
    if not created and read.last_read < last_number:
        TopicRead.objects.filter(pk=read.pk, last_read__lt=last_number).update(
            last_read=last_number, last_read_at=timezone.now()
        )
        read.last_read = last_number
    return read


# --- Direct messages ------------------------------------------------------------------------


def share_a_group(a_id: int, b_id: int) -> bool:
    """Whether both are active members of one group (members write to members)."""
    mine = Membership.objects.active().filter(user_id=a_id).values("group_id")
    return Membership.objects.active().filter(user_id=b_id, group_id__in=mine).exists()


def may_write_to(sender: Any, recipient_id: int) -> bool:
    """Members write to the people they share a group with (as active members)."""
    return sender.pk != recipient_id and share_a_group(sender.pk, recipient_id)


def message_refusal(sender: Any, recipient: User) -> str:
    """Why ``sender`` may not write to ``recipient`` ("" if they may), blocks first."""
    if sender.pk == recipient.pk:
        return _("You cannot send a message to yourself.")
    if not recipient.is_active:
        return _("This account is closed: it takes no messages.")
    if has_blocked(sender.pk, recipient.pk):
        return _("You blocked this member: unblock them to send a message.")
    if blocked_between(sender.pk, recipient.pk):
        return _("This member does not accept messages from you.")
    if not may_write_to(sender, recipient.pk):
        return _("You can send messages only to members of your groups.")
    return ""


def display_name_for(viewer: Any, user: User) -> str:
    """The name ``viewer`` may see for ``user``, or "a member"."""
    profile = getattr(user, "profile", None)
    reach = reach_of(viewer, user) if viewer is not None else Reach.ANYONE
    if (
        profile is not None
        and profile.display_name
        and can_see(profile.level_of("display_name"), reach)
    ):
        return str(profile.display_name)
    return _("a member")


@transaction.atomic
def send_message(sender: User, recipient: User, body: str) -> DirectMessage:
    """A private message; the recipient is told when it is the first unread one from this
    sender (a conversation is one notice, not one per line)."""
    refusal = message_refusal(sender, recipient)
    if refusal:
        raise CommunityError(refusal)
    body = _clean_body(body, MESSAGE_MAX_LENGTH)
    limits.check_message(sender, recipient)
    waiting = DirectMessage.objects.filter(
        sender=sender, recipient=recipient, read_at__isnull=True
    ).exists()
    message = DirectMessage.objects.create(sender=sender, recipient=recipient, body=body)
    if not waiting:
        notify(
            recipient,
            "community.message",
            {"person": display_name_for(recipient, sender)},
            url=reverse("community:conversation", args=[sender.pk]),
        )
    record(sender, "community.message.sent", message, {"recipient": recipient.pk})
    return message


def mark_read(recipient: Any, *, sender_id: int) -> int:
    """Everything ``sender`` wrote to ``recipient`` is read now; returns how many were new."""
    return DirectMessage.objects.filter(
        sender_id=sender_id, recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())

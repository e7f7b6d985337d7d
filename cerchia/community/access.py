"""Who may read and who may write on a group's board. Each helper returns the object or raises.

Reading: the group's active members and its administrators (and those of the groups above);
on a *public* group, any signed-in person. Anonymous visitors never read a board (pages send
them to log in, the API answers 401), so no member's name or words are ever public.
Writing: active members only. Hidden posts are shown to their author and the moderators only;
a topic whose opening post is hidden is hidden with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.accounts.models import Block, User
from cerchia.community.models import DirectMessage, Post, Topic
from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.kinds import GroupVisibility
from cerchia.groups.models import Group, Membership


@dataclass(frozen=True)
class Board:
    """One person's view of one group's board, worked out once per request."""

    rights: Rights
    user: Any

    @property
    def group(self) -> Group:
        return self.rights.group

    @property
    def moderator(self) -> bool:
        return moderates(self.rights)

    @property
    def can_post(self) -> bool:
        return self.rights.active_member

    @property
    def user_id(self) -> int:
        """The reader's id (0, which matches nobody, for an anonymous caller)."""
        return self.user.pk if getattr(self.user, "is_authenticated", False) else 0

    def shown_q(self, prefix: str = "") -> Q:
        """Posts this person may see at all: hidden ones only when they wrote them, or they
        moderate. (Deleted posts stay in place as a line saying so.)"""
        if self.moderator:
            return Q()
        return Q(**{f"{prefix}hidden": ""}) | Q(**{f"{prefix}author_id": self.user_id})

    def readable_q(self, prefix: str = "") -> Q:
        """Posts whose words count for this person — in counts, search and lists: shown, not
        deleted, and not by someone they blocked."""
        blocked = Block.objects.filter(blocker_id=self.user_id).values("blocked_id")
        return (
            self.shown_q(prefix)
            & Q(**{f"{prefix}deleted_at__isnull": True})
            & ~Q(**{f"{prefix}author_id__in": blocked})
        )

    def topics(self) -> Any:
        """The group's topics this person may open: those whose opening post they may see
        (a deleted opening post takes its topic away, except for the moderators)."""
        opening = Post.objects.filter(topic=OuterRef("pk"), number=1).filter(self.shown_q())
        if not self.moderator:
            opening = opening.filter(deleted_at__isnull=True)
        return Topic.objects.filter(group=self.group).filter(Exists(opening))


def moderates(rights: Rights) -> bool:
    """The board's moderators see hidden posts, delete, pin and close: the group's
    administrators (and those of the groups above) and its members with the moderator role."""
    membership = rights.membership
    return rights.manager or (
        membership is not None
        and membership.is_active
        and membership.role == Membership.Role.MODERATOR
    )


def can_read_board(rights: Rights, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        rights.active_member or rights.manager or rights.group.visibility == GroupVisibility.PUBLIC
    )


def has_board(group: Group) -> bool:
    return not group.is_informal and group.rules.accepts_members


def access_board(user: Any, key: int | str, *, post: bool = False) -> Board:
    """A group's board ``user`` may read: 404 where the group cannot be seen or has no board
    (and for anonymous callers), 403 for signed-in people the board is closed to; with
    ``post``, 403 for anyone but its active members."""
    group = access_group(user, key)
    if not has_board(group) or not getattr(user, "is_authenticated", False):
        raise Http404(_("No such board"))
    rights = rights_in(user, group)
    if not can_read_board(rights, user):
        raise PermissionDenied(_("This board is for the members of the group."))
    if post and not rights.active_member:
        raise PermissionDenied(_("Only active members of the group may post on its board."))
    return Board(rights=rights, user=user)


def access_topic(board: Board, topic_id: int) -> Topic:
    """A topic of ``board`` this person may open; 404 otherwise, as if it did not exist."""
    topic = board.topics().filter(pk=topic_id).select_related("author__profile", "meeting").first()
    if topic is None:
        raise Http404(_("No such topic"))
    topic.group = board.group
    return topic


def access_post(board: Board, post_id: int, *, write: bool = False) -> Post:
    """A post on ``board`` this person may see (in a topic they may open); with ``write``,
    403 unless they wrote it or moderate the board (editing is checked again by the service:
    only authors edit their words)."""
    post = (
        Post.objects.filter(pk=post_id, topic__in=board.topics())
        .filter(board.shown_q())
        .select_related("topic", "author")
        .first()
    )
    if post is None:
        raise Http404(_("No such post"))
    post.topic.group = board.group
    if write and post.author_id != board.user_id and not board.moderator:
        raise PermissionDenied(_("Only its author or a moderator may change this post."))
    return post


def access_correspondent(user: Any, other_id: int) -> User:
    """Someone ``user`` may write to (a shared group) or has exchanged messages with; 404 for
    anyone else, so nobody learns who exists."""
    other = User.objects.filter(pk=other_id, is_active=True).select_related("profile").first()
    if other is None or other.pk == user.pk:
        raise Http404(_("No such person"))
    mine = Membership.objects.active().filter(user=user).values("group_id")
    shared = Membership.objects.active().filter(user=other, group_id__in=mine).exists()
    if (
        not shared
        and not DirectMessage.objects.filter(
            Q(sender=user, recipient=other) | Q(sender=other, recipient=user)
        ).exists()
    ):
        raise Http404(_("No such person"))
    return other

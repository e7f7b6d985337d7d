"""Newcomer limits and rate limits, by trust level, as data (Discourse's defaults).

Each ``check_*`` returns None when the action is allowed and raises ``CommunityError`` with the
reason otherwise; services call it before saving anything. "Per day" means the last 24 hours;
a member's "first day" is the 24 hours after they joined the group. Silenced members may not
post or send messages at all.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.blocks import blocked_between
from cerchia.accounts.models import ConnectionRequest
from cerchia.community.errors import CommunityError
from cerchia.community.models import DirectMessage, Flag, Like, Post, Topic, Trust
from cerchia.community.trust import BASIC, levels_of
from cerchia.groups.kinds import KindRules
from cerchia.groups.models import Group, Membership

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """What one trust level may do. None: no limit."""

    links_per_post: int | None = None
    mentions_per_post: int | None = None
    replies_per_topic: int | None = None
    first_day_topics: int | None = None
    first_day_replies: int | None = None
    topics_per_day: int = 20
    messages_per_day: int = 20
    # The lower of this and the group's ``connection_requests_per_day`` rule.
    connection_requests_per_day: int | None = None
    likes_per_day: int = 50
    flags_per_day: int = 20


LIMITS: dict[int, Limits] = {
    # New: Discourse's new-user limits; private messages and flags start at level 1.
    0: Limits(
        links_per_post=2,
        mentions_per_post=2,
        replies_per_topic=3,
        first_day_topics=3,
        first_day_replies=10,
        messages_per_day=0,
        connection_requests_per_day=3,
        flags_per_day=0,
    ),
    1: Limits(),
    # Levels 2, 3 and 4 multiply likes and flags by 1.5, 2 and 3.
    2: Limits(likes_per_day=75, flags_per_day=30),
    3: Limits(likes_per_day=100, flags_per_day=40),
    4: Limits(likes_per_day=150, flags_per_day=60),
}

LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@([\w][\w.-]*)")


def count_links(body: str) -> int:
    return len(LINK.findall(body or ""))


def count_mentions(body: str) -> int:
    """Distinct @names in a post (the same person twice counts once)."""
    return len({name.lower().rstrip(".-") for name in MENTION.findall(body or "")})


def _since() -> datetime.datetime:
    return timezone.now() - DAY


def _trust_row(user: Any, group: Group) -> tuple[int, Trust | None]:
    row = Trust.objects.filter(group=group, user=user).first()
    if row is not None and group.rules.trust_levels:
        return row.level, row
    return levels_of(group, [user.pk])[user.pk], row


def _refuse_silenced(row: Trust | None) -> None:
    if row is not None and row.silenced_until is not None and row.silenced_until > timezone.now():
        raise CommunityError(
            _("You are silenced in this group until %(until)s: you cannot post or send messages.")
            % {"until": timezone.localtime(row.silenced_until).strftime("%Y-%m-%d %H:%M")}
        )


def _check_post_body(limits: Limits, body: str) -> None:
    if limits.links_per_post is not None and count_links(body) > limits.links_per_post:
        raise CommunityError(
            _("New members may post at most %(n)s links per post.") % {"n": limits.links_per_post}
        )
    if limits.mentions_per_post is not None and count_mentions(body) > limits.mentions_per_post:
        raise CommunityError(
            _("New members may mention at most %(n)s people per post.")
            % {"n": limits.mentions_per_post}
        )


def _first_day(user: Any, group: Group) -> bool:
    joined = (
        Membership.objects.filter(group=group, user=user)
        .values_list("joined_at", "created_at")
        .first()
    )
    if joined is None:
        return False
    start = joined[0] or joined[1]
    return start is not None and timezone.now() - start < DAY


def _posts_today(user: Any, group: Group) -> tuple[int, int]:
    """The member's topics and replies in the group over the last 24 hours."""
    rows = Post.objects.filter(
        author=user, topic__group=group, created_at__gte=_since(), deleted_at__isnull=True
    )
    topics = rows.filter(number=1).count()
    replies = rows.filter(number__gt=1).count()
    return topics, replies


def _check_new_member_posts(rules: KindRules, level: int, topics: int, replies: int) -> None:
    cap = rules.posts_per_day_new_member
    if level == 0 and rules.trust_levels and cap and topics + replies >= cap:
        raise CommunityError(
            _("New members may post at most %(n)s times a day in this group.") % {"n": cap}
        )


def check_edit(user: Any, group: Group, body: str) -> None:
    """May ``user`` change a post of theirs in ``group`` to this body? The same per-post
    limits as a new post (links, mentions) and no posting while silenced; an edit is not a new
    post, so the daily counts do not apply."""
    level, row = _trust_row(user, group)
    _refuse_silenced(row)
    _check_post_body(LIMITS[level], body)


def check_topic(user: Any, group: Group, body: str) -> None:
    """May ``user`` open a topic in ``group`` with this opening post?"""
    level, row = _trust_row(user, group)
    _refuse_silenced(row)
    limits = LIMITS[level]
    _check_post_body(limits, body)
    topics, replies = _posts_today(user, group)
    if topics >= limits.topics_per_day:
        raise CommunityError(
            _("You may open at most %(n)s topics a day.") % {"n": limits.topics_per_day}
        )
    first_day_full = limits.first_day_topics is not None and topics >= limits.first_day_topics
    if first_day_full and _first_day(user, group):
        raise CommunityError(
            _("On their first day new members may open at most %(n)s topics.")
            % {"n": limits.first_day_topics}
        )
    _check_new_member_posts(group.rules, level, topics, replies)


def check_reply(user: Any, topic: Topic, body: str) -> None:
    """May ``user`` reply in ``topic`` with this post?"""
    group = topic.group
    level, row = _trust_row(user, group)
    _refuse_silenced(row)
    limits = LIMITS[level]
    _check_post_body(limits, body)
    if limits.replies_per_topic is not None:
        in_topic = Post.objects.filter(
            topic=topic, author=user, number__gt=1, deleted_at__isnull=True
        ).count()
        if in_topic >= limits.replies_per_topic:
            raise CommunityError(
                _("New members may reply at most %(n)s times in one topic.")
                % {"n": limits.replies_per_topic}
            )
    topics, replies = _posts_today(user, group)
    first_day_full = limits.first_day_replies is not None and replies >= limits.first_day_replies
    if first_day_full and _first_day(user, group):
        raise CommunityError(
            _("On their first day new members may reply at most %(n)s times.")
            % {"n": limits.first_day_replies}
        )
    _check_new_member_posts(group.rules, level, topics, replies)


def _shared_groups(a: Any, b: Any) -> list[Group]:
    mine = Membership.objects.active().filter(user=b).values("group_id")
    return list(
        Group.objects.filter(
            memberships__user=a, memberships__status=Membership.Status.ACTIVE, pk__in=mine
        )
    )


def check_message(sender: Any, recipient: Any) -> None:
    """May ``sender`` send ``recipient`` a direct message? They must share a group, neither may
    have blocked the other, and the sender must be at least level 1 and not silenced in one
    of the groups they share."""
    if sender.pk == recipient.pk:
        raise CommunityError(_("You cannot send a message to yourself."))
    if blocked_between(sender.pk, recipient.pk):
        raise CommunityError(_("You cannot send messages to this member."))
    groups = _shared_groups(sender, recipient)
    if not groups:
        raise CommunityError(_("You can send messages only to members of your groups."))
    silenced = Trust.objects.filter(
        user=sender, group__in=groups, silenced_until__gt=timezone.now()
    ).aggregate(until=Max("silenced_until"))["until"]
    if silenced is not None:
        raise CommunityError(
            _("You are silenced until %(until)s: you cannot send messages.")
            % {"until": timezone.localtime(silenced).strftime("%Y-%m-%d %H:%M")}
        )
    level = max(max(levels_of(g, [sender.pk]).values()) for g in groups)
    limits = LIMITS[level]
    if limits.messages_per_day == 0:
        raise CommunityError(
            _("New members can send messages once they reach trust level 1 (basic).")
        )
    sent = DirectMessage.objects.filter(sender=sender, created_at__gte=_since()).count()
    if sent >= limits.messages_per_day:
        raise CommunityError(
            _("You may send at most %(n)s messages a day.") % {"n": limits.messages_per_day}
        )


def check_like(user: Any, group: Group) -> None:
    """May ``user`` like one more post in ``group`` today?"""
    level, _row = _trust_row(user, group)
    cap = LIMITS[level].likes_per_day
    given = Like.objects.filter(user=user, post__topic__group=group, created_at__gte=_since())
    if given.count() >= cap:
        raise CommunityError(_("You may like at most %(n)s posts a day.") % {"n": cap})


def check_flag(user: Any, group: Group) -> None:
    """May ``user`` flag one more post in ``group`` today? Flags start at level 1."""
    level, _row = _trust_row(user, group)
    cap = LIMITS[level].flags_per_day
    if cap == 0:
        raise CommunityError(_("Members can flag posts once they reach trust level 1 (basic)."))
    flagged = Flag.objects.filter(flagger=user, post__topic__group=group, created_at__gte=_since())
    if flagged.count() >= cap:
        raise CommunityError(_("You may flag at most %(n)s posts a day.") % {"n": cap})


def connection_request_cap(sender: Any, group: Group | None = None) -> int:
    """How many connection requests ``sender`` may send a day: the group's rule (the usual
    default without a group), and at most 3 at trust level 0 in a group with trust levels."""
    if group is None:
        return KindRules().connection_requests_per_day
    cap = group.rules.connection_requests_per_day
    level = levels_of(group, [sender.pk])[sender.pk] if group.rules.trust_levels else BASIC
    newcomer = LIMITS[level].connection_requests_per_day
    return min(cap, newcomer) if newcomer is not None else cap


def check_connection_request(
    sender: Any, group: Group | None = None, *, recipient: Any = None
) -> None:
    """May ``sender`` send one more connection request today (to ``recipient``, if given: not
    when either has blocked the other)?"""
    if recipient is not None and blocked_between(sender.pk, recipient.pk):
        raise CommunityError(_("You cannot send a connection request to this member."))
    cap = connection_request_cap(sender, group)
    sent = ConnectionRequest.objects.filter(sender=sender, created_at__gte=_since()).count()
    if sent >= cap:
        raise CommunityError(
            _("You may send at most %(n)s connection requests a day.") % {"n": cap}
        )

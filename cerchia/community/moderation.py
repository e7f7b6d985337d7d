"""Flags, the moderation queue, hiding posts and silencing members.

A member flags a post once (never their own). When ``flags_to_hide_post`` distinct members
(a group rule, 3 by default) have open flags on a post, it is hidden until a moderator decides,
and the moderators are told. A decision resolves every open flag on the post: *agree* keeps it
hidden (by a moderator now), *disagree* shows it again, *defer* takes no action against the post
(it is shown again too, and the flags are closed without counting against its author).
Moderators are the group's administrators (and those of the groups above) and its members
with the moderator role.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.community.errors import CommunityError
from cerchia.community.limits import check_flag
from cerchia.community.models import Flag, Post, Trust
from cerchia.groups.access import access_group, rights_in
from cerchia.groups.models import MANAGER_ROLES, Group, Membership
from cerchia.notices.services import notify

DECISIONS = {
    "agree": Flag.Decision.AGREED,
    "disagree": Flag.Decision.DISAGREED,
    "defer": Flag.Decision.DEFERRED,
}
MAX_SILENCE_DAYS = 365


def is_moderator(user: Any, group: Group) -> bool:
    """The group's administrators (and those of the groups above) and its members with the
    moderator role."""
    rights = rights_in(user, group)
    if rights.manager:
        return True
    membership = rights.membership
    return (
        membership is not None
        and membership.is_active
        and membership.role == Membership.Role.MODERATOR
    )


def access_moderation(user: Any, key: int | str) -> Group:
    """A group whose board ``user`` moderates: 404 where the group cannot be seen or has no
    board, 403 for everyone but its moderators."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no board."))
    if not is_moderator(user, group):
        raise PermissionDenied(_("Only the group's moderators may do this."))
    return group


def access_organiser(user: Any, key: int | str) -> Group:
    """A group whose drop-out ``user`` may read: its administrators (and those above). 404
    where the group cannot be seen or has no members, 403 for everyone else."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no members."))
    if not rights_in(user, group).manager:
        raise PermissionDenied(_("Only the group's organisers see its drop-out."))
    return group


def moderators(group: Group) -> list[User]:
    """The people told about flagged posts: the group's administrators and moderators."""
    return list(
        User.objects.filter(
            memberships__group=group,
            memberships__status=Membership.Status.ACTIVE,
            memberships__role__in=(*MANAGER_ROLES, Membership.Role.MODERATOR),
        )
    )


def _require_moderator(actor: Any, group: Group) -> None:
    if not is_moderator(actor, group):
        raise PermissionDenied(_("Only the group's moderators may do this."))


@transaction.atomic
def flag_post(post: Post, *, flagger: Any, reason: str, note: str = "") -> Flag:
    """``flagger`` flags ``post``; hides it when enough distinct members have flagged it."""
    post = Post.objects.select_for_update().select_related("topic__group").get(pk=post.pk)
    group = post.topic.group
    if reason not in Flag.Reason.values:
        raise CommunityError(
            _("Choose a reason: spam, inappropriate, off-topic, illegal or something else.")
        )
    note = (note or "").strip()
    if len(note) > 1000:
        raise CommunityError(_("The note for the moderators is longer than 1000 characters."))
    if reason == Flag.Reason.OTHER and not note:
        raise CommunityError(_("Tell the moderators what is wrong with this post."))
    if not rights_in(flagger, group).active_member:
        raise CommunityError(_("Only members of this group may flag its posts."))
    if post.author_id == flagger.pk:
        raise CommunityError(_("You cannot flag your own post."))
    if post.deleted_at is not None:
        raise CommunityError(_("This post was deleted."))
    if Flag.objects.filter(post=post, flagger=flagger).exists():
        raise CommunityError(_("You have already flagged this post."))
    check_flag(flagger, group)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, flagger=flagger, reason=reason, note=note)
    except IntegrityError:
        raise CommunityError(_("You have already flagged this post.")) from None
    record(flagger, "community.post.flagged", post, {"reason": reason})
    flaggers = (
        Flag.objects.filter(post=post, decision=Flag.Decision.OPEN)
        .values("flagger_id")
        .distinct()
        .count()
    )
    if post.hidden == Post.Hidden.NO and flaggers >= group.rules.flags_to_hide_post:
        post.hidden = Post.Hidden.FLAGS
        post.save(update_fields=["hidden"])
        record(None, "community.post.hidden_by_flags", post, {"flaggers": flaggers})
        url = f"/groups/{group.slug}/moderation/"
        for moderator in moderators(group):
            notify(
                moderator,
                "community.post_hidden",
                {"group": group.name, "topic": post.topic.title, "count": flaggers},
                url=url,
                key=f"community.post_hidden.{post.pk}.{moderator.pk}.{flag.pk}",
            )
    return flag


@transaction.atomic
def decide_flags(post: Post, *, actor: Any, decision: str) -> int:
    """Resolve every open flag on ``post`` (agree, disagree or defer); returns how many."""
    post = Post.objects.select_for_update().select_related("topic__group").get(pk=post.pk)
    group = post.topic.group
    _require_moderator(actor, group)
    if decision not in DECISIONS:
        raise CommunityError(_("Decide agree, disagree or defer."))
    now = timezone.now()
    resolved = Flag.objects.filter(post=post, decision=Flag.Decision.OPEN).update(
        decision=DECISIONS[decision], decided_by=actor, decided_at=now
    )
    if not resolved:
        raise CommunityError(_("This post has no flags waiting for a decision."))
    if decision == "agree":
        post.hidden = Post.Hidden.MODERATOR
    elif post.hidden == Post.Hidden.FLAGS:
        post.hidden = Post.Hidden.NO
    post.save(update_fields=["hidden"])
    record(actor, "community.flags.decided", post, {"decision": decision, "flags": resolved})
    return resolved


@transaction.atomic
def hide_post(post: Post, *, actor: Any) -> Post:
    group = post.topic.group
    _require_moderator(actor, group)
    if post.hidden == Post.Hidden.MODERATOR:
        raise CommunityError(_("This post is already hidden."))
    post.hidden = Post.Hidden.MODERATOR
    post.save(update_fields=["hidden"])
    record(actor, "community.post.hidden", post)
    return post


@transaction.atomic
def unhide_post(post: Post, *, actor: Any) -> Post:
    """Show a hidden post again; any open flags on it are closed as disagreed with."""
    group = post.topic.group
    _require_moderator(actor, group)
    if post.hidden == Post.Hidden.NO:
        raise CommunityError(_("This post is not hidden."))
    Flag.objects.filter(post=post, decision=Flag.Decision.OPEN).update(
        decision=Flag.Decision.DISAGREED, decided_by=actor, decided_at=timezone.now()
    )
    post.hidden = Post.Hidden.NO
    post.save(update_fields=["hidden"])
    record(actor, "community.post.shown", post)
    return post


def moderate_post(post: Post, *, actor: Any, action: str) -> None:
    """One moderator action on a post: agree, disagree, defer, hide or unhide."""
    if action in DECISIONS:
        decide_flags(post, actor=actor, decision=action)
    elif action == "hide":
        hide_post(post, actor=actor)
    elif action == "unhide":
        unhide_post(post, actor=actor)
    else:
        raise CommunityError(_("Choose agree, disagree, defer, hide or unhide."))


@transaction.atomic
def silence_member(
    user: Any, group: Group, *, actor: Any, until: datetime.datetime, reason: str
) -> Trust:
    """Silence a member of ``group`` until ``until``: no posts there and no messages."""
    _require_moderator(actor, group)
    reason = (reason or "").strip()
    if user.pk == actor.pk:
        raise CommunityError(_("You cannot silence yourself."))
    if not Membership.objects.active().filter(group=group, user=user).exists():
        raise CommunityError(_("Only members of the group can be silenced."))
    if not reason:
        raise CommunityError(_("Give a reason: the member is told it."))
    if len(reason) > 300:
        raise CommunityError(_("The reason is longer than 300 characters."))
    now = timezone.now()
    if until <= now:
        raise CommunityError(_("Silence until a moment in the future."))
    if until > now + datetime.timedelta(days=MAX_SILENCE_DAYS):
        raise CommunityError(_("Silence for at most %(days)s days.") % {"days": MAX_SILENCE_DAYS})
    trust, _created = Trust.objects.get_or_create(group=group, user=user)
    trust.silenced_until = until
    trust.silenced_reason = reason
    trust.save(update_fields=["silenced_until", "silenced_reason", "updated_at"])
    record(actor, "community.member.silenced", trust, {"until": until.isoformat()})
    notify(
        user,
        "community.silenced",
        {
            "group": group.name,
            "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            "reason": reason,
        },
        url=group.get_absolute_url(),
    )
    return trust


@transaction.atomic
def unsilence_member(user: Any, group: Group, *, actor: Any) -> Trust:
    _require_moderator(actor, group)
    trust = Trust.objects.filter(group=group, user=user, silenced_until__gt=timezone.now()).first()
    if trust is None:
        raise CommunityError(_("This member is not silenced."))
    trust.silenced_until = None
    trust.silenced_reason = ""
    trust.save(update_fields=["silenced_until", "silenced_reason", "updated_at"])
    record(actor, "community.member.unsilenced", trust)
    return trust


def moderation_queue(group: Group) -> QuerySet[Post]:
    """Posts of the group with open flags, most flagged first: each with ``open_flags`` and its
    open flags (flagger's name prefetched). Three queries whatever the number of posts."""
    open_flags = Flag.objects.filter(decision=Flag.Decision.OPEN).select_related("flagger__profile")
    return (
        Post.objects.filter(topic__group=group, flags__decision=Flag.Decision.OPEN)
        .annotate(open_flags=Count("flags", filter=Q(flags__decision=Flag.Decision.OPEN)))
        .select_related("topic", "author__profile")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flag_list"))
        .order_by("-open_flags", "-pk")
    )


def silenced_members(group: Group) -> QuerySet[Trust]:
    return (
        Trust.objects.filter(group=group, silenced_until__gt=timezone.now())
        .select_related("user__profile")
        .order_by("silenced_until")
    )

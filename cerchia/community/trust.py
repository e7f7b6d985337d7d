"""Trust levels in a group, earned from activity on its board (Discourse's defaults).

The rules are data (``LEVEL_RULES``); a group with trust levels may scale every count with its
``trust_requirements_percent`` rule and choose whether invited members start at level 1.
Reading time is not measured: Discourse's "minutes reading" requirements are left out.

Levels 1 and 2 are kept once earned. Level 3 (regular) is measured over the last 100 days and is
lost when the member no longer meets it, but never within 14 days of earning it. Level 4 is only
ever set by hand (``Trust.locked``). Groups without trust levels treat every member as level 1.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.selectors import reach_map, visible_card
from cerchia.audit.services import record
from cerchia.community.errors import CommunityError
from cerchia.community.models import Flag, Like, Post, Topic, TopicRead, Trust, Visit
from cerchia.groups.kinds import KIND_RULES
from cerchia.groups.models import Group, Membership

NEW, BASIC, MEMBER, REGULAR, LEADER = 0, 1, 2, 3, 4
LEVEL_NAMES: dict[int, Any] = {
    NEW: _("New"),
    BASIC: _("Basic"),
    MEMBER: _("Member"),
    REGULAR: _("Regular"),
    LEADER: _("Leader"),
}
# Level 3 can be lost, but not within this many days of earning it.
REGULAR_GRACE_DAYS = 14


@dataclass(frozen=True)
class TrustRules:
    """What earns one level. Counts are all-time unless ``window_days`` is set; the percentages
    are of the topics and posts created in the window (capped like Discourse's)."""

    level: int
    window_days: int | None = None
    days_visited: int = 0
    topics_entered: int = 0
    posts_read: int = 0
    likes_given: int = 0
    likes_received: int = 0
    topics_replied: int = 0
    topics_viewed_percent: int = 0
    topics_viewed_cap: int = 500
    posts_read_percent: int = 0
    posts_read_cap: int = 20000
    # At most this many of the member's posts with a flag moderators agreed with (None: any).
    max_flagged_posts: int | None = None

    def scaled(self, percent: int) -> TrustRules:
        """The same rules with every count scaled (percentages and the flag ceiling stay)."""
        if percent == 100:
            return self
        counts = (
            "days_visited",
            "topics_entered",
            "posts_read",
            "likes_given",
            "likes_received",
            "topics_replied",
        )
        return dataclasses.replace(
            self, **{name: math.ceil(getattr(self, name) * percent / 100) for name in counts}
        )


LEVEL_RULES: dict[int, TrustRules] = {
    BASIC: TrustRules(BASIC, topics_entered=5, posts_read=30),
    MEMBER: TrustRules(
        MEMBER,
        days_visited=15,
        likes_given=1,
        likes_received=1,
        topics_replied=3,
        topics_entered=20,
        posts_read=100,
    ),
    REGULAR: TrustRules(
        REGULAR,
        window_days=100,
        days_visited=50,
        topics_replied=10,
        topics_viewed_percent=25,
        posts_read_percent=25,
        max_flagged_posts=5,
        likes_given=30,
        likes_received=20,
    ),
}

REQUIREMENT_LABELS: dict[str, Any] = {
    "days_visited": _("Days visited"),
    "topics_entered": _("Topics entered"),
    "posts_read": _("Posts read"),
    "likes_given": _("Likes given"),
    "likes_received": _("Likes received"),
    "topics_replied": _("Topics replied to"),
    "topics_viewed": _("Recent topics viewed"),
    "recent_posts_read": _("Recent posts read"),
    "flagged_posts": _("Posts flagged (at most)"),
}


@dataclass
class Activity:
    """One member's counts in one group, all-time and over a window."""

    days_visited: int = 0
    topics_entered: int = 0
    posts_read: int = 0
    likes_given: int = 0
    likes_received: int = 0
    topics_replied: int = 0
    topics_viewed: int = 0
    recent_posts_read: int = 0
    flagged_posts: int = 0
    recent_visits: int = 0
    recent_replied: int = 0
    recent_given: int = 0
    recent_received: int = 0


@dataclass(frozen=True)
class Requirement:
    key: str
    label: Any
    have: int
    need: int
    at_most: bool = False

    @property
    def met(self) -> bool:
        return self.have <= self.need if self.at_most else self.have >= self.need


def rules_of(group: Group) -> dict[int, TrustRules]:
    percent = group.rules.trust_requirements_percent
    return {level: rules.scaled(percent) for level, rules in LEVEL_RULES.items()}


def level_of(user: Any, group: Group) -> int:
    """The member's trust level in the group: one query (two for a member without a row yet)."""
    if not getattr(user, "is_authenticated", False):
        return NEW
    if not group.rules.trust_levels:
        return BASIC
    level = Trust.objects.filter(group=group, user=user).values_list("level", flat=True).first()
    if level is not None:
        return level
    return _starting_level(group, [user.pk]).get(user.pk, NEW)


def levels_of(group: Group, user_ids: Iterable[int]) -> dict[int, int]:
    """The trust level of each of these people in the group, in two queries at most."""
    ids = list(set(user_ids))
    if not group.rules.trust_levels:
        return dict.fromkeys(ids, BASIC)
    found = dict(Trust.objects.filter(group=group, user_id__in=ids).values_list("user_id", "level"))
    missing = [i for i in ids if i not in found]
    start = _starting_level(group, missing) if missing else {}
    return {i: found.get(i, start.get(i, NEW)) for i in ids}


def _starting_level(group: Group, user_ids: list[int]) -> dict[int, int]:
    """Invited members start at level 1 when the group's rule says so; everyone else at 0."""
    if not group.rules.invitees_start_basic:
        return {}
    invited = Membership.objects.filter(
        group=group, user_id__in=user_ids, invited_by__isnull=False
    ).values_list("user_id", flat=True)
    return dict.fromkeys(invited, BASIC)


def activity(
    group: Group, today: datetime.date, user_ids: list[int] | None = None
) -> dict[int, Activity]:
    """Everyone's counts in the group from aggregates: a fixed number of queries whatever the
    number of members (``user_ids`` narrows it to some members)."""
    since = today - datetime.timedelta(days=LEVEL_RULES[REGULAR].window_days or 100)
    since_at = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    stats: dict[int, Activity] = defaultdict(Activity)

    def narrowed(qs: Any, field: str = "user_id") -> Any:
        return qs.filter(**{f"{field}__in": user_ids}) if user_ids is not None else qs

    visits = narrowed(Visit.objects.filter(group=group, day__lte=today))
    for row in visits.values("user_id").annotate(
        total=Count("pk"), recent=Count("pk", filter=Q(day__gt=since))
    ):
        stats[row["user_id"]].days_visited = row["total"]
        stats[row["user_id"]].recent_visits = row["recent"]
    reads = narrowed(TopicRead.objects.filter(topic__group=group))
    for row in reads.values("user_id").annotate(
        entered=Count("pk"),
        read=Sum("last_read"),
        viewed=Count("pk", filter=Q(topic__created_at__gte=since_at)),
        recent_read=Sum("last_read", filter=Q(topic__created_at__gte=since_at)),
    ):
        one = stats[row["user_id"]]
        one.topics_entered = row["entered"]
        one.posts_read = row["read"] or 0
        one.topics_viewed = row["viewed"]
        one.recent_posts_read = row["recent_read"] or 0
    given = narrowed(Like.objects.filter(post__topic__group=group))
    for row in given.values("user_id").annotate(
        total=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=since_at))
    ):
        stats[row["user_id"]].likes_given = row["total"]
        stats[row["user_id"]].recent_given = row["recent"]
    received = narrowed(
        Like.objects.filter(post__topic__group=group).exclude(user_id=F("post__author_id")),
        "post__author_id",
    )
    for row in received.values("post__author_id").annotate(
        total=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=since_at))
    ):
        stats[row["post__author_id"]].likes_received = row["total"]
        stats[row["post__author_id"]].recent_received = row["recent"]
    replies = narrowed(
        Post.objects.filter(topic__group=group, number__gt=1, deleted_at__isnull=True),
        "author_id",
    )
    for row in replies.values("author_id").annotate(
        total=Count("topic_id", distinct=True),
        recent=Count("topic_id", distinct=True, filter=Q(created_at__gte=since_at)),
    ):
        stats[row["author_id"]].topics_replied = row["total"]
        stats[row["author_id"]].recent_replied = row["recent"]
    flagged = narrowed(
        Post.objects.filter(
            topic__group=group,
            created_at__gte=since_at,
            flags__decision=Flag.Decision.AGREED,
        ),
        "author_id",
    )
    for row in flagged.values("author_id").annotate(total=Count("pk", distinct=True)):
        stats[row["author_id"]].flagged_posts = row["total"]
    return stats


def window_totals(group: Group, today: datetime.date) -> tuple[int, int]:
    """Topics and posts created in the group over the level-3 window (for the percentages)."""
    since = today - datetime.timedelta(days=LEVEL_RULES[REGULAR].window_days or 100)
    since_at = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    row = Topic.objects.filter(group=group, created_at__gte=since_at).aggregate(
        topics=Count("pk", distinct=True), posts=Count("posts", distinct=True)
    )
    return row["topics"] or 0, row["posts"] or 0


def requirements(rules: TrustRules, counts: Activity, totals: tuple[int, int]) -> list[Requirement]:
    """Each requirement of a level with the member's number and the number needed."""
    recent = rules.window_days is not None
    rows: list[Requirement] = []

    def add(key: str, have: int, need: int, *, at_most: bool = False) -> None:
        rows.append(Requirement(key, REQUIREMENT_LABELS[key], have, need, at_most))

    if rules.days_visited:
        have = counts.recent_visits if recent else counts.days_visited
        add("days_visited", have, rules.days_visited)
    if rules.topics_entered:
        add("topics_entered", counts.topics_entered, rules.topics_entered)
    if rules.posts_read:
        add("posts_read", counts.posts_read, rules.posts_read)
    if rules.topics_replied:
        have = counts.recent_replied if recent else counts.topics_replied
        add("topics_replied", have, rules.topics_replied)
    if rules.topics_viewed_percent:
        need = min(
            math.ceil(totals[0] * rules.topics_viewed_percent / 100), rules.topics_viewed_cap
        )
        add("topics_viewed", counts.topics_viewed, need)
    if rules.posts_read_percent:
        need = min(math.ceil(totals[1] * rules.posts_read_percent / 100), rules.posts_read_cap)
        add("recent_posts_read", counts.recent_posts_read, need)
    if rules.likes_given:
        have = counts.recent_given if recent else counts.likes_given
        add("likes_given", have, rules.likes_given)
    if rules.likes_received:
        have = counts.recent_received if recent else counts.likes_received
        add("likes_received", have, rules.likes_received)
    if rules.max_flagged_posts is not None:
        add("flagged_posts", counts.flagged_posts, rules.max_flagged_posts, at_most=True)
    return rows


def earned_level(
    current: int,
    *,
    start: int,
    rules: dict[int, TrustRules],
    counts: Activity,
    totals: tuple[int, int],
    regular_since: datetime.datetime | None,
    now: datetime.datetime,
) -> int:
    """The level the counts give: promotion one level at a time up to 3; levels 1 and 2 are
    kept; level 3 is lost when no longer met, but not within 14 days of earning it."""
    level = max(current, start)
    if level >= LEADER:
        return level
    if level == REGULAR:
        if all(r.met for r in requirements(rules[REGULAR], counts, totals)):
            return REGULAR
        grace_over = regular_since is None or now - regular_since >= datetime.timedelta(
            days=REGULAR_GRACE_DAYS
        )
        return MEMBER if grace_over else REGULAR
    while level < REGULAR and all(r.met for r in requirements(rules[level + 1], counts, totals)):
        level += 1
    return level


def recompute(user: Any, group: Group, today: datetime.date | None = None) -> int:
    """Work out one member's level again (after their activity, or for one page)."""
    if not group.rules.trust_levels:
        return BASIC
    return _recompute(group, today or timezone.localdate(), [user.pk]).get(user.pk, NEW)


def recompute_group(group: Group, today: datetime.date | None = None) -> dict[int, int]:
    """Every active member's level from aggregates (a fixed number of queries); returns the
    levels that changed."""
    if not group.rules.trust_levels:
        return {}
    before = dict(Trust.objects.filter(group=group).values_list("user_id", "level"))
    levels = _recompute(group, today or timezone.localdate(), None)
    return {uid: lvl for uid, lvl in levels.items() if before.get(uid) != lvl}


@transaction.atomic
def _recompute(group: Group, today: datetime.date, user_ids: list[int] | None) -> dict[int, int]:
    members = Membership.objects.active().filter(group=group)
    if user_ids is not None:
        members = members.filter(user_id__in=user_ids)
    member_rows = list(members.values_list("user_id", "invited_by_id"))
    if not member_rows:
        return {}
    ids = [uid for uid, _inv in member_rows]
    invited_start = BASIC if group.rules.invitees_start_basic else NEW
    starts = {uid: (invited_start if inv else NEW) for uid, inv in member_rows}
    counts = activity(group, today, ids if user_ids is not None else None)
    totals = window_totals(group, today)
    rules = rules_of(group)
    rows = {t.user_id: t for t in Trust.objects.filter(group=group, user_id__in=ids)}
    now = timezone.now()
    created: list[Trust] = []
    changed: list[Trust] = []
    result: dict[int, int] = {}
    for uid in ids:
        row = rows.get(uid)
        if row is not None and row.locked:
            result[uid] = row.level
            continue
        current = row.level if row is not None else NEW
        level = earned_level(
            current,
            start=starts[uid],
            rules=rules,
            counts=counts.get(uid, Activity()),
            totals=totals,
            regular_since=row.regular_since if row is not None else None,
            now=now,
        )
        result[uid] = level
        if row is None:
            created.append(
                Trust(
                    group=group,
                    user_id=uid,
                    level=level,
                    regular_since=now if level == REGULAR else None,
                )
            )
        elif level != row.level:
            if level == REGULAR:
                row.regular_since = now
            row.level = level
            row.updated_at = now
            changed.append(row)
    Trust.objects.bulk_create(created)
    Trust.objects.bulk_update(changed, ["level", "regular_since", "updated_at"])
    for row in changed:
        record(None, "community.trust.changed", row, {"level": row.level})
    return result


def progress(user: Any, group: Group, today: datetime.date | None = None) -> dict[str, Any]:
    """The member's level, and each requirement of the next level with numbers (for the page
    and the API). At level 3 it shows what keeps the level."""
    today = today or timezone.localdate()
    level = recompute(user, group, today)
    counts = activity(group, today, [user.pk]).get(user.pk, Activity())
    totals = window_totals(group, today)
    rules = rules_of(group)
    target = REGULAR if level == REGULAR else level + 1
    rows = requirements(rules[target], counts, totals) if target in rules else []
    return {
        "level": level,
        "name": str(LEVEL_NAMES[level]),
        "next_level": target if target in rules and target != level else None,
        "requirements": rows,
        "silenced_until": silenced_until(user, group),
    }


def silenced_until(user: Any, group: Group) -> datetime.datetime | None:
    """When the member's silence in the group ends (None: not silenced)."""
    until = (
        Trust.objects.filter(group=group, user=user, silenced_until__gt=timezone.now())
        .values_list("silenced_until", flat=True)
        .first()
    )
    return until


@transaction.atomic
def set_level_by_hand(
    user: Any, group: Group, *, actor: Any, level: int | None, locked: bool = True
) -> Trust:
    """A moderator sets a member's level and keeps it (level 4 is only ever given this way);
    ``level=None`` unlocks it and lets activity decide again."""
    from cerchia.community.moderation import is_moderator

    if not group.rules.trust_levels:
        raise CommunityError(_("This group has no trust levels."))
    if not is_moderator(actor, group):
        raise PermissionDenied(_("Only the group's moderators may do this."))
    if not Membership.objects.active().filter(group=group, user=user).exists():
        raise CommunityError(_("Only members of the group have a trust level."))
    trust, _created = Trust.objects.get_or_create(group=group, user=user)
    if level is None:
        # Activity decides again, from scratch: levels 1 to 3 are earned back at once if met.
        trust.locked = False
        trust.level = NEW
        trust.regular_since = None
        trust.save(update_fields=["locked", "level", "regular_since", "updated_at"])
        record(actor, "community.trust.unlocked", trust)
        recompute(user, group)
        trust.refresh_from_db()
        return trust
    if level not in LEVEL_NAMES:
        raise CommunityError(_("A trust level goes from 0 to 4."))
    if level == REGULAR and trust.level != REGULAR:
        trust.regular_since = timezone.now()
    trust.level = level
    trust.locked = locked
    trust.save(update_fields=["level", "locked", "regular_since", "updated_at"])
    record(actor, "community.trust.set", trust, {"level": level, "locked": locked})
    return trust


def member_levels(group: Group, viewer: Any) -> list[dict[str, Any]]:
    """Every active member with their level, for the group's moderators; names as the viewer
    may see them (four queries whatever the number of members)."""
    members = list(
        Membership.objects.active()
        .filter(group=group)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "pk")
    )
    rows = {t.user_id: t for t in Trust.objects.filter(group=group)}
    reach = reach_map(viewer, [m.user_id for m in members])
    now = timezone.now()
    result = []
    for membership in members:
        row = rows.get(membership.user_id)
        level = (
            row.level
            if row is not None
            else (BASIC if membership.invited_by_id and group.rules.invitees_start_basic else NEW)
        )
        silenced = (
            row.silenced_until if row and row.silenced_until and row.silenced_until > now else None
        )
        result.append(
            {
                "user": membership.user,
                "name": visible_card(membership.user.profile, reach[membership.user_id]).get(
                    "display_name", ""
                ),
                "level": level,
                "level_name": str(LEVEL_NAMES[level]),
                "locked": bool(row and row.locked),
                "silenced_until": silenced,
            }
        )
    return result


def recompute_trust_levels(today: datetime.date) -> dict[str, int]:
    """For the daily job: every group with trust levels, a fixed number of queries each (level
    3 is measured over a moving window, so it can be lost without any new activity)."""
    groups = [
        g
        for g in Group.objects.filter(kind__in=_trust_kinds()).select_related("parent")
        if g.rules.trust_levels
    ]
    changed = sum(len(recompute_group(group, today)) for group in groups)
    return {"trust_groups": len(groups), "trust_levels_changed": changed}


def _trust_kinds() -> list[str]:
    return [kind for kind, rules in KIND_RULES.items() if rules.trust_levels]

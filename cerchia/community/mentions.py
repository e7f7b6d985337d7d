"""Member handles for @mentions on a group's board.

A member's handle is their display name made into a slug — "Maria Rossi" is ``@maria-rossi``,
"Niccolò D'Amico" is ``@niccolo-damico`` — when their name is visible to the group's members
(its visibility is "everyone" or "members of my groups"). Members who hide their name from the
group, or have none, are ``@member-<id>``, so a handle never reveals a hidden name. When two
members of the group would share a handle, each gets their id appended
(``@maria-rossi-41``). Handles are unique within a group and worked out when needed (one
query): they follow a renamed member.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.utils.text import slugify

from cerchia.accounts.privacy import Visibility
from cerchia.groups.models import Group, Membership

# "@" not preceded by a letter, digit or "@" (so e-mail addresses are no mentions), then
# letters, digits and inner hyphens.
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)", re.IGNORECASE)
NAMED_LEVELS = (Visibility.PUBLIC, Visibility.GROUPS)


@dataclass(frozen=True)
class Handles:
    by_handle: dict[str, int]
    by_user: dict[int, str]


def base_handle(display_name: str, user_id: int, level: str) -> str:
    slug = slugify(display_name.replace("'", "")) if level in NAMED_LEVELS else ""
    return slug or f"member-{user_id}"


def group_handles(group: Group) -> Handles:
    """The handles of the group's active members, both ways."""
    rows = [
        (membership.user_id, membership.user.profile)
        for membership in Membership.objects.active()
        .filter(group=group)
        .select_related("user__profile")
        .only("user_id", "user__profile__display_name", "user__profile__visibility")
    ]
    bases = {
        user_id: base_handle(profile.display_name, user_id, profile.level_of("display_name"))
        for user_id, profile in rows
    }
    shared = Counter(bases.values())
    by_user = {
        user_id: f"{base}-{user_id}" if shared[base] > 1 else base
        for user_id, base in bases.items()
    }
    return Handles(by_handle={h: u for u, h in by_user.items()}, by_user=by_user)


def mentioned_handles(body: str) -> list[str]:
    """The distinct handles written in ``body``, lowercased, in order."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(body):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def mentioned_users(group: Group, body: str) -> list[int]:
    """The members of ``group`` whose handle ``body`` mentions (unknown handles are text)."""
    handles = mentioned_handles(body)
    if not handles:
        return []
    known = group_handles(group).by_handle
    return [known[h] for h in handles if h in known]

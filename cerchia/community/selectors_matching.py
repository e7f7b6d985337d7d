"""Who is worth meeting, read from the database: a context's people (a group's active members,
or a meeting's registered and checked-in attendees), the viewer's links to them, and the
engine's suggestions with their reasons. A constant number of queries per page, whatever the
size of the context.

What the viewer may see of each person is ``reach_map``'s answer (shared groups, connections,
blocks) — the same rule as every profile page — handed to the engine as groups and
connections, so a hidden field never scores and never shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.accounts.models import Block, Connection, ConnectionRequest, Profile
from cerchia.accounts.privacy import RANK, Reach
from cerchia.accounts.selectors import reach_map, visible_card
from cerchia.community.matching import (
    DEFAULT_TOP,
    FIELDS,
    Links,
    Person,
    explain,
    prepare,
    suggest,
)
from cerchia.community.models import Dismissal
from cerchia.groups.access import access_group, rights_in
from cerchia.groups.models import Group, Membership
from cerchia.ledger.models import ClosedBusiness, Referral
from cerchia.meetings.access import access_meeting
from cerchia.meetings.models import Attendance, Meeting, Registration

MAX_TOP = 50
# The engine's group id standing for "shares a group with the viewer" (reach_map decides).
_SHARED = 1


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    card: dict[str, Any]  # what the viewer may see of the person
    score: int
    reasons: list[str]
    requested: bool  # the viewer's request to connect is waiting for an answer


def group_people(group: Group) -> list[int]:
    return list(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))


def meeting_people(meeting: Meeting) -> list[int]:
    """Registered (or checked-in) people with an account, and members recorded present."""
    registered = Registration.objects.filter(
        Q(status=Registration.Status.REGISTERED) | Q(checked_in_at__isnull=False),
        meeting=meeting,
        user__isnull=False,
    ).values_list("user_id", flat=True)
    present = Attendance.objects.filter(
        meeting=meeting, status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE]
    ).values_list("user_id", flat=True)
    return sorted({*registered, *present} - {None})


def access_group_matches(user: Any, key: int | str) -> Group:
    """A group whose matches ``user`` may see: its active members only (404 for anyone else,
    as if the page did not exist)."""
    group = access_group(user, key)
    if group.is_informal or not rights_in(user, group).active_member:
        raise Http404(_("No such page"))
    return group


def access_meeting_matches(user: Any, meeting_id: int) -> tuple[Meeting, list[int]]:
    """A meeting whose matches ``user`` may see — its attendees only — with its attendees."""
    meeting, _rights = access_meeting(user, meeting_id)
    people = meeting_people(meeting)
    if not getattr(user, "is_authenticated", False) or user.pk not in people:
        raise Http404(_("No such page"))
    return meeting, people


def _person(profile: Profile, reach: int) -> Person:
    profession = profile.profession
    return Person(
        user_id=profile.user_id,
        name=profile.display_name or "",
        profession=profession.pk if profession else None,
        profession_label=profession.name if profession else "",
        profession_names=(profession.name_en, profession.name_it) if profession else (),
        sphere=profession.sphere_id if profession else None,
        sphere_label=profession.sphere.name if profession else "",
        offers=tuple(str(t) for t in profile.offers or []),
        seeks=tuple(str(t) for t in profile.seeks or []),
        clients=tuple(str(t) for t in profile.clients or []),
        city=profile.city,
        latitude=float(profile.latitude) if profile.latitude is not None else None,
        longitude=float(profile.longitude) if profile.longitude is not None else None,
        levels=tuple(RANK[profile.level_of(f)] for f in FIELDS),
        groups=(_SHARED,) if reach >= Reach.GROUP_MEMBER else (),
    )


def suggestions_for(
    viewer: Any, people: Iterable[int], *, top: int = DEFAULT_TOP
) -> list[Suggestion]:
    """The best ``top`` people for ``viewer`` among ``people`` (the context's user ids), best
    first, each with the reason in words."""
    ids = list(people)
    if viewer.pk not in ids:
        return []
    profiles = list(
        Profile.objects.filter(user_id__in=ids, user__is_active=True).select_related(
            "profession__sphere", "user"
        )
    )
    found = [p.user_id for p in profiles]
    reach = reach_map(viewer, found)
    me = viewer.pk
    connections = [
        (me, o) for o in Connection.objects.filter(owner=viewer).values_list("other_id", flat=True)
    ]
    # Those who count me in see me closer: reach_map already says so; the engine hears it.
    connections += [(uid, me) for uid, r in reach.items() if r == Reach.CONNECTION]
    blocks = list(
        Block.objects.filter(Q(blocker=viewer) | Q(blocked=viewer)).values_list(
            "blocker_id", "blocked_id"
        )
    )
    dismissals = [
        (me, o) for o in Dismissal.objects.filter(user=viewer).values_list("other_id", flat=True)
    ]
    referrals = list(
        Referral.objects.filter(
            Q(giver=viewer) | Q(receiver=viewer), receiver__isnull=False
        ).values_list("giver_id", "receiver_id")
    )
    deals = list(
        ClosedBusiness.objects.filter(Q(giver=viewer) | Q(receiver=viewer)).values_list(
            "giver_id", "receiver_id"
        )
    )
    ctx = prepare(
        [_person(p, reach[p.user_id]) for p in profiles],
        Links(
            connections=connections,
            blocks=blocks,
            dismissals=dismissals,
            referrals=referrals,
            deals=deals,
        ),
    )
    if me not in ctx.index:
        return []
    row = ctx.index[me]
    best, scores = suggest(ctx, [row], k=max(1, min(top, MAX_TOP)))
    chosen = [int(j) for j in best[0] if j >= 0]
    requested = set(
        ConnectionRequest.objects.filter(
            sender=viewer,
            status=ConnectionRequest.Status.PENDING,
            recipient_id__in=[int(ctx.user_ids[j]) for j in chosen],
        ).values_list("recipient_id", flat=True)
    )
    by_id = {p.user_id: p for p in profiles}
    out = []
    for j, score in zip(chosen, scores[0], strict=False):
        uid = int(ctx.user_ids[j])
        out.append(
            Suggestion(
                user_id=uid,
                card=visible_card(by_id[uid], reach[uid]),
                score=int(score),
                reasons=explain(ctx, row, j).reasons,
                requested=uid in requested,
            )
        )
    return out

"""Reads that decide what a viewer may see of other people's business cards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.accounts.models import Block, Connection, Profile, User
from cerchia.accounts.privacy import PROFILE_FIELDS, RANK, Reach, can_see
from cerchia.lib.sql import id_in

# The viewer's links to each owner in one statement: 0 a connection (the owner counts the
# viewer among theirs), 1 a block (the owner blocked the viewer), 2 a group both are active in.
_LINKS_SQL = (
    "SELECT owner_id, 0 AS link FROM {connection} WHERE other_id = %s AND {owner_in} "
    "UNION ALL SELECT blocker_id, 1 FROM {block} WHERE blocked_id = %s AND {blocker_in} "
    "UNION ALL SELECT DISTINCT m.user_id, 2 FROM {membership} m WHERE m.status = %s "
    "AND {member_in} AND m.group_id IN ("
    "SELECT mine.group_id FROM {membership} mine WHERE mine.user_id = %s AND mine.status = %s)"
)


def links_sql(owner_in: str, blocker_in: str, member_in: str) -> str:
    """The statement of a viewer's links to some owners: rows of (owner_id, link) for
    ``reach_from_links``, its parameters from ``links_params``. Each ``*_in`` is a condition
    naming the owners on that column (``owner_id``, ``blocker_id``, ``m.user_id``): a list of
    ids (``id_in``), or a subquery of the statement the links are part of."""
    from cerchia.groups.models import Membership

    return _LINKS_SQL.format(
        connection=Connection._meta.db_table,
        block=Block._meta.db_table,
        membership=Membership._meta.db_table,
        owner_in=owner_in,
        blocker_in=blocker_in,
        member_in=member_in,
    )


def links_params(
    viewer: Any,
    owner_params: Iterable[Any] = (),
    blocker_params: Iterable[Any] = (),
    member_params: Iterable[Any] = (),
) -> list[Any]:
    """The parameters of ``links_sql`` for ``viewer``, with those of its three conditions."""
    from cerchia.groups.models import Membership

    active = Membership.Status.ACTIVE.value
    return [
        viewer.pk,
        *owner_params,
        viewer.pk,
        *blocker_params,
        active,
        *member_params,
        viewer.pk,
        active,
    ]


def reach_map(viewer: Any, owner_ids: Iterable[int]) -> dict[int, int]:
    """How close ``viewer`` is to each owner, in one query whatever the number of owners
    (it runs on most pages that show people, so it is one raw statement).

    An owner who blocked the viewer is as far as anyone: the viewer sees only their public
    fields, on every surface that asks here (pages, API, directory, exports)."""
    ids = list(owner_ids)
    if not getattr(viewer, "is_authenticated", False):
        return dict.fromkeys(ids, Reach.ANYONE)
    rows: list[tuple[int, int]] = []
    others = [owner_id for owner_id in ids if owner_id != viewer.pk]
    if others:
        owner_in, owner_params = id_in("owner_id", others)
        blocker_in, blocker_params = id_in("blocker_id", others)
        member_in, member_params = id_in("m.user_id", others)
        sql = links_sql(owner_in, blocker_in, member_in)
        params = links_params(viewer, owner_params, blocker_params, member_params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return reach_from_links(viewer, ids, rows)


def reach_from_links(
    viewer: Any, owner_ids: Iterable[int], rows: Iterable[tuple[int, int]]
) -> dict[int, int]:
    """``reach_map``'s answer from the (owner_id, link) rows of ``links_sql``."""
    ids = list(owner_ids)
    if not getattr(viewer, "is_authenticated", False):
        return dict.fromkeys(ids, Reach.ANYONE)
    links: dict[int, set[int]] = {}
    for owner_id, link in rows:
        links.setdefault(owner_id, set()).add(link)
    reach: dict[int, int] = {}
    for owner_id in ids:
        found = links.get(owner_id, set())
        if owner_id == viewer.pk:
            reach[owner_id] = Reach.SELF
        elif 1 in found:
            reach[owner_id] = Reach.ANYONE
        elif 0 in found:
            reach[owner_id] = Reach.CONNECTION
        elif 2 in found:
            reach[owner_id] = Reach.GROUP_MEMBER
        else:
            reach[owner_id] = Reach.ANYONE
    return reach


def reach_of(viewer: Any, owner: User) -> int:
    return reach_map(viewer, [owner.pk])[owner.pk]


def visible_card(profile: Profile, reach: int) -> dict[str, Any]:
    """The fields of ``profile`` a viewer with ``reach`` may see; hidden fields are absent."""
    card: dict[str, Any] = {"id": profile.user_id}
    values: dict[str, Any] = {
        "display_name": profile.display_name,
        "company": profile.company,
        "profession": profile.profession,
        "bio": profile.bio,
        "offers": list(profile.offers or []),
        "seeks": list(profile.seeks or []),
        "clients": list(profile.clients or []),
        "location": {"city": profile.city, "region": profile.region, "country": profile.country},
        "coordinates": (
            {"latitude": profile.latitude, "longitude": profile.longitude}
            if profile.latitude is not None and profile.longitude is not None
            else None
        ),
        "clientele_scope": profile.clientele_scope,
        "company_size": profile.company_size,
        "website": profile.website,
        "phone": profile.phone,
        "email": profile.user.email,
    }
    for field in PROFILE_FIELDS:
        if can_see(profile.level_of(field), reach):
            card[field] = values[field]
    return card


def card_for(viewer: Any, user_id: int) -> tuple[Profile, dict[str, Any]]:
    """A person's card as ``viewer`` may see it. Missing, deactivated, and hidden (the viewer
    may not even see the name) all raise the same 404, so nobody learns who exists."""
    profile = (
        Profile.objects.select_related("user", "profession__sphere")
        .filter(user_id=user_id, user__is_active=True)
        .first()
    )
    card = visible_card(profile, reach_of(viewer, profile.user)) if profile else {}
    if profile is None or "display_name" not in card:
        raise Http404(_("No such person"))
    return profile, card


def _level_is(field: str, level: str, *, prefix: str = "") -> Q:
    default = PROFILE_FIELDS[field]
    explicit = Q(**{f"{prefix}visibility__{field}": level})
    if level == default:
        return explicit | ~Q(**{f"{prefix}visibility__has_key": field})
    return explicit


def field_visible_at(field: str, reach: int, *, prefix: str = "") -> Q:
    """Profiles whose ``field`` a viewer with ``reach`` may see, as a filter (``prefix`` leads
    from the queried model to the profile, e.g. ``user__profile__``)."""
    visible = Q(pk__in=[])
    for level, rank in RANK.items():
        if rank <= reach:
            visible |= _level_is(field, level, prefix=prefix)
    return visible


def profiles_for_directory(viewer: Any, *, query: str = "") -> QuerySet[Profile]:
    """Profiles whose name the viewer may see: public names, co-members', connections', own.

    Search looks at names only, so a hidden field can never be probed by searching for it.
    """
    from cerchia.groups.models import Membership

    my_groups = Membership.objects.active().filter(user=viewer).values("group_id")
    co_members = Membership.objects.active().filter(group_id__in=my_groups).values("user_id")
    connected_to_me = Connection.objects.filter(other=viewer).values("owner_id")
    blocked_me = Block.objects.filter(blocked=viewer).values("blocker_id")
    close = (Q(user_id__in=co_members) | Q(user_id__in=connected_to_me)) & ~Q(
        user_id__in=blocked_me
    )
    qs = (
        Profile.objects.select_related("user", "profession__sphere")
        .filter(user__is_active=True)
        .filter(
            _level_is("display_name", "public")
            | (_level_is("display_name", "groups") & close)
            | (
                _level_is("display_name", "connections")
                & Q(user_id__in=connected_to_me)
                & ~Q(user_id__in=blocked_me)
            )
            | Q(user=viewer)
        )
    )
    if query:
        qs = qs.filter(display_name__icontains=query)
    return qs.order_by("display_name", "user_id")

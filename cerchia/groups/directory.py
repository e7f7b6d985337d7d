"""A group's member directory: active members with the good-standing badge, as a viewer may see
them. Enhanced listings (by tier) come first and show more of the card; lapsed members leave the
directory, or stay without the badge where the group's rules say so."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from cerchia.accounts.models import Block, Connection
from cerchia.accounts.privacy import Reach
from cerchia.accounts.selectors import field_visible_at, reach_map, visible_card
from cerchia.dues.models import Invoice, Tier
from cerchia.dues.selectors import with_good_standing
from cerchia.groups.access import Rights
from cerchia.groups.models import Group, Membership
from cerchia.groups.selectors import filter_members, member_rows

# What a basic listing shows of a card; an enhanced one shows every field the viewer may see.
BASIC_FIELDS = ("display_name", "profession", "location")


def lapsed_q(group: Group, today: datetime.date) -> Q:
    """Active members who lapsed: paid-up term over beyond the grace days, or an invoice unpaid
    beyond the grace days (``Membership.standing_on`` says lapsed, or something is overdue)."""
    grace = group.rules.grace_days
    overdue = Invoice.objects.overdue_beyond(today, grace).filter(membership=OuterRef("pk"))
    expired = Q(tier__isnull=False, expires_on__lt=today - datetime.timedelta(days=grace))
    return expired | Q(Exists(overdue))


def name_visible_q(viewer: Any, *, prefix: str = "user__profile__") -> Q:
    """Rows whose owner's name ``viewer`` may see — the same answer ``reach_map`` and
    ``visible_card`` give, in SQL: public names, co-members' and connections' names, one's own."""
    visible = field_visible_at("display_name", Reach.ANYONE, prefix=prefix)
    if not getattr(viewer, "is_authenticated", False):
        return visible
    my_groups = Membership.objects.active().filter(user=viewer).values("group_id")
    co_members = Membership.objects.active().filter(group_id__in=my_groups).values("user_id")
    connected_to_me = Connection.objects.filter(other=viewer).values("owner_id")
    # Whoever blocked the viewer shows them only public fields.
    not_blocking = ~Q(user_id__in=Block.objects.filter(blocked=viewer).values("blocker_id"))
    return (
        visible
        | (
            field_visible_at("display_name", Reach.GROUP_MEMBER, prefix=prefix)
            & (Q(user_id__in=co_members) | Q(user_id__in=connected_to_me))
            & not_blocking
        )
        | (
            field_visible_at("display_name", Reach.CONNECTION, prefix=prefix)
            & Q(user_id__in=connected_to_me)
            & not_blocking
        )
        | Q(user=viewer)
    )


def directory_rows(
    viewer: Any,
    group: Group,
    rights: Rights,
    *,
    profession: str = "",
    sphere: str = "",
    place: str = "",
    query: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Membership]:
    """Active members of ``group`` listed in its directory for ``viewer``, enhanced listings
    first, then by name; each annotated with ``good_standing`` and ``listing``. Empty for anyone
    who may not see the members.

    Only people whose name the viewer may see are listed; the filters match only fields the
    viewer may see and the search looks at names only, so nothing hidden can be probed."""
    today = today or timezone.localdate()
    qs = filter_members(
        member_rows(viewer, group, rights=rights),
        rights,
        profession=profession,
        sphere=sphere,
        place=place,
    ).filter(name_visible_q(viewer))
    if not group.rules.lapsed_stay_listed:
        qs = qs.exclude(lapsed_q(group, today))
    if query:
        qs = qs.filter(user__profile__display_name__icontains=query)
    # An enhanced listing is a benefit of a paid-up tier: it ends with good standing.
    return (
        with_good_standing(qs, group, today)
        .annotate(
            listing=Case(
                When(
                    good_standing=True, tier__listing=Tier.Listing.ENHANCED, then=Value("enhanced")
                ),
                default=Value("basic"),
            ),
            listing_rank=Case(
                When(listing="enhanced", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("listing_rank", "user__profile__display_name", "pk")
    )


def _place(location: dict[str, str]) -> str:
    return ", ".join(
        part for part in (location["city"], location["region"], location["country"]) if part
    )


def directory_entries(viewer: Any, memberships: list[Membership]) -> list[dict[str, Any]]:
    """One entry per row of ``directory_rows``: the card as the viewer may see it, cut to what
    the listing shows (hidden fields absent), with the badge, category and listing. Two
    queries in all, whatever the number of rows."""
    reach = reach_map(viewer, [m.user_id for m in memberships])
    entries = []
    for membership in memberships:
        card = visible_card(membership.user.profile, reach[membership.user_id])
        listing: str = membership.listing  # type: ignore[attr-defined]
        shown = {
            field: value
            for field, value in card.items()
            if field != "id" and (listing == "enhanced" or field in BASIC_FIELDS)
        }
        location = shown.pop("location", None)
        if location and _place(location):
            shown["place"] = _place(location)
        entries.append(
            {
                **shown,
                "user_id": membership.user_id,
                "display_name": card.get("display_name", ""),
                "in_good_standing": bool(membership.good_standing),  # type: ignore[attr-defined]
                "category": membership.category,
                "associate": membership.category == Membership.Category.ASSOCIATE,
                "listing": listing,
            }
        )
    return entries

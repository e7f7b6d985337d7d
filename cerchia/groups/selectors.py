"""Reads about groups that span models: member lists as a viewer may see them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cerchia.accounts.models import Block, ContactSphere, Profession
from cerchia.accounts.privacy import Reach
from cerchia.accounts.selectors import field_visible_at, reach_map, visible_card
from cerchia.groups.access import Rights, rights_in
from cerchia.groups.models import (
    AWAITING_STATUSES,
    GONE_STATUSES,
    MANAGER_ROLES,
    REVIEWER_ROLES,
    Group,
    JobPost,
    Membership,
    Mentoring,
    MentoringPreference,
)


def directory(viewer: Any, *, kind: str = "", query: str = "") -> QuerySet[Group]:
    """Listed groups the viewer may open, with their active member count."""
    qs = (
        Group.objects.visible_to(viewer)
        .listed()
        .select_related("parent")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status="active")))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(place__icontains=query))
    return qs.order_by("name")


def sections_of(viewer: Any, group: Group) -> QuerySet[Group]:
    """The sections and committees of ``group`` the viewer may see, with their active member
    count (one query)."""
    return (
        Group.objects.visible_to(viewer)
        .filter(parent=group)
        .exclude(unit="")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status="active")))
        .order_by("unit", "name", "pk")
    )


def filter_members(
    qs: QuerySet[Membership],
    rights: Rights,
    *,
    profession: str = "",
    sphere: str = "",
    place: str = "",
) -> QuerySet[Membership]:
    """Narrow a member list by profession, contact sphere or place — matching only fields the
    viewer may see, so a filter never reveals a hidden field. Fellow members see what members
    of the group see; others see public fields — administrators of an organisation too, in a
    chapter they are not members of (their cards show them no more)."""
    reach = Reach.GROUP_MEMBER if rights.active_member else Reach.ANYONE
    prefix = "user__profile__"

    def visible(field: str) -> Q:
        # Whoever blocked the viewer matches on public fields only.
        shown = field_visible_at(field, reach, prefix=prefix)
        if reach == Reach.ANYONE or rights.membership is None:
            return shown
        blockers = Block.objects.filter(blocked_id=rights.membership.user_id).values("blocker_id")
        return (shown & ~Q(user_id__in=blockers)) | field_visible_at(
            field, Reach.ANYONE, prefix=prefix
        )

    if profession:
        qs = qs.filter(visible("profession"), user__profile__profession__code=profession)
    if sphere:
        qs = qs.filter(visible("profession"), user__profile__profession__sphere__code=sphere)
    if place:
        qs = qs.filter(
            visible("location"),
            Q(user__profile__city__icontains=place) | Q(user__profile__region__icontains=place),
        )
    return qs


def member_rows(
    viewer: Any, group: Group, *, status: str = "active", rights: Rights | None = None
) -> QuerySet[Membership]:
    """Memberships of ``group`` the viewer may list: active ones for whoever may see members,
    requests, applications and invitations for reviewers only. Empty otherwise."""
    rights = rights or rights_in(viewer, group)
    qs = (
        Membership.objects.filter(group=group)
        .select_related("group__parent", "user__profile__profession__sphere")
        .order_by("user__profile__display_name", "pk")
    )
    if status == "active":
        return qs.filter(status="active") if rights.sees_members else qs.none()
    if status in ("requested", "applied", "invited") and rights.reviewer:
        return qs.filter(status=status)
    if status == "awaiting" and rights.reviewer:  # requests and applications together
        return (
            qs.filter(status__in=AWAITING_STATUSES)
            .select_related("sponsor__profile")
            .prefetch_related("objections__member__profile", "evidence")
        )
    return qs.none()


def member_cards(viewer: Any, memberships: list[Membership]) -> list[dict[str, Any]]:
    """Each member's card filtered for the viewer, with role and status (2 queries in all)."""
    reach = reach_map(viewer, [m.user_id for m in memberships])
    rows = []
    for membership in memberships:
        card = visible_card(membership.user.profile, reach[membership.user_id])
        rows.append({"membership": membership, "card": card})
    return rows


def open_seats(group: Group) -> list[tuple[ContactSphere, list[Profession]]]:
    """The professions nobody holds in a group that seats one member per profession, by
    contact sphere, so members know whom to invite. Empty where the group has no seats."""
    if not group.rules.one_seat_per_profession:
        return []
    taken = Membership.objects.filter(
        group=group, status="active", seat_profession__isnull=False
    ).values("seat_profession_id")
    free = (
        Profession.objects.exclude(pk__in=taken)
        .select_related("sphere")
        .order_by("sphere__code", "code")
    )
    by_sphere: dict[int, tuple[ContactSphere, list[Profession]]] = {}
    for profession in free:
        by_sphere.setdefault(profession.sphere_id, (profession.sphere, []))[1].append(profession)
    return list(by_sphere.values())


def applications_open_to_objection(group: Group) -> QuerySet[Membership]:
    """Applications whose objection window is still open, oldest first."""
    days = group.rules.objection_window_days
    if not days:
        return Membership.objects.none()
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        Membership.objects.filter(group=group, status="applied", applied_at__gt=since)
        .select_related("group__parent", "user__profile__profession__sphere", "sponsor__profile")
        .order_by("applied_at")
    )


def open_jobs(group: Group, rights: Rights) -> QuerySet[JobPost]:
    """The jobs board as this person may see it: members see every open post, others the
    public ones where the group allows public posts. Empty where the group has no board."""
    rules = group.rules
    if not rules.jobs_board:
        return JobPost.objects.none()
    jobs = JobPost.objects.filter(group=group).open_on(timezone.localdate())
    if not (rights.active_member or rights.manager):
        jobs = jobs.filter(public=True) if rules.jobs_public else jobs.none()
    return jobs.select_related("author__profile").order_by("-created_at")


def mentors_in(group: Group) -> list[dict[str, Any]]:
    """Active members who offer mentoring, with their topics and the room they have left."""
    if not group.rules.mentoring:
        return []
    active = Membership.objects.filter(group=group, status="active").values("user_id")
    mentors = (
        MentoringPreference.objects.filter(group=group, as_mentor=True, user_id__in=active)
        .select_related("user__profile__profession")
        .annotate(
            mentees=Count(
                "user__mentorings_as_mentor",
                filter=Q(
                    user__mentorings_as_mentor__group=group,
                    user__mentorings_as_mentor__status="active",
                ),
            )
        )
        .order_by("user__profile__display_name")
    )
    cap = group.rules.mentee_cap
    return [{"preference": m, "room": max(cap - m.mentees, 0)} for m in mentors]


def my_mentorings(group: Group, user: Any) -> QuerySet[Mentoring]:
    return (
        Mentoring.objects.filter(Q(mentor=user) | Q(mentee=user), group=group)
        .select_related("mentor__profile", "mentee__profile")
        .order_by("-created_at")
    )


def groups_run_by(user: Any) -> QuerySet[Group]:
    """Listed groups this person administers: where they may hang new groups."""
    return (
        Group.objects.listed()
        .filter(
            memberships__user=user,
            memberships__status="active",
            memberships__role__in=MANAGER_ROLES,
        )
        .distinct()
    )


def my_memberships(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .exclude(status__in=GONE_STATUSES)
        .select_related("group", "group__parent")
        .order_by("group__name")
    )


def pending_for_reviewer(user: Any) -> QuerySet[Membership]:
    """Requests and applications waiting in the groups this person reviews."""
    reviewing = Membership.objects.filter(
        user=user,
        status="active",
        role__in=REVIEWER_ROLES,
    ).values("group_id")
    return (
        Membership.objects.filter(
            Q(group_id__in=reviewing) | Q(group__parent_id__in=reviewing),
            status__in=AWAITING_STATUSES,
        )
        .select_related("group", "user__profile")
        .order_by("created_at")
    )

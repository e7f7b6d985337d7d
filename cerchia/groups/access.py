"""Who may open and who may run a group. Each helper returns the object or raises 404/403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.groups.kinds import GroupVisibility
from cerchia.groups.models import (
    GONE_STATUSES,
    MANAGER_ROLES,
    MAX_DEPTH,
    TREASURER_ROLES,
    ApplicationEvidence,
    Group,
    Membership,
)


@dataclass(frozen=True)
class Rights:
    """What one person may do in one group, worked out once per request."""

    group: Group
    membership: Membership | None
    manager: bool

    @property
    def active_member(self) -> bool:
        return self.membership is not None and self.membership.is_active

    @property
    def reviewer(self) -> bool:
        return self.manager or (self.membership is not None and self.membership.can_review)

    @property
    def treasurer(self) -> bool:
        """Sees dues and invoices of everyone in the group and records payments."""
        return self.manager or (
            self.membership is not None
            and self.membership.is_active
            and self.membership.role in TREASURER_ROLES
        )

    @property
    def sees_members(self) -> bool:
        """Public groups show their members (each card filtered); otherwise members only."""
        return self.group.visibility == "public" or self.active_member or self.manager


def _lineage(group: Group) -> list[int]:
    ids: list[int] = []
    node: Group | None = group
    while node is not None and len(ids) < MAX_DEPTH:
        ids.append(node.pk)
        node = node.parent
    return ids


def rights_in(user: Any, group: Group) -> Rights:
    """The person's membership of ``group`` and whether they run it or any group above it
    (organisation administrators run their chapters): one query."""
    if not getattr(user, "is_authenticated", False):
        return Rights(group=group, membership=None, manager=False)
    if group.is_informal:
        return Rights(group=group, membership=None, manager=group.owner_id == user.pk)
    rows = list(Membership.objects.filter(group_id__in=_lineage(group), user=user))
    own = next((m for m in rows if m.group_id == group.pk), None)
    manager = any(m.is_active and m.role in MANAGER_ROLES for m in rows)
    return Rights(group=group, membership=own, manager=manager)


def membership_of(user: Any, group: Group) -> Membership | None:
    return rights_in(user, group).membership


def can_manage(user: Any, group: Group) -> bool:
    return rights_in(user, group).manager


def can_review(user: Any, group: Group) -> bool:
    return rights_in(user, group).reviewer


def can_see_members(user: Any, group: Group) -> bool:
    return rights_in(user, group).sees_members


def can_see_group(user: Any, group: Group) -> bool:
    """Whether ``user`` may open ``group`` — ``Group.objects.visible_to`` for one group,
    answered without a query where the group's visibility alone decides (most pages)."""
    authenticated = getattr(user, "is_authenticated", False)
    if group.is_informal:
        return authenticated and group.owner_id == user.pk
    if group.visibility == GroupVisibility.PUBLIC:
        return True
    if authenticated and group.visibility == GroupVisibility.MEMBERS:
        return True
    if not authenticated:
        return False
    return Group.objects.visible_to(user).filter(pk=group.pk).exists()


def access_group(user: Any, key: int | str, *, write: bool = False) -> Group:
    """The group with this id or slug if ``user`` may see it (404 otherwise); 403 on writes
    by someone who may see but not run it."""
    # Ids come as ints (the API), addresses as text (the pages): a slug may be all digits.
    lookup: dict[str, Any] = {"pk": key} if isinstance(key, int) else {"slug": key}
    group = Group.objects.select_related("parent").filter(**lookup).first()
    if group is None or not can_see_group(user, group):
        raise Http404(_("No such group"))
    if write and not can_manage(user, group):
        raise PermissionDenied(_("Only the group's administrators may do this"))
    return group


def access_application(user: Any, group: Group, membership_id: int) -> Membership:
    """An application to ``group`` that ``user``, an active member, may object to; 404 for
    anyone else, so applicants are not shown outside the group."""
    rights = rights_in(user, group)
    if not rights.active_member:
        raise Http404(_("No such membership"))
    membership = (
        Membership.objects.filter(group=group, pk=membership_id, status=Membership.Status.APPLIED)
        .select_related("group", "user")
        .first()
    )
    if membership is None:
        raise Http404(_("No such membership"))
    return membership


def access_mentoring(user: Any, key: int | str) -> Group:
    """A group whose mentoring ``user`` may use: 404 where the group has none (or cannot be
    seen), 403 for anyone but its active members."""
    group = access_group(user, key)
    if not group.rules.mentoring:
        raise Http404(_("This group has no mentoring."))
    if not rights_in(user, group).active_member:
        raise PermissionDenied(_("Mentoring is for members of this group."))
    return group


def access_member_directory(user: Any, key: int | str) -> Rights:
    """The person's rights in a group whose member directory they may open: 404 where the
    group cannot be seen or has no members, 403 where only its members see who is in it."""
    group = access_group(user, key)
    if not group.rules.accepts_members:
        raise Http404(_("This group has no member directory."))
    rights = rights_in(user, group)
    if not rights.sees_members:
        raise PermissionDenied(_("Only members see who is in this group."))
    return rights


def access_membership(
    user: Any, group: Group, membership_id: int, *, write: bool = False
) -> Membership:
    """A membership of ``group``: its own person may read it; reviewers may act on it."""
    membership = (
        Membership.objects.filter(group=group, pk=membership_id).select_related("user").first()
    )
    if membership is None:
        raise Http404(_("No such membership"))
    if membership.user_id == getattr(user, "pk", None) and not write:
        return membership
    if not can_review(user, group):
        raise PermissionDenied(_("Only the group's reviewers may do this"))
    return membership


def access_evidence_of(user: Any, group: Group, membership_id: int) -> Membership:
    """An application whose documents ``user`` may read: their own, or any in a group they
    review (membership committee, administrators, organisation administrators). 404 for
    everyone else — never 403 — so nobody learns that an application or a document exists."""
    membership = (
        Membership.objects.filter(group=group, pk=membership_id).select_related("group").first()
    )
    if membership is None or (
        membership.user_id != getattr(user, "pk", None) and not rights_in(user, group).reviewer
    ):
        raise Http404(_("No such document"))
    return membership


def access_evidence(
    user: Any, group: Group, membership_id: int, evidence_id: int
) -> ApplicationEvidence:
    """One document of an application, for those ``access_evidence_of`` lets read it."""
    membership = access_evidence_of(user, group, membership_id)
    evidence = ApplicationEvidence.objects.filter(membership=membership, pk=evidence_id).first()
    if evidence is None:
        raise Http404(_("No such document"))
    evidence.membership = membership
    return evidence


def access_own_evidence(user: Any, group: Group, evidence_id: int) -> ApplicationEvidence:
    """One of ``user``'s own documents on their application to ``group``; 404 otherwise."""
    evidence = (
        ApplicationEvidence.objects.filter(
            pk=evidence_id, membership__group=group, membership__user=user
        )
        .select_related("membership__group")
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if evidence is None:
        raise Http404(_("No such document"))
    return evidence


def access_retention(user: Any, key: int | str) -> Group:
    """A group whose retention reports ``user`` may read: its administrators and those of the
    groups above it. 404 where the group cannot be seen or has no members, 403 for others."""
    group = access_group(user, key)
    if not group.rules.accepts_members:
        raise Http404(_("This group has no members to report on."))
    if not can_manage(user, group):
        raise PermissionDenied(_("Only the group's administrators see its retention reports."))
    return group


def is_member(user: Any, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.status not in GONE_STATUSES

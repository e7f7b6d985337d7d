"""Who may open and who may run a group. Each helper returns the object or raises 404/403."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from cerchia.groups.models import GONE_STATUSES, MANAGER_ROLES, Group, Membership

MAX_DEPTH = 5  # organisation → region → chapter → subgroup is deeper than any real tree


def membership_of(user: Any, group: Group) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(group=group, user=user).first()


def can_manage(user: Any, group: Group) -> bool:
    """Managers of the group or of any group above it (organisation admins run chapters)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if group.is_informal:
        return group.owner_id == user.pk
    ids: list[int] = []
    node: Group | None = group
    while node is not None and len(ids) < MAX_DEPTH:
        ids.append(node.pk)
        node = node.parent
    return Membership.objects.filter(
        group_id__in=ids, user=user, status=Membership.Status.ACTIVE, role__in=MANAGER_ROLES
    ).exists()


def can_review(user: Any, group: Group) -> bool:
    if can_manage(user, group):
        return True
    membership = membership_of(user, group)
    return membership is not None and membership.can_review


def can_see_members(user: Any, group: Group) -> bool:
    """Public groups show their members (each card filtered); otherwise members only."""
    if group.visibility == "public":
        return True
    membership = membership_of(user, group)
    return (membership is not None and membership.is_active) or can_manage(user, group)


def access_group(user: Any, key: int | str, *, write: bool = False) -> Group:
    """The group with this id or slug if ``user`` may see it (404 otherwise); 403 on writes
    by someone who may see but not run it."""
    # Ids come as ints (the API), addresses as text (the pages): a slug may be all digits.
    lookup: dict[str, Any] = {"pk": key} if isinstance(key, int) else {"slug": key}
    group = Group.objects.visible_to(user).select_related("parent").filter(**lookup).first()
    if group is None:
        raise Http404("No such group")
    if write and not can_manage(user, group):
        raise PermissionDenied("Only the group's administrators may do this")
    return group


def access_membership(
    user: Any, group: Group, membership_id: int, *, write: bool = False
) -> Membership:
    """A membership of ``group``: its own person may read it; reviewers may act on it."""
    membership = (
        Membership.objects.filter(group=group, pk=membership_id).select_related("user").first()
    )
    if membership is None:
        raise Http404("No such membership")
    if membership.user_id == getattr(user, "pk", None) and not write:
        return membership
    if not can_review(user, group):
        raise PermissionDenied("Only the group's reviewers may do this")
    return membership


def is_member(user: Any, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.status not in GONE_STATUSES

"""Who may open a group's dues and its invoices. Each helper returns the object or raises."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.dues.models import Invoice, Tier
from cerchia.dues.selectors import invoices_for
from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group


def access_dues_group(user: Any, key: int | str, *, write: bool = False) -> Group:
    """A group that has members to charge, if ``user`` may see it (404 otherwise); with
    ``write``, 403 for anyone who does not run it (tiers are set by administrators)."""
    group = access_group(user, key, write=write)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no membership dues."))
    return group


def access_dues(user: Any, key: int | str) -> Rights:
    """The dues of a group: its active members see their own, its treasurer and
    administrators everyone's; 404 where the group cannot be seen, 403 for anyone else."""
    group = access_dues_group(user, key)
    rights = rights_in(user, group)
    if not (rights.treasurer or rights.active_member):
        raise PermissionDenied(_("Dues are for the members of this group."))
    return rights


def access_tier(user: Any, group_key: int | str, tier_id: int) -> Tier:
    """A tier of a group run by ``user``, to change it: 403 for others, 404 for a tier of
    another group."""
    group = access_dues_group(user, group_key, write=True)
    tier = Tier.objects.filter(group=group, pk=tier_id).select_related("group").first()
    if tier is None:
        raise Http404(_("No such tier"))
    return tier


def access_invoice(rights: Rights, invoice_id: int, *, write: bool = False) -> Invoice:
    """An invoice of ``rights.group`` as the person may see it: a member only their own
    (404 for anyone else's); only the treasurer and administrators act on one (403)."""
    invoice = invoices_for(rights).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404(_("No such invoice"))
    if write and not rights.treasurer:
        raise PermissionDenied(_("Only the group's treasurer or administrators may do this."))
    return invoice

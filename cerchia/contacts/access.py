"""Who may open a contact: its owner, and nobody else. Anyone else — a leader of the owner's
groups, a moderator, staff, a superuser — gets the same 404 as for an id that does not exist,
so nobody learns whose contact an id is or whether it exists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.contacts.models import Contact


def _owner_id(user: Any) -> int:
    """The signed-in person's id; 0 (nobody's) for anyone else, so the filter matches nothing."""
    return int(user.pk) if getattr(user, "is_authenticated", False) else 0


def owned_contacts(user: Any) -> QuerySet[Contact]:
    """``user``'s own contacts: where every read of contacts starts."""
    return Contact.objects.filter(owner_id=_owner_id(user))


def access_contact(user: Any, contact_id: int) -> Contact:
    contact = (
        owned_contacts(user)
        .filter(pk=contact_id)
        .select_related("introduced_by", "member__profile")
        .first()
    )
    if contact is None:
        raise Http404(_("No such contact"))
    return contact

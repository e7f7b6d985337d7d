"""Keeping contacts out of the pages administrators see.

Contacts are not registered in the admin, but Django's delete confirmation lists every object
a deletion cascades to by its ``str()`` — for a person's account, their contacts' names. The
account admin passes that list through ``hide_contacts``."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cerchia.contacts.models import Contact


def hide_contacts(deleted: list[Any]) -> list[Any]:
    """The admin's nested list of objects to delete (``[item, [its children], item, ...]``)
    with each contact shown without its name and without what hangs from it."""
    prefix = f"{capfirst(Contact._meta.verbose_name)}: "
    shown: list[Any] = []
    hiding_children = False
    for item in deleted:
        if isinstance(item, list):
            if not hiding_children:
                shown.append(hide_contacts(item))
            hiding_children = False
            continue
        hiding_children = str(item).startswith(prefix)
        shown.append(prefix + _("private") if hiding_children else item)
    return shown

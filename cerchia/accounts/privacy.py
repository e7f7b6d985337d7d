"""Visibility levels for profile fields, and who may see what.

Levels are ordered from widest to narrowest audience. A viewer's *reach* is the closest
relationship they have with the profile's owner; a field is shown when the reach is at least
as close as the field's level.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    GROUPS = "groups", _("Members of my groups")
    CONNECTIONS = "connections", _("My connections")
    PRIVATE = "private", _("Only me")


RANK: dict[str, int] = {
    Visibility.PUBLIC: 0,
    Visibility.GROUPS: 1,
    Visibility.CONNECTIONS: 2,
    Visibility.PRIVATE: 3,
}


class Reach(models.IntegerChoices):
    """How close a viewer is to a profile's owner."""

    ANYONE = 0
    GROUP_MEMBER = 1
    CONNECTION = 2
    SELF = 3


# The fields of the business card that carry a visibility level, with privacy-first defaults.
PROFILE_FIELDS: dict[str, str] = {
    "display_name": Visibility.PUBLIC,
    "company": Visibility.PUBLIC,
    "profession": Visibility.PUBLIC,
    "bio": Visibility.GROUPS,
    "offers": Visibility.GROUPS,
    "seeks": Visibility.GROUPS,
    "clients": Visibility.GROUPS,
    "location": Visibility.GROUPS,
    "coordinates": Visibility.PRIVATE,
    "clientele_scope": Visibility.GROUPS,
    "company_size": Visibility.GROUPS,
    "website": Visibility.PUBLIC,
    "phone": Visibility.PRIVATE,
    "email": Visibility.PRIVATE,
}

FIELD_LABELS: dict[str, StrOrPromise] = {
    "display_name": _("Name"),
    "company": _("Company"),
    "profession": _("Profession"),
    "bio": _("About"),
    "offers": _("What I offer"),
    "seeks": _("What I seek"),
    "clients": _("My clients"),
    "location": _("City, region and country"),
    "coordinates": _("Coordinates"),
    "clientele_scope": _("Clientele"),
    "company_size": _("Company size"),
    "website": _("Website"),
    "phone": _("Phone"),
    "email": _("Email"),
}


def can_see(level: str, reach: int) -> bool:
    return reach >= RANK[level]

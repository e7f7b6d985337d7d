"""Helpers for the stay-in-touch and introduction tests: frozen days, contacts on an
interval, a contact linked to a member, and the secrets that must not leak."""

from __future__ import annotations

import datetime
from typing import Any

from cerchia.accounts.models import User
from cerchia.contacts.models import Contact, Relationship
from cerchia.ledger.tests.people_helpers import on

__all__ = ["TODAY", "DAY", "on", "contact_of", "days_ago"]

# A Wednesday; every test runs "today" unless it moves the clock.
TODAY = datetime.date(2026, 6, 10)
DAY = datetime.timedelta(days=1)


def days_ago(n: int) -> datetime.date:
    return TODAY - n * DAY


def contact_of(owner: User, name: str, **fields: Any) -> Contact:
    """A contact with an email (introductions need one) and whatever else is given."""
    fields.setdefault("emails", [name.lower().replace(" ", ".") + "@example.net"])
    fields.setdefault("relationship", Relationship.FRIEND)
    return Contact.objects.create(owner=owner, name=name, **fields)

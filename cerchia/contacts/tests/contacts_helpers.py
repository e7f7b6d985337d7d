"""Helpers for the contacts pages, API and privacy tests: a few contacts with every field
filled, a crowd of them for the query counts, and the LinkedIn fixture."""

from __future__ import annotations

from pathlib import Path

from cerchia.accounts.models import User
from cerchia.contacts.models import Contact, Relationship

FIXTURES = Path(__file__).resolve().parents[2] / "demo" / "data" / "contacts"
LINKEDIN = FIXTURES / "Connections.csv"
# A name that appears nowhere else, to look for on every page and in every answer.
SECRET_NAME = "Zebulon Quillfeather"
SECRET_EMAIL = "zebulon.quillfeather@example.net"
SECRET_NOTE = "owes me a favour from the Modena fair"


def secret_contact(owner: User, **extra: object) -> Contact:
    """A contact with every field that could leak filled in."""
    fields: dict[str, object] = {
        "name": SECRET_NAME,
        "first_name": "Zebulon",
        "last_name": "Quillfeather",
        "emails": [SECRET_EMAIL],
        "phones": ["+390511234567"],
        "company": "Quillfeather Inks",
        "title": "Founder",
        "city": "Modena",
        "notes": SECRET_NOTE,
        "tags": ["ink", "printing"],
        "relationship": Relationship.CLIENT,
        "closeness": 4,
        "how_we_met": "the Modena fair",
    }
    fields.update(extra)
    return Contact.objects.create(owner=owner, **fields)


def many_contacts(owner: User, count: int) -> list[Contact]:
    """``count`` contacts, each introduced by the first one and tagged, in one insert."""
    first = Contact.objects.create(owner=owner, name="Aaron First", tags=["crowd"])
    rows = [
        Contact(
            owner=owner,
            name=f"Person {n:03d}",
            company=f"Company {n % 7}",
            emails=[f"person{n}@example.org"],
            tags=["crowd", f"t{n % 5}"],
            closeness=1 + n % 5,
            relationship=Relationship.values[n % len(Relationship.values)],
            introduced_by=first,
        )
        for n in range(count - 1)
    ]
    return [first, *Contact.objects.bulk_create(rows)]

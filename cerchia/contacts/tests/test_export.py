"""The vCard 4.0 export: RFC 6350 shape (CRLF, folding at 75 octets, escaping), read back by
an independent parser (vobject) and by our own importer with the same people."""

from __future__ import annotations

import datetime

import pytest
import vobject

from cerchia.conftest import Cast
from cerchia.contacts.exports import contact_uid, escape, export_vcard, fold
from cerchia.contacts.imports import import_contacts
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.tests.import_helpers import fixture

pytestmark = pytest.mark.django_db

TRICKY_NOTE = "Line one; with, commas\\ and a backslash\nline two — 🎉 " + "é" * 60


def tricky(owner: object, **extra: object) -> Contact:
    fields: dict[str, object] = {
        "name": "Zoë O'Brien-Dell'Acqua",
        "first_name": "Zoë",
        "last_name": "O'Brien-Dell'Acqua",
        "emails": ["zoe@example.org", "zoe.work@example.com"],
        "phones": ["+390511234567", "+393331234567"],
        "company": "Fiori; Piante, & Co.",
        "title": "Chef, Owner",
        "profile_url": "https://www.linkedin.com/in/zoe",
        "city": "Reggio nell'Emilia",
        "notes": TRICKY_NOTE,
        "tags": ["clienti", "wedding, fairs"],
        "relationship": Relationship.CLIENT,
        "closeness": 4,
        "connected_on": datetime.date(2022, 3, 4),
        "how_we_met": "the Modena fair; stand 12",
    }
    fields.update(extra)
    return Contact.objects.create(owner=owner, **fields)


def test_escape_and_fold() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("NOTE:" + "é" * 80)
    physical = folded.split("\r\n")[:-1]
    assert folded.endswith("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert all(line.startswith(" ") for line in physical[1:])
    assert "".join(line.removeprefix(" ") for line in physical) == "NOTE:" + "é" * 80


def test_export_is_crlf_folded_and_only_the_owners(cast: Cast) -> None:
    mine = tricky(cast.member)
    tricky(cast.outsider, name="Not Mine At All", emails=["other@example.org"])

    text = export_vcard(cast.member)

    assert text.endswith("END:VCARD\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert "Not Mine" not in text and "other@example.org" not in text
    assert text.count("BEGIN:VCARD") == 1
    assert f"UID:{contact_uid(mine)}\r\n" in text
    assert "VERSION:4.0\r\n" in text
    assert "ORG:Fiori\\; Piante\\, & Co.\r\n" in text


def test_uid_is_stable_per_contact(cast: Cast) -> None:
    first = tricky(cast.member)
    second = tricky(cast.member, name="Another", profile_url="")

    assert contact_uid(first) != contact_uid(second)
    assert export_vcard(cast.member) == export_vcard(cast.member)
    first.title = "Changed"
    first.save()
    assert f"UID:{contact_uid(first)}" in export_vcard(cast.member)


def test_vobject_reads_back_the_same_people(cast: Cast) -> None:
    import_contacts(cast.member, fmt="google", data=fixture("contacts.csv"))
    tricky(cast.member)
    expected = {c.name: c for c in Contact.objects.filter(owner=cast.member)}

    cards = list(vobject.readComponents(export_vcard(cast.member)))

    assert len(cards) == len(expected) == 31
    for card in cards:
        contact = expected[card.fn.value]
        assert card.version.value == "4.0"
        assert card.n.value.family == contact.last_name
        assert card.n.value.given == contact.first_name
        assert [e.value for e in card.contents.get("email", [])] == contact.emails
        assert [t.value for t in card.contents.get("tel", [])] == contact.phones
        org = card.contents.get("org")
        assert (org[0].value[0] if org else "") == contact.company
        title = card.contents.get("title")
        assert (title[0].value if title else "") == contact.title
    zoe = next(card for card in cards if card.fn.value.startswith("Zoë"))
    assert zoe.note.value == TRICKY_NOTE
    assert zoe.categories.value == ["clienti", "wedding, fairs"]
    assert zoe.contents["x-cerchia-closeness"][0].value == "4"


def test_our_importer_reads_the_export_back_unchanged(cast: Cast) -> None:
    original = tricky(cast.member)
    tricky(
        cast.member,
        name="Bare Name",
        first_name="",
        last_name="",
        emails=[],
        phones=[],
        company="",
        title="",
        profile_url="",
        city="",
        notes="",
        tags=[],
        connected_on=None,
        how_we_met="",
        relationship=Relationship.FRIEND,
        closeness=1,
    )
    exported = export_vcard(cast.member)

    result = import_contacts(cast.outsider, fmt="vcard", data=exported.encode("utf-8"))

    assert (result.imported, result.already_present) == (2, 0)
    fields = [
        "name",
        "first_name",
        "last_name",
        "emails",
        "phones",
        "company",
        "title",
        "profile_url",
        "city",
        "notes",
        "tags",
        "relationship",
        "closeness",
        "connected_on",
        "how_we_met",
    ]
    for contact in Contact.objects.filter(owner=cast.member):
        copy = Contact.objects.get(owner=cast.outsider, name=contact.name)
        assert [getattr(copy, f) for f in fields] == [getattr(contact, f) for f in fields]
    assert original.notes == TRICKY_NOTE
    # And importing the export into its own owner adds nobody.
    again = import_contacts(cast.member, fmt="vcard", data=exported.encode("utf-8"))
    assert (again.imported, again.already_present) == (0, 2)


def test_an_owner_without_contacts_exports_nothing(cast: Cast) -> None:
    tricky(cast.outsider)

    assert export_vcard(cast.member) == ""

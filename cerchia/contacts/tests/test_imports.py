"""Importing into a person's contacts: the shared fixtures with exact counts, idempotent
re-imports, the matching rules, and nobody else's contacts touched."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast
from cerchia.contacts import imports
from cerchia.contacts.errors import ImportFailed
from cerchia.contacts.imports import FORMATS, ImportResult, import_contacts
from cerchia.contacts.models import Contact, Relationship, Source
from cerchia.contacts.tests.import_helpers import fixture, linkedin_csv, person, vcard

pytestmark = pytest.mark.django_db

FIXTURE_FILES = [
    ("linkedin", "Connections.csv", 40),
    ("google", "contacts.csv", 30),
    ("vcard", "address-book-v3.vcf", 20),
    ("vcard", "contacts-v4.vcf", 12),
]


@pytest.mark.parametrize(("fmt", "name", "people"), FIXTURE_FILES)
def test_each_fixture_imports_every_person_once(
    cast: Cast, fmt: str, name: str, people: int
) -> None:
    result = import_contacts(cast.member, fmt=fmt, data=fixture(name))

    assert result == ImportResult(rows=people, imported=people, already_present=0, repeated=0)
    contacts = Contact.objects.filter(owner=cast.member)
    assert contacts.count() == people
    assert set(contacts.values_list("source", flat=True)) == {fmt}
    assert not Contact.objects.exclude(owner=cast.member).exists()


@pytest.mark.parametrize(("fmt", "name", "people"), FIXTURE_FILES)
def test_importing_a_fixture_again_adds_nobody(
    cast: Cast, fmt: str, name: str, people: int
) -> None:
    import_contacts(cast.member, fmt=fmt, data=fixture(name))
    before = list(Contact.objects.order_by("pk").values())

    again = import_contacts(cast.member, fmt=fmt, data=fixture(name))

    assert again == ImportResult(rows=people, imported=0, already_present=people, repeated=0)
    assert list(Contact.objects.order_by("pk").values()) == before


def test_linkedin_fixture_fields(cast: Cast) -> None:
    import_contacts(cast.member, fmt="linkedin", data=fixture("Connections.csv"))

    chiara = Contact.objects.get(owner=cast.member, name="Chiara Conti")
    assert (chiara.first_name, chiara.last_name) == ("Chiara", "Conti")
    assert chiara.company == "Catering Emilia"
    assert chiara.title == "Chef, Owner"  # a quoted value with a comma
    assert chiara.profile_url == "https://www.linkedin.com/in/chiara-conti-00002"
    assert chiara.connected_on == datetime.date(2019, 8, 6)
    assert chiara.emails == []
    assert chiara.source == Source.LINKEDIN
    assert chiara.relationship == Relationship.ACQUAINTANCE  # the model's default
    lukasz = Contact.objects.get(owner=cast.member, name="Łukasz Müller")
    assert lukasz.company == 'Wedding Planner "Sì"'  # doubled quotes inside quotes
    assert lukasz.emails == ["ukasz-mller.4@example.org"]
    assert Contact.objects.get(owner=cast.member, name="Beatrice Nguyễn").company == ""


def test_google_fixture_fields(cast: Cast) -> None:
    import_contacts(cast.member, fmt="google", data=fixture("contacts.csv"))

    wei = Contact.objects.get(owner=cast.member, name="Wei Okafor")
    assert wei.emails == ["contact0@example.com", "home0@example.net", "alt0@example.net"]
    assert wei.phones == ["+393777289105"]
    assert (wei.company, wei.title, wei.city) == ("Fiori & Co.", "CTO", "Imola")
    assert wei.notes == 'Conosciuto alla fiera, "molto disponibile"\nrichiamare a gennaio'
    assert wei.tags == ["family"]  # "* myContacts" dropped
    assert wei.relationship == Relationship.FAMILY
    assert wei.source == Source.GOOGLE
    chiara = Contact.objects.get(owner=cast.member, name="Chiara Costa")
    assert chiara.tags == []  # only the system label
    assert chiara.relationship == Relationship.ACQUAINTANCE


def test_vcard_fixture_fields(cast: Cast) -> None:
    import_contacts(cast.member, fmt="vcard", data=fixture("address-book-v3.vcf"))
    import_contacts(cast.member, fmt="vcard", data=fixture("contacts-v4.vcf"))

    anais = Contact.objects.get(owner=cast.member, name="Anaïs van der Berg")
    assert (anais.first_name, anais.last_name) == ("Anaïs", "van der Berg")
    assert anais.company == 'Wedding Planner "Sì"'  # first ORG component
    assert anais.title == "Chef, Owner"  # "Chef\, Owner" unescaped
    assert anais.emails == ["vcard2@example.it"]
    assert anais.phones == ["+393307288429"]
    assert anais.city == "Bologna"
    assert anais.tags == ["famiglia"]
    assert anais.relationship == Relationship.FAMILY
    priya = Contact.objects.get(owner=cast.member, name="Priya Dell'Acqua")
    assert priya.notes == "Vicino di casa; ci conosciamo da anni, molto affidabile"
    matteo = Contact.objects.get(owner=cast.member, name="Matteo Mancini")
    assert matteo.phones == ["+39051195589"]  # from "tel:+39-051-195589"
    assert matteo.relationship == Relationship.FRIEND  # RELATED;TYPE=friend
    assert matteo.notes.endswith("per i clienti del matrimonio.")  # three folded lines
    assert "matrimo nio" not in matteo.notes and "l avora" not in matteo.notes
    kinds = Contact.objects.filter(owner=cast.member, source=Source.VCARD)
    assert kinds.get(name="Beatrice Greco").relationship == Relationship.NEIGHBOUR
    assert kinds.get(name="Beatrice Nguyễn").relationship == Relationship.MET


def test_a_file_with_three_new_people_adds_exactly_three(cast: Cast) -> None:
    original = fixture("Connections.csv")
    import_contacts(cast.member, fmt="linkedin", data=original)
    rows = [person(n) for n in range(3)]
    extended = original + linkedin_csv(rows, preamble=False).split(b"\r\n", 1)[1]

    result = import_contacts(cast.member, fmt="linkedin", data=extended)

    assert (result.rows, result.imported, result.already_present) == (43, 3, 40)
    assert Contact.objects.filter(owner=cast.member).count() == 43
    assert set(
        Contact.objects.filter(owner=cast.member, name__startswith="Person").values_list(
            "name", flat=True
        )
    ) == {"Person0 Tester", "Person1 Tester", "Person2 Tester"}


def test_matches_by_profile_address_ignoring_host_case_slash_and_query(cast: Cast) -> None:
    kept = Contact.objects.create(
        owner=cast.member,
        name="Someone Else Entirely",
        profile_url="https://WWW.LinkedIn.com/in/person-1/?trk=abc",
    )
    data = linkedin_csv([person(1)])

    result = import_contacts(cast.member, fmt="linkedin", data=data)

    assert (result.imported, result.already_present) == (0, 1)
    assert list(Contact.objects.filter(owner=cast.member)) == [kept]


def test_matches_by_any_email_case_insensitively(cast: Cast) -> None:
    Contact.objects.create(
        owner=cast.member, name="Ada L.", emails=["other@example.org", "Ada@Example.ORG"]
    )
    data = linkedin_csv([person(1, **{"Email Address": "ada@example.org", "URL": ""})])

    result = import_contacts(cast.member, fmt="linkedin", data=data)

    assert (result.imported, result.already_present) == (0, 1)


def test_matches_by_name_and_company_casefolded_and_collapsed(cast: Cast) -> None:
    Contact.objects.create(owner=cast.member, name="person1   TESTER", company=" acme ")
    data = linkedin_csv([person(1, URL="")])

    result = import_contacts(cast.member, fmt="linkedin", data=data)

    assert (result.imported, result.already_present) == (0, 1)


def test_same_name_and_company_but_different_profiles_are_two_people(cast: Cast) -> None:
    Contact.objects.create(
        owner=cast.member,
        name="Person1 Tester",
        company="Acme",
        profile_url="https://www.linkedin.com/in/someone-else",
    )

    result = import_contacts(cast.member, fmt="linkedin", data=linkedin_csv([person(1)]))

    assert (result.imported, result.already_present) == (1, 0)


def test_same_name_at_another_company_is_someone_else(cast: Cast) -> None:
    Contact.objects.create(owner=cast.member, name="Person1 Tester", company="Other Co")

    result = import_contacts(cast.member, fmt="linkedin", data=linkedin_csv([person(1, URL="")]))

    assert (result.imported, result.already_present) == (1, 0)


def test_duplicates_inside_one_file_count_once(cast: Cast) -> None:
    rows = [
        person(1),
        person(2, **{"Email Address": "two@example.org"}),
        person(1, **{"First Name": "Renamed"}),  # same profile address
        person(3, URL="", **{"Email Address": "TWO@example.org"}),  # same email as #2
        person(4, URL=""),
        person(4, URL=""),  # same name and company
    ]

    result = import_contacts(cast.member, fmt="linkedin", data=linkedin_csv(rows))

    assert result == ImportResult(rows=6, imported=3, already_present=0, repeated=3)
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "Person1 Tester",
        "Person2 Tester",
        "Person4 Tester",
    ]


def test_an_existing_contact_is_not_overwritten_nor_filled_in(cast: Cast) -> None:
    existing = Contact.objects.create(
        owner=cast.member,
        name="Person1 Tester",
        profile_url="https://www.linkedin.com/in/person-1",
        company="",
        title="",
        notes="my own note",
        relationship=Relationship.CLIENT,
        closeness=5,
    )
    before = Contact.objects.filter(pk=existing.pk).values().get()

    import_contacts(cast.member, fmt="linkedin", data=linkedin_csv([person(1)]))

    assert Contact.objects.filter(pk=existing.pk).values().get() == before


def test_another_users_contacts_are_never_matched_nor_changed(cast: Cast) -> None:
    theirs = Contact.objects.create(
        owner=cast.outsider,
        name="Person1 Tester",
        company="Acme",
        profile_url="https://www.linkedin.com/in/person-1",
        emails=["p1@example.org"],
    )
    before = Contact.objects.filter(pk=theirs.pk).values().get()
    data = linkedin_csv([person(1, **{"Email Address": "p1@example.org"})])

    result = import_contacts(cast.member, fmt="linkedin", data=data)

    assert (result.imported, result.already_present) == (1, 0)
    assert Contact.objects.filter(owner=cast.member).count() == 1
    assert Contact.objects.filter(owner=cast.outsider).count() == 1
    assert Contact.objects.filter(pk=theirs.pk).values().get() == before


def test_progress_reports_each_batch_and_the_end(cast: Cast, monkeypatch: Any) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    calls: list[tuple[int, int]] = []
    rows = [person(n) for n in range(25)]

    import_contacts(
        cast.member,
        fmt="linkedin",
        data=linkedin_csv(rows),
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls == [(10, 25), (20, 25), (25, 25)]
    assert Contact.objects.filter(owner=cast.member).count() == 25


def test_an_import_reads_existing_contacts_in_one_query(cast: Cast, monkeypatch: Any) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 100)
    for n in range(50):
        Contact.objects.create(owner=cast.member, name=f"Old {n}", emails=[f"old{n}@example.org"])
    rows = [person(n) for n in range(150)]

    with CaptureQueriesContext(connection) as queries:
        result = import_contacts(cast.member, fmt="linkedin", data=linkedin_csv(rows))

    assert result.imported == 150
    statements = [query["sql"] for query in queries.captured_queries]
    # (On PostgreSQL the read is a server-side cursor: DECLARE ... CURSOR FOR SELECT.)
    reads = [sql for sql in statements if 'FROM "contacts_contact"' in sql]
    inserts = [sql for sql in statements if sql.startswith("INSERT") and "contacts_contact" in sql]
    assert len(reads) == 1
    # Batches of BATCH_SIZE rows (SQLite splits them further by its parameter limit).
    assert len(inserts) == 2 if connection.vendor == "postgresql" else len(inserts) >= 2
    others = [sql for sql in statements if "contacts_contact" not in sql]
    assert len(others) <= 6  # profile, lock, audit entry, savepoints


def test_an_import_leaves_an_audit_entry_without_personal_data(cast: Cast) -> None:
    import_contacts(cast.member, fmt="linkedin", data=fixture("Connections.csv"))

    entry = AuditEntry.objects.get(action="contacts.imported")
    assert entry.actor == cast.member
    assert entry.data == {"format": "linkedin", "rows": 40, "imported": 40, "already_present": 0}


def test_an_unknown_format_is_refused(cast: Cast) -> None:
    with pytest.raises(ImportFailed, match="Unknown format 'outlook'"):
        import_contacts(cast.member, fmt="outlook", data=fixture("Connections.csv"))
    assert not Contact.objects.exists()
    assert FORMATS == ("linkedin", "google", "vcard")


def test_vcard_import_then_the_same_people_from_linkedin_match_by_profile(cast: Cast) -> None:
    card = [
        "VERSION:4.0",
        "FN:Person1 Tester",
        "URL:https://www.linkedin.com/in/person-1/",
    ]
    import_contacts(cast.member, fmt="vcard", data=vcard(card))

    result = import_contacts(cast.member, fmt="linkedin", data=linkedin_csv([person(1)]))

    assert (result.imported, result.already_present) == (0, 1)
    assert Contact.objects.get().source == Source.VCARD

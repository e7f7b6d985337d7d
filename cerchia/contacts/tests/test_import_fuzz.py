"""Property tests: the parsers never fail with anything but ImportFailed, whatever the bytes;
people written by an independent writer (the csv module, vobject) come back field for field;
and a generated file imports exactly its people, once."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cerchia.conftest import Cast
from cerchia.contacts.errors import ImportFailed
from cerchia.contacts.importers import PARSERS, collapse
from cerchia.contacts.imports import import_contacts
from cerchia.contacts.models import Contact
from cerchia.contacts.tests.import_helpers import LINKEDIN_HEADER, LINKEDIN_PREAMBLE, fixture

# database=None: no example database written into the checkout.
FUZZ = settings(deadline=None, max_examples=50, database=None)
DB_FUZZ = settings(
    deadline=None,
    database=None,
    max_examples=10,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Printable text of any script (no control characters or surrogates), as people type it.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), max_size=40)
name_part = text.filter(lambda value: collapse(value) != "")
emails = st.builds(
    "{}{}@{}".format,
    st.sampled_from(["ada", "bob.smith", "zoe_x", "o'neil"]),
    st.integers(0, 10_000),
    st.sampled_from(["example.org", "mail.example.it", "EXAMPLE.com"]),
)
slugs = st.text(alphabet="abcxyz0189-_%", min_size=1, max_size=15)
tags = st.lists(
    st.sampled_from(["amici", "Clienti", "board games", " Chess ", "a,b", "x;y"]), max_size=4
)


@dataclass
class Person:
    first: str
    last: str
    company: str
    title: str
    email: str
    slug: str
    connected: datetime.date
    note: str
    tags: list[str]


people = st.lists(
    st.builds(
        Person,
        first=name_part,
        last=text,
        company=text,
        title=text,
        email=emails,
        slug=slugs,
        connected=st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)),
        note=text,
        tags=tags,
    ),
    min_size=1,
    max_size=5,
    unique_by=(lambda p: p.slug, lambda p: p.email),
)


def linkedin_file(persons: list[Person], *, preamble: bool, newline: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(LINKEDIN_HEADER)
    for p in persons:
        day = f"{p.connected.day:02d} {MONTHS[p.connected.month - 1]} {p.connected.year}"
        url = f"https://www.linkedin.com/in/{p.slug}"
        writer.writerow([p.first, p.last, url, p.email, p.company, p.title, day])
    head = LINKEDIN_PREAMBLE.replace("\r\n", newline) if preamble else ""
    return (head + out.getvalue()).encode("utf-8")


def vcard_file(persons: list[Person]) -> bytes:
    cards = []
    for p in persons:
        card = vobject.vCard()
        card.add("fn").value = f"{p.first} {p.last}"
        card.add("n").value = vobject.vcard.Name(family=p.last, given=p.first)
        card.add("email").value = p.email
        if p.company:
            card.add("org").value = [p.company]
        if p.title:
            card.add("title").value = p.title
        if p.note.strip():
            card.add("note").value = p.note
        if p.tags:
            card.add("categories").value = p.tags
        cards.append(card.serialize())
    return "".join(cards).encode("utf-8")


def expected_tags(values: list[str]) -> list[str]:
    kept: list[str] = []
    for value in values:
        tag = collapse(value).lower()
        if tag and tag not in kept:
            kept.append(tag)
    return kept


@FUZZ
@given(data=st.binary(max_size=600), fmt=st.sampled_from(sorted(PARSERS)))
def test_random_bytes_only_ever_fail_with_import_failed(data: bytes, fmt: str) -> None:
    try:
        rows = PARSERS[fmt](data)
    except ImportFailed as exc:
        assert exc.line is None or exc.line >= 1
    else:
        assert all(row.name for row in rows)


@FUZZ
@given(
    name=st.sampled_from(
        ["Connections.csv", "contacts.csv", "address-book-v3.vcf", "contacts-v4.vcf"]
    ),
    position=st.integers(min_value=0),
    junk=st.binary(min_size=1, max_size=20) | st.sampled_from([b'"', b",", b"\r\n ", b";", b":"]),
    fmt=st.sampled_from(sorted(PARSERS)),
)
def test_a_corrupted_fixture_only_ever_fails_with_import_failed(
    name: str, position: int, junk: bytes, fmt: str
) -> None:
    original = fixture(name)
    at = position % len(original)
    data = original[:at] + junk + original[at:]
    try:
        rows = PARSERS[fmt](data)
    except ImportFailed as exc:
        assert exc.line is None or 1 <= exc.line <= data.count(b"\n") + 1
    else:
        assert all(row.name for row in rows)


@FUZZ
@given(persons=people, preamble=st.booleans(), newline=st.sampled_from(["\r\n", "\n"]))
def test_people_round_trip_through_a_linkedin_csv(
    persons: list[Person], preamble: bool, newline: str
) -> None:
    rows = PARSERS["linkedin"](linkedin_file(persons, preamble=preamble, newline=newline))

    assert len(rows) == len(persons)
    for row, p in zip(rows, persons, strict=True):
        assert row.first_name == collapse(p.first)
        assert row.last_name == collapse(p.last)
        assert row.name == collapse(f"{p.first} {p.last}")
        assert (row.company, row.title) == (collapse(p.company), collapse(p.title))
        assert row.emails == [p.email]
        assert row.profile_url == f"https://www.linkedin.com/in/{p.slug}"
        assert row.connected_on == p.connected
    first_line = 5 if preamble else 2
    assert rows[0].line == first_line


@FUZZ
@given(persons=people)
def test_people_round_trip_through_vobjects_vcard(persons: list[Person]) -> None:
    rows = PARSERS["vcard"](vcard_file(persons))

    assert len(rows) == len(persons)
    for row, p in zip(rows, persons, strict=True):
        assert row.name == collapse(f"{p.first} {p.last}")
        assert (row.first_name, row.last_name) == (collapse(p.first), collapse(p.last))
        assert (row.company, row.title) == (collapse(p.company), collapse(p.title))
        assert row.emails == [p.email]
        assert row.notes == p.note.strip().replace("\r\n", "\n").replace("\r", "\n")
        assert row.tags == expected_tags(p.tags)


@pytest.mark.django_db
@DB_FUZZ
@given(persons=people, fmt=st.sampled_from(["linkedin", "vcard"]))
def test_a_generated_file_imports_exactly_its_people_once(
    cast: Cast, persons: list[Person], fmt: str
) -> None:
    Contact.objects.filter(owner=cast.member).delete()
    data = (
        linkedin_file(persons, preamble=True, newline="\r\n")
        if fmt == "linkedin"
        else vcard_file(persons)
    )
    theirs = Contact.objects.filter(owner=cast.outsider).count()

    first = import_contacts(cast.member, fmt=fmt, data=data)
    again = import_contacts(cast.member, fmt=fmt, data=data)

    assert (first.imported, first.already_present) == (len(persons), 0)
    assert (again.imported, again.already_present) == (0, len(persons))
    saved: Any = Contact.objects.filter(owner=cast.member)
    assert sorted(saved.values_list("emails", flat=True)) == sorted([p.email] for p in persons)
    assert Contact.objects.filter(owner=cast.outsider).count() == theirs

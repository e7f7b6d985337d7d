"""The parsers on every shape of file the exports come in, and on files made malformed in each
way we could think of: each stops the import with the line at fault, and nothing is saved."""

from __future__ import annotations

import codecs

import pytest

from cerchia.conftest import Cast
from cerchia.contacts import importers
from cerchia.contacts.errors import ImportFailed
from cerchia.contacts.importers import (
    RELATED_TYPES,
    parse_google,
    parse_linkedin,
    parse_vcard,
    split_escaped,
    unescape,
)
from cerchia.contacts.imports import import_contacts
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.tests.import_helpers import (
    LINKEDIN_HEADER,
    fixture,
    linkedin_csv,
    person,
    vcard,
)

GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Nickname,File As,Organization Name,Organization Title,"
    "Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Address 1 - City,Website 1 - Label,Website 1 - Value"
)
GOOGLE_LEGACY_HEADER = (
    "Name,Given Name,Additional Name,Family Name,Nickname,Notes,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,"
    "Organization 1 - Title"
)


def google(*rows: str, header: str = GOOGLE_HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


# --- LinkedIn -------------------------------------------------------------------------------


def test_linkedin_finds_the_header_after_the_preamble_and_numbers_lines_from_the_file() -> None:
    rows = parse_linkedin(linkedin_csv([person(1), person(2)]))

    assert [row.line for row in rows] == [5, 6]
    assert rows[0].name == "Person1 Tester"
    assert rows[0].title == "Engineer"
    assert rows[0].connected_on is not None and rows[0].connected_on.isoformat() == "2023-07-24"


@pytest.mark.parametrize("preamble", [True, False])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("with_url", [True, False])
def test_linkedin_variants_give_the_same_people(
    preamble: bool, newline: str, with_url: bool
) -> None:
    header = LINKEDIN_HEADER if with_url else tuple(c for c in LINKEDIN_HEADER if c != "URL")
    people = [person(1, **{"Email Address": "one@example.org"}), person(2)]
    if not with_url:
        people = [[cell for cell in row if "linkedin.com" not in cell] for row in people]

    rows = parse_linkedin(linkedin_csv(people, preamble=preamble, header=header, newline=newline))

    assert [(row.name, row.emails, row.company) for row in rows] == [
        ("Person1 Tester", ["one@example.org"], "Acme"),
        ("Person2 Tester", [], "Acme"),
    ]
    first = 5 if preamble else 2
    assert [row.line for row in rows] == [first, first + 1]
    expected_url = "https://www.linkedin.com/in/person-1" if with_url else ""
    assert rows[0].profile_url == expected_url


def test_linkedin_fixture_reads_with_a_bom_and_with_lf() -> None:
    data = fixture("Connections.csv")
    as_lf = codecs.BOM_UTF8 + data.replace(b"\r\n", b"\n")

    assert [r.name for r in parse_linkedin(as_lf)] == [r.name for r in parse_linkedin(data)]


def test_linkedin_dates_months_are_read_in_any_locale() -> None:
    rows = parse_linkedin(
        linkedin_csv(
            [person(1, **{"Connected On": "01 Dec 2020"}), person(2, **{"Connected On": ""})]
        )
    )

    assert rows[0].connected_on is not None and rows[0].connected_on.month == 12
    assert rows[1].connected_on is None


# --- Google ---------------------------------------------------------------------------------


def test_google_multi_values_labels_and_groups() -> None:
    data = google(
        "Ada,,Lovelace,,,Analytical Engines,Mathematician,First programmer,"
        "* myContacts ::: * starred ::: Friends ::: Board Games ,"
        "* Work,ada@example.org,Home,ada@home.example ::: ada2@home.example,"
        "Mobile,+39 333 123 4567 ::: +39 051 765432,London,Profile,linkedin.com/in/ada/"
    )

    (row,) = parse_google(data)

    assert row.name == "Ada Lovelace"
    assert row.emails == ["ada@example.org", "ada@home.example", "ada2@home.example"]
    assert row.phones == ["+393331234567", "+39051765432"]
    assert (row.company, row.title, row.city) == ("Analytical Engines", "Mathematician", "London")
    assert row.tags == ["friends", "board games"]
    assert row.relationship == Relationship.FRIEND
    assert row.profile_url == "https://linkedin.com/in/ada"
    assert row.notes == "First programmer"


def test_google_legacy_header() -> None:
    data = google(
        "Grace Hopper,Grace,,Hopper,,Compiler,* My Contacts ::: Colleghi,* Work,"
        "grace@example.org,Mobile,+1 202 555 0143,US Navy,Rear Admiral",
        header=GOOGLE_LEGACY_HEADER,
    )

    (row,) = parse_google(data)

    assert (row.name, row.first_name, row.last_name) == ("Grace Hopper", "Grace", "Hopper")
    assert row.emails == ["grace@example.org"]
    assert row.phones == ["+12025550143"]
    assert (row.company, row.title) == ("US Navy", "Rear Admiral")
    assert row.tags == ["colleghi"]
    assert row.relationship == Relationship.COLLEAGUE


def test_google_fixture_with_and_without_bom_and_a_multiline_note_keeps_line_numbers() -> None:
    data = fixture("contacts.csv")
    assert data.startswith(codecs.BOM_UTF8)

    rows = parse_google(data)
    without_bom = parse_google(data.removeprefix(codecs.BOM_UTF8))

    assert [r.name for r in rows] == [r.name for r in without_bom]
    # Wei's note spans lines 2-3, so the next person starts on line 4.
    assert [(r.line, r.name) for r in rows[:2]] == [(2, "Wei Okafor"), (4, "Matteo Greco")]


# --- vCard ----------------------------------------------------------------------------------


def test_vcard_unescapes_and_splits_only_on_unescaped_separators() -> None:
    assert unescape(r"a\,b\;c\\d\ne\Nf") == "a,b;c\\d\ne\nf"
    assert unescape(r"C:\path") == r"C:\path"  # an unknown escape stays as it is
    assert split_escaped(r"Acme\; Inc;Sales;", ";") == ["Acme; Inc", "Sales", ""]
    assert split_escaped(r"one,two\,three", ",") == ["one", "two,three"]


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("fold", [" ", "\t"])
def test_vcard_folded_lines_and_params(newline: str, fold: str) -> None:
    data = vcard(
        [
            "VERSION:3.0",
            "N:Lovelace;Ada;;;",
            f"FN:Ada Love{newline}{fold}lace",
            'EMAIL;TYPE="INTERNET,WORK";type=pref:ada@example.org',
            "item2.EMAIL;TYPE=HOME:ada@home.example",
            "TEL;TYPE=CELL:+39 333 1234567",
            r"ORG:Analytical Engines\, Ltd;Research",
            r"NOTE:Line one\nline two\; with semicolon and a backslash \\",
            f"CATEGORIES:Friends,Board{newline}{fold} Games",
            "CATEGORIES:Chess",
            "ADR;TYPE=HOME:;;1 Main St;London;;;UK",
            "URL:https://example.org/ada",
        ],
        newline=newline,
    )

    (row,) = parse_vcard(data)

    assert row.name == "Ada Lovelace"
    assert row.emails == ["ada@example.org", "ada@home.example"]
    assert row.phones == ["+393331234567"]
    assert row.company == "Analytical Engines, Ltd"
    assert row.notes == "Line one\nline two; with semicolon and a backslash \\"
    assert row.tags == ["friends", "board games", "chess"]
    assert row.city == "London"
    assert row.profile_url == "https://example.org/ada"
    assert row.relationship == Relationship.FRIEND


def test_vcard_several_cards_and_lines() -> None:
    data = vcard(
        ["VERSION:4.0", "FN:One"], ["VERSION:3.0", "N:Two;Person;;;"], ["VERSION:4.0", "FN:Three"]
    )

    rows = parse_vcard(data)

    assert [(row.line, row.name) for row in rows] == [(1, "One"), (5, "Person Two"), (9, "Three")]


@pytest.mark.parametrize(("kind", "relationship"), sorted(RELATED_TYPES.items()))
def test_vcard_related_types_map_to_relationships(kind: str, relationship: str) -> None:
    data = vcard(["VERSION:4.0", "FN:Ada", f"RELATED;TYPE={kind.upper()}:urn:uuid:1"])

    assert parse_vcard(data)[0].relationship == relationship


def test_vcard_related_first_mapped_type_wins_and_unmapped_types_say_nothing() -> None:
    both = vcard(["VERSION:4.0", "FN:Ada", "RELATED;TYPE=emergency,co-worker,friend:urn:uuid:1"])
    none = vcard(["VERSION:4.0", "FN:Bob", "RELATED;TYPE=me:urn:uuid:2"])

    assert parse_vcard(both)[0].relationship == Relationship.COLLEAGUE
    assert parse_vcard(none)[0].relationship == ""


def test_vcard_cerchia_properties_win_over_related() -> None:
    data = vcard(
        [
            "VERSION:4.0",
            "FN:Ada",
            "RELATED;TYPE=friend:urn:uuid:1",
            "X-CERCHIA-RELATIONSHIP:client",
            "X-CERCHIA-CLOSENESS:4",
            "X-CERCHIA-CONNECTED-ON:2021-03-04",
            r"X-CERCHIA-HOW-WE-MET:the fair\, in Modena",
        ]
    )

    (row,) = parse_vcard(data)

    assert (row.relationship, row.closeness) == (Relationship.CLIENT, 4)
    assert row.connected_on is not None and row.connected_on.isoformat() == "2021-03-04"
    assert row.how_we_met == "the fair, in Modena"


# --- malformed files: the line at fault, nothing saved --------------------------------------

HEADER_LINE = ",".join(LINKEDIN_HEADER)
GOOD = "Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,Analyst,24 Jul 2023"


def lines(*rows: str, newline: str = "\r\n") -> bytes:
    return (newline.join(rows) + newline).encode("utf-8")


MALFORMED: list[tuple[str, str, bytes, int | None, str]] = [
    ("linkedin", "empty", b"", None, "empty"),
    ("linkedin", "blank lines only", b"\r\n \r\n\r\n", None, "empty"),
    ("linkedin", "no header", lines("Name,Company", "Ada,Engines"), None, "No LinkedIn header"),
    (
        "linkedin",
        "not UTF-8",
        lines(HEADER_LINE, GOOD) + "Jürgen,Ö,,,,,\r\n".encode("latin-1"),
        3,
        "not UTF-8",
    ),
    ("linkedin", "binary junk", lines(HEADER_LINE, GOOD) + b"\x89PNG\x00\x01", 3, "binary"),
    (
        "linkedin",
        "a row with a column too few",
        lines(HEADER_LINE, GOOD, "Bob,Smith,,Co,Pos,24 Jul 2023"),
        3,
        "6 columns but the header has 7",
    ),
    (
        "linkedin",
        "a row with a column too many",
        lines(HEADER_LINE, GOOD, GOOD.replace("Ada", "Eve") + ",extra"),
        3,
        "8 columns",
    ),
    (
        "linkedin",
        "an unbalanced quote",
        lines(HEADER_LINE, GOOD, 'Bob,"Smith,,,Co,Pos,24 Jul 2023', GOOD.replace("ada", "x")),
        3,
        "never closed",
    ),
    (
        "linkedin",
        "text after a closing quote",
        lines(HEADER_LINE, GOOD, 'Bob,"Smith"x,,,Co,Pos,24 Jul 2023'),
        3,
        "quoted value",
    ),
    ("linkedin", "no name", lines(HEADER_LINE, GOOD, ",,,,Co,Pos,24 Jul 2023"), 3, "no name"),
    (
        "linkedin",
        "a bad email",
        lines(HEADER_LINE, GOOD, "Bob,Smith,,x@,Co,Pos,24 Jul 2023"),
        3,
        "x@",
    ),
    (
        "linkedin",
        "a bad date",
        lines(HEADER_LINE, GOOD, "Bob,Smith,,,Co,Pos,31 Feb 2023"),
        3,
        "31 Feb 2023",
    ),
    (
        "linkedin",
        "a date in another shape",
        lines(HEADER_LINE, GOOD, "Bob,Smith,,,Co,Pos,July 24th"),
        3,
        "24 Jul 2023",
    ),
    (
        "linkedin",
        "a bad profile address",
        lines(HEADER_LINE, GOOD, "Bob,Smith,javascript:alert(1),,Co,Pos,24 Jul 2023"),
        3,
        "web address",
    ),
    (
        "linkedin",
        "an over-long company",
        lines(HEADER_LINE, GOOD, f"Bob,Smith,,,{'C' * 201},Pos,24 Jul 2023"),
        3,
        "200 characters",
    ),
    (
        "linkedin",
        "an over-long first name",
        lines(HEADER_LINE, GOOD, f"{'B' * 121},Smith,,,Co,Pos,24 Jul 2023"),
        3,
        "120 characters",
    ),
    (
        "linkedin",
        "a header without Connected On",
        lines("First Name,Last Name,URL,Email Address,Company,Position", GOOD[:-12]),
        1,
        "Connected On",
    ),
    (
        "linkedin",
        "a vCard chosen as LinkedIn",
        vcard(["VERSION:4.0", "FN:Ada"]),
        1,
        "vCard",
    ),
    (
        "linkedin",
        "the Google fixture chosen as LinkedIn",
        fixture("contacts.csv"),
        None,
        "No LinkedIn header",
    ),
    ("google", "the LinkedIn fixture chosen as Google", fixture("Connections.csv"), 1, "Google"),
    ("google", "a vCard chosen as Google", vcard(["VERSION:4.0", "FN:Ada"]), 1, "vCard"),
    (
        "google",
        "a bad phone",
        google(
            "Ada,,Lovelace,,,,,,,,ada@example.org,,,,+39 333 1234567,,,",
            "Bob,,Smith,,,,,,,,bob@example.org,,,,call me,,,",
        ),
        3,
        "call me",
    ),
    (
        "google",
        "a bad second email after a multi-line note",
        google(
            'Ada,,Lovelace,,,,,"two\nlines",,,ada@example.org,,,,,,,',
            "Bob,,Smith,,,,,,,,bob@example.org,,bob@ ::: x,,,,,",
        ),
        4,
        "bob@",
    ),
    (
        "google",
        "too many tags",
        google("Ada,,Lovelace,,,,,," + " ::: ".join(f"t{n}" for n in range(21)) + ",,,,,,,,,"),
        2,
        "20 tags",
    ),
    (
        "google",
        "an over-long tag",
        google("Ada,,Lovelace,,,,,," + "x" * 21 + ",,,,,,,,,"),
        2,
        "characters",
    ),
    ("google", "no name", google(",,,,,Acme,,,,,ada@example.org,,,,,,,"), 2, "no name"),
    (
        "google",
        "a row with a column too few",
        google("Ada,,Lovelace,,,,,,,,ada@example.org,,,,,"),
        2,
        "columns",
    ),
    ("vcard", "empty", b"\n\n", None, "empty"),
    (
        "vcard",
        "BEGIN without END",
        vcard(["VERSION:4.0", "FN:Ada"]) + lines("BEGIN:VCARD", "VERSION:4.0", "FN:Bob"),
        5,
        "BEGIN:VCARD without END",
    ),
    (
        "vcard",
        "END without BEGIN",
        vcard(["VERSION:4.0", "FN:Ada"]) + lines("END:VCARD"),
        5,
        "END:VCARD without BEGIN",
    ),
    (
        "vcard",
        "nested cards",
        lines("BEGIN:VCARD", "VERSION:4.0", "FN:Ada", "BEGIN:VCARD", "FN:Bob", "END:VCARD"),
        4,
        "line 1",
    ),
    (
        "vcard",
        "missing FN in 4.0",
        vcard(["VERSION:4.0", "FN:Ada"], ["VERSION:4.0", "N:B;C;;;"]),
        5,
        "FN",
    ),
    (
        "vcard",
        "unsupported VERSION",
        vcard(["VERSION:4.0", "FN:Ada"], ["VERSION:2.1", "FN:Bob"]),
        6,
        "2.1",
    ),
    ("vcard", "no VERSION", vcard(["FN:Ada"]), 1, "VERSION"),
    (
        "vcard",
        "a bad email on a folded card",
        vcard(["VERSION:3.0", "FN:Ada", "NOTE:long", " er note", "EMAIL;TYPE=INTERNET:ada@@x"]),
        6,
        "ada@@x",
    ),
    (
        "vcard",
        "a line outside any card",
        vcard(["VERSION:4.0", "FN:Ada"]) + lines("FN:Stray"),
        5,
        "outside",
    ),
    ("vcard", "a CSV chosen as vCard", fixture("Connections.csv"), 1, "BEGIN:VCARD"),
    ("vcard", "a continuation first", lines(" FN:Ada"), 1, "continuation"),
    (
        "vcard",
        "a line without a colon",
        vcard(["VERSION:4.0", "FN:Ada", "NOTE no colon"]),
        4,
        "not a vCard line",
    ),
    (
        "vcard",
        "an unclosed quoted parameter",
        vcard(["VERSION:4.0", "FN:Ada", 'EMAIL;TYPE="work:ada@example.org']),
        4,
        "never closed",
    ),
    (
        "vcard",
        "an over-long title",
        vcard(["VERSION:4.0", "FN:Ada", "EMAIL:a@example.org", "TITLE:" + "t" * 201]),
        5,
        "200 characters",
    ),
    (
        "vcard",
        "closeness out of range",
        vcard(["VERSION:4.0", "FN:Ada", "X-CERCHIA-CLOSENESS:9"]),
        4,
        "between 1 and 5",
    ),
    (
        "vcard",
        "an unknown relationship",
        vcard(["VERSION:4.0", "FN:Ada", "X-CERCHIA-RELATIONSHIP:nemesis"]),
        4,
        "nemesis",
    ),
    (
        "vcard",
        "too many tags",
        vcard(["VERSION:4.0", "FN:Ada", "CATEGORIES:" + ",".join(f"t{n}" for n in range(21))]),
        4,
        "20 tags",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "data", "line", "message"),
    [
        pytest.param(fmt, data, line, message, id=f"{fmt}: {case}")
        for fmt, case, data, line, message in MALFORMED
    ],
)
def test_a_malformed_file_names_its_line_and_saves_nothing(
    cast: Cast, fmt: str, data: bytes, line: int | None, message: str
) -> None:
    Contact.objects.create(owner=cast.member, name="Already There")
    before = list(Contact.objects.values())

    with pytest.raises(ImportFailed) as caught:
        import_contacts(cast.member, fmt=fmt, data=data)

    assert caught.value.line == line
    text = str(caught.value)
    assert message in text
    if line is not None:
        assert text.startswith(f"Line {line}: ")
    assert list(Contact.objects.values()) == before


@pytest.mark.django_db
def test_the_issues_example_line_7_email(cast: Cast) -> None:
    text = fixture("Connections.csv").decode("utf-8").split("\r\n")
    fields = text[6].split(",")
    fields[3] = "x@"
    text[6] = ",".join(fields)

    with pytest.raises(ImportFailed) as caught:
        import_contacts(cast.member, fmt="linkedin", data="\r\n".join(text).encode("utf-8"))

    assert caught.value.line == 7
    assert str(caught.value).startswith("Line 7: ")
    assert "x@" in str(caught.value)
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_unread(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "MAX_BYTES", 1000)
    data = linkedin_csv([person(n) for n in range(20)])
    assert len(data) > 1000

    with pytest.raises(ImportFailed, match="larger than") as caught:
        import_contacts(cast.member, fmt="linkedin", data=data)

    assert caught.value.line is None
    assert not Contact.objects.exists()

"""Reading the exports people already have — LinkedIn ``Connections.csv``, Google Contacts CSV,
vCard 3.0 and 4.0 — into checked rows, each with the file line it starts on.

Every parser takes the file's bytes and returns a list of :class:`ParsedContact`, or raises
:class:`~cerchia.contacts.errors.ImportFailed` naming the line at fault. Nothing here touches the
database: ``cerchia.contacts.imports`` matches the rows against the owner's contacts and saves
them. The mapping tables are documented in ``docs/contacts-import.md``."""

from __future__ import annotations

import csv
import datetime
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cerchia.contacts.errors import ContactsError, ImportFailed
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.services import clean_emails, clean_phones, clean_tags

# A file larger than this is refused before it is read (30,000 LinkedIn rows are ~5 MB).
MAX_BYTES = 20 * 1024 * 1024
MAX_NOTES_LENGTH = 20_000

# vCard ``RELATED;TYPE=`` values (RFC 6350 §6.6.6) → our relationship kinds. Types that say
# nothing about the tie (``me``, ``emergency``, ``muse``, ``crush``) are not mapped.
RELATED_TYPES: dict[str, str] = {
    "friend": Relationship.FRIEND,
    "co-worker": Relationship.COLLEAGUE,
    "colleague": Relationship.COLLEAGUE,
    "neighbor": Relationship.NEIGHBOUR,
    "co-resident": Relationship.NEIGHBOUR,
    "spouse": Relationship.PARTNER,
    "sweetheart": Relationship.PARTNER,
    "date": Relationship.PARTNER,
    "parent": Relationship.FAMILY,
    "child": Relationship.FAMILY,
    "sibling": Relationship.FAMILY,
    "kin": Relationship.FAMILY,
    "acquaintance": Relationship.ACQUAINTANCE,
    "contact": Relationship.ACQUAINTANCE,
    "met": Relationship.MET,
    "agent": Relationship.VENDOR,
}

# Labels (Google) and categories (vCard) that name a kind of tie, in English and Italian. The
# first label that maps sets the relationship when the file gives no RELATED type; every label
# is kept as a tag either way.
LABEL_RELATIONSHIPS: dict[str, str] = {
    "family": Relationship.FAMILY,
    "famiglia": Relationship.FAMILY,
    "parenti": Relationship.FAMILY,
    "friends": Relationship.FRIEND,
    "friend": Relationship.FRIEND,
    "amici": Relationship.FRIEND,
    "coworkers": Relationship.COLLEAGUE,
    "colleagues": Relationship.COLLEAGUE,
    "colleghi": Relationship.COLLEAGUE,
    "clients": Relationship.CLIENT,
    "customers": Relationship.CLIENT,
    "clienti": Relationship.CLIENT,
    "vendors": Relationship.VENDOR,
    "suppliers": Relationship.VENDOR,
    "fornitori": Relationship.VENDOR,
    "neighbours": Relationship.NEIGHBOUR,
    "neighbors": Relationship.NEIGHBOUR,
    "vicini": Relationship.NEIGHBOUR,
    "mentors": Relationship.MENTOR,
    "classmates": Relationship.CLASSMATE,
}

# Google's own groups, not the person's labels.
GOOGLE_SYSTEM_LABELS = frozenset({"mycontacts", "my contacts", "starred", "other contacts"})

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINKEDIN_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}) (\d{4})$")
_URL = URLValidator(schemes=["http", "https"])
# Most profile addresses: checked by this quick pattern instead of the full validator.
_PLAIN_URL = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
    r"(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$"
)


@dataclass(slots=True)
class ParsedContact:
    """One person read from a file; ``line`` is the file line their row or card starts on."""

    line: int
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    title: str = ""
    profile_url: str = ""
    city: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    relationship: str = ""  # "" → the model's default
    closeness: int | None = None  # None → the model's default
    connected_on: datetime.date | None = None
    how_we_met: str = ""
    # Where a field came from when it is not ``line`` (a vCard property's own line).
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, attribute: str) -> int:
        return self.field_lines.get(attribute, self.line)


def fail(line: int | None, problem: str) -> ImportFailed:
    """The error for ``problem`` at ``line``, its message starting "Line N: "."""
    if line is None:
        return ImportFailed(problem)
    return ImportFailed(
        _("Line %(line)d: %(problem)s") % {"line": line, "problem": problem}, line=line
    )


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def collapse(value: str) -> str:
    """``value`` with runs of white space made one space, trimmed."""
    return " ".join(value.split())


# --- whole file -----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file as text: refuses files too large, empty, binary or not UTF-8; drops a BOM."""
    if len(data) > MAX_BYTES:
        raise fail(
            None,
            _("The file is larger than %(size)s; split it and import the parts.")
            % {"size": filesizeformat(MAX_BYTES)},
        )
    if not data.strip():
        raise fail(None, _("The file is empty."))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise fail(
            _line_of(data, nul), _("the file holds binary data, not text (a NUL byte here).")
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            _line_of(data, exc.start),
            _("the file is not UTF-8 text; save it as UTF-8 and import it again."),
        ) from None
    return text.removeprefix("\ufeff")


def _line_of(data: bytes, offset: int) -> int:
    head = data[:offset]
    # The same line breaks the parsers count: CRLF, CR or LF.
    return len(_LINE_BREAK.findall(head.decode("latin-1"))) + 1


def split_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _looks_like_vcard(lines: list[str]) -> bool:
    return any(line.strip().upper() == "BEGIN:VCARD" for line in lines[:20])


# --- fields ---------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """The form profile addresses are stored and matched in: lowercase scheme and host, no
    query, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@functools.cache
def _model_field(name: str) -> models.Field[Any, Any]:
    model_field = Contact._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return model_field


@functools.cache
def _max_length(name: str) -> int:
    length = _model_field(name).max_length
    assert length is not None
    return length


def check(row: ParsedContact, *, country: str = "") -> ParsedContact:
    """Normalise ``row`` in place and refuse what the model could not store or would store
    wrongly (by the rules contacts added by hand follow); every error names the row's line.
    Phones without a country prefix are read as ``country``'s (ISO code; default Italy)."""
    row.name = collapse(row.name)
    row.first_name = collapse(row.first_name)
    row.last_name = collapse(row.last_name)
    if not row.name:
        row.name = collapse(f"{row.first_name} {row.last_name}")
    if not row.name:
        raise fail(row.line, _("this person has no name."))
    for attribute in ("name", "first_name", "last_name", "company", "title", "city"):
        value = collapse(getattr(row, attribute))
        setattr(row, attribute, value)
        limit = _max_length(attribute)
        if len(value) > limit:
            raise fail(
                row.line_of(attribute),
                _("the %(field)s '%(value)s' is longer than %(limit)d characters.")
                % {
                    "field": _model_field(attribute).verbose_name,
                    "value": _shown(value),
                    "limit": limit,
                },
            )
    row.notes = row.notes.strip()
    if len(row.notes) > MAX_NOTES_LENGTH:
        raise fail(
            row.line_of("notes"),
            _("the notes are longer than %(limit)d characters.") % {"limit": MAX_NOTES_LENGTH},
        )
    row.how_we_met = collapse(row.how_we_met)
    if len(row.how_we_met) > _max_length("how_we_met"):
        raise fail(
            row.line_of("how_we_met"),
            _("'how we met' is longer than %(limit)d characters.")
            % {"limit": _max_length("how_we_met")},
        )
    # Most rows (all of LinkedIn's) have no phones or tags and often no email.
    if any(row.emails):
        row.emails = _checked_emails(row.line_of("emails"), row.emails)
    else:
        row.emails = []
    if row.tags:
        try:
            row.tags = clean_tags(row.tags)
        except ContactsError as exc:
            raise fail(row.line_of("tags"), str(exc)) from None
    if row.phones:
        row.phones = _checked_phones(row.line_of("phones"), row.phones, country)
    if row.profile_url:
        row.profile_url = _checked_url(row.line_of("profile_url"), row.profile_url)
    if row.relationship and row.relationship not in Relationship.values:
        raise fail(
            row.line_of("relationship"),
            _("'%(value)s' is not a relationship kind.") % {"value": _shown(row.relationship)},
        )
    if row.closeness is not None and not 1 <= row.closeness <= 5:
        raise fail(row.line_of("closeness"), _("closeness must be between 1 and 5."))
    return row


def _checked_emails(line: int, emails: list[str]) -> list[str]:
    try:
        return clean_emails(emails)
    except ContactsError as exc:
        raise fail(line, str(exc)) from None


def _checked_phones(line: int, phones: list[str], country: str) -> list[str]:
    # vCard 4.0 writes phones as tel: URIs.
    bare = [phone.strip().removeprefix("tel:").removeprefix("TEL:") for phone in phones]
    try:
        return clean_phones(bare, country=country)
    except ContactsError as exc:
        raise fail(line, str(exc)) from None


def _checked_url(line: int, raw: str) -> str:
    url = raw.strip()
    if "://" not in url:
        url = "https://" + url
    if _PLAIN_URL.match(url):
        # Already lowercase in scheme and host, without query or fragment.
        url = url.rstrip("/")
    else:
        try:
            _URL(url)
        except ValidationError:
            raise fail(
                line, _("the web address '%(url)s' is not valid.") % {"url": _shown(raw.strip())}
            ) from None
        url = normalise_url(url)
    if len(url) > _max_length("profile_url"):
        raise fail(
            line,
            _("the web address is longer than %(limit)d characters.")
            % {"limit": _max_length("profile_url")},
        )
    return url


def relationship_from_labels(labels: list[str]) -> str:
    for label in labels:
        kind = LABEL_RELATIONSHIPS.get(collapse(label).lower())
        if kind:
            return kind
    return ""


# --- CSV ------------------------------------------------------------------------------------


def _csv_records(lines: list[str], first_line: int) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record in ``lines`` with the file line it starts on (``lines[0]`` is line
    ``first_line``); blank records are skipped."""
    reader = csv.reader((line + "\n" for line in lines), strict=True)
    start = 0  # index into lines of the record being read
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "end of data" in message or "field larger" in message:
                problem = _("a quote opened in this row is never closed.")
            elif "expected after" in message:
                problem = _("a quoted value is followed by more text before the next comma.")
            else:
                problem = _("this row is not valid CSV (%(error)s).") % {"error": message}
            raise fail(first_line + start, problem) from None
        if any(cell.strip() for cell in cells):
            yield first_line + start, cells
        start = reader.line_num


def _header_key(cell: str) -> str:
    return collapse(cell.removeprefix("\ufeff")).casefold()


def _check_width(line: int, cells: list[str], width: int) -> None:
    if len(cells) != width:
        raise fail(
            line,
            _("the row has %(found)d columns but the header has %(expected)d.")
            % {"found": len(cells), "expected": width},
        )


# --- LinkedIn -------------------------------------------------------------------------------

LINKEDIN_REQUIRED = ("first name", "last name", "company", "position", "connected on")


def parse_linkedin(data: bytes, *, country: str = "") -> list[ParsedContact]:
    """LinkedIn ``Connections.csv``: the header row is found by looking for it (exports may
    or may not start with a "Notes:" preamble); the URL and Email Address columns are
    optional."""
    lines = split_lines(decode(data))
    header_index = None
    for index, text in enumerate(lines):
        if _header_key(text).startswith("first name,last name"):
            header_index = index
            break
    if header_index is None:
        if _looks_like_vcard(lines):
            raise fail(1, _("this is a vCard file, not a LinkedIn export; choose vCard."))
        raise fail(
            None,
            _(
                "No LinkedIn header row (First Name,Last Name,...,Connected On) was found: "
                "is this LinkedIn's Connections.csv?"
            ),
        )
    records = _csv_records(lines[header_index:], header_index + 1)
    header_line, header = next(records)
    columns = {_header_key(cell): position for position, cell in enumerate(header)}
    missing = [name for name in LINKEDIN_REQUIRED if name not in columns]
    if missing:
        raise fail(
            header_line,
            _("the LinkedIn header lacks the column(s) %(columns)s.")
            % {"columns": ", ".join(name.title() for name in missing)},
        )

    def cell(cells: list[str], name: str) -> str:
        position = columns.get(name)
        return cells[position] if position is not None else ""

    rows: list[ParsedContact] = []
    for line, cells in records:
        _check_width(line, cells, len(header))
        rows.append(
            check(
                ParsedContact(
                    line=line,
                    first_name=cell(cells, "first name"),
                    last_name=cell(cells, "last name"),
                    profile_url=cell(cells, "url"),
                    emails=[cell(cells, "email address")],
                    company=cell(cells, "company"),
                    title=cell(cells, "position"),
                    connected_on=_linkedin_date(line, cell(cells, "connected on")),
                ),
                country=country,
            )
        )
    return rows


def _linkedin_date(line: int, raw: str) -> datetime.date | None:
    value = raw.strip()
    if not value:
        return None
    match = _LINKEDIN_DATE.match(value)
    try:
        if match:
            month = MONTHS.get(match[2].lower())
            if month is None:
                raise ValueError(value)
            return datetime.date(int(match[3]), month, int(match[1]))
        # Some tools rewrite the column as ISO dates.
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise fail(
            line, _("the date '%(date)s' is not like 24 Jul 2023.") % {"date": _shown(value)}
        ) from None


# --- Google Contacts ------------------------------------------------------------------------

_GROUP_COLUMN = re.compile(r"^(e-mail|phone|address|website|organization) (\d+) - (.+)$")


def parse_google(data: bytes, *, country: str = "") -> list[ParsedContact]:
    """Google Contacts CSV, current or legacy ("Outlook-like") headers: repeated groups
    (``E-mail 1 - Value``, ``E-mail 2 - Value``...), several values in one cell joined with
    `` ::: ``, labels as tags."""
    lines = split_lines(decode(data))
    if _looks_like_vcard(lines):
        raise fail(1, _("this is a vCard file, not a Google Contacts CSV; choose vCard."))
    records = _csv_records(lines, 1)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise fail(None, _("The file is empty.")) from None
    keys = [_header_key(cell) for cell in header]
    columns = {key: position for position, key in enumerate(keys)}
    current = "first name" in columns and "last name" in columns
    legacy = "given name" in columns and "family name" in columns
    if not (current or legacy):
        raise fail(
            header_line,
            _(
                "the first row is not a Google Contacts header (First Name,...,Last Name or "
                "Name,Given Name,...,Family Name)."
            ),
        )
    groups: dict[str, dict[str, list[int]]] = {}
    for position, key in enumerate(keys):
        match = _GROUP_COLUMN.match(key)
        if match:
            groups.setdefault(match[1], {}).setdefault(match[3], []).append(position)

    def cell(cells: list[str], *names: str) -> str:
        for name in names:
            position = columns.get(name)
            if position is not None and cells[position].strip():
                return cells[position]
        return ""

    def values(cells: list[str], group: str, part: str) -> list[str]:
        found: list[str] = []
        for position in groups.get(group, {}).get(part, []):
            found.extend(multi(cells[position]))
        return found

    rows: list[ParsedContact] = []
    for line, cells in records:
        _check_width(line, cells, len(header))
        if current:
            first = cell(cells, "first name")
            middle = cell(cells, "middle name")
            last = cell(cells, "last name")
            name = collapse(f"{first} {middle} {last}") or cell(cells, "nickname", "file as")
            labels = multi(cell(cells, "labels"))
        else:
            first = cell(cells, "given name")
            last = cell(cells, "family name")
            name = (
                cell(cells, "name")
                or collapse(f"{first} {cell(cells, 'additional name')} {last}")
                or cell(cells, "nickname")
            )
            labels = multi(cell(cells, "group membership"))
        tags = [label.removeprefix("* ") for label in labels]
        tags = [tag for tag in tags if collapse(tag).lower() not in GOOGLE_SYSTEM_LABELS]
        organisations = values(cells, "organization", "name")
        titles = values(cells, "organization", "title")
        cities = values(cells, "address", "city")
        websites = values(cells, "website", "value")
        rows.append(
            check(
                ParsedContact(
                    line=line,
                    name=name,
                    first_name=first,
                    last_name=last,
                    emails=values(cells, "e-mail", "value"),
                    phones=values(cells, "phone", "value"),
                    company=cell(cells, "organization name") or next(iter(organisations), ""),
                    title=cell(cells, "organization title") or next(iter(titles), ""),
                    city=next(iter(cities), ""),
                    profile_url=next(iter(websites), ""),
                    notes=cell(cells, "notes"),
                    tags=tags,
                    relationship=relationship_from_labels(tags),
                ),
                country=country,
            )
        )
    return rows


def multi(value: str) -> list[str]:
    """The values of a Google cell holding several, joined with `` ::: ``."""
    return [part.strip() for part in value.split(":::") if part.strip()]


# --- vCard ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Property:
    line: int
    name: str  # upper case, without its group ("item1.")
    params: dict[str, list[str]]  # upper-case names → values (TYPE split on commas, lowered)
    value: str  # raw, still escaped


def unfold(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the physical line each starts on: a line starting with a space or a
    tab continues the one before (RFC 6350 §3.2)."""
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line[:1] in (" ", "\t"):
            if not current:
                raise fail(
                    number, _("a continuation line (starting with a space) begins the file.")
                )
            current.append(line[1:])
            continue
        if current:
            yield start, "".join(current)
        current, start = [line], number
    if current:
        yield start, "".join(current)


def parse_property(line: int, text: str) -> Property:
    """``[group.]NAME *(;PARAM=VALUE) : VALUE``, with quoted parameter values."""
    position = 0
    length = len(text)
    while position < length and text[position] not in ";:":
        position += 1
    name = text[:position].strip().upper()
    if position == length or not name:
        raise fail(
            line, _("this is not a vCard line (NAME:value): '%(text)s'.") % {"text": _shown(text)}
        )
    name = name.rpartition(".")[2]
    params: dict[str, list[str]] = {}
    while text[position] == ";":
        position += 1
        start = position
        while position < length and text[position] not in "=;:":
            position += 1
        key = text[start:position].strip().upper()
        raw_values: list[str] = []
        if position < length and text[position] == "=":
            position += 1
            while True:
                if position < length and text[position] == '"':
                    end = text.find('"', position + 1)
                    if end < 0:
                        raise fail(line, _("a quoted parameter value is never closed."))
                    raw_values.append(text[position + 1 : end])
                    position = end + 1
                else:
                    start = position
                    while position < length and text[position] not in ",;:":
                        position += 1
                    raw_values.append(text[start:position])
                if position < length and text[position] == ",":
                    position += 1
                    continue
                break
        elif key:
            # vCard 2.1 style bare parameters (";WORK") are types.
            raw_values, key = [key], "TYPE"
        if position >= length:
            raise fail(
                line,
                _("this is not a vCard line (NAME:value): '%(text)s'.") % {"text": _shown(text)},
            )
        params.setdefault(key, []).extend(raw_values)
    return Property(line=line, name=name, params=params, value=text[position + 1 :])


def unescape(value: str) -> str:
    r"""RFC 6350 §3.4: ``\\``, ``\,``, ``\;``, ``\n``/``\N``; any other backslash stays."""
    if "\\" not in value:
        return value
    out: list[str] = []
    position = 0
    while position < len(value):
        char = value[position]
        if char == "\\" and position + 1 < len(value):
            following = value[position + 1]
            if following in "nN":
                out.append("\n")
                position += 2
                continue
            if following in "\\,;:":
                out.append(following)
                position += 2
                continue
        out.append(char)
        position += 1
    return "".join(out)


def split_escaped(value: str, separator: str, *, keep_escapes: bool = False) -> list[str]:
    """Split on ``separator`` where it is not escaped, then unescape each part (unless
    ``keep_escapes``, for a part that will be split again)."""
    parts: list[str] = []
    current: list[str] = []
    position = 0
    while position < len(value):
        char = value[position]
        if char == "\\" and position + 1 < len(value):
            current.append(value[position : position + 2])
            position += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    parts.append("".join(current))
    return parts if keep_escapes else [unescape(part) for part in parts]


def _types(prop: Property) -> list[str]:
    return [
        kind.strip().lower()
        for value in prop.params.get("TYPE", [])
        for kind in value.split(",")
        if kind.strip()
    ]


def parse_vcard(data: bytes, *, country: str = "") -> list[ParsedContact]:
    """vCard 3.0 and 4.0, several cards per file."""
    lines = split_lines(decode(data))
    cards: list[tuple[int, list[Property]]] = []
    card: list[Property] | None = None
    begin_line = 0
    for line, text in unfold(lines):
        if not text.strip():
            continue
        prop = parse_property(line, text)
        value = prop.value.strip().upper()
        if prop.name == "BEGIN" and value == "VCARD":
            if card is not None:
                raise fail(
                    line,
                    _("a card begins before the card begun on line %(begin)d ends (END:VCARD).")
                    % {"begin": begin_line},
                )
            card, begin_line = [], line
        elif prop.name == "END" and value == "VCARD":
            if card is None:
                raise fail(line, _("END:VCARD without BEGIN:VCARD."))
            cards.append((begin_line, card))
            card = None
        elif card is None:
            if not cards and (line == 1 or "," in text):
                raise fail(line, _("a vCard file starts with BEGIN:VCARD; is this a CSV file?"))
            raise fail(line, _("this line is outside any card (BEGIN:VCARD ... END:VCARD)."))
        else:
            card.append(prop)
    if card is not None:
        raise fail(begin_line, _("BEGIN:VCARD without END:VCARD."))
    if not cards:
        raise fail(None, _("The file holds no cards (BEGIN:VCARD ... END:VCARD)."))
    return [_card_contact(begin, props, country) for begin, props in cards]


# The vCard property each field comes from (for errors naming its line).
_PROPERTY_FIELDS = {
    "FN": ("name",),
    "N": ("first_name", "last_name"),
    "EMAIL": ("emails",),
    "TEL": ("phones",),
    "ORG": ("company",),
    "TITLE": ("title",),
    "NOTE": ("notes",),
    "URL": ("profile_url",),
    "CATEGORIES": ("tags",),
    "ADR": ("city",),
    "X-CERCHIA-RELATIONSHIP": ("relationship",),
    "X-CERCHIA-CLOSENESS": ("closeness",),
    "X-CERCHIA-HOW-WE-MET": ("how_we_met",),
}


def _card_contact(begin: int, props: list[Property], country: str) -> ParsedContact:
    versions = [prop for prop in props if prop.name == "VERSION"]
    if not versions:
        raise fail(begin, _("the card has no VERSION."))
    version = versions[0].value.strip()
    if version not in ("3.0", "4.0"):
        raise fail(
            versions[0].line,
            _("vCard version '%(version)s' is not supported; export as vCard 3.0 or 4.0.")
            % {"version": _shown(version)},
        )
    row = ParsedContact(line=begin)
    labels: list[str] = []
    related = ""
    has_fn = False
    for prop in props:
        name = prop.name
        for attribute in _PROPERTY_FIELDS.get(name, ()):
            row.field_lines.setdefault(attribute, prop.line)
        if name == "FN":
            has_fn = True
            if not row.name:
                row.name = unescape(prop.value)
        elif name == "N":
            # family;given;additional;prefixes;suffixes — each may hold several values.
            parts = [*split_escaped(prop.value, ";", keep_escapes=True), "", ""]
            row.last_name = " ".join(split_escaped(parts[0], ","))
            row.first_name = " ".join(split_escaped(parts[1], ","))
        elif name == "EMAIL":
            row.emails.extend(_checked_emails(prop.line, [unescape(prop.value)]))
        elif name == "TEL":
            row.phones.extend(_checked_phones(prop.line, [unescape(prop.value)], country))
        elif name == "ORG" and not row.company:
            row.company = split_escaped(prop.value, ";")[0]
        elif name == "TITLE" and not row.title:
            row.title = unescape(prop.value)
        elif name == "NOTE":
            note = unescape(prop.value).strip()
            row.notes = f"{row.notes}\n\n{note}" if row.notes else note
        elif name == "URL" and not row.profile_url:
            row.profile_url = _checked_url(prop.line, unescape(prop.value))
        elif name == "CATEGORIES":
            labels.extend(split_escaped(prop.value, ","))
        elif name == "ADR" and not row.city:
            parts = [*split_escaped(prop.value, ";"), "", "", "", ""]
            row.city = parts[3]
        elif name == "RELATED" and not related:
            related = next((RELATED_TYPES[t] for t in _types(prop) if t in RELATED_TYPES), "")
        elif name == "X-CERCHIA-RELATIONSHIP":
            row.relationship = unescape(prop.value).strip().lower()
        elif name == "X-CERCHIA-CLOSENESS":
            try:
                row.closeness = int(prop.value.strip())
            except ValueError:
                raise fail(prop.line, _("closeness must be between 1 and 5.")) from None
        elif name == "X-CERCHIA-CONNECTED-ON":
            try:
                row.connected_on = datetime.date.fromisoformat(prop.value.strip())
            except ValueError:
                raise fail(
                    prop.line,
                    _("the date '%(date)s' is not like 2023-07-24.")
                    % {"date": _shown(prop.value.strip())},
                ) from None
        elif name == "X-CERCHIA-HOW-WE-MET":
            row.how_we_met = unescape(prop.value)
    if version == "4.0" and not has_fn:
        raise fail(begin, _("the card has no FN (full name), which vCard 4.0 requires."))
    row.tags = labels
    row.relationship = row.relationship or related or relationship_from_labels(labels)
    return check(row, country=country)


PARSERS: dict[str, Callable[..., list[ParsedContact]]] = {
    "linkedin": parse_linkedin,
    "google": parse_google,
    "vcard": parse_vcard,
}

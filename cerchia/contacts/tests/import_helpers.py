"""Helpers for the import and export tests: the shared fixtures' bytes and small files built
on the spot (LinkedIn CSV, vCard)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "demo" / "data" / "contacts"
LINKEDIN_HEADER = (
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
)
LINKEDIN_PREAMBLE = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\r\n'
    "\r\n"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def linkedin_csv(
    rows: Iterable[Sequence[str]],
    *,
    preamble: bool = True,
    header: Sequence[str] = LINKEDIN_HEADER,
    newline: str = "\r\n",
) -> bytes:
    """A LinkedIn Connections.csv with ``rows`` under ``header`` (the preamble takes lines
    1-3, so the header is line 4 and the first row line 5)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = (LINKEDIN_PREAMBLE.replace("\r\n", newline) if preamble else "") + out.getvalue()
    return text.encode("utf-8")


def person(number: int, **fields: str) -> list[str]:
    """A LinkedIn row for person ``number`` (distinct profile address and name)."""
    row = {
        "First Name": f"Person{number}",
        "Last Name": "Tester",
        "URL": f"https://www.linkedin.com/in/person-{number}",
        "Email Address": "",
        "Company": "Acme",
        "Position": "Engineer",
        "Connected On": "24 Jul 2023",
    }
    row.update(fields)
    return [row[column] for column in LINKEDIN_HEADER]


def vcard(*cards: Iterable[str], newline: str = "\r\n") -> bytes:
    """Cards from their property lines (BEGIN/END added around each)."""
    lines: list[str] = []
    for card in cards:
        lines += ["BEGIN:VCARD", *card, "END:VCARD"]
    return (newline.join(lines) + newline).encode("utf-8")

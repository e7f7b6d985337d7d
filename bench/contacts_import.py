"""Benchmark: importing 30,000 LinkedIn connections (LinkedIn's cap), then importing them again.

Run it from the project's root (a script, not a test):

    .venv/bin/python bench/contacts_import.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/cerchia .venv/bin/python bench/contacts_import.py
    .venv/bin/python bench/contacts_import.py --rows 5000      # a smaller file

Against PostgreSQL it makes (and drops) a ``bench_contacts_<name>`` database beside the one
named in DATABASE_URL. It writes a Connections.csv the way LinkedIn does (the "Notes:"
preamble, CRLF, quoted values, about one email in three), then times, for a fresh user each:

- the baseline: ``csv.reader`` over the same bytes and ``bulk_create`` of the same rows as plain
  Contact objects (batches of 1,000), in one transaction — no header search, no checks, no
  matching, no audit entry;
- ``import_contacts``: every row parsed and checked, the owner's match keys loaded, new people
  saved in batches of 1,000;
- the same file imported again: every row found already present, nothing written.

It prints the seconds and each time's ratio to the baseline (measured in the same run, on the
same database, so the ratio says what the checks and matching cost), then checks the outcome:
exactly N contacts, all present on the second import."""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cerchia.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("CERCHIA_MODE", "production")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

FIRST = ("Ada", "Łukasz", "Chiara", "José", "Priya", "Olumide", "Beatrice", "Søren", "D'Arcy")
LAST = ("Lovelace", "Müller", "Conti", "García Márquez", "Nguyễn", "O'Brien", "van der Berg")
COMPANIES = ("Acme Consulting, Inc.", 'Wedding Planner "Sì"', "Banca di Bologna", "ZeroCode Srl")
POSITIONS = ("Chef, Owner", "CTO", "Avvocato", "Responsabile commerciale", "")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PREAMBLE = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\r\n\r\n'
)
T = TypeVar("T")
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]


def connections_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        slug = f"{first}-{last}-{n:05d}".lower().replace(" ", "-").replace("'", "")
        email = f"person{n}@example.org" if rng.random() < 0.3 else ""
        day = f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2025)}"
        writer.writerow(
            [
                first,
                last,
                f"https://www.linkedin.com/in/{slug}",
                email,
                rng.choice(COMPANIES),
                rng.choice(POSITIONS),
                day,
            ]
        )
    return (PREAMBLE + out.getvalue()).encode("utf-8")


def baseline(owner: Any, data: bytes) -> int:
    """The least an import can do: read the CSV and insert its rows as they are."""
    from cerchia.contacts.models import Contact

    lines = data.decode("utf-8").splitlines()[4:]  # the preamble and header, known in advance
    contacts = [
        Contact(
            owner=owner,
            first_name=first,
            last_name=last,
            name=f"{first} {last}",
            profile_url=url,
            emails=[email] if email else [],
            company=company,
            title=position,
        )
        for first, last, url, email, company, position, _day in csv.reader(lines)
    ]
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=1000)
    return len(contacts)


def timed(work: Callable[[], T]) -> tuple[T, tuple[float, float]]:
    """``work()``'s result with its (wall, CPU) seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    vendor = connection.vendor
    tmp = None
    if vendor == "sqlite":
        tmp = tempfile.TemporaryDirectory()
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    else:
        connection.settings_dict["TEST"]["NAME"] = (
            f"bench_contacts_{connection.settings_dict['NAME']}"
        )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from cerchia.accounts.models import User
        from cerchia.contacts.importers import parse_linkedin
        from cerchia.contacts.imports import import_contacts
        from cerchia.contacts.models import Contact

        data = connections_csv(args.rows)
        base_user = User.objects.create_user(email="baseline@example.org")
        user = User.objects.create_user(email="importer@example.org")

        base_rows, base = timed(lambda: baseline(base_user, data))
        _rows, parse = timed(lambda: parse_linkedin(data))
        first, fresh = timed(lambda: import_contacts(user, fmt="linkedin", data=data))
        again, repeat = timed(lambda: import_contacts(user, fmt="linkedin", data=data))

        print(f"database: {vendor}, {args.rows} LinkedIn rows, {len(data) / 1e6:.1f} MB")
        print("                                      wall s   (this process's CPU s)")
        print(f"baseline (csv.reader + bulk_create): {base[0]:7.2f}   ({base[1]:6.2f})")
        print(f"parse and check only:                {parse[0]:7.2f}   ({parse[1]:6.2f})")
        print(
            f"import (fresh user):                 {fresh[0]:7.2f}   ({fresh[1]:6.2f})"
            f"  ratio {fresh[0] / base[0]:5.2f}x baseline"
            f"  ({args.rows / fresh[0]:,.0f} rows/s)"
        )
        print(
            f"re-import (all already present):     {repeat[0]:7.2f}   ({repeat[1]:6.2f})"
            f"  ratio {repeat[0] / base[0]:5.2f}x baseline"
        )
        assert base_rows == args.rows
        assert (first.imported, first.already_present) == (args.rows, 0), first
        assert (again.imported, again.already_present) == (0, args.rows), again
        assert Contact.objects.filter(owner=user).count() == args.rows
        print("checked: every row imported once, all already present the second time")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.accounts.models import User
from cerchia.contacts.errors import ImportFailed
from cerchia.contacts.importers import MAX_BYTES
from cerchia.contacts.imports import FORMATS, import_contacts

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a LinkedIn Connections.csv, a Google Contacts CSV or a vCard file into one "
        "person's contacts. All or nothing: a malformed row stops the import, naming its line, "
        "and nothing is saved. People already in the contacts are not added again. The last "
        "line of the summary on stdout is `imported N, already present M`; a progress bar goes "
        "to stderr when it is a terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the contacts' owner's email address")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("file", help="the file to import (- for stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']!r}")
        data = self._read(options["file"])
        interactive = self.stderr.isatty()
        drawn = False

        def progress(saved: int, total: int) -> None:
            nonlocal drawn
            drawn = True
            done = BAR_WIDTH * saved // total if total else BAR_WIDTH
            bar = "#" * done + "-" * (BAR_WIDTH - done)
            self.stderr.write(f"\r[{bar}] {saved}/{total}", ending="")

        try:
            result = import_contacts(
                user, fmt=options["fmt"], data=data, progress=progress if interactive else None
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        finally:
            if drawn:
                self.stderr.write("")  # end the bar's line
        self.stdout.write(f"Read {result.rows} people from {options['file']} ({options['fmt']}).")
        if result.repeated:
            self.stdout.write(f"{result.repeated} repeated someone earlier in the file.")
        self.stdout.write(f"imported {result.imported}, already present {result.already_present}")

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read(MAX_BYTES + 1)
        path = Path(name)
        try:
            with path.open("rb") as file:
                return file.read(MAX_BYTES + 1)  # larger is refused by the importer
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror}") from None

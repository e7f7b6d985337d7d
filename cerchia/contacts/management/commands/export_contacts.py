from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.accounts.models import User
from cerchia.contacts.exports import export_vcard


class Command(BaseCommand):
    help = "Write one person's contacts to stdout as vCard 4.0 (CRLF line ends, one card each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the contacts' owner's email address")
        parser.add_argument("--format", required=True, choices=("vcard",), dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']!r}")
        # The vCard is the whole output: no newline added after it.
        self.stdout.ending = ""
        self.stdout.write(export_vcard(user))

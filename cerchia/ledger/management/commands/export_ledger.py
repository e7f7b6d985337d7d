from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.accounts.models import User
from cerchia.ledger.exports import write_csv


def _day(value: str | None, option: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Write one person's ledger as CSV to stdout, one row per entry: "
        "entry_type,date,group_slug,group_kind,counterpart,amount_minor,currency,hours,status,"
        "referral_id. Dates are inclusive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the person's email address")
        parser.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="last day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _day(options["date_from"], "--from")
        end = _day(options["date_to"], "--to")
        if start is not None and end is not None and start > end:
            raise CommandError("--from comes after --to")
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']!r}")
        # Straight to the stream: the CSV is the whole output (no extra newline at the end).
        self.stdout.ending = ""
        write_csv(self.stdout, user, start, end)

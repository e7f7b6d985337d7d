from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.daily import run_daily


class Command(BaseCommand):
    help = (
        "Run the daily job: membership standings (active, grace, lapsed), renewal reminders, "
        "automatic renewals, leadership terms, recurring meetings, expired seat offers, no-shows, "
        "visitor follow-up tasks. Safe to run more than once a day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="run as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from None
        self.stderr.write("Running the daily job…")
        summary = run_daily(day)
        self.stdout.write(json.dumps(summary, sort_keys=True))

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cerchia.insights.generate import GenerateError, Plan, generate


class Command(BaseCommand):
    help = (
        "Build a synthetic lead-group organisation for benchmarks through bulk inserts (COPY on "
        "PostgreSQL): chapters of active members with weekly meetings, attendance, referrals, "
        "closed business, one-to-ones, credits, visitors and the monthly rollups. The same "
        "arguments give the same rows; a seed can be generated once per database. Progress on "
        "stderr, the rows written per table on stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chapters", type=int, required=True, help="number of chapters")
        parser.add_argument(
            "--members-per-chapter", type=int, required=True, help="active members per chapter"
        )
        parser.add_argument("--weeks", type=int, required=True, help="weekly meetings per chapter")
        parser.add_argument("--seed", type=int, required=True, help="0 to 999999")
        parser.add_argument(
            "--organisation", default="", help="the organisation's name (default: from the seed)"
        )
        parser.add_argument(
            "--until",
            help="the last meetings are on or before this day, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        until = timezone.localdate()
        if options["until"]:
            try:
                until = datetime.date.fromisoformat(options["until"])
            except ValueError:
                raise CommandError(
                    f"--until must be YYYY-MM-DD, not {options['until']!r}"
                ) from None
        plan = Plan(
            chapters=options["chapters"],
            members=options["members_per_chapter"],
            weeks=options["weeks"],
            seed=options["seed"],
            until=until,
            organisation=options["organisation"],
        )
        began = time.perf_counter()
        try:
            counts = generate(plan, progress=lambda message: self.stderr.write(message))
        except GenerateError as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - began
        self.stdout.write(
            f"Generated {plan.organisation_slug} ({plan.organisation_name}): {plan.chapters} "
            f"chapters × {plan.members} members × {plan.weeks} weeks until {until} "
            f"in {seconds:.1f} s"
        )
        for label, count in sorted(counts.items()):
            self.stdout.write(f"{label}\t{count}")

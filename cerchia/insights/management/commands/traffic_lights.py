from __future__ import annotations

import csv
import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cerchia.groups.models import Group
from cerchia.insights.lights import chapter_lights, sort_members


def _number(value: float | None) -> float | int | None:
    """Scores as the table gives them: whole points as integers, others to two places."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


class Command(BaseCommand):
    help = (
        "Print a group's traffic lights, one record per active member: member, email, score, "
        "colour, trend_score, trend_colour, then the points of each factor of the group's "
        "table (by factor code). Colours: green, amber, red, grey; empty for a member with no "
        "countable weeks yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", required=True, help="the group's slug")
        parser.add_argument("--format", required=True, choices=["csv", "json"])
        parser.add_argument("--date", help="score as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from None
        group = Group.objects.select_related("parent").filter(slug=options["group"]).first()
        if group is None or group.is_informal:
            raise CommandError(f"No group with the slug {options['group']!r}")
        lights = chapter_lights(group, today)
        if lights is None:
            raise CommandError(
                f"{group.slug} has no traffic-light rules: its administrators choose them "
                "(traffic-lights/rules/ or PUT /api/v1/groups/{id}/traffic-lights/rules)."
            )
        codes = lights.table.codes
        records = [
            {
                "member": m.name,
                "email": m.email,
                "score": _number(m.score),
                "colour": m.colour,
                "trend_score": _number(m.trend_score),
                "trend_colour": m.trend_colour,
                **{code: _number(m.points.get(code)) for code in codes},
            }
            for m in sort_members(lights.members, "colour")
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
            return
        self.stdout.ending = ""
        columns = ["member", "email", "score", "colour", "trend_score", "trend_colour", *codes]
        writer = csv.DictWriter(self.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in record.items()})

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.insights.advisor import AdvisorError, fit, parse_profile


class Command(BaseCommand):
    help = (
        "Print how well each kind of networking fits a business profile, as JSON: a list of "
        '{"group_kind", "fit" (0-100), "reasons"}, best fit first. The profile file is a JSON '
        "object with the keys clientele, budget_per_year_minor, currency, hours_per_week, "
        "weekly_meetings_ok, online_comfort, deal_size, b2b, competitors_for_overflow, "
        "career_goals, privacy_sensitivity."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, help="the business profile (JSON file)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["profile"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        try:
            profile = parse_profile(data)
        except AdvisorError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(fit(profile), indent=2, ensure_ascii=False))

"""``cerchia report``: one person's member report on stdout, as JSON or CSV."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.accounts.models import User
from cerchia.insights.report import METRICS, member_report
from cerchia.ledger.selectors_ledger import check_range, parse_day
from cerchia.ledger.services import LedgerError

CSV_HEADER = ("scope", "group_slug", "group_kind", "currency", *METRICS)


def _cell(value: Any) -> Any:
    return "" if value is None else value


class Command(BaseCommand):
    help = (
        "Print one person's report (where their business comes from) to stdout: "
        "--format json (the whole report) or csv (scope,group_slug,group_kind,currency and the "
        "metrics; one row per group, then one per kind). Dates are inclusive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the person's email address")
        parser.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="last day (YYYY-MM-DD)")
        parser.add_argument(
            "--format", dest="fmt", default="json", metavar="json|csv", help="default: json"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["fmt"] or "").lower()
        if fmt not in ("json", "csv"):
            raise CommandError(f"--format must be json or csv, not {options['fmt']!r}")
        try:
            start = parse_day(options["date_from"], "--from")
            end = parse_day(options["date_to"], "--to")
            check_range(start, end)
        except LedgerError as exc:
            raise CommandError(str(exc)) from None
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']!r}")
        report = member_report(user, start, end)
        if fmt == "json":
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        self.stdout.ending = ""
        writer = csv.writer(self.stdout)
        writer.writerow(CSV_HEADER)
        for scope, rows in (("group", report["by_group"]), ("kind", report["by_kind"])):
            for row in rows:
                writer.writerow(
                    (
                        scope,
                        row.get("group_slug", ""),
                        row["group_kind"],
                        row["currency"],
                        *(_cell(f"{row[m]:.2f}" if m == "hours" else row[m]) for m in METRICS),
                    )
                )

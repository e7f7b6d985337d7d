from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cerchia.ledger import automatic, rollups


class Command(BaseCommand):
    help = (
        "Add the automatic investments missing for past payments, tickets and attendance, then "
        "recompute every monthly ledger rollup from the ledger. Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        added = automatic.backfill()
        self.stderr.write(
            "Automatic entries added: {payments} payments, {tickets} tickets, "
            "{hours} meeting hours".format(**added)
        )

        def progress(number: int, total: int) -> None:
            self.stderr.write(f"step {number}/{total}")

        rows = rollups.rebuild(progress)
        self.stdout.write(
            f"Rebuilt {rows} rollup rows; added {added['payments']} payment, "
            f"{added['tickets']} ticket and {added['hours']} meeting-hours entries."
        )

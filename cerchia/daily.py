"""The daily job: everything Cerchia recomputes or sends by date. Idempotent: running it twice
on a day changes nothing the second time. ``cerchia run-daily`` runs it; the worker runs it
once a day on its own."""

from __future__ import annotations

import datetime
import logging
import threading
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cerchia.community.trust import recompute_trust_levels
from cerchia.contacts.interactions import send_touch_digest
from cerchia.dues.models import DailyRun
from cerchia.dues.services import run_daily_dues
from cerchia.groups.services import end_role_terms
from cerchia.insights.lights import prepare_organisation_window
from cerchia.ledger.reminders import send_follow_up_digest
from cerchia.meetings.registrations import run_daily_registrations
from cerchia.meetings.services import extend_series
from cerchia.meetings.visitors import run_daily_visitors

log = logging.getLogger(__name__)


def run_daily(today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    summary: dict[str, Any] = {"day": today.isoformat()}
    summary.update(run_daily_dues(today))
    summary.update(end_role_terms(today))
    # Offers that ran out pass to the next in line; ended meetings record their no-shows.
    summary.update(run_daily_registrations())
    # After the no-shows: each visit of an ended meeting gets its follow-up task, once.
    summary.update(run_daily_visitors(today))
    # Every series keeps its next weeks materialised (26 weeks and at least 8 ahead).
    summary.update(extend_series(today))
    # One digest a day to each person with follow-ups due or overdue, until they are done.
    summary.update(send_follow_up_digest(today))
    # Once a week to each person with contacts due a call (the week is in the notice's key).
    summary.update(send_touch_digest(today))
    # Trust levels in online communities: level 3 is measured over the last 100 days.
    summary.update(recompute_trust_levels(today))
    # The organisation view's six-month rollup: a new window on the first run of a month.
    summary.update(prepare_organisation_window(today))
    DailyRun.objects.update_or_create(
        day=today, defaults={"finished_at": timezone.now(), "summary": summary}
    )
    return summary


def run_daily_if_due(today: datetime.date | None = None) -> dict[str, Any] | None:
    """Run the daily job unless it has run (or is running) today: the first worker to claim
    the day runs it, the others do nothing. Returns the summary, or None when not due."""
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            DailyRun.objects.create(day=today)
    except IntegrityError:
        return None
    try:
        return run_daily(today)
    except Exception:
        # Give the day back so the next hourly check tries again (the job is idempotent).
        DailyRun.objects.filter(day=today, finished_at__isnull=True).delete()
        raise


def start_daily_thread(interval_seconds: int = 3600) -> threading.Thread:
    """For the worker: check every hour whether today's run is due."""
    stop = threading.Event()

    def loop() -> None:
        from django.db import connection

        while not stop.is_set():
            try:
                summary = run_daily_if_due()
                if summary is not None:
                    log.info("daily job done: %s", summary)
            except Exception:  # keep the worker alive; the next hour tries again
                log.exception("daily job failed")
            finally:
                connection.close()
            stop.wait(interval_seconds)

    thread = threading.Thread(target=loop, name="cerchia-daily", daemon=True)
    thread.start()
    return thread

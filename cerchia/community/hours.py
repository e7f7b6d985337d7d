"""Community hours: members log time spent in a community, or run a timer; either becomes an
"online hours" investment in that group through the ledger, so it feeds their report."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.audit.services import record
from cerchia.community.errors import CommunityError
from cerchia.community.models import Timer
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group
from cerchia.ledger.models import Investment
from cerchia.ledger.services import LedgerError, record_investment

# A timer left running longer than this counts this much (someone forgot to stop it).
MAX_TIMER_HOURS = Decimal(12)


def _require_member(user: Any, group: Group) -> None:
    if group.is_informal or not rights_in(user, group).active_member:
        raise CommunityError(_("Only active members log hours in a group."))


def running_timer(user: Any) -> Timer | None:
    return Timer.objects.filter(user=user).select_related("group").first()


@transaction.atomic
def start_timer(user: Any, group: Group) -> Timer:
    _require_member(user, group)
    running = running_timer(user)
    if running is not None:
        raise CommunityError(
            _("A timer is already running in %(group)s: stop it first.")
            % {"group": running.group.name}
        )
    try:
        with transaction.atomic():
            timer = Timer.objects.create(user=user, group=group, started_at=timezone.now())
    except IntegrityError:
        raise CommunityError(_("A timer is already running: stop it first.")) from None
    record(user, "community.timer.started", timer, {"group": group.pk})
    return timer


def elapsed_hours(timer: Timer, now: datetime.datetime) -> Decimal:
    seconds = Decimal(max(0, int((now - timer.started_at).total_seconds())))
    hours = (seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(hours, MAX_TIMER_HOURS)


@transaction.atomic
def stop_timer(user: Any) -> Investment:
    """Stop the running timer and log its hours (at least 0.01, at most 12) as an investment."""
    timer = Timer.objects.select_for_update().filter(user=user).select_related("group").first()
    if timer is None:
        raise CommunityError(_("No timer is running."))
    hours = max(elapsed_hours(timer, timezone.now()), Decimal("0.01"))
    investment = _record(
        user,
        timer.group,
        hours=hours,
        spent_on=timezone.localdate(timer.started_at),
        notes=_("Timer in %(group)s") % {"group": timer.group.name},
    )
    record(user, "community.timer.stopped", timer, {"hours": str(hours)})
    timer.delete()
    return investment


@transaction.atomic
def cancel_timer(user: Any) -> None:
    timer = Timer.objects.filter(user=user).first()
    if timer is None:
        raise CommunityError(_("No timer is running."))
    record(user, "community.timer.cancelled", timer)
    timer.delete()


@transaction.atomic
def log_hours(
    user: Any,
    group: Group,
    *,
    hours: Any,
    spent_on: datetime.date | None = None,
    notes: str = "",
) -> Investment:
    """Log hours spent in ``group`` by hand."""
    _require_member(user, group)
    return _record(user, group, hours=hours, spent_on=spent_on, notes=notes)


def _record(
    user: Any, group: Group, *, hours: Any, spent_on: datetime.date | None, notes: str
) -> Investment:
    try:
        return record_investment(
            user,
            kind=Investment.Kind.ONLINE_HOURS,
            group=group,
            hours=hours,
            spent_on=spent_on,
            notes=notes,
        )
    except LedgerError as error:
        raise CommunityError(str(error)) from None


def hours_in(user: Any, group: Group) -> Decimal:
    """The hours ``user`` logged in ``group`` (by hand or with the timer)."""
    total = Investment.objects.filter(
        user=user, group=group, kind=Investment.Kind.ONLINE_HOURS
    ).aggregate(total=Sum("hours"))["total"]
    return total or Decimal(0)

"""Chapter health (leaders) and the events funnel (leaders: every event; members: their own
cost per connection at the events they attended)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.insights.funnel import (
    access_funnel,
    default_period,
    event_funnel,
    funnel_chart,
    my_events,
    totals_of,
)
from cerchia.insights.health import access_health, chapter_health
from cerchia.ledger.selectors_ledger import check_range, parse_day
from cerchia.ledger.services import LedgerError
from cerchia.lib.http import AuthedRequest


@login_required
def health(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_health(request.user, slug)
    report = chapter_health(group, timezone.localdate())
    return render(request, "insights/health.html", {"group": group, "report": report})


@login_required
def funnel(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_funnel(request.user, slug)
    group = rights.group
    start, end = default_period(timezone.localdate())
    try:
        asked_start = parse_day(request.GET.get("from"), _("From"))
        asked_end = parse_day(request.GET.get("to"), _("To"))
        check_range(asked_start or start, asked_end or end)
    except LedgerError as exc:
        messages.error(request, str(exc))
    else:
        start, end = asked_start or start, asked_end or end
    events = event_funnel(group, start, end) if rights.manager else []
    mine = my_events(group, request.user, start, end)
    total = totals_of(events)
    return render(
        request,
        "insights/funnel.html",
        {
            "group": group,
            "manager": rights.manager,
            "start": start,
            "end": end,
            "events": events,
            "total": total,
            "chart": funnel_chart(total),
            "mine": mine,
            "my_total": totals_of(mine),
        },
    )

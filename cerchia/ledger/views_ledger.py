"""The ledger page (totals per group for a period, from the monthly rollup), its CSV export,
and the investments a person records by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.ledger import services
from cerchia.ledger.access import access_investment
from cerchia.ledger.exports import write_csv
from cerchia.ledger.forms_ledger import InvestmentForm
from cerchia.ledger.selectors_ledger import (
    PERIODS,
    check_range,
    investment_groups,
    investments_of,
    ledger_totals,
    parse_day,
    period_for,
)
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 50


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    key = request.GET.get("period", "month")
    try:
        period = period_for(key, today, request.GET.get("from", ""), request.GET.get("to", ""))
    except services.LedgerError as exc:
        messages.error(request, str(exc))
        period = period_for("month", today)
    return render(
        request,
        "ledger/ledger/home.html",
        {
            "period": period,
            "periods": PERIODS,
            "totals": ledger_totals(request.user, period),
        },
    )


@login_required
def export_csv(request: AuthedRequest) -> HttpResponse:
    """The same CSV as ``cerchia export-ledger``: every entry between ``from`` and ``to``."""
    try:
        start = parse_day(request.GET.get("from"), _("From"))
        end = parse_day(request.GET.get("to"), _("To"))
        check_range(start, end)
    except services.LedgerError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
    write_csv(response, request.user, start, end)
    return response


@login_required
def investments(request: AuthedRequest) -> HttpResponse:
    """My investments, newest first; the form adds one entered by hand."""
    form = InvestmentForm(request.POST or None, groups=investment_groups(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            investment = services.record_investment(request.user, **form.service_fields())
        except services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s on %(date)s.")
                % {
                    "kind": investment.get_kind_display(),
                    "date": investment.spent_on.isoformat(),
                },
            )
            return redirect("ledger:investments")
    page = Paginator(investments_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/ledger/investments.html",
        {"form": form, "page": page},
    )


@login_required
@require_POST
def investment_delete(request: AuthedRequest, investment_id: int) -> HttpResponse:
    investment = access_investment(request.user, investment_id)
    try:
        services.delete_investment(investment, actor=request.user)
    except services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Investment removed."))
    return redirect("ledger:investments")

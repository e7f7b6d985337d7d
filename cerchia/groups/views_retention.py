"""Retention reports for a group's administrators: the page with its charts, and CSV files."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cerchia.groups.access import access_retention
from cerchia.groups.retention import (
    CSV_REPORTS,
    DEFAULT_MONTHS,
    PERIODS,
    RetentionReport,
    csv_table,
    months_param,
    retention_report,
)
from cerchia.lib.csv_export import csv_response
from cerchia.lib.http import AuthedRequest


def _bars(labels: list[str], datasets: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": datasets},
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
            **options,
        },
    }


def _breakdown(rows: list[Any], label: str) -> dict[str, Any]:
    return _bars(
        [row.label for row in rows],
        [{"label": label, "data": [row.count for row in rows]}],
        indexAxis="y",
        scales={"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
    )


def chart_config(report: RetentionReport) -> dict[str, Any]:
    """Chart.js settings for each canvas of the page, with the same numbers as its tables."""
    months = [row.label for row in report.monthly]
    column = {
        name: [getattr(row, name) for row in report.monthly]
        for name in (
            "new",
            "resigned",
            "terminated",
            "lapsed",
            "members_at_end",
            "renewals_due",
            "renewed",
        )
    }
    rates = [
        None if row.renewal_rate is None else round(row.renewal_rate * 100, 1)
        for row in report.monthly
    ]
    stacked = {"stacked": True, "beginAtZero": True, "ticks": {"precision": 0}}
    return {
        "chart-flow": _bars(
            months,
            [
                {"label": _("Joined"), "data": column["new"], "stack": "in"},
                {"label": _("Resigned"), "data": column["resigned"], "stack": "out"},
                {"label": _("Terminated"), "data": column["terminated"], "stack": "out"},
                {"label": _("Lapsed"), "data": column["lapsed"], "stack": "out"},
            ],
            scales={"x": {"stacked": True}, "y": stacked},
        ),
        "chart-members": {
            "type": "line",
            "data": {
                "labels": months,
                "datasets": [
                    {"label": _("Members at month end"), "data": column["members_at_end"]}
                ],
            },
            "options": {
                "responsive": True,
                "maintainAspectRatio": False,
                "animation": False,
                "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
            },
        },
        "chart-renewals": _bars(
            months,
            [
                {"label": _("Renewals due"), "data": column["renewals_due"]},
                {"label": _("Renewed"), "data": column["renewed"]},
                {
                    "label": _("Renewal rate (%)"),
                    "data": rates,
                    "type": "line",
                    "yAxisID": "rate",
                    "spanGaps": False,
                },
            ],
            scales={
                "y": {"beginAtZero": True, "ticks": {"precision": 0}},
                "rate": {
                    "position": "right",
                    "min": 0,
                    "max": 100,
                    "grid": {"drawOnChartArea": False},
                },
            },
        ),
        "chart-reasons": _breakdown(report.reasons, _("Resignations")),
        "chart-size": _breakdown(report.company_size, _("Members")),
        "chart-places": _breakdown(report.places, _("Members")),
    }


def _months(request: AuthedRequest) -> int:
    return months_param(request.GET.get("months")) or DEFAULT_MONTHS


@login_required
def retention(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_retention(request.user, slug)
    report = retention_report(group, months=_months(request))
    return render(
        request,
        "groups/retention.html",
        {
            "group": group,
            "report": report,
            "totals": report.totals,
            "periods": PERIODS,
            "csv_reports": CSV_REPORTS,
            "charts": chart_config(report),
        },
    )


@login_required
def retention_csv(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_retention(request.user, slug)
    name = request.GET.get("report", "monthly")
    if name not in CSV_REPORTS:
        raise Http404(_("No such report."))
    report = retention_report(group, months=_months(request))
    header, rows = csv_table(report, name)
    filename = f"retention-{group.slug}-{name}-{report.today.isoformat()}.csv"
    return csv_response(filename, header, rows)

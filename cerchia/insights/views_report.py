"""The report page, /insights/: where my business comes from, for a period I choose. Always
the signed-in person's own report. What is shown is built here from ``member_report``: the
summary sentences, the formatted tables and the inline SVG bar charts."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from cerchia.groups.models import Kind
from cerchia.insights.report import (
    DEFAULT_PERIOD,
    PERIODS,
    UNKNOWN_CITY,
    member_report,
    report_period,
)
from cerchia.ledger.services import LedgerError
from cerchia.lib.http import AuthedRequest
from cerchia.lib.money import format_money

NONE = "—"


# --- formatting ----------------------------------------------------------------------------


def rounded(value: float | Decimal, places: int) -> str:
    """Rounded half up, then in the reader's number format (which only cuts digits off)."""
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return number_format(exact, places)


def percent(value: float | None) -> str:
    if value is None:
        return NONE
    return _("%(value)s%%") % {"value": rounded(Decimal(str(value)) * 100, 0)}


def decimal(value: float | None, places: int = 2) -> str:
    return NONE if value is None else rounded(value, places)


def hours(value: float) -> str:
    return rounded(value, 2)


def money(amount_minor: int | None, currency: str) -> str:
    return NONE if amount_minor is None else format_money(amount_minor, currency)


def kind_label(kind: str) -> str:
    return str(Kind(kind).label) if kind in Kind.values else kind


def shown(row: dict[str, Any]) -> dict[str, Any]:
    """One group or kind object as the tables show it."""
    currency = row["currency"]
    return {
        **row,
        "kind_label": kind_label(row["group_kind"]),
        "conversion_shown": percent(row["conversion"]),
        "closed_received_shown": money(row["closed_business_received_minor"], currency),
        "closed_given_shown": money(row["closed_business_given_minor"], currency),
        "money_shown": money(row["money_minor"], currency),
        "hours_shown": hours(row["hours"]),
        "roi_shown": percent(row["roi"]),
        "per_hour_shown": money(row["revenue_per_hour_minor"], currency),
        "reciprocity_shown": decimal(row["reciprocity"]),
        "follow_up_rate_shown": percent(row["follow_up_rate"]),
    }


# --- the summary ---------------------------------------------------------------------------


def sentence(row: dict[str, Any]) -> str:
    """What one group did for the person, in one sentence built from its numbers."""
    currency = row["currency"]
    values = {
        "group": row["group_name"],
        "closed": format_money(row["closed_business_received_minor"], currency),
        "money": format_money(row["money_minor"], currency),
        "hours": hours(row["hours"]),
        "roi": percent(row["roi"]),
    }
    closed, cost, time = (
        row["closed_business_received_minor"],
        row["money_minor"],
        row["hours"],
    )
    if closed and cost and time:
        text = _(
            "%(group)s brought %(closed)s of closed business for %(hours)s hours; it cost "
            "%(money)s, a return on investment of %(roi)s."
        )
    elif closed and cost:
        text = _(
            "%(group)s brought %(closed)s of closed business; it cost %(money)s, a return on "
            "investment of %(roi)s."
        )
    elif closed and time:
        text = _(
            "%(group)s brought %(closed)s of closed business for %(hours)s hours, at no cost "
            "in money."
        )
    elif closed:
        text = _("%(group)s brought %(closed)s of closed business.")
    elif cost and time:
        text = _(
            "%(group)s cost %(money)s and %(hours)s hours and has returned no closed business yet."
        )
    elif cost:
        text = _("%(group)s cost %(money)s and has returned no closed business yet.")
    elif time:
        text = _("%(group)s took %(hours)s hours and has returned no closed business yet.")
    else:
        return ""
    return text % values


def summary(by_group: list[dict[str, Any]]) -> list[str]:
    """A sentence per group and currency that moved money or time, the best return first."""

    def order(row: dict[str, Any]) -> tuple[bool, bool, float, int]:
        # Groups that pay first, the best return on investment first (those that cost no
        # money after them); then the ones that cost more than they returned.
        gain = row["closed_business_received_minor"] - row["money_minor"]
        roi = row["roi"]
        return (gain <= 0, roi is None, -(roi or 0.0), -gain)

    return [text for row in sorted(by_group, key=order) if (text := sentence(row))]


# --- charts --------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 240
TOP, BOTTOM, LEFT, RIGHT = 24, 30, 6, 6
FONT = 15  # in the 640-wide view box: about 9px on a phone, 14px beside the table
COLOURS = ("var(--pico-primary)", "var(--pico-secondary)")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    colour: str


@dataclass
class Chart:
    key: str
    title: str
    legend: list[tuple[str, str]]  # label, colour
    columns: list[str]  # the table's headings after "Month"
    rows: list[tuple[str, list[str]]]  # month label, values shown
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)  # x, month label
    top_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM
    font: int = FONT


def bar_chart(
    key: str,
    title: str,
    months: list[datetime.date],
    series: list[tuple[str, list[int | float]]],
    show: Any,
) -> Chart | None:
    """Grouped bars, one group per month, one bar per series; None when every value is 0.
    ``show`` formats a value for the bar's tooltip and the table beside the chart."""
    if not any(value for _label, values in series for value in values):
        return None
    month_labels = [date_format(month, "M Y") for month in months]
    # Under the bars the year only where it starts or changes: a phone has little room.
    axis_labels = [
        date_format(month, "M Y" if i == 0 or month.month == 1 else "M")
        for i, month in enumerate(months)
    ]
    chart = Chart(
        key=key,
        title=title,
        legend=[(label, COLOURS[i % len(COLOURS)]) for i, (label, _v) in enumerate(series)],
        columns=[label for label, _values in series],
        rows=[
            (month_labels[i], [show(values[i]) for _label, values in series])
            for i in range(len(months))
        ],
    )
    top = max(value for _label, values in series for value in values)
    chart.top_label = show(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    bar_w = slot * 0.8 / len(series)
    # A label under every month while they fit, else every second, third...
    step = max(1, math.ceil(len(months) / 12))
    for i, month_label in enumerate(month_labels):
        x0 = LEFT + i * slot + slot * 0.1
        for j, (label, values) in enumerate(series):
            h = plot_h * float(values[i]) / float(top)
            chart.bars.append(
                Bar(
                    x=round(x0 + j * bar_w, 2),
                    y=round(TOP + plot_h - h, 2),
                    width=round(max(bar_w - 1, 1), 2),
                    height=round(h, 2),
                    title=f"{month_label} · {label}: {show(values[i])}",
                    colour=COLOURS[j % len(COLOURS)],
                )
            )
        if i % step == 0:
            chart.labels.append((round(LEFT + (i + 0.5) * slot, 2), axis_labels[i]))
    return chart


def trend_charts(trend: list[dict[str, Any]]) -> list[tuple[str, list[Chart]]]:
    """Per currency: referrals received and given, closed business received against money
    spent, hours — each a chart with its table."""
    currencies = sorted({row["currency"] for row in trend})
    out = []
    for currency in currencies:
        rows = [row for row in trend if row["currency"] == currency]
        months = [datetime.date.fromisoformat(row["month"] + "-01") for row in rows]

        def col(name: str, rows: list[dict[str, Any]] = rows) -> list[Any]:
            return [row[name] for row in rows]

        def show_money(value: Any, currency: str = currency) -> str:
            return format_money(int(value), currency)

        charts = [
            bar_chart(
                f"referrals-{currency}",
                _("Referrals received and given"),
                months,
                [
                    (_("Received"), col("referrals_received")),
                    (_("Given"), col("referrals_given")),
                ],
                str,
            ),
            bar_chart(
                f"money-{currency}",
                _("Closed business received and money spent"),
                months,
                [
                    (_("Closed business received"), col("closed_business_received_minor")),
                    (_("Money spent"), col("money_minor")),
                ],
                show_money,
            ),
            bar_chart(f"hours-{currency}", _("Hours"), months, [(_("Hours"), col("hours"))], hours),
        ]
        found = [chart for chart in charts if chart is not None]
        if found:
            out.append((currency, found))
    return out


# --- advice and geography ------------------------------------------------------------------


def advice_rows(advice: list[dict[str, Any]], by_group: list[dict[str, Any]]) -> list[dict]:
    names = {row["group_slug"]: row["group_name"] for row in by_group}
    rows = []
    for item in advice:
        slug = item.get("group_slug", "")
        recommendation = str(item.get("recommendation", ""))
        rows.append(
            {
                "group": names.get(slug) or item.get("group_name") or slug,
                "kind_label": kind_label(str(item.get("group_kind", ""))),
                # The advisor's own label, in the reader's language.
                "recommendation": str(item.get("label") or recommendation),
                "code": recommendation,
                "reason": item.get("reason", ""),
            }
        )
    return rows


def geography_rows(geography: dict[str, Any]) -> dict[str, Any]:
    return {
        **geography,
        "local_share_shown": percent(geography["local_share"]),
        "cities_shown": [
            {
                "city": _("Unknown or not shared") if c["city"] == UNKNOWN_CITY else c["city"],
                "referrals_received": c["referrals_received"],
                "share": percent(c["share"]),
            }
            for c in geography["cities"]
        ],
        "kinds_shown": [
            {
                "kind_label": kind_label(k["group_kind"]),
                "referrals_received": k["referrals_received"],
                "local": k["local"],
                "local_share": percent(k["local_share"]),
            }
            for k in geography["by_kind"]
        ],
    }


# --- the page ------------------------------------------------------------------------------


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    key = request.GET.get("period", DEFAULT_PERIOD)
    start_text, end_text = request.GET.get("from", ""), request.GET.get("to", "")
    try:
        period = report_period(key, today, start_text, end_text)
    except LedgerError as exc:
        messages.error(request, str(exc))
        period = report_period(DEFAULT_PERIOD, today)
    data = member_report(request.user, period.start, period.end, today=today)
    by_group = data["by_group"]
    return render(
        request,
        "insights/report.html",
        {
            "period": period,
            "periods": PERIODS,
            "report": data,
            "has_data": bool(by_group or data["trend"] or data["geography"]["referrals_received"]),
            "summary": summary(by_group),
            "kinds": [shown(row) for row in data["by_kind"]],
            "groups": [shown(row) for row in by_group],
            "advice": advice_rows(data["advice"], by_group),
            "charts": trend_charts(data["trend"]),
            "geography": geography_rows(data["geography"]),
        },
    )

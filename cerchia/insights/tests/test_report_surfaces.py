"""The report's three surfaces — the page /insights/, GET /api/v1/report and
``cerchia report`` — show the same report, always the caller's own; bad input is a clear
message (page), a 400 (API) or stderr and a non-zero exit (CLI), never a crash."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.conftest import Cast
from cerchia.insights.report import METRICS, member_report
from cerchia.insights.tests.test_report import NOW, TODAY, build, chamber_of, city, d, grow
from cerchia.ledger import services
from cerchia.meetings.tests.meeting_helpers import at


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


# --- the page ------------------------------------------------------------------------------


def table_row(html: str, row_id: str) -> str:
    start = html.index(f'<tr id="{row_id}">')
    return html[start : html.index("</tr>", start)]


def test_anonymous_visitors_are_sent_to_log_in(cast: Cast) -> None:
    response = Client().get("/insights/")
    assert response.status_code == 302
    assert response["Location"].endswith("/login/?next=/insights/")


@pytest.mark.parametrize("period", ["30d", "3m", "6m", "12m"])
def test_the_page_renders_for_each_period(cast: Cast, period: str) -> None:
    build(cast)
    response = cast.client("member").get("/insights/", {"period": period})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{period}" selected>' in html
    assert 'id="report-summary"' in html and 'id="report-empty"' not in html


def test_the_page_tells_the_years_story_with_numbers(cast: Cast) -> None:
    chamber = build(cast)["chamber"]
    city(cast.member, "Milano")
    city(cast.leader, "Milano")
    html = cast.client("member").get("/insights/", {"period": "12m"}).content.decode()
    # The summary: sentences built from the numbers.
    assert (
        "Camera Ticino brought 1,200.00 CHF of closed business for 3.00 hours; it cost "
        "500.00 CHF, a return on investment of 140%." in html
    )
    assert "Chapter One brought 300.00 EUR of closed business for 3.75 hours" in html
    assert "Camera Ticino cost 12.00 EUR and has returned no closed business yet." in html
    # The tables: per kind and per group, ROI as a percentage, revenue per hour as money.
    assert 'id="kind-lead_group-EUR"' in html and 'id="kind-informal-EUR"' in html
    chapter = table_row(html, f"group-{cast.group.slug}-EUR")
    # Conversion, ROI (5.1856, rounded), revenue per hour, reciprocity, follow-up rate.
    for cell in ("40%", "519%", "80.00 EUR", "0.60", "50%", "3.75", "48.50 EUR"):
        assert f">{cell}</td>" in chapter
    camera = table_row(html, f"group-{chamber.slug}-CHF")
    for cell in ("140%", "400.00 CHF", "1,200.00 CHF", "500.00 CHF"):
        assert f">{cell}</td>" in camera
    # Null ratios show as a dash, never as 0.
    assert ">—</td>" in table_row(html, f"group-{chamber.slug}-EUR")
    # Trend charts: inline SVG with a table of the same numbers beside each.
    assert 'id="chart-referrals-EUR"' in html and 'id="chart-money-CHF"' in html
    assert html.count("<svg viewBox") >= 4
    assert "<title>Feb 2026 · Closed business received: 300.00 EUR</title>" in html
    assert ">Jul 2025</text>" in html and ">Aug</text>" in html and ">Jan 2026</text>" in html
    # Where referrals come from.
    assert 'id="geography-cities"' in html and "Milano" in html
    # The advice: a card per group with the advisor's recommendation and reason.
    assert 'id="report-advice"' in html
    advice = member_report(cast.member, datetime.date(2025, 7, 1), TODAY)["advice"]
    assert advice
    for item in advice:
        assert f'class="advice advice-{item["recommendation"]}"' in html


def test_a_custom_period_reads_both_dates(cast: Cast) -> None:
    build(cast)
    html = (
        cast.client("member")
        .get("/insights/", {"period": "custom", "from": "2026-02-01", "to": "2026-02-28"})
        .content.decode()
    )
    assert '<option value="custom" selected>' in html
    assert 'value="2026-02-01"' in html and 'value="2026-02-28"' in html
    assert "Chapter One brought 300.00 EUR of closed business for 1.50 hours" in html
    # The chamber's CHF entries are all outside February.
    assert "Camera Ticino brought" not in html


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-02-30", "", "From must be a date like 2026-03-31, not 2026-02-30."),
        ("yesterday", "", "not yesterday"),
        ("2026-05-01", "2026-04-01", "The start date comes after the end date."),
    ],
)
def test_bad_dates_are_a_clear_message(cast: Cast, start: str, end: str, message: str) -> None:
    build(cast)
    response = cast.client("member").get(
        "/insights/", {"period": "custom", "from": start, "to": end}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert '<option value="12m" selected>' in html  # shown for the last 12 months instead


def test_with_nothing_recorded_the_page_says_what_to_do(cast: Cast) -> None:
    html = cast.client("outsider").get("/insights/").content.decode()
    assert 'id="report-empty"' in html
    assert "Nothing in your ledger for this period yet." in html
    assert 'id="report-groups"' not in html and "<svg viewBox" not in html


def test_no_parameter_shows_someone_elses_report(cast: Cast) -> None:
    build(cast)
    client = cast.client("outsider")
    for params in (
        {"user": cast.member.pk},
        {"user_id": cast.member.pk},
        {"email": cast.member.email},
        {"member": cast.member.email},
    ):
        html = client.get("/insights/", params).content.decode()
        assert 'id="report-empty"' in html
        assert "Chapter One" not in html and "Camera Ticino" not in html
    body = cast.api("outsider").get("/api/v1/report", {"user": cast.member.pk}).json()
    assert body["by_group"] == [] and body["geography"]["referrals_received"] == 0


def test_the_page_costs_the_same_queries_with_3_rows_or_30(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    chamber = chamber_of(cast)
    grow(cast, chamber, 3)
    client = cast.client("member")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/insights/").status_code == 200
    grow(cast, chamber, 27)
    with django_assert_max_num_queries(len(few)):
        html = client.get("/insights/").content.decode()
    assert 'id="report-groups"' in html
    assert len(few) <= 30


def test_the_nav_links_to_the_report(cast: Cast) -> None:
    html = cast.client("member").get("/ledger/").content.decode()
    assert 'href="/insights/" id="nav-report"' in html


# --- the API -------------------------------------------------------------------------------


def test_the_api_needs_a_token(cast: Cast) -> None:
    response = Client().get("/api/v1/report")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_api_gives_the_same_report(cast: Cast) -> None:
    build(cast)
    response = cast.api("member").get("/api/v1/report", {"from": "2026-02-01", "to": "2026-04-15"})
    assert response.status_code == 200, response.content
    expected = member_report(cast.member, d(2, 1), d(4, 15), today=TODAY)
    assert response.json() == json.loads(json.dumps(expected))
    assert response.json()["from"] == "2026-02-01"


def test_the_api_without_dates_covers_everything(cast: Cast) -> None:
    build(cast)
    body = cast.api("member").get("/api/v1/report").json()
    assert (body["from"], body["to"]) == (None, None)
    assert body == json.loads(json.dumps(member_report(cast.member, None, None)))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "from must be a date like 2026-03-31, not 2026-13-01."),
        ({"to": "soon"}, "to must be a date like 2026-03-31, not soon."),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "The start date comes after the end date."),
    ],
)
def test_bad_dates_in_the_api_are_a_400(cast: Cast, params: dict, message: str) -> None:
    response = cast.api("member").get("/api/v1/report", params)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


# --- the CLI -------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_cli_json_is_the_report(cast: Cast) -> None:
    build(cast)
    text = run("--user", cast.member.email, "--from", "2026-01-01", "--to", "2026-06-30")
    assert text.startswith('{\n  "from": "2026-01-01",')  # indent 2
    assert json.loads(text) == json.loads(json.dumps(member_report(cast.member, d(1, 1), d(6, 30))))
    # The address is found whatever its case.
    other = run("--user", cast.member.email.upper(), "--format", "json")
    assert json.loads(other)["by_group"]


def cells(header: list[str], rows: list[list[str]], slug: str, currency: str) -> dict:
    found = next(r for r in rows if (r[1], r[3]) == (slug, currency))
    return dict(zip(header, found, strict=True))


def test_cli_csv_has_a_row_per_group_then_per_kind(cast: Cast) -> None:
    chamber = build(cast)["chamber"]
    text = run("--user", cast.member.email, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["scope", "group_slug", "group_kind", "currency", *METRICS]
    report = member_report(cast.member, None, None)
    body = rows[1:]
    assert len(body) == len(report["by_group"]) + len(report["by_kind"])
    groups = [r for r in body if r[0] == "group"]
    kinds = [r for r in body if r[0] == "kind"]
    assert body == groups + kinds  # groups first
    assert [(r[1], r[3]) for r in groups] == [
        (g["group_slug"], g["currency"]) for g in report["by_group"]
    ]
    assert all(r[1] == "" for r in kinds)
    row = cells(rows[0], groups, chamber.slug, "CHF")
    assert row["roi"] == "1.4" and row["hours"] == "3.00" and row["money_minor"] == "50000"
    # A null ratio is an empty cell.
    row = cells(rows[0], groups, chamber.slug, "EUR")
    assert (row["conversion"], row["reciprocity"], row["revenue_per_hour_minor"]) == ("", "", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.org"], "No user with the email"),
        (["--user", "member@example.org", "--from", "2026-02-30"], "--from must be a date"),
        (["--user", "member@example.org", "--to", "later"], "--to must be a date"),
        (
            ["--user", "member@example.org", "--from", "2026-05-01", "--to", "2026-04-01"],
            "The start date comes after the end date.",
        ),
        (["--user", "member@example.org", "--format", "xml"], "--format must be json or csv"),
    ],
)
def test_cli_errors_go_to_stderr_with_nothing_on_stdout(
    cast: Cast, args: list[str], message: str
) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, stdout=out)
    assert out.getvalue() == ""


def test_cli_exits_non_zero_on_an_error(cast: Cast, capsys: Any) -> None:
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["cerchia", "report", "--user", "nobody@example.org"]).execute()
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No user with the email" in captured.err


def test_the_cli_reports_only_the_persons_own_entries(cast: Cast) -> None:
    services.record_investment(
        cast.leader, kind="meals", group=cast.group, amount_minor=999, spent_on=d(6, 1)
    )
    assert json.loads(run("--user", cast.member.email))["by_group"] == []
    assert json.loads(run("--user", cast.leader.email))["by_group"][0]["money_minor"] == 999

"""The ledger page: my totals per group for a period, read from the monthly rollup (whole
months), money per currency, and the CSV of the exact period."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from cerchia.conftest import Cast
from cerchia.ledger import services
from cerchia.ledger.selectors_ledger import ledger_totals, period_for
from cerchia.meetings.tests.meeting_helpers import at, rome

NOW = rome(2026, 5, 20, 12, 0)
TODAY = datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def day(month: int, d: int) -> datetime.date:
    return datetime.date(2026, month, d)


def build(cast: Cast) -> None:
    member, leader, group = cast.member, cast.leader, cast.group
    r = services.record_referral(
        leader, receiver=member, group=group, prospect_name="Verdi", given_on=day(5, 2)
    )
    services.record_referral(
        member, receiver=leader, group=group, prospect_name="Bi", given_on=day(5, 3)
    )
    services.record_referral(
        member, receiver_name="Ezio", prospect_name="Rossi", given_on=day(5, 4)
    )
    services.record_closed_business(member, referral=r, amount_minor=30000, closed_on=day(5, 6))
    services.record_closed_business(
        member, giver=leader, group=group, amount_minor=4500, currency="CHF", closed_on=day(5, 7)
    )
    services.propose_one_to_one(member, partner=leader, group=group, held_on=day(5, 8))
    nina = services.record_connection(member, where="elsewhere", name="Nina", met_on=day(5, 9))
    services.mark_followed_up(nina, actor=member, on=day(5, 10))
    services.record_investment(
        member, kind="travel", group=group, amount_minor=2350, hours="1.5", spent_on=day(5, 11)
    )
    services.record_investment(
        member, kind="meals", group=group, amount_minor=1000, currency="USD", spent_on=day(5, 12)
    )
    # Earlier months, outside "this month".
    services.record_referral(
        member, receiver=leader, group=group, prospect_name="Old", given_on=day(1, 15)
    )
    # Someone else's: never on my page.
    services.record_investment(leader, kind="meals", amount_minor=77700, group=group)


def cell(html: str, section: str, label: str) -> str:
    """The text of a totals row in one group's card."""
    card = html.split(f'id="totals-{section}"', 1)[1].split("</article>", 1)[0]
    found = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>(.*?)</td>", card, re.S)
    assert found, (label, card)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_this_month_per_group_from_the_rollup(cast: Cast) -> None:
    build(cast)
    response = cast.client("member").get("/ledger/")
    assert response.status_code == 200
    html = response.content.decode()
    slug, informal = cast.group.slug, f"informal-{cast.member.pk}"
    assert cell(html, slug, "Referrals given") == "1"  # January's is outside the month
    assert cell(html, slug, "Referrals received") == "1"
    assert cell(html, slug, "Closed business received") == "2 45.00 CHF 300.00 EUR"
    assert cell(html, slug, "Closed business given") == "0"
    assert cell(html, slug, "One-to-ones held") == "1"
    assert cell(html, slug, "Money spent") == "23.50 EUR 10.00 USD"  # never added together
    assert cell(html, slug, "Hours") == "1.50"
    assert cell(html, informal, "Referrals given") == "1"
    assert cell(html, informal, "People met") == "1"
    assert cell(html, informal, "Follow-ups done") == "1"
    assert "777.00" not in html  # the leader's own spending
    assert "Totals count whole calendar months: May 2026 to May 2026." in html
    assert 'href="/ledger/export.csv?from=2026-05-01&amp;to=2026-05-20"' in html
    for link in ("/ledger/referrals/", "/ledger/one-to-ones/", "/ledger/connections/"):
        assert f'href="{link}"' in html
    assert 'href="/ledger/investments/"' in html


def test_the_year_and_custom_periods(cast: Cast) -> None:
    build(cast)
    client = cast.client("member")
    html = client.get("/ledger/?period=year").content.decode()
    assert cell(html, cast.group.slug, "Referrals given") == "2"
    assert "January 2026 to May 2026" in html
    html = client.get("/ledger/?period=custom&from=2026-01-01&to=2026-01-31").content.decode()
    assert cell(html, cast.group.slug, "Referrals given") == "1"
    assert cell(html, cast.group.slug, "Referrals received") == "0"
    assert 'href="/ledger/export.csv?from=2026-01-01&amp;to=2026-01-31"' in html
    html = client.get("/ledger/?period=custom&from=2025-01-01&to=2025-12-31").content.decode()
    assert 'id="ledger-empty"' in html


def test_a_bad_custom_period_says_why_and_shows_this_month(cast: Cast) -> None:
    build(cast)
    client = cast.client("member")
    html = client.get("/ledger/?period=custom&from=2026-05-10&to=2026-05-01").content.decode()
    assert "The start date comes after the end date." in html
    assert "May 2026 to May 2026" in html
    html = client.get("/ledger/?period=custom&from=someday").content.decode()
    assert "From must be a date like 2026-03-31, not someday." in html


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("month", day(5, 1), TODAY),
        ("30d", day(4, 21), TODAY),
        ("quarter", day(4, 1), TODAY),
        ("year", day(1, 1), TODAY),
        ("nonsense", day(5, 1), TODAY),
    ],
)
def test_periods(key: str, start: datetime.date, end: datetime.date) -> None:
    period = period_for(key, TODAY)
    assert (period.start, period.end) == (start, end)


def test_last_30_days_counts_both_months_it_touches(cast: Cast) -> None:
    services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="A", given_on=day(4, 2)
    )
    totals = ledger_totals(cast.member, period_for("30d", TODAY))
    assert [t.counts["referrals_given"] for t in totals] == [1]
    assert totals[0].hours == Decimal("0")


def test_totals_are_one_query_and_the_page_a_fixed_number(
    cast: Cast, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    build(cast)
    period = period_for("year", TODAY)
    with django_assert_num_queries(1):
        totals = ledger_totals(cast.member, period)
    assert [t.kind for t in totals] == ["informal", "lead_group"]
    client = cast.client("member")
    with django_assert_max_num_queries(10):
        client.get("/ledger/?period=year")
    for month in range(1, 6):
        services.record_investment(
            cast.member, kind="meals", amount_minor=100, currency="GBP", spent_on=day(month, 1)
        )
        services.record_connection(cast.member, where="elsewhere", name="X", met_on=day(month, 2))
    with django_assert_max_num_queries(10):
        client.get("/ledger/?period=year")


def test_nobody_elses_ledger_and_a_login_needed(cast: Cast) -> None:
    build(cast)
    html = cast.client("outsider").get("/ledger/").content.decode()
    assert 'id="ledger-empty"' in html and "Chapter One" not in html
    response = Client().get("/ledger/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_navigation_links_to_the_ledger(cast: Cast) -> None:
    html = cast.client("member").get("/").content.decode()
    assert 'href="/ledger/"' in html

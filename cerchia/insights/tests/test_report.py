"""The member report's numbers: worked out a second, independent way from the exported ledger
(the CSV of ``cerchia export-ledger``) and compared, for several periods; every null rule;
currencies never mixed; where referrals come from without leaking a hidden city; the same
number of queries whatever the data."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.models import Group
from cerchia.groups.services import create_group
from cerchia.insights.report import (
    by_group_and_kind,
    geography,
    member_report,
    report_period,
    trend,
)
from cerchia.ledger import services
from cerchia.ledger.services import LedgerError
from cerchia.meetings.tests.meeting_helpers import at, rome

NOW = rome(2026, 6, 30, 12, 0)
TODAY = datetime.date(2026, 6, 30)


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2026, month, day)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def chamber_of(cast: Cast) -> Group:
    """A chamber billing in CHF, with the member and the leader in it."""
    chamber = create_group(
        cast.owner, name="Camera Ticino", kind="chamber", currency="CHF", visibility="public"
    )
    add_member(chamber, cast.member)
    add_member(chamber, cast.leader)
    return chamber


def build(cast: Cast) -> dict[str, Any]:
    """A mixed year for the member, all through the ledger services: a chapter (EUR) and a
    chamber (CHF), the informal network, two currencies in one group, money and hours, people
    met (some followed up), won, lost and open referrals, and the leader's own entries."""
    member, leader, owner, chapter = cast.member, cast.leader, cast.owner, cast.group
    chamber = chamber_of(cast)

    def received(giver: User, group: Group | None, day: datetime.date, name: str) -> Any:
        return services.record_referral(
            giver, receiver=member, group=group, prospect_name=name, given_on=day
        )

    # Received in the chapter: won with business, lost, open, won without business.
    received(leader, chapter, d(1, 10), "January")
    won = received(leader, chapter, d(2, 14), "Bianchi")
    services.record_closed_business(member, referral=won, amount_minor=30000, closed_on=d(2, 20))
    lost = received(leader, chapter, d(3, 5), "Neri")
    services.advance_referral(lost, actor=member, status="lost", lost_reason="Went elsewhere")
    received(leader, chapter, d(4, 20), "Open")
    won_plain = received(owner, chapter, d(5, 2), "Gialli")
    services.advance_referral(won_plain, actor=member, status="won")
    # Received in the chamber, closed in CHF; received in the informal network.
    in_chamber = received(leader, chamber, d(3, 18), "Svizzera")
    services.record_closed_business(
        member, referral=in_chamber, amount_minor=120000, closed_on=d(4, 2)
    )
    received(leader, None, d(4, 1), "Amico")
    # Given.
    for day in (d(2, 1), d(3, 3), d(4, 16)):
        services.record_referral(
            member, receiver=leader, group=chapter, prospect_name="P", given_on=day
        )
    services.record_referral(
        member, receiver=leader, group=chamber, prospect_name="Q", given_on=d(5, 5)
    )
    services.record_referral(
        member, receiver_name="Ezio External", prospect_name="R", given_on=d(2, 25)
    )
    # Closed business the member passed (others thank them), and a thank-you in CHF in the
    # EUR chapter.
    services.record_closed_business(
        leader, giver=member, group=chapter, amount_minor=5000, closed_on=d(3, 9)
    )
    services.record_closed_business(
        leader, giver=member, group=chamber, amount_minor=800, closed_on=d(5, 6)
    )
    services.record_closed_business(
        member, giver=leader, group=chapter, amount_minor=4500, currency="CHF", closed_on=d(4, 15)
    )
    # Money and hours.
    invest = services.record_investment
    invest(member, kind="travel", group=chapter, amount_minor=2350, hours="1.5", spent_on=d(2, 3))
    invest(member, kind="meals", group=chapter, amount_minor=1800, spent_on=d(4, 10))
    invest(member, kind="preparation", group=chapter, hours="2.25", spent_on=d(3, 31))
    invest(member, kind="other", group=chamber, amount_minor=50000, spent_on=d(1, 20))
    invest(
        member,
        kind="travel",
        group=chamber,
        amount_minor=1200,
        currency="EUR",
        hours="3",
        spent_on=d(3, 12),
    )
    invest(member, kind="online_hours", hours="4", spent_on=d(2, 16))
    invest(member, kind="meals", amount_minor=900, currency="EUR", spent_on=d(5, 20))
    invest(member, kind="travel", group=chapter, amount_minor=700, spent_on=d(6, 29))
    # People met: some followed up (one met before February, followed up in it).
    meet = services.record_connection
    p1 = meet(member, where="elsewhere", group=chapter, name="P1", met_on=d(2, 10))
    services.mark_followed_up(p1, actor=member, on=d(2, 12))
    meet(member, where="elsewhere", group=chapter, name="P2", met_on=d(3, 20))
    p3 = meet(member, where="elsewhere", group=chamber, name="P3", met_on=d(4, 14))
    services.mark_followed_up(p3, actor=member, on=d(5, 1))
    p4 = meet(member, where="elsewhere", name="P4", met_on=d(1, 28))
    services.mark_followed_up(p4, actor=member, on=d(2, 2))
    meet(member, where="elsewhere", name="P5", met_on=d(5, 25))
    # The leader's own: never in the member's report.
    invest(leader, kind="meals", group=chapter, amount_minor=999, hours="9", spent_on=d(3, 1))
    meet(leader, where="elsewhere", name="Lara", met_on=d(3, 2))
    return {"chamber": chamber}


# --- the second computation: from the exported CSV, in plain Python ------------------------


def export_rows(user: User, start: datetime.date | None, end: datetime.date | None) -> list:
    args = ["--user", user.email]
    if start:
        args += ["--from", start.isoformat()]
    if end:
        args += ["--to", end.isoformat()]
    out = io.StringIO()
    call_command("export_ledger", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def half_up(value: Fraction, places: int) -> Fraction:
    scale = 10**places
    sign = -1 if value < 0 else 1
    return sign * Fraction(int(abs(value) * scale + Fraction(1, 2)), scale)


def share(num: Any, den: Any) -> float | None:
    if den == 0:
        return None
    return float(half_up(Fraction(num) / Fraction(den), 4))


def metrics(t: dict[str, Any]) -> dict[str, Any]:
    hours = t["hours"]
    rph = None if hours == 0 else int(half_up(Fraction(t["cbr"]) / hours, 0))
    return {
        "referrals_received": t["rr"],
        "referrals_given": t["rg"],
        "referrals_won": t["won"],
        "conversion": share(t["won"], t["rr"]),
        "closed_business_received_minor": t["cbr"],
        "closed_business_given_minor": t["cbg"],
        "money_minor": t["money"],
        "hours": float(hours),
        "roi": share(t["cbr"] - t["money"], t["money"]),
        "revenue_per_hour_minor": rph,
        "reciprocity": share(t["rg"], t["rr"]),
        "connections": t["conn"],
        "follow_ups_done": t["done"],
        "follow_up_rate": share(t["done"], t["conn"]),
    }


def recompute(
    user: User, start: datetime.date | None, end: datetime.date | None
) -> tuple[dict, dict]:
    """By group and currency, and by kind and currency, from the export's rows alone."""
    currency_of = dict(Group.objects.values_list("slug", "currency"))
    zero = {"rr": 0, "rg": 0, "won": 0, "cbr": 0, "cbg": 0, "money": 0, "conn": 0, "done": 0}
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {**zero, "hours": Fraction(0)}
    )
    kind_of: dict[str, str] = {}
    for row in export_rows(user, start, end):
        slug, entry = row["group_slug"], row["entry_type"]
        kind_of[slug] = row["group_kind"]
        own = (slug, currency_of[slug])
        if entry == "referral_received":
            groups[own]["rr"] += 1
            groups[own]["won"] += row["status"] == "won"
        elif entry == "referral_given":
            groups[own]["rg"] += 1
        elif entry == "closed_business_received":
            groups[(slug, row["currency"])]["cbr"] += int(row["amount_minor"])
        elif entry == "closed_business_given":
            groups[(slug, row["currency"])]["cbg"] += int(row["amount_minor"])
        elif entry == "money":
            groups[(slug, row["currency"])]["money"] += int(row["amount_minor"])
        elif entry == "hours":
            groups[own]["hours"] += Fraction(row["hours"])
        elif entry == "connection":
            groups[own]["conn"] += 1
            groups[own]["done"] += row["status"] == "followed_up"
    kinds: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {**zero, "hours": Fraction(0)}
    )
    for (slug, currency), totals in groups.items():
        for name, value in totals.items():
            kinds[(kind_of[slug], currency)][name] += value
    return (
        {key: metrics(t) for key, t in groups.items()},
        {key: metrics(t) for key, t in kinds.items()},
    )


def keyed(report: dict[str, Any]) -> tuple[dict, dict]:
    names = [n for n in report["by_group"][0] if n not in ("group_slug", "group_name")]
    by_group = {
        (row["group_slug"], row["currency"]): {
            k: v for k, v in row.items() if k in names and k not in ("group_kind", "currency")
        }
        for row in report["by_group"]
    }
    by_kind = {
        (row["group_kind"], row["currency"]): {
            k: v for k, v in row.items() if k not in ("group_kind", "currency")
        }
        for row in report["by_kind"]
    }
    return by_group, by_kind


PERIODS = [
    (None, None),
    (d(1, 1), d(6, 30)),
    (d(2, 1), d(4, 15)),  # cuts April in half
    (d(3, 18), d(3, 18)),
    (d(4, 1), None),
    (None, d(2, 28)),
]


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_every_figure_matches_a_second_computation_from_the_export(
    cast: Cast, start: datetime.date | None, end: datetime.date | None
) -> None:
    build(cast)
    report = member_report(cast.member, start, end)
    assert (report["from"], report["to"]) == (
        start.isoformat() if start else None,
        end.isoformat() if end else None,
    )
    groups, kinds = recompute(cast.member, start, end)
    assert report["by_group"], "the scenario has entries in every period"
    got_groups, got_kinds = keyed(report)
    assert got_groups == groups
    assert got_kinds == kinds


def test_the_whole_year_in_numbers(cast: Cast) -> None:
    """The scenario's figures written out, so a wrong second computation cannot hide a bug."""
    chamber = build(cast)["chamber"]
    report = member_report(cast.member, d(1, 1), d(6, 30))
    rows = {(r["group_slug"], r["currency"]): r for r in report["by_group"]}
    informal = f"informal-{cast.member.pk}"
    assert list(rows) == [
        (informal, "EUR"),
        (chamber.slug, "CHF"),
        (chamber.slug, "EUR"),
        (cast.group.slug, "EUR"),
        (cast.group.slug, "CHF"),
    ]
    chapter = rows[(cast.group.slug, "EUR")]
    assert chapter["group_name"] == "Chapter One" and chapter["group_kind"] == "lead_group"
    assert {k: chapter[k] for k in ("referrals_received", "referrals_given", "referrals_won")} == {
        "referrals_received": 5,
        "referrals_given": 3,
        "referrals_won": 2,
    }
    assert chapter["conversion"] == 0.4
    assert chapter["closed_business_received_minor"] == 30000
    assert chapter["closed_business_given_minor"] == 5000
    assert chapter["money_minor"] == 2350 + 1800 + 700
    assert chapter["hours"] == 3.75
    assert chapter["roi"] == round((30000 - 4850) / 4850, 4) == 5.1856
    assert chapter["revenue_per_hour_minor"] == 8000
    assert chapter["reciprocity"] == 0.6
    assert (chapter["connections"], chapter["follow_ups_done"], chapter["follow_up_rate"]) == (
        2,
        1,
        0.5,
    )
    # The CHF thank-you in the EUR chapter stays in its own currency.
    chapter_chf = rows[(cast.group.slug, "CHF")]
    assert chapter_chf["closed_business_received_minor"] == 4500
    assert chapter_chf["referrals_received"] == 0 and chapter_chf["conversion"] is None
    assert chapter_chf["hours"] == 0 and chapter_chf["revenue_per_hour_minor"] is None
    # The chamber: counts and hours in CHF, the EUR travel apart.
    camera = rows[(chamber.slug, "CHF")]
    assert (camera["money_minor"], camera["hours"], camera["closed_business_received_minor"]) == (
        50000,
        3.0,
        120000,
    )
    assert camera["roi"] == 1.4 and camera["revenue_per_hour_minor"] == 40000
    assert rows[(chamber.slug, "EUR")]["money_minor"] == 1200
    assert rows[(chamber.slug, "EUR")]["roi"] == -1.0
    net = rows[(informal, "EUR")]
    assert net["group_kind"] == "informal" and net["group_name"] == "My informal network"
    assert (net["referrals_received"], net["referrals_given"], net["hours"]) == (1, 1, 4.0)
    assert (net["connections"], net["follow_ups_done"]) == (2, 1)
    kinds = {(k["group_kind"], k["currency"]) for k in report["by_kind"]}
    assert kinds == {
        ("chamber", "CHF"),
        ("chamber", "EUR"),
        ("lead_group", "EUR"),
        ("lead_group", "CHF"),
        ("informal", "EUR"),
    }
    # The leader's own meals and hours are nowhere in the member's report.
    assert all(r["money_minor"] != 999 for r in report["by_group"])


def test_currencies_are_never_added_together(cast: Cast) -> None:
    build(cast)
    report = member_report(cast.member, None, None)
    for rows in (report["by_group"], report["by_kind"]):
        by_currency: dict[str, int] = defaultdict(int)
        for row in rows:
            by_currency[row["currency"]] += row["closed_business_received_minor"]
        assert by_currency == {"EUR": 30000, "CHF": 120000 + 4500}
    assert sum(r["money_minor"] for r in report["by_kind"] if r["currency"] == "CHF") == 50000


def test_every_ratio_is_null_when_its_denominator_is_zero(cast: Cast) -> None:
    member = cast.member
    services.record_referral(
        member, receiver=cast.leader, group=cast.group, prospect_name="P", given_on=d(6, 1)
    )
    (row,) = member_report(member, None, None)["by_group"]
    assert row["referrals_given"] == 1 and row["referrals_received"] == 0
    assert row["conversion"] is None  # won / 0 received
    assert row["reciprocity"] is None  # given / 0 received
    assert row["roi"] is None  # no money spent
    assert row["revenue_per_hour_minor"] is None  # no hours
    assert row["follow_up_rate"] is None  # nobody met
    assert row["hours"] == 0.0 and row["money_minor"] == 0
    # Money without a return is -100%, not null; received without winning is 0, not null.
    services.record_investment(
        member, kind="meals", group=cast.group, amount_minor=1000, spent_on=d(6, 2)
    )
    services.record_referral(
        cast.leader, receiver=member, group=cast.group, prospect_name="R", given_on=d(6, 3)
    )
    (row,) = member_report(member, None, None)["by_group"]
    assert (row["roi"], row["conversion"], row["reciprocity"]) == (-1.0, 0.0, 1.0)


def test_ratios_are_rounded_to_four_decimals(cast: Cast) -> None:
    member, leader, group = cast.member, cast.leader, cast.group
    for day in (1, 2, 3):
        services.record_referral(
            leader, receiver=member, group=group, prospect_name="P", given_on=d(6, day)
        )
    services.record_referral(
        member, receiver=leader, group=group, prospect_name="Q", given_on=d(6, 4)
    )
    services.record_investment(member, kind="preparation", group=group, hours="3", spent_on=d(6, 5))
    services.record_closed_business(
        member, giver=leader, group=group, amount_minor=1000, closed_on=d(6, 6)
    )
    (row,) = member_report(member, None, None)["by_group"]
    assert row["reciprocity"] == 0.3333
    assert row["revenue_per_hour_minor"] == 333  # 1000 / 3, a whole number


def test_an_empty_period_is_an_empty_report(cast: Cast) -> None:
    build(cast)
    report = member_report(cast.outsider, None, None)
    assert (report["by_group"], report["by_kind"], report["trend"]) == ([], [], [])
    assert report["geography"]["referrals_received"] == 0
    assert report["geography"]["cities"] == []
    assert member_report(cast.member, d(6, 30), d(6, 30))["by_group"] == []


def test_the_advice_comes_with_the_report(cast: Cast) -> None:
    build(cast)
    advice = member_report(cast.member, d(1, 1), d(6, 30))["advice"]
    assert isinstance(advice, list)
    assert all(isinstance(item, dict) for item in advice)
    assert all("group_slug" in item and "recommendation" in item for item in advice)


# --- trend ---------------------------------------------------------------------------------


def test_the_trend_counts_whole_months_from_the_rollup(cast: Cast) -> None:
    build(cast)
    trend = member_report(cast.member, d(2, 15), d(4, 10))["trend"]
    assert [(t["month"], t["currency"]) for t in trend] == [
        ("2026-02", "CHF"),
        ("2026-02", "EUR"),
        ("2026-03", "CHF"),
        ("2026-03", "EUR"),
        ("2026-04", "CHF"),
        ("2026-04", "EUR"),
    ]
    months = {(t["month"], t["currency"]): t for t in trend}
    # February in full, although the period starts on the 15th.
    assert months[("2026-02", "EUR")] == {
        "month": "2026-02",
        "currency": "EUR",
        "referrals_received": 1,
        "referrals_given": 2,  # 1 February in the chapter, 25 February outside any group
        "closed_business_received_minor": 30000,
        "money_minor": 2350,
        "hours": 5.5,  # 1.5 in the chapter, 4 online
    }
    assert months[("2026-04", "CHF")]["closed_business_received_minor"] == 120000 + 4500
    assert months[("2026-03", "CHF")]["referrals_received"] == 1  # the chamber's, in CHF
    assert months[("2026-02", "CHF")] == {
        "month": "2026-02",
        "currency": "CHF",
        "referrals_received": 0,
        "referrals_given": 0,
        "closed_business_received_minor": 0,
        "money_minor": 0,
        "hours": 0.0,
    }


def test_an_open_ended_trend_runs_from_the_first_entry_to_today(cast: Cast) -> None:
    services.record_investment(
        cast.member, kind="meals", group=cast.group, amount_minor=500, spent_on=d(3, 3)
    )
    trend = member_report(cast.member, None, None)["trend"]
    assert [t["month"] for t in trend] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert [t["money_minor"] for t in trend] == [500, 0, 0, 0]


# --- geography -----------------------------------------------------------------------------


def city(user: User, name: str, location: str = "") -> None:
    profile = user.profile
    profile.city = name
    if location:
        profile.visibility = {**profile.visibility, "location": location}
    profile.save()


def test_referrals_come_from_cities_the_member_may_see(cast: Cast) -> None:
    member, leader, owner, chapter = cast.member, cast.leader, cast.owner, cast.group
    chamber = chamber_of(cast)
    carla = make_user("carla@example.org", "Carla Connected")
    add_member(chamber, carla)
    city(member, "Milano")
    city(leader, "Milano")  # members of my groups may see it (the default): known
    city(owner, "Roma", "private")  # only the owner sees it: unknown
    city(carla, "Torino", "connections")  # for her connections only: unknown to the member
    for giver, group in ((leader, chapter), (leader, chapter), (leader, None), (owner, chapter)):
        services.record_referral(
            giver, receiver=member, group=group, prospect_name="P", given_on=d(6, 1)
        )
    services.record_referral(
        carla, receiver=member, group=chamber, prospect_name="C", given_on=d(6, 2)
    )
    geo = member_report(member, None, None)["geography"]
    assert geo["referrals_received"] == 5
    assert geo["city"] == "Milano"
    assert geo["cities"] == [
        {"city": "Milano", "referrals_received": 3, "share": 0.6},
        {"city": "unknown", "referrals_received": 2, "share": 0.4},
    ]
    assert geo["local_share"] == 0.6
    assert "Roma" not in str(geo) and "Torino" not in str(geo)
    assert geo["by_kind"] == [
        {"group_kind": "chamber", "referrals_received": 1, "local": 0, "local_share": 0.0},
        {"group_kind": "lead_group", "referrals_received": 3, "local": 2, "local_share": 0.6667},
        {"group_kind": "informal", "referrals_received": 1, "local": 1, "local_share": 1.0},
    ]
    # Once Carla counts the member among her connections, her city shows.
    CardConnection.objects.create(owner=carla, other=member)
    geo = member_report(member, None, None)["geography"]
    assert {"city": "Torino", "referrals_received": 1, "share": 0.2} in geo["cities"]


def test_without_a_city_of_ones_own_the_local_share_is_null(cast: Cast) -> None:
    city(cast.leader, "Milano")
    services.record_referral(
        cast.leader, receiver=cast.member, group=cast.group, prospect_name="P", given_on=d(6, 1)
    )
    geo = member_report(cast.member, None, None)["geography"]
    assert geo["city"] is None and geo["local_share"] is None
    assert geo["cities"] == [{"city": "Milano", "referrals_received": 1, "share": 1.0}]
    assert geo["by_kind"][0]["local_share"] is None


def test_a_deactivated_givers_city_is_unknown(cast: Cast) -> None:
    city(cast.member, "Milano")
    city(cast.leader, "Milano")
    services.record_referral(
        cast.leader, receiver=cast.member, group=cast.group, prospect_name="P", given_on=d(6, 1)
    )
    User.objects.filter(pk=cast.leader.pk).update(is_active=False)
    geo = member_report(cast.member, None, None)["geography"]
    assert geo["cities"] == [{"city": "unknown", "referrals_received": 1, "share": 1.0}]
    assert geo["local_share"] == 0.0


# --- the period helper ---------------------------------------------------------------------


def test_the_periods_end_today_and_count_back() -> None:
    today = datetime.date(2026, 3, 10)
    assert (report_period("30d", today).start, report_period("30d", today).end) == (
        datetime.date(2026, 2, 9),
        today,
    )
    assert report_period("3m", today).start == datetime.date(2025, 12, 11)
    assert report_period("6m", today).start == datetime.date(2025, 9, 11)
    assert report_period("12m", today).start == datetime.date(2025, 3, 11)
    assert report_period("nonsense", today).key == "12m"
    # From the last day of a longer month: the shorter month's last day, then the day after.
    assert report_period("3m", datetime.date(2026, 5, 31)).start == datetime.date(2026, 3, 1)
    assert report_period("12m", datetime.date(2024, 2, 29)).start == datetime.date(2023, 3, 1)
    custom = report_period("custom", today, "2026-01-15", "2026-02-15")
    assert (custom.start, custom.end) == (datetime.date(2026, 1, 15), datetime.date(2026, 2, 15))
    assert report_period("custom", today, "", "").start is None
    assert report_period("custom", today, "", "").end == today
    with pytest.raises(LedgerError):
        report_period("custom", today, "2026-02-30", "")
    with pytest.raises(LedgerError):
        report_period("custom", today, "2026-03-01", "2026-02-01")


# --- cost ----------------------------------------------------------------------------------


def grow(cast: Cast, chamber: Group, n: int) -> None:
    """``n`` of each kind of fact for the member, spread over groups and currencies."""
    member, leader, owner = cast.member, cast.leader, cast.owner
    for i in range(n):
        day = d(1 + i % 6, 1 + i % 27)
        group = (cast.group, chamber, None)[i % 3]
        giver = leader if i % 2 else owner
        slip = services.record_referral(
            giver, receiver=member, group=group, prospect_name=f"P{i}", given_on=day
        )
        services.record_closed_business(
            member,
            referral=slip,
            amount_minor=1000 + i,
            currency=("EUR", "CHF")[i % 2],
            closed_on=day,
        )
        services.record_investment(
            member,
            kind="travel",
            group=group,
            amount_minor=100 + i,
            currency="EUR",
            hours="1",
            spent_on=day,
        )
        connection_ = services.record_connection(
            member, where="elsewhere", group=group, name=f"C{i}", met_on=day
        )
        if i % 2:
            services.mark_followed_up(connection_, actor=member, on=day)


def count_queries(read: Any, user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        read(user, d(1, 1), d(6, 30))
    return len(queries)


def test_the_report_costs_the_same_queries_with_3_rows_or_30(cast: Cast) -> None:
    chamber = chamber_of(cast)
    city(cast.member, "Milano")
    grow(cast, chamber, 3)
    few = count_queries(member_report, cast.member)
    own_parts = [
        count_queries(by_group_and_kind, cast.member),
        count_queries(lambda u, s, e: trend(u, s, e, TODAY), cast.member),
        count_queries(geography, cast.member),
    ]
    # The six aggregates in one statement, and the groups; the rollup; the referrals by
    # giver with their cards and the reach, in one statement.
    assert own_parts == [2, 1, 1]
    grow(cast, chamber, 27)
    assert count_queries(member_report, cast.member) == few

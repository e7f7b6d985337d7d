"""Retention reports: exact numbers on a constructed history, organisation totals, who may see
them (page, CSV, API), the CSV matching the JSON, and a query count that does not grow."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.dues.models import Invoice, Tier
from cerchia.groups.models import Group, Membership
from cerchia.groups.retention import retention_report
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import API, api_client, page_client

ROME = ZoneInfo("Europe/Rome")
TODAY = datetime.date(2026, 6, 15)
D = datetime.date


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ROME)


@dataclass
class History:
    owner: User  # administrator of the organisation and both chapters
    organisation: Group
    chapter: Group  # the constructed history lives here
    chapter_two: Group
    tier: Tier
    people: dict[str, Membership]


class Builder:
    def __init__(self, group: Group, tier: Tier | None) -> None:
        self.group, self.tier = group, tier

    def member(
        self,
        name: str,
        joined: datetime.datetime | None,
        *,
        dues: bool = True,
        status: str = "active",
        left: datetime.datetime | None = None,
        reason: str = "",
        city: str = "",
        size: str = "",
        hidden: tuple[str, ...] = (),
    ) -> Membership:
        user = make_user(f"{name.lower()}-{self.group.slug}@example.org", name)
        profile = user.profile
        profile.city, profile.company_size = city, size
        profile.visibility = dict.fromkeys(hidden, "private")
        profile.save()
        return Membership.objects.create(
            group=self.group,
            user=user,
            status=status,
            joined_at=joined,
            left_at=left,
            leave_reason=reason,
            tier=self.tier if dues else None,
        )

    def dues(
        self,
        membership: Membership,
        start: datetime.date,
        end: datetime.date,
        *,
        paid: datetime.date | None = None,
    ) -> Invoice:
        invoice = Invoice.objects.create(
            group=self.group,
            membership=membership,
            tier=self.tier,
            number=f"T-{Invoice.objects.count() + 1:05d}",
            kind=Invoice.Kind.DUES,
            description="dues",
            amount_minor=10000,
            currency="EUR",
            period_start=start,
            period_end=end,
            issued_on=start,
            due_on=start,
            status=Invoice.Status.PAID if paid else Invoice.Status.ISSUED,
            paid_on=paid,
        )
        if paid and (membership.expires_on is None or end > membership.expires_on):
            membership.expires_on = end
            membership.save(update_fields=["expires_on"])
        return invoice


def build_history(cast: Cast) -> History:
    """An organisation (grace days set to 10, so its chapters follow) with two chapters; the
    first chapter's members joined, paid, renewed, lapsed, resigned and were terminated on
    known days (see each line). The report runs for the 6 months to 15 June 2026."""
    owner = cast.owner
    with time_machine.travel(at(D(2024, 1, 1)), tick=False):
        organisation = create_group(
            owner,
            name="Retention Org",
            kind="lead_group",
            visibility="members",
            join_policy="application",
            rule_overrides={"grace_days": 10},
        )
        chapter = create_group(owner, name="Retention One", kind="lead_group", parent=organisation)
        chapter_two = create_group(
            owner, name="Retention Two", kind="lead_group", parent=organisation
        )
    tier = Tier.objects.create(group=chapter, name="Seat", dues_minor=10000, period="year")
    b = Builder(chapter, tier)
    people: dict[str, Membership] = {}
    # Paid to 9 March, renewed on time: due and renewed in March.
    people["anna"] = m = b.member("Anna", at(D(2025, 3, 10)), city="Milano", size="solo")
    b.dues(m, D(2025, 3, 10), D(2026, 3, 9), paid=D(2025, 3, 10))
    b.dues(m, D(2026, 3, 10), D(2027, 3, 9), paid=D(2026, 3, 1))
    # Paid to 31 January, renewal billed but never paid: due in February, lapsed 11 February.
    people["bruno"] = m = b.member("Bruno", at(D(2025, 2, 1)))
    b.dues(m, D(2025, 2, 1), D(2026, 1, 31), paid=D(2025, 2, 1))
    b.dues(m, D(2026, 2, 1), D(2027, 1, 31))
    # New in January, paid up.
    people["carla"] = m = b.member("Carla", at(D(2026, 1, 20)), city=" milano ", size="2-9")
    b.dues(m, D(2026, 1, 20), D(2027, 1, 19), paid=D(2026, 1, 22))
    # New in February, first dues never paid: pending, never counted as a member.
    people["dario"] = m = b.member("Dario", at(D(2026, 2, 5)))
    b.dues(m, D(2026, 2, 5), D(2027, 2, 4))
    # Paid to 30 April, resigned on 10 April (cost): due in May and not renewed, not lapsed.
    people["elena"] = m = b.member(
        "Elena", at(D(2024, 5, 1)), status="left", left=at(D(2026, 4, 10)), reason="cost"
    )
    b.dues(m, D(2025, 5, 1), D(2026, 4, 30), paid=D(2025, 5, 1))
    # Paid to 14 January, not renewed: due in January, lapsed 25 January, terminated 2 March.
    people["fabio"] = m = b.member(
        "Fabio", at(D(2025, 1, 15)), status="terminated", left=at(D(2026, 3, 2))
    )
    b.dues(m, D(2025, 1, 15), D(2026, 1, 14), paid=D(2025, 1, 15))
    # No dues; resigned in February (moved).
    people["gino"] = b.member(
        "Gino",
        at(D(2025, 6, 1)),
        dues=False,
        status="left",
        left=at(D(2026, 2, 14)),
        reason="moved",
    )
    # No dues; new in May, resigned in June without a reason.
    people["hana"] = b.member(
        "Hana", at(D(2026, 5, 3)), dues=False, status="left", left=at(D(2026, 6, 2))
    )
    # An applicant: never a member.
    people["ivo"] = b.member("Ivo", None, status="applied")
    # Resigned before the period: not among this period's reasons.
    people["luca"] = b.member(
        "Luca", at(D(2024, 1, 1)), dues=False, status="left", left=at(D(2025, 11, 5)), reason="time"
    )
    # Paid to 31 December, lapsed 11 January, reinstated with a fresh period from 1 March.
    people["nico"] = m = b.member(
        "Nico", at(D(2025, 1, 1)), city="Torino", size="solo", hidden=("company_size",)
    )
    b.dues(m, D(2025, 1, 1), D(2025, 12, 31), paid=D(2025, 1, 1))
    b.dues(m, D(2026, 3, 1), D(2027, 2, 28), paid=D(2026, 3, 1))
    # Paid to 31 March, renewed late but within the grace days: due and renewed in April.
    people["olga"] = m = b.member("Olga", at(D(2025, 4, 1)), city="Roma", hidden=("location",))
    b.dues(m, D(2025, 4, 1), D(2026, 3, 31), paid=D(2025, 4, 1))
    b.dues(m, D(2026, 4, 1), D(2027, 3, 31), paid=D(2026, 4, 8))
    # Paid to 9 June, not renewed: due in June, in grace today (lapses on 20 June).
    people["quinn"] = m = b.member("Quinn", at(D(2025, 6, 10)), size="10-49")
    b.dues(m, D(2025, 6, 10), D(2026, 6, 9), paid=D(2025, 6, 10))
    # A void invoice counts for nothing.
    void = b.dues(people["quinn"], D(2026, 6, 10), D(2027, 6, 9))
    Invoice.objects.filter(pk=void.pk).update(status=Invoice.Status.VOID)
    # The second chapter: one new member, just after midnight on 1 March in Rome (still
    # 28 February in UTC).
    people["pia"] = Builder(chapter_two, None).member("Pia", at(D(2026, 3, 1), 0, 30), dues=False)
    return History(owner, organisation, chapter, chapter_two, tier, people)


@pytest.fixture
def history(cast: Cast) -> History:
    return build_history(cast)


def today_in_rome() -> Any:
    return time_machine.travel(at(TODAY, 12), tick=False)


# Numbers worked out by hand from the lines above (the chapter's administrator, who joined in
# 2024 without dues, is a member throughout).
CHAPTER_MONTHLY = [
    # month, new, resigned, terminated, lapsed, members at end, due, renewed, rate
    ("2026-01", 1, 0, 0, 2, 8, 2, 0, 0.0),
    ("2026-02", 1, 1, 0, 1, 6, 1, 0, 0.0),
    ("2026-03", 0, 0, 1, 0, 7, 1, 1, 1.0),
    ("2026-04", 0, 1, 0, 0, 6, 1, 1, 1.0),
    ("2026-05", 1, 0, 0, 0, 7, 1, 0, 0.0),
    ("2026-06", 0, 1, 0, 0, 6, 1, 0, 0.0),
]
KEYS = [
    "month",
    "new",
    "resigned",
    "terminated",
    "lapsed",
    "members_at_end",
    "renewals_due",
    "renewed",
    "renewal_rate",
]


def test_monthly_numbers_are_exact_on_a_constructed_history(history: History) -> None:
    report = retention_report(history.chapter, months=6, today=TODAY)

    assert [row.as_dict() for row in report.monthly] == [
        dict(zip(KEYS, row, strict=True)) for row in CHAPTER_MONTHLY
    ]
    assert report.group_ids == [history.chapter.pk]
    assert report.first_day == D(2026, 1, 1)
    assert report.totals == {
        "new": 3,
        "resigned": 3,
        "terminated": 1,
        "lapsed": 3,
        "renewals_due": 7,
        "renewed": 2,
        "renewal_rate": 0.2857,
    }
    # ACCE retention: 9 members on 31 December (the administrator, Anna, Bruno, Elena, Fabio,
    # Gino, Nico, Olga, Quinn); 5 of them are members today.
    assert (report.members_at_start, report.retained, report.members_now) == (9, 5, 6)
    assert report.retention_rate == 0.5556


def test_reasons_count_resignations_of_the_period_only(history: History) -> None:
    report = retention_report(history.chapter, months=6, today=TODAY)

    assert [(r.kind, r.key, r.count) for r in report.reasons] == [
        ("reason", "moved", 1),
        ("reason", "cost", 1),
        ("reason", "no_referrals", 0),
        ("reason", "time", 0),  # Luca resigned in November, before the period
        ("reason", "other", 0),
        ("not_given", "", 1),
    ]


def test_member_mix_counts_only_what_members_share(history: History) -> None:
    report = retention_report(history.chapter, months=6, today=TODAY)

    # Members today: the administrator, Anna, Carla, Nico (size hidden), Olga (place hidden),
    # Quinn. Bruno lapsed, Hana and Elena resigned, Dario never paid.
    assert [(r.kind, r.key, r.count) for r in report.company_size] == [
        ("band", "solo", 1),
        ("band", "2-9", 1),
        ("band", "10-49", 1),
        ("band", "50-249", 0),
        ("band", "250+", 0),
        ("not_given", "", 2),
        ("not_shared", "", 1),
    ]
    assert [(r.kind, r.label, r.count) for r in report.places] == [
        ("city", "Milano", 2),  # "Milano" and " milano " are one place
        ("city", "Torino", 1),
        ("other", "Other places", 0),
        ("not_given", "Not given", 2),
        ("not_shared", "Not shared with members", 1),
    ]
    assert "Roma" not in str(report.as_dict())  # Olga keeps her city to herself


def test_places_beyond_the_top_ten_are_added_up(cast: Cast) -> None:
    b = Builder(cast.public_group, None)
    for i in range(12):
        b.member(f"City{i}", at(D(2026, 1, 1)), dues=False, city=f"Town {i:02d}")
    b.member("Again", at(D(2026, 1, 1)), dues=False, city="Town 11")

    report = retention_report(cast.public_group, months=6, today=TODAY)

    assert [(r.key, r.count) for r in report.places[:2]] == [("town 11", 2), ("town 00", 1)]
    named = [r for r in report.places if r.kind == "city"]
    assert len(named) == 10
    assert "town 10" not in [r.key for r in named]
    other = next(r for r in report.places if r.kind == "other")
    assert other.count == 2  # Town 09 and Town 10 did not make the top ten


def test_renewal_rate_is_null_when_nothing_is_due(history: History) -> None:
    # The second chapter charges no dues: nothing falls due, so no rate — not 0%.
    report = retention_report(history.chapter_two, months=6, today=TODAY)

    assert [row.renewals_due for row in report.monthly] == [0] * 6
    assert [row.renewal_rate for row in report.monthly] == [None] * 6
    assert report.totals["renewal_rate"] is None
    # Pia joined at 00:30 on 1 March in Rome: a March member, though it was February in UTC.
    assert [row.new for row in report.monthly] == [0, 0, 1, 0, 0, 0]


def test_organisation_totals_include_its_chapters(history: History, cast: Cast) -> None:
    organisation = history.organisation
    # Not counted: a section (its members are the organisation's own) and other groups.
    section = Group.objects.create(
        name="Retention section",
        slug="retention-section",
        kind="lead_group",
        parent=organisation,
        unit="section",
    )
    Builder(section, None).member("Sect", at(D(2026, 2, 2)), dues=False)
    Builder(cast.public_group, None).member("Elsewhere", at(D(2026, 2, 2)), dues=False)

    org = retention_report(organisation, months=6, today=TODAY)
    chapter = retention_report(history.chapter, months=6, today=TODAY)

    assert sorted(org.group_ids) == sorted(
        [organisation.pk, history.chapter.pk, history.chapter_two.pk]
    )
    # On top of the first chapter: the administrator's memberships of the organisation and
    # the second chapter, and Pia from March.
    extra_members = [2, 2, 3, 3, 3, 3]
    assert [r.members_at_end for r in org.monthly] == [
        c.members_at_end + e for c, e in zip(chapter.monthly, extra_members, strict=True)
    ]
    assert [r.new for r in org.monthly] == [1, 1, 1, 0, 1, 0]
    assert [r.lapsed for r in org.monthly] == [r.lapsed for r in chapter.monthly]
    assert [r.renewals_due for r in org.monthly] == [r.renewals_due for r in chapter.monthly]
    assert org.members_at_start == chapter.members_at_start + 2
    assert org.members_now == 9
    # A chapter's report stays its own: Pia is not in it.
    assert [r.new for r in chapter.monthly] == [1, 1, 0, 0, 1, 0]


def test_the_period_can_be_six_twelve_or_twenty_four_months(history: History) -> None:
    twelve = retention_report(history.chapter, months=12, today=TODAY)
    long = retention_report(history.chapter, months=24, today=TODAY)

    assert [r.label for r in twelve.monthly][:2] == ["2025-07", "2025-08"]
    assert len(long.monthly) == 24 and long.first_day == D(2024, 7, 1)
    # Older months come from the same records: Elena joined in May 2024 (before July 2024)...
    assert [r.month for r in long.monthly if r.new] == [
        D(2025, 1, 1),
        D(2025, 2, 1),
        D(2025, 3, 1),
        D(2025, 4, 1),
        D(2025, 6, 1),
        D(2026, 1, 1),
        D(2026, 2, 1),
        D(2026, 5, 1),
    ]
    with pytest.raises(ValueError):
        retention_report(history.chapter, months=7, today=TODAY)


# Who may see the reports --------------------------------------------------------------------


def page_url(group: Group, suffix: str = "/") -> str:
    return f"/groups/{group.slug}/retention{suffix}"


@pytest.mark.parametrize("who", ["owner", "leader"])
def test_administrators_see_the_page_csv_and_api(cast: Cast, who: str) -> None:
    client = cast.client(who)
    page = client.get(page_url(cast.group))
    assert page.status_code == 200
    assert b"chart.umd.min.js" in page.content
    assert client.get(page_url(cast.group, ".csv"), {"report": "monthly"}).status_code == 200
    assert cast.api(who).get(f"{API}/{cast.group.pk}/retention").status_code == 200


def test_organisation_administrators_see_their_chapters_reports(cast: Cast) -> None:
    org_admin = make_user("orgadmin@example.org")
    add_member(cast.organisation, org_admin, role="administrator")

    assert page_client(org_admin).get(page_url(cast.group)).status_code == 200
    assert api_client(org_admin).get(f"{API}/{cast.group.pk}/retention").status_code == 200


@pytest.mark.parametrize("who", ["member", "visitor"])
def test_members_are_refused(cast: Cast, who: str) -> None:
    client = cast.client(who)
    page = client.get(page_url(cast.group))
    csv_file = client.get(page_url(cast.group, ".csv"), {"report": "monthly"})
    api = cast.api(who).get(f"{API}/{cast.group.pk}/retention")

    assert (page.status_code, csv_file.status_code, api.status_code) == (403, 403, 403)
    assert b"members_at_end" not in csv_file.content
    assert "monthly" not in api.json()


def test_a_chapter_president_is_refused_the_organisation_report(cast: Cast) -> None:
    assert cast.client("leader").get(page_url(cast.organisation)).status_code == 403
    response = cast.api("leader").get(f"{API}/{cast.organisation.pk}/retention")
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_outsiders_get_404(cast: Cast) -> None:
    client = cast.client("outsider")
    assert client.get(page_url(cast.group)).status_code == 404
    assert client.get(page_url(cast.group, ".csv"), {"report": "reasons"}).status_code == 404
    response = cast.api("outsider").get(f"{API}/{cast.group.pk}/retention")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_anonymous_visitors_are_sent_to_log_in(cast: Cast) -> None:
    response = Client().get(page_url(cast.public_group))
    assert response.status_code == 302 and "login" in response["Location"]
    assert Client().get(page_url(cast.public_group, ".csv")).status_code == 302
    assert Client().get(f"{API}/{cast.public_group.pk}/retention").status_code == 401


def test_informal_networks_have_no_report(cast: Cast) -> None:
    informal = Group.objects.get(owner=cast.owner, kind="informal")
    assert cast.client("owner").get(page_url(informal)).status_code == 404
    assert cast.api("owner").get(f"{API}/{informal.pk}/retention").status_code == 404


def test_the_group_page_links_to_the_report_for_administrators_only(cast: Cast) -> None:
    link = page_url(cast.group).encode()
    assert link in cast.client("leader").get(f"/groups/{cast.group.slug}/").content
    assert link not in cast.client("member").get(f"/groups/{cast.group.slug}/").content


# The same numbers everywhere ------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def test_api_returns_the_report_as_json(history: History) -> None:
    client = api_client(history.owner)
    with today_in_rome():
        data = client.get(f"{API}/{history.chapter.pk}/retention", {"months": 6}).json()

    assert data["months"] == 6
    assert (data["first_day"], data["last_day"]) == ("2026-01-01", "2026-06-15")
    assert [[row[k] for k in KEYS] for row in data["monthly"]] == [
        list(row) for row in CHAPTER_MONTHLY
    ]
    assert data["retention"] == {
        "members_at_start": 9,
        "retained": 5,
        "members_now": 6,
        "retention_rate": 0.5556,
    }
    assert data["totals"]["renewal_rate"] == 0.2857


def test_api_refuses_an_unknown_period(history: History) -> None:
    response = api_client(history.owner).get(f"{API}/{history.chapter.pk}/retention", {"months": 7})
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_csv_files_parse_and_match_the_json(history: History) -> None:
    client, api = page_client(history.owner), api_client(history.owner)
    with today_in_rome():
        data = api.get(f"{API}/{history.chapter.pk}/retention", {"months": 6}).json()
        monthly = read_csv(
            client.get(page_url(history.chapter, ".csv"), {"report": "monthly", "months": 6})
        )
        reasons = read_csv(
            client.get(page_url(history.chapter, ".csv"), {"report": "reasons", "months": 6})
        )
        mix = read_csv(
            client.get(page_url(history.chapter, ".csv"), {"report": "mix", "months": 6})
        )

    assert list(monthly[0]) == KEYS
    assert monthly == [{k: as_text(row[k]) for k in KEYS} for row in data["monthly"]]
    assert reasons == [
        {k: as_text(row[k]) for k in ("kind", "key", "label", "count")} for row in data["reasons"]
    ]
    expected_mix = [
        {"dimension": dimension, **{k: as_text(row[k]) for k in ("kind", "key", "label", "count")}}
        for dimension in ("company_size", "places")
        for row in data[dimension]
    ]
    assert mix == expected_mix


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(cast: Cast) -> None:
    Builder(cast.public_group, None).member(
        "Formula", at(D(2026, 1, 1)), dues=False, city='=HYPERLINK("http://x")'
    )
    with today_in_rome():
        rows = read_csv(
            cast.client("owner").get(page_url(cast.public_group, ".csv"), {"report": "mix"})
        )
    labels = [row["label"] for row in rows if row["kind"] == "city"]
    assert labels == ['\'=HYPERLINK("http://x")']


def test_unknown_csv_report_is_404(cast: Cast) -> None:
    response = cast.client("owner").get(page_url(cast.group, ".csv"), {"report": "people"})
    assert response.status_code == 404


def test_page_shows_the_numbers_beside_the_charts(history: History) -> None:
    client = page_client(history.owner)
    with today_in_rome():
        response = client.get(page_url(history.chapter), {"months": 6})
        fallback = client.get(page_url(history.chapter), {"months": 7})
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["report"].months == 6
    assert fallback.context["report"].months == 12
    for canvas in (
        "chart-flow",
        "chart-members",
        "chart-renewals",
        "chart-reasons",
        "chart-size",
        "chart-places",
    ):
        assert f'id="{canvas}"' in html
    assert "<td>2026-03</td>" in html and "28.6%" in html  # the period's renewal rate
    assert 'id="retention-data"' in html
    assert "Anna" not in html and "Bruno" not in html  # counts, never people
    assert (
        f'href="/groups/{history.chapter.slug}/retention.csv?report=monthly&amp;months=6"' in html
    )


# Cost -------------------------------------------------------------------------------------------


def _queries(client: Client, urls: list[str]) -> list[int]:
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    return counts


def test_queries_do_not_grow_with_the_number_of_members(history: History) -> None:
    group = history.organisation
    pages = [page_url(group), page_url(group, ".csv") + "?report=mix&months=24"]
    api_urls = [f"{API}/{group.pk}/retention?months=24"]
    client, api = page_client(history.owner), api_client(history.owner)
    with today_in_rome():
        api.get(api_urls[0])  # the token's first use is recorded once
        before = _queries(client, pages) + _queries(api, api_urls)
        b = Builder(history.chapter, history.tier)
        for i in range(30):
            month = 1 + i % 12
            m = b.member(f"Extra{i}", at(D(2025, month, 1)), city=f"Town {i}", size="solo")
            b.dues(
                m,
                D(2025, month, 1),
                D(2026, month, 1) - datetime.timedelta(days=1),
                paid=D(2025, month, 1),
            )
        after = _queries(client, pages) + _queries(api, api_urls)
        # Those whose yearly period ends from July on are still paid up.
        assert retention_report(group, months=24).members_now == 9 + 12

    assert after == before
    # The report itself: the scope, memberships, invoices, company sizes, places.
    with CaptureQueriesContext(connection) as captured:
        retention_report(group, months=24, today=TODAY)
    assert len(captured) == 5

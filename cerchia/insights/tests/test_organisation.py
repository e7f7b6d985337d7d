"""The organisation view: every chapter's lights, size, growth, retention and referrals per
member per week, from the rollup, in the same few queries for 2 chapters or 20."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import create_group
from cerchia.insights.lights import chapter_lights, organisation_lights, organisation_window
from cerchia.insights.services import set_scoring_rules
from cerchia.insights.tests.test_lights_scenario import TODAY, at_rome, referrals
from cerchia.ledger import rollups

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
FIVE = 5 + (3 if connection.vendor == "postgresql" else 0)


@pytest.fixture(autouse=True)
def _on_today() -> Iterator[None]:
    with time_machine.travel(at_rome(TODAY, 12), tick=False):
        yield


def _chapter(org: Group, name: str) -> Group:
    return Group.objects.create(
        name=name, slug=f"{org.slug}-{name.lower()}", kind=org.kind, parent=org
    )


def _joined(
    group: Group,
    user: User,
    joined: datetime.date | None,
    *,
    left: datetime.date | None = None,
) -> Membership:
    membership = add_member(group, user, status="left" if left else "active")
    membership.joined_at = at_rome(joined) if joined else None
    membership.left_at = at_rome(left) if left else None
    membership.save()
    return membership


def _populate(org: Group, chapters: int, members: int = 3) -> list[Group]:
    out = []
    for c in range(chapters):
        chapter = _chapter(org, f"C{c}")
        people = [make_user(f"c{c}m{m}-{org.slug}@example.org") for m in range(members)]
        for person in people:
            _joined(chapter, person, datetime.date(2024, 1, 1))
        referrals(people[0], people[1], chapter, datetime.date(2026, 1, 15), n=c + 1)
        out.append(chapter)
    rollups.rebuild()
    return out


def test_the_same_queries_for_few_and_many_chapters(cast: Cast) -> None:
    small = create_group(cast.owner, name="Small Org", kind="lead_group")
    large = create_group(cast.owner, name="Large Org", kind="lead_group")
    _populate(small, 2)
    _populate(large, 12)
    # One chapter of the large one scores with its own table: a second branch in the SQL.
    set_scoring_rules(Group.objects.get(slug="large-org-c3"), actor=cast.owner, preset="hong_kong")
    # The six-month window is built once (by the daily job, or the first reader); then the
    # view reads it: the chapters, their rules, whether the window is built, the scores and
    # the membership counts.
    assert not rollups.window_built(organisation_window(TODAY).start)
    with CaptureQueriesContext(connection) as first:
        organisation_lights(small, TODAY)
    assert rollups.window_built(organisation_window(TODAY).start)
    with CaptureQueriesContext(connection) as few:
        rows_small = organisation_lights(small, TODAY)
    with CaptureQueriesContext(connection) as many:
        rows_large = organisation_lights(large, TODAY)
    assert len(rows_small) == 2 and len(rows_large) == 12
    # (On PostgreSQL the scoring statement's work_mem adds its SET and, inside the test's
    # transaction, a savepoint and its release.)
    assert len(many) == len(few) == FIVE < len(first)
    # Every member scored: absences 0 (15) + never late (5), and the referrals.
    for row in rows_large:
        lights = chapter_lights(Group.objects.get(pk=row.group_id), TODAY)
        assert lights is not None
        assert row.colours == lights.colour_counts
        assert row.average_score == pytest.approx(lights.average_score, abs=1e-9)
    hk = next(r for r in rows_large if r.slug == "large-org-c3")
    assert hk.preset == "hong_kong"


def test_size_growth_retention_and_referrals_per_member_per_week(cast: Cast) -> None:
    org = create_group(cast.owner, name="Metro", kind="lead_group")
    chapter = _chapter(org, "North")
    a1, a2, a3, a4, a5 = (make_user(f"a{i}@example.org") for i in range(1, 6))
    _joined(chapter, a1, datetime.date(2024, 1, 1))
    _joined(chapter, a2, datetime.date(2024, 6, 1), left=datetime.date(2025, 12, 1))
    _joined(chapter, a3, datetime.date(2025, 11, 1))
    _joined(chapter, a4, None)  # an old record: a member all along
    _joined(chapter, a5, datetime.date(2025, 4, 1), left=datetime.date(2025, 5, 1))
    # 26 referrals in the previous six complete months (1 September – 28 February), one
    # before them and one this month.
    referrals(a1, a4, chapter, datetime.date(2025, 10, 3), n=20)
    referrals(a3, a4, chapter, datetime.date(2026, 2, 28), n=6)
    referrals(a1, a4, chapter, datetime.date(2025, 8, 31))
    referrals(a1, a4, chapter, datetime.date(2026, 3, 2))
    rollups.rebuild()
    (row,) = organisation_lights(org, TODAY)
    assert row.size == 3  # a1, a3, a4
    # Members now 3; on 10 September 2025: a1, a2, a4 → growth 0.
    assert (row.members_now, row.members_6_months_ago, row.growth) == (3, 3, 0)
    # On 10 March 2025: a1, a2, a4; still active: a1 and a4.
    assert (row.members_12_months_ago, row.retained) == (3, 2)
    assert row.retention == pytest.approx(2 / 3)
    assert row.referrals == 26
    # 181 days (26 weeks less a day) and 3 members.
    assert row.referrals_per_member_per_week == pytest.approx(26 / 3 / (181 / 7))
    assert row.as_dict()["retention"] == 0.6667


def test_chapters_of_chapters_follow_their_region_and_other_kinds_may_have_no_lights(
    cast: Cast,
) -> None:
    org = create_group(cast.owner, name="Guild", kind="association")
    region = _chapter(org, "Region")
    local = Group.objects.create(
        name="Local", slug="guild-local", kind="association", parent=region
    )
    other = _chapter(org, "Other")
    for group in (region, local, other):
        add_member(group, make_user(f"x-{group.slug}@example.org"))
    set_scoring_rules(region, actor=cast.owner, preset="india")
    rows = {row.slug: row for row in organisation_lights(org, TODAY)}
    assert set(rows) == {"guild-region", "guild-local", "guild-other"}
    assert rows["guild-region"].preset == "india"
    assert rows["guild-local"].preset == "india"  # follows its region
    assert rows["guild-other"].preset is None  # associations have no default table
    assert rows["guild-other"].colours["unscored"] == rows["guild-other"].size == 1
    assert rows["guild-local"].colours["grey"] == 1  # 15 + 5 points: grey


def test_referrals_of_members_who_left_count_even_where_nobody_is_scored(cast: Cast) -> None:
    # Associations have no default rule table: no member is scored, the referrals still are.
    org = create_group(cast.owner, name="Guild", kind="association")
    chapter = _chapter(org, "Only")
    stays, left, other = (make_user(f"g{i}@example.org") for i in range(3))
    _joined(chapter, stays, datetime.date(2024, 1, 1))
    _joined(chapter, left, datetime.date(2024, 1, 1), left=datetime.date(2026, 1, 10))
    referrals(left, stays, chapter, datetime.date(2025, 10, 3), n=4)
    referrals(stays, other, chapter, datetime.date(2026, 2, 2), n=2)
    referrals(stays, other, chapter, datetime.date(2026, 3, 2))  # after the window
    rollups.rebuild()
    (row,) = organisation_lights(org, TODAY)
    assert row.preset is None
    assert row.colours["unscored"] == row.size == 1
    assert sum(row.colours[c] for c in ("green", "amber", "red", "grey")) == 0
    assert row.average_score is None
    assert row.referrals == 6


def test_the_page_and_the_api(cast: Cast) -> None:
    _populate(cast.organisation, 2)
    html = cast.client("owner").get(reverse("insights:organisation", args=[cast.organisation.slug]))
    assert html.status_code == 200
    content = html.content.decode()
    assert 'id="chapter-chapter-one"' in content and "<svg" in content
    response = cast.api("owner").get(f"/api/v1/groups/{cast.organisation.pk}/organisation")
    assert response.status_code == 200
    body = response.json()
    assert (body["window_start"], body["window_end"]) == ("2025-09-01", "2026-02-28")
    assert {c["slug"] for c in body["chapters"]} == {
        "chapter-one",
        "referral-org-c0",
        "referral-org-c1",
    }
    chapter = next(c for c in body["chapters"] if c["slug"] == "referral-org-c1")
    assert chapter["referrals"] == 2 and chapter["size"] == 3
    assert chapter["colours"]["grey"] == 3
    # A chapter's president, an outsider: no.
    url = f"/api/v1/groups/{cast.organisation.pk}/organisation"
    assert cast.api("leader").get(url).status_code == 403
    assert cast.api("outsider").get(url).status_code == 403  # the organisation is listed
    private = f"/api/v1/groups/{cast.group.pk}/organisation"
    assert cast.api("outsider").get(private).status_code == 404


def test_the_daily_job_builds_the_window_once_a_month(cast: Cast) -> None:
    from cerchia.daily import run_daily

    org = create_group(cast.owner, name="Daily Org", kind="lead_group")
    _populate(org, 2)
    start = organisation_window(TODAY).start
    assert run_daily(TODAY)["six_month_windows_built"] == 1
    assert rollups.window_built(start)
    assert run_daily(TODAY)["six_month_windows_built"] == 0
    # The view reads the built window: no build, the five queries.
    with CaptureQueriesContext(connection) as queries:
        (first, second) = organisation_lights(org, TODAY)
    assert len(queries) == FIVE
    assert first.referrals + second.referrals == 1 + 2


def test_countable_days_follow_each_chapters_time_zone_at_the_windows_edges(cast: Cast) -> None:
    """31 referrals in the window are 1.2 a week over 180 days but not over 181: a member
    who joined a day into the window (in their chapter's time zone, 14 hours ahead of UTC or
    11 behind) scores 5 points more. The organisation view agrees with each chapter's own
    lights (Python, member by member) at every edge."""
    org = create_group(cast.owner, name="Edges", kind="lead_group")
    set_scoring_rules(org, actor=cast.owner, preset="uk_2012", overrides={"window": "previous"})
    receiver = make_user("edge-receiver@example.org")
    joined_local = {
        # Window: 1 September 2025 - 28 February 2026 (181 days).
        "Pacific/Kiritimati": [
            datetime.datetime(2025, 9, 1, 0, 30),  # Aug 31 10:30 UTC: all 181 days
            datetime.datetime(2025, 8, 31, 23, 30),  # before the window
            datetime.datetime(2025, 9, 2, 0, 30),  # Sep 1 10:30 UTC: 180 days
        ],
        "Pacific/Pago_Pago": [
            datetime.datetime(2025, 8, 31, 23, 30),  # Sep 1 10:30 UTC: before the window
            datetime.datetime(2025, 9, 1, 23, 30),  # Sep 2 10:30 UTC: still 181 days
            datetime.datetime(2025, 9, 2, 0, 30),  # 180 days
        ],
    }
    chapters = []
    for index, (zone, moments) in enumerate(joined_local.items()):
        chapter = _chapter(org, f"Z{index}")
        chapter.time_zone = zone
        chapter.save()
        add_member(chapter, receiver)
        for number, moment in enumerate(moments):
            person = make_user(f"edge-{index}-{number}@example.org")
            membership = add_member(chapter, person)
            membership.joined_at = moment.replace(tzinfo=ZoneInfo(zone))
            membership.save()
            referrals(person, receiver, chapter, datetime.date(2025, 10, 15), n=31)
        chapters.append(chapter)
    rollups.rebuild()

    rows = {row.group_id: row for row in organisation_lights(org, TODAY)}
    for chapter in chapters:
        lights = chapter_lights(chapter, TODAY)
        assert lights is not None and lights.window == organisation_window(TODAY)
        scores = [m.score for m in lights.members if m.user_id != receiver.pk]
        assert scores[2] == scores[0] + 5 == scores[1] + 5  # the edge matters
        assert rows[chapter.pk].colours == lights.colour_counts
        assert rows[chapter.pk].average_score == pytest.approx(lights.average_score, abs=1e-9)

"""The traffic-light API (own light for members, everyone's for managers, the rules) and
``cerchia traffic-lights``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from cerchia.conftest import Cast
from cerchia.insights.models import ScoringRules
from cerchia.insights.tests.test_lights_scenario import TODAY, at_rome, build_chapter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today() -> Iterator[None]:
    with time_machine.travel(at_rome(TODAY, 12), tick=False):
        yield


def test_a_member_gets_their_own_light_only(cast: Cast) -> None:
    build_chapter(cast)
    response = cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/traffic-lights")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] is None
    assert (body["preset"], body["source"]) == ("uk_2012", "default")
    assert (body["window_start"], body["window_end"], body["trend_start"]) == (
        "2025-09-10",
        "2026-03-10",
        "2026-02-09",
    )
    (mine,) = body["members"]
    assert (mine["user_id"], mine["score"], mine["colour"]) == (cast.member.pk, 35, "red")
    assert mine["points"]["referrals"] == 5
    assert mine["measures"]["referrals"] == 13
    assert mine["measures"]["substitutes"] == 2
    path = mine["path"]
    assert (path["colour"], path["by"], path["reachable"]) == ("amber", "2026-03-31", True)
    assert sorted((a["factor"], a["amount"]) for a in path["actions"]) == [
        ("education", 1),
        ("testimonials", 2),
    ]


def test_a_manager_gets_everyone_with_counts(cast: Cast, django_assert_max_num_queries) -> None:
    build_chapter(cast)
    api = cast.api("leader")
    with django_assert_max_num_queries(16):
        body = api.get(f"/api/v1/groups/{cast.group.pk}/traffic-lights").json()
    assert body["counts"] == {"green": 1, "amber": 0, "red": 1, "grey": 3, "unscored": 0}
    assert [m["colour"] for m in body["members"]] == ["green", "red", "grey", "grey", "grey"]
    # A day in the past.
    body = api.get(f"/api/v1/groups/{cast.group.pk}/traffic-lights?date=2025-10-01").json()
    assert body["window_end"] == "2025-10-01"


def test_lights_for_outsiders_and_applicants(cast: Cast) -> None:
    url = f"/api/v1/groups/{cast.group.pk}/traffic-lights"
    assert cast.api("outsider").get(url).status_code == 404
    assert cast.api("outsider").get(url + "/rules").status_code == 404
    assert cast.api("visitor").get(url).status_code == 403
    assert cast.api("visitor").get(url + "/rules").status_code == 403
    assert cast.api("outsider").get("/api/v1/groups/999999/traffic-lights").status_code == 404
    # A group without rules (another kind): 404 with a reason.
    response = cast.api("owner").get(f"/api/v1/groups/{cast.public_group.pk}/traffic-lights")
    assert response.status_code == 404
    assert "no traffic lights" in response.json()["detail"]


def test_reading_and_choosing_the_rules(cast: Cast) -> None:
    url = f"/api/v1/groups/{cast.group.pk}/traffic-lights/rules"
    body = cast.api("member").get(url).json()
    assert (body["preset"], body["source"]) == ("uk_2012", "default")
    assert body["table"]["max_points"] == 100
    assert body["presets"] == ["uk_2012", "india", "hong_kong", "us_power_of_one"]
    assert any("Referrals given per week" in line for line in body["words"])

    rules = {"preset": "hong_kong", "overrides": {"window": "previous"}}
    response = cast.api("member").put(url, rules, content_type="application/json")
    assert response.status_code == 403
    response = cast.api("outsider").put(url, rules, content_type="application/json")
    assert response.status_code == 404
    response = cast.api("leader").put(
        url,
        {"preset": "hong_kong", "overrides": {"factors": {"referrals": {"bands": [[">", 1]]}}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("factors.referrals.bands[0]:")
    assert not ScoringRules.objects.exists()

    response = cast.api("leader").put(url, rules, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert (body["preset"], body["source"], body["overrides"]) == (
        "hong_kong",
        "group",
        {"window": "previous"},
    )
    assert body["table"]["window"] == "previous"
    assert body["table"]["cutoffs"] == {"green": 70, "amber": 40, "red": 30}


def test_the_cli_prints_one_record_per_member(cast: Cast) -> None:
    people = build_chapter(cast)
    out = io.StringIO()
    call_command("traffic_lights", group=cast.group.slug, format="json", stdout=out)
    records = json.loads(out.getvalue())
    assert len(records) == 5
    mia = next(r for r in records if r["email"] == cast.member.email)
    assert mia == {
        "member": "Mia Member",
        "email": "member@example.org",
        "score": 35,
        "colour": "red",
        "trend_score": mia["trend_score"],
        "trend_colour": mia["trend_colour"],
        "absences": 15,
        "referrals": 5,
        "visitors": 0,
        "closed_business": 0,
        "testimonials": 0,
        "on_time": 5,
        "education": 10,
    }
    assert records[0]["email"] == people["greta"].email

    out = io.StringIO()
    call_command(
        "traffic_lights", group=cast.group.slug, format="csv", date="2026-03-10", stdout=out
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "member",
        "email",
        "score",
        "colour",
        "trend_score",
        "trend_colour",
        "absences",
        "referrals",
        "visitors",
        "closed_business",
        "testimonials",
        "on_time",
        "education",
    ]
    assert [r["colour"] for r in rows] == ["green", "red", "grey", "grey", "grey"]
    assert next(r for r in rows if r["member"] == "Greta Green")["score"] == "100"


def test_the_cli_refuses_unknown_groups_and_bad_dates(cast: Cast) -> None:
    with pytest.raises(CommandError, match="No group with the slug 'nowhere'"):
        call_command("traffic_lights", group="nowhere", format="csv", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command(
            "traffic_lights",
            group=cast.group.slug,
            format="csv",
            date="10/03",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="no traffic-light rules"):
        call_command(
            "traffic_lights", group=cast.public_group.slug, format="json", stdout=io.StringIO()
        )

"""The demo tells the insights' stories: Maria sees which of her groups pays and which costs
more than it returns, and chapter one shows every colour, a member at attrition risk, a thin
contact sphere and a power-team suggestion."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.groups.models import Group
from cerchia.insights.health import chapter_health
from cerchia.insights.lights import chapter_lights
from cerchia.insights.models import BusinessProfile
from cerchia.insights.report import member_report
from cerchia.ledger.models import Credit

pytestmark = pytest.mark.django_db

CHAPTER = "referral-bologna-centro"
CHAMBER = "camera-commercio-bologna"


@pytest.fixture
def year_report(world: None) -> dict:
    maria = User.objects.get(email="maria@demo.cerchia.org")
    today = timezone.localdate()
    return member_report(maria, today - datetime.timedelta(days=364), today, today=today)


def _group(report: dict, slug: str) -> dict:
    [item] = [g for g in report["by_group"] if g["group_slug"] == slug]
    return item


def test_marias_chapter_pays_and_the_chamber_costs_more_than_it_returns(year_report: dict):
    chapter, chamber = _group(year_report, CHAPTER), _group(year_report, CHAMBER)
    closed = {g["group_slug"]: g["closed_business_received_minor"] for g in year_report["by_group"]}
    assert max(closed, key=closed.__getitem__) == CHAPTER
    assert chapter["roi"] > 5 and chapter["revenue_per_hour_minor"] > 20_000
    assert chamber["money_minor"] > chamber["closed_business_received_minor"]
    assert chamber["roi"] < 0
    # The informal network: few referrals, big ones, for no money.
    informal = next(g for g in year_report["by_kind"] if g["group_kind"] == "informal")
    assert informal["money_minor"] == 0 and informal["closed_business_received_minor"] > 1_000_000


def test_marias_advice_invests_in_the_chapter_and_reduces_the_chamber(year_report: dict):
    advice = {a["group_slug"]: a for a in year_report["advice"]}
    assert advice[CHAPTER]["recommendation"] == "invest_more"
    assert advice[CHAMBER]["recommendation"] in ("reduce", "leave")
    assert "-" in advice[CHAMBER]["reason"]  # the negative return is quoted
    assert BusinessProfile.objects.filter(user__email="maria@demo.cerchia.org").exists()
    assert advice[CHAPTER]["prior_fit"] is not None


def test_chapter_one_shows_every_colour(world: None):
    chapter = Group.objects.get(slug=CHAPTER)
    lights = chapter_lights(chapter, timezone.localdate())
    assert lights is not None
    colours = {m.colour for m in lights.members}
    assert {"green", "amber", "red", "grey"} <= colours
    assert Credit.objects.filter(group=chapter, kind="education").exists()
    assert Credit.objects.filter(group=chapter, kind="testimonial").exists()


def test_chapter_one_has_an_attrition_risk_a_thin_sphere_and_a_power_team(world: None):
    health = chapter_health(Group.objects.get(slug=CHAPTER), timezone.localdate())
    assert health.never_receives, "a generous member nobody refers to"
    assert health.never_receives[0].given >= 10
    assert health.takes_more
    assert any(s.state == "thin" for s in health.spheres)
    assert health.power_teams

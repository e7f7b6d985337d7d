"""The advisor after joining: per group, the profile's prior combined with the measured
return, the evidence weighted by how much of it there is (a month moves little, a year a
lot); one's own informal network is never to be left."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cerchia.conftest import Cast
from cerchia.groups.models import Group, Membership
from cerchia.insights.advisor import (
    BASE_SCORE,
    LOSS_CAP,
    advice_for,
    evidence_score,
    evidence_weight,
    fit,
    measured_scores,
    months_covered,
    parse_profile,
)
from cerchia.insights.services import save_business_profile
from cerchia.insights.tests.test_advisor_rules import base_profile

END = datetime.date(2026, 3, 31)
YEAR_START = datetime.date(2025, 4, 1)
MONTH_START = datetime.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 4, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def joined(cast: Cast, day: datetime.date) -> None:
    moment = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9, 0))
    Membership.objects.filter(group=cast.group, user=cast.member).update(joined_at=moment)


def item(group: Group, **values: Any) -> dict[str, Any]:
    """A ``by_group`` object of the member report: zeros unless given."""
    found: dict[str, Any] = {
        "group_slug": group.slug,
        "group_name": group.name,
        "group_kind": group.kind,
        "currency": group.currency,
        "referrals_received": 0,
        "referrals_given": 0,
        "closed_business_received_minor": 0,
        "closed_business_given_minor": 0,
        "money_minor": 0,
        "hours": 0.0,
        "roi": None,
        "revenue_per_hour_minor": None,
        "reciprocity": None,
        "connections": 0,
        "follow_up_rate": None,
    }
    found.update(values)
    return found


def paying_group(cast: Cast) -> dict[str, Any]:
    """A chapter that returned 12,000 EUR for 1,000 EUR and 75 hours."""
    return item(
        cast.group,
        referrals_received=20,
        referrals_given=18,
        closed_business_received_minor=1_200_000,
        money_minor=100_000,
        hours=75.0,
        roi=11.0,
        revenue_per_hour_minor=16_000,
        reciprocity=0.9,
        connections=4,
        follow_up_rate=0.75,
    )


def costly_group(group: Group) -> dict[str, Any]:
    """1,000 EUR and 75 hours, ten referrals given, nothing back."""
    return item(
        group,
        referrals_given=10,
        money_minor=100_000,
        hours=75.0,
        roi=-1.0,
        revenue_per_hour_minor=0,
    )


def test_a_month_of_evidence_weighs_little_and_a_year_a_lot() -> None:
    assert evidence_weight(1, 40) < 0.1
    assert evidence_weight(12, 40) == 1.0
    assert evidence_weight(6, 40) == 0.5
    # Very few facts damp even a long period.
    assert evidence_weight(12, 2) < 0.2
    assert evidence_weight(0, 100) == 0.0


def test_months_are_capped_by_when_the_membership_started() -> None:
    assert months_covered(YEAR_START, END, None, None) == pytest.approx(12, abs=0.05)
    assert months_covered(YEAR_START, END, datetime.date(2026, 2, 1), None) == pytest.approx(
        2, abs=0.1
    )
    assert months_covered(None, END, datetime.date(2026, 2, 1), None) == pytest.approx(2, abs=0.1)
    assert months_covered(YEAR_START, END, None, datetime.date(2025, 4, 30)) == pytest.approx(
        1, abs=0.05
    )
    assert months_covered(YEAR_START, END, datetime.date(2026, 5, 1), None) == 0.0
    assert months_covered(None, END, None, None) == 12.0


def test_a_year_of_strong_return_says_invest_more(cast: Cast) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    [advice] = advice_for(cast.member, [paying_group(cast)], YEAR_START, END)
    assert advice["group_slug"] == cast.group.slug
    assert advice["group_kind"] == "lead_group"
    assert advice["evidence_weight"] >= 0.9
    assert advice["evidence_score"] >= 90
    assert advice["recommendation"] == "invest_more"
    assert advice["label"] == "Invest more"
    assert advice["prior_fit"] is None
    assert "return on investment 1100%" in advice["reason"]
    assert "160.00 EUR per hour" in advice["reason"]
    assert "neutral 50/100" in advice["reason"]


def test_a_month_of_the_same_return_moves_little(cast: Cast) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    [advice] = advice_for(cast.member, [paying_group(cast)], MONTH_START, END)
    assert advice["evidence_weight"] < 0.1
    assert abs(advice["score"] - BASE_SCORE) <= 5
    assert advice["recommendation"] == "keep"
    assert "Over 1.0 months" in advice["reason"]


def test_a_recent_member_is_judged_on_the_months_since_joining(cast: Cast) -> None:
    joined(cast, datetime.date(2026, 3, 1))
    [advice] = advice_for(cast.member, [paying_group(cast)], YEAR_START, END)
    assert advice["evidence_weight"] < 0.1
    assert advice["recommendation"] == "keep"


def test_a_costly_group_with_no_return_over_a_year_says_leave(cast: Cast) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    [advice] = advice_for(cast.member, [costly_group(cast.group)], YEAR_START, END)
    assert advice["evidence_score"] == 0
    assert advice["evidence_weight"] >= 0.9
    assert advice["recommendation"] == "leave"
    assert advice["label"] == "Leave"
    assert "10 referrals given and none received" in advice["reason"]


def test_ones_own_network_is_reduced_never_left(cast: Cast) -> None:
    informal = Group.objects.get(kind="informal", owner=cast.member)
    Group.objects.filter(pk=informal.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2024, 1, 1, 9, 0))
    )
    [advice] = advice_for(cast.member, [costly_group(informal)], YEAR_START, END)
    assert advice["group_kind"] == "informal"
    assert advice["score"] < 30
    assert advice["recommendation"] == "reduce"


def test_without_a_profile_the_prior_is_50(cast: Cast) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    [advice] = advice_for(cast.member, [item(cast.group)], YEAR_START, END)
    assert advice["prior_fit"] is None
    assert advice["evidence_score"] is None
    assert advice["evidence_weight"] == 0.0
    assert advice["score"] == BASE_SCORE
    assert advice["recommendation"] == "keep"
    assert "no measured return yet" in advice["reason"]


def test_the_saved_profile_is_the_prior(cast: Cast) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    # Cannot meet weekly, international clients: a poor prior for a lead group.
    profile = parse_profile(
        base_profile(weekly_meetings_ok=False, clientele="international", online_comfort=5)
    )
    save_business_profile(cast.member, profile)
    prior = next(f["fit"] for f in fit(profile) if f["group_kind"] == "lead_group")
    assert prior < 30
    [advice] = advice_for(cast.member, [item(cast.group)], YEAR_START, END)
    assert advice["prior_fit"] == prior
    assert advice["score"] == prior
    assert advice["recommendation"] == "leave"
    assert f"the {prior}/100 fit your business profile gives" in advice["reason"]
    # A year of strong return outweighs that prior.
    [advice] = advice_for(cast.member, [paying_group(cast)], YEAR_START, END)
    assert advice["recommendation"] == "invest_more"


def test_a_group_in_two_currencies_is_judged_in_its_own(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    joined(cast, datetime.date(2024, 1, 10))
    Group.objects.filter(pk=cast.public_group.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2024, 1, 1, 9, 0))
    )
    abroad = item(cast.group, currency="USD", money_minor=50_000, roi=-1.0)
    with django_assert_max_num_queries(3):
        advice = advice_for(
            cast.member,
            [paying_group(cast), abroad, costly_group(cast.public_group)],
            YEAR_START,
            END,
        )
    assert [a["group_slug"] for a in advice] == [cast.group.slug, cast.public_group.slug]
    assert advice[0]["recommendation"] == "invest_more"
    assert "Amounts in USD are not converted" in advice[0]["reason"]
    # Only registered for its events, not a member: judged on the period the group existed.
    assert advice[1]["group_kind"] == "event_network"
    assert advice[1]["recommendation"] == "leave"


def test_no_groups_no_advice(cast: Cast, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert advice_for(cast.member, [], None, None) == []


def test_every_item_has_the_documented_keys(cast: Cast) -> None:
    [advice] = advice_for(cast.member, [paying_group(cast)], None, END)
    assert set(advice) == {
        "group_slug",
        "group_kind",
        "recommendation",
        "label",
        "prior_fit",
        "evidence_score",
        "evidence_weight",
        "score",
        "reason",
    }
    assert 0 <= advice["score"] <= 100
    assert 0 <= advice["evidence_weight"] <= 1


def test_money_lost_caps_the_evidence_however_well_paid_the_hours() -> None:
    # Three hours that brought 350 € (117 € an hour) and full reciprocity, for 965 € of dues.
    found = measured_scores(
        {
            "currency": "EUR",
            "closed_business_received_minor": 35_000,
            "roi": -0.6373,
            "revenue_per_hour_minor": 11_667,
            "reciprocity": 0.6667,
            "referrals_given": 2,
            "follow_up_rate": None,
        }
    )
    assert found["revenue_per_hour"] == 100 and found["reciprocity"] == 100
    assert evidence_score(found) == LOSS_CAP
    # Breaking even is not a loss: no cap.
    assert evidence_score({**found, "roi": 55}) > LOSS_CAP

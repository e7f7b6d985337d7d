"""The advisor before joining: the profile is read strictly (every bad key named), and every
rule of the table moves its kind by exactly its points and adds its reason — or, when its
condition does not hold, leaves the kind alone."""

from __future__ import annotations

import math
import operator
from typing import Any

import pytest

from cerchia.insights.advisor import (
    BASE_SCORE,
    KINDS,
    PROFILE_KEYS,
    RULES,
    AdvisorError,
    Profile,
    Rule,
    firing_rules,
    fit,
    parse_profile,
    rules_table,
)
from cerchia.lib.money import MAX_MINOR


def base_profile(**changes: Any) -> dict[str, Any]:
    """A regional B2C business of middling everything: few rules fire for it."""
    data: dict[str, Any] = {
        "clientele": "regional",
        "budget_per_year_minor": 100_000,  # 1,000.00 EUR
        "currency": "EUR",
        "hours_per_week": 2.5,
        "weekly_meetings_ok": True,
        "online_comfort": 3,
        "deal_size": "medium",
        "b2b": False,
        "competitors_for_overflow": False,
        "career_goals": False,
        "privacy_sensitivity": 3,
    }
    data.update(changes)
    return data


def by_kind(result: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["group_kind"]: item for item in result}


# --- reading the profile ---------------------------------------------------------------------


def test_a_good_profile_is_read_with_its_types() -> None:
    profile = parse_profile(base_profile(hours_per_week=4))
    assert profile == Profile(
        clientele="regional",
        budget_per_year_minor=100_000,
        currency="EUR",
        hours_per_week=4.0,
        weekly_meetings_ok=True,
        online_comfort=3,
        deal_size="medium",
        b2b=False,
        competitors_for_overflow=False,
        career_goals=False,
        privacy_sensitivity=3,
    )
    assert str(profile.budget_per_year) == "1000.00"


def test_hours_are_kept_to_one_decimal() -> None:
    assert parse_profile(base_profile(hours_per_week=1.26)).hours_per_week == 1.3


def test_budget_thresholds_are_in_units_of_the_profiles_currency() -> None:
    # 100,000 minor units are 1,000 EUR but 100,000 JPY (no cents): no exchange rate.
    assert str(parse_profile(base_profile(currency="JPY")).budget_per_year) == "100000"


@pytest.mark.parametrize("key", PROFILE_KEYS)
def test_a_missing_key_is_named(key: str) -> None:
    data = base_profile()
    del data[key]
    with pytest.raises(AdvisorError) as caught:
        parse_profile(data)
    assert caught.value.key == key
    assert key in str(caught.value)


INVALID = [
    ("clientele", "galactic"),
    ("clientele", 1),
    ("clientele", None),
    ("budget_per_year_minor", -1),
    ("budget_per_year_minor", 1.5),
    ("budget_per_year_minor", "100"),
    ("budget_per_year_minor", True),
    ("budget_per_year_minor", MAX_MINOR + 1),
    ("currency", "eur"),
    ("currency", "EURO"),
    ("currency", "E1R"),
    ("currency", 978),
    ("currency", ""),
    ("hours_per_week", -1),
    ("hours_per_week", 80.5),
    ("hours_per_week", "5"),
    ("hours_per_week", True),
    ("hours_per_week", math.nan),
    ("hours_per_week", math.inf),
    ("weekly_meetings_ok", "yes"),
    ("weekly_meetings_ok", 1),
    ("online_comfort", 0),
    ("online_comfort", 6),
    ("online_comfort", 3.0),
    ("online_comfort", True),
    ("deal_size", "huge"),
    ("deal_size", "Large"),
    ("b2b", None),
    ("competitors_for_overflow", "no"),
    ("career_goals", 0),
    ("privacy_sensitivity", 6),
    ("privacy_sensitivity", "3"),
]


@pytest.mark.parametrize(("key", "value"), INVALID)
def test_a_wrong_type_or_value_is_named(key: str, value: Any) -> None:
    with pytest.raises(AdvisorError) as caught:
        parse_profile(base_profile(**{key: value}))
    assert caught.value.key == key
    assert key in str(caught.value)


def test_an_unknown_key_is_named() -> None:
    with pytest.raises(AdvisorError) as caught:
        parse_profile(base_profile(colour="blue"))
    assert caught.value.key == "colour"
    assert "colour" in str(caught.value)


@pytest.mark.parametrize("data", [[], "profile", None, 3])
def test_anything_but_an_object_is_refused(data: Any) -> None:
    with pytest.raises(AdvisorError, match="JSON object"):
        parse_profile(data)


def test_the_bounds_themselves_are_accepted() -> None:
    profile = parse_profile(
        base_profile(
            budget_per_year_minor=MAX_MINOR, hours_per_week=80, online_comfort=5, currency="JPY"
        )
    )
    assert (profile.budget_per_year_minor, profile.hours_per_week) == (MAX_MINOR, 80.0)
    assert parse_profile(base_profile(budget_per_year_minor=0, hours_per_week=0))


# --- the rule table, rule by rule -----------------------------------------------------------

# The values each condition's field can take (budget in whole EUR), and the operators as this
# test understands them: a second reading of the table, not the advisor's own.
CANDIDATES: dict[str, list[Any]] = {
    "clientele": ["local", "regional", "national", "international"],
    "budget_per_year": [0, 199, 200, 299, 300, 749, 750, 1199, 1200, 1499, 1500, 5000],
    "hours_per_week": [0, 0.5, 1, 1.5, 2, 2.5, 3, 10],
    "weekly_meetings_ok": [True, False],
    "online_comfort": [1, 2, 3, 4, 5],
    "deal_size": ["small", "medium", "large"],
    "b2b": [True, False],
    "competitors_for_overflow": [True, False],
    "career_goals": [True, False],
    "privacy_sensitivity": [1, 2, 3, 4, 5],
}
TEST_OPERATORS = {"eq": operator.eq, "lt": operator.lt, "ge": operator.ge}


def profile_with(field: str, value: Any) -> Profile:
    if field == "budget_per_year":
        return parse_profile(base_profile(budget_per_year_minor=value * 100))
    return parse_profile(base_profile(**{field: value}))


def values_for(rule: Rule) -> tuple[Any, Any]:
    """A value of the rule's field that fires it, and one that does not (None: none does)."""
    test = TEST_OPERATORS[rule.when.op]
    values = CANDIDATES[rule.when.field]
    firing = [v for v in values if test(v, rule.when.value)]
    quiet = [v for v in values if not test(v, rule.when.value)]
    assert firing, f"no value fires {rule}"
    return firing[0], (quiet[0] if quiet else None)


RULE_IDS = [f"{r.kind}:{r.when.field}-{r.when.op}-{r.when.value}" for r in RULES]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_each_rule_moves_its_kind_by_its_points(rule: Rule) -> None:
    fires, stays_quiet = values_for(rule)
    alone = by_kind(fit(profile_with(rule.when.field, fires), rules=(rule,)))
    assert alone[rule.kind]["fit"] == BASE_SCORE + rule.points
    assert alone[rule.kind]["reasons"] == [str(rule.reason)]
    for kind in KINDS:
        if kind != rule.kind:
            assert (alone[kind]["fit"], alone[kind]["reasons"]) == (BASE_SCORE, [])
    # In the whole table too, its reason shows exactly when it fires.
    assert (
        str(rule.reason) in by_kind(fit(profile_with(rule.when.field, fires)))[rule.kind]["reasons"]
    )
    if stays_quiet is None:
        # Only the informal network's "no fees" rule holds for every profile.
        assert (rule.kind, rule.when.field, rule.when.op, rule.when.value) == (
            "informal",
            "budget_per_year",
            "ge",
            0,
        )
        return
    quiet = profile_with(rule.when.field, stays_quiet)
    assert by_kind(fit(quiet, rules=(rule,)))[rule.kind] == {
        "group_kind": rule.kind,
        "fit": BASE_SCORE,
        "reasons": [],
    }
    assert str(rule.reason) not in by_kind(fit(quiet))[rule.kind]["reasons"]


def test_the_table_covers_every_kind_and_every_question() -> None:
    assert 40 <= len(RULES) <= 60
    assert {r.kind for r in RULES} == set(KINDS)
    fields = {r.when.field for r in RULES}
    # Every question counts somewhere; the currency only says what the budget is in.
    assert fields == {k for k in PROFILE_KEYS if k not in ("currency", "budget_per_year_minor")} | {
        "budget_per_year"
    }
    assert len({str(r.reason) for r in RULES}) == len(RULES)
    assert all(r.points != 0 for r in RULES)


def test_rules_can_be_listed_for_people_to_read() -> None:
    table = rules_table()
    assert len(table) == len(RULES)
    assert table[0]["kind_label"] == "Chamber of commerce"
    first_chamber_international = next(
        row for row in table if row["group_kind"] == "chamber" and "International" in row["when"]
    )
    assert first_chamber_international["when"] == "clientele = International"
    assert first_chamber_international["points"] == -25


# --- whole profiles ---------------------------------------------------------------------------


def test_international_clientele_makes_the_chamber_a_weak_fit() -> None:
    result = fit(parse_profile(base_profile(clientele="international", b2b=True)))
    chamber = by_kind(result)["chamber"]
    assert chamber["fit"] < BASE_SCORE
    assert chamber["reasons"][0] == (
        "A chamber's exposure is limited to the immediate geographic community; your clients "
        "are international."
    )
    # …while reaching a worldwide audience online counts for it.
    online = by_kind(result)["online_community"]
    assert any("worldwide audience" in r for r in online["reasons"])
    assert online["fit"] > chamber["fit"]


def test_every_kind_is_listed_once_best_fit_first() -> None:
    result = fit(parse_profile(base_profile()))
    assert sorted(item["group_kind"] for item in result) == sorted(KINDS)
    fits = [item["fit"] for item in result]
    assert fits == sorted(fits, reverse=True)
    assert set(result[0]) == {"group_kind", "fit", "reasons"}


def test_reasons_come_strongest_first() -> None:
    profile = parse_profile(
        base_profile(weekly_meetings_ok=False, clientele="international", online_comfort=5)
    )
    reasons = by_kind(fit(profile))["lead_group"]["reasons"]
    points = {str(r.reason): abs(r.points) for r in RULES}
    assert [points[r] for r in reasons] == sorted((points[r] for r in reasons), reverse=True)
    assert reasons[0].startswith("A lead group is the most demanding kind")


def test_scores_are_clamped_to_0_and_100() -> None:
    harsh = parse_profile(
        base_profile(
            weekly_meetings_ok=False,
            budget_per_year_minor=10_000,
            hours_per_week=0.5,
            clientele="international",
            online_comfort=5,
            deal_size="small",
            privacy_sensitivity=5,
        )
    )
    raw = BASE_SCORE + sum(r.points for r in firing_rules(harsh, "lead_group"))
    assert raw < 0
    assert by_kind(fit(harsh))["lead_group"]["fit"] == 0

    online = parse_profile(
        base_profile(
            online_comfort=5,
            clientele="international",
            budget_per_year_minor=0,
            weekly_meetings_ok=False,
            career_goals=True,
        )
    )
    raw = BASE_SCORE + sum(r.points for r in firing_rules(online, "online_community"))
    assert raw > 100
    assert by_kind(fit(online))["online_community"]["fit"] == 100


def test_the_informal_network_always_fits_somewhat() -> None:
    worst = parse_profile(
        base_profile(
            clientele="international",
            deal_size="large",
            privacy_sensitivity=5,
            b2b=True,
            budget_per_year_minor=10_000_000,
            hours_per_week=20,
        )
    )
    informal = by_kind(fit(worst))["informal"]
    assert informal["fit"] > 0
    assert informal["reasons"][0].startswith("Nobody has to share their personal network")
    assert any("no money" in r for r in informal["reasons"])


def test_every_rule_is_in_the_docs() -> None:
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "advisor.md").read_text(encoding="utf-8")
    missing = [str(r.reason) for r in RULES if f"{r.points:+d} | {r.reason} |" not in text]
    assert missing == []

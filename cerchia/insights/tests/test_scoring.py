"""The traffic-light presets against the published tables (lead-groups.md §2), factor by
factor and edge by edge; overrides validated key by key; the rules service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.services import create_group
from cerchia.insights.models import ScoringRules
from cerchia.insights.scoring import (
    PRESETS,
    VARIANTS,
    ScoringError,
    apply_overrides,
    build_table,
    rules_for_group,
)
from cerchia.insights.services import clear_scoring_rules, set_scoring_rules

# (preset, factor, measured value, the table's points). Rates are per week; absences, late
# arrivals, training and TYFCB are totals over the 6 months; TYFCB in minor units.
PUBLISHED = [
    # --- UK & Ireland 2012 ---
    *[("uk_2012", "absences", v, p) for v, p in [(0, 15), (1, 10), (2, 5), (3, 0), (9, 0)]],
    *[
        ("uk_2012", "referrals", v, p)
        for v, p in [
            (0, 0),
            (0.499, 0),
            (0.5, 5),
            (0.501, 5),
            (0.749, 5),
            (0.75, 10),
            (0.751, 10),
            (0.999, 10),
            (1, 15),
            (1.001, 15),
            (1.199, 15),
            (1.2, 20),
            (1.201, 20),
            (4, 20),
        ]
    ],
    *[
        ("uk_2012", "visitors", v, p)
        for v, p in [
            (0, 0),
            (0.0829, 0),
            (0.083, 5),
            (0.0831, 5),
            (0.1669, 5),
            (0.167, 10),
            (0.1671, 10),
            (0.2499, 10),
            (0.25, 15),
            (0.2501, 15),
            (0.4999, 15),
            # "<.5 → 15, >.5 → 20": silent at exactly 0.5; we give 20 (docs).
            (0.5, 20),
            (0.5001, 20),
        ]
    ],
    *[
        ("uk_2012", "closed_business", v, p)
        for v, p in [
            (0, 0),
            (99_999, 0),
            (100_000, 5),
            (100_001, 5),
            (249_999, 5),
            (250_000, 10),
            (250_001, 10),
            (499_999, 10),
            # "<£5k → 10, >£5k → 15": silent at exactly £5k; we give 15 (docs).
            (500_000, 15),
            (500_001, 15),
        ]
    ],
    *[
        ("uk_2012", "testimonials", v, p)
        for v, p in [(0, 0), (0.0001, 5), (0.0749, 5), (0.075, 10), (0.0751, 10), (1, 10)]
    ],
    *[("uk_2012", "on_time", v, p) for v, p in [(0, 5), (1, 0), (2, 0)]],
    *[("uk_2012", "education", v, p) for v, p in [(0, 0), (1, 5), (2, 10), (3, 15), (4, 15)]],
    # --- India ---
    *[("india", "absences", v, p) for v, p in [(0, 15), (1, 10), (2, 5), (3, 0)]],
    *[
        ("india", "referrals", v, p)
        for v, p in [(0.499, 0), (0.5, 5), (0.501, 5), (0.749, 5), (0.75, 10), (0.751, 10)]
        + [(0.999, 10), (1, 15), (1.001, 15), (1.199, 15), (1.2, 20), (1.201, 20)]
    ],
    *[
        ("india", "visitors", v, p)
        for v, p in [
            (0, 0),
            (0.0999, 0),
            (0.1, 5),
            (0.1001, 5),
            (0.2499, 5),
            (0.25, 10),
            (0.2501, 10),
            (0.4999, 10),
            (0.5, 15),
            (0.5001, 15),
            (0.7499, 15),
            (0.75, 20),
            (0.7501, 20),
        ]
    ],
    *[
        ("india", "closed_business", v, p)
        for v, p in [
            (49_999_999, 0),
            (50_000_000, 5),
            (50_000_001, 5),
            (99_999_999, 5),
            (100_000_000, 10),
            (100_000_001, 10),
            (199_999_999, 10),
            (200_000_000, 15),
            (200_000_001, 15),
        ]
    ],
    *[
        ("india", "testimonials", v, p)
        for v, p in [(0, 0), (0.0001, 5), (0.0749, 5), (0.075, 10), (0.0751, 10)]
    ],
    *[("india", "on_time", v, p) for v, p in [(0, 5), (1, 0), (3, 0)]],
    *[("india", "education", v, p) for v, p in [(0, 0), (1, 5), (2, 10), (3, 15)]],
    # --- Hong Kong ---
    *[("hong_kong", "absences", v, p) for v, p in [(0, 15), (1, 10), (2, 5), (3, 0)]],
    *[
        ("hong_kong", "referrals", v, p)
        for v, p in [
            (0.7499, 0),
            (0.75, 5),
            (0.7501, 5),
            (0.9999, 5),
            (1, 10),
            (1.0001, 10),
            (1.1999, 10),
            (1.2, 15),
            (1.2001, 15),
            (1.4999, 15),
            (1.5, 20),
            (1.5001, 20),
        ]
    ],
    *[
        ("hong_kong", "visitors", v, p)
        for v, p in [(0.0999, 0), (0.1, 5), (0.1001, 5), (0.2499, 5), (0.25, 10), (0.2501, 10)]
        + [(0.4999, 10), (0.5, 15), (0.5001, 15), (0.7499, 15), (0.75, 20), (0.7501, 20)]
    ],
    *[
        ("hong_kong", "closed_business", v, p)
        for v, p in [
            (9_999_999, 0),
            (10_000_000, 5),
            (10_000_001, 5),
            (19_999_999, 5),
            (20_000_000, 10),
            (20_000_001, 10),
            (49_999_999, 10),
            (50_000_000, 15),
            (50_000_001, 15),
        ]
    ],
    *[("hong_kong", "on_time", v, p) for v, p in [(0, 10), (1, 5), (2, 0), (5, 0)]],
    *[("hong_kong", "education", v, p) for v, p in [(0, 0), (1, 5), (2, 10), (3, 10)]],
    *[
        ("hong_kong", "one_to_ones", v, p)
        for v, p in [(0, 0), (0.5, 0), (0.5001, 5), (0.9999, 5), (1, 10), (1.0001, 10)]
    ],
    # --- US Power of One: 20 points each, in proportion to the target ---
    *[("us_power_of_one", "attendance", v, p) for v, p in [(0, 0), (0.5, 10), (0.75, 15), (1, 20)]],
    *[
        ("us_power_of_one", "referrals", v, p)
        for v, p in [(0, 0), (0.25, 5), (0.5, 10), (1, 20), (2, 20)]
    ],
    *[
        ("us_power_of_one", "visitors", v, p)
        for v, p in [(0, 0), (6 / 52, 10), (12 / 52, 20), (1, 20)]
    ],
    *[("us_power_of_one", "education", v, p) for v, p in [(0, 0), (0.5, 10), (1, 20), (3, 20)]],
    *[("us_power_of_one", "one_to_ones", v, p) for v, p in [(0.25, 5), (1, 20), (1.5, 20)]],
]


@pytest.mark.parametrize(("preset", "code", "value", "points"), PUBLISHED)
def test_each_band_edge_gives_the_published_points(
    preset: str, code: str, value: float, points: float
) -> None:
    factor = PRESETS[preset].factor(code)
    assert factor is not None
    assert factor.points(value) == pytest.approx(points)


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (0, 0),
        (0.2499, 0),
        (0.25, 5),
        (0.49, 5),
        (0.4999, 5),
        (0.5, 10),
        (0.74, 10),
        (0.75, 15),
        (0.99, 15),
        (1, 20),
        (2, 20),
    ],
)
def test_the_australian_ceu_scale_is_a_variant_of_the_education_factor(
    value: float, points: int
) -> None:
    factor = VARIANTS["australia_ceu"]
    assert (factor.code, factor.unit) == ("education", "per_week")
    assert factor.points(value) == points


def test_every_preset_gives_100_points_at_most_and_has_the_published_factors() -> None:
    factors = {
        "uk_2012": [
            "absences",
            "referrals",
            "visitors",
            "closed_business",
            "testimonials",
            "on_time",
            "education",
        ],
        "india": [
            "absences",
            "referrals",
            "visitors",
            "closed_business",
            "testimonials",
            "on_time",
            "education",
        ],
        "hong_kong": [
            "absences",
            "referrals",
            "visitors",
            "closed_business",
            "on_time",
            "education",
            "one_to_ones",
        ],
        "us_power_of_one": ["attendance", "referrals", "visitors", "education", "one_to_ones"],
    }
    for name, table in PRESETS.items():
        assert table.max_points == 100, name
        assert table.codes == factors[name]
        assert table.window == "rolling"
    assert [f.max_points for f in PRESETS["uk_2012"].factors] == [15, 20, 20, 15, 10, 5, 15]
    assert [f.max_points for f in PRESETS["hong_kong"].factors] == [15, 20, 20, 15, 10, 10, 10]
    assert {f.max_points for f in PRESETS["us_power_of_one"].factors} == {20}
    # Only Power of One counts a substitute as an absence.
    assert [t.substitutes_count_as_absence for t in PRESETS.values()] == [
        False,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("preset", "score", "colour"),
    [
        # India's cut-offs (also used where a table states none: UK 2012, US).
        *[
            (preset, s, c)
            for preset in ("india", "uk_2012", "us_power_of_one")
            for s, c in [
                (100, "green"),
                (70, "green"),
                (69.9, "amber"),
                (50, "amber"),
                (49.9, "red"),
                (30, "red"),
                (29.9, "grey"),
                (0, "grey"),
            ]
        ],
        # Hong Kong: yellow (amber) from 40; "Black" below 30 is grey.
        *[
            ("hong_kong", s, c)
            for s, c in [
                (70, "green"),
                (69.9, "amber"),
                (40, "amber"),
                (39.9, "red"),
                (30, "red"),
                (29.9, "grey"),
            ]
        ],
    ],
)
def test_colour_cutoffs(preset: str, score: float, colour: str) -> None:
    assert PRESETS[preset].colour(score) == colour


# --- overrides ---------------------------------------------------------------------------


def test_overrides_change_window_cutoffs_substitutes_and_factors() -> None:
    table = build_table(
        "uk_2012",
        {
            "window": "previous",
            "cutoffs": {"amber": 40},
            "substitutes_count_as_absence": True,
            "factors": {
                "testimonials": None,
                "education": {"variant": "australia_ceu"},
                "referrals": {"points": [4, 8, 12, 16]},
                "one_to_ones": {"unit": "per_week", "bands": [[">=", 1, 10]]},
            },
        },
    )
    assert table.window == "previous"
    assert table.cutoffs == (70, 40, 30)
    assert table.substitutes_count_as_absence
    assert "testimonials" not in table.codes
    assert table.factor("education") == VARIANTS["australia_ceu"]
    referrals = table.factor("referrals")
    assert referrals is not None and referrals.points(1.2) == 16
    assert table.codes[-1] == "one_to_ones"
    # The base preset is untouched.
    assert PRESETS["uk_2012"].window == "rolling"
    assert PRESETS["uk_2012"].factor("testimonials") is not None


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ("not an object", "JSON object"),
        ({"colour": 1}, "colour: unknown key"),
        ({"window": "weekly"}, "window:"),
        ({"substitutes_count_as_absence": "yes"}, "substitutes_count_as_absence:"),
        ({"cutoffs": {"blue": 10}}, "cutoffs.blue:"),
        ({"cutoffs": {"green": "70"}}, "cutoffs.green:"),
        ({"cutoffs": {"amber": 80}}, "cutoffs:"),
        ({"cutoffs": {"green": 101}}, "cutoffs.green:"),
        ({"factors": []}, "factors:"),
        ({"factors": {"smiles": None}}, "factors.smiles:"),
        ({"factors": {"referrals": {"weight": 2}}}, "factors.referrals.weight:"),
        ({"factors": {"referrals": {"unit": "share"}}}, "factors.referrals.unit:"),
        ({"factors": {"referrals": {"bands": []}}}, "factors.referrals.bands:"),
        ({"factors": {"referrals": {"bands": [["=>", 1, 5]]}}}, "factors.referrals.bands[0]:"),
        ({"factors": {"referrals": {"bands": [[">=", -1, 5]]}}}, "factors.referrals.bands[0]:"),
        ({"factors": {"referrals": {"bands": [[">=", 1, "5"]]}}}, "factors.referrals.bands[0]:"),
        (
            {"factors": {"referrals": {"bands": [[">=", 1, 5], ["<=", 2, 5]]}}},
            "factors.referrals.bands:",
        ),
        ({"factors": {"referrals": {"points": [1, 2]}}}, "factors.referrals.points:"),
        ({"factors": {"referrals": {"linear": {"target": 0, "points": 20}}}}, "linear.target:"),
        ({"factors": {"one_to_ones": {"bands": [[">=", 1, 5]]}}}, "factors.one_to_ones.unit:"),
        ({"factors": {"referrals": {"variant": "australia_ceu"}}}, "factors.referrals.variant:"),
        (
            {
                "factors": {
                    code: None
                    for code in (
                        "absences",
                        "referrals",
                        "visitors",
                        "closed_business",
                        "testimonials",
                        "on_time",
                        "education",
                    )
                }
            },
            "factors:",
        ),
    ],
)
def test_bad_overrides_are_refused_naming_the_key(overrides: object, names: str) -> None:
    with pytest.raises(ScoringError) as caught:
        apply_overrides(PRESETS["uk_2012"], overrides)
    assert names in str(caught.value)


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(ScoringError, match="preset: unknown preset"):
        build_table("mars", {})


# --- resolution and the service ----------------------------------------------------------


@pytest.mark.django_db
def test_lead_groups_default_to_uk_2012_and_other_kinds_have_none(cast: Cast) -> None:
    resolved = rules_for_group(cast.group)
    assert resolved is not None
    assert (resolved.preset, resolved.source) == ("uk_2012", "default")
    assert rules_for_group(cast.public_group) is None


@pytest.mark.django_db
def test_chapters_follow_the_organisation_unless_they_choose_their_own(cast: Cast) -> None:
    set_scoring_rules(
        cast.organisation, actor=cast.owner, preset="india", overrides={"window": "previous"}
    )
    resolved = rules_for_group(cast.group)
    assert resolved is not None
    assert (resolved.preset, resolved.source, resolved.table.window) == (
        "india",
        "organisation",
        "previous",
    )

    # The chapter's president chooses the chapter's own.
    set_scoring_rules(cast.group, actor=cast.leader, preset="hong_kong")
    resolved = rules_for_group(cast.group)
    assert resolved is not None
    assert (resolved.preset, resolved.source) == ("hong_kong", "group")
    assert AuditEntry.objects.filter(action="insights.scoring_rules.set").count() == 2

    assert clear_scoring_rules(cast.group, actor=cast.leader)
    resolved = rules_for_group(cast.group)
    assert resolved is not None and resolved.preset == "india"


@pytest.mark.django_db
def test_only_managers_set_rules_and_bad_rules_save_nothing(cast: Cast) -> None:
    for who in ("member", "outsider", "visitor"):
        with pytest.raises(PermissionDenied):
            set_scoring_rules(cast.group, actor=getattr(cast, who), preset="india")
    # A chapter president does not run the organisation.
    with pytest.raises(PermissionDenied):
        set_scoring_rules(cast.organisation, actor=cast.leader, preset="india")
    with pytest.raises(ScoringError, match="cutoffs.green"):
        set_scoring_rules(
            cast.group, actor=cast.leader, preset="india", overrides={"cutoffs": {"green": 500}}
        )
    assert not ScoringRules.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="insights.").exists()


@pytest.mark.django_db
def test_other_kinds_may_choose_a_preset(cast: Cast) -> None:
    chamber = create_group(cast.owner, name="Chamber", kind="chamber")
    add_member(chamber, make_user("m@example.org"))
    set_scoring_rules(chamber, actor=cast.owner, preset="us_power_of_one")
    resolved = rules_for_group(chamber)
    assert resolved is not None and resolved.source == "group"

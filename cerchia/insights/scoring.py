"""Traffic-light rule tables as data: the published presets, the overrides a group or an
organisation may set on top of one, and the service that saves them.

A table is a window (``rolling``: the 26 weeks ending on the day; ``previous``: the previous
six complete calendar months), colour cut-offs, whether a substitute counts as an absence,
and factors. A factor scores one measure of a member — ``total`` in the window, ``per_week``
over the member's countable weeks, or, for attendance, the ``share`` of meetings attended —
either by ``bands`` or ``linear``ly:

* a band is ``(op, bound, points)``: the factor gives the points of the best band whose
  condition ``value op bound`` holds, 0 when none does. "More is better" tables use ``>=``
  and ``>`` (UK referrals: ``>= 0.5 → 5 … >= 1.2 → 20``), "fewer is better" ones ``<=`` and
  ``<`` (absences: ``<= 0 → 15, <= 1 → 10, <= 2 → 5``), so every published edge, inclusive
  or not, is written as it was published;
* ``linear`` is ``(target, points)``: ``points × value / target``, at most ``points`` (the US
  Power of One: 20 points at one referral a week).

docs/traffic-lights.md lists every preset in words, with its sources and the choices made
where the published tables are silent.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cerchia.groups.models import MAX_DEPTH, Group, Kind
from cerchia.insights.models import ScoringRules
from cerchia.lib.money import format_money


class ScoringError(ValidationError):
    """A rule table or override that cannot be used. A ``ValidationError``, so the API answers
    400 with the message and forms show it where it belongs."""

    def __str__(self) -> str:
        return " ".join(self.messages)


# --- the vocabulary ------------------------------------------------------------------------

WINDOWS = ("rolling", "previous")
WINDOW_LABELS = {
    "rolling": gettext_lazy("the 26 weeks ending on the day"),
    "previous": gettext_lazy("the previous 6 complete calendar months"),
}
UNITS = ("per_week", "total", "share")
MORE_OPS = (">=", ">")
FEWER_OPS = ("<=", "<")
OPS = (*MORE_OPS, *FEWER_OPS)

# Factor code → what it measures; the units it may be measured in.
FACTORS: dict[str, Any] = {
    "absences": gettext_lazy("Absences"),
    "attendance": gettext_lazy("Meetings attended"),
    "referrals": gettext_lazy("Referrals given"),
    "visitors": gettext_lazy("Visitors brought"),
    "closed_business": gettext_lazy("Closed business received"),
    "testimonials": gettext_lazy("Testimonials"),
    "on_time": gettext_lazy("Late arrivals"),
    "education": gettext_lazy("Education units"),
    "one_to_ones": gettext_lazy("One-to-ones held"),
}
FACTOR_UNITS: dict[str, tuple[str, ...]] = {code: ("total", "per_week") for code in FACTORS}
# Attendance is the share of the member's meetings attended (1 = every one).
FACTOR_UNITS["attendance"] = ("share",)
# What a member can add to by doing something (the path to the next colour); the others
# (absences, lateness, attendance) only improve by not missing meetings.
ACTIONABLE = (
    "referrals",
    "visitors",
    "testimonials",
    "education",
    "one_to_ones",
    "closed_business",
)

COLOURS = ("green", "amber", "red", "grey")
COLOUR_LABELS = {
    "green": gettext_lazy("Green"),
    "amber": gettext_lazy("Amber"),
    "red": gettext_lazy("Red"),
    "grey": gettext_lazy("Grey"),
}
CUTOFF_KEYS = ("green", "amber", "red")
MAX_BANDS = 12
MAX_POINTS = 1000


def _number(value: float) -> str:
    """3 → "3", 0.75 → "0.75", 0.0833 → "0.083" (as published)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0")


@dataclass(frozen=True)
class Band:
    op: str
    bound: float
    points: float

    def holds(self, value: float) -> bool:
        if self.op == ">=":
            return value >= self.bound
        if self.op == ">":
            return value > self.bound
        if self.op == "<=":
            return value <= self.bound
        return value < self.bound

    def as_list(self) -> list[Any]:
        return [self.op, self.bound, self.points]


@dataclass(frozen=True)
class Linear:
    target: float
    points: float


@dataclass(frozen=True)
class Factor:
    code: str
    unit: str
    bands: tuple[Band, ...] = ()
    linear: Linear | None = None

    @property
    def label(self) -> str:
        return str(FACTORS[self.code])

    @property
    def max_points(self) -> float:
        if self.linear is not None:
            return self.linear.points
        return max((band.points for band in self.bands), default=0)

    @property
    def more_is_better(self) -> bool:
        return self.linear is not None or all(band.op in MORE_OPS for band in self.bands)

    @property
    def actionable(self) -> bool:
        return self.code in ACTIONABLE and self.more_is_better

    def points(self, value: float) -> float:
        if self.linear is not None:
            if value >= self.linear.target:
                return self.linear.points
            return self.linear.points * value / self.linear.target
        return max((band.points for band in self.bands if band.holds(value)), default=0)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "unit": self.unit}
        if self.linear is not None:
            out["linear"] = {"target": self.linear.target, "points": self.linear.points}
        else:
            out["bands"] = [band.as_list() for band in self.bands]
        out["max_points"] = self.max_points
        return out

    def _bound_words(self, bound: float, currency: str) -> str:
        if self.code == "closed_business":
            # Money bands are minor units of the group's own currency.
            return format_money(int(bound), currency) if currency else _number(bound)
        if self.unit == "share":
            return f"{bound * 100:g}%"
        return _number(bound)

    def describe(self, currency: str = "") -> str:
        """The factor in words: "Referrals given per week: ≥ 0.5 → 5 points; …"."""
        measure = {
            "per_week": _("%(factor)s per week") % {"factor": self.label},
            "total": _("%(factor)s in the window") % {"factor": self.label},
            "share": _("%(factor)s (share of the meetings held)") % {"factor": self.label},
        }[self.unit]
        if self.linear is not None:
            rule = _("%(points)s points at %(target)s or more, in proportion below") % {
                "points": _number(self.linear.points),
                "target": self._bound_words(self.linear.target, currency),
            }
        else:
            parts = [
                ngettext(
                    "%(op)s %(bound)s → %(points)s point",
                    "%(op)s %(bound)s → %(points)s points",
                    int(band.points),
                )
                % {
                    "op": {">=": "≥", ">": ">", "<=": "≤", "<": "<"}[band.op],
                    "bound": self._bound_words(band.bound, currency),
                    "points": _number(band.points),
                }
                for band in self.bands
            ]
            parts.append(_("otherwise 0"))
            rule = "; ".join(parts)
        return f"{measure}: {rule}"


@dataclass(frozen=True)
class Table:
    preset: str
    window: str
    cutoffs: tuple[float, float, float]  # green, amber, red: the least score of each colour
    substitutes_count_as_absence: bool
    factors: tuple[Factor, ...]

    @property
    def max_points(self) -> float:
        return sum(factor.max_points for factor in self.factors)

    @property
    def codes(self) -> list[str]:
        return [factor.code for factor in self.factors]

    def factor(self, code: str) -> Factor | None:
        return next((f for f in self.factors if f.code == code), None)

    def colour(self, score: float) -> str:
        green, amber, red = self.cutoffs
        if score >= green:
            return "green"
        if score >= amber:
            return "amber"
        if score >= red:
            return "red"
        return "grey"

    def cutoff_of(self, colour: str) -> float:
        return dict(zip(CUTOFF_KEYS, self.cutoffs, strict=True))[colour]

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "window": self.window,
            "cutoffs": dict(zip(CUTOFF_KEYS, self.cutoffs, strict=True)),
            "substitutes_count_as_absence": self.substitutes_count_as_absence,
            "max_points": self.max_points,
            "factors": [factor.as_dict() for factor in self.factors],
        }

    def describe(self, currency: str = "") -> list[str]:
        """The whole table in words, one line each."""
        green, amber, red = self.cutoffs
        lines = [
            _("Window: %(window)s.") % {"window": WINDOW_LABELS[self.window]},
            *[factor.describe(currency) for factor in self.factors],
            _(
                "Colours: green from %(green)s points, amber from %(amber)s, red from %(red)s, "
                "grey below; %(max)s points at most."
            )
            % {
                "green": _number(green),
                "amber": _number(amber),
                "red": _number(red),
                "max": _number(self.max_points),
            },
            _("A substitute counts as an absence.")
            if self.substitutes_count_as_absence
            else _("A substitute does not count as an absence."),
        ]
        return lines


# --- the published presets (reference: lead-groups.md §2) ----------------------------------


def _bands(*rows: tuple[str, float, float]) -> tuple[Band, ...]:
    return tuple(Band(op, bound, points) for op, bound, points in rows)


_ABSENCES = Factor("absences", "total", _bands(("<=", 0, 15), ("<=", 1, 10), ("<=", 2, 5)))
_UK_REFERRALS = Factor(
    "referrals",
    "per_week",
    _bands((">=", 0.5, 5), (">=", 0.75, 10), (">=", 1, 15), (">=", 1.2, 20)),
)
_INDIA_VISITORS = Factor(
    "visitors",
    "per_week",
    _bands((">=", 0.1, 5), (">=", 0.25, 10), (">=", 0.5, 15), (">=", 0.75, 20)),
)
_TESTIMONIALS = Factor("testimonials", "per_week", _bands((">", 0, 5), (">=", 0.075, 10)))
_NEVER_LATE = Factor("on_time", "total", _bands(("<=", 0, 5)))
_TRAINING = Factor("education", "total", _bands((">=", 1, 5), (">=", 2, 10), (">=", 3, 15)))
_INDIA_CUTOFFS = (70.0, 50.0, 30.0)

PRESETS: dict[str, Table] = {
    # UK & Ireland, 2012 (Solihull chapter's published sheet). Cut-offs not stated: India's.
    "uk_2012": Table(
        "uk_2012",
        "rolling",
        _INDIA_CUTOFFS,
        False,
        (
            _ABSENCES,
            _UK_REFERRALS,
            Factor(
                "visitors",
                "per_week",
                _bands((">=", 0.083, 5), (">=", 0.167, 10), (">=", 0.25, 15), (">=", 0.5, 20)),
            ),
            # GBP: < £1k → 0, < £2.5k → 5, < £5k → 10, more → 15 (pence).
            Factor(
                "closed_business",
                "total",
                _bands((">=", 100_000, 5), (">=", 250_000, 10), (">=", 500_000, 15)),
            ),
            _TESTIMONIALS,
            _NEVER_LATE,
            _TRAINING,
        ),
    ),
    # India (the verified scoring logic of an Indian chapter's tool); TYFCB in paise.
    "india": Table(
        "india",
        "rolling",
        _INDIA_CUTOFFS,
        False,
        (
            _ABSENCES,
            _UK_REFERRALS,
            _INDIA_VISITORS,
            Factor(
                "closed_business",
                "total",
                _bands((">=", 50_000_000, 5), (">=", 100_000_000, 10), (">=", 200_000_000, 15)),
            ),
            _TESTIMONIALS,
            _NEVER_LATE,
            _TRAINING,
        ),
    ),
    # Hong Kong (a chapter's check-in tool); TYFCB in HK cents; "Black" is grey here.
    "hong_kong": Table(
        "hong_kong",
        "rolling",
        (70.0, 40.0, 30.0),
        False,
        (
            _ABSENCES,
            Factor(
                "referrals",
                "per_week",
                _bands((">=", 0.75, 5), (">=", 1, 10), (">=", 1.2, 15), (">=", 1.5, 20)),
            ),
            _INDIA_VISITORS,
            Factor(
                "closed_business",
                "total",
                _bands((">=", 10_000_000, 5), (">=", 20_000_000, 10), (">=", 50_000_000, 15)),
            ),
            Factor("on_time", "total", _bands(("<=", 0, 10), ("<=", 1, 5))),
            Factor("education", "total", _bands((">=", 1, 5), (">=", 2, 10))),
            Factor("one_to_ones", "per_week", _bands((">", 0.5, 5), (">=", 1, 10))),
        ),
    ),
    # US "Power of One" (2020): 20 points each, in proportion up to the target; a substitute
    # is an absence. Cut-offs not stated: India's.
    "us_power_of_one": Table(
        "us_power_of_one",
        "rolling",
        _INDIA_CUTOFFS,
        True,
        (
            Factor("attendance", "share", linear=Linear(1, 20)),
            Factor("referrals", "per_week", linear=Linear(1, 20)),
            # One visitor a month: 12 a year, 52 weeks.
            Factor("visitors", "per_week", linear=Linear(12 / 52, 20)),
            Factor("education", "per_week", linear=Linear(1, 20)),
            Factor("one_to_ones", "per_week", linear=Linear(1, 20)),
        ),
    ),
}
PRESET_LABELS = {
    "uk_2012": gettext_lazy("UK & Ireland (2012)"),
    "india": gettext_lazy("India"),
    "hong_kong": gettext_lazy("Hong Kong"),
    "us_power_of_one": gettext_lazy("US Power of One (2020)"),
}
# The currency each published table's money bands are in (a group compares its own).
PRESET_CURRENCIES = {"uk_2012": "GBP", "india": "INR", "hong_kong": "HKD", "us_power_of_one": "USD"}
# Factor definitions that fit no whole preset but may replace one factor of any table.
# Australia publishes only its CEU scale; with the UK's other factors it would total 105.
VARIANTS: dict[str, Factor] = {
    "australia_ceu": Factor(
        "education",
        "per_week",
        _bands((">=", 0.25, 5), (">=", 0.5, 10), (">=", 0.75, 15), (">=", 1, 20)),
    ),
}
DEFAULT_PRESET = "uk_2012"
# Kinds that score their members without choosing a table first.
DEFAULT_FOR_KINDS = (Kind.LEAD_GROUP,)


# --- overrides ----------------------------------------------------------------------------


def _fail(key: str, message: str) -> ScoringError:
    return ScoringError(_("%(key)s: %(message)s") % {"key": key, "message": message})


def _is_number(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and math.isfinite(float(value))
    )


def _clean_points(value: Any, key: str) -> float:
    if not _is_number(value) or not 0 <= value <= MAX_POINTS:
        raise _fail(key, _("points must be a number from 0 to %(max)s.") % {"max": MAX_POINTS})
    return float(value)


def _clean_bands(value: Any, key: str) -> tuple[Band, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_BANDS:
        raise _fail(
            key, _("give a list of 1 to %(n)s bands [op, bound, points].") % {"n": MAX_BANDS}
        )
    bands = []
    for i, row in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(row, list) or len(row) != 3:
            raise _fail(where, _('a band is [op, bound, points], e.g. [">=", 0.5, 5].'))
        op, bound, points = row
        if op not in OPS:
            raise _fail(where, _("the op must be one of %(ops)s.") % {"ops": ", ".join(OPS)})
        if not _is_number(bound) or bound < 0:
            raise _fail(where, _("the bound must be a number of 0 or more."))
        bands.append(Band(op, float(bound), _clean_points(points, where)))
    if {b.op in MORE_OPS for b in bands} == {True, False}:
        raise _fail(key, _("use either ≥/> (more is better) or ≤/< (fewer is better), not both."))
    return tuple(bands)


def _clean_linear(value: Any, key: str) -> Linear:
    if not isinstance(value, dict) or set(value) != {"target", "points"}:
        raise _fail(key, _('give {"target": number, "points": number}.'))
    target = value["target"]
    if not _is_number(target) or target <= 0:
        raise _fail(f"{key}.target", _("the target must be a number above 0."))
    return Linear(float(target), _clean_points(value["points"], f"{key}.points"))


FACTOR_KEYS = {"unit", "bands", "linear", "points", "variant"}


def _clean_factor(code: str, value: Any, base: Factor | None) -> Factor | None:
    key = f"factors.{code}"
    if code not in FACTORS:
        raise _fail(
            key, _("unknown factor; the factors are %(codes)s.") % {"codes": ", ".join(FACTORS)}
        )
    if value is None:
        return None  # removed
    if not isinstance(value, dict) or not value:
        raise _fail(key, _("give null (remove the factor) or an object."))
    unknown = sorted(set(value) - FACTOR_KEYS)
    if unknown:
        raise _fail(f"{key}.{unknown[0]}", _("unknown key."))
    if "variant" in value:
        if set(value) != {"variant"}:
            raise _fail(key, _("a variant stands alone."))
        variant = VARIANTS.get(value["variant"])
        if variant is None or variant.code != code:
            names = [name for name, f in VARIANTS.items() if f.code == code]
            raise _fail(
                f"{key}.variant",
                _("unknown variant for this factor (known: %(names)s).")
                % {"names": ", ".join(names) or "—"},
            )
        return variant
    if "bands" in value and "linear" in value:
        raise _fail(key, _("give bands or linear, not both."))
    unit = value.get("unit", base.unit if base is not None else None)
    if unit is None:
        raise _fail(f"{key}.unit", _("a new factor needs a unit."))
    if unit not in FACTOR_UNITS[code]:
        raise _fail(
            f"{key}.unit",
            _("this factor is measured %(units)s.") % {"units": " or ".join(FACTOR_UNITS[code])},
        )
    bands: tuple[Band, ...] = base.bands if base is not None and "linear" not in value else ()
    linear = base.linear if base is not None and "bands" not in value else None
    if "bands" in value:
        bands = _clean_bands(value["bands"], f"{key}.bands")
    if "linear" in value:
        linear = _clean_linear(value["linear"], f"{key}.linear")
    if "points" in value:
        points = value["points"]
        if linear is not None:
            linear = Linear(linear.target, _clean_points(points, f"{key}.points"))
        else:
            if not isinstance(points, list) or len(points) != len(bands):
                raise _fail(
                    f"{key}.points",
                    _("give one number per band (%(n)s).") % {"n": len(bands)},
                )
            bands = tuple(
                dataclasses.replace(band, points=_clean_points(p, f"{key}.points[{i}]"))
                for i, (band, p) in enumerate(zip(bands, points, strict=True))
            )
    if linear is None and not bands:
        raise _fail(key, _("a new factor needs bands or linear."))
    return Factor(code, unit, () if linear is not None else bands, linear)


OVERRIDE_KEYS = ("window", "cutoffs", "substitutes_count_as_absence", "factors")


def apply_overrides(base: Table, overrides: Any) -> Table:
    """``base`` with ``overrides`` applied; ScoringError naming the first bad key."""
    if overrides in (None, ""):
        return base
    if not isinstance(overrides, dict):
        raise ScoringError(_("The overrides must be a JSON object."))
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise _fail(
            unknown[0],
            _("unknown key; the keys are %(keys)s.") % {"keys": ", ".join(OVERRIDE_KEYS)},
        )
    table = base
    if "window" in overrides:
        if overrides["window"] not in WINDOWS:
            raise _fail("window", _("give %(windows)s.") % {"windows": " or ".join(WINDOWS)})
        table = dataclasses.replace(table, window=overrides["window"])
    if "substitutes_count_as_absence" in overrides:
        value = overrides["substitutes_count_as_absence"]
        if not isinstance(value, bool):
            raise _fail("substitutes_count_as_absence", _("give true or false."))
        table = dataclasses.replace(table, substitutes_count_as_absence=value)
    if "factors" in overrides:
        changes = overrides["factors"]
        if not isinstance(changes, dict):
            raise _fail("factors", _("give an object of factor codes."))
        factors = {f.code: f for f in table.factors}
        for code, value in changes.items():
            cleaned = _clean_factor(code, value, factors.get(code))
            if cleaned is None:
                factors.pop(code, None)
            else:
                factors[code] = cleaned
        if not factors:
            raise _fail("factors", _("a table needs at least one factor."))
        order = list(FACTORS)
        table = dataclasses.replace(
            table, factors=tuple(sorted(factors.values(), key=lambda f: order.index(f.code)))
        )
    if "cutoffs" in overrides:
        value = overrides["cutoffs"]
        if not isinstance(value, dict):
            raise _fail("cutoffs", _('give {"green": …, "amber": …, "red": …}.'))
        unknown = sorted(set(value) - set(CUTOFF_KEYS))
        if unknown:
            raise _fail(f"cutoffs.{unknown[0]}", _("unknown colour; give green, amber, red."))
        current = dict(zip(CUTOFF_KEYS, table.cutoffs, strict=True))
        for colour, points in value.items():
            current[colour] = _clean_points(points, f"cutoffs.{colour}")
        table = dataclasses.replace(
            table, cutoffs=(current["green"], current["amber"], current["red"])
        )
    green, amber, red = table.cutoffs
    if not green > amber > red:
        raise _fail("cutoffs", _("green must be above amber, and amber above red."))
    if green > table.max_points:
        raise _fail(
            "cutoffs.green",
            _("above the most points the table gives (%(max)s).")
            % {"max": _number(table.max_points)},
        )
    return table


def build_table(preset: str, overrides: Any = None) -> Table:
    base = PRESETS.get(preset)
    if base is None:
        raise _fail(
            "preset",
            _("unknown preset; the presets are %(names)s.") % {"names": ", ".join(PRESETS)},
        )
    return apply_overrides(base, overrides)


# --- which table a group uses -------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """The table a group scores with and where it comes from."""

    table: Table
    preset: str
    overrides: dict[str, Any]
    source: str  # "group" | "organisation" | "default"
    source_group_id: int | None

    @property
    def source_label(self) -> str:
        return {
            "group": _("this group's own rules"),
            "organisation": _("the organisation's rules"),
            "default": _("the default rules"),
        }[self.source]


def lineage(group: Group) -> list[Group]:
    """The group, then each organisation above it (groups of its own kind it follows)."""
    chain = [group]
    node = group.organisation
    while node is not None and len(chain) < MAX_DEPTH:
        chain.append(node)
        node = node.organisation
    return chain


def resolve(group: Group, own: dict[int, ScoringRules], chain: list[Group]) -> Resolved | None:
    """The first rules found up ``chain`` (``own``: rules by group id), else the default."""
    for node in chain:
        rules = own.get(node.pk)
        if rules is not None:
            return Resolved(
                build_table(rules.preset, rules.overrides),
                rules.preset,
                dict(rules.overrides or {}),
                "group" if node.pk == group.pk else "organisation",
                node.pk,
            )
    if group.kind in DEFAULT_FOR_KINDS:
        return Resolved(PRESETS[DEFAULT_PRESET], DEFAULT_PRESET, {}, "default", None)
    return None


def rules_for_group(group: Group) -> Resolved | None:
    """The group's own rules, else its organisation's (chapters follow it), else the default
    (lead groups: ``uk_2012``; other kinds have no traffic lights until they choose)."""
    chain = lineage(group)
    own = {r.group_id: r for r in ScoringRules.objects.filter(group_id__in=[g.pk for g in chain])}
    return resolve(group, own, chain)

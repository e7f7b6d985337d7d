"""The advisor: which kinds of networking fit a business, before and after joining.

Before joining, a short business profile is scored against ``RULES``: each kind starts at
``BASE_SCORE``, every rule whose condition holds adds or takes its points, and the sum is kept
within 0–100. The rules are data (a field, an operator, a value) so they can be listed,
documented and tested one by one; their reasons quote or paraphrase the pros and cons of each
kind in the product brief and the facts in the reference notes.

After joining, ``advice_for`` combines that fit (the prior) with the return measured in the
ledger over a period (the evidence), weighting the evidence by how much of it there is.

Money thresholds are stated in whole units of the profile's (or the group's) own currency:
no exchange rate is applied, so "750" means 750 EUR for a profile in EUR and 750 USD for a
profile in USD.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from cerchia.groups.kinds import Kind
from cerchia.groups.models import Group, Membership
from cerchia.insights.models import BusinessProfile
from cerchia.lib.money import MAX_MINOR, format_money, to_major
from cerchia.lib.sql import columns, instance
from cerchia.lib.validators import validate_currency

# The six kinds, as plain strings (what the JSON carries), in the brief's order.
KINDS: tuple[str, ...] = tuple(
    str(k.value)
    for k in (
        Kind.CHAMBER,
        Kind.LEAD_GROUP,
        Kind.EVENT_NETWORK,
        Kind.ASSOCIATION,
        Kind.ONLINE_COMMUNITY,
        Kind.INFORMAL,
    )
)
BASE_SCORE = 50
MAX_HOURS_PER_WEEK = 80


class AdvisorError(Exception):
    """A business profile the advisor cannot read; ``key`` names the field at fault."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key


# --- the profile -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    clientele: str  # local | regional | national | international
    budget_per_year_minor: int
    currency: str
    hours_per_week: float
    weekly_meetings_ok: bool
    online_comfort: int  # 1–5
    deal_size: str  # small | medium | large
    b2b: bool
    competitors_for_overflow: bool
    career_goals: bool
    privacy_sensitivity: int  # 1–5

    @property
    def budget_per_year(self) -> Decimal:
        """The yearly budget in whole units of its currency (what the rules compare)."""
        return to_major(self.budget_per_year_minor, self.currency)


PROFILE_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Profile))
CLIENTELES = tuple(BusinessProfile.Clientele.values)
DEAL_SIZES = tuple(BusinessProfile.DealSize.values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise AdvisorError(
            _("%(key)s must be one of %(choices)s.") % {"key": key, "choices": ", ".join(choices)},
            key=key,
        )
    return value


def _check_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise AdvisorError(_("%(key)s must be true or false.") % {"key": key}, key=key)
    return value


def _check_scale(key: str, value: Any) -> int:
    if not _is_int(value) or not 1 <= value <= 5:
        raise AdvisorError(_("%(key)s must be a whole number from 1 to 5.") % {"key": key}, key=key)
    return int(value)


def parse_profile(data: Any) -> Profile:
    """A ``Profile`` from a JSON object with exactly the keys of ``PROFILE_KEYS``, each of its
    type and range; anything else is an ``AdvisorError`` naming the key."""
    if not isinstance(data, dict):
        raise AdvisorError(_("The business profile must be a JSON object."))
    unknown = sorted(str(k) for k in data if k not in PROFILE_KEYS)
    if unknown:
        raise AdvisorError(
            _("Unknown key in the business profile: %(key)s") % {"key": unknown[0]},
            key=unknown[0],
        )
    for key in PROFILE_KEYS:
        if key not in data:
            raise AdvisorError(
                _("Missing key in the business profile: %(key)s") % {"key": key}, key=key
            )
    budget = data["budget_per_year_minor"]
    if not _is_int(budget) or not 0 <= budget <= MAX_MINOR:
        raise AdvisorError(
            _("%(key)s must be a whole number of minor units from 0 to %(max)s.")
            % {"key": "budget_per_year_minor", "max": MAX_MINOR},
            key="budget_per_year_minor",
        )
    currency = data["currency"]
    try:
        if not isinstance(currency, str):
            raise ValidationError("")
        validate_currency(currency)
    except ValidationError:
        raise AdvisorError(
            _("%(key)s must be a three-letter ISO 4217 code in capitals, such as EUR.")
            % {"key": "currency"},
            key="currency",
        ) from None
    hours = data["hours_per_week"]
    if (
        isinstance(hours, bool)
        or not isinstance(hours, int | float)
        or not math.isfinite(hours)
        or not 0 <= hours <= MAX_HOURS_PER_WEEK
    ):
        raise AdvisorError(
            _("%(key)s must be a number from 0 to %(max)s.")
            % {"key": "hours_per_week", "max": MAX_HOURS_PER_WEEK},
            key="hours_per_week",
        )
    return Profile(
        clientele=_check_choice("clientele", data["clientele"], CLIENTELES),
        budget_per_year_minor=int(budget),
        currency=currency,
        # Kept to one decimal, as the saved profile keeps it.
        hours_per_week=round(float(hours), 1),
        weekly_meetings_ok=_check_bool("weekly_meetings_ok", data["weekly_meetings_ok"]),
        online_comfort=_check_scale("online_comfort", data["online_comfort"]),
        deal_size=_check_choice("deal_size", data["deal_size"], DEAL_SIZES),
        b2b=_check_bool("b2b", data["b2b"]),
        competitors_for_overflow=_check_bool(
            "competitors_for_overflow", data["competitors_for_overflow"]
        ),
        career_goals=_check_bool("career_goals", data["career_goals"]),
        privacy_sensitivity=_check_scale("privacy_sensitivity", data["privacy_sensitivity"]),
    )


def profile_as_dict(profile: Profile) -> dict[str, Any]:
    return dataclasses.asdict(profile)


def profile_from_model(saved: BusinessProfile) -> Profile:
    return Profile(
        clientele=saved.clientele,
        budget_per_year_minor=saved.budget_per_year_minor,
        currency=saved.currency,
        hours_per_week=float(saved.hours_per_week),
        weekly_meetings_ok=saved.weekly_meetings_ok,
        online_comfort=saved.online_comfort,
        deal_size=saved.deal_size,
        b2b=saved.b2b,
        competitors_for_overflow=saved.competitors_for_overflow,
        career_goals=saved.career_goals,
        privacy_sensitivity=saved.privacy_sensitivity,
    )


_SAVED_SQL = "SELECT {columns} FROM {table} b WHERE b.user_id = %s"


def saved_profile(user: Any) -> Profile | None:
    """The business profile ``user`` saved, or None (and None for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    # One raw statement: the member report reads it on every request.
    sql = _SAVED_SQL.format(
        columns=columns(BusinessProfile, "b"), table=BusinessProfile._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        row = cursor.fetchone()
    saved = instance(BusinessProfile, row) if row is not None else None
    return profile_from_model(saved) if saved is not None else None


# --- rules as data ---------------------------------------------------------------------------

OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "eq": ("=", operator.eq),
    "lt": ("<", operator.lt),
    "ge": ("≥", operator.ge),
}
# What a condition may look at: the profile's keys, and the budget in whole currency units.
FIELD_LABELS: dict[str, Promise] = {
    "clientele": gettext_lazy("clientele"),
    "budget_per_year": gettext_lazy("yearly budget (whole units of your currency)"),
    "hours_per_week": gettext_lazy("hours per week"),
    "weekly_meetings_ok": gettext_lazy("weekly meetings are possible"),
    "online_comfort": gettext_lazy("comfort online (1–5)"),
    "deal_size": gettext_lazy("typical deal size"),
    "b2b": gettext_lazy("sells to businesses (B2B)"),
    "competitors_for_overflow": gettext_lazy("competitors could pass overflow work"),
    "career_goals": gettext_lazy("career goals"),
    "privacy_sensitivity": gettext_lazy("privacy sensitivity (1–5)"),
}
CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "clientele": dict(BusinessProfile.Clientele.choices),
    "deal_size": dict(BusinessProfile.DealSize.choices),
}


@dataclass(frozen=True)
class When:
    """``field operator value``, e.g. ``clientele eq "international"``."""

    field: str
    op: str
    value: Any

    def holds(self, profile: Profile) -> bool:
        return bool(OPERATORS[self.op][1](getattr(profile, self.field), self.value))

    def describe(self) -> str:
        value = self.value
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif self.field in CHOICE_LABELS:
            value = CHOICE_LABELS[self.field][value]
        return f"{FIELD_LABELS[self.field]} {OPERATORS[self.op][0]} {value}"


@dataclass(frozen=True)
class Rule:
    kind: str
    when: When
    points: int
    reason: Promise


CH, LG, EV, AS, ON, IN = KINDS

# fmt: off
RULES: tuple[Rule, ...] = (
    # 1. Chamber of commerce -----------------------------------------------------------------------
    Rule(CH, When("clientele", "eq", "local"), +20, _l(
        "A chamber is an association of paying members in or near the area it serves; your "
        "clients are local, and being a member signals commitment to the local community."
    )),
    Rule(CH, When("clientele", "eq", "regional"), +5, _l(
        "A chamber's exposure is the immediate geographic community: it reaches part of your "
        "regional clientele."
    )),
    Rule(CH, When("clientele", "eq", "national"), -15, _l(
        "A chamber's exposure is limited to the immediate geographic community, and chambers "
        "appeal less to businesses with national clients."
    )),
    Rule(CH, When("clientele", "eq", "international"), -25, _l(
        "A chamber's exposure is limited to the immediate geographic community; your clients are "
        "international."
    )),
    Rule(CH, When("b2b", "eq", True), +10, _l(
        "Chamber events exist so members connect, build relationships and buy from each other: "
        "you sell to businesses."
    )),
    Rule(CH, When("deal_size", "eq", "large"), -10, _l(
        "Many chamber members are very small businesses with limited buying power; your deals are "
        "large."
    )),
    Rule(CH, When("online_comfort", "ge", 4), -5, _l(
        "Chambers have less appeal for younger, online-first people, and you are at home online."
    )),
    Rule(CH, When("budget_per_year", "lt", 300), -10, _l(
        "A chamber is made of paying members: yearly dues, often with a price per event on top, "
        "leave little of a budget under 300 a year."
    )),
    Rule(CH, When("hours_per_week", "lt", 1), -10, _l(
        "Chamber events exist so members connect and build relationships; with less than an hour "
        "a week you would rarely be there."
    )),
    Rule(CH, When("privacy_sensitivity", "ge", 4), -5, _l(
        "Chamber membership is meant to be visible (a public directory with a member in good "
        "standing badge); you prefer to stay private."
    )),
    # 2. Lead (referral) group ---------------------------------------------------------------------
    Rule(LG, When("weekly_meetings_ok", "eq", False), -35, _l(
        "A lead group is the most demanding kind: a structured 90-minute meeting every week, "
        "staying to the end, with at most 3 absences in 6 months; you cannot meet weekly."
    )),
    Rule(LG, When("weekly_meetings_ok", "eq", True), +10, _l(
        "Highly structured weekly meetings give everyone equal opportunity and exposure, and you "
        "can attend every week."
    )),
    Rule(LG, When("budget_per_year", "lt", 750), -25, _l(
        "A lead group costs about 500 a year in dues plus 10–20 a week for the meeting, 750–1,200 "
        "a year in all; your budget is below that."
    )),
    Rule(LG, When("budget_per_year", "ge", 1200), +5, _l(
        "Your budget covers a lead group's 750–1,200 a year; that investment filters out less "
        "serious networkers."
    )),
    Rule(LG, When("hours_per_week", "lt", 2), -20, _l(
        "A lead group asks for high investment of time: the weekly 90-minute meeting, one-to-ones "
        "and finding referrals for others; you have less than 2 hours a week."
    )),
    Rule(LG, When("hours_per_week", "ge", 3), +5, _l(
        "You have time for the weekly meeting and for one-to-ones with other members between "
        "meetings."
    )),
    Rule(LG, When("clientele", "eq", "local"), +10, _l(
        "Members bring genuine, quality referrals to each other among local businesses, where "
        "your clients are."
    )),
    Rule(LG, When("clientele", "eq", "national"), -10, _l(
        "A lead group's exposure is limited to local businesses; your clients are national."
    )),
    Rule(LG, When("clientele", "eq", "international"), -20, _l(
        "A lead group's exposure is limited to local businesses; your clients are international."
    )),
    Rule(LG, When("deal_size", "eq", "large"), +10, _l(
        "Members who pass quality referrals expect the same in return; at your deal size one "
        "closed referral can repay the year's cost."
    )),
    Rule(LG, When("deal_size", "eq", "small"), -5, _l(
        "With small deals it takes many closed referrals to repay 750–1,200 a year."
    )),
    Rule(LG, When("online_comfort", "ge", 4), -5, _l(
        "Lead groups are challenged by social media and a younger, digital population, and you "
        "are at home online."
    )),
    Rule(LG, When("competitors_for_overflow", "eq", False), +5, _l(
        "One member per profession per chapter: no competitor of yours sits in the room."
    )),
    Rule(LG, When("privacy_sensitivity", "ge", 4), -5, _l(
        "Every member is expected to bring leads from their own contacts every week; you guard "
        "your privacy."
    )),
    # 3. Networking events -------------------------------------------------------------------------
    Rule(EV, When("weekly_meetings_ok", "eq", False), +10, _l(
        "Networking time is limited to the event and its follow-up, with no commitment to regular "
        "meetings."
    )),
    Rule(EV, When("b2b", "eq", True), +10, _l(
        "People come to trade shows, workshops and conferences for a common interest, which "
        "favours relevant connections with the businesses you sell to."
    )),
    Rule(EV, When("clientele", "eq", "national"), +10, _l(
        "Trade shows and conferences gather a trade from beyond your town, where your national "
        "clients are."
    )),
    Rule(EV, When("clientele", "eq", "international"), +10, _l(
        "Trade shows and conferences gather a trade from far away, where your international "
        "clients are."
    )),
    Rule(EV, When("budget_per_year", "lt", 200), -10, _l(
        "Depending on the event and the venue, cost can be a factor: tickets, travel and hours "
        "add up per event, and your budget is under 200 a year."
    )),
    Rule(EV, When("budget_per_year", "ge", 1500), +5, _l(
        "Your budget pays for several events a year, tickets and travel included."
    )),
    Rule(EV, When("hours_per_week", "lt", 1), -10, _l(
        "Connections made at an event evaporate quickly without proper follow-up, and less than "
        "an hour a week leaves little time for it."
    )),
    Rule(EV, When("career_goals", "eq", True), +5, _l(
        "Workshops, seminars and conferences around a common interest serve career goals."
    )),
    Rule(EV, When("online_comfort", "lt", 3), +5, _l(
        "Events are met in person, which suits you better than networking online."
    )),
    # 4. Associations ------------------------------------------------------------------------------
    Rule(AS, When("competitors_for_overflow", "eq", True), +20, _l(
        "In an association of one trade, networking with competitors pays: work that is "
        "inappropriate for you (overflow, out of scope) can be referred to a trusted colleague."
    )),
    Rule(AS, When("competitors_for_overflow", "eq", False), -10, _l(
        "An association of one trade is made of competitors; without overflow work to pass "
        "between you, what is left is the distrust between competitors."
    )),
    Rule(AS, When("career_goals", "eq", True), +15, _l(
        "Associations offer collegial support and career opportunities (jobs, mentoring)."
    )),
    Rule(AS, When("privacy_sensitivity", "ge", 4), -10, _l(
        "Among competitors there is the risk of leaking confidential information; confidential or "
        "proprietary information must not be shared."
    )),
    Rule(AS, When("b2b", "eq", True), +5, _l(
        "Suppliers to the trade are members too: the businesses you sell to may sit in the "
        "association."
    )),
    Rule(AS, When("clientele", "eq", "national"), +5, _l(
        "An association forms around a shared interest or qualification, not a place, so its "
        "reach follows your national clientele."
    )),
    Rule(AS, When("clientele", "eq", "international"), +5, _l(
        "An association forms around a shared interest or qualification, not a place, so its "
        "reach is not tied to your town."
    )),
    Rule(AS, When("hours_per_week", "lt", 1), -5, _l(
        "Collegial support, sections and mentoring take time; you have less than an hour a week."
    )),
    # 5. Online communities ------------------------------------------------------------------------
    Rule(ON, When("online_comfort", "ge", 4), +20, _l(
        "Online communities can expand reach to a worldwide audience and bring new perspectives "
        "for little money, and you are at home online."
    )),
    Rule(ON, When("online_comfort", "lt", 3), -20, _l(
        "Hashtag communities, forums and online chats ask for comfort online, which you do not "
        "have."
    )),
    Rule(ON, When("clientele", "eq", "international"), +15, _l(
        "Online communities can expand reach to a worldwide audience; your clients are "
        "international."
    )),
    Rule(ON, When("clientele", "eq", "national"), +10, _l(
        "Online communities reach beyond your town, where your national clients are."
    )),
    Rule(ON, When("clientele", "eq", "local"), -5, _l(
        "An online community's reach is worldwide, but your clients are local."
    )),
    Rule(ON, When("budget_per_year", "lt", 200), +10, _l(
        "New perspectives for little money, in a (usually) friendly setting: it fits a budget "
        "under 200 a year."
    )),
    Rule(ON, When("privacy_sensitivity", "ge", 4), -20, _l(
        "Personal safety and privacy are at stake online: some prey on the unaware and people "
        "overshare."
    )),
    Rule(ON, When("hours_per_week", "lt", 1), -10, _l(
        "Barriers so low attract friendly but unsuitable connections that waste time, and you "
        "have less than an hour a week."
    )),
    Rule(ON, When("deal_size", "eq", "large"), -10, _l(
        "Commitment is so low that people leave soon after joining; large deals need trust that "
        "takes longer to build."
    )),
    Rule(ON, When("weekly_meetings_ok", "eq", False), +5, _l(
        "Loose structure: no regular meetings to attend."
    )),
    Rule(ON, When("career_goals", "eq", True), +5, _l(
        "New perspectives from a worldwide audience serve career goals."
    )),
    # 6. Informal network --------------------------------------------------------------------------
    Rule(IN, When("budget_per_year", "ge", 0), +10, _l(
        "Your own network asks for no formal meetings and no money: it always fits somewhat."
    )),
    Rule(IN, When("budget_per_year", "lt", 200), +5, _l(
        "No dollar investment: your own network fits a small budget."
    )),
    Rule(IN, When("hours_per_week", "lt", 2), +5, _l(
        "No meetings and no fees: your own network fits in little time."
    )),
    Rule(IN, When("clientele", "eq", "local"), +10, _l(
        "Friends, neighbours, acquaintances, family, vendors and clients are mostly near you, "
        "like your clients."
    )),
    Rule(IN, When("clientele", "eq", "international"), -10, _l(
        "Your personal network is mostly the people around you; your clients are international."
    )),
    Rule(IN, When("b2b", "eq", False), +5, _l(
        "Personal ties make relationships satisfying and productive, and consumers buy on a "
        "friend's word."
    )),
    Rule(IN, When("deal_size", "eq", "large"), -10, _l(
        "If a connection between people in your informal network goes bad, close relationships "
        "can suffer lasting harm; a large deal puts more at stake."
    )),
    Rule(IN, When("privacy_sensitivity", "ge", 4), -15, _l(
        "Nobody has to share their personal network, and many don't; you guard your privacy."
    )),
)
# fmt: on


def firing_rules(profile: Profile, kind: str, rules: Iterable[Rule] = RULES) -> list[Rule]:
    """The rules for ``kind`` whose condition holds, strongest first (ties in table order)."""
    fired = [r for r in rules if r.kind == kind and r.when.holds(profile)]
    return sorted(fired, key=lambda r: -abs(r.points))


def fit(profile: Profile, rules: Iterable[Rule] = RULES) -> list[dict[str, Any]]:
    """Every kind's fit 0–100 with the reasons of the rules that fired, best fit first."""
    rules = tuple(rules)
    result = []
    for kind in KINDS:
        fired = firing_rules(profile, kind, rules)
        score = BASE_SCORE + sum(r.points for r in fired)
        result.append(
            {
                "group_kind": kind,
                "fit": max(0, min(100, score)),
                "reasons": [str(r.reason) for r in fired],
            }
        )
    # Stable: kinds with the same fit keep the order of KINDS.
    return sorted(result, key=lambda item: -item["fit"])


def rules_table() -> list[dict[str, Any]]:
    """The rule table as the page and the docs list it."""
    return [
        {
            "group_kind": r.kind,
            "kind_label": Kind(r.kind).label,
            "when": r.when.describe(),
            "points": r.points,
            "reason": str(r.reason),
        }
        for r in RULES
    ]


# --- after joining: prior and evidence -------------------------------------------------------


@dataclass(frozen=True)
class Band:
    limit: float  # reached at ``limit`` (≥ when higher is better, ≤ when lower is better)
    score: int


@dataclass(frozen=True)
class Measure:
    key: str
    weight: float
    higher_is_better: bool
    bands: tuple[Band, ...]  # best first
    floor: int  # the score when no band is reached

    def score(self, value: float) -> int:
        for band in self.bands:
            if (value >= band.limit) if self.higher_is_better else (value <= band.limit):
                return band.score
        return self.floor


# roi = (closed business received − money) / money: 1.0 means it paid back twice over.
ROI = Measure(
    "roi",
    0.4,
    True,
    (Band(2.0, 100), Band(1.0, 90), Band(0.5, 75), Band(0.0, 55), Band(-0.5, 25)),
    0,
)
# Closed business received per hour, in whole units of the group's currency.
REVENUE_PER_HOUR = Measure(
    "revenue_per_hour",
    0.3,
    True,
    (Band(100, 100), Band(50, 85), Band(20, 65), Band(5, 40), Band(0.01, 15)),
    0,
)
# Referrals given per referral received: at or under 1, the group gives back at least as much.
RECIPROCITY = Measure(
    "reciprocity",
    0.2,
    False,
    (Band(1.0, 100), Band(1.5, 80), Band(2.5, 50), Band(4.0, 25)),
    10,
)
# Share of the people met who were followed up in time (0–1).
FOLLOW_UP = Measure(
    "follow_up_rate",
    0.1,
    True,
    (Band(0.8, 100), Band(0.6, 75), Band(0.4, 50), Band(0.2, 25)),
    5,
)
MEASURES: tuple[Measure, ...] = (ROI, REVENUE_PER_HOUR, RECIPROCITY, FOLLOW_UP)
# A return that cost nothing (no money, or no hours) scores as the best band; giving
# referrals and never receiving one scores 0.
FREE_RETURN_SCORE = 100
ONE_WAY_SCORE = 0

# The evidence weight: months covered over a year, times the facts seen over a dozen.
MONTHS_FOR_FULL_WEIGHT = 12
FACTS_FOR_FULL_WEIGHT = 12
HOURS_PER_FACT = 1.5  # a 90-minute meeting counts as one fact
DAYS_PER_MONTH = 365.25 / 12

PRIOR_WITHOUT_PROFILE = BASE_SCORE
# (lowest score, recommendation): the first one the score reaches.
RECOMMENDATIONS: tuple[tuple[int, str], ...] = (
    (75, "invest_more"),
    (50, "keep"),
    (30, "reduce"),
    (0, "leave"),
)
LABELS: dict[str, Promise] = {
    "invest_more": gettext_lazy("Invest more"),
    "keep": gettext_lazy("Keep"),
    "reduce": gettext_lazy("Reduce"),
    "leave": gettext_lazy("Leave"),
}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def measured_scores(item: dict[str, Any]) -> dict[str, int]:
    """The band score of each measure the report object has evidence for."""
    currency = item["currency"]
    closed = int(item.get("closed_business_received_minor") or 0)
    found: dict[str, int] = {}
    roi = _num(item.get("roi"))
    if roi is not None:
        found["roi"] = ROI.score(roi)
    elif closed > 0:
        found["roi"] = FREE_RETURN_SCORE
    per_hour = _num(item.get("revenue_per_hour_minor"))
    if per_hour is not None:
        whole = float(to_major(round(per_hour), currency))
        found["revenue_per_hour"] = REVENUE_PER_HOUR.score(whole)
    elif closed > 0:
        found["revenue_per_hour"] = FREE_RETURN_SCORE
    reciprocity = _num(item.get("reciprocity"))
    if reciprocity is not None:
        found["reciprocity"] = RECIPROCITY.score(reciprocity)
    elif int(item.get("referrals_given") or 0) > 0:
        found["reciprocity"] = ONE_WAY_SCORE
    follow_up = _num(item.get("follow_up_rate"))
    if follow_up is not None:
        found["follow_up_rate"] = FOLLOW_UP.score(follow_up)
    return found


# A group that returns less than the money put into it cannot score above this, however good
# its other measures (a few well-paid hours do not make up for dues that do not pay back).
LOSS_CAP = 45


def evidence_score(found: dict[str, int]) -> int | None:
    weights = {m.key: m.weight for m in MEASURES}
    total = sum(weights[k] for k in found)
    if not total:
        return None
    score = round(sum(weights[k] * s for k, s in found.items()) / total)
    if "roi" in found and found["roi"] < ROI.score(0.0):
        score = min(score, LOSS_CAP)
    return score


def facts_in(item: dict[str, Any]) -> float:
    """How much happened: referrals both ways, people met, hours (a meeting's worth each) and
    whether any business closed."""
    closed = 1 if int(item.get("closed_business_received_minor") or 0) > 0 else 0
    return (
        int(item.get("referrals_received") or 0)
        + int(item.get("referrals_given") or 0)
        + int(item.get("connections") or 0)
        + float(item.get("hours") or 0) / HOURS_PER_FACT
        + closed
    )


def evidence_weight(months: float, facts: float) -> float:
    """0–1: a month of data moves little, a year of steady activity moves a lot."""
    by_time = min(1.0, max(0.0, months) / MONTHS_FOR_FULL_WEIGHT)
    by_facts = min(1.0, max(0.0, facts) / FACTS_FOR_FULL_WEIGHT)
    return round(by_time * by_facts, 2)


def recommendation_for(score: int, kind: str) -> str:
    choice = next(name for lowest, name in RECOMMENDATIONS if score >= lowest)
    # One cannot leave one's own network: the floor there is "reduce".
    if kind == Kind.INFORMAL and choice == "leave":
        return "reduce"
    return choice


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localdate(moment)


def months_covered(
    start: datetime.date | None,
    end: datetime.date,
    member_from: datetime.date | None,
    member_until: datetime.date | None,
) -> float:
    """The months of the period the person was in the group (the period capped by the
    membership's dates)."""
    bounds = [d for d in (start, member_from) if d is not None]
    if not bounds:
        # All time in a network with no joining date: as much as a full year can weigh.
        return float(MONTHS_FOR_FULL_WEIGHT)
    first = max(bounds)
    last = min(end, member_until) if member_until is not None else end
    if last < first:
        return 0.0
    return ((last - first).days + 1) / DAYS_PER_MONTH


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def _reason(
    item: dict[str, Any],
    *,
    months: float,
    evidence: int | None,
    weight: float,
    prior: int,
    has_profile: bool,
    others: list[str],
) -> str:
    parts = []
    if item.get("roi") is not None:
        parts.append(_("return on investment %(roi)s") % {"roi": _pct(float(item["roi"]))})
    if item.get("revenue_per_hour_minor") is not None:
        parts.append(
            _("%(amount)s per hour")
            % {
                "amount": format_money(
                    round(float(item["revenue_per_hour_minor"])), item["currency"]
                )
            }
        )
    if item.get("reciprocity") is not None:
        parts.append(
            _("reciprocity %(value)s (given ÷ received)")
            % {"value": f"{float(item['reciprocity']):.2f}"}
        )
    elif int(item.get("referrals_given") or 0) > 0:
        parts.append(
            _("%(n)s referrals given and none received") % {"n": int(item["referrals_given"])}
        )
    if item.get("follow_up_rate") is not None:
        parts.append(_("follow-up rate %(rate)s") % {"rate": _pct(float(item["follow_up_rate"]))})
    if item.get("roi") is None and int(item.get("closed_business_received_minor") or 0) > 0:
        parts.append(
            _("%(amount)s closed business at no cost")
            % {
                "amount": format_money(
                    int(item["closed_business_received_minor"]), item["currency"]
                )
            }
        )
    months_text = f"{months:.1f}"
    if parts:
        first = _("Over %(months)s months: %(measures)s.") % {
            "months": months_text,
            "measures": ", ".join(parts),
        }
    else:
        first = _("Over %(months)s months there is no measured return yet.") % {
            "months": months_text
        }
    prior_text = (
        _("the %(prior)s/100 fit your business profile gives this kind") % {"prior": prior}
        if has_profile
        else _("a neutral %(prior)s/100 (no business profile saved)") % {"prior": prior}
    )
    if evidence is None:
        second = _("The advice rests on %(prior)s.") % {"prior": prior_text}
    else:
        second = _("Measured %(evidence)s/100, weighted %(weight)s against %(prior)s.") % {
            "evidence": evidence,
            "weight": _pct(weight),
            "prior": prior_text,
        }
    if not others:
        return f"{first} {second}"
    # Different currencies are never added together: say which amounts were left out.
    third = _("Amounts in %(currencies)s are not converted and not counted here.") % {
        "currencies": ", ".join(others)
    }
    return f"{first} {second} {third}"


def _groups_of(user: Any, slugs: list[str]) -> dict[str, dict[str, Any]]:
    """The groups by slug, each with ``user``'s membership dates (None: no membership)."""
    memberships = {
        m["group__slug"]: m
        for m in Membership.objects.filter(user=user, group__slug__in=slugs).values(
            "group__slug", "joined_at", "created_at", "left_at"
        )
    }
    return {
        g["slug"]: {**g, "membership": memberships.get(g["slug"])}
        for g in Group.objects.filter(slug__in=slugs).values("slug", "kind", "currency")
    }


def advice_for(
    user: Any,
    by_group: list[dict[str, Any]],
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One recommendation per group of the member report's ``by_group`` objects, in the order
    the groups first appear. A group reported in several currencies is judged on its own
    currency's object; the others are named in the reason. ``groups`` (by slug: kind,
    currency and the person's ``membership`` dates or None), when the report has read them
    already, saves reading them again."""
    end = end or timezone.localdate()
    per_group: dict[str, list[dict[str, Any]]] = {}
    for item in by_group:
        per_group.setdefault(item["group_slug"], []).append(item)
    if not per_group:
        return []
    if groups is None:
        groups = _groups_of(user, list(per_group))
    profile = saved_profile(user)
    priors = {f["group_kind"]: f["fit"] for f in fit(profile)} if profile is not None else {}

    advice = []
    for slug, items in per_group.items():
        group: Mapping[str, Any] = groups.get(slug, {})
        kind = group.get("kind") or items[0]["group_kind"]
        own_currency = group.get("currency") or items[0]["currency"]
        item = next((i for i in items if i["currency"] == own_currency), items[0])
        others = sorted({i["currency"] for i in items} - {item["currency"]})
        membership = group.get("membership")
        if membership is not None:
            member_from = _day(membership["joined_at"] or membership["created_at"])
            member_until = _day(membership["left_at"])
        else:
            # One's informal network (no membership row), or an event network one only bought
            # tickets for: the person has been in it the whole period.
            member_from, member_until = None, None
        months = months_covered(start, end, member_from, member_until)
        found = measured_scores(item)
        evidence = evidence_score(found)
        weight = evidence_weight(months, facts_in(item)) if evidence is not None else 0.0
        prior = priors.get(kind, PRIOR_WITHOUT_PROFILE)
        score = round((1 - weight) * prior + weight * (evidence or 0))
        recommendation = recommendation_for(score, kind)
        advice.append(
            {
                "group_slug": slug,
                "group_kind": kind,
                "recommendation": recommendation,
                "label": str(LABELS[recommendation]),
                "prior_fit": priors.get(kind) if profile is not None else None,
                "evidence_score": evidence,
                "evidence_weight": weight,
                "score": score,
                "reason": _reason(
                    item,
                    months=months,
                    evidence=evidence,
                    weight=weight,
                    prior=prior,
                    has_profile=profile is not None,
                    others=others,
                ),
            }
        )
    return advice

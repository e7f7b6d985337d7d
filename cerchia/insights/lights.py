"""Traffic lights: each member's measures over a window, their score and colour under the
group's rule table (``scoring``), a 30-day trend, the path to the next colour, and the
organisation view of every chapter.

Two backends return the same measures:

* ``group_counts`` reads the ledger's own tables with day-exact dates, for one group, in a
  constant number of queries (one ``GROUP BY`` per kind of fact, every window at once);
* ``rollup_counts`` reads the monthly ``Rollup``, for month-aligned windows, across any number
  of groups in one query. ``organisation_lights`` goes further: it scores every member of every
  chapter inside one SQL statement and returns one row per chapter.

docs/traffic-lights.md defines every number.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cerchia.dues.models import add_months
from cerchia.groups.access import Rights, access_group, can_manage, rights_in
from cerchia.groups.models import MAX_DEPTH, Group, Membership
from cerchia.insights.models import ScoringRules
from cerchia.insights.scoring import (
    COLOURS,
    Factor,
    Resolved,
    Table,
    resolve,
    rules_for_group,
)
from cerchia.ledger.models import (
    ClosedBusiness,
    Credit,
    OneToOne,
    Referral,
    Rollup,
    SixMonthRollup,
)
from cerchia.ledger.rollups import ensure_window
from cerchia.lib.money import format_money
from cerchia.lib.sql import id_in, work_mem
from cerchia.meetings.models import Attendance, Registration

ONE_DAY = datetime.timedelta(days=1)
ROLLING_DAYS = 182  # 26 weeks
TREND_DAYS = 30

# --- windows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def month_aligned(self) -> bool:
        return self.start.day == 1 and (self.end + ONE_DAY).day == 1

    def countable_days(self, joined_on: datetime.date | None) -> int:
        """Days from the later of the window's start and the member's joining day to the
        window's end (0 or less: joined after the window)."""
        start = self.start if joined_on is None else max(self.start, joined_on)
        return (self.end - start).days + 1


def window_for(kind: str, today: datetime.date) -> Window:
    """``rolling``: the 26 weeks ending ``today``; ``previous``: the previous 6 complete
    calendar months (BNI Global, 2025)."""
    if kind == "rolling":
        return Window(today - datetime.timedelta(days=ROLLING_DAYS - 1), today)
    first = today.replace(day=1)
    return Window(add_months(first, -6), first - ONE_DAY)


def trend_window(today: datetime.date) -> Window:
    return Window(today - datetime.timedelta(days=TREND_DAYS - 1), today)


def month_end(day: datetime.date) -> datetime.date:
    return add_months(day.replace(day=1), 1) - ONE_DAY


def issue_day(kind: str, by: datetime.date) -> datetime.date:
    """The day whose score counts everything done up to ``by`` (a month's last day): the
    same day for a rolling window, the next month's first for the previous complete months."""
    return by if kind == "rolling" else by + ONE_DAY


# --- measures and scores ------------------------------------------------------------------

COUNT_FIELDS = (
    "absent",
    "substituted",
    "late",
    "attended",
    "referrals",
    "visitors",
    "closed_minor",
    "testimonials",
    "education",
    "one_to_ones",
)
# Which count each actionable factor adds to.
FACTOR_COUNT = {
    "referrals": "referrals",
    "visitors": "visitors",
    "closed_business": "closed_minor",
    "testimonials": "testimonials",
    "education": "education",
    "one_to_ones": "one_to_ones",
    "on_time": "late",
}


@dataclass(frozen=True)
class Counts:
    """What a member did in a window (closed business in the group's currency)."""

    absent: int = 0
    substituted: int = 0
    late: int = 0
    attended: int = 0
    referrals: int = 0
    visitors: int = 0
    closed_minor: int = 0
    testimonials: int = 0
    education: int = 0
    one_to_ones: int = 0

    def plus(self, **more: int) -> Counts:
        return dataclasses.replace(
            self, **{name: getattr(self, name) + value for name, value in more.items()}
        )

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Measures:
    counts: Counts
    days: int  # countable days; 0 or less: nothing to score yet
    # Totals are multiplied by this: the trend projects 30 days onto the table's window.
    scale: float = 1.0

    @property
    def weeks(self) -> float:
        return max(self.days, 0) / 7

    @property
    def scored(self) -> bool:
        return self.days > 0

    def count(self, code: str, table: Table) -> int:
        c = self.counts
        if code in ("absences", "attendance"):
            return c.absent + (c.substituted if table.substitutes_count_as_absence else 0)
        return int(getattr(c, FACTOR_COUNT[code]))

    def value(self, factor: Factor, table: Table) -> float:
        """The number the factor's bands read. The SQL of ``organisation_lights`` computes
        the same floating-point operations in the same order, so both agree to the bit."""
        if factor.unit == "share":
            attended, missed = self.counts.attended, self.count("absences", table)
            return attended / (attended + missed) if attended + missed else 1.0
        count = self.count(factor.code, table)
        if factor.unit == "per_week":
            return count * 7 / self.days
        return count if self.scale == 1.0 else count * self.scale


def score(table: Table, measures: Measures) -> tuple[float, dict[str, float]]:
    points: dict[str, float] = {}
    total = 0.0
    for factor in table.factors:
        points[factor.code] = factor.points(measures.value(factor, table))
        total += points[factor.code]
    return total, points


# --- the path to the next colour ----------------------------------------------------------


@dataclass(frozen=True)
class Action:
    code: str
    amount: int  # units (referrals, visitors…) or minor units of money
    text: str


@dataclass(frozen=True)
class Path:
    colour: str  # the colour aimed at
    cutoff: float
    by: datetime.date
    actions: tuple[Action, ...]
    conditions: tuple[str, ...]
    reachable: bool
    score_without: float  # the score on ``by`` if nothing is added (and no absences)
    score_with: float  # the score on ``by`` after the actions

    def as_dict(self) -> dict[str, Any]:
        return {
            "colour": self.colour,
            "cutoff": self.cutoff,
            "by": self.by.isoformat(),
            "reachable": self.reachable,
            "score_without_actions": round(self.score_without, 2),
            "score_with_actions": round(self.score_with, 2),
            "actions": [
                {"factor": a.code, "amount": a.amount, "text": a.text} for a in self.actions
            ],
            "conditions": list(self.conditions),
        }


# Money counts as one action per band it climbs, and only where nothing in the member's own
# hands would do: the cost is (closed-business steps, other actions), compared in that order.
Cost = tuple[int, int]


def _levels(factor: Factor, table: Table, measures: Measures) -> list[tuple[Cost, float, int]]:
    """(cost, points gained, units to add) for each higher number of points the factor can
    give, with the fewest units that reach it."""
    name = FACTOR_COUNT[factor.code]
    base = factor.points(measures.value(factor, table))

    def points_with(extra: int) -> float:
        more = dataclasses.replace(measures, counts=measures.counts.plus(**{name: extra}))
        return factor.points(more.value(factor, table))

    def fewest(goal: float) -> int | None:
        high = 1
        while points_with(high) < goal:
            high *= 2
            if high > 10**13:
                return None
        low = high // 2  # points_with(low) < goal, or low == 0
        while high - low > 1:
            middle = (low + high) // 2
            if points_with(middle) >= goal:
                high = middle
            else:
                low = middle
        return high

    if factor.linear is not None and factor.code != "closed_business":
        goals = []
        units, last = 0, base
        while last < factor.max_points and units < 200:
            units += 1
            last = points_with(units)
            goals.append(last)
    else:
        goals = sorted({band.points for band in factor.bands if band.points > base})
        if factor.linear is not None:
            goals = [factor.linear.points] if base < factor.linear.points else []
    out = []
    for goal in goals:
        needed = fewest(goal)
        if needed is None:
            continue
        cost = (1, 0) if factor.code == "closed_business" else (0, needed)
        out.append((cost, points_with(needed) - base, needed))
    return out


def _action_text(code: str, amount: int, by: datetime.date, currency: str) -> str:
    when = date_format(by, "DATE_FORMAT")
    if code == "closed_business":
        return _("Record %(amount)s more closed business by %(date)s") % {
            "amount": format_money(amount, currency),
            "date": when,
        }
    texts = {
        "referrals": ngettext(
            "Give %(n)s more referral by %(date)s",
            "Give %(n)s more referrals by %(date)s",
            amount,
        ),
        "visitors": ngettext(
            "Bring %(n)s visitor by %(date)s", "Bring %(n)s visitors by %(date)s", amount
        ),
        "testimonials": ngettext(
            "Give %(n)s testimonial by %(date)s", "Give %(n)s testimonials by %(date)s", amount
        ),
        "education": ngettext(
            "Log %(n)s education unit by %(date)s",
            "Log %(n)s education units by %(date)s",
            amount,
        ),
        "one_to_ones": ngettext(
            "Hold %(n)s more one-to-one by %(date)s",
            "Hold %(n)s more one-to-ones by %(date)s",
            amount,
        ),
    }
    return texts[code] % {"n": amount, "date": when}


def _conditions(table: Table, today: datetime.date, by: datetime.date) -> tuple[str, ...]:
    weeks = math.ceil(((by - today).days + 1) / 7)
    when = date_format(by, "DATE_FORMAT")
    out = []
    if table.factor("absences") or table.factor("attendance"):
        text = ngettext(
            "No absences in the next %(n)s week (until %(date)s)",
            "No absences in the next %(n)s weeks (until %(date)s)",
            weeks,
        ) % {"n": weeks, "date": when}
        if table.substitutes_count_as_absence:
            text += " — " + _("a substitute counts as an absence")
        out.append(text)
    if table.factor("on_time"):
        out.append(_("Be on time at every meeting until %(date)s") % {"date": when})
    return tuple(out)


def path_to_next(
    table: Table,
    colour: str | None,
    target: Measures,
    *,
    today: datetime.date,
    by: datetime.date,
    currency: str,
) -> Path | None:
    """The fewest actions that lift the score, in the window that ends on ``by``, to the
    cut-off of the colour above ``colour``. ``target``: what is already in that window.
    None for green members and for members with nothing to score yet."""
    if colour is None or colour == "green":
        return None
    aim = COLOURS[COLOURS.index(colour) - 1]
    cutoff = table.cutoff_of(aim)
    without, _points = score(table, target)
    # Pareto frontier of (cost, gain, choices), cheapest first.
    states: list[tuple[Cost, float, tuple[tuple[str, int], ...]]] = [((0, 0), 0.0, ())]
    for factor in table.factors:
        if not factor.actionable:
            continue
        levels = _levels(factor, table, target)
        if not levels:
            continue
        grown = list(states)
        for cost, gain, choices in states:
            for level_cost, level_gain, units in levels:
                grown.append(
                    (
                        (cost[0] + level_cost[0], cost[1] + level_cost[1]),
                        gain + level_gain,
                        (*choices, (factor.code, units)),
                    )
                )
        grown.sort(key=lambda s: (s[0], -s[1]))
        states = []
        best = -1.0
        for state in grown:
            if state[1] > best:
                states.append(state)
                best = state[1]

    def result(choices: tuple[tuple[str, int], ...]) -> float:
        more = {FACTOR_COUNT[code]: units for code, units in choices}
        return score(table, dataclasses.replace(target, counts=target.counts.plus(**more)))[0]

    chosen: tuple[tuple[str, int], ...] | None = None
    for _cost, _gain, choices in states:
        if result(choices) >= cutoff:
            chosen = choices
            break
    reachable = chosen is not None
    if chosen is None:
        chosen = states[-1][2]  # the most points there are to gain
    actions = tuple(
        Action(code, units, _action_text(code, units, by, currency)) for code, units in chosen
    )
    return Path(
        colour=aim,
        cutoff=cutoff,
        by=by,
        actions=actions,
        conditions=_conditions(table, today, by),
        reachable=reachable,
        score_without=without,
        score_with=result(chosen),
    )


# --- backend (a): the ledger's own tables, one group --------------------------------------


def _start_of(day: datetime.date, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def _within(prefix: str, window: Window) -> Q:
    return Q(**{f"{prefix}__gte": window.start, f"{prefix}__lte": window.end})


def _moments(prefix: str, window: Window, tz: zoneinfo.ZoneInfo) -> Q:
    """Meeting facts count on the meeting's local day, as the rollup counts them."""
    return Q(
        **{
            f"{prefix}__gte": _start_of(window.start, tz),
            f"{prefix}__lt": _start_of(window.end + ONE_DAY, tz),
        }
    )


def _span(windows: list[Window]) -> Window:
    return Window(min(w.start for w in windows), max(w.end for w in windows))


def group_counts(
    group: Group, windows: list[Window], user_ids: list[int] | None = None
) -> list[dict[int, Counts]]:
    """Each member's counts in ``group`` over each window (by user id), from the ledger's
    tables with day-exact dates: seven queries whatever the number of members or windows.
    ``user_ids``: only these people."""
    tz = zoneinfo.ZoneInfo(group.time_zone)
    span = _span(windows)
    found: list[dict[int, dict[str, int]]] = [defaultdict(dict) for _w in windows]

    def only(field: str) -> Q:
        return Q(**{f"{field}__in": user_ids}) if user_ids is not None else Q()

    def collect(rows: Iterable[dict[str, Any]], user_key: str, names: dict[str, str]) -> None:
        for row in rows:
            for i in range(len(windows)):
                into = found[i][row[user_key]]
                for alias, name in names.items():
                    into[name] = into.get(name, 0) + (row[f"{alias}_{i}"] or 0)

    referrals = Referral.objects.filter(_within("given_on", span), only("giver_id"), group=group)
    collect(
        referrals.values("giver_id")
        .annotate(
            **{f"n_{i}": Count("pk", filter=_within("given_on", w)) for i, w in enumerate(windows)}
        )
        .order_by(),
        "giver_id",
        {"n": "referrals"},
    )
    closed = ClosedBusiness.objects.filter(
        _within("closed_on", span), only("receiver_id"), group=group, currency=group.currency
    )
    collect(
        closed.values("receiver_id")
        .annotate(
            **{
                f"m_{i}": Sum("amount_minor", filter=_within("closed_on", w))
                for i, w in enumerate(windows)
            }
        )
        .order_by(),
        "receiver_id",
        {"m": "closed_minor"},
    )
    held = OneToOne.objects.filter(
        _within("held_on", span), group=group, status=OneToOne.Status.HELD
    )
    for side in ("proposer_id", "partner_id"):
        collect(
            held.filter(only(side))
            .values(side)
            .annotate(
                **{
                    f"n_{i}": Count("pk", filter=_within("held_on", w))
                    for i, w in enumerate(windows)
                }
            )
            .order_by(),
            side,
            {"n": "one_to_ones"},
        )
    credits = Credit.objects.filter(_within("earned_on", span), only("user_id"), group=group)
    annotations: dict[str, Any] = {}
    for i, w in enumerate(windows):
        annotations[f"e_{i}"] = Count("pk", filter=_within("earned_on", w) & Q(kind="education"))
        annotations[f"t_{i}"] = Count("pk", filter=_within("earned_on", w) & Q(kind="testimonial"))
    collect(
        credits.values("user_id").annotate(**annotations).order_by(),
        "user_id",
        {"e": "education", "t": "testimonials"},
    )
    marks = Attendance.objects.filter(
        _moments("meeting__starts_at", span, tz), only("user_id"), meeting__group=group
    )
    statuses = {
        "a": ["absent"],
        "s": ["substitute"],
        "l": ["late"],
        "p": ["present", "late"],
    }
    annotations = {
        f"{alias}_{i}": Count(
            "pk", filter=_moments("meeting__starts_at", w, tz) & Q(status__in=wanted)
        )
        for i, w in enumerate(windows)
        for alias, wanted in statuses.items()
    }
    collect(
        marks.values("user_id").annotate(**annotations).order_by(),
        "user_id",
        {"a": "absent", "s": "substituted", "l": "late", "p": "attended"},
    )
    visits = Registration.objects.filter(
        _moments("meeting__starts_at", span, tz),
        only("registered_by_id"),
        meeting__group=group,
        visitor__isnull=False,
        registered_by__isnull=False,
        checked_in_at__isnull=False,
    )
    collect(
        visits.values("registered_by_id")
        .annotate(
            **{
                f"n_{i}": Count("pk", filter=_moments("meeting__starts_at", w, tz))
                for i, w in enumerate(windows)
            }
        )
        .order_by(),
        "registered_by_id",
        {"n": "visitors"},
    )
    return [{user: Counts(**values) for user, values in by_user.items()} for by_user in found]


# --- backend (b): the monthly rollup, many groups -----------------------------------------


def _rollup_sums() -> dict[str, Any]:
    return {
        "absent": Sum("absent"),
        "substituted": Sum("substituted"),
        "late": Sum("late"),
        "attended": Sum("attended"),
        "referrals": Sum("referrals_given"),
        "visitors": Sum("visitors_brought"),
        # Money in the group's own currency only (counts live in that row too).
        "closed_minor": Sum("closed_received_minor", filter=Q(currency=F("group__currency"))),
        "testimonials": Sum("testimonials"),
        "education": Sum("education"),
        "one_to_ones": Sum("one_to_ones"),
    }


def rollup_counts(
    groups: QuerySet[Group] | list[int], window: Window
) -> dict[tuple[int, int], Counts]:
    """Counts by (group id, user id) over a month-aligned ``window``, from the monthly rollup,
    for any number of groups: one query."""
    if not window.month_aligned:
        raise ValueError("The rollup counts whole months only.")
    ids = groups.values("pk") if isinstance(groups, QuerySet) else groups
    rows = (
        Rollup.objects.filter(
            group_id__in=ids, month__gte=window.start, month__lte=window.end.replace(day=1)
        )
        .values("group_id", "user_id")
        .annotate(**_rollup_sums())
        .order_by()
    )
    return {
        (row["group_id"], row["user_id"]): Counts(**{name: row[name] or 0 for name in COUNT_FIELDS})
        for row in rows
    }


# --- one chapter --------------------------------------------------------------------------


@dataclass
class MemberLight:
    user_id: int
    name: str
    email: str
    role: str
    joined_on: datetime.date | None
    measures: Measures
    score: float | None
    colour: str | None  # None: no countable weeks yet
    points: dict[str, float]
    trend: Measures
    trend_score: float | None
    trend_colour: str | None
    trend_points: dict[str, float]
    path: Path | None = None

    def rate(self, code: str) -> float | None:
        """A count per countable week (for display)."""
        if not self.measures.scored:
            return None
        return getattr(self.measures.counts, code) * 7 / self.measures.days


@dataclass
class ChapterLights:
    group: Group
    today: datetime.date
    resolved: Resolved
    window: Window
    trend_window: Window
    by: datetime.date  # the path's deadline
    members: list[MemberLight] = field(default_factory=list)

    @property
    def table(self) -> Table:
        return self.resolved.table

    @property
    def colour_counts(self) -> dict[str, int]:
        counts = dict.fromkeys([*COLOURS, "unscored"], 0)
        for member in self.members:
            counts[member.colour or "unscored"] += 1
        return counts

    @property
    def average_score(self) -> float | None:
        scores = [m.score for m in self.members if m.score is not None]
        return sum(scores) / len(scores) if scores else None

    def member(self, user_id: int) -> MemberLight | None:
        return next((m for m in self.members if m.user_id == user_id), None)


def _local_day(moment: datetime.datetime | None, tz: zoneinfo.ZoneInfo) -> datetime.date | None:
    return moment.astimezone(tz).date() if moment is not None else None


def chapter_lights(
    group: Group,
    today: datetime.date,
    *,
    resolved: Resolved | None = None,
    only_user: int | None = None,
) -> ChapterLights | None:
    """Every active member of ``group`` (or only ``only_user``): score, colour and points
    over the table's window, the 30-day trend, and the path to the next colour (by the end
    of this month). None when the group has no traffic-light rules."""
    resolved = resolved or rules_for_group(group)
    if resolved is None:
        return None
    table = resolved.table
    tz = zoneinfo.ZoneInfo(group.time_zone)
    main, trend = window_for(table.window, today), trend_window(today)
    by = month_end(today)
    target = window_for(table.window, issue_day(table.window, by))
    memberships = (
        Membership.objects.active()
        .filter(group=group)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "user__email")
    )
    if only_user is not None:
        memberships = memberships.filter(user_id=only_user)
    members = list(memberships)
    main_counts, trend_counts, target_counts = group_counts(
        group, [main, trend, target], [only_user] if only_user is not None else None
    )
    lights = ChapterLights(group, today, resolved, main, trend, by)
    for membership in members:
        uid = membership.user_id
        joined = _local_day(membership.joined_at, tz)
        measures = Measures(main_counts.get(uid, Counts()), main.countable_days(joined))
        trend_days = trend.countable_days(joined)
        trend_measures = Measures(
            trend_counts.get(uid, Counts()),
            trend_days,
            # Totals at the last 30 days' pace over the whole window.
            scale=(main.days / trend_days) if trend_days > 0 else 1.0,
        )
        value, points = score(table, measures) if measures.scored else (None, {})
        colour = table.colour(value) if value is not None else None
        trend_value, trend_points = (
            score(table, trend_measures) if trend_measures.scored else (None, {})
        )
        profile = membership.user.profile
        light = MemberLight(
            user_id=uid,
            name=profile.display_name or membership.user.email,
            email=membership.user.email,
            role=membership.role,
            joined_on=joined,
            measures=measures,
            score=value,
            colour=colour,
            points=points,
            trend=trend_measures,
            trend_score=trend_value,
            trend_colour=table.colour(trend_value) if trend_value is not None else None,
            trend_points=trend_points,
        )
        target_measures = Measures(target_counts.get(uid, Counts()), target.countable_days(joined))
        if target_measures.scored:
            light.path = path_to_next(
                table, colour, target_measures, today=today, by=by, currency=group.currency
            )
        lights.members.append(light)
    return lights


COLOUR_ORDER = {colour: i for i, colour in enumerate(COLOURS)}


def sort_members(members: list[MemberLight], key: str) -> list[MemberLight]:
    """By ``colour`` (green first, then by score), ``score`` (highest first) or ``name``."""
    if key == "name":
        return sorted(members, key=lambda m: m.name.lower())
    if key == "score":
        return sorted(members, key=lambda m: (m.score is None, -(m.score or 0), m.name.lower()))
    return sorted(
        members,
        key=lambda m: (
            COLOUR_ORDER.get(m.colour or "", len(COLOURS)),
            -(m.score or 0),
            m.name.lower(),
        ),
    )


# --- the organisation view ----------------------------------------------------------------


def chapters_of(organisation: Group) -> QuerySet[Group]:
    """Groups of the organisation's kind below it, at any depth, through groups of that kind
    (never its sections and committees)."""
    below = Q()
    for depth in range(1, MAX_DEPTH):
        chain = ["parent"] * depth
        below |= Q(
            **{"__".join(chain) + "_id": organisation.pk},
            **{"__".join(chain[:step]) + "__kind": organisation.kind for step in range(1, depth)},
            **{"__".join(chain[:step]) + "__unit": "" for step in range(1, depth)},
        )
    return Group.objects.filter(below, kind=organisation.kind, unit="")


@dataclass
class ChapterRow:
    group_id: int
    name: str
    slug: str
    preset: str | None
    size: int  # active members
    colours: dict[str, int]  # green, amber, red, grey, unscored (no countable weeks yet)
    average_score: float | None
    members_6_months_ago: int
    members_now: int
    members_12_months_ago: int
    retained: int  # of those 12 months ago, active now
    referrals: int  # given in the chapter over the window
    weeks: float

    @property
    def growth(self) -> int:
        return self.members_now - self.members_6_months_ago

    @property
    def retention(self) -> float | None:
        if not self.members_12_months_ago:
            return None
        return self.retained / self.members_12_months_ago

    @property
    def referrals_per_member_per_week(self) -> float | None:
        if not self.size or not self.weeks:
            return None
        return self.referrals / self.size / self.weeks

    def as_dict(self) -> dict[str, Any]:
        def rounded(value: float | None, places: int) -> float | None:
            return round(value, places) if value is not None else None

        return {
            "group_id": self.group_id,
            "name": self.name,
            "slug": self.slug,
            "preset": self.preset,
            "size": self.size,
            "colours": self.colours,
            "average_score": rounded(self.average_score, 2),
            "growth": self.growth,
            "members_6_months_ago": self.members_6_months_ago,
            "retention": rounded(self.retention, 4),
            "members_12_months_ago": self.members_12_months_ago,
            "retained": self.retained,
            "referrals": self.referrals,
            "referrals_per_member_per_week": rounded(self.referrals_per_member_per_week, 4),
        }


def organisation_window(today: datetime.date) -> Window:
    """The organisation view reads whole months: the previous 6 complete ones."""
    return window_for("previous", today)


def prepare_organisation_window(today: datetime.date) -> dict[str, Any]:
    """For the daily job: the six-month rows the organisation view reads from ``today``,
    built once a month (the view builds them itself if this has not run)."""
    built = ensure_window(organisation_window(today).start)
    return {"six_month_windows_built": int(built)}


def _sql_count(name: str) -> str:
    return f"s.{name}"


# Parameters are cast, so both databases compute in double precision as Python does.
NUMBER = "CAST(%s AS DOUBLE PRECISION)"


def _sql_measures() -> str:
    """The select list that works out, once per member row of ``s`` (its counts and
    ``days``), every per-week rate and attendance share a band may read; ``_sql_value``
    names them. Each is the same floating-point operation ``Measures.value`` does."""
    divisor = "(CASE WHEN s.days > 0 THEN s.days ELSE 1 END)"
    counts = {name: f"s.{name}" for name in COUNT_FIELDS}
    counts["missed"] = "(s.absent + s.substituted)"
    per_week = [
        f"CAST({count} AS DOUBLE PRECISION) * 7 / {divisor} AS pw_{name}"
        for name, count in counts.items()
    ]
    shares = [
        f"(CASE WHEN (s.attended + {counts[name]}) > 0 "
        f"THEN CAST(s.attended AS DOUBLE PRECISION) / (s.attended + {counts[name]}) "
        f"ELSE CAST(1 AS DOUBLE PRECISION) END) AS share_{name}"
        for name in ("absent", "missed")
    ]
    return ", ".join(["s.*", *per_week, *shares])


def _sql_value(factor: Factor, table: Table) -> str:
    """``Measures.value`` in SQL: a column of ``_sql_measures`` or a count (no parameters)."""
    missed = "missed" if table.substitutes_count_as_absence else "absent"
    if factor.unit == "share":
        return f"s.share_{missed}"
    name = missed if factor.code == "absences" else FACTOR_COUNT[factor.code]
    if factor.unit == "per_week":
        return f"s.pw_{name}"
    return _sql_count(name) if name != "missed" else "(s.absent + s.substituted)"


# Keeps a subquery from being merged into the query around it, so that what it works out is
# worked out once per row (PostgreSQL; SQLite needs a LIMIT to take an OFFSET).
def _fence() -> str:
    return "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"


def _sql_points(factor: Factor, table: Table) -> tuple[str, list[Any]]:
    value = _sql_value(factor, table)
    if factor.linear is not None:
        return (
            f"(CASE WHEN {value} >= {NUMBER} THEN {NUMBER} ELSE {NUMBER} * {value} / {NUMBER} END)",
            [
                factor.linear.target,
                factor.linear.points,
                factor.linear.points,
                factor.linear.target,
            ],
        )
    # The best band that holds: try them from the most points down.
    parts, params = [], []
    for band in sorted(factor.bands, key=lambda b: -b.points):
        parts.append(f"WHEN {value} {band.op} {NUMBER} THEN {NUMBER}")
        params += [band.bound, band.points]
    return (f"(CASE {' '.join(parts)} ELSE {NUMBER} END)", [*params, 0.0])


def _sql_score(table: Table) -> tuple[str, list[Any]]:
    parts, params = [], []
    for factor in table.factors:
        sql, more = _sql_points(factor, table)
        parts.append(sql)
        params += more
    return " + ".join(parts), params


# No time zone is more than 14 hours ahead of UTC: whoever joined before the window's second
# day began there (its midnight at UTC+14) joined on its first day or before, wherever their
# chapter is, and counts every day of it.
AHEAD_MOST = datetime.timedelta(hours=14)


def _sql_days(window: Window) -> tuple[str, list[Any]]:
    """Countable days in SQL: from the later of the window's start and the local day the
    member joined (in the chapter's time zone) to the window's end. The local day is only
    worked out for those who joined near or after the start (the others count every day)."""
    adapt = connection.ops.adapt_datefield_value
    second_day = datetime.datetime.combine(window.start + ONE_DAY, datetime.time(), datetime.UTC)
    before = connection.ops.adapt_datetimefield_value(second_day - AHEAD_MOST)
    if connection.vendor == "postgresql":
        local = "(%s::date - GREATEST(%s::date, (m.joined_at AT TIME ZONE g.time_zone)::date) + 1)"
        params = [adapt(window.end), adapt(window.start)]
    else:
        local = (
            "(julianday(%s) - julianday(MAX(%s, "
            "django_datetime_cast_date(m.joined_at, g.time_zone, %s))) + 1)"
        )
        params = [adapt(window.end), adapt(window.start), connection.timezone_name]
    return (
        f"(CASE WHEN m.joined_at IS NULL OR m.joined_at < %s THEN %s ELSE {local} END)",
        [before, window.days, *params],
    )


def _member_on(day: datetime.date, tz: zoneinfo.ZoneInfo) -> Q:
    """Memberships that were members at the end of ``day``."""
    next_start = _start_of(day + ONE_DAY, tz)
    return Q(
        Q(
            status__in=[
                Membership.Status.ACTIVE,
                Membership.Status.LEFT,
                Membership.Status.TERMINATED,
            ]
        ),
        Q(joined_at__isnull=True) | Q(joined_at__lt=next_start),
        Q(left_at__isnull=True) | Q(left_at__gte=next_start),
    )


def organisation_lights(organisation: Group, today: datetime.date) -> list[ChapterRow]:
    """One row per chapter of ``organisation``: member colour counts and average score over
    the previous 6 complete months, size, growth, retention and referrals per member per
    week. Reads the rollup, never the ledger's own tables; four queries whatever the number
    of chapters (one statement scores every member of every chapter and sums the referrals)."""
    window = organisation_window(today)
    chapters_qs = chapters_of(organisation)
    chapters = list(chapters_qs.values("pk", "name", "slug", "parent_id").order_by("name", "pk"))
    if not chapters:
        return []
    by_id = {c["pk"]: c for c in chapters}
    own = {
        r.group_id: r
        for r in ScoringRules.objects.filter(
            Q(group=organisation) | Q(group_id__in=chapters_qs.values("pk"))
        )
    }
    # Each chapter's table: its own, else the nearest organisation's up the tree.
    org_chain = [organisation]
    node = organisation.organisation
    while node is not None and len(org_chain) < MAX_DEPTH:
        org_chain.append(node)
        node = node.organisation
    missing = [g.pk for g in org_chain[1:] if g.pk not in own]
    if missing and len(org_chain) > 1:
        own.update({r.group_id: r for r in ScoringRules.objects.filter(group_id__in=missing)})
    # Chapters mostly follow one set of rules: find each chapter's source of rules by id,
    # then build each source's table once.
    org_ids = [g.pk for g in org_chain]
    built: dict[int | None, Resolved | None] = {}
    tables: dict[int, Resolved | None] = {}
    by_source: dict[int | None, list[int]] = defaultdict(list)
    for chapter in chapters:
        ids: list[int] = []
        node_id: int | None = chapter["pk"]
        while node_id in by_id and len(ids) < MAX_DEPTH:
            ids.append(node_id)
            node_id = by_id[node_id]["parent_id"]
        source = next((gid for gid in (*ids, *org_ids) if gid in own), None)
        if source not in built:
            chain = [Group(pk=gid, kind=organisation.kind) for gid in ids] + org_chain
            built[source] = resolve(chain[0], own, chain)
        tables[chapter["pk"]] = built[source]
        by_source[source].append(chapter["pk"])
    branches: dict[Table, list[int]] = defaultdict(list)
    unscored: list[int] = []
    for source, chapter_ids in by_source.items():
        resolved = built[source]
        if resolved is None:
            unscored += chapter_ids
        else:
            branches[resolved.table] += chapter_ids
    ordered = sorted(branches.items(), key=lambda item: -len(item[1]))

    # Room to hash and sort 300,000 members in memory (PostgreSQL's default 4 MB spills to
    # disk).
    with work_mem("64MB"):
        rows = _score_chapters(list(by_id), window, ordered, unscored)
        stats = _membership_stats(chapters_qs, organisation, today)
    out = []
    for chapter in chapters:
        gid = chapter["pk"]
        resolved = tables[gid]
        scored = rows.get(gid, {})
        stat = stats.get(gid, {})
        out.append(
            ChapterRow(
                group_id=gid,
                name=chapter["name"],
                slug=chapter["slug"],
                preset=resolved.preset if resolved is not None else None,
                size=stat.get("size", 0),
                colours={key: int(scored.get(key) or 0) for key in (*COLOURS, "unscored")},
                average_score=scored.get("average"),
                members_6_months_ago=stat.get("then6", 0),
                members_now=stat.get("now", 0),
                members_12_months_ago=stat.get("then12", 0),
                retained=stat.get("retained", 0),
                referrals=int(scored.get("referrals") or 0),
                weeks=window.days / 7,
            )
        )
    return out


def _score_chapters(
    chapter_ids: list[int],
    window: Window,
    branches: list[tuple[Table, list[int]]],
    unscored: list[int],
) -> dict[int, dict[str, Any]]:
    """Colour counts, average score and referrals given per chapter in one statement, from
    the six-month rollup (one row per member, built for the window if it is not yet): each
    active member's countable days, score under their chapter's table and colour; the
    referrals of every member, past ones included."""
    if not chapter_ids:
        return {}
    ensure_window(window.start)
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    member_in, member_in_params = id_in("m.group_id", chapter_ids)
    six_in, six_in_params = id_in("w.group_id", chapter_ids)
    days_sql, days_params = _sql_days(window)
    membership, group, six = (
        quote(Membership._meta.db_table),
        quote(Group._meta.db_table),
        quote(SixMonthRollup._meta.db_table),
    )
    coalesced = ", ".join(
        f"COALESCE(w.{quote(column)}, 0) AS {name}"
        for name, column in (
            ("absent", "absent"),
            ("substituted", "substituted"),
            ("late", "late"),
            ("attended", "attended"),
            ("referrals", "referrals_given"),
            ("visitors", "visitors_brought"),
            ("closed_minor", "closed_received_minor"),
            ("testimonials", "testimonials"),
            ("education", "education"),
            ("one_to_ones", "one_to_ones"),
        )
    )
    # Which table scores each member: the commonest is the fallback, the others are picked
    # by chapter id (chapters with rules of their own are few).
    score_parts: list[str] = []
    score_params: list[Any] = []
    table_parts: list[str] = []
    table_params: list[Any] = []
    if unscored:
        marks = ", ".join(["%s"] * len(unscored))
        score_parts.append(f"WHEN s.group_id IN ({marks}) THEN NULL")
        score_params += unscored
    for index, (table, ids) in enumerate(branches[1:], start=1):
        marks = ", ".join(["%s"] * len(ids))
        sql, params = _sql_score(table)
        score_parts.append(f"WHEN s.group_id IN ({marks}) THEN {sql}")
        score_params += [*ids, *params]
        table_parts.append(f"WHEN s.group_id IN ({marks}) THEN {index}")
        table_params += ids
    if branches:
        fallback_sql, fallback_params = _sql_score(branches[0][0])
        score_sql = (
            f"CASE {' '.join(score_parts)} ELSE {fallback_sql} END" if score_parts else fallback_sql
        )
        score_params += fallback_params
    else:  # no chapter has a rule table: nobody is scored, the referrals still count
        score_sql, score_params = "CAST(NULL AS DOUBLE PRECISION)", []
    table_sql = f"CASE {' '.join(table_parts)} ELSE 0 END" if table_parts else "0"
    # Colours as numbers (1 green, 2 amber, 3 red, 4 grey; 0 not scored): cheap to compare.
    colour_parts: list[str] = []
    colour_params: list[Any] = []
    for index, (table, _ids) in enumerate(branches):
        colour_parts.append(
            f"WHEN t.tbl = {index} THEN (CASE WHEN t.score >= {NUMBER} THEN 1 "
            f"WHEN t.score >= {NUMBER} THEN 2 WHEN t.score >= {NUMBER} THEN 3 ELSE 4 END)"
        )
        colour_params += list(table.cutoffs)
    # Only quoted table names and SQL generated here from the rule table are spliced in;
    # every value (bounds, points, ids, dates) is a parameter. Counts live in the row of the
    # chapter's currency, and money is counted in that currency only: one row per member.
    # Each level is fenced off so that what it works out (days, rates, the score) is worked
    # out once per member and read as a column by the level around it.
    fence = _fence()
    sql = f"""
        WITH c AS (
            SELECT t.group_id, t.score,
                   CASE WHEN t.days <= 0 OR t.score IS NULL THEN 0
                        {" ".join(colour_parts)} END AS colour
            FROM (
                SELECT s.group_id, s.days, {table_sql} AS tbl, {score_sql} AS score
                FROM (
                    SELECT {_sql_measures()}
                    FROM (
                        SELECT m.group_id, {days_sql} AS days, {coalesced}
                        FROM {membership} m JOIN {group} g ON g.id = m.group_id
                        LEFT JOIN {six} w ON w.start = %s AND w.group_id = m.group_id
                            AND w.user_id = m.user_id AND w.currency = g.currency
                        WHERE m.status = %s AND {member_in} {fence}
                    ) s {fence}
                ) s {fence}
            ) t
        ),
        n AS (
            SELECT c.group_id, c.colour, COUNT(*) AS members, SUM(c.score) AS score_sum
            FROM c GROUP BY c.group_id, c.colour
        )
        SELECT x.group_id, SUM(x.green) AS green, SUM(x.amber) AS amber, SUM(x.red) AS red,
               SUM(x.grey) AS grey, SUM(x.unscored) AS unscored,
               SUM(x.score_sum) / NULLIF(SUM(x.scored), 0) AS average,
               SUM(x.referrals) AS referrals
        FROM (
            SELECT n.group_id,
                   CASE WHEN n.colour = 1 THEN n.members ELSE 0 END AS green,
                   CASE WHEN n.colour = 2 THEN n.members ELSE 0 END AS amber,
                   CASE WHEN n.colour = 3 THEN n.members ELSE 0 END AS red,
                   CASE WHEN n.colour = 4 THEN n.members ELSE 0 END AS grey,
                   CASE WHEN n.colour = 0 THEN n.members ELSE 0 END AS unscored,
                   CASE WHEN n.colour > 0 THEN n.score_sum ELSE 0 END AS score_sum,
                   CASE WHEN n.colour > 0 THEN n.members ELSE 0 END AS scored,
                   0 AS referrals
            FROM n
            UNION ALL
            SELECT w.group_id, 0, 0, 0, 0, 0, 0, 0, SUM(w.referrals_given)
            FROM {six} w WHERE w.start = %s AND {six_in}
            GROUP BY w.group_id
        ) x
        GROUP BY x.group_id
    """  # noqa: S608
    params = [
        *colour_params,
        *table_params,
        *score_params,
        *days_params,
        adapt(window.start),
        Membership.Status.ACTIVE.value,
        *member_in_params,
        adapt(window.start),
        *six_in_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cursor.fetchall()}
    for row in rows.values():
        if row["average"] is not None:
            row["average"] = float(row["average"])
    return rows


def _membership_stats(
    chapters_qs: QuerySet[Group], organisation: Group, today: datetime.date
) -> dict[int, dict[str, int]]:
    """Active members now; members at the end of today, of the day 6 and 12 months ago; of
    those 12 months ago, how many are active now. One query (days in the organisation's time
    zone)."""
    tz = zoneinfo.ZoneInfo(organisation.time_zone)
    then12 = _member_on(add_months(today, -12), tz)
    rows = (
        Membership.objects.filter(group_id__in=chapters_qs.values("pk"))
        .values("group_id")
        .annotate(
            size=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
            now=Count("pk", filter=_member_on(today, tz)),
            then6=Count("pk", filter=_member_on(add_months(today, -6), tz)),
            then12=Count("pk", filter=then12),
            retained=Count("pk", filter=then12 & Q(status=Membership.Status.ACTIVE)),
        )
        .order_by()
    )
    return {row.pop("group_id"): row for row in rows}


# --- access -------------------------------------------------------------------------------


def access_lights(user: Any, key: int | str) -> Rights:
    """A group whose traffic lights ``user`` may open: its active members (their own) and its
    administrators (everyone's). 404 where the group cannot be seen or has no members, 403
    for anyone else who can see it."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no members to score."))
    rights = rights_in(user, group)
    if not (rights.active_member or rights.manager):
        raise PermissionDenied(_("Traffic lights are for the group's members."))
    return rights


def access_organisation(user: Any, key: int | str) -> Group:
    """An organisation whose chapters ``user`` administers: 404 where it cannot be seen, 403
    for everyone but its administrators (and those of the groups above it)."""
    group = access_group(user, key)
    if group.is_informal or not can_manage(user, group):
        raise PermissionDenied(_("Only the organisation's administrators see its chapters."))
    return group


def access_credits(user: Any, key: int | str) -> Group:
    """A group ``user`` is an active member of, to log credits in (404 unseen, 403 others)."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no members."))
    if not rights_in(user, group).active_member:
        raise PermissionDenied(_("Credits are for the group's active members."))
    return group


def access_credit(user: Any, credit_id: int) -> Credit:
    """One of ``user``'s own credits; 404 for anyone else's."""
    owner = user.pk if getattr(user, "is_authenticated", False) else 0
    credit = Credit.objects.filter(pk=credit_id, user_id=owner).select_related("group").first()
    if credit is None:
        raise Http404(_("No such credit"))
    return credit


def credits_of(user: Any, group: Group) -> QuerySet[Credit]:
    return Credit.objects.filter(user=user, group=group).order_by("-earned_on", "-pk")


# --- for the pages ------------------------------------------------------------------------

SWATCHES = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "grey": "#757575"}


def _shown(factor: Factor, table: Table, measures: Measures, currency: str) -> str:
    if not measures.scored:
        return "—"
    if factor.unit == "share":
        return f"{measures.value(factor, table) * 100:.0f}%"
    count = measures.count(factor.code, table)
    text = format_money(count, currency) if factor.code == "closed_business" else str(count)
    substitutes = measures.counts.substituted
    if factor.code == "absences" and substitutes:
        text += " · " + (
            ngettext("%(n)s substitute, counted", "%(n)s substitutes, counted", substitutes)
            if table.substitutes_count_as_absence
            else ngettext(
                "%(n)s substitute, not counted", "%(n)s substitutes, not counted", substitutes
            )
        ) % {"n": substitutes}
    if factor.unit == "per_week":
        text += " · " + _("%(rate)s a week") % {"rate": f"{count * 7 / measures.days:.2f}"}
    return text


def factor_rows(table: Table, member: MemberLight, currency: str) -> list[dict[str, Any]]:
    """One row per factor for a member's breakdown: the measure, the points, the most the
    factor gives, and the points at the 30-day pace."""
    return [
        {
            "code": factor.code,
            "label": factor.label,
            "measure": _shown(factor, table, member.measures, currency),
            "points": member.points.get(factor.code),
            "max": factor.max_points,
            "trend_measure": _shown(factor, table, member.trend, currency),
            "trend_points": member.trend_points.get(factor.code),
        }
        for factor in table.factors
    ]

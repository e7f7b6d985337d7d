"""Recurrence rules for meeting series: RFC 5545 RRULE text, checked and expanded.

A rule is expanded in the series' own time zone on naive local times and each result is then
placed in that zone, so "every Tuesday 07:00 Europe/Rome" stays at 07:00 on the wall clock when
daylight saving time starts or ends (the UTC time moves instead).

Only rules a meeting needs are accepted, and only rules whose expansion is bounded:

- nothing more frequent than daily (no SECONDLY, MINUTELY, HOURLY), and no BYHOUR, BYMINUTE or
  BYSECOND (they multiply occurrences within a day; the time comes from the first meeting);
- a capped INTERVAL and COUNT, and no BYYEARDAY or BYWEEKNO;
- no rule that can never happen (the 30th of February, a month an interval never reaches):
  dateutil would search for it, day by day, up to the year 9999. The checks below rule those
  out before dateutil ever sees the rule, and each accepted rule must have its first meeting
  within ``FIRST_WITHIN_DAYS`` of its start.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from dateutil import rrule as du  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
TOO_FREQUENT = ("SECONDLY", "MINUTELY", "HOURLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Beyond these, use the next frequency up (every 5 weeks is not a weekly meeting).
MAX_INTERVAL = {"DAILY": 28, "WEEKLY": 4, "MONTHLY": 12, "YEARLY": 10}
MAX_COUNT = 1000
MAX_LENGTH = 300
FIRST_WITHIN_DAYS = 400
_DU_FREQ = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
_DAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL_UTC = re.compile(r"\d{8}T\d{6}Z")
_UNTIL_DATE = re.compile(r"\d{8}")
_INT = re.compile(r"[+-]?\d{1,9}")


class RecurrenceError(ValueError):
    """A rule Cerchia will not expand; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Rule:
    """A parsed, checked RRULE. ``until`` is either a UTC moment or a local date (the last
    day meetings may happen), as the text gave it."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime.datetime | datetime.date | None = None
    byday: tuple[tuple[int, str], ...] = ()  # (ordinal or 0, "MO")
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()
    wkst: str = "MO"

    def text(self) -> str:
        """The rule as RFC 5545 text, parts in a fixed order (UNTIL always in UTC once
        ``in_zone`` has fixed it)."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if isinstance(self.until, datetime.datetime):
            parts.append("UNTIL=" + self.until.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"))
        elif isinstance(self.until, datetime.date):
            parts.append("UNTIL=" + self.until.strftime("%Y%m%d"))
        if self.bymonth:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.bymonth))
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.bymonthday))
        if self.byday:
            parts.append("BYDAY=" + ",".join(f"{n or ''}{day}" for n, day in self.byday))
        if self.bysetpos:
            parts.append("BYSETPOS=" + ",".join(str(p) for p in self.bysetpos))
        if self.wkst != "MO":
            parts.append(f"WKST={self.wkst}")
        return ";".join(parts)

    def in_zone(self, zone: ZoneInfo) -> Rule:
        """The same rule with a date-only UNTIL turned into the end of that local day, in UTC
        (RFC 5545 wants UNTIL in UTC when the start has a time zone)."""
        if isinstance(self.until, datetime.datetime) or self.until is None:
            return self
        end = datetime.datetime.combine(self.until, datetime.time(23, 59, 59), tzinfo=zone)
        return replace(self, until=end.astimezone(datetime.UTC))


def _ints(name: str, value: str, low: int, high: int, *, signed: bool = False) -> tuple[int, ...]:
    numbers: list[int] = []
    for item in value.split(","):
        if not _INT.fullmatch(item):
            raise RecurrenceError(_("%(part)s takes whole numbers.") % {"part": name})
        number = int(item)
        if number == 0 or abs(number) < low or abs(number) > high or (number < 0 and not signed):
            raise RecurrenceError(
                _("%(part)s must be between %(low)s and %(high)s.")
                % {"part": name, "low": -high if signed else low, "high": high}
            )
        numbers.append(number)
    if len(set(numbers)) != len(numbers):
        raise RecurrenceError(_("%(part)s lists a value twice.") % {"part": name})
    return tuple(numbers)


def _until(value: str) -> datetime.datetime | datetime.date:
    try:
        if _UNTIL_UTC.fullmatch(value):
            return datetime.datetime.strptime(value[:-1] + "+0000", "%Y%m%dT%H%M%S%z")
        if _UNTIL_DATE.fullmatch(value):
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        pass
    raise RecurrenceError(
        _("UNTIL must be a date (20261231) or a UTC time ending in Z (20261231T230000Z).")
    )


def parse_rule(text: str) -> Rule:
    """Parse and check a rule's text on its own (see ``check_rule`` for the checks that need
    the start). Raises ``RecurrenceError``."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise RecurrenceError(_("Give a recurrence rule, such as FREQ=WEEKLY;BYDAY=TU."))
    if len(text) > MAX_LENGTH:
        raise RecurrenceError(_("That recurrence rule is too long."))
    parts: dict[str, str] = {}
    for item in text.upper().split(";"):
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise RecurrenceError(_("Write the rule as NAME=VALUE parts joined by ';'."))
        if name in parts:
            raise RecurrenceError(_("%(part)s appears twice in the rule.") % {"part": name})
        parts[name] = value
    freq = parts.pop("FREQ", "")
    if freq in TOO_FREQUENT:
        raise RecurrenceError(_("A meeting cannot repeat more often than daily."))
    if freq not in FREQUENCIES:
        raise RecurrenceError(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if name in parts:
            raise RecurrenceError(
                _(
                    "%(part)s is not allowed: a series meets once a day at most, at the time "
                    "of its first meeting."
                )
                % {"part": name}
            )
    known = {"INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
    unknown = sorted(set(parts) - known)
    if unknown:
        raise RecurrenceError(_("%(part)s is not supported in a series.") % {"part": unknown[0]})

    interval = _ints("INTERVAL", parts.get("INTERVAL", "1"), 1, MAX_INTERVAL[freq])[0]
    count = _ints("COUNT", parts["COUNT"], 1, MAX_COUNT)[0] if "COUNT" in parts else None
    until = _until(parts["UNTIL"]) if "UNTIL" in parts else None
    if count is not None and until is not None:
        raise RecurrenceError(_("Give COUNT or UNTIL, not both."))
    bymonth = _ints("BYMONTH", parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else ()
    bymonthday = (
        _ints("BYMONTHDAY", parts["BYMONTHDAY"], 1, 31, signed=True)
        if "BYMONTHDAY" in parts
        else ()
    )
    bysetpos = (
        _ints("BYSETPOS", parts["BYSETPOS"], 1, 366, signed=True) if "BYSETPOS" in parts else ()
    )
    wkst = parts.get("WKST", "MO")
    if wkst not in WEEKDAYS:
        raise RecurrenceError(_("WKST must be a weekday such as MO."))

    byday: list[tuple[int, str]] = []
    if "BYDAY" in parts:
        for item in parts["BYDAY"].split(","):
            match = _DAY.fullmatch(item)
            if match is None:
                raise RecurrenceError(_("BYDAY takes weekdays such as TU, 2TU or -1FR."))
            byday.append((int(match.group(1) or 0), match.group(2)))
        if len(set(byday)) != len(byday):
            raise RecurrenceError(_("BYDAY lists a value twice."))

    rule = Rule(
        freq=freq,
        interval=interval,
        count=count,
        until=until,
        byday=tuple(byday),
        bymonthday=bymonthday,
        bymonth=bymonth,
        bysetpos=bysetpos,
        wkst=wkst,
    )
    _check_shape(rule)
    return rule


def _check_shape(rule: Rule) -> None:
    """Refuse combinations that can be empty, whatever the start."""
    ordinals = [n for n, _day in rule.byday if n]
    if rule.freq in ("DAILY", "WEEKLY"):
        if ordinals:
            raise RecurrenceError(
                _("Numbered weekdays (2TU, -1FR) need FREQ=MONTHLY or FREQ=YEARLY.")
            )
        if rule.bymonthday:
            raise RecurrenceError(_("BYMONTHDAY needs FREQ=MONTHLY or FREQ=YEARLY."))
        if rule.bysetpos:
            raise RecurrenceError(_("BYSETPOS needs FREQ=MONTHLY."))
    if rule.byday and rule.bymonthday:
        raise RecurrenceError(_("Give BYDAY or BYMONTHDAY, not both."))
    # dateutil would demand a day be both (a Monday and the last Friday): never.
    if ordinals and len(ordinals) != len(rule.byday):
        raise RecurrenceError(_("Give numbered weekdays (2TU) or plain ones (TU), not both."))
    # Every month has at least four of each weekday; a year at least 52.
    in_month = rule.freq == "MONTHLY" or (rule.freq == "YEARLY" and rule.bymonth)
    most = 4 if in_month else 52
    if any(abs(n) > most for n in ordinals):
        raise RecurrenceError(
            _("Numbered weekdays go from 1 to %(most)s (or -1 for the last).") % {"most": most}
        )
    if rule.bysetpos:
        if rule.freq != "MONTHLY" or not rule.byday or ordinals:
            raise RecurrenceError(
                _("BYSETPOS works with FREQ=MONTHLY and plain weekdays (BYDAY=MO,TU,WE,TH,FR).")
            )
        if any(abs(p) > 4 * len(rule.byday) for p in rule.bysetpos):
            raise RecurrenceError(
                _("BYSETPOS goes from 1 to %(most)s for these weekdays.")
                % {"most": 4 * len(rule.byday)}
            )


def _visited_months(rule: Rule, start: datetime.datetime) -> set[int]:
    """The months a rule can land in, given its start (a monthly interval skips months)."""
    months = set(rule.bymonth) or set(range(1, 13))
    if rule.freq == "MONTHLY" and rule.interval > 1:
        reached = {(start.month - 1 + k * rule.interval) % 12 + 1 for k in range(12)}
        months &= reached
    elif rule.freq == "YEARLY" and not rule.bymonth and not rule.bymonthday and not rule.byday:
        months = {start.month}
    return months


def check_rule(rule: Rule, start: datetime.datetime) -> None:
    """Refuse a rule that can never happen from ``start`` (naive local), before dateutil
    searches for it; then make sure its first meeting comes soon enough."""
    months = _visited_months(rule, start)
    if not months:
        raise RecurrenceError(_("With this interval the rule never reaches the months it names."))
    # Without BYDAY or BYMONTHDAY, a monthly or yearly rule meets on the start's day of month.
    monthdays = rule.bymonthday or (
        (start.day,) if rule.freq in ("MONTHLY", "YEARLY") and not rule.byday else ()
    )
    if monthdays:
        # Non-leap month lengths: a rule meeting only on 29 February is refused too.
        fits = any(
            abs(day) <= calendar.monthrange(2025, month)[1] for month in months for day in monthdays
        )
        if not fits:
            raise RecurrenceError(_("None of these days exists in the months the rule reaches."))
    # Every 7 (14, 21, 28) days lands on the start's weekday only.
    weekday = WEEKDAYS[start.weekday()]
    if (
        rule.freq == "DAILY"
        and rule.byday
        and rule.interval % 7 == 0
        and weekday not in {day for _n, day in rule.byday}
    ):
        raise RecurrenceError(
            _("Every %(n)s days from a %(day)s never falls on the weekdays in BYDAY.")
            % {"n": rule.interval, "day": weekday}
        )


def _du_rule(rule: Rule, start: datetime.datetime, zone: ZoneInfo) -> du.rrule:
    until = rule.in_zone(zone).until
    local_until = (
        until.astimezone(zone).replace(tzinfo=None)
        if isinstance(until, datetime.datetime)
        else None
    )
    weekdays = [getattr(du, day)(n) if n else getattr(du, day) for n, day in rule.byday] or None
    return du.rrule(
        _DU_FREQ[rule.freq],
        dtstart=start,
        interval=rule.interval,
        count=rule.count,
        until=local_until,
        byweekday=weekdays,
        bymonthday=list(rule.bymonthday) or None,
        bymonth=list(rule.bymonth) or None,
        bysetpos=list(rule.bysetpos) or None,
        wkst=getattr(du, rule.wkst),
        cache=False,
    )


def aware(local: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """A naive local time placed in ``zone``, as UTC. A time skipped when clocks go forward
    takes the offset from before the change (RFC 5545 §3.3.5)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(datetime.UTC)


@dataclass(frozen=True)
class Recurrence:
    """A rule from a local start in a time zone, with local exception times."""

    rule: Rule
    start: datetime.datetime  # naive, local to ``zone``
    zone: ZoneInfo
    exdates: frozenset[datetime.datetime] = frozenset()

    @classmethod
    def of(
        cls,
        text: str,
        start: datetime.datetime,
        zone_name: str,
        exdates: list[str] | tuple[str, ...] = (),
    ) -> Recurrence:
        """Parse and check ``text`` from ``start`` (aware, or naive local to the zone)."""
        zone = ZoneInfo(zone_name)
        local = start.astimezone(zone).replace(tzinfo=None) if start.tzinfo else start
        rule = parse_rule(text).in_zone(zone)
        check_rule(rule, local)
        return cls(
            rule=rule,
            start=local.replace(microsecond=0),
            zone=zone,
            exdates=frozenset(parse_local(value) for value in exdates),
        )

    def _expander(self) -> du.rrule:
        return _du_rule(self.rule, self.start, self.zone)

    def first(self) -> datetime.datetime | None:
        """The first local start the rule gives (exceptions ignored)."""
        return self._expander().after(self.start, inc=True)

    def require_soon(self) -> datetime.datetime:
        """The first local start, which must come within ``FIRST_WITHIN_DAYS`` of the start."""
        first = self.first()
        if first is None or first > self.start + datetime.timedelta(days=FIRST_WITHIN_DAYS):
            raise RecurrenceError(
                _("This rule has no meeting in the year after its start; check it.")
            )
        return first

    def between(
        self, after: datetime.datetime, before: datetime.datetime, *, limit: int = 1000
    ) -> list[datetime.datetime]:
        """Local starts from ``after`` to ``before`` (aware moments, both included), without
        the exceptions; at most ``limit``."""
        low = after.astimezone(self.zone).replace(tzinfo=None)
        high = before.astimezone(self.zone).replace(tzinfo=None)
        found: list[datetime.datetime] = []
        for local in self._expander().xafter(low, inc=True):
            if local > high or len(found) >= limit:
                break
            if local not in self.exdates:
                found.append(local)
        return found

    def next_n(self, after: datetime.datetime, n: int) -> list[datetime.datetime]:
        """The next ``n`` local starts from ``after`` (aware), without the exceptions."""
        low = after.astimezone(self.zone).replace(tzinfo=None)
        found: list[datetime.datetime] = []
        for local in self._expander().xafter(low, inc=True):
            if len(found) >= n:
                break
            if local not in self.exdates:
                found.append(local)
        return found

    def ending(self, last_day: datetime.date) -> Rule:
        """The rule ending after ``last_day`` (local): UNTIL the end of that day, unless the
        rule already ends sooner (by its own UNTIL or COUNT)."""
        end = aware(datetime.datetime.combine(last_day, datetime.time(23, 59, 59)), self.zone)
        if isinstance(self.rule.until, datetime.datetime) and self.rule.until <= end:
            return self.rule
        if self.rule.count is not None:
            starts = list(self._expander())  # at most MAX_COUNT
            if starts and aware(starts[-1], self.zone) <= end:
                return self.rule
        return replace(self.rule, count=None, until=end)

    def occurs_at(self, local: datetime.datetime) -> bool:
        """Whether the rule (exceptions ignored) gives this local start."""
        return self._expander().after(local, inc=True) == local


def parse_local(value: str) -> datetime.datetime:
    """A stored exception: local ISO time without an offset ("2026-12-29T07:00:00")."""
    moment = datetime.datetime.fromisoformat(value)
    return moment.replace(tzinfo=None, microsecond=0)


def format_local(moment: datetime.datetime) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat()

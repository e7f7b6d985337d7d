"""Recurrence rules: what is accepted, what is refused (and quickly), and expansion in local
time across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from cerchia.meetings.recurrence import Recurrence, RecurrenceError, aware, parse_rule

ROME = "Europe/Rome"
START = dt.datetime(2026, 10, 6, 7, 0)  # a Tuesday


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def test_a_weekly_rule_keeps_seven_o_clock_local_when_summer_time_ends():
    rule = Recurrence.of("FREQ=WEEKLY;BYDAY=TU", START, ROME)

    starts = rule.between(utc(2026, 10, 1), utc(2026, 11, 5))

    assert [s.strftime("%m-%d %H:%M") for s in starts] == [
        "10-06 07:00",
        "10-13 07:00",
        "10-20 07:00",
        "10-27 07:00",
        "11-03 07:00",
    ]
    in_utc = [aware(s, rule.zone) for s in starts]
    # Summer time ends on Sunday 25 October: the UTC hour moves, the local one does not.
    assert in_utc[2] == utc(2026, 10, 20, 5, 0)
    assert in_utc[3] == utc(2026, 10, 27, 6, 0)


def test_exception_dates_are_left_out():
    rule = Recurrence.of(
        "FREQ=WEEKLY;BYDAY=TU", START, ROME, exdates=["2026-10-13T07:00:00", "2026-10-27T07:00:00"]
    )

    starts = rule.between(utc(2026, 10, 1), utc(2026, 11, 5))

    assert [s.day for s in starts] == [6, 20, 3]


def test_a_time_skipped_by_the_clocks_going_forward_takes_the_winter_offset():
    # 02:30 does not exist in Rome on 29 March 2026.
    assert aware(
        dt.datetime(2026, 3, 29, 2, 30),
        Recurrence.of("FREQ=DAILY;COUNT=1", dt.datetime(2026, 3, 29, 2, 30), ROME).zone,
    ) == utc(2026, 3, 29, 1, 30)


def test_rules_are_written_back_in_a_fixed_form():
    rule = parse_rule("rrule:byday=tu;freq=weekly;interval=2;until=20261231")

    assert rule.text() == "FREQ=WEEKLY;INTERVAL=2;UNTIL=20261231;BYDAY=TU"
    recurrence = Recurrence.of(rule.text(), START, ROME)
    # A date-only UNTIL becomes the end of that day in Rome, in UTC.
    assert recurrence.rule.text() == "FREQ=WEEKLY;INTERVAL=2;UNTIL=20261231T225959Z;BYDAY=TU"
    assert recurrence.between(utc(2026, 12, 1), utc(2027, 3, 1))[-1].date() == dt.date(2026, 12, 29)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=2TU",
        "FREQ=WEEKLY;BYDAY=TU;BYMONTH=1,2,3,4,5,6,9,10,11,12",
        "FREQ=DAILY;COUNT=3",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T210000Z",
    ],
)
def test_rules_meetings_need_are_accepted(rule):
    recurrence = Recurrence.of(rule, START, ROME)

    assert recurrence.require_soon() >= START
    assert len(recurrence.next_n(utc(2026, 10, 1), 3)) == 3


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=MINUTELY;COUNT=10", "more often than daily"),
        ("FREQ=SECONDLY", "more often than daily"),
        ("FREQ=DAILY;BYHOUR=7,8,9", "BYHOUR is not allowed"),
        ("FREQ=WEEKLY;BYMINUTE=0,15,30,45", "BYMINUTE is not allowed"),
        ("FREQ=WEEKLY;BYSECOND=1", "BYSECOND is not allowed"),
        ("FREQ=YEARLY;BYYEARDAY=100", "not supported"),
        ("FREQ=YEARLY;BYWEEKNO=20", "not supported"),
        ("FREQ=WEEKLY;INTERVAL=9", "between"),
        ("FREQ=DAILY;COUNT=100000", "between"),
        ("FREQ=WEEKLY;COUNT=5;UNTIL=20270101", "not both"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "None of these days exists"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=29", "None of these days exists"),
        ("FREQ=MONTHLY;INTERVAL=12;BYMONTH=2", "never reaches"),
        ("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "never falls"),
        ("FREQ=MONTHLY;BYDAY=-4FR,MO", "not both"),
        ("FREQ=MONTHLY;BYDAY=5FR", "from 1 to 4"),
        ("FREQ=WEEKLY;BYDAY=2TU", "need FREQ=MONTHLY"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "BYSETPOS goes from 1 to 4"),
        ("FREQ=YEARLY;INTERVAL=10;BYMONTH=1;BYMONTHDAY=1", "no meeting in the year"),
        ("FREQ=WEEKLY;UNTIL=2027", "UNTIL must be"),
        ("FREQ=WEEKLY;FREQ=DAILY", "appears twice"),
        ("every tuesday", "NAME=VALUE"),
        ("", "Give a recurrence rule"),
        ("FREQ=WEEKLY;BYDAY=" + ",".join(["TU"] * 200), "too long"),
    ],
)
def test_unsafe_or_impossible_rules_are_refused_at_once(rule, says):
    began = time.perf_counter()

    with pytest.raises(RecurrenceError, match=says):
        Recurrence.of(rule, START, ROME).require_soon()

    # dateutil would search day by day to the year 9999 for a rule that never happens.
    assert time.perf_counter() - began < 0.5


def test_a_monthly_rule_without_a_day_uses_the_starts_day_and_refuses_a_month_without_it():
    with pytest.raises(RecurrenceError, match="None of these days exists"):
        Recurrence.of("FREQ=MONTHLY;BYMONTH=9", dt.datetime(2027, 10, 31, 7), ROME)


def test_ending_a_rule_sets_until_unless_it_ends_sooner():
    weekly = Recurrence.of("FREQ=WEEKLY;BYDAY=TU", START, ROME)
    assert weekly.ending(dt.date(2026, 12, 1)).text() == (
        "FREQ=WEEKLY;UNTIL=20261201T225959Z;BYDAY=TU"
    )
    three = Recurrence.of("FREQ=WEEKLY;BYDAY=TU;COUNT=3", START, ROME)
    assert three.ending(dt.date(2027, 1, 1)).text() == "FREQ=WEEKLY;COUNT=3;BYDAY=TU"
    assert three.ending(dt.date(2026, 10, 14)).text() == (
        "FREQ=WEEKLY;UNTIL=20261014T215959Z;BYDAY=TU"
    )

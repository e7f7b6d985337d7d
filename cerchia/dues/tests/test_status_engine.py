"""The status engine: where a membership stands on each day, at every boundary, and what the
daily job stores of it."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.daily import run_daily
from cerchia.dues.models import Tier, add_months
from cerchia.dues.services import start_dues
from cerchia.dues.tests.conftest import EXPIRES, on, paid_member
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group, leave_group, terminate_membership

DAY = dt.timedelta(days=1)


BOUNDARIES = [
    (EXPIRES - 365 * DAY, "active"),
    (EXPIRES - DAY, "active"),
    (EXPIRES, "active"),  # paid up to and including the expiry day
    (EXPIRES + DAY, "grace"),  # the first day of grace
    (EXPIRES + 30 * DAY, "grace"),  # the last of the 30 grace days
    (EXPIRES + 31 * DAY, "lapsed"),
    (EXPIRES + 400 * DAY, "lapsed"),
]


def test_standing_on_each_boundary(chamber):
    for day, standing in BOUNDARIES:
        assert chamber.membership.standing_on(day) == standing, day


def test_the_daily_job_stores_the_standing_of_the_day(chamber):
    for day, standing in BOUNDARIES:
        with on(day):
            run_daily(day)
        chamber.membership.refresh_from_db()
        assert chamber.membership.standing == standing, day


def test_a_new_member_is_pending_until_the_first_payment(chamber):
    newcomer = make_user("newcomer@example.org")
    membership = add_member(chamber.group, newcomer)
    membership.tier = chamber.yearly
    membership.save()

    start_dues(membership, actor=newcomer, today=dt.date(2026, 3, 1))
    with on(dt.date(2026, 3, 20)):
        run_daily(dt.date(2026, 3, 20))

    membership.refresh_from_db()
    assert membership.expires_on is None
    assert membership.standing == "pending"
    for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 15), dt.date(2027, 3, 1)):
        assert membership.standing_on(day) == "pending"


def test_someone_not_admitted_is_pending(chamber):
    for status in ("invited", "requested", "applied", "declined", "rejected"):
        membership = add_member(chamber.group, make_user(f"{status}@example.org"), status=status)
        membership.tier = chamber.yearly
        membership.expires_on = EXPIRES  # dates do not make anyone a member
        membership.save()

        assert membership.standing_on(EXPIRES) == "pending", status


def test_a_member_who_left_is_resigned_whatever_their_dates(chamber):
    with on(EXPIRES - 10 * DAY):
        membership = leave_group(chamber.group, chamber.member)

    assert membership.standing == "resigned"
    assert membership.standing_on(EXPIRES - 10 * DAY) == "resigned"
    assert membership.standing_on(EXPIRES + 100 * DAY) == "resigned"


def test_a_terminated_member_stays_terminated(chamber):
    with on(EXPIRES - 10 * DAY):
        membership = terminate_membership(
            chamber.membership, actor=chamber.owner, reason="Breach of the code of conduct"
        )
        run_daily(EXPIRES - 10 * DAY)

    membership.refresh_from_db()
    assert membership.standing == "terminated"
    assert membership.standing_on(EXPIRES - 10 * DAY) == "terminated"


def test_the_daily_job_marks_rows_that_stopped_being_members(chamber):
    with on(EXPIRES - DAY):
        run_daily(EXPIRES - DAY)  # everyone else's standing is stored already
    left = add_member(chamber.group, make_user("left@example.org"), status="left")
    gone = add_member(chamber.group, make_user("gone@example.org"), status="terminated")
    Membership.objects.filter(pk__in=[left.pk, gone.pk]).update(standing="active")

    with on(EXPIRES):
        summary = run_daily(EXPIRES)

    left.refresh_from_db()
    gone.refresh_from_db()
    assert (left.standing, gone.standing) == ("resigned", "terminated")
    assert summary["standing_changes"] == 2


def test_without_grace_days_a_member_lapses_the_day_after_expiry(cast):
    group = create_group(
        cast.owner,
        name="Strict Chamber",
        kind="chamber",
        join_policy="open",
        rule_overrides={"grace_days": 0},
    )
    tier = Tier.objects.create(group=group, name="Standard", dues_minor=10000, period="year")
    membership = paid_member(group, cast.member, tier, EXPIRES)

    assert group.rules.grace_days == 0
    assert membership.standing_on(EXPIRES) == "active"
    assert membership.standing_on(EXPIRES + DAY) == "lapsed"
    with on(EXPIRES + DAY):
        run_daily(EXPIRES + DAY)
    membership.refresh_from_db()
    assert membership.standing == "lapsed"


def test_the_grace_days_follow_the_groups_rule(cast):
    group = create_group(
        cast.owner,
        name="Patient Chamber",
        kind="chamber",
        join_policy="open",
        rule_overrides={"grace_days": 5},
    )
    tier = Tier.objects.create(group=group, name="Standard", dues_minor=10000, period="year")
    membership = paid_member(group, cast.member, tier, EXPIRES)

    assert membership.standing_on(EXPIRES + 5 * DAY) == "grace"
    assert membership.standing_on(EXPIRES + 6 * DAY) == "lapsed"


def test_a_member_without_a_tier_is_active(chamber):
    membership = Membership.objects.get(group=chamber.group, user=chamber.treasurer)

    assert membership.tier is None and membership.expires_on is None
    assert membership.standing_on(dt.date(2026, 1, 1)) == "active"
    assert membership.standing_on(dt.date(2030, 1, 1)) == "active"


def test_a_member_moved_to_no_tier_becomes_active_again(chamber):
    membership = chamber.membership
    membership.expires_on = EXPIRES - 100 * DAY  # long lapsed
    membership.save()
    assert membership.standing_on(EXPIRES) == "lapsed"

    membership.tier = None
    assert membership.standing_on(EXPIRES) == "active"


# Periods: rolling terms start on the day, fixed terms follow the calendar.


@pytest.mark.parametrize(
    ("period", "term", "start", "expected"),
    [
        ("year", "rolling", dt.date(2026, 3, 15), (dt.date(2026, 3, 15), dt.date(2027, 3, 14))),
        ("quarter", "rolling", dt.date(2026, 3, 15), (dt.date(2026, 3, 15), dt.date(2026, 6, 14))),
        ("month", "rolling", dt.date(2026, 3, 15), (dt.date(2026, 3, 15), dt.date(2026, 4, 14))),
        ("month", "rolling", dt.date(2026, 12, 1), (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
        ("year", "fixed", dt.date(2026, 3, 15), (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("quarter", "fixed", dt.date(2026, 5, 20), (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        ("quarter", "fixed", dt.date(2026, 12, 31), (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("month", "fixed", dt.date(2026, 3, 15), (dt.date(2026, 3, 1), dt.date(2026, 3, 31))),
        ("month", "fixed", dt.date(2026, 2, 1), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("month", "fixed", dt.date(2028, 2, 10), (dt.date(2028, 2, 1), dt.date(2028, 2, 29))),
        ("month", "fixed", dt.date(2026, 12, 31), (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
    ],
)
def test_period_from(period, term, start, expected):
    tier = Tier(name="T", dues_minor=1, period=period, term=term)

    assert tier.period_from(start) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # clamped to February's end
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 8, 31), 3, dt.date(2026, 11, 30)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2026, 1, 31), 0, dt.date(2026, 1, 31)),
    ],
)
def test_add_months_clamps_to_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_rolling_month_from_the_31st_ends_before_the_clamped_day():
    tier = Tier(name="T", dues_minor=1, period="month", term="rolling")

    start, end = tier.period_from(dt.date(2026, 1, 31))

    assert (start, end) == (dt.date(2026, 1, 31), dt.date(2026, 2, 27))
    # The next period starts the day after: no day is paid twice and none is left out.
    assert tier.period_from(end + DAY) == (dt.date(2026, 2, 28), dt.date(2026, 3, 27))


@pytest.mark.parametrize(("period", "term"), [(p, t) for p in Tier.Period for t in Tier.Term])
def test_consecutive_periods_leave_no_gap_and_no_overlap(period, term):
    tier = Tier(name="T", dues_minor=1, period=period, term=term)
    end = tier.period_from(dt.date(2026, 1, 31))[1]

    for _ in range(14):
        next_start, next_end = tier.period_from(end + DAY)
        assert next_start == end + DAY
        assert next_end > next_start
        end = next_end

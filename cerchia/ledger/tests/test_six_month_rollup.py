"""The six-month rollup: a window's rows equal the sums of its months' monthly rows when it is
built, after every kind of write, edit and removal, and after a rebuild; writes outside it
leave it alone; and on PostgreSQL a write racing the build is counted exactly once."""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.services import create_group
from cerchia.ledger import rollups
from cerchia.ledger.models import (
    WINDOW_COUNTERS,
    Rollup,
    SixMonthRollup,
    SixMonthWindow,
)

MAY = datetime.date(2026, 5, 1)  # the window May..October 2026
OCTOBER = datetime.date(2026, 10, 1)


def expected(start: datetime.date) -> dict[tuple[int, int, str], dict[str, int]]:
    """The window's rows computed again from the monthly rows, in Python."""
    last = SixMonthWindow.objects.get(start=start).last_month
    sums: dict[tuple[int, int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in Rollup.objects.filter(month__gte=start, month__lte=last).values():
        for name in WINDOW_COUNTERS:
            if row[name]:
                sums[(row["user_id"], row["group_id"], row["currency"])][name] += row[name]
    return {key: dict(values) for key, values in sums.items()}


def delta(user: Any, group: Any, day: datetime.date, currency: str = "", **values: int) -> Any:
    return rollups.Delta(user.pk, group, day, currency, values)


@pytest.mark.django_db
def test_a_built_window_sums_its_six_months_and_no_others(cast: Cast) -> None:
    member, group = cast.member, cast.group
    rollups.apply(
        [
            delta(member, group, datetime.date(2026, 4, 30), referrals_given=7),  # before
            delta(member, group, datetime.date(2026, 5, 1), referrals_given=1, attended=1),
            delta(member, group, datetime.date(2026, 8, 9), referrals_given=2, absent=1),
            delta(member, group, datetime.date(2026, 10, 31), late=1, education=3),
            delta(member, group, datetime.date(2026, 11, 1), referrals_given=100),  # after
            delta(member, group, datetime.date(2026, 6, 2), "USD", closed_received_minor=900),
            delta(cast.leader, group, datetime.date(2026, 7, 7), one_to_ones=2),
            # Kept monthly, not in the window: money invested, referrals received.
            delta(member, group, datetime.date(2026, 6, 2), money_minor=5000),
            delta(member, group, datetime.date(2026, 6, 2), referrals_received=4),
        ]
    )
    window = rollups.build_window(MAY)
    assert (window.start, window.last_month) == (MAY, OCTOBER)
    found = rollups.window_snapshot(MAY)
    assert found == expected(MAY)
    assert found[(member.pk, group.pk, "EUR")] == {
        "referrals_given": 3,
        "attended": 1,
        "absent": 1,
        "late": 1,
        "education": 3,
    }
    assert found[(member.pk, group.pk, "USD")] == {"closed_received_minor": 900}
    assert found[(cast.leader.pk, group.pk, "EUR")] == {"one_to_ones": 2}
    # Building it again changes nothing.
    assert rollups.build_window(datetime.date(2026, 5, 17)).pk == window.pk
    assert rollups.window_snapshot(MAY) == found


@pytest.mark.django_db
def test_writes_edits_and_removals_keep_a_built_window_in_step(cast: Cast) -> None:
    member, leader, group = cast.member, cast.leader, cast.group
    rollups.build_window(MAY)
    assert rollups.window_snapshot(MAY) == {}
    rollups.apply([delta(member, group, datetime.date(2026, 6, 3), referrals_given=2)])
    rollups.apply([delta(member, group, datetime.date(2026, 12, 3), referrals_given=5)])
    assert rollups.window_snapshot(MAY) == {(member.pk, group.pk, "EUR"): {"referrals_given": 2}}
    # An edit that moves a fact from June to September: same window, one row, no conflict.
    rollups.apply(
        add=[delta(member, group, datetime.date(2026, 9, 1), referrals_given=1, late=1)],
        remove=[delta(member, group, datetime.date(2026, 6, 3), referrals_given=1)],
    )
    # An edit that moves a fact out of the window, after it was in it.
    rollups.apply([delta(leader, group, datetime.date(2026, 10, 30), attended=1)])
    rollups.apply(
        add=[delta(leader, group, datetime.date(2026, 11, 2), attended=1)],
        remove=[delta(leader, group, datetime.date(2026, 10, 30), attended=1)],
    )
    snapshot = rollups.window_snapshot(MAY)
    assert snapshot == expected(MAY)
    assert snapshot == {(member.pk, group.pk, "EUR"): {"referrals_given": 2, "late": 1}}
    # The leader's row is there, all zero: nothing to count.
    assert SixMonthRollup.objects.get(start=MAY, user=leader, group=group).attended == 0


@pytest.mark.django_db
def test_the_ledger_services_keep_it_in_step_and_a_rebuild_gives_the_same(cast: Cast) -> None:
    import time_machine

    from cerchia.ledger import services

    rollups.build_window(MAY)
    with time_machine.travel(datetime.datetime(2026, 7, 14, 10, 0, tzinfo=datetime.UTC)):
        services.record_referral(
            cast.member, receiver=cast.leader, group=cast.group, prospect_name="Anna"
        )
        referral = services.record_referral(
            cast.leader, receiver=cast.member, group=cast.group, prospect_name="Bo"
        )
    rows = rollups.window_snapshot(MAY)
    assert rows == expected(MAY)
    assert rows[(cast.member.pk, cast.group.pk, "EUR")]["referrals_given"] == 1
    assert rows[(cast.leader.pk, cast.group.pk, "EUR")]["referrals_given"] == 1
    assert referral.pk is not None
    incremental = rollups.window_snapshot(MAY)
    rollups.rebuild()
    assert rollups.window_snapshot(MAY) == incremental


@pytest.mark.django_db
def test_a_new_window_drops_those_before_the_previous_one(cast: Cast) -> None:
    rollups.apply([delta(cast.member, cast.group, datetime.date(2026, 8, 1), referrals_given=1)])
    for start in (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), MAY):
        rollups.build_window(start)
    assert list(SixMonthWindow.objects.values_list("start", flat=True)) == [
        MAY,
        datetime.date(2026, 4, 1),
    ]
    assert set(SixMonthRollup.objects.values_list("start", flat=True)) == {
        MAY,
        datetime.date(2026, 4, 1),
    }
    # A write lands in both windows that hold its month.
    rollups.apply([delta(cast.member, cast.group, datetime.date(2026, 9, 2), referrals_given=1)])
    for start in (MAY, datetime.date(2026, 4, 1)):
        assert rollups.window_snapshot(start) == {
            (cast.member.pk, cast.group.pk, "EUR"): {"referrals_given": 2}
        }


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the build's table lock needs PostgreSQL"
)


def _people() -> tuple[Any, Any]:
    owner = make_user("owner@example.org")
    group = create_group(owner, name="Chapter", kind="lead_group", join_policy="open")
    member = make_user("member@example.org")
    add_member(group, member)
    return member, group


def _side_by_side(*steps: Callable[[], None]) -> None:
    """Run each step in a thread of its own (its own connection) and fail with what any of
    them raised."""
    errors: list[BaseException] = []

    def run(step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors, errors


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_waiting_for_the_build_is_added_to_the_window_once() -> None:
    member, group = _people()
    rollups.apply([delta(member, group, datetime.date(2026, 6, 1), referrals_given=1)])
    built, wrote = threading.Event(), threading.Event()

    def build() -> None:
        with transaction.atomic():
            rollups.build_window(MAY)  # holds the lock until this transaction ends
            built.set()
            wrote.wait(0.5)  # the write is waiting for the lock: it cannot finish
            assert not wrote.is_set()

    def write() -> None:
        built.wait(5)
        rollups.apply([delta(member, group, datetime.date(2026, 6, 9), referrals_given=1)])
        wrote.set()

    _side_by_side(build, write)
    assert wrote.is_set()
    assert rollups.window_snapshot(MAY) == {(member.pk, group.pk, "EUR"): {"referrals_given": 2}}
    assert rollups.window_snapshot(MAY) == expected(MAY)


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_build_waiting_for_a_write_sums_it_once() -> None:
    member, group = _people()
    writing, built = threading.Event(), threading.Event()

    def write() -> None:
        with transaction.atomic():
            rollups.apply([delta(member, group, datetime.date(2026, 6, 9), referrals_given=1)])
            writing.set()
            built.wait(0.5)  # the build waits for this write's transaction
            assert not built.is_set()

    def build() -> None:
        writing.wait(5)
        rollups.build_window(MAY)
        built.set()

    _side_by_side(write, build)
    assert built.is_set()
    assert rollups.window_snapshot(MAY) == {(member.pk, group.pk, "EUR"): {"referrals_given": 1}}

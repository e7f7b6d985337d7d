"""Two requests at the same moment cannot break the rules the database guards."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from cerchia.accounts.models import User
from cerchia.conftest import make_user
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import (
    GroupError,
    approve_membership,
    create_group,
    ensure_informal_network,
    join_group,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(work: Callable[[], Any], times: int = 2) -> list[Any]:
    """Run ``work`` in ``times`` threads released at once; return results or exceptions."""
    barrier = threading.Barrier(times)
    results: list[Any] = []

    def target() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as exc:  # the losers' errors are the outcome under test
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_the_same_person_joining_twice_at_once_gets_one_membership() -> None:
    owner = make_user("owner@example.org")
    joiner = make_user("joiner@example.org")
    group = create_group(owner, name="Open Events", kind="event_network", join_policy="open")

    results = run_together(
        lambda: join_group(Group.objects.get(pk=group.pk), User.objects.get(pk=joiner.pk))
    )

    assert Membership.objects.filter(group=group, user=joiner).count() == 1
    assert Membership.objects.get(group=group, user=joiner).status == "active"
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], GroupError), results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")
def test_two_requests_creating_the_informal_network_make_only_one() -> None:
    person = User.objects.create_user(email="new@example.org", password="x")

    results = run_together(lambda: ensure_informal_network(User.objects.get(pk=person.pk)), 4)

    assert Group.objects.filter(kind="informal", owner=person).count() == 1
    assert {r.pk for r in results} == {Group.objects.get(kind="informal", owner=person).pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the seat race needs PostgreSQL")
def test_two_approvals_for_one_seat_at_the_same_moment_admit_only_one() -> None:
    owner = make_user("owner@example.org")
    chapter = create_group(
        owner,
        name="Chapter",
        kind="lead_group",
        join_policy="application",
        rule_overrides={"sponsor_required": False, "objection_window_days": 0},
    )
    first = join_group(chapter, make_user("florist1@example.org", profession="florist"))
    second = join_group(chapter, make_user("florist2@example.org", profession="florist"))

    pending = iter([first.pk, second.pk])
    lock = threading.Lock()

    def approve_next() -> Membership:
        with lock:
            pk = next(pending)
        return approve_membership(
            Membership.objects.get(pk=pk), actor=User.objects.get(pk=owner.pk)
        )

    results = run_together(approve_next)

    assert (
        Membership.objects.filter(
            group=chapter, status="active", seat_profession__code="florist"
        ).count()
        == 1
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], GroupError), results
    assert "seat" in str(errors[0])

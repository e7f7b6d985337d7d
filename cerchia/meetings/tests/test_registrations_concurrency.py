"""Capacity is never exceeded, even with many registrations at the same moment (PostgreSQL)."""

from __future__ import annotations

import datetime
import itertools
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.accounts.services import create_api_token
from cerchia.conftest import make_user
from cerchia.groups.services import create_group
from cerchia.groups.tests.test_concurrency import run_together
from cerchia.meetings.models import Meeting, Registration
from cerchia.meetings.registrations import RegistrationError, cancel_registration, register

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the seat race needs PostgreSQL"),
]


def _event(capacity: int) -> Meeting:
    owner = make_user("owner@example.org")
    group = create_group(
        owner, name="Open Events", kind="event_network", visibility="public", join_policy="open"
    )
    start = timezone.now() + datetime.timedelta(days=7)
    return Meeting.objects.create(
        group=group,
        kind="trade_show",
        title="Trade show",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=6),
        capacity=capacity,
    )


def _one_at_a_time(ids: list[Any]) -> object:
    """A function handing each thread the next item."""
    queue = iter(ids)
    lock = threading.Lock()

    def take() -> int:
        with lock:
            return next(queue)

    return take


def test_twenty_people_registering_at_once_for_five_seats() -> None:
    """Twenty API requests at the same moment, each through the whole request cycle."""
    meeting = _event(capacity=5)
    keys = [create_api_token(make_user(f"p{i}@example.org"), name="t")[1] for i in range(20)]
    take = _one_at_a_time(keys)

    def attempt() -> int:
        client = Client(headers={"Authorization": f"Bearer {take()}"})  # type: ignore[operator]
        return client.post(
            f"/api/v1/meetings/{meeting.pk}/register", "", content_type="application/json"
        ).status_code

    results = run_together(attempt, times=20)

    assert results == [201] * 20, results
    regs = Registration.objects.filter(meeting=meeting)
    assert regs.filter(status="registered").count() == 5
    assert regs.filter(status="waitlisted").count() == 15
    seats = sorted(s or 0 for s in regs.filter(status="registered").values_list("seat", flat=True))
    assert seats == [1, 2, 3, 4, 5]
    assert not regs.filter(status="waitlisted", seat__isnull=False).exists()


def test_the_same_person_registering_twice_at_once_gets_one_registration() -> None:
    meeting = _event(capacity=5)
    person = make_user("twice@example.org")

    results = run_together(
        lambda: register(
            Meeting.objects.select_related("group").get(pk=meeting.pk),
            actor=User.objects.get(pk=person.pk),
            user=User.objects.get(pk=person.pk),
        ),
        times=4,
    )

    assert Registration.objects.filter(meeting=meeting, user=person).count() == 1
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 3 and all(isinstance(e, RegistrationError) for e in errors), results


def test_cancellations_and_registrations_at_once_never_oversell() -> None:
    meeting = _event(capacity=3)
    holders = [make_user(f"h{i}@example.org") for i in range(3)]
    held = [register(meeting, actor=p, user=p) for p in holders]
    newcomers = [make_user(f"n{i}@example.org") for i in range(9)]
    counter = itertools.count()
    lock = threading.Lock()

    def attempt() -> object:
        with lock:
            index = next(counter)
        if index < 3:
            reg = Registration.objects.select_related("meeting__group").get(pk=held[index].pk)
            return cancel_registration(reg, actor=User.objects.get(pk=reg.user_id))
        person = User.objects.get(pk=newcomers[index - 3].pk)
        return register(
            Meeting.objects.select_related("group").get(pk=meeting.pk), actor=person, user=person
        )

    results = run_together(attempt, times=12)

    assert not [r for r in results if isinstance(r, Exception)], results
    holding = Registration.objects.filter(meeting=meeting, status__in=["registered", "offered"])
    assert holding.count() == 3
    assert sorted(holding.values_list("seat", flat=True)) == [1, 2, 3]

"""Community hours: a timer, or hours logged by hand, become online-hours investments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cerchia.accounts.services import create_api_token
from cerchia.community import hours
from cerchia.community.errors import CommunityError
from cerchia.community.models import Timer
from cerchia.community.tests.safety_helpers import community, member_at
from cerchia.ledger.models import Investment

T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def scene(cast):
    group = community(cast.owner)
    return {"group": group, "member": member_at(group, "m@example.org", 1)}


def test_timer_start_stop_logs_an_investment(scene):
    group, member = scene["group"], scene["member"]
    with time_machine.travel(T0, tick=False):
        hours.start_timer(member, group)
    with time_machine.travel(T0 + datetime.timedelta(minutes=90), tick=False):
        investment = hours.stop_timer(member)

    assert investment.kind == Investment.Kind.ONLINE_HOURS
    assert investment.group == group
    assert investment.hours == Decimal("1.50")
    assert investment.spent_on == timezone.localdate(T0)
    assert not Timer.objects.exists()
    assert hours.hours_in(member, group) == Decimal("1.50")


def test_a_forgotten_timer_counts_twelve_hours_at_most(scene):
    with time_machine.travel(T0, tick=False):
        hours.start_timer(scene["member"], scene["group"])
    with time_machine.travel(T0 + datetime.timedelta(days=2), tick=False):
        investment = hours.stop_timer(scene["member"])

    assert investment.hours == Decimal("12.00")


def test_one_timer_at_a_time_and_stop_without_one(scene, cast):
    member, group = scene["member"], scene["group"]
    hours.start_timer(member, group)

    with pytest.raises(CommunityError, match="already running"):
        hours.start_timer(member, group)
    hours.cancel_timer(member)
    with pytest.raises(CommunityError, match="No timer"):
        hours.stop_timer(member)

    assert not Investment.objects.exists()


def test_log_hours_and_refusals(scene, cast):
    member, group = scene["member"], scene["group"]

    hours.log_hours(member, group, hours="2.25", notes="Answering questions")
    with pytest.raises(CommunityError, match="Hours go from 0"):
        hours.log_hours(member, group, hours="1000")
    with pytest.raises(CommunityError, match="Only active members"):
        hours.log_hours(cast.outsider, group, hours="1")
    with pytest.raises(CommunityError, match="Only active members"):
        hours.start_timer(cast.outsider, group)

    assert list(Investment.objects.values_list("hours", flat=True)) == [Decimal("2.25")]


def test_hours_page(scene):
    client = Client()
    client.force_login(scene["member"])
    url = f"/groups/{scene['group'].slug}/hours/"

    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "start"}).status_code == 302
    assert Timer.objects.filter(user=scene["member"]).exists()
    assert client.post(url, {"action": "stop"}).status_code == 302
    assert client.post(url, {"action": "log", "hours": "1.5"}).status_code == 302
    bad = client.post(url, {"action": "log", "hours": "abc"})
    assert bad.status_code == 400
    assert Investment.objects.filter(user=scene["member"]).count() == 2


def test_hours_api(scene):

    _t, key = create_api_token(scene["member"], name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    group = scene["group"]

    assert api.get("/api/v1/timer").json() == {"running": False, "group": None, "started_at": None}
    assert api.post(f"/api/v1/groups/{group.pk}/timer").status_code == 201
    assert api.get("/api/v1/timer").json()["group"] == group.pk
    stopped = api.post("/api/v1/timer/stop")
    assert stopped.status_code == 200 and stopped.json()["group"] == group.pk
    logged = api.post(
        f"/api/v1/groups/{group.pk}/hours", {"hours": "0.75"}, content_type="application/json"
    )
    assert logged.status_code == 201 and logged.json()["hours"] == "0.75"


def test_outsiders_cannot_log_hours(cast, scene):
    group = scene["group"]

    assert cast.client("outsider").get(f"/groups/{group.slug}/hours/").status_code == 404
    refused = cast.api("outsider").post(
        f"/api/v1/groups/{group.pk}/hours", {"hours": "1"}, content_type="application/json"
    )
    assert refused.status_code == 400
    private = cast.api("outsider").post(f"/api/v1/groups/{cast.group.pk}/timer")
    assert private.status_code == 404
    assert not Investment.objects.exists() and not Timer.objects.exists()

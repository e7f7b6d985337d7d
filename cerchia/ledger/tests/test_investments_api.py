"""Investments in the API: my own only, paginated and filtered; bad input is a 400 that
saves nothing; automatic entries cannot be deleted."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from cerchia.conftest import Cast
from cerchia.ledger import services
from cerchia.ledger.models import Investment, Rollup
from cerchia.meetings.attendance import mark_one
from cerchia.meetings.models import Meeting
from cerchia.meetings.tests.meeting_helpers import at, rome

NOW = rome(2026, 3, 20, 12, 0)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/investments", json.dumps(body), content_type="application/json")


def test_recording_money_and_hours(cast: Cast) -> None:
    response = post(
        cast.api("member"),
        {
            "kind": "travel",
            "group_id": cast.group.pk,
            "amount_minor": 2350,
            "hours": "1.5",
            "spent_on": "2026-03-18",
            "notes": "Train to Milan",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("group", "kind", "amount_minor", "currency", "hours")} == {
        "group": cast.group.pk,
        "kind": "travel",
        "amount_minor": 2350,
        "currency": "EUR",  # the group's
        "hours": "1.50",
    }
    assert (body["spent_on"], body["automatic"], body["notes"]) == (
        "2026-03-18",
        False,
        "Train to Milan",
    )
    saved = Investment.objects.get(pk=body["id"])
    assert (saved.user_id, saved.hours) == (cast.member.pk, Decimal("1.50"))
    row = Rollup.objects.get(user=cast.member, group=cast.group, currency="EUR")
    assert (row.money_minor, row.hours) == (2350, Decimal("1.50"))


def test_without_a_group_it_counts_in_the_informal_network(cast: Cast) -> None:
    response = post(cast.api("member"), {"kind": "meals", "amount_minor": 900, "currency": "usd"})
    assert response.status_code == 201
    assert (response.json()["group"], response.json()["currency"]) == (None, "USD")
    row = Rollup.objects.get(user=cast.member)
    assert (row.group.kind, row.currency, row.money_minor) == ("informal", "USD", 900)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"kind": "travel", "amount_minor": -5, "currency": "EUR"}, "positive whole number"),
        ({"kind": "travel"}, "Give an amount, hours or both."),
        ({"kind": "travel", "amount_minor": 0, "hours": "0"}, "Give an amount, hours or both."),
        ({"kind": "travel", "amount_minor": 500, "currency": "euro"}, "Unknown currency: EURO"),
        ({"kind": "travel", "amount_minor": 500}, "Give the currency of the amount."),
        ({"kind": "dues", "amount_minor": 500, "currency": "EUR"}, "recorded automatically"),
        ({"kind": "meeting_hours", "hours": "2"}, "recorded automatically"),
        ({"kind": "travel", "hours": "-1"}, "Hours go from 0 to 999.99"),
        ({"kind": "travel", "hours": "1.255"}, "in hundredths at most"),
        ({"kind": "travel", "hours": "2", "spent_on": "2026-03-21"}, "cannot be in the future"),
        ({"kind": "travel", "hours": "2", "amount_minor": 10**12}, "too large"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(
    cast: Cast, body: dict[str, Any], detail: str
) -> None:
    response = post(cast.api("member"), body)
    assert response.status_code == 400, response.content
    assert detail in response.json()["detail"]
    assert not Investment.objects.exists()
    assert not Rollup.objects.exists()


def test_a_group_i_am_not_in_is_refused(cast: Cast) -> None:
    response = post(
        cast.api("outsider"), {"kind": "travel", "hours": "1", "group_id": cast.group.pk}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == f"You are not an active member of group {cast.group.pk}."
    assert "Chapter One" not in response.content.decode()  # a private group's name stays hidden
    assert not Investment.objects.exists()


def _hours_at_a_meeting(cast: Cast) -> Investment:
    meeting = Meeting.objects.create(
        group=cast.group,
        kind="chapter_meeting",
        title="Breakfast",
        starts_at=rome(2026, 3, 17, 7, 0),
        ends_at=rome(2026, 3, 17, 8, 30),
    )
    mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="present")
    return Investment.objects.get(user=cast.member, automatic=True)


def test_list_is_mine_only_with_filters_and_pages(cast: Cast) -> None:
    member = cast.member
    travel = services.record_investment(
        member,
        kind="travel",
        group=cast.group,
        amount_minor=100,
        spent_on=datetime.date(2026, 3, 2),
    )
    meals = services.record_investment(
        member, kind="meals", amount_minor=200, currency="EUR", spent_on=datetime.date(2026, 3, 5)
    )
    hours = _hours_at_a_meeting(cast)
    services.record_investment(cast.leader, kind="meals", amount_minor=999, group=cast.group)
    api = cast.api("member")

    def ids(query: str = "") -> list[int]:
        response = api.get(f"/api/v1/investments{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [hours.pk, meals.pk, travel.pk]  # newest first, nobody else's
    assert ids(f"?group_id={cast.group.pk}") == [hours.pk, travel.pk]
    assert ids("?kind=meals") == [meals.pk]
    assert ids("?from=2026-03-05&to=2026-03-17") == [hours.pk, meals.pk]  # inclusive
    assert ids("?from=2026-03-06&to=2026-03-16") == []
    page = api.get("/api/v1/investments?limit=2&offset=2").json()
    assert (page["count"], [i["id"] for i in page["items"]]) == (3, [travel.pk])
    auto = next(i for i in api.get("/api/v1/investments").json()["items"] if i["automatic"])
    assert (auto["kind"], auto["hours"], auto["amount_minor"], auto["currency"]) == (
        "meeting_hours",
        "1.50",
        0,
        "",
    )
    assert cast.api("outsider").get("/api/v1/investments").json() == {"items": [], "count": 0}


def test_bad_filters_are_a_clear_400(cast: Cast) -> None:
    api = cast.api("member")
    response = api.get("/api/v1/investments?from=2026-03-10&to=2026-03-01")
    assert response.status_code == 400
    assert response.json() == {"detail": "The start date comes after the end date."}
    response = api.get("/api/v1/investments?kind=yachts")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Unknown kind of investment: yachts"},
    )


def test_list_queries_stay_fixed_as_rows_grow(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    api = cast.api("member")

    def add(count: int) -> None:
        for _ in range(count):
            services.record_investment(
                cast.member, kind="travel", group=cast.group, amount_minor=100, hours="1"
            )

    add(3)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/investments").json()["count"] == 3
    add(9)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/investments").json()["count"] == 12


def test_someone_elses_investment_is_not_found(cast: Cast) -> None:
    mine = services.record_investment(cast.member, kind="travel", hours="2")
    for who in ("outsider", "leader"):
        api = cast.api(who)
        assert api.get(f"/api/v1/investments/{mine.pk}").status_code == 404
        response = api.delete(f"/api/v1/investments/{mine.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such investment"}
    assert Investment.objects.filter(pk=mine.pk).exists()
    assert cast.api("member").get(f"/api/v1/investments/{mine.pk}").json()["hours"] == "2.00"
    assert cast.api("member").get("/api/v1/investments/999999").status_code == 404


def test_deleting_a_manual_entry_takes_it_out_of_the_rollup(cast: Cast) -> None:
    kept = services.record_investment(cast.member, kind="travel", hours="1", group=cast.group)
    gone = services.record_investment(
        cast.member, kind="meals", amount_minor=700, hours="2", group=cast.group
    )
    response = cast.api("member").delete(f"/api/v1/investments/{gone.pk}")
    assert response.status_code == 204
    assert list(Investment.objects.values_list("pk", flat=True)) == [kept.pk]
    row = Rollup.objects.get(user=cast.member, group=cast.group)
    assert (row.money_minor, row.hours) == (0, Decimal("1.00"))


def test_an_automatic_entry_cannot_be_deleted(cast: Cast) -> None:
    hours = _hours_at_a_meeting(cast)
    response = cast.api("member").delete(f"/api/v1/investments/{hours.pk}")
    assert response.status_code == 400
    assert response.json() == {"detail": "Automatic entries follow their payment or attendance."}
    assert Investment.objects.filter(pk=hours.pk).exists()
    assert Rollup.objects.get(user=cast.member, group=cast.group).hours == Decimal("1.50")


def test_anonymous_callers_are_refused(cast: Cast) -> None:
    from django.test import Client

    assert Client().get("/api/v1/investments").status_code == 401
    assert post(Client(), {"kind": "travel", "hours": "1"}).status_code == 401
    assert not Investment.objects.exists()

"""The investments page: my own entries, automatic ones marked and kept, a form in major
units."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from cerchia.conftest import Cast
from cerchia.ledger import services
from cerchia.ledger.models import Investment, Rollup
from cerchia.meetings.attendance import mark_one
from cerchia.meetings.models import Meeting
from cerchia.meetings.tests.meeting_helpers import at, rome

URL = "/ledger/investments/"
NOW = rome(2026, 3, 20, 12, 0)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def form(**fields: Any) -> dict[str, Any]:
    return {"kind": "travel", "group": "", "amount": "", "currency": "", "hours": "",
            "spent_on": "2026-03-19", "notes": "", **fields}  # fmt: skip


def meeting_hours(cast: Cast) -> Investment:
    meeting = Meeting.objects.create(
        group=cast.group,
        kind="chapter_meeting",
        title="Breakfast",
        starts_at=rome(2026, 3, 17, 7, 0),
        ends_at=rome(2026, 3, 17, 8, 30),
    )
    mark_one(meeting, actor=cast.leader, user_id=cast.member.pk, status="present")
    return Investment.objects.get(user=cast.member, automatic=True)


def test_adding_an_amount_typed_in_major_units(cast: Cast) -> None:
    client = cast.client("member")
    page = client.get(URL)
    assert page.status_code == 200
    assert "Chapter One (EUR)" in page.content.decode()  # my groups to choose from
    assert "Open Events" not in page.content.decode()  # not a member there
    response = client.post(
        URL, form(group=cast.group.pk, amount="12,50", hours="1.5", notes="Taxi")
    )
    assert response.status_code == 302
    saved = Investment.objects.get(user=cast.member)
    assert (saved.kind, saved.amount_minor, saved.currency, saved.hours) == (
        "travel",
        1250,
        "EUR",
        Decimal("1.50"),
    )
    assert (saved.group_id, saved.spent_on, saved.notes) == (
        cast.group.pk,
        datetime.date(2026, 3, 19),
        "Taxi",
    )
    assert Rollup.objects.get(user=cast.member, group=cast.group).money_minor == 1250
    listed = client.get(URL).content.decode()
    assert "12.50 EUR" in listed and f'id="investment-{saved.pk}"' in listed


def test_a_currency_without_cents_reads_whole_units(cast: Cast) -> None:
    response = cast.client("member").post(URL, form(kind="meals", amount="1500", currency="jpy"))
    assert response.status_code == 302
    saved = Investment.objects.get(user=cast.member)
    assert (saved.amount_minor, saved.currency, saved.group_id) == (1500, "JPY", None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Give an amount, hours or both."),
        ({"amount": "-3", "group": "GROUP"}, "Enter a positive amount in EUR like 12.50."),
        ({"amount": "abc", "group": "GROUP"}, "Enter a positive amount in EUR like 12.50."),
        ({"amount": "10"}, "Give the currency of the amount."),
        ({"amount": "10", "currency": "E1"}, "Unknown currency: E1"),
        ({"hours": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"kind": "dues", "amount": "10", "group": "GROUP"}, "Select a valid choice."),
        ({"hours": "1", "spent_on": "2026-03-25"}, "An investment cannot be in the future."),
    ],
)
def test_bad_input_shows_the_reason_and_saves_nothing(
    cast: Cast, fields: dict[str, Any], message: str
) -> None:
    if fields.get("group") == "GROUP":
        fields["group"] = cast.group.pk
    response = cast.client("member").post(URL, form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Investment.objects.exists()
    assert not Rollup.objects.exists()


def test_a_group_i_am_not_in_cannot_be_chosen(cast: Cast) -> None:
    response = cast.client("outsider").post(URL, form(group=cast.group.pk, hours="1"))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Investment.objects.exists()


def test_the_list_shows_mine_only_and_marks_automatic_entries(cast: Cast) -> None:
    auto = meeting_hours(cast)
    manual = services.record_investment(cast.member, kind="meals", hours="1", notes="Lunch")
    theirs = services.record_investment(cast.leader, kind="meals", hours="3", notes="Dinner!")
    html = cast.client("member").get(URL).content.decode()
    assert f'id="investment-{auto.pk}"' in html and f'id="investment-{manual.pk}"' in html
    assert f'id="investment-{theirs.pk}"' not in html and "Dinner!" not in html
    assert f"/ledger/investments/{manual.pk}/delete/" in html
    assert f"/ledger/investments/{auto.pk}/delete/" not in html
    assert "automatic" in html


def test_deleting_mine_and_never_an_automatic_or_someone_elses(cast: Cast) -> None:
    auto = meeting_hours(cast)
    manual = services.record_investment(cast.member, kind="meals", hours="1", group=cast.group)
    client = cast.client("member")
    response = client.post(f"/ledger/investments/{auto.pk}/delete/", follow=True)
    assert "Automatic entries follow their payment or attendance." in response.content.decode()
    assert Investment.objects.filter(pk=auto.pk).exists()
    for who in ("outsider", "leader"):
        assert cast.client(who).post(f"/ledger/investments/{manual.pk}/delete/").status_code == 404
    assert Investment.objects.filter(pk=manual.pk).exists()
    assert client.get(f"/ledger/investments/{manual.pk}/delete/").status_code == 405
    assert client.post(f"/ledger/investments/{manual.pk}/delete/").status_code == 302
    assert not Investment.objects.filter(pk=manual.pk).exists()
    assert Rollup.objects.get(user=cast.member, group=cast.group).hours == Decimal("1.50")


def test_the_page_needs_a_login(cast: Cast) -> None:
    assert Client().get(URL).status_code == 302
    assert Client().post(URL, form(hours="1")).status_code == 302
    assert not Investment.objects.exists()


def test_list_page_queries_stay_fixed_as_rows_grow(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = cast.client("member")

    def add(count: int) -> None:
        for _ in range(count):
            services.record_investment(
                cast.member, kind="travel", group=cast.group, amount_minor=100, hours="1"
            )

    add(3)
    with django_assert_max_num_queries(12):
        assert client.get(URL).content.decode().count('id="investment-') == 3
    add(9)
    with django_assert_max_num_queries(12):
        assert client.get(URL).content.decode().count('id="investment-') == 12

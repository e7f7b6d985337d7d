"""The events funnel: registered → checked in → connections → followed up per event, cost per
connection per currency; leaders see every event, members only their own row; a fixed number
of queries whatever the number of events."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cerchia.insights.funnel import event_funnel, my_events, totals_of
from cerchia.ledger.models import Connection, Investment
from cerchia.meetings.models import Attendance, Meeting, Registration

ROME = ZoneInfo("Europe/Rome")
TODAY = datetime.date(2026, 3, 10)
START = TODAY - datetime.timedelta(days=364)


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ROME), tick=False):
        yield


def event(group, day: datetime.date, title: str = "Spring mixer", **extra) -> Meeting:
    start = datetime.datetime(day.year, day.month, day.day, 18, 0, tzinfo=ROME)
    return Meeting.objects.create(
        group=group,
        kind="mixer",
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        **extra,
    )


def register(meeting, user=None, *, name="", came=False, status="registered", by=None):
    return Registration.objects.create(
        meeting=meeting,
        user=user,
        registered_by=by,
        name=name or (user.email if user else "Guest"),
        audience="member",
        status=status,
        checked_in_at=meeting.starts_at if came else None,
    )


def ticket(registration, payer, amount: int, currency: str = "EUR") -> Investment:
    return Investment.objects.create(
        user=payer,
        group=registration.meeting.group,
        kind="ticket",
        amount_minor=amount,
        currency=currency,
        spent_on=registration.meeting.starts_at.date(),
        registration=registration,
        automatic=True,
    )


def hours(meeting, user, value: str) -> Investment:
    attendance = Attendance.objects.create(meeting=meeting, user=user, status="present")
    return Investment.objects.create(
        user=user,
        group=meeting.group,
        kind="meeting_hours",
        hours=Decimal(value),
        spent_on=meeting.starts_at.date(),
        attendance=attendance,
        automatic=True,
    )


def met(meeting, owner, name: str, *, followed: bool = False) -> Connection:
    day = meeting.starts_at.date()
    return Connection.objects.create(
        owner=owner,
        name=name,
        where="meeting",
        group=meeting.group,
        meeting=meeting,
        met_on=day,
        follow_up_due=day + datetime.timedelta(days=7),
        followed_up_on=day + datetime.timedelta(days=2) if followed else None,
    )


@pytest.fixture
def mixer(cast):
    """Leo and Mia came; Mia's guest registered and stayed away; one cancelled. Mia met two
    people (followed up one), Leo one (followed up). Tickets: 20 EUR each for Leo and Mia, and
    15 USD Mia paid for her guest; two hours of attending each."""
    meeting = event(cast.group, TODAY - datetime.timedelta(days=20))
    leo = register(meeting, cast.leader, came=True)
    mia = register(meeting, cast.member, came=True)
    guest = register(meeting, name="Gina Guest", by=cast.member)
    register(meeting, name="Carl Cancelled", status="cancelled")
    ticket(leo, cast.leader, 2000)
    ticket(mia, cast.member, 2000)
    ticket(guest, cast.member, 1500, "USD")
    hours(meeting, cast.leader, "2.00")
    hours(meeting, cast.member, "2.00")
    met(meeting, cast.member, "Paola Prospect", followed=True)
    met(meeting, cast.member, "Quinto Quick")
    met(meeting, cast.leader, "Rita Rossi", followed=True)
    return meeting


def test_each_event_shows_its_funnel_with_the_rate_of_each_step(cast, mixer):
    rows = event_funnel(cast.group, START, TODAY)

    assert [row.meeting_id for row in rows] == [mixer.pk]
    row = rows[0]
    assert (row.registered, row.checked_in, row.connections, row.followed_up) == (3, 2, 3, 2)
    assert row.check_in_rate == round(2 / 3, 4)
    assert row.connections_per_attendee == 1.5
    assert row.follow_up_rate == round(2 / 3, 4)


def test_cost_per_connection_is_per_currency_and_never_adds_currencies(cast, mixer):
    row = event_funnel(cast.group, START, TODAY)[0]

    assert row.cost.money == {"EUR": 4000, "USD": 1500}
    assert row.cost_per_connection == {"EUR": 1333, "USD": 500}
    assert row.cost.hours == Decimal("4.00")
    assert row.hours_per_connection == Decimal("1.33")


def test_an_event_without_connections_has_no_cost_per_connection(cast):
    meeting = event(cast.group, TODAY - datetime.timedelta(days=5))
    ticket(register(meeting, cast.member, came=True), cast.member, 1000)

    row = event_funnel(cast.group, START, TODAY)[0]

    assert row.connections == 0
    assert row.cost.money == {"EUR": 1000}
    assert row.cost_per_connection is None
    assert row.follow_up_rate is None


def test_meetings_without_registrations_cancelled_events_and_others_periods_are_left_out(
    cast, mixer
):
    event(cast.group, TODAY - datetime.timedelta(days=3), "Weekly meeting")  # no registrations
    cancelled = event(
        cast.group, TODAY - datetime.timedelta(days=4), "Called off", cancelled_at=mixer.starts_at
    )
    register(cancelled, cast.member)
    old = event(cast.group, TODAY - datetime.timedelta(days=400), "Last year's fair")
    register(old, cast.member, came=True)
    register(event(cast.public_group, TODAY - datetime.timedelta(days=2)), cast.member)

    assert [r.meeting_id for r in event_funnel(cast.group, START, TODAY)] == [mixer.pk]
    earlier = TODAY - datetime.timedelta(days=500)
    assert [r.meeting_id for r in event_funnel(cast.group, earlier, TODAY)] == [mixer.pk, old.pk]


def test_an_attendee_sees_only_their_own_connections_and_costs(cast, mixer):
    mine = my_events(cast.group, cast.member, START, TODAY)

    assert [row.meeting_id for row in mine] == [mixer.pk]
    row = mine[0]
    assert (row.registered, row.checked_in) == (None, None)
    assert (row.connections, row.followed_up) == (2, 1)
    assert row.cost.money == {"EUR": 2000, "USD": 1500}
    assert row.cost_per_connection == {"EUR": 1000, "USD": 750}
    assert row.hours_per_connection == Decimal("1.00")


def test_registered_but_absent_is_not_attending(cast):
    meeting = event(cast.group, TODAY - datetime.timedelta(days=5))
    register(meeting, cast.member)  # never checked in
    register(meeting, cast.leader, came=True)

    assert my_events(cast.group, cast.member, START, TODAY) == []


def test_marked_present_on_the_sheet_counts_as_attending(cast):
    meeting = event(cast.group, TODAY - datetime.timedelta(days=5))
    register(meeting, name="Somebody")
    hours(meeting, cast.member, "1.50")

    mine = my_events(cast.group, cast.member, START, TODAY)

    assert [row.meeting_id for row in mine] == [meeting.pk]
    assert mine[0].cost.hours == Decimal("1.50")


def test_totals_sum_the_events_per_currency(cast, mixer):
    second = event(cast.group, TODAY - datetime.timedelta(days=2), "Workshop")
    reg = register(second, cast.member, came=True)
    ticket(reg, cast.member, 3000)
    met(second, cast.member, "Sara Sala")

    total = totals_of(event_funnel(cast.group, START, TODAY))

    assert (total.registered, total.checked_in, total.connections, total.followed_up) == (
        4,
        3,
        4,
        2,
    )
    assert total.cost.money == {"EUR": 7000, "USD": 1500}
    assert total.cost_per_connection == {"EUR": 1750, "USD": 375}


# --- the page and the API ----------------------------------------------------------------------


def test_leaders_see_every_event_and_their_own_row(cast, frozen, mixer):
    response = cast.client("leader").get(f"/groups/{cast.group.slug}/events/funnel/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="event-{mixer.pk}"' in html
    assert f'id="mine-{mixer.pk}"' in html
    assert "13.33 EUR" in html and "5.00 USD" in html  # per connection, per currency
    assert "<svg" in html


def test_members_see_only_their_own_row(cast, frozen, mixer):
    response = cast.client("member").get(f"/groups/{cast.group.slug}/events/funnel/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="all-events"' not in html
    assert f'id="event-{mixer.pk}"' not in html
    assert f'id="mine-{mixer.pk}"' in html
    assert "10.00 EUR" in html and "7.50 USD" in html
    assert "13.33 EUR" not in html  # the event's figure is the leaders'


def test_a_member_who_attended_nothing_sees_an_empty_state(cast, frozen):
    html = cast.client("member").get(f"/groups/{cast.group.slug}/events/funnel/").content
    assert b'id="no-own-events"' in html


def test_a_leader_sees_an_empty_state_without_events(cast, frozen):
    html = cast.client("leader").get(f"/groups/{cast.group.slug}/events/funnel/").content
    assert b'id="no-events"' in html


def test_the_period_can_be_chosen_and_a_bad_date_keeps_the_default(cast, frozen, mixer):
    url = f"/groups/{cast.group.slug}/events/funnel/"
    client = cast.client("leader")

    narrow = client.get(url, {"from": "2026-03-01", "to": "2026-03-10"}).content.decode()
    bad = client.get(url, {"from": "March"}).content.decode()

    assert f'id="event-{mixer.pk}"' not in narrow
    assert f'id="event-{mixer.pk}"' in bad
    assert "must be a date like" in bad


def test_outsiders_get_404_and_non_members_403(cast, frozen, mixer):
    url = f"/groups/{cast.group.slug}/events/funnel/"

    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("visitor").get(url).status_code == 403


def test_the_api_gives_leaders_every_event_and_members_their_own(cast, frozen, mixer):
    url = f"/api/v1/groups/{cast.group.pk}/event-funnel"

    lead = cast.api("leader").get(url).json()
    assert lead["manager"] is True
    assert lead["from"] == "2025-03-11" and lead["to"] == "2026-03-10"
    assert [e["meeting"] for e in lead["events"]] == [mixer.pk]
    assert lead["events"][0]["cost_per_connection"] == [
        {"currency": "EUR", "amount_minor": 1333},
        {"currency": "USD", "amount_minor": 500},
    ]
    assert lead["totals"]["registered"] == 3

    own = cast.api("member").get(url).json()
    assert own["manager"] is False
    assert own["events"] == [] and own["totals"] is None
    assert own["mine"][0]["connections"] == 2
    assert own["mine"][0]["registered"] is None
    assert own["my_totals"]["cost_per_connection"] == [
        {"currency": "EUR", "amount_minor": 1000},
        {"currency": "USD", "amount_minor": 750},
    ]


def test_the_api_refuses_outsiders_and_bad_dates(cast, frozen):
    url = f"/api/v1/groups/{cast.group.pk}/event-funnel"

    assert cast.api("outsider").get(url).status_code == 404
    assert cast.api("visitor").get(url).status_code == 403
    bad = cast.api("leader").get(url, {"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 400
    assert bad.json() == {"detail": "The start date comes after the end date."}


def test_the_group_page_links_members_to_the_funnel(cast, frozen):
    url = f"/groups/{cast.group.slug}/"

    assert 'id="funnel-link"' in cast.client("member").get(url).content.decode()
    assert 'id="funnel-link"' not in cast.client("visitor").get(url).content.decode()


# --- queries ------------------------------------------------------------------------------------


def _events(cast, n: int, first_day: int) -> None:
    for i in range(n):
        meeting = event(cast.group, TODAY - datetime.timedelta(days=first_day + i), f"E{i}")
        reg = register(meeting, cast.member, came=True)
        ticket(reg, cast.member, 1000 + i)
        hours(meeting, cast.member, "1.00")
        met(meeting, cast.member, f"Person {i}", followed=i % 2 == 0)
        register(meeting, cast.leader, came=True)


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_funnel_takes_two_queries_whatever_the_number_of_events(cast):
    _events(cast, 1, 1)
    assert _count(lambda: event_funnel(cast.group, START, TODAY)) == 2
    assert _count(lambda: my_events(cast.group, cast.member, START, TODAY)) == 2
    _events(cast, 12, 10)
    assert _count(lambda: event_funnel(cast.group, START, TODAY)) == 2
    assert _count(lambda: my_events(cast.group, cast.member, START, TODAY)) == 2


def test_the_page_stays_within_a_fixed_number_of_queries(
    cast, frozen, django_assert_max_num_queries
):
    _events(cast, 15, 1)
    client = cast.client("leader")

    with django_assert_max_num_queries(12):
        response = client.get(f"/groups/{cast.group.slug}/events/funnel/")
    assert response.status_code == 200
    assert response.content.decode().count('id="event-') == 15

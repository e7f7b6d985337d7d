"""The meeting pages: a group's list, one meeting, the forms to plan, change and cancel, the
series page with its holidays and end, and the private calendar page. Who may see and do
what (outsiders get 404 for private groups), and query counts on the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.conftest import make_user
from cerchia.groups.tests.helpers import messages_of, page_client
from cerchia.meetings.models import CalendarToken, Meeting, Registration, Series
from cerchia.meetings.services import cancel_meeting, create_meeting
from cerchia.meetings.tests.meeting_helpers import at, rome, tuesday_series, week

NOW = rome(2026, 10, 1, 12, 0)


def list_url(group, past=False):
    return f"/groups/{group.slug}/meetings/" + ("?past=1" if past else "")


def workshop(cast, group=None, **fields):
    values = {
        "kind": "workshop",
        "title": "Pricing workshop",
        "starts_at": dt.datetime(2026, 11, 10, 18, 0),
        "ends_at": dt.datetime(2026, 11, 10, 20, 0),
        **fields,
    }
    group = group or cast.group
    actor = cast.leader if group == cast.group else cast.owner
    return create_meeting(group, actor=actor, **values)


def form_data(**changes):
    data = {
        "kind": "mixer",
        "title": "Autumn mixer",
        "date": "2026-11-20",
        "start_time": "18:30",
        "end_date": "",
        "end_time": "21:00",
        "venue": "Terrazza",
        "online_url": "",
        "description": "Drinks and introductions",
        "capacity": "40",
        "questions": "Diet?\nWho invited you?",
        "price_member": "10,00",
        "price_non_member": "25",
        "price_visitor": "15.50",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- seeing meetings ----------------------------------------------------------------------


def test_members_see_upcoming_meetings_with_cancelled_and_members_only_ones_marked(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, members_only=True)
        cancel_meeting(week(series, dt.date(2026, 10, 13)), actor=cast.leader)
        page = cast.client("member").get(list_url(cast.group))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-state="members-only"') == 26
    assert html.count('data-state="cancelled"') == 1
    assert "Weekly breakfast" in html
    assert "Plan a meeting" not in html  # members do not plan
    assert "Subscribe (iCalendar)" not in html  # a private group has no public feed


def test_the_list_shows_times_in_the_groups_time_zone(cast):
    with at(NOW):
        workshop(cast)
        html = cast.client("member").get(list_url(cast.group)).content.decode()

    assert "18:00" in html  # 17:00 UTC


def test_past_meetings_are_listed_apart(cast):
    with at(NOW):
        workshop(
            cast,
            title="Old one",
            starts_at=dt.datetime(2026, 9, 1, 18),
            ends_at=dt.datetime(2026, 9, 1, 19),
        )
        workshop(cast, title="New one")
        client = cast.client("member")
        upcoming = client.get(list_url(cast.group)).content.decode()
        past = client.get(list_url(cast.group, past=True)).content.decode()

    assert "New one" in upcoming and "Old one" not in upcoming
    assert "Old one" in past and "New one" not in past


def test_outsiders_do_not_find_a_private_groups_meetings(cast):
    with at(NOW):
        meeting = workshop(cast)
        series = tuesday_series(cast.group, cast.leader)
        for client in (cast.client("outsider"), Client()):
            assert client.get(list_url(cast.group)).status_code == 404
            assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
            assert client.get(f"/meetings/{meeting.pk}.ics").status_code == 404
            assert client.get(f"/groups/{cast.group.slug}/series/{series.pk}/").status_code == 404
            assert client.get(f"/meetings/{meeting.pk}/edit/").status_code in (302, 404)
        outsider = cast.client("outsider")
        assert outsider.get(f"/meetings/{meeting.pk}/edit/").status_code == 404
        assert outsider.post(f"/meetings/{meeting.pk}/cancel/").status_code == 404
        series_url = f"/groups/{cast.group.slug}/series/{series.pk}/"
        assert outsider.post(series_url + "exceptions/", {"day": "2026-12-29"}).status_code == 404
        assert outsider.post(series_url + "end/", {"last_day": "2026-12-01"}).status_code == 404

    meeting.refresh_from_db()
    series.refresh_from_db()
    assert not meeting.is_cancelled
    assert series.exdates == [] and series.ended_at is None


def test_anyone_sees_a_public_groups_meeting_but_not_a_members_only_online_link(cast):
    with at(NOW):
        open_event = workshop(cast, cast.public_group, online_url="https://meet.example.org/open")
        closed = workshop(
            cast,
            cast.public_group,
            title="Members night",
            members_only=True,
            online_url="https://meet.example.org/secret",
        )
        anonymous = Client()
        open_page = anonymous.get(f"/meetings/{open_event.pk}/").content.decode()
        closed_page = anonymous.get(f"/meetings/{closed.pk}/").content.decode()
        owner_page = cast.client("owner").get(f"/meetings/{closed.pk}/").content.decode()

    assert "https://meet.example.org/open" in open_page
    assert "Members night" in closed_page and 'id="members-only-note"' in closed_page
    assert "https://meet.example.org/secret" not in closed_page
    assert "The link is for members." in closed_page
    assert "https://meet.example.org/secret" in owner_page


def test_the_meeting_page_shows_prices_seats_and_a_moved_week(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, capacity=25, price_non_member_minor=2000)
        moved = week(series, dt.date(2026, 10, 27))
        moved.starts_at = rome(2026, 10, 28, 7, 0)
        moved.ends_at = rome(2026, 10, 28, 8, 30)
        moved.save()
        Registration.objects.create(
            meeting=moved,
            user=cast.member,
            name="Mia",
            audience="member",
            status="registered",
            seat=1,
        )
        page = cast.client("member").get(f"/meetings/{moved.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-state="moved"' in html
    assert "1 of 25 seats taken" in html
    assert "20.00 EUR" in html and "0.00 EUR" in html
    assert f"/groups/{cast.group.slug}/series/{series.pk}/" in html
    assert 'id="leader-actions"' not in html


def test_the_meetings_list_takes_the_same_queries_for_5_or_40_meetings(cast):
    def queries_for_list():
        client = cast.client("member")
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(list_url(cast.group))
        assert page.status_code == 200
        return len(ctx.captured_queries)

    with at(NOW):
        for i in range(5):
            meeting = workshop(
                cast,
                title=f"Event {i}",
                starts_at=dt.datetime(2026, 11, 10 + i, 18),
                ends_at=dt.datetime(2026, 11, 10 + i, 19),
            )
            Registration.objects.create(
                meeting=meeting,
                user=cast.member,
                name="Mia",
                audience="member",
                status="registered",
            )
        few = queries_for_list()
        for i in range(35):
            meeting = workshop(
                cast,
                title=f"More {i}",
                starts_at=dt.datetime(2026, 12, 1, 8) + dt.timedelta(hours=i),
                ends_at=dt.datetime(2026, 12, 1, 9) + dt.timedelta(hours=i),
            )
            for j in range(2):
                Registration.objects.create(
                    meeting=meeting,
                    user=make_user(f"r{i}-{j}@example.org"),
                    name="R",
                    audience="non_member",
                    status="registered",
                )
        many = queries_for_list()

    assert many == few
    assert many <= 12


def test_the_api_list_takes_the_same_queries_for_few_and_many(cast, django_assert_max_num_queries):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        client = cast.api("member")
        with django_assert_max_num_queries(10):
            response = client.get(f"/api/v1/groups/{cast.group.pk}/meetings?limit=50")

    assert response.status_code == 200
    assert response.json()["count"] == Meeting.objects.filter(series=series).count()


# --- planning -----------------------------------------------------------------------------


def test_a_leader_plans_a_meeting_from_the_form(cast):
    with at(NOW):
        response = cast.client("leader").post(
            f"/groups/{cast.group.slug}/meetings/new/", form_data()
        )

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.starts_at == rome(2026, 11, 20, 18, 30)
    assert meeting.ends_at == rome(2026, 11, 20, 21, 0)
    assert (
        meeting.price_member_minor,
        meeting.price_non_member_minor,
        meeting.price_visitor_minor,
    ) == (
        1000,
        2500,
        1550,
    )
    assert meeting.questions == ["Diet?", "Who invited you?"]
    assert meeting.capacity == 40
    assert meeting.members_only is False  # the box was not ticked


def test_the_form_starts_with_the_groups_members_only_rule(cast):
    page = cast.client("leader").get(f"/groups/{cast.group.slug}/meetings/new/")

    assert page.context["form"]["members_only"].value() is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_time": "17:00"}, None),
        ({"price_member": "ten"}, "price_member"),
        ({"online_url": "ftp://files"}, "online_url"),
        ({"questions": "\n".join(["q"] * 11)}, "questions"),
        ({"date": ""}, "date"),
    ],
)
def test_a_bad_form_saves_nothing(cast, changes, field):
    with at(NOW):
        page = cast.client("leader").post(
            f"/groups/{cast.group.slug}/meetings/new/", form_data(**changes)
        )

    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors and (field is None or field in form.errors)
    assert not Meeting.objects.exists()


def test_members_and_outsiders_cannot_plan(cast):
    assert cast.client("member").get(f"/groups/{cast.group.slug}/meetings/new/").status_code == 403
    assert (
        cast.client("member")
        .post(f"/groups/{cast.group.slug}/meetings/new/", form_data())
        .status_code
        == 403
    )
    assert (
        cast.client("outsider").get(f"/groups/{cast.group.slug}/meetings/new/").status_code == 404
    )
    assert cast.client("outsider").get(f"/groups/{cast.group.slug}/series/new/").status_code == 404
    assert Client().get(f"/groups/{cast.group.slug}/meetings/new/").status_code == 302
    assert not Meeting.objects.exists()


def test_a_leader_moves_one_week_of_a_series_from_its_page(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        moved = week(series, dt.date(2026, 11, 17))
        edit = cast.client("leader").get(f"/meetings/{moved.pk}/edit/")
        assert edit.context["form"].initial["start_time"] == dt.time(7, 0)
        data = {k: v for k, v in edit.context["form"].initial.items() if v is not None}
        data.update(date="2026-11-18", start_time="07:30", end_time="09:00", members_only="on")
        data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
        response = cast.client("leader").post(f"/meetings/{moved.pk}/edit/", data)

    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.starts_at == rome(2026, 11, 18, 7, 30)
    assert moved.original_start == rome(2026, 11, 17, 7, 0)
    assert moved.title == "Weekly breakfast"


def test_a_leader_cancels_one_week_and_a_member_cannot(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 11, 24))
        refused = cast.client("member").post(f"/meetings/{target.pk}/cancel/", {"reason": "no"})
        target.refresh_from_db()
        assert refused.status_code == 403 and not target.is_cancelled

        response = cast.client("leader").post(
            f"/meetings/{target.pk}/cancel/", {"reason": "Thanksgiving"}
        )

    target.refresh_from_db()
    assert response.status_code == 302 and target.is_cancelled
    assert "is cancelled" in messages_of(response)[0]


def test_a_leader_plans_a_weekly_series_from_the_form(cast):
    data = form_data(
        kind="chapter_meeting",
        title="Breakfast",
        date="2026-10-06",
        start_time="07:00",
        end_time="08:30",
        repeat="weekly",
        rrule="",
        until="2026-12-31",
        capacity="",
    )
    data.pop("end_date")
    with at(NOW):
        response = cast.client("leader").post(f"/groups/{cast.group.slug}/series/new/", data)

    series = Series.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{cast.group.slug}/series/{series.pk}/"
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20261231T225959Z;BYDAY=TU"
    assert series.duration_minutes == 90
    assert series.capacity is None
    assert Meeting.objects.filter(series=series).count() == 13  # Tuesdays to 29 December


@pytest.mark.parametrize(
    ("repeat", "day", "rule"),
    [
        ("fortnightly", "2026-10-06", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("monthly_weekday", "2026-10-13", "FREQ=MONTHLY;BYDAY=2TU"),
        ("monthly_weekday", "2026-10-30", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("monthly_day", "2026-10-15", "FREQ=MONTHLY;BYMONTHDAY=15"),
    ],
)
def test_the_series_form_writes_the_rule(cast, repeat, day, rule):
    data = form_data(
        kind="chapter_meeting",
        date=day,
        start_time="07:00",
        end_time="08:30",
        repeat=repeat,
        rrule="",
        until="",
    )
    with at(NOW):
        response = cast.client("leader").post(f"/groups/{cast.group.slug}/series/new/", data)

    assert response.status_code == 302
    assert Series.objects.get().rrule == rule


def test_an_unsafe_custom_rule_is_refused_on_the_form(cast):
    data = form_data(
        kind="chapter_meeting",
        date="2026-10-06",
        start_time="07:00",
        end_time="08:30",
        repeat="custom",
        rrule="FREQ=MINUTELY",
        until="",
    )
    with at(NOW):
        page = cast.client("leader").post(f"/groups/{cast.group.slug}/series/new/", data)

    assert page.status_code == 200
    assert "more often than daily" in str(page.context["form"].errors["rrule"])
    assert not Series.objects.exists() and not Meeting.objects.exists()


def test_the_series_page_adds_and_removes_a_holiday_and_ends_the_series(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        url = f"/groups/{cast.group.slug}/series/{series.pk}/"
        leader = cast.client("leader")
        page = leader.get(url)
        assert page.status_code == 200 and 'id="end-series"' in page.content.decode()

        leader.post(url + "exceptions/", {"day": "2026-12-29"})
        series.refresh_from_db()
        assert series.exdates == ["2026-12-29T07:00:00"]
        assert "2026-12-29T07:00:00" in leader.get(url).content.decode()

        bad = leader.post(url + "exceptions/", {"day": "2026-12-30"})
        assert "no meeting on 2026-12-30" in messages_of(bad)[0]

        leader.post(url + "exceptions/", {"remove": "2026-12-29T07:00:00"})
        series.refresh_from_db()
        assert series.exdates == []

        leader.post(url + "end/", {"last_day": "2026-11-30"})

    series.refresh_from_db()
    assert series.ended_at is not None
    assert not Meeting.objects.filter(series=series, starts_at__gt=rome(2026, 12, 1)).exists()


def test_members_see_a_series_but_cannot_change_it(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        url = f"/groups/{cast.group.slug}/series/{series.pk}/"
        member = cast.client("member")
        page = member.get(url)
        assert page.status_code == 200 and 'id="end-series"' not in page.content.decode()
        assert member.post(url + "exceptions/", {"day": "2026-12-29"}).status_code == 403
        assert member.post(url + "end/", {"last_day": "2026-11-30"}).status_code == 403
        # A series of another group is not found under this one.
        assert (
            member.get(f"/groups/{cast.public_group.slug}/series/{series.pk}/").status_code == 404
        )

    series.refresh_from_db()
    assert series.exdates == [] and series.ended_at is None


# --- the private calendar page ------------------------------------------------------------


def test_a_person_makes_replaces_and_revokes_their_private_feed_address(cast):
    client = cast.client("member")
    assert "Make my private address" in client.get("/account/calendar/").content.decode()

    client.post("/account/calendar/", {"action": "create"})
    first = CalendarToken.objects.get(user=cast.member).token
    page = client.get("/account/calendar/").content.decode()
    assert f"/calendar/me/{first}.ics" in page
    assert client.get(f"/calendar/me/{first}.ics").status_code == 200

    client.post("/account/calendar/", {"action": "replace"})
    second = CalendarToken.objects.get(user=cast.member).token
    assert second != first
    assert Client().get(f"/calendar/me/{first}.ics").status_code == 404
    assert Client().get(f"/calendar/me/{second}.ics").status_code == 200

    client.post("/account/calendar/", {"action": "revoke"})
    assert not CalendarToken.objects.filter(user=cast.member).exists()
    assert Client().get(f"/calendar/me/{second}.ics").status_code == 404


def test_the_calendar_page_needs_an_account(cast):
    assert Client().get("/account/calendar/").status_code == 302
    assert Client().post("/account/calendar/", {"action": "create"}).status_code == 302
    assert not CalendarToken.objects.exists()


def test_one_persons_address_is_not_shown_to_another(cast):
    other = make_user("other@example.org")
    cast.client("member").post("/account/calendar/", {"action": "create"})
    token = CalendarToken.objects.get(user=cast.member).token

    page = page_client(other).get("/account/calendar/").content.decode()

    assert token not in page


def test_leaders_see_their_tools_on_the_meeting_page(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 10, 20))
        page = cast.client("leader").get(f"/meetings/{target.pk}/")
        listing = cast.client("leader").get(list_url(cast.group)).content.decode()

    html = page.content.decode()
    assert 'id="leader-actions"' in html
    assert f"/meetings/{target.pk}/edit/" in html and "Cancel this week" in html
    assert f"/meetings/{target.pk}/check-in/" in html
    assert f"/meetings/{target.pk}/live/" in html  # lead groups meet weekly: meeting mode
    assert f"/meetings/{target.pk}.ics" in html
    assert f"/groups/{cast.group.slug}/meetings/new/" in listing
    assert f"/groups/{cast.group.slug}/series/new/" in listing

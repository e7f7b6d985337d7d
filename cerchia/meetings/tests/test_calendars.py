"""Calendar feeds, read back the way calendar programs read them: parsed with ``icalendar``
and expanded with ``recurring_ical_events``. A weekly series with a holiday, a cancelled
week and a moved week across the end of summer time must give exactly the meetings that
happen, at 07:00 in Rome."""

from __future__ import annotations

import datetime as dt

import icalendar
import recurring_ical_events
from django.test import Client

from cerchia.conftest import add_member, make_user
from cerchia.groups.services import create_group, ensure_informal_network
from cerchia.meetings.models import Registration
from cerchia.meetings.services import (
    cancel_meeting,
    create_calendar_token,
    create_meeting,
    revoke_calendar_token,
    update_meeting,
    update_series,
)
from cerchia.meetings.tests.meeting_helpers import ROME, at, rome, tuesday_series, week

NOW = rome(2026, 10, 1, 12, 0)


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def expand(cal, first, last):
    """(local start, local end, summary) of every event between two days, soonest first."""
    events = recurring_ical_events.of(cal).between(first, last)
    rows = [
        (
            e["DTSTART"].dt.astimezone(ROME).strftime("%Y-%m-%d %H:%M"),
            e["DTEND"].dt.astimezone(ROME).strftime("%H:%M"),
            str(e["SUMMARY"]),
        )
        for e in events
    ]
    return sorted(rows)


def chapter_with_exceptions(group, leader):
    """Weekly Tuesday 07:00 from 6 October: holiday 13 October, 3 November cancelled, 27
    October moved to Wednesday 28 at 07:30."""
    series = tuesday_series(group, leader)
    update_series(series, actor=leader, add_exdates=["2026-10-13"])
    cancel_meeting(week(series, dt.date(2026, 11, 3)), actor=leader, reason="Strike")
    update_meeting(
        week(series, dt.date(2026, 10, 27)),
        actor=leader,
        changes={
            "starts_at": dt.datetime(2026, 10, 28, 7, 30),
            "ends_at": dt.datetime(2026, 10, 28, 9, 0),
        },
    )
    series.refresh_from_db()
    return series


EXPECTED_WEEKS = [
    ("2026-10-06 07:00", "08:30", "Weekly breakfast"),
    ("2026-10-20 07:00", "08:30", "Weekly breakfast"),
    ("2026-10-28 07:30", "09:00", "Weekly breakfast"),  # moved, after the DST change
    ("2026-11-10 07:00", "08:30", "Weekly breakfast"),
    ("2026-11-17 07:00", "08:30", "Weekly breakfast"),
]


def test_a_public_groups_feed_expands_to_exactly_the_meetings_that_happen(cast):
    with at(NOW):
        series = chapter_with_exceptions(cast.public_group, cast.owner)
        create_meeting(
            cast.public_group,
            actor=cast.owner,
            kind="meetup",
            title="Founders meetup",
            starts_at=dt.datetime(2026, 11, 12, 19, 0),
            ends_at=dt.datetime(2026, 11, 12, 21, 0),
        )
        response = Client().get(f"/calendar/group/{cast.public_group.slug}.ics")
    cal = parse(response)

    assert expand(cal, dt.date(2026, 10, 1), dt.date(2026, 11, 20)) == sorted(
        [*EXPECTED_WEEKS, ("2026-11-12 19:00", "21:00", "Founders meetup")]
    )
    # One recurring event with its rule and exceptions, plus one override for the moved week.
    weekly = [e for e in cal.walk("VEVENT") if e.get("RRULE")]
    assert len(weekly) == 1
    master = weekly[0]
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert master["DTSTART"].params["TZID"] == "Europe/Rome"
    excluded = sorted(d.dt for prop in _list(master["EXDATE"]) for d in prop.dts)
    assert excluded == [rome(2026, 10, 13, 7, 0), rome(2026, 11, 3, 7, 0)]
    overrides = [e for e in cal.walk("VEVENT") if e.get("RECURRENCE-ID")]
    assert len(overrides) == 1
    assert overrides[0]["UID"] == master["UID"] == f"series-{series.pk}@127.0.0.1"
    assert overrides[0]["RECURRENCE-ID"].dt == rome(2026, 10, 27, 7, 0)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert cal["VERSION"] == "2.0" and cal["PRODID"]


def test_the_series_keeps_seven_local_in_the_feed_after_summer_time(cast):
    with at(NOW):
        tuesday_series(cast.public_group, cast.owner)
        cal = parse(Client().get(f"/calendar/group/{cast.public_group.slug}.ics"))

    events = recurring_ical_events.of(cal).between(dt.date(2026, 10, 19), dt.date(2026, 11, 1))
    starts = sorted(e["DTSTART"].dt for e in events)
    assert [s.astimezone(ROME).hour for s in starts] == [7, 7]
    assert [s.astimezone(dt.UTC).hour for s in starts] == [5, 6]


def _list(value):
    return value if isinstance(value, list) else [value]


def test_only_public_groups_have_a_public_feed(cast):
    network = ensure_informal_network(cast.member)
    for slug in (cast.group.slug, cast.organisation.slug, network.slug, "no-such-group"):
        assert Client().get(f"/calendar/group/{slug}.ics").status_code == 404
        # Not even for members: the private feed is for them.
        assert cast.client("leader").get(f"/calendar/group/{slug}.ics").status_code == 404


def test_feeds_carry_no_ticket_codes_answers_or_members_only_links(cast):
    with at(NOW):
        meeting = create_meeting(
            cast.public_group,
            actor=cast.owner,
            kind="meetup",
            title="Members night",
            members_only=True,
            online_url="https://meet.example.org/secret-room",
            starts_at=dt.datetime(2026, 11, 12, 19, 0),
            ends_at=dt.datetime(2026, 11, 12, 21, 0),
        )
        ticket = Registration.objects.create(
            meeting=meeting,
            user=cast.member,
            name="Mia",
            audience="member",
            status="registered",
            answers=[{"question": "Diet?", "answer": "vegan-secret"}],
        )
        public = Client().get(f"/calendar/group/{cast.public_group.slug}.ics").content.decode()
        token = create_calendar_token(cast.member)
        private = Client().get(f"/calendar/me/{token.token}.ics").content.decode()
        single = cast.client("member").get(f"/meetings/{meeting.pk}.ics").content.decode()

    for feed in (public, private, single):
        assert "Members night" in feed
        assert ticket.code not in feed
        assert "vegan-secret" not in feed
    assert "secret-room" not in public  # a members-only link stays with members
    assert "secret-room" in private  # registered: they get the link


def test_the_private_feed_carries_my_groups_and_what_i_registered_for(cast):
    with at(NOW):
        chapter_with_exceptions(cast.group, cast.leader)
        elsewhere = create_group(
            cast.owner,
            name="Other Events",
            kind="event_network",
            visibility="public",
            join_policy="open",
        )
        registered = create_meeting(
            elsewhere,
            actor=cast.owner,
            kind="trade_show",
            title="Trade show",
            starts_at=dt.datetime(2026, 11, 14, 9, 0),
            ends_at=dt.datetime(2026, 11, 14, 18, 0),
        )
        waiting = create_meeting(
            elsewhere,
            actor=cast.owner,
            kind="workshop",
            title="Full workshop",
            starts_at=dt.datetime(2026, 11, 15, 9, 0),
            ends_at=dt.datetime(2026, 11, 15, 12, 0),
        )
        create_meeting(
            elsewhere,
            actor=cast.owner,
            kind="meetup",
            title="Not mine",
            starts_at=dt.datetime(2026, 11, 16, 9, 0),
            ends_at=dt.datetime(2026, 11, 16, 12, 0),
        )
        Registration.objects.create(
            meeting=registered,
            user=cast.member,
            name="Mia",
            audience="non_member",
            status="registered",
        )
        Registration.objects.create(
            meeting=waiting,
            user=cast.member,
            name="Mia",
            audience="non_member",
            status="waitlisted",
        )
        token = create_calendar_token(cast.member)
        cal = parse(Client().get(f"/calendar/me/{token.token}.ics"))

    assert expand(cal, dt.date(2026, 10, 1), dt.date(2026, 11, 20)) == sorted(
        [*EXPECTED_WEEKS, ("2026-11-14 09:00", "18:00", "Trade show")]
    )
    single = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Trade show"]
    assert single[0]["UID"] == f"meeting-{registered.pk}@127.0.0.1"


def test_an_outsiders_private_feed_shows_nothing_of_a_private_group(cast):
    with at(NOW):
        tuesday_series(cast.group, cast.leader)
        token = create_calendar_token(cast.outsider)
        cal = parse(Client().get(f"/calendar/me/{token.token}.ics"))

    assert cal.walk("VEVENT") == []


def test_a_former_members_feed_drops_the_group(cast):
    leaver = make_user("leaver@example.org")
    membership = add_member(cast.group, leaver)
    with at(NOW):
        tuesday_series(cast.group, cast.leader)
        token = create_calendar_token(leaver)
        assert parse(Client().get(f"/calendar/me/{token.token}.ics")).walk("VEVENT")
        membership.status = "left"
        membership.save()
        cal = parse(Client().get(f"/calendar/me/{token.token}.ics"))

    assert cal.walk("VEVENT") == []


def test_a_revoked_private_feed_is_not_found(cast):
    token = create_calendar_token(cast.member).token
    assert Client().get(f"/calendar/me/{token}.ics").status_code == 200

    assert revoke_calendar_token(cast.member) is True

    assert Client().get(f"/calendar/me/{token}.ics").status_code == 404
    assert Client().get("/calendar/me/guessed-token.ics").status_code == 404
    assert revoke_calendar_token(cast.member) is False


def test_one_meeting_downloads_as_a_calendar_file(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 10, 27))
        response = cast.client("member").get(f"/meetings/{target.pk}.ics")
        cal = parse(response)
        cancel_meeting(target, actor=cast.leader)
        cancelled = parse(cast.client("member").get(f"/meetings/{target.pk}.ics"))

    assert response["Content-Disposition"] == f'attachment; filename="meeting-{target.pk}.ics"'
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].dt == rome(2026, 10, 27, 7, 0)
    assert event["DTEND"].dt == rome(2026, 10, 27, 8, 30)
    assert str(event["LOCATION"]) == "Hotel Roma, Sala Verde"
    assert str(event["URL"]).endswith(f"/meetings/{target.pk}/")
    assert event["STATUS"] == "CONFIRMED"
    assert cancelled.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_outsiders_cannot_download_a_private_meeting(cast):
    with at(NOW):
        meeting = create_meeting(
            cast.group,
            actor=cast.leader,
            kind="mixer",
            title="Mixer",
            starts_at=dt.datetime(2026, 11, 12, 19, 0),
            ends_at=dt.datetime(2026, 11, 12, 21, 0),
        )

    assert cast.client("outsider").get(f"/meetings/{meeting.pk}.ics").status_code == 404
    assert Client().get(f"/meetings/{meeting.pk}.ics").status_code == 404
    assert Client().get("/meetings/999999.ics").status_code == 404


def test_feeds_take_a_few_queries_however_many_meetings(cast, django_assert_max_num_queries):
    with at(NOW):
        tuesday_series(cast.public_group, cast.owner)
        tuesday_series(cast.group, cast.leader)
        for day in range(1, 21):
            create_meeting(
                cast.public_group,
                actor=cast.owner,
                kind="meetup",
                title=f"Meetup {day}",
                starts_at=dt.datetime(2026, 11, day, 19, 0),
                ends_at=dt.datetime(2026, 11, day, 21, 0),
            )
        add_member(cast.public_group, cast.member)
        token = create_calendar_token(cast.member)
        with django_assert_max_num_queries(4):
            public = Client().get(f"/calendar/group/{cast.public_group.slug}.ics")
        with django_assert_max_num_queries(8):
            private = Client().get(f"/calendar/me/{token.token}.ics")

    assert len(parse(public).walk("VEVENT")) == 21
    assert len(parse(private).walk("VEVENT")) == 22  # both series and the 20 meetups

"""Meetings and series, through the services: planning, moving and cancelling a meeting, a
weekly series with a holiday, a cancelled week and a moved week across the end of summer
time, the daily step that keeps series materialised, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.conftest import make_user
from cerchia.daily import run_daily
from cerchia.groups.services import ensure_informal_network
from cerchia.meetings.models import Meeting, Registration, Series
from cerchia.meetings.services import (
    MeetingError,
    cancel_meeting,
    create_meeting,
    create_series,
    extend_series,
    materialise,
    update_meeting,
    update_series,
)
from cerchia.meetings.tests.meeting_helpers import (
    ROME,
    UTC,
    at,
    local_starts,
    rome,
    tuesday_series,
    week,
)
from cerchia.notices.models import Notice

NOW = rome(2026, 10, 1, 12, 0)


def plan(cast, **changes):
    fields = {
        "kind": "workshop",
        "title": "Pricing workshop",
        "starts_at": dt.datetime(2026, 11, 10, 18, 0),
        "ends_at": dt.datetime(2026, 11, 10, 20, 0),
        "venue": "Via Roma 1",
        **changes,
    }
    return create_meeting(cast.group, actor=cast.leader, **fields)


def register(meeting, user, status="registered", seat=None):
    return Registration.objects.create(
        meeting=meeting,
        user=user,
        name=str(user),
        audience="member",
        status=status,
        seat=seat,
    )


# --- single meetings ----------------------------------------------------------------------


def test_a_leader_plans_a_meeting_in_the_groups_local_time(cast):
    with at(NOW):
        meeting = plan(cast, capacity=20, price_non_member_minor=2500, questions=[" Diet? ", ""])

    assert meeting.starts_at == dt.datetime(2026, 11, 10, 17, 0, tzinfo=UTC)  # 18:00 in Rome
    assert meeting.ends_at == dt.datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    assert meeting.members_only is True  # lead groups hold members-only events by default
    assert meeting.questions == ["Diet?"]
    assert meeting.created_by == cast.leader
    entry = AuditEntry.objects.get(action="meetings.meeting.created")
    assert entry.actor == cast.leader and entry.target_id == str(meeting.pk)


def test_members_only_follows_the_groups_rule_unless_given(cast):
    with at(NOW):
        event = create_meeting(
            cast.public_group,
            actor=cast.owner,
            kind="meetup",
            title="Open meetup",
            starts_at=rome(2026, 11, 3, 19, 0),
            ends_at=rome(2026, 11, 3, 21, 0),
        )
        closed = plan(cast, members_only=False)

    assert event.members_only is False  # event networks are open by default
    assert closed.members_only is False


@pytest.mark.parametrize("who", ["member", "visitor", "outsider"])
def test_only_leaders_plan_meetings(cast, who):
    with pytest.raises(MeetingError, match="leaders"):
        create_meeting(
            cast.group,
            actor=getattr(cast, who),
            kind="workshop",
            title="Mine",
            starts_at=rome(2026, 11, 10, 18, 0),
            ends_at=rome(2026, 11, 10, 19, 0),
        )

    assert not Meeting.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="meetings.").exists()


def test_organisation_administrators_plan_their_chapters_meetings(cast):
    meeting = create_meeting(
        cast.group,
        actor=cast.owner,
        kind="mixer",
        title="Mixer",
        starts_at=rome(2026, 11, 10, 18, 0),
        ends_at=rome(2026, 11, 10, 19, 0),
    )

    assert meeting.group == cast.group


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"ends_at": dt.datetime(2026, 11, 10, 17, 0)}, "end after it starts"),
        ({"ends_at": dt.datetime(2026, 11, 30, 17, 0)}, "two weeks at most"),
        ({"kind": "party"}, "kind must be one of"),
        ({"title": "  "}, "needs a title"),
        ({"online_url": "javascript:alert(1)"}, "web address"),
        ({"capacity": 0}, "Capacity"),
        ({"capacity": True}, "Capacity"),
        ({"price_member_minor": -5}, "minor units"),
        ({"price_visitor_minor": 1.5}, "minor units"),
        ({"questions": "Diet?"}, "list of questions"),
        ({"questions": ["?"] * 11}, "At most 10"),
        ({"colour": "red"}, "Unknown meeting field"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(cast, changes, says):
    with pytest.raises(MeetingError, match=says):
        plan(cast, **changes)

    assert not Meeting.objects.exists()


def test_an_informal_network_has_no_meetings(cast):
    network = ensure_informal_network(cast.member)

    with pytest.raises(MeetingError, match="informal network"):
        create_meeting(
            network,
            actor=cast.member,
            kind="meetup",
            title="Coffee",
            starts_at=rome(2026, 11, 10, 8, 0),
            ends_at=rome(2026, 11, 10, 9, 0),
        )


def test_moving_a_meeting_tells_everyone_registered(cast):
    with at(NOW):
        meeting = plan(cast)
        register(meeting, cast.member)
        gone = make_user("gone@example.org")
        register(meeting, gone, status="cancelled")

        update_meeting(
            meeting,
            actor=cast.leader,
            changes={
                "starts_at": dt.datetime(2026, 11, 12, 18, 0),
                "ends_at": dt.datetime(2026, 11, 12, 20, 0),
                "venue": "Via Milano 2",
            },
        )

    meeting.refresh_from_db()
    assert meeting.starts_at == rome(2026, 11, 12, 18, 0)
    assert meeting.venue == "Via Milano 2"
    notice = Notice.objects.get(kind="meetings.moved")
    assert notice.user == cast.member
    assert notice.params["start"] == "2026-11-12 18:00"
    assert not Notice.objects.filter(user=gone).exists()
    entry = AuditEntry.objects.get(action="meetings.meeting.updated")
    assert entry.data["fields"] == ["ends_at", "starts_at", "venue"]


def test_changing_only_the_text_tells_nobody(cast):
    with at(NOW):
        meeting = plan(cast)
        register(meeting, cast.member)
        update_meeting(meeting, actor=cast.leader, changes={"description": "Bring cards"})

    assert not Notice.objects.filter(kind="meetings.moved").exists()


def test_a_member_cannot_change_a_meeting(cast):
    with at(NOW):
        meeting = plan(cast)

    with pytest.raises(MeetingError):
        update_meeting(meeting, actor=cast.member, changes={"title": "Mine now"})

    meeting.refresh_from_db()
    assert meeting.title == "Pricing workshop"


def test_capacity_cannot_go_below_the_seats_held(cast):
    with at(NOW):
        meeting = plan(cast, capacity=3)
        for i in range(3):
            register(meeting, make_user(f"p{i}@example.org"), seat=i + 1)

        with pytest.raises(MeetingError, match="3 people hold seats"):
            update_meeting(meeting, actor=cast.leader, changes={"capacity": 2})

    meeting.refresh_from_db()
    assert meeting.capacity == 3


def test_lowering_capacity_renumbers_seats_within_it_and_no_limit_drops_the_numbers(cast):
    with at(NOW):
        meeting = plan(cast, capacity=10)
        low = register(meeting, make_user("low@example.org"), seat=2)
        high = register(meeting, make_user("high@example.org"), seat=9)
        gone = register(meeting, make_user("gone@example.org"), status="cancelled")

        update_meeting(meeting, actor=cast.leader, changes={"capacity": 4})
        seats = dict(Registration.objects.filter(meeting=meeting).values_list("pk", "seat"))
        assert seats == {low.pk: 2, high.pk: 1, gone.pk: None}

        update_meeting(meeting, actor=cast.leader, changes={"capacity": None})
        assert set(Registration.objects.filter(meeting=meeting).values_list("seat", flat=True)) == {
            None
        }


def test_cancelling_keeps_the_meeting_listed_and_tells_those_registered(cast):
    with at(NOW):
        meeting = plan(cast)
        register(meeting, cast.member)
        cancel_meeting(meeting, actor=cast.leader, reason="Venue flooded")

        with pytest.raises(MeetingError, match="already cancelled"):
            cancel_meeting(meeting, actor=cast.leader)
        with pytest.raises(MeetingError, match="cancelled"):
            update_meeting(meeting, actor=cast.leader, changes={"title": "Back on"})

    meeting.refresh_from_db()
    assert meeting.cancelled_at == NOW
    notice = Notice.objects.get(kind="meetings.cancelled")
    assert notice.user == cast.member and notice.params["reason"] == "Venue flooded"
    assert AuditEntry.objects.filter(action="meetings.meeting.cancelled").count() == 1


# --- series -------------------------------------------------------------------------------


def test_a_series_materialises_26_weeks_ahead_at_seven_local_across_the_dst_change(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)

    weeks = Meeting.objects.filter(series=series).order_by("starts_at")
    # Tuesdays from 6 October 2026 to the horizon, 1 April 2027.
    assert weeks.count() == 26
    assert local_starts(weeks)[:5] == [
        "2026-10-06 07:00",
        "2026-10-13 07:00",
        "2026-10-20 07:00",
        "2026-10-27 07:00",
        "2026-11-03 07:00",
    ]
    assert all(m.starts_at.astimezone(ROME).hour == 7 for m in weeks)
    first, after_change = weeks[2], weeks[3]
    assert first.starts_at == dt.datetime(2026, 10, 20, 5, 0, tzinfo=UTC)
    assert after_change.starts_at == dt.datetime(2026, 10, 27, 6, 0, tzinfo=UTC)
    assert after_change.ends_at - after_change.starts_at == dt.timedelta(minutes=90)
    assert after_change.original_start == after_change.starts_at
    # A chapter's regular meeting is where visitors come, even where its events are
    # members-only.
    assert after_change.title == "Weekly breakfast" and after_change.members_only is False
    assert series.dtstart == rome(2026, 10, 6, 7, 0)
    assert series.time_zone == "Europe/Rome"
    entry = AuditEntry.objects.get(action="meetings.series.created")
    assert entry.data["occurrences"] == 26


def test_a_yearly_series_still_materialises_the_next_eight(cast):
    with at(NOW):
        series = create_series(
            cast.public_group,
            actor=cast.owner,
            rrule="FREQ=YEARLY",
            starts_at=dt.datetime(2027, 3, 14, 9, 0),
            duration_minutes=8 * 60,
            kind="trade_show",
            title="Spring fair",
        )

    assert Meeting.objects.filter(series=series).count() == 8
    assert series.members_only is False


def test_a_series_started_in_the_past_gets_its_past_weeks_too(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, starts_at=dt.datetime(2026, 9, 1, 7, 0))

    weeks = Meeting.objects.filter(series=series).order_by("starts_at")
    assert local_starts(weeks)[:2] == ["2026-09-01 07:00", "2026-09-08 07:00"]
    assert weeks.filter(starts_at__gte=NOW).count() == 26


def test_a_holiday_a_cancelled_week_and_a_moved_week(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        update_series(series, actor=cast.leader, add_exdates=[dt.date(2026, 12, 29)])
        cancel_meeting(week(series, dt.date(2026, 11, 3)), actor=cast.leader)
        moved = week(series, dt.date(2026, 10, 27))
        update_meeting(
            moved,
            actor=cast.leader,
            changes={
                "starts_at": dt.datetime(2026, 10, 28, 7, 0),
                "ends_at": dt.datetime(2026, 10, 28, 8, 30),
            },
        )
        extend_series(dt.date(2026, 10, 2))

    series.refresh_from_db()
    assert series.exdates == ["2026-12-29T07:00:00"]
    weeks = Meeting.objects.filter(series=series).order_by("starts_at")
    days = [m.starts_at.astimezone(ROME).date() for m in weeks]
    assert dt.date(2026, 12, 29) not in days  # the holiday has no meeting at all
    assert dt.date(2026, 12, 22) in days and dt.date(2027, 1, 5) in days
    cancelled = week(series, dt.date(2026, 11, 3))
    assert cancelled.is_cancelled  # still listed, marked
    moved.refresh_from_db()
    assert moved.starts_at == rome(2026, 10, 28, 7, 0)
    assert moved.original_start == rome(2026, 10, 27, 7, 0)  # the RECURRENCE-ID stays
    # The daily step did not bring the 27th back as a second meeting.
    assert weeks.filter(original_start=rome(2026, 10, 27, 7, 0)).count() == 1


def test_the_daily_step_extends_series_once_per_day(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
    assert Meeting.objects.filter(series=series).count() == 26

    with at(rome(2026, 10, 29, 3, 0)):
        first = run_daily(dt.date(2026, 10, 29))
        second = run_daily(dt.date(2026, 10, 29))

    assert first["occurrences_created"] == 4  # four more Tuesdays came within 26 weeks
    assert second["occurrences_created"] == 0
    assert Meeting.objects.filter(series=series).count() == 30
    assert materialise(series, now=rome(2026, 10, 29, 0, 0)) == 0


def test_a_holiday_on_a_week_people_registered_for_cancels_it_and_tells_them(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        booked = week(series, dt.date(2026, 12, 8))
        register(booked, cast.member)
        bare = week(series, dt.date(2026, 12, 15))

        update_series(series, actor=cast.leader, add_exdates=["2026-12-08", "2026-12-15T07:00"])

    booked.refresh_from_db()
    assert booked.is_cancelled
    assert not Meeting.objects.filter(pk=bare.pk).exists()
    assert Notice.objects.get(kind="meetings.cancelled").user == cast.member


def test_taking_a_holiday_back_brings_the_week_back(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, exdates=["2026-12-29"])
        assert not Meeting.objects.filter(
            series=series, original_start=rome(2026, 12, 29, 7, 0)
        ).exists()

        update_series(series, actor=cast.leader, remove_exdates=["2026-12-29"])

    series.refresh_from_db()
    assert series.exdates == []
    assert Meeting.objects.filter(series=series, original_start=rome(2026, 12, 29, 7, 0)).exists()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2026-12-30", "no meeting on 2026-12-30"),
        ("2026-12-29T08:00", "does not meet at"),
        ("next tuesday", "Exceptions are dates"),
    ],
)
def test_an_exception_must_be_a_week_the_series_meets(cast, value, says):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        with pytest.raises(MeetingError, match=says):
            update_series(series, actor=cast.leader, add_exdates=[value])

    series.refresh_from_db()
    assert series.exdates == []


def test_ending_a_series_removes_later_weeks_and_keeps_them_away(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        booked = week(series, dt.date(2027, 1, 12))
        register(booked, cast.member)

        update_series(series, actor=cast.leader, end_on=dt.date(2026, 12, 31))

    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20261231T225959Z;BYDAY=TU"
    assert series.ended_at == NOW
    live = Meeting.objects.filter(series=series, cancelled_at__isnull=True)
    assert max(m.starts_at for m in live).astimezone(ROME).date() == dt.date(2026, 12, 29)
    booked.refresh_from_db()
    assert booked.is_cancelled  # kept (people registered), cancelled and they are told
    with at(rome(2027, 1, 20, 3, 0)):
        assert extend_series(dt.date(2027, 1, 20))["occurrences_created"] == 0


def test_a_series_ends_today_at_the_earliest(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
    with at(rome(2026, 11, 20, 9, 0)), pytest.raises(MeetingError, match="today at the earliest"):
        update_series(series, actor=cast.leader, end_on=dt.date(2026, 11, 1))

    assert Series.objects.get(pk=series.pk).ended_at is None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"rrule": "FREQ=HOURLY"}, "more often than daily"),
        ({"rrule": "FREQ=DAILY;BYHOUR=1,2,3"}, "BYHOUR"),
        ({"duration_minutes": 0}, "1 minute to 24 hours"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"title": ""}, "needs a title"),
    ],
)
def test_bad_series_are_refused_and_nothing_is_saved(cast, changes, says):
    with at(NOW), pytest.raises(MeetingError, match=says):
        tuesday_series(cast.group, cast.leader, **changes)

    assert not Series.objects.exists()
    assert not Meeting.objects.exists()


def test_only_leaders_plan_or_change_a_series(cast):
    with at(NOW):
        with pytest.raises(MeetingError):
            tuesday_series(cast.group, cast.member)
        series = tuesday_series(cast.group, cast.leader)
        with pytest.raises(MeetingError):
            update_series(series, actor=cast.member, add_exdates=["2026-12-29"])

    assert Series.objects.get().exdates == []


def test_a_series_in_another_time_zone_keeps_its_own_local_time(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, time_zone="America/New_York")

    weeks = Meeting.objects.filter(series=series).order_by("starts_at")
    new_york = [m.starts_at.astimezone(series_zone(series)).hour for m in weeks]
    assert set(new_york) == {7}
    # New York changes its clocks a week after Rome: 1 November 2026.
    assert weeks[4].starts_at == dt.datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    assert weeks[3].starts_at == dt.datetime(2026, 10, 27, 11, 0, tzinfo=UTC)


def series_zone(series):
    from zoneinfo import ZoneInfo

    return ZoneInfo(series.time_zone)


def test_raising_the_capacity_offers_the_new_seats_to_the_first_in_line(cast):
    with at(NOW):
        meeting = plan(cast, capacity=1)
        register(meeting, cast.member, seat=1)
        first = register(meeting, make_user("first@example.org"), status="waitlisted")
        second = register(meeting, make_user("second@example.org"), status="waitlisted")

        with pytest.raises(MeetingError, match="2 people are on the waiting list"):
            update_meeting(meeting, actor=cast.leader, changes={"capacity": None})
        update_meeting(meeting, actor=cast.leader, changes={"capacity": 2})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.seat) == ("offered", 2)
    assert (second.status, second.seat) == ("waitlisted", None)


def test_a_series_starts_at_its_first_meeting(cast):
    # Picked a Thursday for a Tuesday rule: the series starts on the next Tuesday, so calendar
    # programs (which count DTSTART as a meeting) do not show a Thursday.
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, starts_at=dt.datetime(2026, 10, 8, 7, 0))

    assert series.dtstart == rome(2026, 10, 13, 7, 0)
    first = Meeting.objects.filter(series=series).order_by("starts_at").first()
    assert first is not None and first.starts_at == rome(2026, 10, 13, 7, 0)


def test_other_events_of_a_lead_group_are_members_only_by_default(cast):
    from cerchia.meetings.services import create_meeting

    with at(NOW):
        mixer = create_meeting(
            cast.group,
            actor=cast.leader,
            kind="mixer",
            title="Summer mixer",
            starts_at=dt.datetime(2026, 11, 3, 19, 0),
            ends_at=dt.datetime(2026, 11, 3, 21, 0),
        )

    assert mixer.members_only is True

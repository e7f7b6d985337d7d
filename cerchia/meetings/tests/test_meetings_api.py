"""Meetings and series in the API: list, create, read, change, cancel; series with
exceptions and an end. Errors are {"detail": ...} with the right status; outsiders get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cerchia.groups.tests.helpers import send_json
from cerchia.meetings.models import Meeting, Registration, Series
from cerchia.meetings.services import create_meeting
from cerchia.meetings.tests.meeting_helpers import at, rome, tuesday_series, week

NOW = rome(2026, 10, 1, 12, 0)
API = "/api/v1"


def meeting_payload(**changes):
    return {
        "kind": "workshop",
        "title": "Pricing workshop",
        "starts_at": "2026-11-10T18:00:00",
        "ends_at": "2026-11-10T20:00:00",
        "venue": "Via Roma 1",
        "online_url": "https://meet.example.org/pricing",
        "capacity": 30,
        "price_member_minor": 1000,
        "price_non_member_minor": 2500,
        "questions": ["Diet?"],
        **changes,
    }


def test_a_leader_creates_a_meeting_with_local_times(cast):
    with at(NOW):
        response = send_json(
            cast.api("leader"), "post", f"{API}/groups/{cast.group.pk}/meetings", meeting_payload()
        )

    assert response.status_code == 201, response.content
    body = response.json()
    meeting = Meeting.objects.get()
    assert body["id"] == meeting.pk
    assert body["starts_at"] == "2026-11-10T17:00:00Z"
    assert body["time_zone"] == "Europe/Rome" and body["currency"] == "EUR"
    assert body["members_only"] is True  # the lead group's rule
    assert body["registered_count"] == 0 and body["my_status"] == ""
    assert body["online_url"] == "https://meet.example.org/pricing"  # leaders see it
    assert (
        body["url"] == f"/meetings/{meeting.pk}/"
        and body["ics_url"] == f"/meetings/{meeting.pk}.ics"
    )
    assert body["series"] is None and body["moved"] is False


def test_times_with_an_offset_are_taken_as_given(cast):
    payload = meeting_payload(starts_at="2026-11-10T18:00:00Z", ends_at="2026-11-10T19:00:00+00:00")
    with at(NOW):
        response = send_json(
            cast.api("leader"), "post", f"{API}/groups/{cast.group.pk}/meetings", payload
        )

    assert response.status_code == 201
    assert Meeting.objects.get().starts_at == dt.datetime(2026, 11, 10, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("visitor", 403), ("outsider", 404)])
def test_only_leaders_create_meetings(cast, who, status):
    response = send_json(
        cast.api(who), "post", f"{API}/groups/{cast.group.pk}/meetings", meeting_payload()
    )

    assert response.status_code == status
    assert "detail" in response.json()
    assert not Meeting.objects.exists()


def test_a_bad_meeting_is_a_400_with_a_detail(cast):
    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/groups/{cast.group.pk}/meetings",
        meeting_payload(ends_at="2026-11-10T17:00:00"),
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "A meeting must end after it starts."}
    assert not Meeting.objects.exists()


def test_listing_upcoming_and_past_meetings(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        old = create_meeting(
            cast.group,
            actor=cast.leader,
            kind="mixer",
            title="Summer mixer",
            starts_at=rome(2026, 7, 1, 19, 0),
            ends_at=rome(2026, 7, 1, 22, 0),
        )
        client = cast.api("member")
        upcoming = client.get(f"{API}/groups/{cast.group.pk}/meetings?limit=3").json()
        past = client.get(f"{API}/groups/{cast.group.pk}/meetings?past=true").json()

    assert upcoming["count"] == Meeting.objects.filter(series=series).count()
    assert [item["starts_at"] for item in upcoming["items"]] == [
        "2026-10-06T05:00:00Z",
        "2026-10-13T05:00:00Z",
        "2026-10-20T05:00:00Z",
    ]
    assert upcoming["items"][0]["series"] == series.pk
    assert past["count"] == 1
    assert [item["id"] for item in past["items"]] == [old.pk]


def test_outsiders_cannot_list_or_read_a_private_groups_meetings(cast):
    with at(NOW):
        meeting = create_meeting(
            cast.group,
            actor=cast.leader,
            kind="mixer",
            title="Mixer",
            starts_at=rome(2026, 11, 1, 19, 0),
            ends_at=rome(2026, 11, 1, 21, 0),
        )
        series = tuesday_series(cast.group, cast.leader)
    for client in (cast.api("outsider"), Client()):
        assert client.get(f"{API}/groups/{cast.group.pk}/meetings").status_code == 404
        assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 404
        assert client.get(f"{API}/groups/{cast.group.pk}/series/{series.pk}").status_code == 404
    outsider = cast.api("outsider")
    assert (
        send_json(outsider, "patch", f"{API}/meetings/{meeting.pk}", {"title": "x"}).status_code
        == 404
    )
    assert (
        send_json(outsider, "post", f"{API}/meetings/{meeting.pk}/cancellation", {}).status_code
        == 404
    )
    assert (
        send_json(
            outsider,
            "patch",
            f"{API}/groups/{cast.group.pk}/series/{series.pk}",
            {"add_exdates": ["2026-12-29"]},
        ).status_code
        == 404
    )
    series_payload = {
        "kind": "meetup",
        "title": "x",
        "rrule": "FREQ=WEEKLY",
        "starts_at": "2026-10-06T07:00",
        "duration_minutes": 60,
    }
    created = send_json(outsider, "post", f"{API}/groups/{cast.group.pk}/series", series_payload)
    assert created.status_code == 404
    assert (
        Client()
        .post(f"{API}/groups/{cast.group.pk}/series", "{}", content_type="application/json")
        .status_code
        == 401
    )
    meeting.refresh_from_db()
    assert meeting.title == "Mixer" and not meeting.is_cancelled
    assert Series.objects.get().exdates == []  # the only series: the outsider made none


def test_a_public_groups_meetings_are_open_to_anyone_but_members_only_links_are_not(cast):
    with at(NOW):
        meeting = create_meeting(
            cast.public_group,
            actor=cast.owner,
            kind="meetup",
            title="Members night",
            members_only=True,
            online_url="https://meet.example.org/secret",
            starts_at=rome(2026, 11, 1, 19, 0),
            ends_at=rome(2026, 11, 1, 21, 0),
        )
        anonymous = Client().get(f"{API}/meetings/{meeting.pk}").json()
        owner = cast.api("owner").get(f"{API}/meetings/{meeting.pk}").json()

    assert anonymous["title"] == "Members night" and anonymous["members_only"] is True
    assert anonymous["online_url"] == ""
    assert owner["online_url"] == "https://meet.example.org/secret"


def test_my_status_and_counts_come_with_each_meeting(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader, capacity=10)
        target = week(series, dt.date(2026, 10, 13))
        Registration.objects.create(
            meeting=target,
            user=cast.member,
            name="Mia",
            audience="member",
            status="registered",
            seat=1,
        )
        Registration.objects.create(
            meeting=target,
            user=cast.leader,
            name="Leo",
            audience="member",
            status="offered",
            seat=2,
        )
        Registration.objects.create(
            meeting=target, user=cast.owner, name="Olivia", audience="member", status="waitlisted"
        )
        body = cast.api("member").get(f"{API}/meetings/{target.pk}").json()

    assert body["registered_count"] == 1 and body["waitlisted_count"] == 1
    assert body["seats_taken"] == 2  # the offered seat is held too
    assert body["my_status"] == "registered"


def test_patching_moves_a_week_and_keeps_its_original_start(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 11, 17))
        response = send_json(
            cast.api("leader"),
            "patch",
            f"{API}/meetings/{target.pk}",
            {
                "starts_at": "2026-11-18T07:00:00",
                "ends_at": "2026-11-18T08:30:00",
                "venue": "Bar Sport",
            },
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["moved"] is True
    assert body["starts_at"] == "2026-11-18T06:00:00Z"
    assert body["original_start"] == "2026-11-17T06:00:00Z"
    assert body["venue"] == "Bar Sport"
    assert body["title"] == "Weekly breakfast"  # unsent fields unchanged


def test_patching_can_remove_the_capacity(cast):
    with at(NOW):
        meeting = create_meeting(
            cast.group,
            actor=cast.leader,
            kind="mixer",
            title="Mixer",
            capacity=10,
            starts_at=rome(2026, 11, 1, 19, 0),
            ends_at=rome(2026, 11, 1, 21, 0),
        )
        client = cast.api("leader")
        same = send_json(client, "patch", f"{API}/meetings/{meeting.pk}", {"capacity": None}).json()
        assert same["capacity"] == 10
        gone = send_json(
            client, "patch", f"{API}/meetings/{meeting.pk}", {"unlimited": True}
        ).json()

    assert gone["capacity"] is None


def test_members_cannot_patch_or_cancel(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 11, 17))
        member = cast.api("member")
        assert (
            send_json(member, "patch", f"{API}/meetings/{target.pk}", {"title": "x"}).status_code
            == 403
        )
        assert (
            send_json(member, "post", f"{API}/meetings/{target.pk}/cancellation", {}).status_code
            == 403
        )
        assert (
            send_json(
                member,
                "patch",
                f"{API}/groups/{cast.group.pk}/series/{series.pk}",
                {"end": "2026-12-01"},
            ).status_code
            == 403
        )
        assert send_json(
            member, "post", f"{API}/groups/{cast.group.pk}/series", {}
        ).status_code in (403, 422)

    target.refresh_from_db()
    series.refresh_from_db()
    assert target.title == "Weekly breakfast" and not target.is_cancelled
    assert series.ended_at is None


def test_cancelling_a_week_through_the_api(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        target = week(series, dt.date(2026, 11, 24))
        client = cast.api("leader")
        response = send_json(
            client, "post", f"{API}/meetings/{target.pk}/cancellation", {"reason": "Holiday"}
        )
        again = send_json(client, "post", f"{API}/meetings/{target.pk}/cancellation", {})

    assert response.status_code == 200
    assert response.json()["cancelled"] is True
    assert again.status_code == 400 and again.json() == {
        "detail": "This meeting is already cancelled."
    }


def test_creating_a_series_through_the_api(cast):
    payload = {
        "kind": "chapter_meeting",
        "title": "Breakfast",
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "starts_at": "2026-10-06T07:00:00",
        "duration_minutes": 90,
        "exdates": ["2026-12-29"],
    }
    with at(NOW):
        response = send_json(
            cast.api("leader"), "post", f"{API}/groups/{cast.group.pk}/series", payload
        )

    assert response.status_code == 201, response.content
    body = response.json()
    series = Series.objects.get()
    assert body["id"] == series.pk
    assert body["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    assert body["time_zone"] == "Europe/Rome"
    assert body["exdates"] == ["2026-12-29T07:00:00"]
    assert body["starts_at"] == "2026-10-06T05:00:00Z"
    assert len(body["next_meetings"]) == 10
    assert body["next_meetings"][0]["starts_at"] == "2026-10-06T05:00:00Z"
    assert not Meeting.objects.filter(
        series=series, original_start=rome(2026, 12, 29, 7, 0)
    ).exists()


@pytest.mark.parametrize(
    ("rule", "says"),
    [("FREQ=MINUTELY", "more often than daily"), ("FREQ=DAILY;BYHOUR=1,2", "BYHOUR")],
)
def test_an_unsafe_series_is_a_400(cast, rule, says):
    payload = {
        "kind": "chapter_meeting",
        "title": "Breakfast",
        "rrule": rule,
        "starts_at": "2026-10-06T07:00:00",
        "duration_minutes": 90,
    }
    response = send_json(
        cast.api("leader"), "post", f"{API}/groups/{cast.group.pk}/series", payload
    )

    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert not Series.objects.exists()


def test_patching_a_series_changes_its_exceptions_and_ends_it(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)
        url = f"{API}/groups/{cast.group.pk}/series/{series.pk}"
        client = cast.api("leader")
        added = send_json(
            client, "patch", url, {"add_exdates": ["2026-12-22", "2026-12-29"]}
        ).json()
        assert added["exdates"] == ["2026-12-22T07:00:00", "2026-12-29T07:00:00"]
        removed = send_json(client, "patch", url, {"remove_exdates": ["2026-12-22"]}).json()
        assert removed["exdates"] == ["2026-12-29T07:00:00"]
        replaced = send_json(client, "patch", url, {"exdates": ["2027-01-05T07:00:00"]}).json()
        assert replaced["exdates"] == ["2027-01-05T07:00:00"]
        ended = send_json(client, "patch", url, {"end": "2027-01-31"}).json()
        bad = send_json(client, "patch", url, {"add_exdates": ["2027-01-06"]})

    assert ended["ended"] is True
    assert ended["rrule"] == "FREQ=WEEKLY;UNTIL=20270131T225959Z;BYDAY=TU"
    assert bad.status_code == 400 and "no meeting on 2027-01-06" in bad.json()["detail"]
    assert Meeting.objects.filter(series=series, original_start=rome(2026, 12, 29, 7, 0)).exists()
    assert not Meeting.objects.filter(series=series, starts_at__gt=rome(2027, 2, 1)).exists()


def test_a_series_of_another_group_is_not_found(cast):
    with at(NOW):
        series = tuesday_series(cast.group, cast.leader)

    response = cast.api("owner").get(f"{API}/groups/{cast.public_group.pk}/series/{series.pk}")

    assert response.status_code == 404

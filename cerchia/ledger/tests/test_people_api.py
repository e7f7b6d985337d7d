"""One-to-ones, connections and follow-ups in the API: writes, filters and pages, errors as
{"detail"} with nothing saved, privacy (404 for everyone but the people involved), leaders'
rates and query counts that hold as rows grow."""

from __future__ import annotations

import datetime

import pytest

from cerchia.groups.tests.helpers import send_json
from cerchia.ledger import services
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.tests.people_helpers import TODAY, checked_in, meeting_of, on

API = "/api/v1"
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def note(owner, name="Paola Fiera", met_on=TODAY - 5 * DAY, **fields):
    return services.record_connection(owner, where="elsewhere", name=name, met_on=met_on, **fields)


# --- one-to-ones --------------------------------------------------------------------------


def test_a_member_proposes_and_both_see_it(cast):
    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/one-to-ones",
        {
            "partner_id": cast.leader.pk,
            "group_id": cast.group.pk,
            "scheduled_for": "2026-03-12T08:30:00+01:00",
            "place": "Bar Centrale",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["group"], body["place"]) == (
        "proposed",
        cast.group.pk,
        "Bar Centrale",
    )
    assert (body["proposer"]["name"], body["partner"]["name"]) == ("Mia Member", "Leo Leader")
    for who in ("member", "leader"):
        listed = cast.api(who).get(f"{API}/one-to-ones").json()
        assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert cast.api("owner").get(f"{API}/one-to-ones").json() == {"items": [], "count": 0}


def test_the_partner_records_it_held_with_notes(cast):
    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)

    response = send_json(
        cast.api("leader"),
        "patch",
        f"{API}/one-to-ones/{one.pk}",
        {"status": "held", "held_on": "2026-03-09", "notes": "Coffee"},
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["held_on"]) == ("held", "2026-03-09")
    one.refresh_from_db()
    assert (one.status, one.notes) == ("held", "Coffee")


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"partner_id": 999_999}, "No such person among the people you know."),
        ({"partner_id": "outsider"}, "share no group, connection or meeting"),
        ({"partner_id": "member"}, "That is you"),
        ({"partner_id": "leader", "held_on": "2026-03-11"}, "cannot be in the future"),
        ({"partner_id": "owner", "group_id": "public_group"}, "not an active member"),
    ],
)
def test_bad_proposals_are_400_and_save_nothing(cast, payload, detail):
    payload = {
        key: getattr(cast, value).pk if isinstance(value, str) and key != "held_on" else value
        for key, value in payload.items()
    }

    response = send_json(cast.api("member"), "post", f"{API}/one-to-ones", payload)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not OneToOne.objects.exists()


def test_a_held_one_to_one_cannot_be_cancelled(cast):
    one = services.propose_one_to_one(cast.member, partner=cast.leader, held_on=TODAY)

    response = send_json(
        cast.api("member"), "patch", f"{API}/one-to-ones/{one.pk}", {"status": "cancelled"}
    )
    unknown = send_json(
        cast.api("member"), "patch", f"{API}/one-to-ones/{one.pk}", {"status": "maybe"}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Only a proposed one-to-one can be cancelled."}
    assert unknown.status_code == 422
    one.refresh_from_db()
    assert one.status == "held"


@pytest.mark.parametrize("who", ["outsider", "owner", "visitor"])
def test_nobody_else_sees_or_changes_a_one_to_one(cast, who):
    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    client = cast.api(who)

    assert client.get(f"{API}/one-to-ones/{one.pk}").status_code == 404
    patched = send_json(client, "patch", f"{API}/one-to-ones/{one.pk}", {"status": "cancelled"})
    assert patched.status_code == 404 and "detail" in patched.json()
    one.refresh_from_db()
    assert one.status == "proposed"


def test_one_to_ones_filter_by_group_status_and_date(cast):
    in_group = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    held = services.propose_one_to_one(cast.member, partner=cast.leader, held_on=TODAY - 9 * DAY)
    client = cast.api("member")

    def ids(query):
        return [item["id"] for item in client.get(f"{API}/one-to-ones?{query}").json()["items"]]

    assert ids(f"group_id={cast.group.pk}") == [in_group.pk]
    assert ids("status=held") == [held.pk]
    assert ids("to=2026-03-05") == [held.pk]
    assert ids("from=2026-03-05") == [in_group.pk]
    assert client.get(f"{API}/one-to-ones?limit=1&offset=1").json()["count"] == 2


def test_listing_one_to_ones_costs_the_same_with_more_rows(cast, django_assert_max_num_queries):
    client = cast.api("member")

    def grow(to):
        while OneToOne.objects.count() < to:
            services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)

    grow(3)
    with django_assert_max_num_queries(5):
        assert client.get(f"{API}/one-to-ones").json()["count"] == 3
    grow(12)
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{API}/one-to-ones").json()["items"]) == 12


# --- connections --------------------------------------------------------------------------


def test_a_member_notes_someone_met_by_name(cast):
    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/connections",
        {"name": "Paola Fiera", "company": "Fiera Srl", "group_id": cast.group.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["met_on"], body["follow_up_due"], body["follow_up"]) == (
        "Paola Fiera",
        "2026-03-10",
        "2026-03-17",
        "open",
    )
    assert body["url"] == f"/ledger/connections/{body['id']}/"


def test_a_connection_at_a_meeting_takes_its_day_and_group(cast):
    meeting = meeting_of(cast.public_group, TODAY - 2 * DAY)
    checked_in(meeting, cast.member, cast.owner)

    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/connections",
        {"person_id": cast.owner.pk, "meeting_id": meeting.pk},
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["person"], body["name"], body["group"], body["meeting"], body["where"]) == (
        cast.owner.pk,
        "Olivia Owner",
        cast.public_group.pk,
        meeting.pk,
        "meeting",
    )
    assert (body["met_on"], body["follow_up_due"]) == ("2026-03-08", "2026-03-11")


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "Name the person you met."),
        ({"name": "Ann", "where": "moon"}, "Unknown place: moon"),
        ({"person_id": "outsider"}, "You share no group with that person"),
        ({"name": "Ann", "met_on": "2026-03-11"}, "cannot be in the future"),
        ({"name": "Ann", "group_id": "public_group"}, "not an active member"),
    ],
)
def test_bad_connections_are_400_and_save_nothing(cast, payload, detail):
    payload = {
        key: getattr(cast, value).pk if key.endswith("_id") else value
        for key, value in payload.items()
    }

    response = send_json(cast.api("member"), "post", f"{API}/connections", payload)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not Connection.objects.exists()


def test_a_meeting_one_cannot_see_is_404(cast):
    meeting = meeting_of(cast.group, TODAY - DAY)

    response = send_json(
        cast.api("outsider"), "post", f"{API}/connections", {"meeting_id": meeting.pk}
    )

    assert response.status_code == 404
    assert not Connection.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "leader", "owner"])
def test_a_connection_is_its_owners_only(cast, who):
    """Not the person met, not a leader of the group."""
    connection = note(cast.member, person=cast.leader, group=cast.group)
    client = cast.api(who)

    assert client.get(f"{API}/connections/{connection.pk}").status_code == 404
    done = send_json(client, "post", f"{API}/connections/{connection.pk}/follow-up", {})
    assert done.status_code == 404
    assert client.get(f"{API}/connections").json()["count"] == 0
    connection.refresh_from_db()
    assert connection.followed_up_on is None


def test_the_owner_marks_a_follow_up_done(cast):
    connection = note(cast.member)
    client = cast.api("member")

    early = send_json(
        client, "post", f"{API}/connections/{connection.pk}/follow-up", {"on": "2026-03-01"}
    )
    assert early.status_code == 400 and "before the meeting" in early.json()["detail"]
    connection.refresh_from_db()
    assert connection.followed_up_on is None

    response = send_json(client, "post", f"{API}/connections/{connection.pk}/follow-up", {})

    assert response.status_code == 200
    assert (response.json()["followed_up_on"], response.json()["follow_up"]) == (
        "2026-03-10",
        "done",
    )
    assert client.get(f"{API}/connections/{connection.pk}").json()["followed_up_via"] == "done"


def test_connections_filter_by_follow_up_group_and_date(cast):
    overdue = note(cast.member, "Olga", met_on=TODAY - 20 * DAY)
    fresh = note(cast.member, "Fred", met_on=TODAY, group=cast.group)
    done = note(cast.member, "Dora", met_on=TODAY - 2 * DAY)
    services.mark_followed_up(done, actor=cast.member)
    client = cast.api("member")

    def names(query):
        return [i["name"] for i in client.get(f"{API}/connections?{query}").json()["items"]]

    assert names("follow_up=overdue") == ["Olga"]
    assert names("follow_up=open") == ["Fred", "Olga"]
    assert names("follow_up=done") == ["Dora"]
    assert names(f"group_id={cast.group.pk}") == ["Fred"]
    assert names("from=2026-03-01&to=2026-03-09") == ["Dora"]
    assert client.get(f"{API}/connections?follow_up=soon").status_code == 422
    assert {overdue.pk, fresh.pk} <= set(Connection.objects.values_list("pk", flat=True))


def test_listing_connections_costs_the_same_with_more_rows(cast, django_assert_max_num_queries):
    client = cast.api("member")
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.owner)
    services.confirm_people_met(cast.member, meeting, person_ids=[cast.owner.pk])

    def grow(to):
        while Connection.objects.count() < to:
            n = Connection.objects.count()
            note(cast.member, f"Person {n}", group=cast.group if n % 2 else None)

    grow(3)
    with django_assert_max_num_queries(4):
        assert client.get(f"{API}/connections").json()["count"] == 3
    grow(12)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{API}/connections").json()["items"]) == 12


# --- follow-up rates ----------------------------------------------------------------------


def test_leaders_get_rates_and_nobody_gets_names(cast):
    meeting = meeting_of(cast.group, TODAY - 10 * DAY)
    checked_in(meeting, cast.member, cast.leader, cast.owner)
    first, second = services.confirm_people_met(
        cast.member, meeting, person_ids=[cast.leader.pk, cast.owner.pk]
    )
    services.mark_followed_up(first, actor=cast.member, on=TODAY - 9 * DAY)
    leader = cast.api("leader")

    by_group = leader.get(f"{API}/connections/follow-up-rate?group_id={cast.group.pk}")
    by_meeting = leader.get(f"{API}/connections/follow-up-rate?meeting_id={meeting.pk}")
    mine = cast.api("member").get(f"{API}/connections/follow-up-rate")

    expected = {"made": 2, "in_time": 1, "late": 0, "missed": 1, "pending": 0, "rate": 0.5}
    assert by_group.json() == expected
    assert by_meeting.json() == expected
    assert mine.json() == expected
    member = cast.api("member")
    assert (
        member.get(f"{API}/connections/follow-up-rate?group_id={cast.group.pk}").status_code == 403
    )
    assert (
        member.get(f"{API}/connections/follow-up-rate?meeting_id={meeting.pk}").status_code == 403
    )
    outsider = cast.api("outsider")
    assert (
        outsider.get(f"{API}/connections/follow-up-rate?group_id={cast.group.pk}").status_code
        == 404
    )
    assert (
        outsider.get(f"{API}/connections/follow-up-rate?meeting_id={meeting.pk}").status_code == 404
    )
    assert outsider.get(f"{API}/connections/follow-up-rate").json()["rate"] is None

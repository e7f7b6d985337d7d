"""Pages for one-to-ones, connections and follow-ups: forms, one-tap follow-ups with htmx,
the "people I met" list after a meeting, leaders' rates (counts, no names), privacy (404 for
everyone but the people involved) and query counts that hold as rows grow."""

from __future__ import annotations

import datetime
import re

import pytest

from cerchia.conftest import add_member
from cerchia.ledger import services
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.tests.people_helpers import TODAY, checked_in, meeting_of, on
from cerchia.notices.models import Notice

DAY = datetime.timedelta(days=1)
ONE_TO_ONES = "/ledger/one-to-ones/"
CONNECTIONS = "/ledger/connections/"


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def note(owner, name="Paola Fiera", met_on=TODAY - 5 * DAY, **fields):
    return services.record_connection(owner, where="elsewhere", name=name, met_on=met_on, **fields)


# --- one-to-ones --------------------------------------------------------------------------


def test_a_member_proposes_a_one_to_one_and_the_partner_is_told(cast):
    client = cast.client("member")

    page = client.get(ONE_TO_ONES)
    response = client.post(
        ONE_TO_ONES,
        {
            "partner": cast.leader.pk,
            "group": cast.group.pk,
            "scheduled_for": "2026-03-12T08:30",
            "place": "Bar Centrale",
        },
    )

    assert page.status_code == 200 and "Leo Leader" in page.content.decode()
    assert response.status_code == 302
    one = OneToOne.objects.get()
    assert (one.proposer, one.partner, one.group, one.status, one.place) == (
        cast.member,
        cast.leader,
        cast.group,
        "proposed",
        "Bar Centrale",
    )
    assert Notice.objects.filter(user=cast.leader, kind="ledger.one_to_one_proposed").exists()
    listed = client.get(ONE_TO_ONES).content.decode()
    assert f'id="one-to-one-{one.pk}"' in listed


def test_a_one_to_one_already_held_is_logged_as_held(cast):
    response = cast.client("member").post(
        ONE_TO_ONES, {"partner": cast.leader.pk, "held_on": "2026-03-09", "notes": "Good chat"}
    )

    assert response.status_code == 302
    one = OneToOne.objects.get()
    assert (one.status, one.held_on, one.notes) == ("held", datetime.date(2026, 3, 9), "Good chat")


def test_a_one_to_one_with_a_stranger_or_in_the_future_is_refused(cast):
    client = cast.client("member")

    stranger = client.post(ONE_TO_ONES, {"partner": cast.outsider.pk})
    future = client.post(ONE_TO_ONES, {"partner": cast.leader.pk, "held_on": "2026-03-11"})

    assert stranger.status_code == 200 and "Select a valid choice" in stranger.content.decode()
    assert future.status_code == 200 and "cannot be in the future" in future.content.decode()
    assert not OneToOne.objects.exists()


def test_the_partner_records_it_held_with_notes(cast):
    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)

    response = cast.client("leader").post(
        f"{ONE_TO_ONES}{one.pk}/held/", {"held_on": "2026-03-10", "notes": "Coffee"}
    )

    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.status, one.held_on, one.notes) == ("held", TODAY, "Coffee")


def test_either_party_cancels_a_proposed_one_to_one(cast):
    one = services.propose_one_to_one(cast.member, partner=cast.leader)

    cast.client("member").post(f"{ONE_TO_ONES}{one.pk}/cancel/")

    one.refresh_from_db()
    assert one.status == "cancelled"
    again = cast.client("leader").post(f"{ONE_TO_ONES}{one.pk}/held/", {"held_on": "2026-03-10"})
    assert again.status_code == 302
    one.refresh_from_db()
    assert one.status == "cancelled"


@pytest.mark.parametrize("who", ["outsider", "owner", "visitor"])
def test_nobody_else_touches_a_one_to_one(cast, who):
    """Not even a leader of the group it was held in."""
    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    client = cast.client(who)

    held = client.post(f"{ONE_TO_ONES}{one.pk}/held/", {"held_on": "2026-03-10"})
    cancelled = client.post(f"{ONE_TO_ONES}{one.pk}/cancel/")

    assert (held.status_code, cancelled.status_code) == (404, 404)
    one.refresh_from_db()
    assert one.status == "proposed"
    assert f"one-to-one-{one.pk}" not in client.get(ONE_TO_ONES).content.decode()


def test_the_one_to_ones_page_costs_the_same_with_more_rows(cast, django_assert_max_num_queries):
    client = cast.client("member")

    def grow(to):
        while OneToOne.objects.count() < to:
            services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)

    grow(3)
    with django_assert_max_num_queries(9):
        assert client.get(ONE_TO_ONES).status_code == 200
    grow(12)
    with django_assert_max_num_queries(9):
        body = client.get(ONE_TO_ONES).content.decode()
    assert len(re.findall(r'id="one-to-one-\d+"', body)) == 12


# --- connections and follow-ups -----------------------------------------------------------


def test_a_member_notes_someone_met_by_name(cast):
    response = cast.client("member").post(
        CONNECTIONS,
        {
            "name": "Paola Fiera",
            "company": "Fiera Srl",
            "email": "paola@example.net",
            "where": "introduction",
            "group": cast.group.pk,
            "met_on": "2026-03-09",
        },
    )

    assert response.status_code == 302
    connection = Connection.objects.get()
    assert (connection.owner, connection.group, connection.where) == (
        cast.member,
        cast.group,
        "introduction",
    )
    assert connection.follow_up_due == datetime.date(2026, 3, 16)


def test_a_connection_needs_someone_and_a_past_day(cast):
    client = cast.client("member")

    nobody = client.post(CONNECTIONS, {"where": "elsewhere", "met_on": "2026-03-09"})
    future = client.post(
        CONNECTIONS, {"name": "Paola", "where": "elsewhere", "met_on": "2026-03-11"}
    )
    stranger = client.post(
        CONNECTIONS, {"person": cast.outsider.pk, "where": "elsewhere", "met_on": "2026-03-09"}
    )

    assert "Choose a member or type the name" in nobody.content.decode()
    assert "cannot be in the future" in future.content.decode()
    assert "Select a valid choice" in stranger.content.decode()
    assert not Connection.objects.exists()


def test_follow_ups_list_overdue_first_and_a_tap_marks_one_done(cast):
    later = note(cast.member, "Later Larry", met_on=TODAY - DAY)
    overdue = note(cast.member, "Overdue Olga", met_on=TODAY - 20 * DAY)
    client = cast.client("member")

    page = client.get(CONNECTIONS).content.decode()
    section = page[page.index('id="follow-ups"') : page.index('id="add-connection"')]
    assert section.index("Overdue Olga") < section.index("Later Larry")

    response = client.post(
        f"{CONNECTIONS}{overdue.pk}/follow-up/", {}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    row = response.content.decode()
    assert row.startswith(f'<tr id="follow-up-{overdue.pk}"') and 'data-state="done"' in row
    overdue.refresh_from_db()
    assert (overdue.followed_up_on, overdue.followed_up_via) == (TODAY, "done")
    later.refresh_from_db()
    assert later.followed_up_on is None


def test_marking_done_twice_says_so_and_changes_nothing(cast):
    connection = note(cast.member)
    client = cast.client("member")
    client.post(f"{CONNECTIONS}{connection.pk}/follow-up/", {"on": "2026-03-08"})

    again = client.post(f"{CONNECTIONS}{connection.pk}/follow-up/", {}, follow=True)

    assert "done already" in again.content.decode()
    connection.refresh_from_db()
    assert connection.followed_up_on == datetime.date(2026, 3, 8)


@pytest.mark.parametrize("who", ["outsider", "leader", "owner"])
def test_a_connection_is_its_owners_only(cast, who):
    """Not the person met, not a leader of the group."""
    connection = note(cast.member, person=cast.leader, group=cast.group)
    client = cast.client(who)

    assert client.get(f"{CONNECTIONS}{connection.pk}/").status_code == 404
    assert client.post(f"{CONNECTIONS}{connection.pk}/follow-up/").status_code == 404
    connection.refresh_from_db()
    assert connection.followed_up_on is None
    assert f'id="connection-{connection.pk}"' not in client.get(CONNECTIONS).content.decode()
    assert cast.client("member").get(f"{CONNECTIONS}{connection.pk}/").status_code == 200


def test_the_connections_page_costs_the_same_with_more_rows(cast, django_assert_max_num_queries):
    client = cast.client("member")
    meeting = meeting_of(cast.group, TODAY - 3 * DAY)
    checked_in(meeting, cast.member)

    def grow(to):
        while Connection.objects.count() < to:
            n = Connection.objects.count()
            note(cast.member, f"Person {n}", group=cast.group if n % 2 else None)

    grow(3)
    with django_assert_max_num_queries(11):
        assert client.get(CONNECTIONS).status_code == 200
    grow(12)
    with django_assert_max_num_queries(11):
        body = client.get(CONNECTIONS).content.decode()
    assert len(re.findall(r'id="connection-\d+"', body)) == 12
    assert len(re.findall(r'id="follow-up-\d+"', body)) == 12


# --- people I met after a meeting ---------------------------------------------------------


def test_people_met_is_prefilled_and_confirmed_in_one_tap(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.leader, cast.owner)
    client = cast.client("member")
    url = f"/ledger/meetings/{meeting.pk}/people-met/"

    page = client.get(url).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="people" value="(\d+)"[^>]*checked', page)
    assert sorted(map(int, ticked)) == sorted([cast.leader.pk, cast.owner.pk])
    assert "Leo Leader" in page and "Olivia Owner" in page
    assert "Mia Member" not in page.split('id="people-met-form"')[1]

    client.post(url, {"people": [cast.leader.pk, cast.owner.pk]})
    client.post(url, {"people": [cast.leader.pk, cast.owner.pk]})

    assert Connection.objects.filter(owner=cast.member, meeting=meeting).count() == 2
    assert 'id="already-noted"' in client.get(url).content.decode()


def test_people_met_needs_someone_ticked(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.leader)

    response = cast.client("member").post(f"/ledger/meetings/{meeting.pk}/people-met/", {})

    assert response.status_code == 200 and "Tick at least one person." in response.content.decode()
    assert not Connection.objects.exists()


def test_people_met_tells_someone_who_was_not_there(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.leader)
    client = cast.client("member")
    url = f"/ledger/meetings/{meeting.pk}/people-met/"

    page = client.get(url)
    client.post(url, {"people": [cast.leader.pk]})

    assert page.status_code == 200 and 'id="not-there"' in page.content.decode()
    assert not Connection.objects.exists()


def test_people_met_of_a_meeting_one_cannot_see_is_404(cast):
    meeting = meeting_of(cast.group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.leader)
    url = f"/ledger/meetings/{meeting.pk}/people-met/"

    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("outsider").post(url, {"people": [cast.leader.pk]}).status_code == 404
    assert not Connection.objects.exists()


def test_the_meeting_page_links_people_met_for_attendees_and_the_rate_for_leaders(cast):
    add_member(cast.public_group, cast.member)
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member)
    url = f"/meetings/{meeting.pk}/"

    attendee = cast.client("member").get(url).content.decode()
    absentee = cast.client("leader").get(url).content.decode()
    organiser = cast.client("owner").get(url).content.decode()

    assert 'id="people-met-link"' in attendee and 'id="follow-up-rate-link"' not in attendee
    assert 'id="people-met-link"' not in absentee
    assert 'id="follow-up-rate-link"' in organiser


# --- leaders' rates -----------------------------------------------------------------------


def test_leaders_see_an_events_follow_up_counts_without_names(cast):
    meeting = meeting_of(cast.public_group, TODAY - 10 * DAY, title="Trade show")
    checked_in(meeting, cast.member, cast.leader, cast.visitor)
    made = services.confirm_people_met(
        cast.member, meeting, person_ids=[cast.leader.pk, cast.visitor.pk]
    )
    services.mark_followed_up(made[0], actor=cast.member, on=TODAY - 9 * DAY)
    url = f"/ledger/meetings/{meeting.pk}/follow-ups/"

    response = cast.client("owner").get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert '<td class="made">2</td>' in body and '<td class="in-time">1</td>' in body
    assert "50%" in body
    for name in ("Leo Leader", "Victor Visitor", "Mia Member"):
        assert name not in body
    assert cast.client("member").get(url).status_code == 403


def test_leaders_see_their_groups_follow_up_rate(cast):
    note(cast.member, person=cast.leader, group=cast.group)
    url = f"/ledger/groups/{cast.group.slug}/follow-ups/"

    response = cast.client("leader").get(url)

    body = response.content.decode()
    assert response.status_code == 200 and '<td class="made">1</td>' in body
    assert "Leo Leader" not in body.split('id="group-rate"')[1]
    assert "Mia Member" not in body
    assert cast.client("member").get(url).status_code == 403
    assert cast.client("outsider").get(url).status_code == 404


def test_an_events_rate_of_a_private_group_is_404_to_outsiders(cast):
    meeting = meeting_of(cast.group, TODAY - DAY)

    response = cast.client("outsider").get(f"/ledger/meetings/{meeting.pk}/follow-ups/")

    assert response.status_code == 404

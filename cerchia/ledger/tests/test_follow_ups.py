"""Connections and their follow-ups: the due date from the group's window, completion by any
interaction between the two people, the "people I met" list after a meeting, follow-up rates
and the daily digest."""

from __future__ import annotations

import datetime

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.daily import run_daily
from cerchia.ledger import services
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.reminders import send_follow_up_digest
from cerchia.ledger.selectors_people import (
    follow_ups_of,
    group_follow_up_by_event,
    group_follow_up_rate,
    meeting_follow_up_rate,
    user_follow_up_rate,
)
from cerchia.ledger.services import LedgerError
from cerchia.ledger.tests.people_helpers import TODAY, checked_in, meeting_of, on, present
from cerchia.notices.models import Notice

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def met(cast, owner, person=None, *, group=None, met_on=TODAY, name=""):
    return services.record_connection(
        owner,
        where=Connection.Where.ELSEWHERE,
        person=person,
        name=name,
        group=group,
        met_on=met_on,
    )


def reloaded(connection):
    return Connection.objects.get(pk=connection.pk)


# --- the due date -------------------------------------------------------------------------


def test_a_lead_group_connection_is_due_seven_days_after_meeting(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group)

    assert connection.follow_up_due == TODAY + 7 * DAY
    assert connection.name == "Leo Leader"  # the person's name, not their email
    assert connection.followed_up_on is None


def test_an_event_network_connection_is_due_after_three_days(cast):
    add_member(cast.public_group, cast.member)
    connection = met(cast, cast.member, name="Paola Fiera", group=cast.public_group)

    assert connection.follow_up_due == TODAY + 3 * DAY


def test_a_group_override_of_the_window_changes_the_due_date(cast):
    cast.group.rule_overrides = {"follow_up_days": 10}
    cast.group.save(update_fields=["rule_overrides"])

    connection = met(cast, cast.member, cast.leader, group=cast.group)

    assert connection.follow_up_due == TODAY + 10 * DAY


def test_a_connection_at_a_meeting_takes_the_meeting_day_and_its_group_window(cast):
    meeting = meeting_of(cast.public_group, TODAY - 2 * DAY)
    checked_in(meeting, cast.member, cast.owner)

    connection = services.record_connection(
        cast.member, where=Connection.Where.ELSEWHERE, person=cast.owner, meeting=meeting
    )

    assert (connection.met_on, connection.follow_up_due) == (TODAY - 2 * DAY, TODAY + DAY)
    assert (connection.group, connection.where) == (cast.public_group, "meeting")


def test_an_account_is_linked_only_to_someone_one_knows(cast):
    with pytest.raises(LedgerError, match="share no group"):
        met(cast, cast.member, cast.outsider)

    assert not Connection.objects.exists()


def test_someone_not_checked_in_cannot_be_linked_to_a_meeting(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member)

    with pytest.raises(LedgerError, match="was not checked in"):
        services.record_connection(
            cast.member, where="meeting", person=cast.leader, meeting=meeting
        )

    assert not Connection.objects.exists()


# --- completion by any interaction --------------------------------------------------------


def test_a_referral_between_the_two_completes_the_follow_up(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group, met_on=TODAY - 2 * DAY)

    services.record_referral(
        cast.member, prospect_name="Bianchi Srl", receiver=cast.leader, group=cast.group
    )

    done = reloaded(connection)
    assert (done.followed_up_on, done.followed_up_via) == (TODAY, "referral")


def test_a_referral_from_the_other_person_completes_it_too(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group)

    services.record_referral(
        cast.leader, prospect_name="Rossi Spa", receiver=cast.member, group=cast.group
    )

    assert reloaded(connection).followed_up_via == "referral"


def test_a_held_one_to_one_completes_the_follow_up_but_a_proposal_does_not(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group, met_on=TODAY - DAY)

    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    assert reloaded(connection).followed_up_on is None

    services.hold_one_to_one(one, actor=cast.leader, held_on=TODAY)

    done = reloaded(connection)
    assert (done.followed_up_on, done.followed_up_via) == (TODAY, "one_to_one")


def test_closed_business_between_the_two_completes_the_follow_up(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group, met_on=TODAY - DAY)

    services.record_closed_business(
        cast.leader, giver=cast.member, group=cast.group, amount_minor=150_000
    )

    assert reloaded(connection).followed_up_via == "closed_business"


def test_marking_done_by_hand_completes_it(cast):
    connection = met(cast, cast.member, name="Paola Fiera", met_on=TODAY - 3 * DAY)

    services.mark_followed_up(connection, actor=cast.member, on=TODAY - DAY)

    done = reloaded(connection)
    assert (done.followed_up_on, done.followed_up_via) == (TODAY - DAY, "done")
    with pytest.raises(LedgerError, match="done already"):
        services.mark_followed_up(done, actor=cast.member)


def test_a_follow_up_cannot_be_dated_before_the_meeting_or_in_the_future(cast):
    connection = met(cast, cast.member, name="Paola Fiera", met_on=TODAY - DAY)

    with pytest.raises(LedgerError, match="before the meeting"):
        services.mark_followed_up(connection, actor=cast.member, on=TODAY - 2 * DAY)
    with pytest.raises(LedgerError, match="future"):
        services.mark_followed_up(connection, actor=cast.member, on=TODAY + DAY)

    assert reloaded(connection).followed_up_on is None


def test_an_interaction_with_someone_else_completes_nothing(cast):
    connection = met(cast, cast.member, cast.leader, group=cast.group)

    services.record_referral(
        cast.member, prospect_name="Bianchi Srl", receiver=cast.owner, group=cast.group
    )
    one = services.propose_one_to_one(cast.member, partner=cast.owner, group=cast.group)
    services.hold_one_to_one(one, actor=cast.owner)
    services.record_closed_business(
        cast.owner, giver=cast.member, group=cast.group, amount_minor=5_000
    )

    assert reloaded(connection).followed_up_on is None
    assert list(follow_ups_of(cast.member)) == [connection]


# --- the "people I met" list --------------------------------------------------------------


def test_people_met_prefills_the_co_attendees_only(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    latecomer = make_user("late@example.org", "Lia Late")
    checked_in(meeting, cast.member, cast.leader, cast.owner)
    present(meeting, latecomer, status="late")
    present(meeting, cast.visitor, status="absent")
    # Registered but never checked in at the door.
    meeting.registrations.create(
        user=cast.outsider, name="Oscar", audience="non_member", status="registered"
    )

    candidates = services.people_met_candidates(cast.member, meeting)

    assert set(candidates) == {cast.leader, cast.owner, latecomer}


def test_confirming_people_met_creates_their_connections_once(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.leader, cast.owner)
    chosen = [cast.leader.pk, cast.owner.pk]

    made = services.confirm_people_met(cast.member, meeting, person_ids=chosen)
    again = services.confirm_people_met(cast.member, meeting, person_ids=chosen)

    assert again == []
    assert {c.person for c in made} == {cast.leader, cast.owner}
    assert Connection.objects.filter(owner=cast.member).count() == 2
    assert {c.follow_up_due for c in made} == {TODAY + 2 * DAY}  # event network: 3 days
    assert services.people_met_candidates(cast.member, meeting) == []


def test_confirming_someone_who_was_not_there_saves_nothing(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.member, cast.leader)

    with pytest.raises(LedgerError, match="not checked in"):
        services.confirm_people_met(
            cast.member, meeting, person_ids=[cast.leader.pk, cast.outsider.pk]
        )

    assert not Connection.objects.exists()


def test_someone_who_was_not_there_cannot_confirm(cast):
    meeting = meeting_of(cast.public_group, TODAY - DAY)
    checked_in(meeting, cast.leader)

    with pytest.raises(LedgerError, match="You were not checked in"):
        services.confirm_people_met(cast.member, meeting, person_ids=[cast.leader.pk])

    assert not Connection.objects.exists()


# --- follow-up rates ----------------------------------------------------------------------


@pytest.fixture
def scenario(cast):
    """A trade show ten days ago (due after 3 days) and one connection made in the group
    today, away from any event."""
    show_day = TODAY - 10 * DAY
    show = meeting_of(cast.public_group, show_day, title="Trade show")
    guest = make_user("guest@example.org", "Gina Guest")
    checked_in(show, cast.member, cast.leader, cast.owner, guest)
    in_time, late, missed = services.confirm_people_met(
        cast.member, show, person_ids=[cast.leader.pk, cast.owner.pk, guest.pk]
    )
    services.mark_followed_up(in_time, actor=cast.member, on=show_day + 2 * DAY)
    services.mark_followed_up(late, actor=cast.member, on=show_day + 5 * DAY)
    [theirs] = services.confirm_people_met(cast.leader, show, person_ids=[cast.member.pk])
    services.mark_followed_up(theirs, actor=cast.leader, on=show_day + 3 * DAY)
    add_member(cast.public_group, cast.member)
    met(cast, cast.member, name="Paola Fiera", group=cast.public_group)  # still within
    return show


def test_the_follow_up_rate_of_an_event(cast, scenario, django_assert_num_queries):
    with django_assert_num_queries(1):
        rate = meeting_follow_up_rate(scenario)

    assert (rate.made, rate.in_time, rate.late, rate.missed, rate.pending) == (4, 2, 1, 1, 0)
    assert (rate.rate, rate.percent) == (0.5, 50)


def test_the_follow_up_rate_of_a_group_and_its_events(cast, scenario, django_assert_num_queries):
    with django_assert_num_queries(2):
        rate = group_follow_up_rate(cast.public_group)
        [event] = group_follow_up_by_event(cast.public_group)

    assert (rate.made, rate.in_time, rate.late, rate.missed, rate.pending) == (5, 2, 1, 1, 1)
    assert rate.percent == 40
    assert (event.meeting_id, event.title, event.rate.made, event.rate.in_time) == (
        scenario.pk,
        "Trade show",
        4,
        2,
    )
    # A period before the show counts nothing.
    assert group_follow_up_rate(cast.public_group, date_to=TODAY - 11 * DAY).made == 0


def test_the_follow_up_rate_of_a_person(cast, scenario):
    mine = user_follow_up_rate(cast.member)
    theirs = user_follow_up_rate(cast.leader)

    assert (mine.made, mine.in_time, mine.late, mine.missed, mine.pending) == (4, 1, 1, 1, 1)
    assert (theirs.made, theirs.in_time, theirs.rate) == (1, 1, 1.0)
    assert user_follow_up_rate(cast.outsider).rate is None


# --- the daily digest ---------------------------------------------------------------------


def digests(user):
    return list(Notice.objects.filter(user=user, kind="ledger.follow_ups_due").order_by("pk"))


def test_the_digest_names_the_follow_ups_due_once_a_day(cast):
    overdue = met(cast, cast.member, name="Anna Overdue", met_on=TODAY - 20 * DAY)
    met(cast, cast.member, name="Bruno Today", met_on=TODAY - 14 * DAY)  # informal: 14 days
    met(cast, cast.member, name="Carla Later", met_on=TODAY - DAY)  # not due yet
    met(cast, cast.leader, name="Done Already", met_on=TODAY - 20 * DAY)
    services.mark_followed_up(
        Connection.objects.get(name="Done Already"), actor=cast.leader, on=TODAY
    )

    first = run_daily(TODAY)
    second = run_daily(TODAY)

    [notice] = digests(cast.member)
    assert notice.params == {"count": "2", "names": "Anna Overdue, Bruno Today"}
    assert notice.key == f"followups:{cast.member.pk}:{TODAY.isoformat()}"
    assert (first["follow_up_digests"], second["follow_up_digests"]) == (1, 0)
    assert digests(cast.leader) == []

    # The next day the open ones come back, until they are done.
    services.mark_followed_up(overdue, actor=cast.member, on=TODAY)
    with on(TODAY + DAY):
        send_follow_up_digest(TODAY + DAY)
    assert [n.params["names"] for n in digests(cast.member)] == [
        "Anna Overdue, Bruno Today",
        "Bruno Today",
    ]


def test_the_digest_names_five_people_then_an_ellipsis(cast, django_assert_max_num_queries):
    for n in range(7):
        met(cast, cast.owner, name=f"Person {n}", met_on=TODAY - 20 * DAY)
    for n in range(3):
        met(cast, cast.member, name=f"Other {n}", met_on=TODAY - 20 * DAY)

    # One query finds who is due, one loads them, then one notice each.
    with django_assert_max_num_queries(2 + 2 * 3):
        summary = send_follow_up_digest(TODAY)

    [notice] = digests(cast.owner)
    assert notice.params == {
        "count": "7",
        "names": "Person 0, Person 1, Person 2, Person 3, Person 4, …",
    }
    assert summary == {"follow_up_digests": 2}


def test_one_to_ones_held_need_a_date(cast):
    one = services.propose_one_to_one(cast.member, partner=cast.leader)

    with pytest.raises(LedgerError, match="future"):
        services.hold_one_to_one(one, actor=cast.member, held_on=TODAY + DAY)

    assert OneToOne.objects.get(pk=one.pk).status == "proposed"

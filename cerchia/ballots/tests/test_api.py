"""Ballots in the API: each route for the right people only, errors as {"detail": ...} that
change nothing, results only when the caller may see them, and a list of constant cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.ballots.models import Ballot, Vote
from cerchia.ballots.services import cast_vote, create_ballot
from cerchia.ballots.tests.conftest import AFTER, CLOSES, TODAY, at, ballot_audit, option, snapshot
from cerchia.dues.tests.conftest import on
from cerchia.groups.tests.helpers import api_client, send_json

API = "/api/v1/groups"


def routes(group, ballot):
    base = f"{API}/{group.pk}/ballots"
    return {
        "list": ("get", base, None),
        "create": (
            "post",
            base,
            {"question": "Q?", "options": ["A", "B"], "closes_at": "2026-03-20T18:00"},
        ),
        "detail": ("get", f"{base}/{ballot.pk}", None),
        "vote": ("post", f"{base}/{ballot.pk}/votes", {"option_id": option(ballot, "Yes")}),
        "cancel": ("post", f"{base}/{ballot.pk}/cancel", None),
    }


def call(client, route):
    method, url, body = route
    return send_json(client, method, url, body)


@pytest.fixture
def chapter_ballot(cast):
    with on(TODAY):
        return create_ballot(
            cast.group,
            actor=cast.leader,
            question="Meet at 7?",
            options=["Yes", "No"],
            closes_at=CLOSES,
        )


# --- Who may call what ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "create", "detail", "vote", "cancel"])
def test_every_route_is_not_found_for_a_group_one_may_not_see(cast, chapter_ballot, name):
    before = snapshot()

    with on(TODAY, 15):
        response = call(cast.api("outsider"), routes(cast.group, chapter_ballot)[name])

    assert response.status_code == 404
    assert response.json() == {"detail": "No such group"}
    assert snapshot() == before


@pytest.mark.parametrize("name", ["list", "create", "detail", "vote", "cancel"])
def test_every_route_is_forbidden_to_outsiders_of_a_visible_group(voters, name):
    before = snapshot()

    with on(TODAY, 15):
        response = call(
            api_client(voters.outsider), routes(voters.chamber.group, voters.ballot)[name]
        )

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert snapshot() == before


def test_every_route_needs_credentials(voters):
    for name, route in routes(voters.chamber.group, voters.ballot).items():
        response = call(Client(), route)
        assert response.status_code == 401, name
    assert not Vote.objects.exists()


@pytest.mark.parametrize("name", ["create", "cancel"])
def test_members_may_not_create_or_cancel(voters, name):
    before = snapshot()

    with on(TODAY, 15):
        response = call(
            api_client(voters.member), routes(voters.chamber.group, voters.ballot)[name]
        )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only the group's administrators may do this")
    assert snapshot() == before


def test_a_ballot_of_another_group_is_not_found(voters, chapter_ballot):
    url = f"{API}/{voters.chamber.group.pk}/ballots/{chapter_ballot.pk}"

    response = api_client(voters.owner).get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such ballot"}


# --- Voting ---------------------------------------------------------------------------------


def test_a_member_votes_once_and_sees_their_vote(voters):
    route = routes(voters.chamber.group, voters.ballot)
    client = api_client(voters.member)

    with on(TODAY, 15):
        first = call(client, route["vote"])
        second = send_json(
            client, "post", route["vote"][1], {"option_id": option(voters.ballot, "No")}
        )

    assert first.status_code == 201
    body = first.json()
    assert body["my_vote"] == option(voters.ballot, "Yes")
    assert body["voted"] is True and body["can_vote"] is False
    assert body["results"] is None  # open: members wait for the close
    assert body["vote_count"] is None
    assert second.status_code == 400
    assert second.json() == {
        "detail": "You have already voted on this ballot: each member votes once."
    }
    assert Vote.objects.get().option.label == "Yes"


GOOD_STANDING = "Only members in good standing may vote: "


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("lapsed", GOOD_STANDING + "your membership has lapsed — renew to vote."),
        (
            "overdue",
            GOOD_STANDING
            + "you have a payment overdue beyond the grace period — settle it to vote.",
        ),
        ("pending", GOOD_STANDING + "your first dues are not paid yet — pay them to vote."),
        (
            "associate",
            "Only full members vote: associate members take part in everything else, "
            "but do not vote.",
        ),
        ("applicant", GOOD_STANDING + "your membership has not begun yet."),
        ("former", GOOD_STANDING + "you are no longer a member of this group."),
        ("outsider", GOOD_STANDING + "you are not a member of this group."),
    ],
)
def test_who_may_not_vote_is_refused_with_the_reason(voters, who, message):
    before = snapshot()

    with on(TODAY, 15):
        response = call(
            api_client(getattr(voters, who)), routes(voters.chamber.group, voters.ballot)["vote"]
        )

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert snapshot() == before


def test_a_member_who_may_not_vote_reads_why_on_the_ballot(voters):
    with on(TODAY, 15):
        body = (
            api_client(voters.lapsed)
            .get(routes(voters.chamber.group, voters.ballot)["detail"][1])
            .json()
        )

    assert body["can_vote"] is False
    assert body["why_not"].endswith("your membership has lapsed — renew to vote.")


@pytest.mark.parametrize(
    ("moment", "message"),
    [(at(TODAY, 11), "opens on"), (at(AFTER), "closed on")],
)
def test_votes_outside_the_opening_hours_are_refused(voters, moment, message):
    import time_machine

    with time_machine.travel(moment, tick=False):
        response = call(
            api_client(voters.member), routes(voters.chamber.group, voters.ballot)["vote"]
        )

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Vote.objects.exists()


def test_an_unknown_option_is_refused(voters):
    url = routes(voters.chamber.group, voters.ballot)["vote"][1]

    with on(TODAY, 15):
        response = send_json(api_client(voters.member), "post", url, {"option_id": 999999})

    assert response.status_code == 400
    assert response.json() == {"detail": "Choose one of this ballot's options."}
    assert not Vote.objects.exists()


# --- Reading --------------------------------------------------------------------------------


def _vote(voters, who, label):
    with on(TODAY, 15):
        cast_vote(voters.ballot, voter=getattr(voters, who), option_id=option(voters.ballot, label))


def test_members_read_the_results_once_closed(voters):
    _vote(voters, "member", "Yes")
    _vote(voters, "grace", "No")
    url = routes(voters.chamber.group, voters.ballot)["detail"][1]

    with on(TODAY, 16):
        during = api_client(voters.lapsed).get(url).json()
    with on(AFTER):
        after = api_client(voters.lapsed).get(url).json()

    assert during["results"] is None and during["state"] == "open"
    assert after["state"] == "closed"
    assert after["vote_count"] == 2
    assert after["results"] == {
        "options": [
            {
                "option_id": option(voters.ballot, "Yes"),
                "label": "Yes",
                "votes": 1,
                "percent": 50.0,
            },
            {"option_id": option(voters.ballot, "No"), "label": "No", "votes": 1, "percent": 50.0},
            {
                "option_id": option(voters.ballot, "Abstain"),
                "label": "Abstain",
                "votes": 0,
                "percent": 0.0,
            },
        ],
        "votes": 2,
        "electorate": 5,
        "turnout_percent": 40.0,
        "counted_on": "2026-03-17",
    }
    assert after["votes"] is None  # secret: nobody sees who voted what


def test_administrators_read_the_count_while_open_but_never_who_voted_on_a_secret_ballot(voters):
    _vote(voters, "member", "Yes")

    with on(TODAY, 16):
        body = (
            api_client(voters.owner)
            .get(routes(voters.chamber.group, voters.ballot)["detail"][1])
            .json()
        )

    assert body["results"]["votes"] == 1
    assert body["vote_count"] == 1
    assert body["votes"] is None
    assert set(body["results"]) == {
        "options",
        "votes",
        "electorate",
        "turnout_percent",
        "counted_on",
    }
    assert all(
        set(row) == {"option_id", "label", "votes", "percent"} for row in body["results"]["options"]
    )


def test_administrators_read_each_vote_of_a_ballot_that_is_not_secret(voters):
    group = voters.chamber.group
    with on(TODAY):
        ballot = create_ballot(
            group,
            actor=voters.owner,
            question="Elect Tina?",
            options=["Yes", "No"],
            closes_at=CLOSES,
            secret=False,
        )
    with on(TODAY, 15):
        cast_vote(ballot, voter=voters.member, option_id=option(ballot, "No"))
    url = f"{API}/{group.pk}/ballots/{ballot.pk}"

    with on(AFTER):
        owner = api_client(voters.owner).get(url).json()
        member = api_client(voters.grace).get(url).json()

    assert [(v["voter"], v["name"], v["option_id"]) for v in owner["votes"]] == [
        (voters.member.pk, "Mia Member", option(ballot, "No"))
    ]
    assert member["votes"] is None
    assert member["results"]["votes"] == 1


def test_the_list_splits_open_and_closed_ballots(voters):
    group = voters.chamber.group
    with on(TODAY - dt.timedelta(days=30)):
        old = create_ballot(
            group,
            actor=voters.owner,
            question="Old",
            options=["A", "B"],
            closes_at=at(TODAY - dt.timedelta(days=20)),
        )
    _vote(voters, "member", "Yes")
    client = api_client(voters.member)

    with on(TODAY, 16):
        open_list = client.get(f"{API}/{group.pk}/ballots").json()
        closed_list = client.get(f"{API}/{group.pk}/ballots", {"show": "closed"}).json()
        bad = client.get(f"{API}/{group.pk}/ballots", {"show": "everything"})

    assert open_list["count"] == 1
    item = open_list["items"][0]
    assert item["id"] == voters.ballot.pk and item["state"] == "open" and item["voted"] is True
    assert item["vote_count"] is None
    assert [o["label"] for o in item["options"]] == ["Yes", "No", "Abstain"]
    assert [b["id"] for b in closed_list["items"]] == [old.pk]
    assert closed_list["items"][0]["vote_count"] == 0
    assert bad.status_code == 422


def test_the_list_costs_the_same_queries_for_3_or_30_ballots(voters):
    group = voters.chamber.group
    client = api_client(voters.member)

    def make(count):
        with on(TODAY):
            for i in range(count):
                ballot = create_ballot(
                    group,
                    actor=voters.owner,
                    question=f"Q{i}",
                    options=["A", "B", "C"],
                    closes_at=CLOSES,
                )
                cast_vote(ballot, voter=voters.member, option_id=option(ballot, "A"))

    def measure():
        with on(TODAY, 15), CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{group.pk}/ballots")
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    make(2)
    measure()  # the token's first use of the day is recorded once
    few, count_few = measure()
    make(27)
    many, count_many = measure()

    assert (count_few, count_many) == (3, 30)
    assert many == few, (few, many)


# --- Creating and cancelling ----------------------------------------------------------------


def test_administrators_create_a_ballot(voters):
    group = voters.chamber.group

    with on(TODAY, 15):
        response = send_json(
            api_client(voters.owner),
            "post",
            f"{API}/{group.pk}/ballots",
            {
                "question": "New venue?",
                "options": ["Palazzo", "Villa"],
                "closes_at": "2026-03-24T20:30:00+01:00",
                "secret": False,
            },
        )

    assert response.status_code == 201
    body = response.json()
    ballot = Ballot.objects.get(pk=body["id"])
    assert body["state"] == "open" and body["secret"] is False
    assert [o["label"] for o in body["options"]] == ["Palazzo", "Villa"]
    assert body["results"]["votes"] == 0 and body["votes"] == []
    assert ballot.closes_at == at(dt.date(2026, 3, 24), 20, 30)
    assert ballot_audit("ballots.ballot.created").filter(target_id=str(ballot.pk)).exists()


def test_a_bad_ballot_is_refused_with_the_reason_and_nothing_saved(voters):
    before = snapshot()

    with on(TODAY, 15):
        response = send_json(
            api_client(voters.owner),
            "post",
            f"{API}/{voters.chamber.group.pk}/ballots",
            {"question": "Q?", "options": ["Only one"], "closes_at": "2026-03-24T20:30"},
        )

    assert response.status_code == 400
    assert response.json() == {"detail": "A ballot needs 2 to 10 options; you gave 1."}
    assert snapshot() == before


def test_administrators_cancel_before_the_close_only(voters):
    route = routes(voters.chamber.group, voters.ballot)["cancel"]

    with on(AFTER):
        late = call(api_client(voters.owner), route)
    assert late.status_code == 400
    assert "result stands" in late.json()["detail"]
    with on(TODAY, 15):
        done = call(api_client(voters.owner), route)

    assert done.status_code == 200
    assert done.json()["state"] == "cancelled"
    assert done.json()["cancelled_at"] is not None
    assert ballot_audit("ballots.ballot.cancelled").count() == 1

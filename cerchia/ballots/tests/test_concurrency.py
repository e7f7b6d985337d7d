"""Two requests at the same moment cannot give one person two votes: the database holds it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from cerchia.accounts.models import User
from cerchia.ballots.models import Ballot, BallotOption, Vote
from cerchia.ballots.services import BallotError, cast_vote, create_ballot
from cerchia.conftest import add_member, make_user
from cerchia.groups.services import create_group
from cerchia.groups.tests.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")
@pytest.mark.parametrize("same_option", [True, False])
def test_two_votes_by_one_person_at_the_same_moment_count_once(same_option: bool) -> None:
    owner = make_user("owner@example.org")
    voter = make_user("voter@example.org")
    group = create_group(owner, name="Bologna Chamber", kind="chamber", join_policy="open")
    add_member(group, voter)
    ballot = create_ballot(
        group,
        actor=owner,
        question="Move the dinner?",
        options=["Yes", "No"],
        closes_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
    )
    yes, no = BallotOption.objects.filter(ballot=ballot).values_list("pk", flat=True)
    choices = iter([yes, yes] if same_option else [yes, no])
    lock = threading.Lock()

    def vote() -> Vote:
        with lock:
            choice = next(choices)
        return cast_vote(
            Ballot.objects.get(pk=ballot.pk), voter=User.objects.get(pk=voter.pk), option_id=choice
        )

    results = run_together(vote, 2)

    assert Vote.objects.filter(ballot=ballot, voter=voter).count() == 1
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], BallotError), results
    assert "already voted" in str(errors[0])
    winner = next(r for r in results if isinstance(r, Vote))
    assert Vote.objects.get(ballot=ballot, voter=voter).option_id == winner.option_id


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")
def test_many_members_voting_at_once_each_count_once() -> None:
    owner = make_user("owner@example.org")
    group = create_group(owner, name="Bologna Chamber", kind="chamber", join_policy="open")
    people = [make_user(f"voter{i}@example.org") for i in range(6)]
    for person in people:
        add_member(group, person)
    ballot = create_ballot(
        group,
        actor=owner,
        question="Move the dinner?",
        options=["Yes", "No"],
        closes_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
    )
    yes = BallotOption.objects.get(ballot=ballot, label="Yes").pk
    # Each person sends the vote twice at once: twelve requests in all.
    queue = iter([p.pk for p in people] * 2)
    lock = threading.Lock()

    def vote() -> Vote:
        with lock:
            voter_id = next(queue)
        return cast_vote(
            Ballot.objects.get(pk=ballot.pk), voter=User.objects.get(pk=voter_id), option_id=yes
        )

    results = run_together(vote, 12)

    assert Vote.objects.filter(ballot=ballot).count() == 6
    assert sorted(Vote.objects.filter(ballot=ballot).values_list("voter", flat=True)) == sorted(
        p.pk for p in people
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 6 and all(isinstance(e, BallotError) for e in errors), results

"""Results: counts per option and the turnout, whose denominator is worked out when shown —
the full members in good standing on the closing day, plus everyone who voted."""

from __future__ import annotations

import datetime as dt

from cerchia.ballots.selectors import ballot_results, electorate
from cerchia.ballots.services import cancel_ballot, cast_vote
from cerchia.ballots.tests.conftest import AFTER, CLOSES, TODAY, at, option
from cerchia.dues.tests.conftest import on
from cerchia.groups.models import Membership
from cerchia.groups.services import leave_group


def vote(voters, who, label, hour=15):
    with on(TODAY, hour):
        cast_vote(voters.ballot, voter=getattr(voters, who), option_id=option(voters.ballot, label))


def test_results_count_each_option_and_the_turnout(voters, django_assert_num_queries):
    vote(voters, "member", "Yes")
    vote(voters, "grace", "No")
    vote(voters, "owner", "Yes")

    with django_assert_num_queries(2):
        results = ballot_results(voters.ballot, now=at(AFTER))

    assert [(r.option.label, r.votes, r.percent) for r in results.options] == [
        ("Yes", 2, 66.7),
        ("No", 1, 33.3),
        ("Abstain", 0, 0.0),
    ]
    assert results.votes == 3
    # Owner, treasurer, committee, member and the member in grace: lapsed, overdue, pending,
    # associate, applicant and former members could not vote and do not count.
    assert results.electorate == 5
    assert results.turnout == 60.0
    assert results.counted_on == CLOSES.date()


def test_someone_who_voted_and_left_before_the_close_still_counts_in_the_turnout(voters):
    vote(voters, "member", "Yes")
    with on(TODAY, 15):
        cast_vote(
            voters.ballot, voter=voters.chamber.treasurer, option_id=option(voters.ballot, "No")
        )
    with on(TODAY + dt.timedelta(days=2)):
        leave_group(voters.chamber.group, voters.chamber.treasurer, reason="moved")

    results = ballot_results(voters.ballot, now=at(AFTER))

    assert results.votes == 2
    assert results.electorate == 5  # the treasurer left, but was in good standing to vote
    assert results.turnout == 40.0


def test_the_electorate_is_counted_on_the_closing_day(voters):
    """The member in grace on TODAY lapses before a later close: then they do not count."""
    ballot = voters.ballot

    assert electorate(ballot, dt.date(2026, 3, 17)) == 5
    assert electorate(ballot, dt.date(2026, 4, 1)) == 4  # grace (1 March + 30 days) is over


def test_while_open_the_count_so_far_is_taken_on_today(voters):
    vote(voters, "member", "Abstain")

    results = ballot_results(voters.ballot, now=at(TODAY, 16))

    assert results.counted_on == TODAY
    assert results.votes == 1 and results.electorate == 5


def test_a_cancelled_ballot_is_counted_on_the_day_it_was_cancelled(voters):
    with on(TODAY + dt.timedelta(days=1)):
        cancel_ballot(voters.ballot, actor=voters.owner)

    results = ballot_results(voters.ballot, now=at(AFTER))

    assert results.counted_on == TODAY + dt.timedelta(days=1)
    assert results.votes == 0
    assert [r.percent for r in results.options] == [0.0, 0.0, 0.0]


def test_nobody_to_vote_gives_no_turnout_rather_than_a_division_by_zero(voters):
    Membership.objects.filter(group=voters.chamber.group).update(
        category=Membership.Category.ASSOCIATE
    )

    results = ballot_results(voters.ballot, now=at(AFTER))

    assert results.electorate == 0
    assert results.turnout is None

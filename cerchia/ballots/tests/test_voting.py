"""Who may vote, when, and how often — at the service level. Refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.ballots.models import Vote
from cerchia.ballots.services import BallotError, cancel_ballot, cast_vote, create_ballot
from cerchia.ballots.tests.conftest import (
    AFTER,
    CLOSES,
    OPENS,
    TODAY,
    at,
    ballot_audit,
    option,
    snapshot,
)
from cerchia.conftest import add_member, make_user
from cerchia.dues.services import record_payment, renew
from cerchia.dues.tests.conftest import EXPIRES, on, paid_member
from cerchia.groups.models import Membership


def test_a_member_in_good_standing_votes_once(voters):
    ballot = voters.ballot

    with on(TODAY, 15):
        vote = cast_vote(ballot, voter=voters.member, option_id=option(ballot, "Yes"))

    assert vote.option.label == "Yes"
    assert Vote.objects.filter(ballot=ballot).count() == 1
    entry = ballot_audit("ballots.vote.cast").get()
    assert entry.actor == voters.member
    assert entry.target_id == str(ballot.pk)
    before = snapshot()
    with on(TODAY, 16), pytest.raises(BallotError, match="already voted"):
        cast_vote(ballot, voter=voters.member, option_id=option(ballot, "No"))
    assert snapshot() == before
    assert Vote.objects.get(ballot=ballot, voter=voters.member).option.label == "Yes"


def test_a_member_in_grace_is_still_in_good_standing_and_votes(voters):
    with on(TODAY, 15):
        cast_vote(voters.ballot, voter=voters.grace, option_id=option(voters.ballot, "No"))

    assert Vote.objects.filter(ballot=voters.ballot, voter=voters.grace).exists()


def test_administrators_and_members_without_dues_vote(voters):
    with on(TODAY, 15):
        for person in (voters.owner, voters.chamber.treasurer, voters.chamber.committee):
            cast_vote(voters.ballot, voter=person, option_id=option(voters.ballot, "Abstain"))

    assert Vote.objects.filter(ballot=voters.ballot).count() == 3


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("lapsed", "your membership has lapsed — renew to vote"),
        ("overdue", "you have a payment overdue beyond the grace period"),
        ("pending", "your first dues are not paid yet"),
        ("associate", "associate members take part in everything else, but do not vote"),
        ("applicant", "your membership has not begun yet"),
        ("former", "you are no longer a member of this group"),
        ("outsider", "you are not a member of this group"),
    ],
)
def test_only_full_members_in_good_standing_may_vote(voters, who, message):
    before = snapshot()

    with on(TODAY, 15), pytest.raises(BallotError) as refused:
        cast_vote(voters.ballot, voter=getattr(voters, who), option_id=option(voters.ballot, "Yes"))

    assert message in str(refused.value)
    assert snapshot() == before


def test_good_standing_is_checked_on_the_day_each_person_votes(voters):
    """Two members paid up to the same day: the one who votes within the grace days counts,
    the one who waits until after them is refused — until they renew and pay."""
    chamber = voters.chamber
    early = make_user("early@example.org")
    late = make_user("late@example.org")
    paid_member(chamber.group, early, chamber.yearly, EXPIRES)
    late_membership = paid_member(chamber.group, late, chamber.yearly, EXPIRES)
    with on(dt.date(2026, 6, 1)):
        summer = create_ballot(
            chamber.group,
            actor=chamber.owner,
            question="Summer break in August?",
            options=["Yes", "No"],
            closes_at=at(dt.date(2026, 9, 30)),
        )
    yes = option(summer, "Yes")

    with on(EXPIRES + dt.timedelta(days=20)):  # in grace
        cast_vote(summer, voter=early, option_id=yes)
    with on(EXPIRES + dt.timedelta(days=31)), pytest.raises(BallotError, match="lapsed"):
        cast_vote(summer, voter=late, option_id=yes)
    assert list(Vote.objects.filter(ballot=summer).values_list("voter", flat=True)) == [early.pk]

    day = EXPIRES + dt.timedelta(days=32)
    with on(day):
        late_membership.group = chamber.group
        invoice = renew(late_membership, actor=chamber.treasurer, today=day)
        record_payment(
            invoice, actor=chamber.treasurer, amount_minor=invoice.amount_minor, method="cash"
        )
        cast_vote(summer, voter=late, option_id=yes)
    assert Vote.objects.filter(ballot=summer).count() == 2


def test_votes_are_taken_only_while_the_ballot_is_open(voters):
    ballot = voters.ballot
    yes = option(ballot, "Yes")
    before = snapshot()

    with on(TODAY, 11), pytest.raises(BallotError, match="opens on"):
        cast_vote(ballot, voter=voters.member, option_id=yes)
    with on(AFTER), pytest.raises(BallotError, match="closed on"):
        cast_vote(ballot, voter=voters.member, option_id=yes)
    assert snapshot() == before

    with on(TODAY, 14):
        cancel_ballot(ballot, actor=voters.owner)
    with on(TODAY, 15), pytest.raises(BallotError, match="cancelled"):
        cast_vote(ballot, voter=voters.member, option_id=yes)
    assert not Vote.objects.exists()


def test_a_vote_must_name_an_option_of_this_ballot(voters):
    with on(TODAY):
        other = create_ballot(
            voters.chamber.group,
            actor=voters.owner,
            question="Another question",
            options=["A", "B"],
            closes_at=CLOSES,
        )

    with on(TODAY, 15), pytest.raises(BallotError, match="options"):
        cast_vote(voters.ballot, voter=voters.member, option_id=option(other, "A"))
    assert not Vote.objects.exists()


def test_a_secret_ballot_leaves_no_trace_of_the_choice_in_the_audit(voters):
    with on(TODAY):
        open_ballot = create_ballot(
            voters.chamber.group,
            actor=voters.owner,
            question="Elect Mia as treasurer?",
            options=["Yes", "No"],
            closes_at=CLOSES,
            secret=False,
        )
    with on(TODAY, 15):
        cast_vote(voters.ballot, voter=voters.member, option_id=option(voters.ballot, "No"))
        cast_vote(open_ballot, voter=voters.member, option_id=option(open_ballot, "No"))

    secret_entry = ballot_audit("ballots.vote.cast").get(target_id=str(voters.ballot.pk))
    open_entry = ballot_audit("ballots.vote.cast").get(target_id=str(open_ballot.pk))
    assert "option" not in secret_entry.data
    assert open_entry.data["option"] == option(open_ballot, "No")


# --- Creating and cancelling ----------------------------------------------------------------


def test_administrators_create_ballots_with_their_options_in_order(voters):
    ballot = voters.ballot

    assert [o.label for o in ballot.options.all()] == ["Yes", "No", "Abstain"]
    assert [o.position for o in ballot.options.all()] == [1, 2, 3]
    assert ballot.opens_at == OPENS and ballot.closes_at == CLOSES
    assert ballot.secret is True
    entry = ballot_audit("ballots.ballot.created").get()
    assert entry.actor == voters.owner
    assert entry.data == {"group": voters.chamber.group.pk, "options": 3, "secret": True}


@pytest.mark.parametrize("who", ["member", "treasurer", "outsider"])
def test_only_administrators_create_ballots(voters, who):
    actor = getattr(voters.chamber, who)
    before = snapshot()

    with on(TODAY), pytest.raises(BallotError, match="administrators"):
        create_ballot(
            voters.chamber.group, actor=actor, question="Q?", options=["A", "B"], closes_at=CLOSES
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"options": ["Only one"]}, "2 to 10 options"),
        ({"options": ["Yes", " ", ""]}, "2 to 10 options"),
        ({"options": [f"Option {i}" for i in range(11)]}, "2 to 10 options"),
        ({"options": ["Yes", "yes "]}, "Two options say the same"),
        ({"options": ["Yes", "x" * 201]}, "at most 200"),
        ({"question": "   "}, "question"),
        ({"closes_at": at(TODAY, 11)}, "close after it opens"),
        ({"opens_at": at(TODAY, 20), "closes_at": at(TODAY, 19)}, "close after it opens"),
        ({"closes_at": at(TODAY + dt.timedelta(days=400))}, "at most 366 days"),
    ],
)
def test_a_ballot_that_breaks_the_rules_is_refused_and_nothing_is_saved(voters, changes, message):
    fields = {"question": "Q?", "options": ["A", "B"], "closes_at": CLOSES} | changes
    before = snapshot()

    with on(TODAY), pytest.raises(BallotError, match=message):
        create_ballot(voters.chamber.group, actor=voters.owner, **fields)
    assert snapshot() == before


def test_a_ballot_opening_in_the_past_opens_now_and_local_times_are_the_groups(voters):
    with on(TODAY, 12):
        ballot = create_ballot(
            voters.chamber.group,
            actor=voters.owner,
            question="Q?",
            options=["A", "B"],
            opens_at=at(TODAY - dt.timedelta(days=3)),
            # No time zone given (as an API caller may send it): the group's (Rome).
            closes_at=dt.datetime(2026, 3, 20, 18, 0),
        )

    assert ballot.opens_at == at(TODAY, 12)
    assert ballot.closes_at == dt.datetime(2026, 3, 20, 17, 0, tzinfo=dt.UTC)


def test_groups_without_members_have_no_ballots(cast):
    from cerchia.groups.services import ensure_informal_network

    network = ensure_informal_network(cast.member)

    with on(TODAY), pytest.raises(BallotError):
        create_ballot(
            network, actor=cast.member, question="Q?", options=["A", "B"], closes_at=CLOSES
        )


def test_administrators_cancel_a_ballot_before_it_closes_and_votes_stay(voters):
    with on(TODAY, 15):
        cast_vote(voters.ballot, voter=voters.member, option_id=option(voters.ballot, "Yes"))
    with on(TODAY, 16):
        cancel_ballot(voters.ballot, actor=voters.owner)

    voters.ballot.refresh_from_db()
    assert voters.ballot.cancelled_at == at(TODAY, 16)
    assert Vote.objects.filter(ballot=voters.ballot).count() == 1
    entry = ballot_audit("ballots.ballot.cancelled").get()
    assert entry.actor == voters.owner and entry.data["votes"] == 1
    before = snapshot()
    with on(TODAY, 17), pytest.raises(BallotError, match="already cancelled"):
        cancel_ballot(voters.ballot, actor=voters.owner)
    assert snapshot() == before


def test_a_closed_ballot_stands(voters):
    before = snapshot()

    with on(AFTER), pytest.raises(BallotError, match="result stands"):
        cancel_ballot(voters.ballot, actor=voters.owner)
    assert snapshot() == before
    voters.ballot.refresh_from_db()
    assert voters.ballot.cancelled_at is None


@pytest.mark.parametrize("who", ["member", "treasurer", "outsider"])
def test_only_administrators_cancel(voters, who):
    before = snapshot()

    with on(TODAY, 15), pytest.raises(BallotError, match="administrators"):
        cancel_ballot(voters.ballot, actor=getattr(voters.chamber, who))
    assert snapshot() == before


def test_an_organisation_administrator_runs_ballots_but_does_not_vote_in_a_chapter(cast):
    """An administrator of the organisation runs its chapters without being their member."""
    boss = make_user("boss@example.org")
    add_member(cast.organisation, boss, role="administrator")
    with on(TODAY):
        ballot = create_ballot(
            cast.group, actor=boss, question="Q?", options=["A", "B"], closes_at=CLOSES
        )
        with pytest.raises(BallotError, match="not a member"):
            cast_vote(ballot, voter=boss, option_id=option(ballot, "A"))
        cast_vote(ballot, voter=cast.member, option_id=option(ballot, "A"))
    assert not Membership.objects.filter(group=cast.group, user=boss).exists()
    assert list(Vote.objects.filter(ballot=ballot).values_list("voter", flat=True)) == [
        cast.member.pk
    ]

"""Reads about ballots: the list as each person sees it, and results counted in SQL."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cerchia.ballots.models import Ballot, BallotOption, Vote
from cerchia.dues.selectors import good_standing_q
from cerchia.groups.access import Rights
from cerchia.groups.models import Membership

# The two halves of a group's ballots page.
SHOWS = ("open", "closed")


def ballot_list(
    rights: Rights, *, show: str = "open", now: datetime.datetime | None = None
) -> QuerySet[Ballot]:
    """A group's ballots, open (and not yet open) or over (closed and cancelled), each with
    ``vote_count`` and whether this person ``voted``: one query, whatever the number."""
    now = now or timezone.now()
    user = rights.membership.user_id if rights.membership is not None else None
    qs = Ballot.objects.filter(group=rights.group).annotate(
        vote_count=Count("votes"),
        voted=Exists(Vote.objects.filter(ballot=OuterRef("pk"), voter_id=user)),
    )
    if show == "closed":
        return qs.closed_at(now).order_by("-closes_at", "-pk")
    return qs.live().filter(closes_at__gt=now).order_by("closes_at", "pk")


def may_see_results(rights: Rights, ballot: Ballot, now: datetime.datetime | None = None) -> bool:
    """Administrators see the count at any time; members once the ballot has closed (never
    one that was cancelled)."""
    if rights.manager:
        return True
    now = now or timezone.now()
    return rights.active_member and ballot.state_at(now) == Ballot.State.CLOSED


@dataclass(frozen=True)
class OptionResult:
    option: BallotOption
    votes: int
    percent: float  # of the votes cast


@dataclass(frozen=True)
class Results:
    options: list[OptionResult]
    votes: int
    # Who could vote: full members in good standing on ``counted_on``, plus anyone who voted
    # (they were in good standing on the day they voted).
    electorate: int
    turnout: float | None  # percent; None when nobody could vote
    counted_on: datetime.date


def results_day(ballot: Ballot, now: datetime.datetime | None = None) -> datetime.date:
    """The day the electorate is counted on: the close, or today while the ballot is open
    (or the day it was cancelled)."""
    end = min(now or timezone.now(), ballot.closes_at)
    if ballot.cancelled_at is not None:
        end = min(end, ballot.cancelled_at)
    return timezone.localdate(end)


def electorate(ballot: Ballot, day: datetime.date) -> int:
    """How many could vote on ``ballot``: worked out when shown, in one query."""
    group = ballot.group
    voters = Vote.objects.filter(ballot=ballot).values("voter_id")
    eligible = good_standing_q(group, day) & Q(category=Membership.Category.FULL)
    return Membership.objects.filter(group=group).filter(eligible | Q(user_id__in=voters)).count()


def ballot_results(ballot: Ballot, now: datetime.datetime | None = None) -> Results:
    """Counts per option and the turnout: two queries."""
    options = list(
        BallotOption.objects.filter(ballot=ballot)
        .annotate(vote_count=Count("votes"))
        .order_by("position", "pk")
    )
    total = sum(option.vote_count for option in options)
    day = results_day(ballot, now)
    could = electorate(ballot, day)
    return Results(
        options=[
            OptionResult(
                option=option,
                votes=option.vote_count,
                percent=round(100 * option.vote_count / total, 1) if total else 0.0,
            )
            for option in options
        ],
        votes=total,
        electorate=could,
        turnout=round(100 * total / could, 1) if could else None,
        counted_on=day,
    )


def votes_by_voter(ballot: Ballot) -> QuerySet[Vote]:
    """Who voted what, for the administrators of a ballot that is not secret (callers check)."""
    return (
        Vote.objects.filter(ballot=ballot)
        .select_related("voter__profile", "option")
        .order_by("voter__profile__display_name", "pk")
    )


def my_vote(ballot: Ballot, user: Any) -> Vote | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Vote.objects.filter(ballot=ballot, voter=user).select_related("option").first()

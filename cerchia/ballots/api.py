"""Ballots in the API: list and create a group's ballots, read one (with its results when
the caller may see them), vote, cancel."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Router, Schema, Status

from cerchia.api.pagination import page
from cerchia.ballots import services
from cerchia.ballots.access import access_ballot, access_ballots, access_ballots_group, access_vote
from cerchia.ballots.models import Ballot
from cerchia.ballots.selectors import (
    ballot_list,
    ballot_results,
    may_see_results,
    my_vote,
    votes_by_voter,
)
from cerchia.groups.access import Rights, rights_in
from cerchia.lib.http import ApiRequest

router = Router(tags=["ballots"])


class OptionOut(Schema):
    id: int
    label: str
    position: int


class BallotOut(Schema):
    id: int
    group: int
    question: str
    description: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    cancelled_at: datetime.datetime | None
    secret: bool
    state: str  # upcoming, open, closed, cancelled
    options: list[OptionOut]
    vote_count: int | None  # null until the caller may see results
    voted: bool


class BallotPage(Schema):
    items: list[BallotOut]
    count: int


class OptionResultOut(Schema):
    option_id: int
    label: str
    votes: int
    percent: float


class ResultsOut(Schema):
    options: list[OptionResultOut]
    votes: int
    electorate: int
    turnout_percent: float | None
    counted_on: datetime.date


class VoterOut(Schema):
    voter: int
    name: str
    option_id: int
    cast_at: datetime.datetime


class BallotDetailOut(BallotOut):
    my_vote: int | None  # the option I chose
    can_vote: bool
    why_not: str  # why I may not vote, while the ballot is open and I have not voted
    results: ResultsOut | None
    votes: list[VoterOut] | None  # who voted what: administrators, ballots that are not secret


class BallotIn(Schema):
    question: str
    description: str = ""
    options: list[str]
    opens_at: datetime.datetime | None = None  # now when left out; local time of the group
    closes_at: datetime.datetime
    secret: bool = True


class VoteIn(Schema):
    option_id: int


def _summary(ballot: Ballot, rights: Rights, now: datetime.datetime) -> dict[str, Any]:
    counted = None
    if may_see_results(rights, ballot, now):
        # The list annotates the count in SQL; one ballot counts its votes here.
        counted = getattr(ballot, "vote_count", None)
        if counted is None:
            counted = ballot.votes.count()
    return {
        "id": ballot.pk,
        "group": ballot.group_id,
        "question": ballot.question,
        "description": ballot.description,
        "opens_at": ballot.opens_at,
        "closes_at": ballot.closes_at,
        "cancelled_at": ballot.cancelled_at,
        "secret": ballot.secret,
        "state": ballot.state_at(now),
        "options": list(ballot.options.all()),
        "vote_count": counted,
        "voted": bool(getattr(ballot, "voted", False)),
    }


def _detail(ballot: Ballot, rights: Rights, user: Any) -> dict[str, Any]:
    now = timezone.now()
    out = _summary(ballot, rights, now)
    mine = my_vote(ballot, user)
    why_not = ""
    if out["state"] == Ballot.State.OPEN and mine is None:
        if rights.membership is not None:
            rights.membership.group = rights.group
        why_not = services.why_cannot_vote(rights.membership, timezone.localdate(now))
    results = None
    if may_see_results(rights, ballot, now):
        counted = ballot_results(ballot, now)
        results = {
            "options": [
                {
                    "option_id": row.option.pk,
                    "label": row.option.label,
                    "votes": row.votes,
                    "percent": row.percent,
                }
                for row in counted.options
            ],
            "votes": counted.votes,
            "electorate": counted.electorate,
            "turnout_percent": counted.turnout,
            "counted_on": counted.counted_on,
        }
    voters = None
    if rights.manager and not ballot.secret:
        voters = [
            {
                "voter": vote.voter_id,
                "name": vote.voter.profile.display_name,
                "option_id": vote.option_id,
                "cast_at": vote.cast_at,
            }
            for vote in votes_by_voter(ballot)
        ]
    out.update(
        {
            "voted": mine is not None,
            "my_vote": mine.option_id if mine is not None else None,
            "can_vote": out["state"] == Ballot.State.OPEN and mine is None and not why_not,
            "why_not": why_not,
            "results": results,
            "votes": voters,
        }
    )
    return out


@router.get(
    "/groups/{group_id}/ballots",
    response=BallotPage,
    summary="A group's ballots (members and administrators): open and upcoming, or closed",
)
def list_ballots(
    request: ApiRequest,
    group_id: int,
    show: Literal["open", "closed"] = "open",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    rights = access_ballots(request.auth, group_id)
    now = timezone.now()
    qs = ballot_list(rights, show=show, now=now).prefetch_related("options")
    items, count = page(qs, limit, offset)
    return {"items": [_summary(ballot, rights, now) for ballot in items], "count": count}


@router.post(
    "/groups/{group_id}/ballots",
    response={201: BallotDetailOut},
    summary="Put a question to the members (administrators): 2 to 10 options",
)
def create_ballot(request: ApiRequest, group_id: int, payload: BallotIn) -> Status[dict[str, Any]]:
    group = access_ballots_group(request.auth, group_id, write=True)
    ballot = services.create_ballot(group, actor=request.auth, **payload.dict())
    return Status(201, _detail(ballot, rights_in(request.auth, group), request.auth))


@router.get(
    "/groups/{group_id}/ballots/{ballot_id}",
    response=BallotDetailOut,
    summary="One ballot, with my vote, whether I may vote, and the results when I may see them",
)
def get_ballot(request: ApiRequest, group_id: int, ballot_id: int) -> dict[str, Any]:
    rights = access_ballots(request.auth, group_id)
    return _detail(access_ballot(rights, ballot_id), rights, request.auth)


@router.post(
    "/groups/{group_id}/ballots/{ballot_id}/votes",
    response={201: BallotDetailOut},
    summary="Vote (full members in good standing, once, while the ballot is open)",
)
def cast_vote(
    request: ApiRequest, group_id: int, ballot_id: int, payload: VoteIn
) -> Status[dict[str, Any]]:
    rights, ballot = access_vote(request.auth, group_id, ballot_id)
    services.cast_vote(ballot, voter=request.auth, option_id=payload.option_id)
    return Status(201, _detail(ballot, rights, request.auth))


@router.post(
    "/groups/{group_id}/ballots/{ballot_id}/cancel",
    response=BallotDetailOut,
    summary="Cancel a ballot before it closes (administrators)",
)
def cancel_ballot(request: ApiRequest, group_id: int, ballot_id: int) -> dict[str, Any]:
    rights = access_ballots(request.auth, group_id)
    ballot = access_ballot(rights, ballot_id, write=True)
    services.cancel_ballot(ballot, actor=request.auth)
    return _detail(ballot, rights, request.auth)

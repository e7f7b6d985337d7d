"""Who is worth meeting in the API: a group's and a meeting's suggestions (members and
attendees only; 404 for anyone else), "not interested", and connection requests."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.accounts.models import ConnectionRequest, User
from cerchia.accounts.selectors import card_for
from cerchia.api.pagination import page
from cerchia.community import connections as services
from cerchia.community.errors import CommunityError
from cerchia.community.matching import DEFAULT_TOP
from cerchia.community.selectors_matching import (
    MAX_TOP,
    Suggestion,
    access_group_matches,
    access_meeting_matches,
    group_people,
    suggestions_for,
)
from cerchia.groups.models import Group, Membership
from cerchia.lib.http import ApiRequest

router = Router(tags=["matching"])


class MatchOut(Schema):
    user_id: int
    display_name: str
    profession: str | None  # null when the person does not show it to you
    company: str | None
    score: int
    reasons: list[str]
    requested: bool  # your request to connect is waiting


class MatchList(Schema):
    items: list[MatchOut]


class DismissalIn(Schema):
    user_id: int


class DismissalOut(Schema):
    user_id: int
    other: int
    created_at: datetime.datetime


class RequestIn(Schema):
    recipient_id: int
    message: str = ""
    group_id: int | None = None  # the group it is made from (its rules set the daily cap)


class RequestOut(Schema):
    id: int
    sender: int
    recipient: int
    message: str
    group: int | None
    status: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_sender(obj: ConnectionRequest) -> int:
        return obj.sender_id

    @staticmethod
    def resolve_recipient(obj: ConnectionRequest) -> int:
        return obj.recipient_id

    @staticmethod
    def resolve_group(obj: ConnectionRequest) -> int | None:
        return obj.group_id


class RequestPage(Schema):
    items: list[RequestOut]
    count: int


def _matches(suggestions: list[Suggestion]) -> dict[str, Any]:
    items = []
    for s in suggestions:
        profession = s.card.get("profession")
        items.append(
            {
                "user_id": s.user_id,
                "display_name": s.card["display_name"],
                "profession": profession.name if profession else None,
                "company": s.card.get("company") or None,
                "score": s.score,
                "reasons": s.reasons,
                "requested": s.requested,
            }
        )
    return {"items": items}


@router.get(
    "/groups/{group_id}/matches",
    response=MatchList,
    summary="Who is worth meeting in a group (its active members only)",
)
def group_matches(request: ApiRequest, group_id: int, limit: int = DEFAULT_TOP) -> dict[str, Any]:
    group = access_group_matches(request.auth, group_id)
    top = max(1, min(limit, MAX_TOP))
    return _matches(suggestions_for(request.auth, group_people(group), top=top))


@router.get(
    "/meetings/{meeting_id}/matches",
    response=MatchList,
    summary="Who is worth meeting at a meeting (its attendees only)",
)
def meeting_matches(
    request: ApiRequest, meeting_id: int, limit: int = DEFAULT_TOP
) -> dict[str, Any]:
    _meeting, people = access_meeting_matches(request.auth, meeting_id)
    top = max(1, min(limit, MAX_TOP))
    return _matches(suggestions_for(request.auth, people, top=top))


@router.post(
    "/dismissals",
    response={201: DismissalOut},
    summary='"Not interested": never suggest this person to me again',
)
def dismiss(request: ApiRequest, payload: DismissalIn) -> Status[dict[str, Any]]:
    profile, _card = card_for(request.auth, payload.user_id)
    dismissal = services.dismiss_suggestion(request.auth, other=profile.user)
    return Status(
        201,
        {
            "user_id": dismissal.user_id,
            "other": dismissal.other_id,
            "created_at": dismissal.created_at,
        },
    )


@router.get(
    "/connection-requests", response=RequestPage, summary="Connection requests I received or sent"
)
def list_requests(
    request: ApiRequest,
    direction: Literal["incoming", "outgoing"] = "incoming",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    qs = services.requests_of(request.auth, incoming=direction == "incoming")
    items, count = page(qs, limit, offset)
    return {"items": items, "count": count}


def _group(user: User, group_id: int | None) -> Group | None:
    if group_id is None:
        return None
    mine = Membership.objects.active().filter(user=user).values("group_id")
    group = Group.objects.filter(pk=group_id, pk__in=mine).first()
    if group is None:
        # The same words whether the group exists or not.
        raise CommunityError(
            _("No group %(id)s among the groups you are an active member of.") % {"id": group_id}
        )
    return group


@router.post("/connection-requests", response={201: RequestOut}, summary="Ask someone to connect")
def create_request(request: ApiRequest, payload: RequestIn) -> Status[ConnectionRequest]:
    # Only someone whose card I can see: the same 404 for a stranger and a missing id.
    profile, _card = card_for(request.auth, payload.recipient_id)
    made = services.send_connection_request(
        request.auth,
        profile.user,
        message=payload.message,
        group=_group(request.auth, payload.group_id),
    )
    return Status(201, made)


def _act(request: ApiRequest, request_id: int, action: str) -> ConnectionRequest:
    found = services.access_connection_request(request.auth, request_id)
    verb = {
        "accept": services.accept_connection_request,
        "decline": services.decline_connection_request,
        "withdraw": services.withdraw_connection_request,
    }[action]
    return verb(found, actor=request.auth)


@router.post(
    "/connection-requests/{request_id}/accept",
    response=RequestOut,
    summary="Accept a request: each becomes a connection of the other",
)
def accept_request(request: ApiRequest, request_id: int) -> ConnectionRequest:
    return _act(request, request_id, "accept")


@router.post("/connection-requests/{request_id}/decline", response=RequestOut)
def decline_request(request: ApiRequest, request_id: int) -> ConnectionRequest:
    return _act(request, request_id, "decline")


@router.post("/connection-requests/{request_id}/withdraw", response=RequestOut)
def withdraw_request(request: ApiRequest, request_id: int) -> ConnectionRequest:
    return _act(request, request_id, "withdraw")

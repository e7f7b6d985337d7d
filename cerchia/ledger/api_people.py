"""One-to-ones, connections ("people I met") and follow-ups in the API. A one-to-one is seen
by its two people, a connection by its owner only; anyone else gets 404. Follow-up rates are
counts, for the group's leaders (a person's own rate for themselves)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from cerchia.accounts.models import User
from cerchia.api.pagination import page
from cerchia.groups.access import access_group, rights_in
from cerchia.groups.models import Group
from cerchia.ledger import services
from cerchia.ledger.access import access_connection, access_one_to_one
from cerchia.ledger.forms_people import person_label
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.selectors_people import (
    FollowUpRate,
    connections_of,
    follow_up_state,
    group_follow_up_rate,
    meeting_follow_up_rate,
    one_to_ones_of,
    user_follow_up_rate,
)
from cerchia.ledger.services import LedgerError
from cerchia.lib.http import ApiRequest
from cerchia.meetings.access import access_meeting

# Date filters are ?from= and ?to=, as on every other ledger list.
FROM = Query(None, alias="from")
TO = Query(None, alias="to")

router = Router(tags=["one-to-ones and connections"])


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return person_label(obj)


class OneToOneOut(Schema):
    id: int
    group: int | None
    proposer: PersonOut
    partner: PersonOut
    status: str
    scheduled_for: datetime.datetime | None
    held_on: datetime.date | None
    place: str
    notes: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_group(obj: OneToOne) -> int | None:
        return obj.group_id


class OneToOnePage(Schema):
    items: list[OneToOneOut]
    count: int


class OneToOneIn(Schema):
    partner_id: int
    group_id: int | None = None
    scheduled_for: datetime.datetime | None = None
    place: str = ""
    notes: str = ""
    held_on: datetime.date | None = None  # log a one-to-one already held


class OneToOnePatch(Schema):
    status: Literal["held", "cancelled"]
    held_on: datetime.date | None = None  # default: today
    notes: str = ""


class ConnectionOut(Schema):
    id: int
    person: int | None
    name: str
    email: str
    company: str
    where: str
    group: int | None
    meeting: int | None
    met_on: datetime.date
    notes: str
    follow_up_due: datetime.date
    followed_up_on: datetime.date | None
    followed_up_via: str
    follow_up: str  # open, overdue or done
    url: str

    @staticmethod
    def resolve_person(obj: Connection) -> int | None:
        return obj.person_id

    @staticmethod
    def resolve_group(obj: Connection) -> int | None:
        return obj.group_id

    @staticmethod
    def resolve_meeting(obj: Connection) -> int | None:
        return obj.meeting_id

    @staticmethod
    def resolve_follow_up(obj: Connection) -> str:
        return follow_up_state(obj, timezone.localdate())

    @staticmethod
    def resolve_url(obj: Connection) -> str:
        return f"/ledger/connections/{obj.pk}/"


class ConnectionPage(Schema):
    items: list[ConnectionOut]
    count: int


class ConnectionIn(Schema):
    person_id: int | None = None  # someone with an account you share a group with...
    name: str = ""  # ... or anyone, by name
    email: str = ""
    company: str = ""
    where: str = Connection.Where.ELSEWHERE
    group_id: int | None = None
    meeting_id: int | None = None  # sets the group, the day and where = meeting
    met_on: datetime.date | None = None  # default: today
    notes: str = ""


class FollowUpIn(Schema):
    on: datetime.date | None = None  # default: today


class FollowUpRateOut(Schema):
    made: int
    in_time: int
    late: int
    missed: int
    pending: int
    rate: float | None  # in_time / made; null when no connection was made


def _group(request: ApiRequest, group_id: int | None) -> Group | None:
    return None if group_id is None else access_group(request.auth, group_id)


def _person(request: ApiRequest, person_id: int) -> User:
    """The person named by id, as a 400 rather than a 404: whether an account exists is not
    for a stranger to learn, and the services refuse people one does not know."""
    person = User.objects.filter(pk=person_id, is_active=True).select_related("profile").first()
    if person is None:
        raise LedgerError(_("No such person among the people you know."))
    return person


# --- one-to-ones --------------------------------------------------------------------------


@router.get(
    "/one-to-ones",
    response=OneToOnePage,
    summary="My one-to-ones, both directions, newest first",
)
def list_one_to_ones(
    request: ApiRequest,
    group_id: int | None = None,
    status: Literal["proposed", "held", "cancelled"] | None = None,
    date_from: datetime.date | None = FROM,
    date_to: datetime.date | None = TO,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    found = one_to_ones_of(
        request.auth,
        group=_group(request, group_id),
        status=status or "",
        date_from=date_from,
        date_to=date_to,
    )
    items, count = page(found, limit, offset)
    return {"items": items, "count": count}


@router.post(
    "/one-to-ones",
    response={201: OneToOneOut},
    summary="Propose a one-to-one (or log one already held with held_on)",
)
def create_one_to_one(request: ApiRequest, payload: OneToOneIn) -> Status[OneToOne]:
    one = services.propose_one_to_one(
        request.auth,
        partner=_person(request, payload.partner_id),
        group=_group(request, payload.group_id),
        scheduled_for=payload.scheduled_for,
        place=payload.place,
        notes=payload.notes,
        held_on=payload.held_on,
    )
    return Status(201, access_one_to_one(request.auth, one.pk))


@router.get("/one-to-ones/{int:one_id}", response=OneToOneOut, summary="One of my one-to-ones")
def get_one_to_one(request: ApiRequest, one_id: int) -> OneToOne:
    return access_one_to_one(request.auth, one_id)


@router.patch(
    "/one-to-ones/{int:one_id}",
    response=OneToOneOut,
    summary="Record a proposed one-to-one as held (with notes) or cancel it",
)
def patch_one_to_one(request: ApiRequest, one_id: int, payload: OneToOnePatch) -> OneToOne:
    one = access_one_to_one(request.auth, one_id)
    if payload.status == OneToOne.Status.HELD:
        services.hold_one_to_one(
            one, actor=request.auth, held_on=payload.held_on, notes=payload.notes
        )
    else:
        services.cancel_one_to_one(one, actor=request.auth)
    return access_one_to_one(request.auth, one_id)


# --- connections and follow-ups -----------------------------------------------------------


@router.get(
    "/connections",
    response=ConnectionPage,
    summary="The people I met, newest first; follow_up=open|overdue|done filters",
)
def list_connections(
    request: ApiRequest,
    group_id: int | None = None,
    meeting_id: int | None = None,
    date_from: datetime.date | None = FROM,
    date_to: datetime.date | None = TO,
    follow_up: Literal["open", "overdue", "done"] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    found = connections_of(
        request.auth,
        group=_group(request, group_id),
        meeting_id=meeting_id,
        date_from=date_from,
        date_to=date_to,
        state=follow_up or "",
    )
    items, count = page(found, limit, offset)
    return {"items": items, "count": count}


@router.post("/connections", response={201: ConnectionOut}, summary="Note someone I met")
def create_connection(request: ApiRequest, payload: ConnectionIn) -> Status[Connection]:
    meeting = None
    if payload.meeting_id is not None:
        meeting, _rights = access_meeting(request.auth, payload.meeting_id)
    connection = services.record_connection(
        request.auth,
        where=payload.where,
        person=None if payload.person_id is None else _person(request, payload.person_id),
        name=payload.name,
        email=payload.email,
        company=payload.company,
        group=_group(request, payload.group_id),
        meeting=meeting,
        met_on=payload.met_on,
        notes=payload.notes,
    )
    return Status(201, connection)


def _rate_out(rate: FollowUpRate) -> dict[str, Any]:
    return {
        "made": rate.made,
        "in_time": rate.in_time,
        "late": rate.late,
        "missed": rate.missed,
        "pending": rate.pending,
        "rate": rate.rate,
    }


@router.get(
    "/connections/follow-up-rate",
    response=FollowUpRateOut,
    summary="Follow-up rate of an event (meeting_id) or a group (group_id), for its leaders; "
    "without either, my own",
)
def follow_up_rate(
    request: ApiRequest,
    group_id: int | None = None,
    meeting_id: int | None = None,
    date_from: datetime.date | None = FROM,
    date_to: datetime.date | None = TO,
) -> dict[str, Any]:
    if meeting_id is not None:
        meeting, rights = access_meeting(request.auth, meeting_id)
        if not rights.manager:
            raise PermissionDenied(_("Only the group's leaders see its follow-up rates."))
        return _rate_out(meeting_follow_up_rate(meeting))
    if group_id is not None:
        group = access_group(request.auth, group_id)
        if not rights_in(request.auth, group).manager:
            raise PermissionDenied(_("Only the group's leaders see its follow-up rates."))
        return _rate_out(group_follow_up_rate(group, date_from=date_from, date_to=date_to))
    return _rate_out(user_follow_up_rate(request.auth, date_from=date_from, date_to=date_to))


@router.get(
    "/connections/{int:connection_id}",
    response=ConnectionOut,
    summary="Someone I met, with the follow-up",
)
def get_connection(request: ApiRequest, connection_id: int) -> Connection:
    return access_connection(request.auth, connection_id)


@router.post(
    "/connections/{int:connection_id}/follow-up",
    response=ConnectionOut,
    summary='Mark the follow-up done: {"on": "YYYY-MM-DD"}, or {} for today',
)
def follow_up(request: ApiRequest, connection_id: int, payload: FollowUpIn) -> Connection:
    connection = access_connection(request.auth, connection_id)
    return services.mark_followed_up(connection, actor=request.auth, on=payload.on)

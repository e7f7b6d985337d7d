"""Visitors in the API: a group's visitors (hosts and leaders; a member their own), invitations,
one visitor's visits, and the hosts' follow-up tasks. Contacts go only to those who may see
them; everyone else gets 404 or 403."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.accounts.models import Profession
from cerchia.api.pagination import page
from cerchia.lib.http import ApiRequest
from cerchia.meetings import visitors as services
from cerchia.meetings.models import FollowUpTask, Registration, Visitor
from cerchia.meetings.registrations import status_message

router = Router(tags=["visitors"])


class VisitorOut(Schema):
    id: int
    group: int
    name: str
    email: str
    phone: str
    company: str
    profession: str | None
    invited_by: int | None
    created_at: datetime.datetime
    visits: int
    booked: int
    last_visit: datetime.datetime | None

    @staticmethod
    def resolve_group(obj: Visitor) -> int:
        return obj.group_id

    @staticmethod
    def resolve_profession(obj: Visitor) -> str | None:
        return obj.profession.code if obj.profession is not None else None

    @staticmethod
    def resolve_invited_by(obj: Visitor) -> int | None:
        return obj.invited_by_id


class VisitorPage(Schema):
    items: list[VisitorOut]
    count: int


class VisitOut(Schema):
    registration: int
    meeting: int
    meeting_title: str
    starts_at: datetime.datetime
    status: str
    attended: bool
    no_show: bool
    audience: str
    price_minor: int
    invited_by: int | None

    @staticmethod
    def resolve_registration(obj: Registration) -> int:
        return obj.pk

    @staticmethod
    def resolve_meeting(obj: Registration) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_meeting_title(obj: Registration) -> str:
        return obj.meeting.title

    @staticmethod
    def resolve_starts_at(obj: Registration) -> datetime.datetime:
        return obj.meeting.starts_at

    @staticmethod
    def resolve_invited_by(obj: Registration) -> int | None:
        return obj.registered_by_id


class TaskOut(Schema):
    id: int
    group: int
    kind: str
    visitor: int
    visitor_name: str
    meeting: int
    meeting_title: str
    assignee: int | None
    due_on: datetime.date
    done_at: datetime.datetime | None

    @staticmethod
    def resolve_group(obj: FollowUpTask) -> int:
        return obj.group_id

    @staticmethod
    def resolve_visitor(obj: FollowUpTask) -> int:
        return obj.visitor_id

    @staticmethod
    def resolve_visitor_name(obj: FollowUpTask) -> str:
        return obj.visitor.name

    @staticmethod
    def resolve_meeting(obj: FollowUpTask) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_meeting_title(obj: FollowUpTask) -> str:
        return obj.meeting.title

    @staticmethod
    def resolve_assignee(obj: FollowUpTask) -> int | None:
        return obj.assignee_id


class TaskPage(Schema):
    items: list[TaskOut]
    count: int


class VisitorDetailOut(VisitorOut):
    visit_list: list[VisitOut]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_visit_list(obj: Visitor) -> list[Registration]:
        return services.visits_of(obj)

    @staticmethod
    def resolve_tasks(obj: Visitor) -> list[FollowUpTask]:
        return list(obj.tasks.select_related("visitor", "meeting"))


class PersonIn(Schema):
    name: str
    email: str
    phone: str = ""
    company: str = ""
    profession: str = ""  # a profession code, e.g. "florist"


class VisitorIn(PersonIn):
    meeting: int | None = None  # invite to this meeting of the group; none: just list them
    register_now: bool = False  # and register them for it now


class InviteIn(PersonIn):
    register_now: bool = False


class VisitRegistrationOut(Schema):
    id: int
    status: str
    message: str
    audience: str
    price_minor: int

    @staticmethod
    def resolve_message(obj: Registration) -> str:
        return status_message(obj)


class InvitationOut(Schema):
    visitor: VisitorOut
    registration: VisitRegistrationOut | None
    visits: int  # visits so far (attended and booked), before this one
    limit: int  # the group's visitor limit (0: none)
    non_member_price: bool  # past the limit: this visit costs the non-member price


def _profession(code: str) -> Profession | None:
    if not code:
        return None
    found = Profession.objects.filter(code=code).first()
    if found is None:
        raise services.VisitorError(_("Unknown profession: %(code)s") % {"code": code})
    return found


def _person(payload: PersonIn) -> dict[str, Any]:
    return {
        "name": payload.name,
        "email": payload.email,
        "phone": payload.phone,
        "company": payload.company,
        "profession": _profession(payload.profession),
    }


def _annotated(visitor: Visitor) -> Visitor:
    found = (
        services.with_visits(Visitor.objects.filter(pk=visitor.pk))
        .select_related("profession")
        .get()
    )
    return found


def _invitation(
    visitor: Visitor, registration: Registration | None, meeting: Any
) -> dict[str, Any]:
    check = services.check_visit(meeting, visitor)
    return {
        "visitor": _annotated(visitor),
        "registration": registration,
        # Before this visit: its own registration does not count against itself.
        "visits": check.prior,
        "limit": check.limit,
        "non_member_price": check.past_limit,
    }


@router.get(
    "/groups/{group_id}/visitors",
    response=VisitorPage,
    summary="A group's visitors with visit counts: all for its leaders and visitor hosts, the "
    "ones they invited for a member",
)
def list_visitors(
    request: ApiRequest, group_id: int, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rights = services.access_visitors(request.auth, group_id)
    items, count = page(services.visitor_list(rights), limit, offset)
    return {"items": items, "count": count}


@router.post(
    "/groups/{group_id}/visitors",
    response={201: InvitationOut},
    summary="Add a visitor to the group's list (members); with a meeting, invite them to it",
)
def add_visitor(request: ApiRequest, group_id: int, payload: VisitorIn) -> Status[dict[str, Any]]:
    rights = services.access_visitors(request.auth, group_id)
    group = rights.group
    if payload.meeting is None:
        visitor = services.add_visitor(group, actor=request.auth, **_person(payload))
        return Status(
            201,
            {
                "visitor": _annotated(visitor),
                "registration": None,
                "visits": 0,
                "limit": group.rules.visitor_visit_limit,
                "non_member_price": False,
            },
        )
    meeting = services.open_meetings(group).filter(pk=payload.meeting).first()
    if meeting is None:
        raise services.VisitorError(_("Choose one of the group's next meetings open to visitors."))
    meeting.group = group
    visitor, registration = services.invite_visitor(
        meeting, actor=request.auth, register_now=payload.register_now, **_person(payload)
    )
    return Status(201, _invitation(visitor, registration, meeting))


@router.post(
    "/meetings/{meeting_id}/visitors",
    response={201: InvitationOut},
    summary="Invite a visitor to a meeting (members): they are emailed the visitor page's "
    "link; with register, registered now",
)
def invite(request: ApiRequest, meeting_id: int, payload: InviteIn) -> Status[dict[str, Any]]:
    meeting = services.access_meeting_to_invite(request.auth, meeting_id)
    visitor, registration = services.invite_visitor(
        meeting, actor=request.auth, register_now=payload.register_now, **_person(payload)
    )
    return Status(201, _invitation(visitor, registration, meeting))


@router.get(
    "/visitors/{visitor_id}",
    response=VisitorDetailOut,
    summary="One visitor with their visits and follow-up tasks (the group's leaders and hosts, "
    "and whoever invited them)",
)
def get_visitor(request: ApiRequest, visitor_id: int) -> Visitor:
    visitor = services.access_visitor(request.auth, visitor_id)
    return _annotated(visitor)


@router.get(
    "/groups/{group_id}/visitor-tasks",
    response=TaskPage,
    summary="Follow-up tasks: all of the group's for its leaders and hosts, their own for others",
)
def list_tasks(
    request: ApiRequest,
    group_id: int,
    status: Literal["open", "done", "all"] = "open",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    rights = services.access_visitors(request.auth, group_id)
    done = {"open": False, "done": True, "all": None}[status]
    items, count = page(services.tasks_for(rights, done=done), limit, offset)
    return {"items": items, "count": count}


@router.post(
    "/visitor-tasks/{task_id}/done",
    response=TaskOut,
    summary="Mark a follow-up task done (its assignee, the group's leaders and hosts)",
)
def task_done(request: ApiRequest, task_id: int) -> FollowUpTask:
    found = services.access_task(request.auth, task_id)
    return services.complete_task(found, actor=request.auth)
